/*
 * app_proto.c: recognising a flow's protocol by its first bytes, whatever
 * the ports.  Each recogniser looks at one direction's first bytes and
 * answers yes, no, or "need more" (only while the bytes seen are a prefix
 * of what it would accept).  Patterns: HTTP request line (method token,
 * space) or status line ("HTTP/1."), TLS record header + handshake header
 * (or an SSLv2 ClientHello), DNS header sanity (over TCP with its length
 * prefix), "SSH-" banners, SMTP/FTP server banners and client commands.
 */
#include <string.h>
#include <strings.h>

#include "net/app/app_int.h"

static bool prefix_of(const uint8_t *d, uint32_t n, const char *lit, bool *partial)
{
    size_t l = strlen(lit);
    size_t m = n < l ? n : l;
    if (m && strncasecmp((const char *)d, lit, m) != 0)
        return false;
    *partial = n < l;
    return true;
}

static const char *const http_methods[] = {
    "GET ", "POST ", "HEAD ", "PUT ", "DELETE ", "OPTIONS ", "CONNECT ", "TRACE ", "PATCH ",
    "PROPFIND ", "PROPPATCH ", "MKCOL ", "COPY ", "MOVE ", "LOCK ", "UNLOCK ", "SEARCH ",
    "CHECKOUT ", "REPORT ", "MERGE ", "SUBSCRIBE ", "NOTIFY ", "UNSUBSCRIBE ", "POLL ",
    "BCOPY ", "BDELETE ", "BMOVE ", "BPROPFIND ", "BPROPPATCH ", NULL,
};

int vg_app_detect_http(const uint8_t *d, uint32_t n, bool toserver, bool udp)
{
    if (udp || n == 0)
        return APP_DETECT_NO;
    bool partial = false, any_partial = false;
    if (toserver) {
        for (int i = 0; http_methods[i]; i++) {
            if (prefix_of(d, n, http_methods[i], &partial)) {
                if (!partial)
                    return APP_DETECT_YES;
                any_partial = true;
            }
        }
        return any_partial ? APP_DETECT_MORE : APP_DETECT_NO;
    }
    if (prefix_of(d, n, "HTTP/", &partial))
        return partial ? APP_DETECT_MORE : APP_DETECT_YES;
    return APP_DETECT_NO;
}

int vg_app_detect_tls(const uint8_t *d, uint32_t n, bool toserver, bool udp)
{
    (void)toserver;
    if (udp || n == 0)
        return APP_DETECT_NO;
    if (d[0] == 0x16) {
        /* record: type 22, version 3.x, length; then handshake type 1/2 */
        if (n < 2)
            return APP_DETECT_MORE;
        if (d[1] != 0x03)
            return APP_DETECT_NO;
        if (n < 3)
            return APP_DETECT_MORE;
        if (d[2] > 0x04)
            return APP_DETECT_NO;
        if (n < 6)
            return APP_DETECT_MORE;
        uint32_t rlen = ((uint32_t)d[3] << 8) | d[4];
        if (rlen < 4 || rlen > 16384 + 2048)
            return APP_DETECT_NO;
        if (d[5] != 1 && d[5] != 2)
            return APP_DETECT_NO;
        return APP_DETECT_YES;
    }
    if (d[0] & 0x80) {
        /* SSLv2 ClientHello: 2-byte length, msg type 1, version 0x0002 or 0x03xx */
        if (n < 5)
            return APP_DETECT_MORE;
        if (d[2] == 1 && (d[3] == 0x03 || (d[3] == 0x00 && d[4] == 0x02)))
            return APP_DETECT_YES;
    }
    return APP_DETECT_NO;
}

/* DNS header sanity on a message of n bytes (the whole message). */
static int dns_header_ok(const uint8_t *d, uint32_t n, bool toserver)
{
    if (n < 12)
        return APP_DETECT_MORE;
    uint16_t flags = (uint16_t)((d[2] << 8) | d[3]);
    uint16_t qd = (uint16_t)((d[4] << 8) | d[5]);
    uint16_t an = (uint16_t)((d[6] << 8) | d[7]);
    uint16_t ns = (uint16_t)((d[8] << 8) | d[9]);
    uint16_t ar = (uint16_t)((d[10] << 8) | d[11]);
    bool qr = flags & 0x8000;
    unsigned opcode = (flags >> 11) & 0xf;
    if (opcode > 6 || opcode == 3)
        return APP_DETECT_NO;
    if (qd > 8 || an > 500 || ns > 500 || ar > 500)
        return APP_DETECT_NO;
    if (!qr && (qd == 0 || ar > 8) && opcode == 0)
        return APP_DETECT_NO;
    if (toserver && qr)
        return APP_DETECT_NO;
    if (qd == 0 && an == 0 && ns == 0 && ar == 0)
        return APP_DETECT_NO;
    /* the first question's name must be a well-formed label sequence */
    uint32_t o = 12;
    if (qd) {
        for (int labels = 0;; labels++) {
            if (o >= n || labels > 127)
                return APP_DETECT_NO;
            uint8_t l = d[o];
            if (l == 0) {
                o++;
                break;
            }
            if ((l & 0xc0) == 0xc0) {
                o += 2;
                break;
            }
            if (l & 0xc0)
                return APP_DETECT_NO;
            o += 1u + l;
        }
        if (o + 4 > n)
            return APP_DETECT_NO;
    }
    return APP_DETECT_YES;
}

