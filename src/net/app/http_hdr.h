/*
 * http_hdr.h: a header of a libhtp header table by name, as
 * htp_table_get_c finds it (the first entry whose key equals the name,
 * case-insensitively, NUL bytes of the key skipped) but without its strlen
 * and byte-by-byte comparison of every entry: a key shorter than the name
 * never matches, a longer one only when it holds NUL bytes, so only those
 * keys are compared (with libhtp's own comparison).
 */
#ifndef VG_NET_APP_HTTP_HDR_H
#define VG_NET_APP_HTTP_HDR_H

#include <string.h>

#include <htp/htp.h>

static inline htp_header_t *vg_http_hdr(const htp_table_t *tab, const char *name)
{
    if (!tab || !name)
        return NULL;
    size_t nl = strlen(name);
    size_t n = htp_table_size(tab);
    for (size_t i = 0; i < n; i++) {
        bstr *key = NULL;
        htp_header_t *h = htp_table_get_index(tab, i, &key);
        if (!key)
            continue;
        size_t kl = bstr_len(key);
        const unsigned char *kp = bstr_ptr(key);
        if (kl < nl || (kl > nl && !memchr(kp, 0, kl)))
            continue;
        if (bstr_util_cmp_mem_nocasenorzero(kp, kl, name, nl) == 0)
            return h;
    }
    return NULL;
}

#endif
