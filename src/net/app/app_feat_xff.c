/*
 * app_feat_xff.c: the client address an HTTP proxy reported in
 * X-Forwarded-For (or the configured header), for the EVE alert record's
 * xff support (net/engine/output_alert.c).
 *
 * The header is looked up in the request headers of the alert's
 * transaction (or, for an alert without a transaction, the last live
 * transaction of the flow that has it).  Its value is a comma-separated
 * list: a "forward" deployment takes the first address, a "reverse" one
 * the last.  Only a valid IPv4 or IPv6 address is returned, as written
 * (spaces trimmed, at most 45 characters).
 */
#include <arpa/inet.h>
#include <string.h>
#include <strings.h>

#include "net/app/app_feat.h"
#include "net/app/app_keywords.h"

/* The address in value[0..n) (first or last item), into out. */
static bool pick(const uint8_t *v, uint32_t n, bool last, char *out, size_t outlen)
{
    uint32_t b = 0, e = n;
    if (last) {
        for (uint32_t i = n; i > 0; i--)
            if (v[i - 1] == ',') {
                b = i;
                break;
            }
    } else {
        for (uint32_t i = 0; i < n; i++)
            if (v[i] == ',') {
                e = i;
                break;
            }
    }
    while (b < e && (v[b] == ' ' || v[b] == '\t'))
        b++;
    while (e > b && (v[e - 1] == ' ' || v[e - 1] == '\t'))
        e--;
    if (e == b || e - b > 45 || (size_t)(e - b) >= outlen)
        return false;
    char ip[46];
    memcpy(ip, v + b, e - b);
    ip[e - b] = 0;
    unsigned char bin[16];
    if (inet_pton(AF_INET, ip, bin) != 1 && inet_pton(AF_INET6, ip, bin) != 1)
        return false;
    memcpy(out, ip, (size_t)(e - b) + 1);
    return true;
}

/* The header's address in tx's request headers. */
static bool from_tx(const vg_flow *f, const vg_app_tx *tx, const char *header, bool last,
                    char *out, size_t outlen)
{
    size_t hl = strlen(header);
    for (uint32_t idx = 0; idx < 1024; idx++) {
        const uint8_t *d;
        uint32_t n;
        if (vg_app_get_buffer(f, tx, VG_ABUF_HTTP_REQUEST_HEADER, idx, &d, &n) != VG_OK)
            return false;
        /* entries are "Name: value" */
        if (n < hl + 1 || strncasecmp((const char *)d, header, hl) != 0 || d[hl] != ':')
            continue;
        return pick(d + hl + 1, n - (uint32_t)hl - 1, last, out, outlen);
    }
    return false;
}

bool vg_app_xff(const vg_flow *f, uint64_t tx_id, const char *header, bool last, char *out,
                size_t outlen)
{
    if (!f || !header || !*header || f->alproto != VG_ALPROTO_HTTP)
        return false;
    bool found = false;
    for (const vg_app_tx *tx = vg_app_tx_first(f); tx; tx = vg_app_tx_next(tx)) {
        if (tx_id != UINT64_MAX) {
            if (vg_app_tx_id(tx) == tx_id)
                return from_tx(f, tx, header, last, out, outlen);
            continue;
        }
        /* no transaction: the last one that has the header */
        char tmp[46];
        if (from_tx(f, tx, header, last, tmp, sizeof tmp) && strlen(tmp) < outlen) {
            memcpy(out, tmp, strlen(tmp) + 1);
            found = true;
        }
    }
    return found;
}
