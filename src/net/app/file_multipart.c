/*
 * file_multipart.c: a streaming multipart/form-data parser that turns the
 * parts carrying a filename into files (file.h).
 *
 * The body is cut at the delimiter "\r\n--<boundary>" (the body's start
 * counts as preceded by CRLF, so a first delimiter without one is found);
 * after a delimiter comes "--" (the end) or a line end and the part's
 * headers up to an empty line; a part whose Content-Disposition has a
 * filename (or filename*) parameter becomes a file, its data being the
 * bytes up to the next delimiter.  Data is handed on as it comes, except
 * the last delimiter-length bytes, held back until it is known they do not
 * start a delimiter.  Memory per parser is bounded: the boundary (70 bytes
 * by RFC 2046, 256 accepted), the held bytes and the part headers
 * (VG_MPART_HDR_MAX, counted when cut).
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "net/app/file.h"

#define BOUNDARY_MAX 256

enum { MP_DATA = 0, MP_AFTER_DELIM, MP_HEADERS, MP_END };

struct vg_mpart {
    vg_files_ctx *fc;
    vg_file_list *fl;
    uint64_t tx_id;
    uint8_t delim[BOUNDARY_MAX + 4]; /* "\r\n--" boundary */
    uint32_t dlen;
    int state;
    bool in_file;                   /* the current part is a file */
    uint8_t hold[BOUNDARY_MAX + 8]; /* bytes that may start a delimiter */
    uint32_t hold_len;
    uint8_t *hdr;                   /* current part's headers */
    uint32_t hdr_len;
    uint32_t hdr_seen;              /* header bytes seen (kept or not) */
    uint32_t last;                  /* the last header bytes, newest lowest */
    bool hdr_over;
};

int vg_mpart_param(const uint8_t *v, uint32_t n, const char *param, char *out, size_t outsz)
{
    size_t pl = strlen(param);
    uint32_t i = 0;
    while (i < n) {
        /* parameters follow a ';' */
        while (i < n && v[i] != ';')
            i++;
        if (i >= n)
            break;
        i++;
        while (i < n && (v[i] == ' ' || v[i] == '\t'))
            i++;
        uint32_t ks = i;
        while (i < n && v[i] != '=' && v[i] != ';' && v[i] != ' ' && v[i] != '\t')
            i++;
        uint32_t kl = i - ks;
        while (i < n && (v[i] == ' ' || v[i] == '\t'))
            i++;
        if (i >= n || v[i] != '=')
            continue;
        i++;
        while (i < n && (v[i] == ' ' || v[i] == '\t'))
            i++;
        bool match = kl == pl && strncasecmp((const char *)v + ks, param, pl) == 0;
        size_t o = 0;
        if (i < n && v[i] == '"') {
            i++;
            while (i < n && v[i] != '"') {
                /* \" is a quote; other backslashes stay (C:\dir\a.exe) */
                if (v[i] == '\\' && i + 1 < n && v[i + 1] == '"')
                    i++;
                if (match && o + 1 < outsz)
                    out[o++] = (char)v[i];
                i++;
            }
            if (i < n)
                i++;
        } else {
            while (i < n && v[i] != ';') {
                if (match && o + 1 < outsz)
                    out[o++] = (char)v[i];
                i++;
            }
            while (match && o > 0 && (out[o - 1] == ' ' || out[o - 1] == '\t'))
                o--;
        }
        if (match) {
            if (outsz)
                out[o] = 0;
            return (int)o;
        }
    }
    return -1;
}

