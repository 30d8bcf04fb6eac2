/*
 * jbuf.h: a small, fast JSON writer for events (the hot EVE path).
 *
 * A vg_jb is a growable byte buffer with a hard cap (VG_JB_MAX by default)
 * and a nesting stack that places commas.  Writers never fail mid-object:
 * on allocation failure or when the cap is reached the buffer is marked
 * `overflow` and further writes are ignored; the caller checks
 * vg_jb_ok() before emitting the event and counts the loss.
 *
 * Strings are written as valid JSON: control characters and invalid UTF-8
 * bytes are escaped as \u00XX, so any attacker bytes produce valid output.
 */
#ifndef VG_JBUF_H
#define VG_JBUF_H

#include "core/vg.h"

#define VG_JB_MAX (16u << 20) /* 16 MiB per event */
#define VG_JB_DEPTH 32

typedef struct vg_jb {
    char *buf;
    size_t len;
    size_t cap;
    size_t max;                 /* hard cap on len */
    bool overflow;              /* a write was refused */
    int depth;
    bool first[VG_JB_DEPTH];    /* next item at this depth is the first */
} vg_jb;

void vg_jb_init(vg_jb *jb);
void vg_jb_free(vg_jb *jb);
void vg_jb_reset(vg_jb *jb);
static inline bool vg_jb_ok(const vg_jb *jb) { return !jb->overflow; }

/* Structure.  A key is only needed inside an object; pass NULL in arrays. */
void vg_jb_open_obj(vg_jb *jb, const char *key);
void vg_jb_close_obj(vg_jb *jb);
void vg_jb_open_arr(vg_jb *jb, const char *key);
void vg_jb_close_arr(vg_jb *jb);

/* Values (key NULL inside arrays). */
void vg_jb_str(vg_jb *jb, const char *key, const char *s);
void vg_jb_strn(vg_jb *jb, const char *key, const void *s, size_t n);
void vg_jb_u64(vg_jb *jb, const char *key, uint64_t v);
void vg_jb_i64(vg_jb *jb, const char *key, int64_t v);
void vg_jb_dbl(vg_jb *jb, const char *key, double v);
void vg_jb_bool(vg_jb *jb, const char *key, bool v);
void vg_jb_null(vg_jb *jb, const char *key);
/* Base64 (RFC 4648, padded) of n bytes, as a string value. */
void vg_jb_b64(vg_jb *jb, const char *key, const void *s, size_t n);
/* Bytes as Suricata's payload_printable: printable ASCII kept, others '.'. */
void vg_jb_printable(vg_jb *jb, const char *key, const void *s, size_t n);
/* Append already-serialised JSON as a value (trusted input only). */
void vg_jb_raw(vg_jb *jb, const char *key, const char *json, size_t n);

/* Base64-encode n bytes into out (needs 4*((n+2)/3)+1 bytes); returns length. */
size_t vg_base64_encode(const void *in, size_t n, char *out);

#endif
