/*
 * ytree.h: a small YAML document tree for inspection inputs (SCA policies,
 * dossiers).  libyaml parses; this keeps scalars, mappings and sequences
 * with the line of each node so that errors can name "file:line: field".
 *
 * Limits: documents over VG_YT_MAX_BYTES, deeper than VG_YT_MAX_DEPTH or with
 * more than VG_YT_MAX_NODES nodes are refused (VG_ELIMIT).  Anchors and
 * aliases are refused (no billion-laughs).  Only the first document is read.
 * The tree owns all its strings; vg_yt_free() releases everything.
 */
#ifndef VG_INSPECT_YTREE_H
#define VG_INSPECT_YTREE_H

#include <stddef.h>

#include "core/vg.h"

#define VG_YT_MAX_BYTES (16u << 20)
#define VG_YT_MAX_DEPTH 64
#define VG_YT_MAX_NODES 1000000

enum vg_yt_type { VG_YT_SCALAR, VG_YT_MAP, VG_YT_SEQ };

typedef struct vg_yt vg_yt;
struct vg_yt {
    enum vg_yt_type type;
    char *value;      /* scalar text (NUL-terminated), NULL otherwise */
    char *key;        /* key when this node is a mapping value, else NULL */
    int line;         /* 1-based line of the node's start */
    vg_yt *child;     /* first child (map values or seq items) */
    vg_yt *next;      /* next sibling */
    size_t n;         /* number of children */
};

/* Parse a YAML buffer; `name` is used in errors.  On success *out is the
 * root node (NULL for an empty document).  errbuf gets "name:line: reason". */
int vg_yt_parse(const char *buf, size_t len, const char *name, vg_yt **out,
                char *errbuf) VG_WARN_UNUSED;
/* Read and parse a file (capped at VG_YT_MAX_BYTES). */
int vg_yt_load(const char *path, vg_yt **out, char *errbuf) VG_WARN_UNUSED;
void vg_yt_free(vg_yt *n);

/* Child of a mapping by key, or NULL. */
const vg_yt *vg_yt_get(const vg_yt *map, const char *key);
/* Scalar value of a mapping's key, or NULL when absent or not a scalar. */
const char *vg_yt_str(const vg_yt *map, const char *key);

/* Read a whole file into a NUL-terminated malloc'd buffer, capped at max
 * bytes (VG_ELIMIT beyond).  *len_out may be NULL. */
int vg_read_file(const char *path, size_t max, char **out, size_t *len_out) VG_WARN_UNUSED;

#endif