int vg_app_detect_dns(const uint8_t *d, uint32_t n, bool toserver, bool udp)
{
    if (udp)
        return n < 12 ? APP_DETECT_NO : dns_header_ok(d, n, toserver);
    if (n < 2)
        return APP_DETECT_MORE;
    uint32_t len = ((uint32_t)d[0] << 8) | d[1];
    if (len < 12)
        return APP_DETECT_NO;
    if (n - 2 < len) {
        if (n - 2 < 12)
            return APP_DETECT_MORE;
        int r = dns_header_ok(d + 2, 12, toserver);
        return r == APP_DETECT_NO ? APP_DETECT_NO : APP_DETECT_MORE;
    }
    return dns_header_ok(d + 2, len, toserver);
}

int vg_app_detect_ssh(const uint8_t *d, uint32_t n, bool toserver, bool udp)
{
    (void)toserver;
    if (udp)
        return APP_DETECT_NO;
    bool partial = false;
    if (prefix_of(d, n, "SSH-", &partial))
        return partial ? APP_DETECT_MORE : APP_DETECT_YES;
    return APP_DETECT_NO;
}

/* A server banner "220" followed by space or dash, with `word` in the line
 * for SMTP ("SMTP"/"ESMTP") or FTP ("FTP"); a client command line. */
static int banner(const uint8_t *d, uint32_t n, const char *const *words)
{
    if (n < 4)
        return memcmp(d, "220", n < 3 ? n : 3) == 0 ? APP_DETECT_MORE : APP_DETECT_NO;
    if (memcmp(d, "220", 3) != 0 || (d[3] != ' ' && d[3] != '-'))
        return APP_DETECT_NO;
    const uint8_t *eol = memchr(d, '\n', n);
    uint32_t l = eol ? (uint32_t)(eol - d) : n;
    for (int w = 0; words[w]; w++) {
        size_t wl = strlen(words[w]);
        for (uint32_t i = 4; i + wl <= l; i++)
            if (strncasecmp((const char *)d + i, words[w], wl) == 0)
                return APP_DETECT_YES;
    }
    return eol || n > 512 ? APP_DETECT_NO : APP_DETECT_MORE;
}

static int command(const uint8_t *d, uint32_t n, const char *const *cmds)
{
    bool any_partial = false, partial = false;
    for (int i = 0; cmds[i]; i++)
        if (prefix_of(d, n, cmds[i], &partial)) {
            if (!partial)
                return APP_DETECT_YES;
            any_partial = true;
        }
    return any_partial ? APP_DETECT_MORE : APP_DETECT_NO;
}

int vg_app_detect_smtp(const uint8_t *d, uint32_t n, bool toserver, bool udp)
{
    static const char *const words[] = {"SMTP", NULL};
    static const char *const cmds[] = {"EHLO ", "HELO ", NULL};
    if (udp || n == 0)
        return APP_DETECT_NO;
    return toserver ? command(d, n, cmds) : banner(d, n, words);
}

int vg_app_detect_ftp(const uint8_t *d, uint32_t n, bool toserver, bool udp)
{
    static const char *const words[] = {"FTP", NULL};
    static const char *const cmds[] = {"USER ", "FEAT\r\n", "AUTH TLS", NULL};
    if (udp || n == 0)
        return APP_DETECT_NO;
    return toserver ? command(d, n, cmds) : banner(d, n, words);
}

uint16_t vg_app_recognise(const uint8_t *d, uint32_t n, bool toserver, bool udp)
{
    static const struct {
        uint16_t alproto;
        int (*fn)(const uint8_t *, uint32_t, bool, bool);
    } tbl[] = {
        {VG_ALPROTO_HTTP, vg_app_detect_http}, {VG_ALPROTO_TLS, vg_app_detect_tls},
        {VG_ALPROTO_SSH, vg_app_detect_ssh},   {VG_ALPROTO_SMTP, vg_app_detect_smtp},
        {VG_ALPROTO_FTP, vg_app_detect_ftp},   {VG_ALPROTO_DNS, vg_app_detect_dns},
        {VG_ALPROTO_DNP3, vg_ics_detect_dnp3}, {VG_ALPROTO_MODBUS, vg_ics_detect_modbus}, /* ICS hook */
    };
    bool more = false;
    for (size_t i = 0; i < VG_ARRAY_LEN(tbl); i++) {
        int r = tbl[i].fn(d, n, toserver, udp);
        if (r == APP_DETECT_YES)
            return tbl[i].alproto;
        if (r == APP_DETECT_MORE)
            more = true;
    }
    return more ? VG_ALPROTO_UNKNOWN : VG_ALPROTO_FAILED;
}
