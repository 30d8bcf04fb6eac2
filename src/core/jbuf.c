#include "core/jbuf.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void vg_jb_init(vg_jb *jb)
{
    memset(jb, 0, sizeof(*jb));
    jb->max = VG_JB_MAX;
    jb->first[0] = true;
}

void vg_jb_free(vg_jb *jb)
{
    free(jb->buf);
    memset(jb, 0, sizeof(*jb));
}

void vg_jb_reset(vg_jb *jb)
{
    jb->len = 0;
    jb->overflow = false;
    jb->depth = 0;
    jb->first[0] = true;
}

static bool reserve(vg_jb *jb, size_t n)
{
    if (jb->overflow)
        return false;
    if (jb->len + n + 1 > jb->max) {
        jb->overflow = true;
        return false;
    }
    if (jb->len + n + 1 > jb->cap) {
        size_t cap = jb->cap ? jb->cap : 1024;
        while (cap < jb->len + n + 1)
            cap *= 2;
        char *b = realloc(jb->buf, cap);
        if (!b) {
            jb->overflow = true;
            return false;
        }
        jb->buf = b;
        jb->cap = cap;
    }
    return true;
}

static void put(vg_jb *jb, const char *s, size_t n)
{
    if (!reserve(jb, n))
        return;
    memcpy(jb->buf + jb->len, s, n);
    jb->len += n;
    jb->buf[jb->len] = '\0';
}

static void putc_(vg_jb *jb, char c) { put(jb, &c, 1); }

static void escaped(vg_jb *jb, const uint8_t *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    /* Worst case 6 bytes out per byte in. */
    if (!reserve(jb, n * 6 + 2))
        return;
    char *o = jb->buf + jb->len;
    *o++ = '"';
    size_t i = 0;
    while (i < n) {
        uint8_t c = s[i];
        if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') {
            *o++ = (char)c;
            i++;
            continue;
        }
        if (c >= 0x80) {
            /* Pass valid UTF-8 through; escape anything else byte by byte. */
            size_t len = c >= 0xf0 && c < 0xf5 ? 4 : c >= 0xe0 ? 3 : c >= 0xc2 && c < 0xe0 ? 2 : 0;
            if (c >= 0xf5)
                len = 0;
            bool valid = len > 0 && i + len <= n;
            for (size_t k = 1; valid && k < len; k++)
                if ((s[i + k] & 0xc0) != 0x80)
                    valid = false;
            if (valid && len == 3 && ((c == 0xe0 && s[i + 1] < 0xa0) || (c == 0xed && s[i + 1] >= 0xa0)))
                valid = false;
            if (valid && len == 4 && ((c == 0xf0 && s[i + 1] < 0x90) || (c == 0xf4 && s[i + 1] >= 0x90)))
                valid = false;
            if (valid) {
                memcpy(o, s + i, len);
                o += len;
                i += len;
                continue;
            }
        }
        *o++ = '\\';
        switch (c) {
        case '"': *o++ = '"'; break;
        case '\\': *o++ = '\\'; break;
        case '\n': *o++ = 'n'; break;
        case '\r': *o++ = 'r'; break;
        case '\t': *o++ = 't'; break;
        case '\b': *o++ = 'b'; break;
        case '\f': *o++ = 'f'; break;
        default:
            *o++ = 'u'; *o++ = '0'; *o++ = '0';
            *o++ = hex[c >> 4]; *o++ = hex[c & 15];
        }
        i++;
    }
    *o++ = '"';
    jb->len = (size_t)(o - jb->buf);
    jb->buf[jb->len] = '\0';
}

static void item(vg_jb *jb, const char *key)
{
    if (jb->depth > 0) {
        if (!jb->first[jb->depth])
            putc_(jb, ',');
        jb->first[jb->depth] = false;
    }
    if (key) {
        escaped(jb, (const uint8_t *)key, strlen(key));
        putc_(jb, ':');
    }
}

static void open_(vg_jb *jb, const char *key, char c)
{
    item(jb, key);
    putc_(jb, c);
    if (jb->depth + 1 >= VG_JB_DEPTH) {
        jb->overflow = true;
        return;
    }
    jb->depth++;
    jb->first[jb->depth] = true;
}