vg_mpart *vg_mpart_new(vg_files_ctx *fc, vg_file_list *fl, uint64_t tx_id,
                       const uint8_t *ct, uint32_t ct_len)
{
    static const char mt[] = "multipart/form-data";
    if (!ct || ct_len < sizeof mt - 1)
        return NULL;
    uint32_t s = 0;
    while (s < ct_len && (ct[s] == ' ' || ct[s] == '\t'))
        s++;
    if (ct_len - s < sizeof mt - 1 || strncasecmp((const char *)ct + s, mt, sizeof mt - 1) != 0)
        return NULL;
    char b[BOUNDARY_MAX + 1];
    int bl = vg_mpart_param(ct, ct_len, "boundary", b, sizeof b);
    if (bl <= 0 || bl > BOUNDARY_MAX)
        return NULL;
    vg_mpart *mp = calloc(1, sizeof(*mp));
    if (!mp)
        return NULL;
    mp->fc = fc;
    mp->fl = fl;
    mp->tx_id = tx_id;
    memcpy(mp->delim, "\r\n--", 4);
    memcpy(mp->delim + 4, b, (size_t)bl);
    mp->dlen = 4u + (uint32_t)bl;
    /* the body's start counts as a line start */
    memcpy(mp->hold, "\r\n", 2);
    mp->hold_len = 2;
    mp->state = MP_DATA;
    return mp;
}

void vg_mpart_free(vg_mpart *mp)
{
    if (!mp)
        return;
    free(mp->hdr);
    free(mp);
}

static void part_data(vg_mpart *mp, const uint8_t *d, uint32_t n)
{
    if (mp->in_file && n)
        vg_file_append(mp->fl->cur[0], d, n);
}

static void part_end(vg_mpart *mp, int state)
{
    if (mp->in_file)
        vg_file_list_close_side(mp->fl, false, state);
    mp->in_file = false;
}

/* The part's headers are complete: open a file when it has a filename. */
static void part_headers(vg_mpart *mp)
{
    const uint8_t *h = mp->hdr;
    uint32_t n = mp->hdr_len, i = 0;
    while (i < n) {
        uint32_t e = i;
        while (e < n && h[e] != '\n')
            e++;
        uint32_t le = e;
        if (le > i && h[le - 1] == '\r')
            le--;
        static const char cd[] = "content-disposition:";
        if (le - i >= sizeof cd - 1 && strncasecmp((const char *)h + i, cd, sizeof cd - 1) == 0) {
            char name[VG_FILE_NAME_MAX + 1];
            int nl = vg_mpart_param(h + i, le - i, "filename", name, sizeof name);
            if (nl < 0)
                nl = vg_mpart_param(h + i, le - i, "filename*", name, sizeof name);
            if (nl >= 0) {
                /* the name as the client sent it (a path too) */
                if (vg_file_open(mp->fc, mp->fl, false, mp->tx_id, (const uint8_t *)name,
                                 (uint32_t)nl))
                    mp->in_file = true;
            }
            return;
        }
        i = e + 1;
    }
}

static const uint8_t *find(const uint8_t *h, size_t hn, const uint8_t *nd, size_t nn)
{
    if (nn == 0 || hn < nn)
        return NULL;
    const uint8_t *end = h + hn - nn + 1;
    for (const uint8_t *p = h; p < end;) {
        p = memchr(p, nd[0], (size_t)(end - p));
        if (!p)
            return NULL;
        if (memcmp(p, nd, nn) == 0)
            return p;
        p++;
    }
    return NULL;
}

/* Process w[0..n), returning how many bytes were consumed (the rest, less
 * than a delimiter long, is to be held). */
