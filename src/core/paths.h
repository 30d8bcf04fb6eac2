/*
 * paths.h: where vigil's bundled data lives (rules, policies, the sample
 * capture, web assets).  $VIGIL_DATADIR wins; otherwise the data/ folder
 * the binary was built from.
 */
#ifndef VG_PATHS_H
#define VG_PATHS_H

#include <stddef.h>

const char *vg_datadir(void);
/* out = datadir/rel; returns out. */
char *vg_datapath(char *out, size_t cap, const char *rel);

#endif