static void close_(vg_jb *jb, char c)
{
    putc_(jb, c);
    if (jb->depth > 0)
        jb->depth--;
}

void vg_jb_open_obj(vg_jb *jb, const char *key) { open_(jb, key, '{'); }
void vg_jb_close_obj(vg_jb *jb) { close_(jb, '}'); }
void vg_jb_open_arr(vg_jb *jb, const char *key) { open_(jb, key, '['); }
void vg_jb_close_arr(vg_jb *jb) { close_(jb, ']'); }

void vg_jb_strn(vg_jb *jb, const char *key, const void *s, size_t n)
{
    item(jb, key);
    escaped(jb, s, n);
}

void vg_jb_str(vg_jb *jb, const char *key, const char *s)
{
    vg_jb_strn(jb, key, s, strlen(s));
}

/* Digits of v, right-aligned in t[24]; returns the first digit's index.
 * (Numbers are on every event: printf was a measurable cost.) */
static size_t u64_digits(uint64_t v, char t[24])
{
    size_t i = 24;
    do {
        t[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    return i;
}

void vg_jb_u64(vg_jb *jb, const char *key, uint64_t v)
{
    char t[24];
    size_t i = u64_digits(v, t);
    item(jb, key);
    put(jb, t + i, 24 - i);
}

void vg_jb_i64(vg_jb *jb, const char *key, int64_t v)
{
    char t[24];
    uint64_t mag = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    size_t i = u64_digits(mag, t);
    if (v < 0)
        t[--i] = '-';
    item(jb, key);
    put(jb, t + i, 24 - i);
}

void vg_jb_dbl(vg_jb *jb, const char *key, double v)
{
    char t[40];
    int n = snprintf(t, sizeof t, "%.6g", v);
    if (v != v || v - v != 0) /* NaN or inf are not JSON */
        n = snprintf(t, sizeof t, "null");
    item(jb, key);
    put(jb, t, (size_t)n);
}

void vg_jb_bool(vg_jb *jb, const char *key, bool v)
{
    item(jb, key);
    put(jb, v ? "true" : "false", v ? 4 : 5);
}

void vg_jb_null(vg_jb *jb, const char *key)
{
    item(jb, key);
    put(jb, "null", 4);
}

void vg_jb_raw(vg_jb *jb, const char *key, const char *json, size_t n)
{
    item(jb, key);
    put(jb, json, n);
}

size_t vg_base64_encode(const void *in, size_t n, char *out)
{
    static const char tab[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    const uint8_t *p = in;
    size_t o = 0, i = 0;
    for (; i + 2 < n; i += 3) {
        uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];
        out[o++] = tab[v >> 18];
        out[o++] = tab[(v >> 12) & 63];
        out[o++] = tab[(v >> 6) & 63];
        out[o++] = tab[v & 63];
    }
    if (i < n) {
        uint32_t v = (uint32_t)p[i] << 16;
        if (i + 1 < n)
            v |= (uint32_t)p[i + 1] << 8;
        out[o++] = tab[v >> 18];
        out[o++] = tab[(v >> 12) & 63];
        out[o++] = i + 1 < n ? tab[(v >> 6) & 63] : '=';
        out[o++] = '=';
    }
    out[o] = '\0';
    return o;
}

void vg_jb_b64(vg_jb *jb, const char *key, const void *s, size_t n)
{
    item(jb, key);
    size_t need = 4 * ((n + 2) / 3) + 3;
    if (!reserve(jb, need))
        return;
    jb->buf[jb->len++] = '"';
    jb->len += vg_base64_encode(s, n, jb->buf + jb->len);
    jb->buf[jb->len++] = '"';
    jb->buf[jb->len] = '\0';
}

void vg_jb_printable(vg_jb *jb, const char *key, const void *s, size_t n)
{
    const uint8_t *p = s;
    char *t = malloc(n + 1);
    if (!t) {
        jb->overflow = true;
        return;
    }
    for (size_t i = 0; i < n; i++)
        t[i] = (p[i] >= 0x20 && p[i] < 0x7f) || p[i] == '\n' || p[i] == '\r' || p[i] == '\t'
                   ? (char)p[i] : '.';
    vg_jb_strn(jb, key, t, n);
    free(t);
}