static uint32_t step(vg_mpart *mp, const uint8_t *w, uint32_t n, bool final)
{
    uint32_t pos = 0;
    while (pos < n && mp->state != MP_END) {
        switch (mp->state) {
        case MP_DATA: {
            const uint8_t *k = find(w + pos, n - pos, mp->delim, mp->dlen);
            if (k) {
                part_data(mp, w + pos, (uint32_t)(k - (w + pos)));
                pos = (uint32_t)(k - w) + mp->dlen;
                mp->state = MP_AFTER_DELIM;
                break;
            }
            uint32_t keep = final ? 0 : mp->dlen - 1;
            if (n - pos <= keep)
                return pos;
            part_data(mp, w + pos, n - pos - keep);
            return n - keep;
        }
        case MP_AFTER_DELIM:
            if (n - pos < 2)
                return pos;
            part_end(mp, VG_FILE_CLOSED);
            if (w[pos] == '-' && w[pos + 1] == '-') {
                mp->state = MP_END;
                return n;
            }
            /* transport padding up to the line end */
            while (pos < n && w[pos] != '\n')
                pos++;
            if (pos >= n) {
                mp->state = MP_HEADERS; /* tolerate: headers start at once */
                return n;
            }
            pos++;
            mp->state = MP_HEADERS;
            mp->hdr_len = 0;
            mp->hdr_seen = 0;
            mp->last = 0;
            mp->hdr_over = false;
            break;
        case MP_HEADERS: {
            /* copy up to the end of headers (an empty line) */
            while (pos < n) {
                uint8_t c = w[pos++];
                if (mp->hdr_len < VG_MPART_HDR_MAX) {
                    if (!mp->hdr) {
                        mp->hdr = malloc(VG_MPART_HDR_MAX);
                        if (!mp->hdr) {
                            mp->state = MP_END;
                            return n;
                        }
                    }
                    mp->hdr[mp->hdr_len++] = c;
                } else if (!mp->hdr_over) {
                    mp->hdr_over = true;
                    mp->fc->st.mpart_hdr_cap++;
                }
                mp->last = (mp->last << 8) | c;
                if (mp->hdr_seen < UINT32_MAX)
                    mp->hdr_seen++;
                if (c != '\n')
                    continue;
                /* an empty line ends the headers (or starts none) */
                uint32_t l = mp->hdr_seen;
                bool empty = (l == 1) || (l == 2 && (mp->last & 0xffff) == 0x0d0a) ||
                             (mp->last & 0xffff) == 0x0a0a || (mp->last & 0xffffff) == 0x0a0d0a;
                if (empty) {
                    part_headers(mp);
                    mp->hdr_len = 0;
                    mp->hdr_seen = 0;
                    mp->last = 0;
                    mp->state = MP_DATA; /* a delimiter may follow at once */
                    break;
                }
            }
            break;
        }
        default:
            return n;
        }
    }
    return mp->state == MP_END ? n : pos;
}

void vg_mpart_feed(vg_mpart *mp, const uint8_t *d, uint32_t n)
{
    if (!mp || !n || mp->state == MP_END)
        return;
    /* first finish the held bytes together with the start of d */
    while (mp->hold_len && n && mp->state != MP_END) {
        uint8_t w[2 * (BOUNDARY_MAX + 8)];
        uint32_t take = n < sizeof w - mp->hold_len ? n : (uint32_t)(sizeof w - mp->hold_len);
        memcpy(w, mp->hold, mp->hold_len);
        memcpy(w + mp->hold_len, d, take);
        uint32_t wn = mp->hold_len + take;
        uint32_t used = step(mp, w, wn, false);
        if (used >= mp->hold_len) {
            /* all held bytes consumed: continue in d itself */
            uint32_t in_d = used - mp->hold_len;
            mp->hold_len = 0;
            d += in_d;
            n -= in_d;
        } else {
            /* still held: keep the unconsumed part of w if it fits, and
             * move on when the window covered all of d */
            uint32_t rest = wn - used;
            if (take == n && rest <= sizeof mp->hold) {
                memmove(mp->hold, w + used, rest);
                mp->hold_len = rest;
                return;
            }
            /* the window was too small to decide: consume it as data */
            part_data(mp, w + used, mp->hold_len - used);
            mp->hold_len = 0;
        }
    }
    if (!n || mp->state == MP_END)
        return;
    uint32_t used = step(mp, d, n, false);
    uint32_t rest = n - used;
    if (rest > sizeof mp->hold) {
        part_data(mp, d + used, rest - (uint32_t)sizeof mp->hold);
        used = n - (uint32_t)sizeof mp->hold;
        rest = (uint32_t)sizeof mp->hold;
    }
    memcpy(mp->hold, d + used, rest);
    mp->hold_len = rest;
}

void vg_mpart_end(vg_mpart *mp)
{
    if (!mp)
        return;
    if (mp->state == MP_DATA && mp->hold_len)
        part_data(mp, mp->hold, mp->hold_len);
    mp->hold_len = 0;
    /* a part without its closing delimiter was cut short */
    part_end(mp, VG_FILE_TRUNCATED);
    mp->state = MP_END;
}
