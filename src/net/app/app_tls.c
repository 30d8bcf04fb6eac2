/*
 * app_tls.c: TLS handshakes: our own bounded record and handshake parser,
 * certificates decoded with OpenSSL (tls_cert.c: without their public key).
 *
 * Per direction, records (header + up to 18 KiB of body) and handshake
 * messages are parsed where they lie in the data; only a record cut by the
 * end of the data is gathered (a buffer allocated then) and only a message
 * across records reassembled (up to TLS_HS_MAX bytes; larger messages are
 * skipped and counted).  Parsing of a direction stops
 * at ChangeCipherSpec or application data (the rest is encrypted).  One
 * transaction per flow, as in Suricata: the ClientHello (SNI, version,
 * ciphers, extensions, ALPN, JA3, JA4), the ServerHello (version, cipher,
 * JA3S) and the server's Certificate chain (at most TLS_MAX_CERTS; subject,
 * issuer, serial, SHA-1 fingerprint, validity, SANs of the first).  It is
 * logged once both sides went encrypted, or at flow end.
 *
 * Malformed input is data: it raises a TLS decoder event on the
 * transaction (VG_TLS_EV_*, for app-layer-event:tls.*, and an applayer
 * anomaly record) and the direction stops being parsed when the framing is
 * lost.  The EVE record follows Suricata 8: basic, extended or custom
 * field sets, and a session is logged only when it showed the server's
 * certificate, was resumed (session-resumption) or chose TLS 1.3.
 *
 * Memos per app context (struct tls_memo, bounded, least recently used
 * replaced): the last decoded server certificates by their whole DER, the
 * last ClientHello fingerprints (JA3, JA4) by exactly their inputs and the
 * last JA3S hashes by JA3S string; each gives what decoding again would.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "core/log.h"
#include "net/app/app_feat.h"
#include "net/app/app_int.h"
#include "net/app/app_tls.h"
#include "net/app/tls_cert.h"

#define TLS_REC_MAX (16384 + 2048 + 5)
#define TLS_HS_MAX (256u << 10)
#define TLS_MAX_CERTS 10
#define TLS_MAX_LIST 128          /* ciphers/extensions/groups kept */

typedef struct tls_dir {
    uint8_t *rec;                 /* a record split across data chunks (TLS_REC_MAX bytes,
                                     allocated on first need: whole records are parsed
                                     where they lie) */
    uint32_t rec_len;
    uint8_t *hs;                  /* handshake message being reassembled */
    uint32_t hs_len, hs_cap;
    bool encrypted;
    bool skip;                    /* not TLS after all / gave up */
    bool seen_record;             /* data seen in this direction */
    uint32_t v2_skip;             /* bytes of an SSLv2 ClientHello still to step over */
} tls_dir;

typedef struct tls_state {
    tls_dir d[2];
    bool logged;                  /* the flow's transaction was handed to logging */
    uint32_t anomalies;           /* applayer anomaly records written for the flow */
    uint32_t events_logged;       /* VG_TLS_EV_* already written as anomalies */
    vg_app_ctx *ctx;
    app_flow *af;
} tls_state;

static void hexs(const uint8_t *d, size_t n, char *out, bool colon, bool upper)
{
    static const char lo[] = "0123456789abcdef", up[] = "0123456789ABCDEF";
    const char *h = upper ? up : lo;
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        if (colon && i)
            out[o++] = ':';
        out[o++] = h[d[i] >> 4];
        out[o++] = h[d[i] & 15];
    }
    out[o] = 0;
}

/* The digests, fetched once: EVP_md5() and the like make every EVP_Digest
 * look the implementation up again in the provider store (locks, name
 * lookups), a tenth of a handshake's parsing.  Set once, then read-only;
 * NULL when a fetch failed (the legacy getter is used then). */
static const EVP_MD *md_md5, *md_sha1, *md_sha256;
static pthread_once_t md_once = PTHREAD_ONCE_INIT;

static void md_fetch(void)
{
    md_md5 = EVP_MD_fetch(NULL, "MD5", NULL);
    md_sha1 = EVP_MD_fetch(NULL, "SHA1", NULL);
    md_sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
}

enum { MD_MD5, MD_SHA1, MD_SHA256 };

static const EVP_MD *md_get(int which)
{
    pthread_once(&md_once, md_fetch);
    switch (which) {
    case MD_MD5: return md_md5 ? md_md5 : EVP_md5();
    case MD_SHA1: return md_sha1 ? md_sha1 : EVP_sha1();
    default: return md_sha256 ? md_sha256 : EVP_sha256();
    }
}

static void digest_hex(const EVP_MD *md, const void *d, size_t n, char *out, size_t keep)
{
    unsigned char h[EVP_MAX_MD_SIZE];
    unsigned int hl = 0;
    if (!EVP_Digest(d, n, h, &hl, md, NULL)) {
        out[0] = 0;
        return;
    }
    if (keep && keep < hl * 2) {
        char tmp[EVP_MAX_MD_SIZE * 2 + 1];
        hexs(h, hl, tmp, false, false);
        memcpy(out, tmp, keep);
        out[keep] = 0;
        return;
    }
    hexs(h, hl, out, false, false);
}

static bool grease(uint16_t v)
{
    return (v & 0x0f0f) == 0x0a0a && (v >> 8) == (v & 0xff);
}

/* ---- string building ---- */

typedef struct sb {
    char *s;
    size_t n, cap;
} sb;

static void sb_addn(sb *b, const char *s, size_t l)
{
    if (b->n + l + 1 > b->cap) {
        size_t nc = b->cap ? b->cap * 2 : 256;
        while (nc < b->n + l + 1)
            nc *= 2;
        char *ns = realloc(b->s, nc);
        if (!ns)
            return;
        b->s = ns;
        b->cap = nc;
    }
    memcpy(b->s + b->n, s, l);
    b->s[b->n + l] = 0;
    b->n += l;
}

static void sb_add(sb *b, const char *s)
{
    sb_addn(b, s, strlen(s));
}

