/*
 * app_match.c: app-layer keywords that test a transaction's value rather
 * than search a buffer: urilen, dns.opcode, dns.rcode, dns.rrtype,
 * tls.cert_chain_len, tls.version and the legacy tls.subject, tls.issuerdn
 * and tls.fingerprint.  They sit in the signature's match list; the
 * detection loop evaluates them once per transaction, with the
 * transaction being inspected in the detection thread (dt->app_tx; this
 * file reads the detection internals for that one field).
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "net/app/app_detect.h"
#include "net/app/app_dns.h"
#include "net/app/app_int.h"
#include "net/app/app_tls.h"
#include "net/app/ics.h" /* ICS hook */
#include "net/app/file.h" /* files hook */
#include "net/app/app_feat.h" /* appfeat hook */
#include "net/detect/detect_int.h"

const vg_dns_msg *vg_app_dns_msg(const vg_app_tx *a);

typedef struct uint_ctx {
    vg_uint u;
    bool raw;                   /* urilen: the raw URI (default: normalised, as Suricata) */
} uint_ctx;

static vg_app_tx *cur_tx(const vg_match_ctx *mc)
{
    return mc->dt ? mc->dt->app_tx : NULL;
}

static int uint_setup(vg_rule_parser *rp, vg_sig *s, const char *arg, char *errbuf,
                      const vg_keyword *kw, uint64_t max, uint16_t alproto)
{
    (void)rp;
    uint_ctx *c = calloc(1, sizeof(*c));
    if (!c)
        return vg_err(errbuf, VG_ENOMEM, "out of memory");
    char buf[128];
    snprintf(buf, sizeof buf, "%s", arg ? arg : "");
    char *comma = strchr(buf, ',');
    if (comma) {
        *comma = 0;
        const char *opt = comma + 1;
        while (*opt == ' ')
            opt++;
        if (strcmp(opt, "raw") == 0)
            c->raw = true;
        else if (strcmp(opt, "norm") != 0) {
            free(c);
            return vg_err(errbuf, VG_EINVAL, "%s: unknown option \"%s\"", kw->name, opt);
        }
    }
    int rc = vg_uint_parse(buf, max, &c->u, errbuf);
    if (rc != VG_OK) {
        free(c);
        return rc;
    }
    if (s->alproto && s->alproto != alproto) {
        free(c);
        return vg_err(errbuf, VG_EINVAL, "%s conflicts with the rule's protocol", kw->name);
    }
    s->alproto = alproto;
    s->flags |= VG_SIG_APPLAYER | VG_SIG_NEED_FLOW;
    if (!vg_sig_append(s, VG_LIST_MATCH, kw, c)) {
        free(c);
        return vg_err(errbuf, VG_ENOMEM, "out of memory");
    }
    return VG_OK;
}

/* ---- urilen ---- */

extern const vg_keyword vg_app_kw_urilen;

static int urilen_setup(vg_rule_parser *rp, vg_sig *s, const char *arg, char *errbuf)
{
    return uint_setup(rp, s, arg, errbuf, &vg_app_kw_urilen, 65535, VG_ALPROTO_HTTP);
}

static int urilen_match(const vg_match_ctx *mc, const vg_sm *sm)
{
    const uint_ctx *c = sm->ctx;
    vg_app_tx *tx = cur_tx(mc);
    const uint8_t *d;
    uint32_t n;
    if (!tx || vg_app_get_buffer(mc->p->flow, tx, c->raw ? VG_ABUF_HTTP_URI_RAW : VG_ABUF_HTTP_URI,
                                 0, &d, &n) != VG_OK)
        return 0;
    return vg_uint_match(&c->u, n);
}

const vg_keyword vg_app_kw_urilen = {"urilen", NULL, 0, urilen_setup, urilen_match, free};

/* ---- DNS ---- */

extern const vg_keyword vg_app_kw_dns_opcode, vg_app_kw_dns_rcode, vg_app_kw_dns_rrtype;

static int dns_opcode_setup(vg_rule_parser *rp, vg_sig *s, const char *arg, char *errbuf)
{
    return uint_setup(rp, s, arg, errbuf, &vg_app_kw_dns_opcode, 15, VG_ALPROTO_DNS);
}

static int dns_rcode_setup(vg_rule_parser *rp, vg_sig *s, const char *arg, char *errbuf)
{
    return uint_setup(rp, s, arg, errbuf, &vg_app_kw_dns_rcode, 65535, VG_ALPROTO_DNS);
}

