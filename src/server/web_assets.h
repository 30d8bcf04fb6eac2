/* web_assets.h: the dashboard's files, embedded at build time (embed_web.py). */
#ifndef VG_SERVER_WEB_ASSETS_H
#define VG_SERVER_WEB_ASSETS_H

#include <stddef.h>

typedef struct vg_web_asset {
    const char *path;   /* "/index.html", ... */
    const char *mime;
    const unsigned char *data;
    size_t len;
} vg_web_asset;

extern const vg_web_asset vg_web_assets[]; /* ends with a NULL path */

#endif