/* v as "%04x" (hex4) or "%u" into t (8 bytes), NUL-terminated; its length. */
static size_t fmt_u16(char *t, uint16_t v, bool hex4)
{
    static const char hx[] = "0123456789abcdef";
    if (hex4) {
        t[0] = hx[v >> 12];
        t[1] = hx[(v >> 8) & 15];
        t[2] = hx[(v >> 4) & 15];
        t[3] = hx[v & 15];
        t[4] = 0;
        return 4;
    }
    char r[6];
    int k = 0;
    do {
        r[k++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    for (int i = 0; i < k; i++)
        t[i] = r[k - 1 - i];
    t[k] = 0;
    return (size_t)k;
}

static void sb_list(sb *b, const uint16_t *v, uint32_t n, const char *sep, bool hex4)
{
    char t[8];
    size_t sl = strlen(sep);
    for (uint32_t i = 0; i < n; i++) {
        if (i)
            sb_addn(b, sep, sl);
        sb_addn(b, t, fmt_u16(t, v[i], hex4));
    }
}

static char *dup_str(const char *s)
{
    if (!s)
        return NULL;
    size_t l = strlen(s);
    char *r = malloc(l + 1);
    if (r)
        memcpy(r, s, l + 1);
    return r;
}

/* ---- ClientHello fingerprint memo ---- */

/* JA3 and JA4 are functions of the ClientHello's version, lists, SNI
 * presence and first ALPN, and most clients send the same ones every time
 * (one browser build, one library): the last JA_MEMO_N are kept per app
 * context (struct tls_memo below), keyed by exactly those inputs. */
#define JA_MEMO_N 16
#define JA_KEY_MAX (10 + 5 * TLS_MAX_LIST)

typedef struct ja_memo_ent {
    uint16_t key[JA_KEY_MAX];
    uint32_t klen;                /* 0: empty slot */
    uint64_t used;
    char *ja3, *ja3_hash, *ja4;   /* owned */
} ja_memo_ent;

struct tls_memo;
static ja_memo_ent *ja_memo_find(struct tls_memo *m, const uint16_t *key, uint32_t klen);
static void ja_memo_put(struct tls_memo *m, const uint16_t *key, uint32_t klen,
                        const vg_tls_info *t);

/* JA3S hashes by JA3S string (the server's version, cipher, extensions). */
#define JA3S_MEMO_N 16

typedef struct ja3s_memo_ent {
    char *s;                      /* owned JA3S string, NULL: empty slot */
    char hash[33];
    uint64_t used;
} ja3s_memo_ent;

static bool ja3s_memo_get(struct tls_memo *m, const char *s, char *hash);
static void ja3s_memo_put(struct tls_memo *m, const char *s, size_t n, const char *hash);

static uint32_t ja_key_list(uint16_t *key, uint32_t k, const uint16_t *v, uint32_t n)
{
    memcpy(key + k, v, n * sizeof(uint16_t));
    return k + n;
}

/* ---- ClientHello / ServerHello ---- */

typedef struct rd {
    const uint8_t *b;
    uint32_t n, o;
} rd;

static bool get(rd *r, uint32_t k, uint32_t *v)
{
    if (r->o + k > r->n)
        return false;
    uint32_t x = 0;
    for (uint32_t i = 0; i < k; i++)
        x = (x << 8) | r->b[r->o + i];
    r->o += k;
    *v = x;
    return true;
}

static bool skip(rd *r, uint32_t k)
{
    if (r->o + k > r->n)
        return false;
    r->o += k;
    return true;
}

static void set_str(char **dst, const char *s, size_t n)
{
    free(*dst);
    *dst = malloc(n + 1);
    if (*dst) {
        memcpy(*dst, s, n);
        (*dst)[n] = 0;
    }
}

static void keep_list(uint16_t **dst, uint32_t *dn, const uint16_t *v, uint32_t n)
{
    free(*dst);
    *dst = NULL;
    *dn = 0;
    if (!n)
        return;
    *dst = malloc(n * sizeof(uint16_t));
    if (!*dst)
        return;
    memcpy(*dst, v, n * sizeof(uint16_t));
    *dn = n;
}

static int cmp16(const void *a, const void *b)
{
    uint16_t x = *(const uint16_t *)a, y = *(const uint16_t *)b;
    return x < y ? -1 : x > y;
}

static void ja4(vg_tls_info *t, uint16_t maxver, const uint16_t *ciph, uint32_t nc,
                const uint16_t *ext, uint32_t ne, const uint16_t *sig, uint32_t ns,
                const char *alpn0, size_t alpn0_len)
{
    const char *v = "00";
    switch (maxver) {
    case 0x0304: v = "13"; break;
    case 0x0303: v = "12"; break;
    case 0x0302: v = "11"; break;
    case 0x0301: v = "10"; break;
    case 0x0300: v = "s3"; break;
    case 0x0002: v = "s2"; break;
    default: break;
    }
    char a[3] = "00";
    if (alpn0 && alpn0_len) {
        a[0] = alpn0[0];
        a[1] = alpn0[alpn0_len - 1];
        if (!((a[0] >= '0' && a[0] <= '9') || (a[0] >= 'a' && a[0] <= 'z') ||
              (a[0] >= 'A' && a[0] <= 'Z')) ||
            !((a[1] >= '0' && a[1] <= '9') || (a[1] >= 'a' && a[1] <= 'z') ||
              (a[1] >= 'A' && a[1] <= 'Z'))) {
            static const char hx[] = "0123456789abcdef";
            a[0] = hx[(uint8_t)alpn0[0] >> 4];
            a[1] = hx[(uint8_t)alpn0[alpn0_len - 1] & 15];
        }
    }
    /* "t%s%c%02u%02u%s": protocol, version, SNI or not, counts, ALPN */
    char head[16];
    uint32_t c2 = nc > 99 ? 99 : nc, e2 = ne > 99 ? 99 : ne;
    head[0] = 't';
    head[1] = v[0];
    head[2] = v[1];
    head[3] = t->sni ? 'd' : 'i';
    head[4] = (char)('0' + c2 / 10);
    head[5] = (char)('0' + c2 % 10);
    head[6] = (char)('0' + e2 / 10);
    head[7] = (char)('0' + e2 % 10);
    head[8] = a[0];
    head[9] = a[1];
    head[10] = 0;
    uint16_t sc[TLS_MAX_LIST], se[TLS_MAX_LIST];
    memcpy(sc, ciph, nc * sizeof(uint16_t));
    qsort(sc, nc, sizeof(uint16_t), cmp16);
    uint32_t nse = 0;
    for (uint32_t i = 0; i < ne; i++)
        if (ext[i] != 0x0000 && ext[i] != 0x0010)
            se[nse++] = ext[i];
    qsort(se, nse, sizeof(uint16_t), cmp16);
    char hc[13] = "000000000000", he[13] = "000000000000";
    sb b = {0};
    sb_list(&b, sc, nc, ",", true);
    if (nc && b.s)
        digest_hex(md_get(MD_SHA256), b.s, b.n, hc, 12);
    b.n = 0;
    if (b.s)
        b.s[0] = 0;
    sb_list(&b, se, nse, ",", true);
    if (ns) {
        sb_add(&b, "_");
        sb_list(&b, sig, ns, ",", true);
    }
    if (nse && b.s)
        digest_hex(md_get(MD_SHA256), b.s, b.n, he, 12);
    free(b.s);
    char out[64]; /* "%s_%s_%s" */
    size_t hl = strlen(hc), el = strlen(he), o = 10;
    memcpy(out, head, o);
    out[o++] = '_';
    memcpy(out + o, hc, hl);
    o += hl;
    out[o++] = '_';
    memcpy(out + o, he, el);
    o += el;
    set_str(&t->ja4, out, o);
}

static void client_hello(struct tls_memo *m, vg_tls_info *t, const uint8_t *d, uint32_t n)
{
    rd r = {d, n, 0};
    uint32_t ver, l;
    uint16_t ciph[TLS_MAX_LIST], ext[TLS_MAX_LIST], grp[TLS_MAX_LIST], pf[TLS_MAX_LIST],
        sig[TLS_MAX_LIST];
    uint32_t nc = 0, ne = 0, ng = 0, np = 0, ns = 0;
    uint16_t maxver = 0;
    char alpn0[256];
    size_t alpn0_len = 0;
    if (!get(&r, 2, &ver) || r.o + 32 > n)
        return;
    memcpy(t->client_random, d + r.o, 32);
    t->has_client_random = true;
    r.o += 32;
    t->client_version = (uint16_t)ver;
    if (!get(&r, 1, &l) || r.o + l > n)
        return;
    if (l <= sizeof t->session_id) {
        memcpy(t->session_id, d + r.o, l);
        t->session_id_len = (uint8_t)l;
    }
    r.o += l;
    if (!get(&r, 2, &l) || r.o + l > n)
        return;
    for (uint32_t i = 0; i + 1 < l; i += 2) {
        uint16_t c = (uint16_t)((d[r.o + i] << 8) | d[r.o + i + 1]);
        if (!grease(c) && nc < TLS_MAX_LIST)
            ciph[nc++] = c;
    }
    r.o += l;
    if (!get(&r, 1, &l) || !skip(&r, l))
        goto done;
    uint32_t el;
    if (!get(&r, 2, &el) || r.o + el > n)
        goto done;
    uint32_t eend = r.o + el;
    bool seen_sni = false;
    while (r.o + 4 <= eend) {
        uint32_t et = 0, elen = 0;
        get(&r, 2, &et);
        get(&r, 2, &elen);
        if (r.o + elen > eend) {
            t->events |= VG_TLS_EV_HANDSHAKE_INVALID_LENGTH;
            break;
        }
        const uint8_t *e = d + r.o;
        if (!grease((uint16_t)et) && ne < TLS_MAX_LIST)
            ext[ne++] = (uint16_t)et;
        if (et == 0) { /* server_name: list, type 0, name */
            if (seen_sni)
                t->events |= VG_TLS_EV_MULTIPLE_SNI;
            seen_sni = true;
            uint32_t nl = elen >= 5 ? ((uint32_t)e[3] << 8) | e[4] : 0;
            if (elen >= 5 && e[2] != 0)
                t->events |= VG_TLS_EV_INVALID_SNI_TYPE;
            else if (elen > 0 && (elen < 5 || 5 + nl > elen))
                t->events |= VG_TLS_EV_INVALID_SNI_LENGTH;
            else if (elen >= 5 && !t->sni)
                set_str(&t->sni, (const char *)e + 5, nl);
        } else if (et == 10 && elen >= 2) {
            uint32_t gl = ((uint32_t)e[0] << 8) | e[1];
            for (uint32_t i = 2; i + 1 < gl + 2 && i + 1 < elen; i += 2) {
                uint16_t g = (uint16_t)((e[i] << 8) | e[i + 1]);
                if (!grease(g) && ng < TLS_MAX_LIST)
                    grp[ng++] = g;
            }
        } else if (et == 11 && elen >= 1) {
            for (uint32_t i = 1; i < (uint32_t)e[0] + 1 && i < elen; i++)
                if (np < TLS_MAX_LIST)
                    pf[np++] = e[i];
        } else if (et == 13 && elen >= 2) {
            uint32_t sl = ((uint32_t)e[0] << 8) | e[1];
            for (uint32_t i = 2; i + 1 < sl + 2 && i + 1 < elen; i += 2)
                if (ns < TLS_MAX_LIST)
                    sig[ns++] = (uint16_t)((e[i] << 8) | e[i + 1]);
        } else if (et == 16 && elen >= 2) {
            uint32_t i = 2;
            while (i < elen && t->nalpn < VG_TLS_MAX_ALPN) {
                uint32_t al = e[i++];
                if (i + al > elen)
                    break;
                if (t->nalpn == 0 && al < sizeof alpn0) {
                    memcpy(alpn0, e + i, al);
                    alpn0_len = al;
                }
                set_str(&t->alpn[t->nalpn++], (const char *)e + i, al);
                i += al;
            }
        } else if (et == 43 && elen >= 1) {
            for (uint32_t i = 1; i + 1 < (uint32_t)e[0] + 1 && i + 1 < elen; i += 2) {
                uint16_t v = (uint16_t)((e[i] << 8) | e[i + 1]);
                if (!grease(v) && v > maxver)
                    maxver = v;
                /* the client's preferred version: the first valid one */
                if (!t->client_sv_version && ((v >= 0x0300 && v <= 0x0304) ||
                                              (v & 0xff00) == 0x7f00))
                    t->client_sv_version = v;
            }
        }
        r.o += elen;
    }
done:
    if (!maxver)
        maxver = (uint16_t)ver;
    uint16_t key[JA_KEY_MAX];
    uint32_t kl = 0;
    if (m) {
        key[kl++] = (uint16_t)ver;
        key[kl++] = maxver;
        key[kl++] = t->sni != NULL;
        key[kl++] = alpn0_len != 0;
        key[kl++] = alpn0_len ? (uint16_t)((uint8_t)alpn0[0] << 8 | (uint8_t)alpn0[alpn0_len - 1])
                              : 0;
        key[kl++] = (uint16_t)nc;
        key[kl++] = (uint16_t)ne;
        key[kl++] = (uint16_t)ng;
        key[kl++] = (uint16_t)np;
        kl = ja_key_list(key, kl, ciph, nc);
        kl = ja_key_list(key, kl, ext, ne);
        kl = ja_key_list(key, kl, grp, ng);
        kl = ja_key_list(key, kl, pf, np);
        key[kl++] = (uint16_t)ns;
        kl = ja_key_list(key, kl, sig, ns);
        ja_memo_ent *e = ja_memo_find(m, key, kl);
        if (e) {
            if (e->ja3)
                set_str(&t->ja3, e->ja3, strlen(e->ja3));
            if (e->ja3_hash)
                set_str(&t->ja3_hash, e->ja3_hash, strlen(e->ja3_hash));
            if (e->ja4)
                set_str(&t->ja4, e->ja4, strlen(e->ja4));
            goto lists;
        }
    }
    /* JA3: version,ciphers,extensions,groups,point formats */
    sb b = {0};
    char tmp[8];
    sb_addn(&b, tmp, fmt_u16(tmp, (uint16_t)ver, false));
    sb_add(&b, ",");
    sb_list(&b, ciph, nc, "-", false);
    sb_add(&b, ",");
    sb_list(&b, ext, ne, "-", false);
    sb_add(&b, ",");
    sb_list(&b, grp, ng, "-", false);
    sb_add(&b, ",");
    sb_list(&b, pf, np, "-", false);
    if (b.s) {
        char h[33];
        digest_hex(md_get(MD_MD5), b.s, b.n, h, 0);
        set_str(&t->ja3, b.s, b.n);
        set_str(&t->ja3_hash, h, strlen(h));
    }
    free(b.s);
    ja4(t, maxver, ciph, nc, ext, ne, sig, ns, alpn0_len ? alpn0 : NULL, alpn0_len);
    if (m)
        ja_memo_put(m, key, kl, t);
lists:
    keep_list(&t->ch_ciphers, &t->n_ch_ciphers, ciph, nc);
    keep_list(&t->ch_exts, &t->n_ch_exts, ext, ne);
    keep_list(&t->ch_sigalgs, &t->n_ch_sigalgs, sig, ns);
    t->has_client_hello = true;
}

static void server_hello(struct tls_memo *m, vg_tls_info *t, const uint8_t *d, uint32_t n)
{
    rd r = {d, n, 0};
    uint32_t ver, l, cipher, el;
    uint16_t ext[TLS_MAX_LIST];
    uint32_t ne = 0;
    if (!get(&r, 2, &ver) || r.o + 32 > n)
        return;
    memcpy(t->server_random, d + r.o, 32);
    t->has_server_random = true;
    r.o += 32;
    if (!get(&r, 1, &l) || r.o + l > n)
        return;
    /* resumption by session id: the server echoes the client's */
    t->session_resumed = l && l == t->session_id_len && memcmp(d + r.o, t->session_id, l) == 0;
    r.o += l;
    if (!get(&r, 2, &cipher) || !skip(&r, 1))
        return;
    t->server_version = (uint16_t)ver;
    t->cipher = (uint16_t)cipher;
    if (get(&r, 2, &el) && r.o + el <= n) {
        uint32_t eend = r.o + el;
        while (r.o + 4 <= eend) {
            uint32_t et = 0, elen = 0;
            get(&r, 2, &et);
            get(&r, 2, &elen);
            if (r.o + elen > eend)
                break;
            if (ne < TLS_MAX_LIST)
                ext[ne++] = (uint16_t)et;
            if (et == 43 && elen == 2)
                t->server_version = (uint16_t)((d[r.o] << 8) | d[r.o + 1]);
            if (et == 16 && elen >= 3 && d[r.o + 2] + 3u <= elen)
                set_str(&t->server_alpn, (const char *)d + r.o + 3, d[r.o + 2]);
            r.o += elen;
        }
    }
    keep_list(&t->sh_exts, &t->n_sh_exts, ext, ne);
    sb b = {0};
    char tmp[16];
    sb_addn(&b, tmp, fmt_u16(tmp, (uint16_t)ver, false));
    sb_add(&b, ",");
    sb_addn(&b, tmp, fmt_u16(tmp, (uint16_t)cipher, false));
    sb_add(&b, ",");
    sb_list(&b, ext, ne, "-", false);
    if (b.s) {
        char h[33] = {0};
        if (!m || !ja3s_memo_get(m, b.s, h)) {
            digest_hex(md_get(MD_MD5), b.s, b.n, h, 0);
            if (m)
                ja3s_memo_put(m, b.s, b.n, h);
        }
        set_str(&t->ja3s, b.s, b.n);
        set_str(&t->ja3s_hash, h, strlen(h));
    }
    free(b.s);
    t->has_server_hello = true;
}

/* ---- certificates ---- */

/* "C=FR, ST=IDF, O=Org, CN=name" as Suricata writes names: entries in
 * certificate order, short names (emailAddress as Email), values as UTF-8
 * without escaping. */
static char *name_str(X509_NAME *nm)
{
    sb b = {0};
    int n = X509_NAME_entry_count(nm);
    for (int i = 0; i < n && i < 64; i++) {
        X509_NAME_ENTRY *e = X509_NAME_get_entry(nm, i);
        int nid = OBJ_obj2nid(X509_NAME_ENTRY_get_object(e));
        const char *sn = nid == NID_pkcs9_emailAddress ? "Email"
                         : nid != NID_undef           ? OBJ_nid2sn(nid)
                                                      : "UNKNOWN";
        unsigned char *u = NULL;
        int ul = ASN1_STRING_to_UTF8(&u, X509_NAME_ENTRY_get_data(e));
        if (i)
            sb_add(&b, ", ");
        sb_add(&b, sn);
        sb_add(&b, "=");
        if (ul > 0 && u) {
            char *v = malloc((size_t)ul + 1);
            if (v) {
                memcpy(v, u, (size_t)ul);
                v[ul] = 0;
                sb_add(&b, v);
                free(v);
            }
        }
        OPENSSL_free(u);
    }
    if (!b.s) {
        b.s = malloc(1);
        if (b.s)
            b.s[0] = 0;
    }
    return b.s;
}

static void time_str(const ASN1_TIME *at, char *out, size_t n)
{
    struct tm tm;
    out[0] = 0;
    if (at && ASN1_TIME_to_tm(at, &tm) == 1)
        strftime(out, n, "%Y-%m-%dT%H:%M:%S", &tm);
}

static void first_cert_parse(vg_tls_info *t, const uint8_t *der, uint32_t n)
{
    vg_x509_parts x;
    if (!vg_x509_parts_get(der, n, &x)) { /* not d2i_X509: it decodes the key, slowly */
        t->events |= VG_TLS_EV_CERT_INVALID_DER;
        return;
    }
    t->subject = name_str(x.subject);
    t->issuer = name_str(x.issuer);
    const ASN1_INTEGER *ser = x.serial;
    if (ser && ser->length > 0 && ser->length <= 64) {
        t->serial = malloc((size_t)ser->length * 3 + 1);
        if (t->serial)
            hexs(ser->data, (size_t)ser->length, t->serial, true, true);
    }
    unsigned char h[EVP_MAX_MD_SIZE];
    unsigned int hl = 0;
    if (EVP_Digest(der, n, h, &hl, md_get(MD_SHA1), NULL)) {
        t->fingerprint = malloc(hl * 3 + 1);
        if (t->fingerprint)
            hexs(h, hl, t->fingerprint, true, false);
    }
    time_str(x.notbefore, t->notbefore, sizeof t->notbefore);
    time_str(x.notafter, t->notafter, sizeof t->notafter);
    GENERAL_NAMES *gens = x.san;
    if (gens) {
        for (int i = 0; i < sk_GENERAL_NAME_num(gens) && t->nsan < VG_TLS_MAX_SAN; i++) {
            const GENERAL_NAME *g = sk_GENERAL_NAME_value(gens, i);
            if (g->type != GEN_DNS)
                continue;
            if (t->nsan == t->cap_san) {
                uint32_t nc = t->cap_san ? t->cap_san * 2 : 16;
                char **ns = realloc(t->san, nc * sizeof(char *));
                if (!ns)
                    break;
                t->san = ns;
                t->cap_san = nc;
            }
            const ASN1_IA5STRING *s = g->d.dNSName;
            t->san[t->nsan] = NULL;
            set_str(&t->san[t->nsan++], (const char *)s->data, (size_t)s->length);
        }
    }
    vg_x509_parts_free(&x);
}

/* ---- certificate memo ---- */

/* The fields of a server's first certificate are a function of its DER
 * bytes alone, and a network sees the same few certificates over and over
 * (a capture's 3,000 handshakes may show one): the last CERT_MEMO_N
 * decoded ones are kept per app context, keyed by their whole DER (a hash
 * picks the candidate, memcmp decides), and copied out instead of decoded
 * again.  Bounded: CERT_MEMO_N entries of at most CERT_MEMO_DER_MAX bytes
 * (larger certificates are decoded every time). */
#define CERT_MEMO_N 16
#define CERT_MEMO_DER_MAX (16u << 10)

typedef struct cert_memo_ent {
    uint8_t *der;                 /* owned copy, NULL: empty slot */
    uint32_t n;
    uint64_t h;
    uint64_t used;                /* clock of the last use (least recent is replaced) */
    uint32_t events;              /* VG_TLS_EV_* the decoding raised */
    vg_tls_info f;                /* subject, issuer, serial, fingerprint, validity, SANs */
} cert_memo_ent;

struct tls_memo {
    cert_memo_ent e[CERT_MEMO_N];
    ja_memo_ent ja[JA_MEMO_N];
    ja3s_memo_ent ja3s[JA3S_MEMO_N];
    uint64_t clock;
};

static bool ja3s_memo_get(struct tls_memo *m, const char *s, char *hash)
{
    for (int i = 0; i < JA3S_MEMO_N; i++) {
        ja3s_memo_ent *e = &m->ja3s[i];
        if (e->s && strcmp(e->s, s) == 0) {
            e->used = ++m->clock;
            memcpy(hash, e->hash, sizeof e->hash);
            return true;
        }
    }
    return false;
}

static void ja3s_memo_put(struct tls_memo *m, const char *s, size_t n, const char *hash)
{
    ja3s_memo_ent *slot = &m->ja3s[0];
    for (int i = 1; i < JA3S_MEMO_N && slot->s; i++)
        if (!m->ja3s[i].s || m->ja3s[i].used < slot->used)
            slot = &m->ja3s[i];
    free(slot->s);
    slot->s = malloc(n + 1);
    if (!slot->s)
        return;
    memcpy(slot->s, s, n + 1);
    memcpy(slot->hash, hash, sizeof slot->hash);
    slot->used = ++m->clock;
}

static ja_memo_ent *ja_memo_find(struct tls_memo *m, const uint16_t *key, uint32_t klen)
{
    for (int i = 0; i < JA_MEMO_N; i++) {
        ja_memo_ent *e = &m->ja[i];
        if (e->klen == klen && memcmp(e->key, key, klen * sizeof(uint16_t)) == 0) {
            e->used = ++m->clock;
            return e;
        }
    }
    return NULL;
}

static void ja_memo_put(struct tls_memo *m, const uint16_t *key, uint32_t klen,
                        const vg_tls_info *t)
{
    ja_memo_ent *slot = &m->ja[0];
    for (int i = 1; i < JA_MEMO_N && slot->klen; i++)
        if (!m->ja[i].klen || m->ja[i].used < slot->used)
            slot = &m->ja[i];
    free(slot->ja3);
    free(slot->ja3_hash);
    free(slot->ja4);
    slot->ja3 = dup_str(t->ja3);
    slot->ja3_hash = dup_str(t->ja3_hash);
    slot->ja4 = dup_str(t->ja4);
    memcpy(slot->key, key, klen * sizeof(uint16_t));
    slot->klen = klen;
    slot->used = ++m->clock;
}

static uint64_t der_hash(const uint8_t *d, uint32_t n)
{
    /* the length and the tail (the signature: unlike between certificates) */
    uint64_t h = 1469598103934665603ull ^ n;
    uint32_t k = n < 64 ? n : 64;
    for (uint32_t i = n - k; i < n; i++)
        h = (h ^ d[i]) * 1099511628211ull;
    return h;
}

/* The first certificate's fields of src into dst (fresh: none set yet). */
static void cert_fields_copy(vg_tls_info *dst, const vg_tls_info *src)
{
    dst->subject = dup_str(src->subject);
    dst->issuer = dup_str(src->issuer);
    dst->serial = dup_str(src->serial);
    dst->fingerprint = dup_str(src->fingerprint);
    memcpy(dst->notbefore, src->notbefore, sizeof dst->notbefore);
    memcpy(dst->notafter, src->notafter, sizeof dst->notafter);
    if (src->nsan) {
        dst->san = malloc(src->nsan * sizeof(char *));
        if (dst->san) {
            dst->cap_san = dst->nsan = src->nsan;
            for (uint32_t i = 0; i < src->nsan; i++)
                dst->san[i] = dup_str(src->san[i]);
        }
    }
}

static void cert_fields_free(vg_tls_info *f)
{
    free(f->subject);
    free(f->issuer);
    free(f->serial);
    free(f->fingerprint);
    for (uint32_t i = 0; i < f->nsan; i++)
        free(f->san[i]);
    free(f->san);
    memset(f, 0, sizeof *f);
}

void vg_app_tls_memo_free(struct tls_memo *m)
{
    if (!m)
        return;
    for (int i = 0; i < CERT_MEMO_N; i++) {
        free(m->e[i].der);
        cert_fields_free(&m->e[i].f);
    }
    for (int i = 0; i < JA3S_MEMO_N; i++)
        free(m->ja3s[i].s);
    for (int i = 0; i < JA_MEMO_N; i++) {
        free(m->ja[i].ja3);
        free(m->ja[i].ja3_hash);
        free(m->ja[i].ja4);
    }
    free(m);
}

static void first_cert(struct tls_memo *m, vg_tls_info *t, const uint8_t *der, uint32_t n)
{
    if (!m || n > CERT_MEMO_DER_MAX || t->subject || t->issuer || t->serial ||
        t->fingerprint || t->nsan) {
        first_cert_parse(t, der, n);
        return;
    }
    uint64_t h = der_hash(der, n);
    cert_memo_ent *slot = &m->e[0];
    for (int i = 0; i < CERT_MEMO_N; i++) {
        cert_memo_ent *e = &m->e[i];
        if (e->der && e->h == h && e->n == n && memcmp(e->der, der, n) == 0) {
            e->used = ++m->clock;
            t->events |= e->events;
            cert_fields_copy(t, &e->f);
            return;
        }
        if (!e->der ? slot->der != NULL : (slot->der && e->used < slot->used))
            slot = e; /* an empty slot, else the least recently used */
    }
    uint32_t ev0 = t->events;
    first_cert_parse(t, der, n);
    free(slot->der);
    cert_fields_free(&slot->f);
    slot->der = malloc(n ? n : 1);
    if (!slot->der)
        return;
    memcpy(slot->der, der, n);
    slot->n = n;
    slot->h = h;
    slot->used = ++m->clock;
    slot->events = t->events & ~ev0;
    cert_fields_copy(&slot->f, t);
}

static void certificate(struct tls_memo *m, vg_tls_state_ctx *cx, vg_tls_info *t,
                        const uint8_t *d, uint32_t n)
{
    rd r = {d, n, 0};
    uint32_t total;
    if (!get(&r, 3, &total) || r.o + total > n) {
        t->events |= VG_TLS_EV_CERT_INVALID_LENGTH;
        return;
    }
    while (r.o + 3 <= n) {
        uint32_t cl = 0;
        get(&r, 3, &cl);
        if (r.o + cl > n) {
            t->events |= VG_TLS_EV_CERT_INVALID_LENGTH;
            break;
        }
        if (t->ncerts >= TLS_MAX_CERTS) {
            (*cx->capped)++;
            break;
        }
        uint8_t *c = malloc(cl ? cl : 1);
        if (!c)
            break;
        memcpy(c, d + r.o, cl);
        t->certs[t->ncerts] = c;
        t->cert_len[t->ncerts] = cl;
        if (t->ncerts == 0)
            first_cert(m, t, c, cl);
        t->ncerts++;
        r.o += cl;
    }
    t->has_certs = true;
}

/* Handshake types of TLS 1.0-1.3 (RFC 5246, 6066, 8446...). */
static bool known_hs_type(uint8_t type)
{
    switch (type) {
    case 0: case 1: case 2: case 3: case 4: case 5: case 6: case 8: case 11: case 12: case 13:
    case 14: case 15: case 16: case 20: case 21: case 22: case 23: case 24: case 25: case 254:
        return true;
    default:
        return false;
    }
}

static void tls_handshake(struct tls_memo *m, vg_tls_state_ctx *cx, vg_tls_info *t, uint8_t type,
                          const uint8_t *d, uint32_t n, bool toserver)
{
    uint8_t st = type == 1 ? VG_TLS_ST_CLIENT_HELLO
                 : type == 2 ? VG_TLS_ST_SERVER_HELLO
                 : type == 16 ? VG_TLS_ST_CLIENT_KEYX
                 : type == 12 ? VG_TLS_ST_SERVER_KEYX
                 : known_hs_type(type) ? 0 : VG_TLS_ST_UNKNOWN;
    if (st == VG_TLS_ST_UNKNOWN)
        t->events |= VG_TLS_EV_INVALID_HANDSHAKE_MESSAGE;
    t->hs_flags |= st;
    t->cur_flags[toserver ? 0 : 1] |= st;
    if (type == 1 && toserver && !t->has_client_hello)
        client_hello(m, t, d, n);
    else if (type == 2 && !toserver && !t->has_server_hello)
        server_hello(m, t, d, n);
    else if (type == 11 && !toserver && !t->has_certs)
        certificate(m, cx, t, d, n);
    else if (type == 11 && toserver && !t->client) {
        t->client = calloc(1, sizeof(*t->client));
        if (t->client)
            certificate(m, cx, t->client, d, n);
    }
}

void vg_tls_handshake(vg_tls_state_ctx *cx, vg_tls_info *t, uint8_t type, const uint8_t *d,
                      uint32_t n, bool toserver)
{
    tls_handshake(NULL, cx, t, type, d, n, toserver);
}

void vg_tls_info_free(vg_tls_info *t)
{
    if (!t)
        return;
    free(t->sni);
    free(t->ja3);
    free(t->ja3_hash);
    free(t->ja3s);
    free(t->ja3s_hash);
    free(t->ja4);
    free(t->subject);
    free(t->issuer);
    free(t->serial);
    free(t->fingerprint);
    free(t->server_alpn);
    free(t->ch_ciphers);
    free(t->ch_exts);
    free(t->ch_sigalgs);
    free(t->sh_exts);
    for (uint32_t i = 0; i < t->nalpn; i++)
        free(t->alpn[i]);
    for (uint32_t i = 0; i < t->nsan; i++)
        free(t->san[i]);
    free(t->san);
    for (uint32_t i = 0; i < t->ncerts; i++)
        free(t->certs[i]);
    vg_tls_info_free(t->client);
    free(t);
}

const char *vg_tls_version_name(uint16_t v)
{
    switch (v) {
    case 0x0002: return "SSLv2";
    case 0x0300: return "SSLv3";
    case 0x0301: return "TLSv1";
    case 0x0302: return "TLS 1.1";
    case 0x0303: return "TLS 1.2";
    case 0x0304: return "TLS 1.3";
    default: return "UNDETERMINED";
    }
}

/* ---- record layer / glue ---- */

static void *tls_state_new(vg_app_ctx *ctx, app_flow *af)
{
    tls_state *s = calloc(1, sizeof(*s));
    if (!s)
        return NULL;
    s->ctx = ctx;
    s->af = af;
    return s;
}

static void tls_state_free(void *p)
{
    tls_state *s = p;
    for (int i = 0; i < 2; i++) {
        free(s->d[i].hs);
        free(s->d[i].rec);
    }
    free(s);
}

static void tls_tx_free(void *p)
{
    vg_tls_info_free(p);
}

/* The flow's one transaction (created on first use; none once logged:
 * the app layer frees logged transactions, so no pointer is kept here). */
static vg_app_tx *tx_of(tls_state *s, vg_app_ctx *ctx)
{
    if (s->af->head)
        return s->af->head;
    if (s->logged)
        return NULL;
    vg_tls_info *t = calloc(1, sizeof(*t));
    if (!t)
        return NULL;
    vg_app_tx *tx = vg_app_tx_new(ctx, s->af, t);
    if (!tx)
        free(t);
    return tx;
}

/* Complete handshake messages at b[0..len): parsed; returns the bytes they
 * took (the rest is an incomplete message), or UINT32_MAX when a message
 * says it is larger than TLS_HS_MAX (the direction is given up). */
static uint32_t hs_messages(vg_app_ctx *ctx, tls_state *s, bool toserver, const uint8_t *b,
                            uint32_t len, bool *fresh)
{
    vg_tls_state_ctx cx = {&ctx->st.tls_cap};
    uint32_t o = 0;
    while (len - o >= 4) {
        uint32_t ml = ((uint32_t)b[o + 1] << 16) | ((uint32_t)b[o + 2] << 8) | b[o + 3];
        if (ml > TLS_HS_MAX) {
            ctx->st.tls_cap++;
            vg_app_tx *tx = tx_of(s, ctx);
            if (tx)
                ((vg_tls_info *)tx->data)->events |= VG_TLS_EV_HANDSHAKE_INVALID_LENGTH;
            return UINT32_MAX;
        }
        if (len - o - 4 < ml)
            break;
        vg_app_tx *tx = tx_of(s, ctx);
        int side = toserver ? 0 : 1;
        if (tx && *fresh && tx->seen[side] == tx->ver[side]) {
            /* ssl_state sees the messages parsed since detection last
             * looked at this side (Suricata: the current data's) */
            ((vg_tls_info *)tx->data)->cur_flags[side] = 0;
        }
        *fresh = false;
        if (tx) {
            if (!ctx->tls_memo)
                ctx->tls_memo = calloc(1, sizeof(struct tls_memo));
            tls_handshake(ctx->tls_memo, &cx, tx->data, b[o], b + o + 4, ml, toserver);
            tx->progress |= toserver ? TX_REQ_HDRS : TX_RES_HDRS;
            if (!toserver && b[o] == 14) { /* ServerHelloDone: handshake logged */
                tx->progress |= TX_LOG_NOW;
                s->logged = true;
            }
        }
        o += 4 + ml;
    }
    return o;
}

/* Handshake bytes of one record: gather messages across records.  With
 * nothing held, the record's whole messages are parsed where they lie and
 * only an incomplete tail is copied. */
static void hs_bytes(vg_app_ctx *ctx, tls_state *s, tls_dir *dd, bool toserver, const uint8_t *d,
                     uint32_t n, bool *fresh)
{
    if (!dd->hs_len && n <= TLS_HS_MAX + 4) {
        uint32_t used = hs_messages(ctx, s, toserver, d, n, fresh);
        if (used == UINT32_MAX) {
            dd->skip = true;
            return;
        }
        d += used;
        n -= used;
    }
    while (n) {
        if (dd->hs_len + n > dd->hs_cap) {
            uint32_t nc = dd->hs_cap ? dd->hs_cap : 4096;
            while (nc < dd->hs_len + n && nc < TLS_HS_MAX + 4)
                nc *= 2;
            if (nc > TLS_HS_MAX + 4)
                nc = TLS_HS_MAX + 4;
            if (dd->hs_len + n > nc) {
                ctx->st.tls_cap++;
                dd->skip = true;
                return;
            }
            uint8_t *nb = realloc(dd->hs, nc);
            if (!nb)
                return;
            dd->hs = nb;
            dd->hs_cap = nc;
        }
        memcpy(dd->hs + dd->hs_len, d, n);
        dd->hs_len += n;
        n = 0;
        /* complete messages */
        uint32_t o = hs_messages(ctx, s, toserver, dd->hs, dd->hs_len, fresh);
        if (o == UINT32_MAX) {
            dd->skip = true;
            return;
        }
        if (o) {
            memmove(dd->hs, dd->hs + o, dd->hs_len - o);
            dd->hs_len -= o;
        }
    }
}

/* Raise a decoder event on the flow's transaction. */
static void tls_event(tls_state *s, vg_app_ctx *ctx, uint32_t ev)
{
    vg_app_tx *tx = tx_of(s, ctx);
    if (tx)
        ((vg_tls_info *)tx->data)->events |= ev;
}

static void tls_parse(vg_app_ctx *ctx, app_flow *af, bool toserver, const uint8_t *d, uint32_t n,
                      const struct timeval *ts)
{
    (void)ts;
    tls_state *s = af->pstate;
    tls_dir *dd = &s->d[toserver ? 0 : 1];
    bool fresh = true;
    if (toserver && !dd->seen_record && n >= 3 && (d[0] & 0x80) && d[2] == 1) {
        /* an SSLv2-style ClientHello first (2-byte header): step over it;
         * the server may still answer with TLS records */
        dd->v2_skip = (((uint32_t)d[0] & 0x7f) << 8 | d[1]) + 2;
        vg_app_tx *tx = tx_of(s, ctx);
        if (tx) {
            vg_tls_info *t = tx->data;
            /* the version the client offers (SSLv2 when it says 0x0002) */
            uint16_t v = n >= 5 ? (uint16_t)((d[3] << 8) | d[4]) : 0x0002;
            if (!t->client_version)
                t->client_version = v == 0x0002 || (v >> 8) == 3 ? v : 0x0002;
            t->hs_flags |= VG_TLS_ST_CLIENT_HELLO;
            t->cur_flags[0] = VG_TLS_ST_CLIENT_HELLO;
            fresh = false;
            tx->progress |= TX_REQ_HDRS;
        }
    } else if (toserver && !dd->seen_record && n >= 1 && (d[0] & 0x80)) {
        tls_event(s, ctx, VG_TLS_EV_INVALID_SSLV2_HEADER);
    }
    dd->seen_record = true;
    if (dd->v2_skip) {
        uint32_t k = VG_MIN(n, dd->v2_skip);
        dd->v2_skip -= k;
        d += k;
        n -= k;
    }
    while (n && !dd->encrypted && !dd->skip) {
        const uint8_t *rec;
        uint32_t rl;
        if (dd->rec_len == 0 && n >= 5) {
            /* a record header at the start of the data: a whole record
             * is parsed where it lies (the checks as below: a header is
             * checked once data follows it, an empty record is taken) */
            rl = ((uint32_t)d[3] << 8) | d[4];
            if (rl && n > 5 && (rl > TLS_REC_MAX - 5 || d[1] != 3)) {
                ctx->st.tls_malformed++;
                tls_event(s, ctx, d[1] != 3 ? VG_TLS_EV_INVALID_RECORD_VERSION
                                            : VG_TLS_EV_INVALID_RECORD_LENGTH);
                dd->skip = true;
                break;
            }
            if (n - 5 >= rl) {
                rec = d;
                d += rl + 5;
                n -= rl + 5;
                goto record;
            }
        }
        if (!dd->rec) {
            dd->rec = malloc(TLS_REC_MAX);
            if (!dd->rec) {
                dd->skip = true;
                break;
            }
        }
        uint32_t take;
        if (dd->rec_len < 5) {
            take = VG_MIN(n, 5 - dd->rec_len);
        } else {
            rl = ((uint32_t)dd->rec[3] << 8) | dd->rec[4];
            if (rl > TLS_REC_MAX - 5 || dd->rec[1] != 3) {
                ctx->st.tls_malformed++;
                tls_event(s, ctx, dd->rec[1] != 3 ? VG_TLS_EV_INVALID_RECORD_VERSION
                                                  : VG_TLS_EV_INVALID_RECORD_LENGTH);
                dd->skip = true;
                break;
            }
            take = VG_MIN(n, rl + 5 - dd->rec_len);
        }
        memcpy(dd->rec + dd->rec_len, d, take);
        dd->rec_len += take;
        d += take;
        n -= take;
        if (dd->rec_len < 5)
            continue;
        rl = ((uint32_t)dd->rec[3] << 8) | dd->rec[4];
        if (dd->rec_len < rl + 5)
            continue;
        rec = dd->rec;
        dd->rec_len = 0;
    record:;
        uint8_t type = rec[0];
        if (type == 22) {
            hs_bytes(ctx, s, dd, toserver, rec + 5, rl, &fresh);
        } else if (type == 20 || type == 23) {
            dd->encrypted = true;
        } else if (type == 24) {
            tls_event(s, ctx, VG_TLS_EV_HEARTBEAT);
        } else if (type != 21) {
            tls_event(s, ctx, VG_TLS_EV_INVALID_RECORD_TYPE);
            dd->skip = true;
        }
    }
    if (af->head && af->head->alproto == VG_ALPROTO_TLS) {
        /* events raised by this data: applayer anomaly records */
        const vg_tls_info *t = af->head->data;
        uint32_t fresh_ev = t->events & ~s->events_logged;
        s->events_logged |= t->events;
        if (fresh_ev)
            vg_app_event_anomalies(ctx, VG_ALPROTO_TLS, fresh_ev, &s->anomalies);
    }
    if (!s->logged && af->head && (s->d[0].encrypted || s->d[0].skip) &&
        (s->d[1].encrypted || s->d[1].skip)) {
        af->head->progress |= TX_LOG_NOW;
        s->logged = true;
    }
}

static void tls_flow_end(vg_app_ctx *ctx, app_flow *af)
{
    (void)ctx;
    tls_state *s = af->pstate;
    if (af->head)
        af->head->progress |= TX_LOG_NOW;
    s->logged = true;
}

static int sout(const char *s, const uint8_t **d, uint32_t *n)
{
    if (!s)
        return VG_DECLINED;
    *d = (const uint8_t *)s;
    *n = (uint32_t)strlen(s);
    return VG_OK;
}

static int tls_get_buffer(const app_flow *af, const vg_app_tx *a, uint16_t id, uint32_t idx,
                          const uint8_t **d, uint32_t *n)
{
    (void)af;
    const vg_tls_info *t = a->data;
    uint16_t base = (uint16_t)(id & ~VG_TLS_CLIENT_BUF);
    if (t && (base == VG_ABUF_TLS_RANDOM || base == VG_ABUF_TLS_RANDOM_TIME ||
              base == VG_ABUF_TLS_RANDOM_BYTES)) {
        /* the client's random to the server, the server's to the client */
        bool cl = id & VG_TLS_CLIENT_BUF;
        if (idx || !(cl ? t->has_client_random : t->has_server_random))
            return VG_DECLINED;
        const uint8_t *r = cl ? t->client_random : t->server_random;
        *d = base == VG_ABUF_TLS_RANDOM_BYTES ? r + 4 : r;
        *n = base == VG_ABUF_TLS_RANDOM ? 32 : base == VG_ABUF_TLS_RANDOM_TIME ? 4 : 28;
        return VG_OK;
    }
    if (t && id == (VG_ABUF_TLS_ALPN | VG_TLS_CLIENT_BUF)) /* the client's ALPN list */
        return idx < t->nalpn ? sout(t->alpn[idx], d, n) : VG_DECLINED;
    if (t && id == VG_ABUF_TLS_ALPN) /* the server's choice */
        return idx == 0 ? sout(t->server_alpn, d, n) : VG_DECLINED;
    if (t && (id & VG_TLS_CLIENT_BUF)) { /* the client's certificate */
        t = t->client;
        id &= (uint16_t)~VG_TLS_CLIENT_BUF;
    }
    if (!t)
        return VG_DECLINED;
    switch (id) {
    case VG_ABUF_TLS_CERTS:
        if (idx >= t->ncerts)
            return VG_DECLINED;
        *d = t->certs[idx];
        *n = t->cert_len[idx];
        return VG_OK;
    case VG_ABUF_TLS_SAN:
        return idx < t->nsan ? sout(t->san[idx], d, n) : VG_DECLINED;
    case VG_ABUF_TLS_ALPN:
        return idx < t->nalpn ? sout(t->alpn[idx], d, n) : VG_DECLINED;
    default:
        break;
    }
    if (idx)
        return VG_DECLINED;
    switch (id) {
    case VG_ABUF_TLS_SNI: return sout(t->sni, d, n);
    case VG_ABUF_TLS_CERT_SUBJECT: return sout(t->subject, d, n);
    case VG_ABUF_TLS_CERT_ISSUER: return sout(t->issuer, d, n);
    case VG_ABUF_TLS_CERT_SERIAL: return sout(t->serial, d, n);
    case VG_ABUF_TLS_CERT_FINGERPRINT: return sout(t->fingerprint, d, n);
    case VG_ABUF_JA3_HASH: return sout(t->ja3_hash, d, n);
    case VG_ABUF_JA3_STRING: return sout(t->ja3, d, n);
    case VG_ABUF_JA3S_HASH: return sout(t->ja3s_hash, d, n);
    case VG_ABUF_JA3S_STRING: return sout(t->ja3s, d, n);
    case VG_ABUF_JA4_HASH: return sout(t->ja4, d, n);
    default: return VG_DECLINED;
    }
}

static void b64_der(vg_jb *jb, const char *key, const uint8_t *der, uint32_t n)
{
    vg_jb_b64(jb, key, der, n);
}

static void u16_list(vg_jb *jb, const char *key, const uint16_t *v, uint32_t n)
{
    vg_jb_open_arr(jb, key);
    for (uint32_t i = 0; i < n; i++)
        vg_jb_u64(jb, NULL, v[i]);
    vg_jb_close_arr(jb);
}

/* The client certificate's fields (the "client" object). */
static void client_cert(const vg_tls_info *c, uint32_t f, vg_jb *jb)
{
    if (c->subject)
        vg_jb_str(jb, "subject", c->subject);
    if (c->issuer)
        vg_jb_str(jb, "issuerdn", c->issuer);
    if (c->fingerprint)
        vg_jb_str(jb, "fingerprint", c->fingerprint);
    if (c->serial)
        vg_jb_str(jb, "serial", c->serial);
    if (c->notbefore[0])
        vg_jb_str(jb, "notbefore", c->notbefore);
    if (c->notafter[0])
        vg_jb_str(jb, "notafter", c->notafter);
    if ((f & VG_TLS_F_CLIENT_CERT) && c->ncerts)
        b64_der(jb, "certificate", c->certs[0], c->cert_len[0]);
    if ((f & VG_TLS_F_CLIENT_CHAIN) && c->ncerts) {
        vg_jb_open_arr(jb, "chain");
        for (uint32_t i = 0; i < c->ncerts; i++)
            b64_der(jb, NULL, c->certs[i], c->cert_len[i]);
        vg_jb_close_arr(jb);
    }
}

void vg_tls_info_eve_fields(const vg_tls_info *t, uint32_t f, vg_jb *jb)
{
    vg_jb_open_obj(jb, "tls");
    if ((f & VG_TLS_F_SUBJECT) && t->subject)
        vg_jb_str(jb, "subject", t->subject);
    if ((f & VG_TLS_F_ISSUER) && t->issuer)
        vg_jb_str(jb, "issuerdn", t->issuer);
    if ((f & VG_TLS_F_SAN) && t->nsan) {
        vg_jb_open_arr(jb, "subjectaltname");
        for (uint32_t i = 0; i < t->nsan; i++)
            vg_jb_str(jb, NULL, t->san[i]);
        vg_jb_close_arr(jb);
    }
    /* resumed: the server took the session id and sent no certificate
     * (TLS 1.3 resumes otherwise) */
    if ((f & VG_TLS_F_SESSION_RESUMED) && t->session_resumed && !t->subject && !t->issuer &&
        t->has_server_hello && t->server_version != 0x0304)
        vg_jb_bool(jb, "session_resumed", true);
    if ((f & VG_TLS_F_SERIAL) && t->serial)
        vg_jb_str(jb, "serial", t->serial);
    if ((f & VG_TLS_F_FINGERPRINT) && t->fingerprint)
        vg_jb_str(jb, "fingerprint", t->fingerprint);
    if ((f & VG_TLS_F_SNI) && t->sni)
        vg_jb_str(jb, "sni", t->sni);
    if (f & VG_TLS_F_VERSION) /* the server's choice (UNDETERMINED without a ServerHello) */
        vg_jb_str(jb, "version",
                  vg_tls_version_name(t->has_server_hello ? t->server_version : 0));
    if ((f & VG_TLS_F_NOTBEFORE) && t->notbefore[0])
        vg_jb_str(jb, "notbefore", t->notbefore);
    if ((f & VG_TLS_F_NOTAFTER) && t->notafter[0])
        vg_jb_str(jb, "notafter", t->notafter);
    if ((f & VG_TLS_F_CERTIFICATE) && t->ncerts)
        b64_der(jb, "certificate", t->certs[0], t->cert_len[0]);
    if ((f & VG_TLS_F_CHAIN) && t->ncerts) {
        vg_jb_open_arr(jb, "chain");
        for (uint32_t i = 0; i < t->ncerts; i++)
            b64_der(jb, NULL, t->certs[i], t->cert_len[i]);
        vg_jb_close_arr(jb);
    }
    if ((f & VG_TLS_F_JA3) && t->ja3) {
        vg_jb_open_obj(jb, "ja3");
        vg_jb_str(jb, "hash", t->ja3_hash);
        vg_jb_str(jb, "string", t->ja3);
        vg_jb_close_obj(jb);
    }
    if ((f & VG_TLS_F_JA3S) && t->ja3s) {
        vg_jb_open_obj(jb, "ja3s");
        vg_jb_str(jb, "hash", t->ja3s_hash);
        vg_jb_str(jb, "string", t->ja3s);
        vg_jb_close_obj(jb);
    }
    if ((f & VG_TLS_F_JA4) && t->ja4)
        vg_jb_str(jb, "ja4", t->ja4);
    if ((f & VG_TLS_F_CLIENT_ALPNS) && t->nalpn) {
        vg_jb_open_arr(jb, "client_alpns");
        for (uint32_t i = 0; i < t->nalpn; i++)
            vg_jb_str(jb, NULL, t->alpn[i]);
        vg_jb_close_arr(jb);
    }
    if ((f & VG_TLS_F_SERVER_ALPNS) && t->server_alpn) {
        vg_jb_open_arr(jb, "server_alpns");
        vg_jb_str(jb, NULL, t->server_alpn);
        vg_jb_close_arr(jb);
    }
    if ((f & VG_TLS_F_CLIENT_HS) && t->has_client_hello) {
        vg_jb_open_obj(jb, "client_handshake");
        vg_jb_str(jb, "version", vg_tls_version_name(t->client_version));
        u16_list(jb, "ciphers", t->ch_ciphers, t->n_ch_ciphers);
        u16_list(jb, "exts", t->ch_exts, t->n_ch_exts);
        u16_list(jb, "sig_algs", t->ch_sigalgs, t->n_ch_sigalgs);
        vg_jb_close_obj(jb);
    }
    if ((f & VG_TLS_F_SERVER_HS) && t->has_server_hello) {
        vg_jb_open_obj(jb, "server_handshake");
        vg_jb_str(jb, "version", vg_tls_version_name(t->server_version));
        vg_jb_u64(jb, "cipher", t->cipher);
        u16_list(jb, "exts", t->sh_exts, t->n_sh_exts);
        vg_jb_close_obj(jb);
    }
    const vg_tls_info *c = t->client;
    if ((f & (VG_TLS_F_CLIENT | VG_TLS_F_CLIENT_CERT | VG_TLS_F_CLIENT_CHAIN)) && c &&
        (c->subject || c->issuer)) {
        vg_jb_open_obj(jb, "client");
        client_cert(c, f, jb);
        vg_jb_close_obj(jb);
    }
    vg_jb_close_obj(jb);
}

void vg_tls_info_eve(const vg_tls_info *t, vg_jb *jb)
{
    vg_tls_info_eve_fields(t, VG_TLS_F_EXTENDED, jb);
}

static const struct {
    const char *name;
    uint32_t f;
} tls_field_names[] = {
        {"subject", VG_TLS_F_SUBJECT}, {"issuer", VG_TLS_F_ISSUER},
        {"session_resumed", VG_TLS_F_SESSION_RESUMED}, {"serial", VG_TLS_F_SERIAL},
        {"fingerprint", VG_TLS_F_FINGERPRINT}, {"sni", VG_TLS_F_SNI},
        {"version", VG_TLS_F_VERSION}, {"not_before", VG_TLS_F_NOTBEFORE},
        {"not_after", VG_TLS_F_NOTAFTER}, {"certificate", VG_TLS_F_CERTIFICATE},
        {"chain", VG_TLS_F_CHAIN}, {"ja3", VG_TLS_F_JA3}, {"ja3s", VG_TLS_F_JA3S},
        {"ja4", VG_TLS_F_JA4}, {"subjectaltname", VG_TLS_F_SAN}, {"client", VG_TLS_F_CLIENT},
        {"client_certificate", VG_TLS_F_CLIENT_CERT}, {"client_chain", VG_TLS_F_CLIENT_CHAIN},
        {"client_alpns", VG_TLS_F_CLIENT_ALPNS}, {"server_alpns", VG_TLS_F_SERVER_ALPNS},
        {"client_handshake", VG_TLS_F_CLIENT_HS}, {"server_handshake", VG_TLS_F_SERVER_HS},
};

static uint32_t tls_field(const char *name)
{
    for (size_t i = 0; name && i < VG_ARRAY_LEN(tls_field_names); i++)
        if (strcasecmp(name, tls_field_names[i].name) == 0)
            return tls_field_names[i].f;
    return 0;
}

int vg_tls_eve_check(const vg_conf_node *settings)
{
    const vg_conf_node *custom = settings ? vg_conf_node_child(settings, "custom") : NULL;
    int bad = 0;
    for (const vg_conf_node *c = custom ? custom->child : NULL; c; c = c->next)
        if (!tls_field(c->value)) {
            char where[300];
            vg_warn("%s: eve-log tls custom: unknown field '%s' (ignored)",
                    vg_conf_node_where(c, where, sizeof where), c->value ? c->value : "");
            bad++;
        }
    return bad;
}

uint32_t vg_tls_eve_fields(const vg_conf_node *settings)
{
    if (!settings)
        return VG_TLS_F_EXTENDED;
    uint32_t f = VG_TLS_F_BASIC;
    bool b;
    const vg_conf_node *ext = vg_conf_node_child(settings, "extended");
    if (ext && ext->value && vg_conf_parse_bool(ext->value, &b) == VG_OK && b)
        f = VG_TLS_F_EXTENDED;
    const vg_conf_node *custom = vg_conf_node_child(settings, "custom");
    if (custom && (custom->child || custom->is_seq)) {
        /* custom replaces the basic or extended set */
        f = 0;
        for (const vg_conf_node *c = custom->child; c; c = c->next)
            f |= tls_field(c->value);
        if (f & (VG_TLS_F_CLIENT_CERT | VG_TLS_F_CLIENT_CHAIN))
            f |= VG_TLS_F_CLIENT;
    }
    const vg_conf_node *sr = vg_conf_node_child(settings, "session-resumption");
    if (!sr || !sr->value || vg_conf_parse_bool(sr->value, &b) != VG_OK || b)
        f |= VG_TLS_F_SESSION_RESUMED;
    return f;
}

bool vg_tls_eve_loggable(const vg_tls_info *t, uint32_t fields)
{
    /* a server certificate; or a resumed session when session_resumed is
     * logged; or TLS 1.3 (its certificates are encrypted) */
    if (t->subject && t->issuer)
        return true;
    if (t->session_resumed && (fields & VG_TLS_F_SESSION_RESUMED))
        return true;
    return t->has_server_hello &&
           (t->server_version == 0x0304 || (t->server_version >> 8) == 0x7f);
}

static bool tls_tx_log_ok(vg_app_ctx *ctx, const app_flow *af, const vg_app_tx *a,
                          const vg_conf_node *settings)
{
    (void)ctx;
    (void)af;
    return vg_tls_eve_loggable(a->data, settings ? vg_tls_eve_fields(settings) : VG_TLS_F_BASIC);
}

static void tls_tx_eve(vg_app_ctx *ctx, const app_flow *af, const vg_app_tx *a, vg_jb *jb,
                       const vg_conf_node *settings)
{
    (void)af;
    /* a tls type named without settings logs the basic fields (without
     * session_resumed), as in Suricata; alert metadata (no ctx) the
     * extended ones */
    uint32_t f = ctx && !settings ? VG_TLS_F_BASIC : vg_tls_eve_fields(settings);
    /* fingerprints switched off (app-layer.protocols.tls.ja3-fingerprints /
     * ja4-fingerprints: no) are not logged; auto counts as yes */
    if (ctx && ctx->conf) {
        if (!vg_conf_get_bool(ctx->conf, "app-layer.protocols.tls.ja3-fingerprints", true))
            f &= ~(uint32_t)(VG_TLS_F_JA3 | VG_TLS_F_JA3S);
        if (!vg_conf_get_bool(ctx->conf, "app-layer.protocols.tls.ja4-fingerprints", true))
            f &= ~(uint32_t)VG_TLS_F_JA4;
    }
    vg_tls_info_eve_fields(a->data, f, jb);
}

const app_parser vg_app_parser_tls = {
    .alproto = VG_ALPROTO_TLS,
    .eve_kind = 2,
    .detect = vg_app_detect_tls,
    .state_new = tls_state_new,
    .state_free = tls_state_free,
    .parse = tls_parse,
    .flow_end = tls_flow_end,
    .tx_free = tls_tx_free,
    .tx_eve = tls_tx_eve,
    .get_buffer = tls_get_buffer,
    .tx_log_ok = tls_tx_log_ok,
};
