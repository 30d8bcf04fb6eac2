/*
 * out_mb.h: a run of object members written into a vg_jb at once (the hot
 * EVE header, flow and alert fields).
 *
 * Each vg_jb call places a comma, escapes its key and reserves room, which
 * for a record of a dozen short fields costs more than the bytes; here the
 * members go into a small local buffer and reach the vg_jb with one
 * vg_jb_raw (the run's first key as the key, the rest as the "value"), so
 * the bytes are those the vg_jb calls would have written.  Keys are
 * literals of the caller that need no escaping.  A text value with a byte
 * JSON escapes (quote, backslash, control, non-ASCII) or too long for the
 * buffer goes through vg_jb_str instead, after the pending run.  Call
 * mb_end before any other vg_jb call on the same buffer.
 */
#ifndef VG_NET_ENGINE_OUT_MB_H
#define VG_NET_ENGINE_OUT_MB_H

#include <string.h>

#include "core/jbuf.h"

typedef struct vg_mb {
    vg_jb *jb;
    const char *key;  /* first key of the pending run (NULL: none pending) */
    size_t len;
    char buf[448];
} vg_mb;

static inline void mb_begin(vg_mb *m, vg_jb *jb)
{
    m->jb = jb;
    m->key = NULL;
    m->len = 0;
}

static inline void mb_end(vg_mb *m)
{
    if (m->key)
        vg_jb_raw(m->jb, m->key, m->buf, m->len);
    m->key = NULL;
    m->len = 0;
}

/* Start a member of key (klen bytes) with room for vlen more bytes; false
 * when it cannot fit even in an empty buffer. */
static inline bool mb_key(vg_mb *m, const char *key, size_t klen, size_t vlen)
{
    if (m->len + klen + vlen + 4 > sizeof m->buf) {
        mb_end(m);
        if (vlen + 1 > sizeof m->buf)
            return false;
    }
    if (!m->key) {
        m->key = key;
        return true;
    }
    char *o = m->buf + m->len;
    *o++ = ',';
    *o++ = '"';
    memcpy(o, key, klen);
    o += klen;
    *o++ = '"';
    *o++ = ':';
    m->len = (size_t)(o - m->buf);
    return true;
}

static inline void mb_u64(vg_mb *m, const char *key, size_t klen, uint64_t v)
{
    char t[24];
    size_t i = sizeof t;
    do {
        t[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    mb_key(m, key, klen, sizeof t - i);
    memcpy(m->buf + m->len, t + i, sizeof t - i);
    m->len += sizeof t - i;
}

/* Does s (n bytes) need no JSON escaping? */
static inline bool mb_plain(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 || c >= 0x80 || c == '"' || c == '\\')
            return false;
    }
    return true;
}

/* key and the quoted string s, in the run when it may go there as is
 * (plain: known to need no JSON escape), else through the writer. */
static inline void mb_quoted(vg_mb *m, const char *key, size_t klen, const char *s, bool plain)
{
    size_t n = strlen(s);
    if (!plain || !mb_key(m, key, klen, n + 2)) {
        mb_end(m);
        vg_jb_str(m->jb, key, s);
        return;
    }
    char *o = m->buf + m->len;
    *o++ = '"';
    memcpy(o, s, n);
    o += n;
    *o++ = '"';
    m->len = (size_t)(o - m->buf);
}

static inline void mb_str(vg_mb *m, const char *key, size_t klen, const char *s)
{
    mb_quoted(m, key, klen, s, mb_plain(s, strlen(s)));
}

/* Text the caller formatted itself with no byte JSON escapes (timestamps,
 * address text): no check. */
static inline void mb_text(vg_mb *m, const char *key, size_t klen, const char *s)
{
    mb_quoted(m, key, klen, s, true);
}

/* Already serialised JSON (trusted) as the value of key. */
static inline void mb_raw(vg_mb *m, const char *key, size_t klen, const char *json, size_t n)
{
    if (!mb_key(m, key, klen, n)) {
        mb_end(m);
        vg_jb_raw(m->jb, key, json, n);
        return;
    }
    memcpy(m->buf + m->len, json, n);
    m->len += n;
}

/* Literal keys only. */
#define MB_U64(m, key, v) mb_u64((m), key, sizeof(key) - 1, (v))
#define MB_STR(m, key, s) mb_str((m), key, sizeof(key) - 1, (s))
#define MB_TEXT(m, key, s) mb_text((m), key, sizeof(key) - 1, (s))
#define MB_RAW(m, key, j, n) mb_raw((m), key, sizeof(key) - 1, (j), (n))

#endif