static int dns_rrtype_setup(vg_rule_parser *rp, vg_sig *s, const char *arg, char *errbuf)
{
    return uint_setup(rp, s, arg, errbuf, &vg_app_kw_dns_rrtype, 65535, VG_ALPROTO_DNS);
}

static const vg_dns_msg *dns_of(const vg_match_ctx *mc)
{
    vg_app_tx *tx = cur_tx(mc);
    return tx && tx->alproto == VG_ALPROTO_DNS ? vg_app_dns_msg(tx) : NULL;
}

static int dns_opcode_match(const vg_match_ctx *mc, const vg_sm *sm)
{
    const vg_dns_msg *m = dns_of(mc);
    return m && vg_uint_match(&((const uint_ctx *)sm->ctx)->u, (m->flags >> 11) & 0xf);
}

static int dns_rcode_match(const vg_match_ctx *mc, const vg_sm *sm)
{
    const vg_dns_msg *m = dns_of(mc);
    return m && vg_uint_match(&((const uint_ctx *)sm->ctx)->u, m->flags & 0xf);
}

static int dns_rrtype_match(const vg_match_ctx *mc, const vg_sm *sm)
{
    const vg_dns_msg *m = dns_of(mc);
    if (!m)
        return 0;
    const vg_uint *u = &((const uint_ctx *)sm->ctx)->u;
    for (uint32_t i = 0; i < m->nq; i++)
        if (vg_uint_match(u, m->q[i].type))
            return 1;
    for (uint32_t i = 0; i < m->nrr; i++)
        if (m->rr[i].section == 1 && vg_uint_match(u, m->rr[i].type))
            return 1;
    return 0;
}

const vg_keyword vg_app_kw_dns_opcode = {"dns.opcode", NULL, 0, dns_opcode_setup,
                                         dns_opcode_match, free};
const vg_keyword vg_app_kw_dns_rcode = {"dns.rcode", NULL, 0, dns_rcode_setup, dns_rcode_match,
                                        free};
const vg_keyword vg_app_kw_dns_rrtype = {"dns.rrtype", NULL, 0, dns_rrtype_setup,
                                         dns_rrtype_match, free};

/* ---- TLS ---- */

extern const vg_keyword vg_app_kw_tls_chain_len, vg_app_kw_tls_version, vg_app_kw_tls_subject,
    vg_app_kw_tls_issuerdn, vg_app_kw_tls_fingerprint;

static const vg_tls_info *tls_of(const vg_match_ctx *mc)
{
    vg_app_tx *tx = cur_tx(mc);
    return tx && tx->alproto == VG_ALPROTO_TLS ? tx->data : NULL;
}

static int chain_setup(vg_rule_parser *rp, vg_sig *s, const char *arg, char *errbuf)
{
    return uint_setup(rp, s, arg, errbuf, &vg_app_kw_tls_chain_len, 1000, VG_ALPROTO_TLS);
}

static int chain_match(const vg_match_ctx *mc, const vg_sm *sm)
{
    const vg_tls_info *t = tls_of(mc);
    return t && t->has_certs && vg_uint_match(&((const uint_ctx *)sm->ctx)->u, t->ncerts);
}

const vg_keyword vg_app_kw_tls_chain_len = {"tls.cert_chain_len", NULL, 0, chain_setup,
                                            chain_match, free};

typedef struct str_ctx {
    bool neg;
    char s[];
} str_ctx;

static int str_setup(vg_rule_parser *rp, vg_sig *s, const char *arg, char *errbuf,
                     const vg_keyword *kw)
{
    (void)rp;
    if (!arg)
        return vg_err(errbuf, VG_EINVAL, "%s needs a value", kw->name);
    bool neg = false;
    while (*arg == ' ')
        arg++;
    if (*arg == '!') {
        neg = true;
        arg++;
    }
    size_t l = strlen(arg);
    str_ctx *c = calloc(1, sizeof(*c) + l + 1);
    if (!c)
        return vg_err(errbuf, VG_ENOMEM, "out of memory");
    c->neg = neg;
    if (vg_rule_unquote(arg, c->s, l + 1) != VG_OK) {
        free(c);
        return vg_err(errbuf, VG_EINVAL, "%s: bad value", kw->name);
    }
    if (s->alproto && s->alproto != VG_ALPROTO_TLS) {
        free(c);
        return vg_err(errbuf, VG_EINVAL, "%s conflicts with the rule's protocol", kw->name);
    }
    s->alproto = VG_ALPROTO_TLS;
    s->flags |= VG_SIG_APPLAYER | VG_SIG_NEED_FLOW;
    if (!vg_sig_append(s, VG_LIST_MATCH, kw, c)) {
        free(c);
        return vg_err(errbuf, VG_ENOMEM, "out of memory");
    }
    return VG_OK;
}

static int version_setup(vg_rule_parser *rp, vg_sig *s, const char *arg, char *errbuf)
{
    return str_setup(rp, s, arg, errbuf, &vg_app_kw_tls_version);
}

static int version_match(const vg_match_ctx *mc, const vg_sm *sm)
{
    const str_ctx *c = sm->ctx;
    const vg_tls_info *t = tls_of(mc);
    if (!t || (!t->has_server_hello && !t->has_client_hello))
        return 0;
    uint16_t v = t->has_server_hello ? t->server_version : t->client_version;
    static const struct { const char *n; uint16_t v; } tbl[] = {
        {"1.0", 0x0301}, {"1.1", 0x0302}, {"1.2", 0x0303}, {"1.3", 0x0304}, {"3.0", 0x0300},
    };
    bool m = false;
    for (size_t i = 0; i < VG_ARRAY_LEN(tbl); i++)
        if (strcmp(c->s, tbl[i].n) == 0)
            m = v == tbl[i].v;
    return m != c->neg;
}

static int subject_setup(vg_rule_parser *rp, vg_sig *s, const char *arg, char *errbuf)
{
    return str_setup(rp, s, arg, errbuf, &vg_app_kw_tls_subject);
}

static int issuer_setup(vg_rule_parser *rp, vg_sig *s, const char *arg, char *errbuf)
{
    return str_setup(rp, s, arg, errbuf, &vg_app_kw_tls_issuerdn);
}

static int fp_setup(vg_rule_parser *rp, vg_sig *s, const char *arg, char *errbuf)
{
    return str_setup(rp, s, arg, errbuf, &vg_app_kw_tls_fingerprint);
}

static int cert_str_match(const vg_match_ctx *mc, const vg_sm *sm, int which)
{
    const str_ctx *c = sm->ctx;
    const vg_tls_info *t = tls_of(mc);
    if (!t || !t->has_certs)
        return 0;
    const char *v = which == 0 ? t->subject : which == 1 ? t->issuer : t->fingerprint;
    if (!v)
        return c->neg;
    bool m = which == 2 ? strcasecmp(v, c->s) == 0 : strstr(v, c->s) != NULL;
    return m != c->neg;
}

static int subject_match(const vg_match_ctx *mc, const vg_sm *sm)
{
    return cert_str_match(mc, sm, 0);
}

static int issuer_match(const vg_match_ctx *mc, const vg_sm *sm)
{
    return cert_str_match(mc, sm, 1);
}

static int fp_match(const vg_match_ctx *mc, const vg_sm *sm)
{
    return cert_str_match(mc, sm, 2);
}

const vg_keyword vg_app_kw_tls_version = {"tls.version", NULL, VG_KW_QUOTES_OK, version_setup,
                                          version_match, free};
const vg_keyword vg_app_kw_tls_subject = {"tls.subject", NULL, VG_KW_QUOTES_OK, subject_setup,
                                          subject_match, free};
const vg_keyword vg_app_kw_tls_issuerdn = {"tls.issuerdn", NULL, VG_KW_QUOTES_OK, issuer_setup,
                                           issuer_match, free};
const vg_keyword vg_app_kw_tls_fingerprint = {"tls.fingerprint", NULL, VG_KW_QUOTES_OK, fp_setup,
                                              fp_match, free};

int vg_app_match_dir(const vg_keyword *kw)
{
    int ics = vg_ics_match_dir(kw); /* ICS hook: modbus, dnp3_* */
    if (ics >= 0)
        return ics;
    int fd = vg_file_match_dir(kw); /* files hook: filesize, filemd5... */
    if (fd >= 0)
        return fd;
    int ft = vg_app_feat_match_dir(kw); /* appfeat hook: ssl_version, ssl_state, app-layer-event */
    if (ft >= 0)
        return ft;
    if (kw == &vg_app_kw_urilen)
        return 0;
    if (kw == &vg_app_kw_dns_opcode || kw == &vg_app_kw_dns_rcode ||
        kw == &vg_app_kw_dns_rrtype || kw == &vg_app_kw_tls_version)
        return 2;
    if (kw == &vg_app_kw_tls_chain_len || kw == &vg_app_kw_tls_subject ||
        kw == &vg_app_kw_tls_issuerdn || kw == &vg_app_kw_tls_fingerprint)
        return 1;
    return -1;
}
