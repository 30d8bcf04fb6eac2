/*
 * app_keywords.c: the sticky buffer keywords of the app-layer (http.*,
 * dns.*, tls.*, ja3/ja4, file.data) and the legacy content modifiers
 * (http_uri, http_header...).  A sticky keyword makes its buffer the
 * rule's current buffer; a legacy modifier moves the previous content
 * into its buffer.  Either also ties the rule to the buffer's protocol
 * (s->alproto), so a rule whose header says `tcp` only runs on flows of
 * that protocol, as in Suricata.
 */
#include <stdlib.h>
#include <string.h>

#include "net/app/app.h"
#include "net/app/app_keywords.h"
#include "net/payload.h"
#include "net/app/app_transform.h"
#include "net/app/ics.h" /* ICS hook */
#include "net/app/file.h" /* files hook */

typedef struct buf_info {
    uint16_t id;
    const char *name;
    uint16_t alproto;
    bool toclient;              /* response side (after resolving both-sided names) */
} buf_info;

static const buf_info bufs[] = {
    {VG_ABUF_HTTP_URI, "http.uri", VG_ALPROTO_HTTP, false},
    {VG_ABUF_HTTP_URI_RAW, "http.uri.raw", VG_ALPROTO_HTTP, false},
    {VG_ABUF_HTTP_METHOD, "http.method", VG_ALPROTO_HTTP, false},
    {VG_ABUF_HTTP_REQUEST_LINE, "http.request_line", VG_ALPROTO_HTTP, false},
    {VG_ABUF_HTTP_HEADER, "http.header", VG_ALPROTO_HTTP, false},
    {VG_ABUF_HTTP_HEADER_RAW, "http.header.raw", VG_ALPROTO_HTTP, false},
    {VG_ABUF_HTTP_HEADER_NAMES, "http.header_names", VG_ALPROTO_HTTP, false},
    {VG_ABUF_HTTP_HOST, "http.host", VG_ALPROTO_HTTP, false},
    {VG_ABUF_HTTP_HOST_RAW, "http.host.raw", VG_ALPROTO_HTTP, false},
    {VG_ABUF_HTTP_USER_AGENT, "http.user_agent", VG_ALPROTO_HTTP, false},
    {VG_ABUF_HTTP_COOKIE, "http.cookie", VG_ALPROTO_HTTP, false},
    {VG_ABUF_HTTP_REFERER, "http.referer", VG_ALPROTO_HTTP, false},
    {VG_ABUF_HTTP_CONTENT_TYPE, "http.content_type", VG_ALPROTO_HTTP, false},
    {VG_ABUF_HTTP_CONTENT_LEN, "http.content_len", VG_ALPROTO_HTTP, false},
    {VG_ABUF_HTTP_PROTOCOL, "http.protocol", VG_ALPROTO_HTTP, false},
    {VG_ABUF_HTTP_START, "http.start", VG_ALPROTO_HTTP, false},
    {VG_ABUF_HTTP_ACCEPT, "http.accept", VG_ALPROTO_HTTP, false},
    {VG_ABUF_HTTP_ACCEPT_ENC, "http.accept_enc", VG_ALPROTO_HTTP, false},
    {VG_ABUF_HTTP_ACCEPT_LANG, "http.accept_lang", VG_ALPROTO_HTTP, false},
    {VG_ABUF_HTTP_CONNECTION, "http.connection", VG_ALPROTO_HTTP, false},
    {VG_ABUF_HTTP_REQUEST_BODY, "http.request_body", VG_ALPROTO_HTTP, false},
    {VG_ABUF_HTTP_REQUEST_HEADER, "http.request_header", VG_ALPROTO_HTTP, false},
    {VG_ABUF_HTTP_STAT_CODE, "http.stat_code", VG_ALPROTO_HTTP, true},
    {VG_ABUF_HTTP_STAT_MSG, "http.stat_msg", VG_ALPROTO_HTTP, true},
    {VG_ABUF_HTTP_RESPONSE_LINE, "http.response_line", VG_ALPROTO_HTTP, true},
    {VG_ABUF_HTTP_RESPONSE_BODY, "http.response_body", VG_ALPROTO_HTTP, true},
    {VG_ABUF_HTTP_SERVER, "http.server", VG_ALPROTO_HTTP, true},
    {VG_ABUF_HTTP_LOCATION, "http.location", VG_ALPROTO_HTTP, true},
    {VG_ABUF_HTTP_RES_HEADER, "http.header (response)", VG_ALPROTO_HTTP, true},
    {VG_ABUF_HTTP_RES_HEADER_RAW, "http.header.raw (response)", VG_ALPROTO_HTTP, true},
    {VG_ABUF_HTTP_RES_HEADER_NAMES, "http.header_names (response)", VG_ALPROTO_HTTP, true},
    {VG_ABUF_HTTP_RES_CONTENT_TYPE, "http.content_type (response)", VG_ALPROTO_HTTP, true},
    {VG_ABUF_HTTP_RES_CONTENT_LEN, "http.content_len (response)", VG_ALPROTO_HTTP, true},
    {VG_ABUF_HTTP_RES_START, "http.start (response)", VG_ALPROTO_HTTP, true},
    {VG_ABUF_HTTP_RESPONSE_HEADER, "http.response_header", VG_ALPROTO_HTTP, true},
    {VG_ABUF_HTTP_RES_COOKIE, "http.cookie (response)", VG_ALPROTO_HTTP, true},
    {VG_ABUF_HTTP_RES_CONNECTION, "http.connection (response)", VG_ALPROTO_HTTP, true},
    {VG_ABUF_DNS_QUERY, "dns.query", VG_ALPROTO_DNS, false},
    {VG_ABUF_DNS_QUERIES_RRNAME, "dns.queries.rrname", VG_ALPROTO_DNS, false},
    {VG_ABUF_DNS_ANSWERS_RRNAME, "dns.answers.rrname", VG_ALPROTO_DNS, true},
    {VG_ABUF_DNS_AUTH_RRNAME, "dns.authorities.rrname", VG_ALPROTO_DNS, true},
    {VG_ABUF_DNS_ADD_RRNAME, "dns.additionals.rrname", VG_ALPROTO_DNS, true},
    {VG_ABUF_DNS_RESP_QUERY, "dns.response.rrname", VG_ALPROTO_DNS, true},
    {VG_ABUF_TLS_SNI, "tls.sni", VG_ALPROTO_TLS, false},
    {VG_ABUF_TLS_CERT_SUBJECT, "tls.cert_subject", VG_ALPROTO_TLS, true},
    {VG_ABUF_TLS_CERT_ISSUER, "tls.cert_issuer", VG_ALPROTO_TLS, true},
    {VG_ABUF_TLS_CERT_SERIAL, "tls.cert_serial", VG_ALPROTO_TLS, true},
    {VG_ABUF_TLS_CERT_FINGERPRINT, "tls.cert_fingerprint", VG_ALPROTO_TLS, true},
    {VG_ABUF_TLS_CERTS, "tls.certs", VG_ALPROTO_TLS, true},
    {VG_ABUF_TLS_SAN, "tls.subjectaltname", VG_ALPROTO_TLS, true},
    {VG_ABUF_TLS_ALPN, "tls.alpn", VG_ALPROTO_TLS, false},
    {VG_ABUF_JA3_HASH, "ja3.hash", VG_ALPROTO_TLS, false},
    {VG_ABUF_JA3_STRING, "ja3.string", VG_ALPROTO_TLS, false},
    {VG_ABUF_JA3S_HASH, "ja3s.hash", VG_ALPROTO_TLS, true},
    {VG_ABUF_JA3S_STRING, "ja3s.string", VG_ALPROTO_TLS, true},
    {VG_ABUF_JA4_HASH, "ja4.hash", VG_ALPROTO_TLS, false},
    {VG_ABUF_DNP3_DATA, "dnp3_data", VG_ALPROTO_DNP3, false}, /* ICS hook */
    {VG_ABUF_FILE_NAME, "file.name", VG_ALPROTO_HTTP, false},   /* files hook */
    {VG_ABUF_FILE_MAGIC, "file.magic", VG_ALPROTO_HTTP, false}, /* files hook */
    {VG_ABUF_SSH_PROTO, "ssh.proto", VG_ALPROTO_SSH, false},              /* files hook */
    {VG_ABUF_SSH_SOFTWARE, "ssh.software", VG_ALPROTO_SSH, false},        /* files hook */
    {VG_ABUF_SSH_PROTO_SRV, "ssh.proto (server)", VG_ALPROTO_SSH, true},  /* files hook */
    {VG_ABUF_SSH_SOFTWARE_SRV, "ssh.software (server)", VG_ALPROTO_SSH, true}, /* files hook */
    {VG_ABUF_TLS_RANDOM, "tls.random", VG_ALPROTO_TLS, false},
    {VG_ABUF_TLS_RANDOM_TIME, "tls.random_time", VG_ALPROTO_TLS, false},
    {VG_ABUF_TLS_RANDOM_BYTES, "tls.random_bytes", VG_ALPROTO_TLS, false},
};

static const buf_info *info(uint16_t id)
{
    if (id < VG_BUF_APP_FIRST || id >= VG_ABUF_END)
        return NULL;
    const buf_info *b = &bufs[id - VG_BUF_APP_FIRST];
    return b->id == id ? b : NULL;
}

_Static_assert(sizeof(bufs) / sizeof(bufs[0]) == VG_ABUF_END - VG_BUF_APP_FIRST,
               "one entry per app buffer, in id order");

bool vg_app_buf_both(uint16_t id)
{
    switch (id) {
    case VG_ABUF_HTTP_HEADER: case VG_ABUF_HTTP_HEADER_RAW: case VG_ABUF_HTTP_HEADER_NAMES:
    case VG_ABUF_HTTP_COOKIE: case VG_ABUF_HTTP_CONTENT_TYPE: case VG_ABUF_HTTP_CONTENT_LEN:
    case VG_ABUF_HTTP_START: case VG_ABUF_HTTP_CONNECTION:
    case VG_ABUF_DNS_QUERIES_RRNAME: case VG_ABUF_DNS_ANSWERS_RRNAME:
    case VG_ABUF_DNS_AUTH_RRNAME: case VG_ABUF_DNS_ADD_RRNAME:
    case VG_ABUF_TLS_CERT_SUBJECT: case VG_ABUF_TLS_CERT_ISSUER: case VG_ABUF_TLS_CERT_SERIAL:
    case VG_ABUF_TLS_CERT_FINGERPRINT: case VG_ABUF_TLS_CERTS: case VG_ABUF_TLS_SAN:
    case VG_ABUF_TLS_ALPN:
    case VG_ABUF_TLS_RANDOM: case VG_ABUF_TLS_RANDOM_TIME: case VG_ABUF_TLS_RANDOM_BYTES:
    case VG_ABUF_DNP3_DATA: /* ICS hook: either side's messages */
    case VG_ABUF_FILE_NAME: case VG_ABUF_FILE_MAGIC: /* files hook: files of either side */
    case VG_ABUF_SSH_PROTO: case VG_ABUF_SSH_SOFTWARE: /* files hook: either side's banner */
        return true;
    default:
        return false;
    }
}

bool vg_app_buf_toclient(uint16_t id)
{
    const buf_info *b = info(id);
    return b && b->toclient;
}

const char *vg_app_buf_name(uint16_t id)
{
    const buf_info *b = info(id);
    return b ? b->name : "?";
}

uint16_t vg_app_buf_alproto(uint16_t id);
uint16_t vg_app_buf_alproto(uint16_t id)
{
    const buf_info *b = info(id);
    return b ? b->alproto : 0;
}

/* Tie the rule to the buffer's protocol. */
static int set_proto(vg_sig *s, uint16_t id, char *errbuf)
{
    uint16_t al = vg_app_buf_alproto(id);
    if (s->alproto && s->alproto != al) {
        /* http1/http2 header names select HTTP too */
        const char *n = vg_app_proto_name(s->alproto);
        if (!(al == VG_ALPROTO_HTTP && s->alproto == 2))
            return vg_err(errbuf, VG_EINVAL, "%s conflicts with the rule's protocol %s",
                          vg_app_buf_name(id), n ? n : "?");
        return VG_OK;
    }
    s->alproto = al;
    s->flags |= VG_SIG_APPLAYER | VG_SIG_NEED_FLOW;
    return VG_OK;
}

static int sticky(vg_rule_parser *rp, vg_sig *s, uint16_t id, char *errbuf)
{
    int rc = set_proto(s, id, errbuf);
    if (rc != VG_OK)
        return rc;
    return vg_rule_parser_set_buf(rp, s, id, errbuf);
}

/* Move the rule's last content into buffer id (legacy modifiers).  The
 * buffer then stays current, so the modifiers that follow (within,
 * distance, isdataat relative, byte_extract relative) and the next
 * content's own modifier apply where Suricata applies them; a later
 * content without a modifier stays in that buffer. */
static int modifier(vg_rule_parser *rp, vg_sig *s, uint16_t id, const char *kwname, char *errbuf)
{
    vg_sm *last = vg_rule_parser_last_payload(rp, s);
    if (!last || !last->kw || strcmp(last->kw->name, "content") != 0)
        return vg_err(errbuf, VG_EINVAL, "%s needs a preceding content", kwname);
    int bi = -1;
    for (int i = 0; i < s->nbufs; i++)
        if (s->bufs[i].tail == last)
            bi = i;
    if (bi < 0)
        return vg_err(errbuf, VG_EINVAL, "%s: content not found in its buffer", kwname);
    uint16_t from = s->bufs[bi].id;
    int rc = set_proto(s, id, errbuf);
    if (rc != VG_OK)
        return rc;
    if (from == id) {
        /* already there: a sticky buffer's content, or a second modifier */
        bool by_mod = vg_rule_parser_by_modifier(rp);
        rc = vg_rule_parser_set_buf(rp, s, id, errbuf);
        vg_rule_parser_set_by_modifier(rp, by_mod);
        return rc;
    }
    if (from != VG_BUF_PAYLOAD && from < VG_BUF_APP_FIRST)
        return vg_err(errbuf, VG_EINVAL, "%s cannot follow a header buffer's content", kwname);
    /* unlink from its list; drop the list when it became empty */
    vg_sig_buf *b = &s->bufs[bi];
    b->tail = last->prev;
    if (b->tail)
        b->tail->next = NULL;
    else
        b->head = NULL;
    last->prev = last->next = NULL;
    if (!b->head) {
        memmove(&s->bufs[bi], &s->bufs[bi + 1], (size_t)(s->nbufs - bi - 1) * sizeof(s->bufs[0]));
        s->nbufs--;
        bool payload = false;
        for (int i = 0; i < s->nbufs; i++)
            payload |= s->bufs[i].id == VG_BUF_PAYLOAD;
        if (!payload)
            s->flags &= ~(uint32_t)VG_SIG_HAS_PAYLOAD;
    }
    rc = vg_rule_parser_set_buf(rp, s, id, errbuf);
    if (rc == VG_OK && !vg_sig_append_buf(rp, s, last->kw, last->ctx))
        rc = vg_err(errbuf, VG_ENOMEM, "out of memory");
    if (rc != VG_OK) {
        if (last->kw->free)
            last->kw->free(last->ctx);
        free(last);
        return rc;
    }
    free(last);
    /* the content moved out of the payload: the next one goes back there */
    vg_rule_parser_set_by_modifier(rp, from == VG_BUF_PAYLOAD);
    return VG_OK;
}

#define STICKY(var, kwname, alias, id)                                                        \
    static int var##_setup(vg_rule_parser *rp, vg_sig *s, const char *arg, char *errbuf)      \
    {                                                                                         \
        (void)arg;                                                                            \
        return sticky(rp, s, id, errbuf);                                                     \
    }                                                                                         \
    static const vg_keyword var = {kwname, alias, VG_KW_NOOPT | VG_KW_STICKY, var##_setup,    \
                                   NULL, NULL};

#define MODIFIER(var, kwname, id)                                                             \
    static int var##_setup(vg_rule_parser *rp, vg_sig *s, const char *arg, char *errbuf)      \
    {                                                                                         \
        (void)arg;                                                                            \
        return modifier(rp, s, id, kwname, errbuf);                                           \
    }                                                                                         \
    static const vg_keyword var = {kwname, NULL, VG_KW_NOOPT | VG_KW_MODIFIER, var##_setup,   \
                                   NULL, NULL};

STICKY(kw_http_uri, "http.uri", "http.uri.normalized", VG_ABUF_HTTP_URI)
STICKY(kw_http_uri_raw, "http.uri.raw", NULL, VG_ABUF_HTTP_URI_RAW)
STICKY(kw_http_method, "http.method", NULL, VG_ABUF_HTTP_METHOD)
STICKY(kw_http_request_line, "http.request_line", "http_request_line", VG_ABUF_HTTP_REQUEST_LINE)
STICKY(kw_http_header, "http.header", NULL, VG_ABUF_HTTP_HEADER)
STICKY(kw_http_header_raw, "http.header.raw", NULL, VG_ABUF_HTTP_HEADER_RAW)
STICKY(kw_http_header_names, "http.header_names", NULL, VG_ABUF_HTTP_HEADER_NAMES)
STICKY(kw_http_host, "http.host", NULL, VG_ABUF_HTTP_HOST)
STICKY(kw_http_host_raw, "http.host.raw", NULL, VG_ABUF_HTTP_HOST_RAW)
STICKY(kw_http_user_agent, "http.user_agent", NULL, VG_ABUF_HTTP_USER_AGENT)
STICKY(kw_http_cookie, "http.cookie", NULL, VG_ABUF_HTTP_COOKIE)
STICKY(kw_http_referer, "http.referer", NULL, VG_ABUF_HTTP_REFERER)
STICKY(kw_http_content_type, "http.content_type", NULL, VG_ABUF_HTTP_CONTENT_TYPE)
STICKY(kw_http_content_len, "http.content_len", NULL, VG_ABUF_HTTP_CONTENT_LEN)
STICKY(kw_http_protocol, "http.protocol", NULL, VG_ABUF_HTTP_PROTOCOL)
STICKY(kw_http_start, "http.start", NULL, VG_ABUF_HTTP_START)
STICKY(kw_http_accept, "http.accept", NULL, VG_ABUF_HTTP_ACCEPT)
STICKY(kw_http_accept_enc, "http.accept_enc", NULL, VG_ABUF_HTTP_ACCEPT_ENC)
STICKY(kw_http_accept_lang, "http.accept_lang", NULL, VG_ABUF_HTTP_ACCEPT_LANG)
STICKY(kw_http_connection, "http.connection", NULL, VG_ABUF_HTTP_CONNECTION)
STICKY(kw_http_request_body, "http.request_body", NULL, VG_ABUF_HTTP_REQUEST_BODY)
STICKY(kw_http_request_header, "http.request_header", NULL, VG_ABUF_HTTP_REQUEST_HEADER)
STICKY(kw_http_response_header, "http.response_header", NULL, VG_ABUF_HTTP_RESPONSE_HEADER)
STICKY(kw_http_stat_code, "http.stat_code", NULL, VG_ABUF_HTTP_STAT_CODE)
STICKY(kw_http_stat_msg, "http.stat_msg", NULL, VG_ABUF_HTTP_STAT_MSG)
STICKY(kw_http_response_line, "http.response_line", "http_response_line", VG_ABUF_HTTP_RESPONSE_LINE)
STICKY(kw_http_response_body, "http.response_body", NULL, VG_ABUF_HTTP_RESPONSE_BODY)
STICKY(kw_http_server, "http.server", NULL, VG_ABUF_HTTP_SERVER)
STICKY(kw_http_location, "http.location", NULL, VG_ABUF_HTTP_LOCATION)
/* file.data is the file content of any protocol: on HTTP the body; on
 * protocols without a file parser here (smtp, smb...) it never matches */
static int kw_file_data_setup(vg_rule_parser *rp, vg_sig *s, const char *arg, char *errbuf)
{
    (void)arg;
    if (s->alproto && s->alproto != VG_ALPROTO_HTTP && s->alproto != 2)
        return vg_rule_parser_set_buf(rp, s, VG_ABUF_HTTP_RESPONSE_BODY, errbuf);
    return sticky(rp, s, VG_ABUF_HTTP_RESPONSE_BODY, errbuf);
}
static const vg_keyword kw_file_data = {"file.data", "file_data", VG_KW_NOOPT | VG_KW_STICKY,
                                        kw_file_data_setup, NULL, NULL};
STICKY(kw_dns_query, "dns.query", "dns_query", VG_ABUF_DNS_QUERY)
STICKY(kw_dns_queries_rrname, "dns.queries.rrname", "dns.query.name", VG_ABUF_DNS_QUERIES_RRNAME)
STICKY(kw_dns_answers_rrname, "dns.answers.rrname", "dns.answer.name", VG_ABUF_DNS_ANSWERS_RRNAME)
STICKY(kw_dns_auth_rrname, "dns.authorities.rrname", NULL, VG_ABUF_DNS_AUTH_RRNAME)
STICKY(kw_dns_add_rrname, "dns.additionals.rrname", NULL, VG_ABUF_DNS_ADD_RRNAME)
STICKY(kw_dns_response_rrname, "dns.response.rrname", NULL, VG_ABUF_DNS_RESP_QUERY)
STICKY(kw_tls_sni, "tls.sni", "tls_sni", VG_ABUF_TLS_SNI)
STICKY(kw_tls_cert_subject, "tls.cert_subject", "tls_cert_subject", VG_ABUF_TLS_CERT_SUBJECT)
STICKY(kw_tls_cert_issuer, "tls.cert_issuer", "tls_cert_issuer", VG_ABUF_TLS_CERT_ISSUER)
STICKY(kw_tls_cert_serial, "tls.cert_serial", "tls_cert_serial", VG_ABUF_TLS_CERT_SERIAL)
STICKY(kw_tls_cert_fingerprint, "tls.cert_fingerprint", "tls_cert_fingerprint",
       VG_ABUF_TLS_CERT_FINGERPRINT)
STICKY(kw_tls_certs, "tls.certs", NULL, VG_ABUF_TLS_CERTS)
STICKY(kw_tls_san, "tls.subjectaltname", NULL, VG_ABUF_TLS_SAN)
STICKY(kw_tls_alpn, "tls.alpn", NULL, VG_ABUF_TLS_ALPN)
STICKY(kw_ja3_hash, "ja3.hash", "ja3_hash", VG_ABUF_JA3_HASH)
STICKY(kw_ja3_string, "ja3.string", "ja3_string", VG_ABUF_JA3_STRING)
STICKY(kw_ja3s_hash, "ja3s.hash", "ja3s_hash", VG_ABUF_JA3S_HASH)
STICKY(kw_ja3s_string, "ja3s.string", "ja3s_string", VG_ABUF_JA3S_STRING)
STICKY(kw_ja4_hash, "ja4.hash", NULL, VG_ABUF_JA4_HASH)
STICKY(kw_tls_random, "tls.random", NULL, VG_ABUF_TLS_RANDOM)
STICKY(kw_tls_random_time, "tls.random_time", NULL, VG_ABUF_TLS_RANDOM_TIME)
STICKY(kw_tls_random_bytes, "tls.random_bytes", NULL, VG_ABUF_TLS_RANDOM_BYTES)

MODIFIER(kw_m_http_uri, "http_uri", VG_ABUF_HTTP_URI)
MODIFIER(kw_m_uricontent_dummy, "http_raw_uri", VG_ABUF_HTTP_URI_RAW)
MODIFIER(kw_m_http_method, "http_method", VG_ABUF_HTTP_METHOD)
MODIFIER(kw_m_http_header, "http_header", VG_ABUF_HTTP_HEADER)
MODIFIER(kw_m_http_raw_header, "http_raw_header", VG_ABUF_HTTP_HEADER_RAW)
MODIFIER(kw_m_http_cookie, "http_cookie", VG_ABUF_HTTP_COOKIE)
MODIFIER(kw_m_http_user_agent, "http_user_agent", VG_ABUF_HTTP_USER_AGENT)
MODIFIER(kw_m_http_host, "http_host", VG_ABUF_HTTP_HOST)
MODIFIER(kw_m_http_raw_host, "http_raw_host", VG_ABUF_HTTP_HOST_RAW)
MODIFIER(kw_m_http_client_body, "http_client_body", VG_ABUF_HTTP_REQUEST_BODY)
MODIFIER(kw_m_http_server_body, "http_server_body", VG_ABUF_HTTP_RESPONSE_BODY)
MODIFIER(kw_m_http_stat_code, "http_stat_code", VG_ABUF_HTTP_STAT_CODE)
MODIFIER(kw_m_http_stat_msg, "http_stat_msg", VG_ABUF_HTTP_STAT_MSG)
MODIFIER(kw_m_http_content_type, "http_content_type", VG_ABUF_HTTP_CONTENT_TYPE)
MODIFIER(kw_m_http_content_len, "http_content_len", VG_ABUF_HTTP_CONTENT_LEN)
MODIFIER(kw_m_http_protocol, "http_protocol", VG_ABUF_HTTP_PROTOCOL)
MODIFIER(kw_m_http_start, "http_start", VG_ABUF_HTTP_START)
MODIFIER(kw_m_http_header_names, "http_header_names", VG_ABUF_HTTP_HEADER_NAMES)
MODIFIER(kw_m_http_accept, "http_accept", VG_ABUF_HTTP_ACCEPT)
MODIFIER(kw_m_http_accept_enc, "http_accept_enc", VG_ABUF_HTTP_ACCEPT_ENC)
MODIFIER(kw_m_http_accept_lang, "http_accept_lang", VG_ABUF_HTTP_ACCEPT_LANG)
MODIFIER(kw_m_http_connection, "http_connection", VG_ABUF_HTTP_CONNECTION)
MODIFIER(kw_m_http_referer, "http_referer", VG_ABUF_HTTP_REFERER)
MODIFIER(kw_m_http_server, "http_server", VG_ABUF_HTTP_SERVER)
MODIFIER(kw_m_http_location, "http_location", VG_ABUF_HTTP_LOCATION)

/* uricontent:"x" is content:"x"; http_uri; */
static int uricontent_setup(vg_rule_parser *rp, vg_sig *s, const char *arg, char *errbuf)
{
    const vg_keyword *content = vg_keyword_find("content");
    if (!content)
        return vg_err(errbuf, VG_ENOTSUP, "uricontent: no content keyword");
    int rc = content->setup(rp, s, arg, errbuf);
    if (rc != VG_OK)
        return rc;
    return modifier(rp, s, VG_ABUF_HTTP_URI, "uricontent", errbuf);
}
static const vg_keyword kw_uricontent = {"uricontent", NULL, VG_KW_PAYLOAD | VG_KW_QUOTES_OK,
                                         uricontent_setup, NULL, NULL};

extern const vg_keyword vg_app_kw_urilen, vg_app_kw_dns_opcode, vg_app_kw_dns_rcode,
    vg_app_kw_dns_rrtype, vg_app_kw_tls_chain_len, vg_app_kw_tls_version, vg_app_kw_tls_subject,
    vg_app_kw_tls_issuerdn, vg_app_kw_tls_fingerprint;
extern const vg_keyword vg_app_kw_to_lowercase, vg_app_kw_to_uppercase, vg_app_kw_compress_ws,
    vg_app_kw_strip_ws, vg_app_kw_dotprefix, vg_app_kw_url_decode, vg_app_kw_header_lowercase,
    vg_app_kw_strip_pseudo, vg_app_kw_to_md5, vg_app_kw_to_sha1, vg_app_kw_to_sha256,
    vg_app_kw_xor, vg_app_kw_pcrexform, vg_app_kw_from_base64, vg_app_kw_absent;
extern const vg_keyword vg_app_kw_ssl_version, vg_app_kw_ssl_state, vg_app_kw_app_layer_event;

const vg_keyword *const vg_app_keywords[] = {
    &vg_app_kw_urilen, &vg_app_kw_dns_opcode, &vg_app_kw_dns_rcode, &vg_app_kw_dns_rrtype,
    &vg_app_kw_tls_chain_len, &vg_app_kw_tls_version, &vg_app_kw_tls_subject,
    &vg_app_kw_tls_issuerdn, &vg_app_kw_tls_fingerprint,
    &vg_app_kw_to_lowercase, &vg_app_kw_to_uppercase, &vg_app_kw_compress_ws,
    &vg_app_kw_strip_ws, &vg_app_kw_dotprefix, &vg_app_kw_url_decode,
    &vg_app_kw_header_lowercase, &vg_app_kw_strip_pseudo, &vg_app_kw_to_md5,
    &vg_app_kw_to_sha1, &vg_app_kw_to_sha256, &vg_app_kw_xor, &vg_app_kw_pcrexform,
    &vg_app_kw_from_base64, &vg_app_kw_absent,
    &kw_http_uri, &kw_http_uri_raw, &kw_http_method, &kw_http_request_line, &kw_http_header,
    &kw_http_header_raw, &kw_http_header_names, &kw_http_host, &kw_http_host_raw,
    &kw_http_user_agent, &kw_http_cookie, &kw_http_referer, &kw_http_content_type,
    &kw_http_content_len, &kw_http_protocol, &kw_http_start, &kw_http_accept,
    &kw_http_accept_enc, &kw_http_accept_lang, &kw_http_connection, &kw_http_request_body,
    &kw_http_request_header, &kw_http_response_header, &kw_http_stat_code, &kw_http_stat_msg,
    &kw_http_response_line, &kw_http_response_body, &kw_http_server, &kw_http_location,
    &kw_file_data, &kw_dns_query, &kw_dns_queries_rrname, &kw_dns_answers_rrname,
    &kw_dns_auth_rrname, &kw_dns_add_rrname, &kw_dns_response_rrname, &kw_tls_sni,
    &kw_tls_cert_subject, &kw_tls_cert_issuer, &kw_tls_cert_serial, &kw_tls_cert_fingerprint,
    &kw_tls_certs, &kw_tls_san, &kw_tls_alpn, &kw_ja3_hash, &kw_ja3_string, &kw_ja3s_hash,
    &kw_ja3s_string, &kw_ja4_hash, &kw_tls_random, &kw_tls_random_time, &kw_tls_random_bytes,
    &vg_app_kw_ssl_version, &vg_app_kw_ssl_state, &vg_app_kw_app_layer_event, /* app_feat_kw */
    &kw_m_http_uri, &kw_m_uricontent_dummy, &kw_m_http_method, &kw_m_http_header,
    &kw_m_http_raw_header, &kw_m_http_cookie, &kw_m_http_user_agent, &kw_m_http_host,
    &kw_m_http_raw_host, &kw_m_http_client_body, &kw_m_http_server_body, &kw_m_http_stat_code,
    &kw_m_http_stat_msg, &kw_m_http_content_type, &kw_m_http_content_len, &kw_m_http_protocol,
    &kw_m_http_start, &kw_m_http_header_names, &kw_m_http_accept, &kw_m_http_accept_enc,
    &kw_m_http_accept_lang, &kw_m_http_connection, &kw_m_http_referer, &kw_m_http_server,
    &kw_m_http_location, &kw_uricontent,
    &vg_ics_kw_modbus, &vg_ics_kw_dnp3_func, &vg_ics_kw_dnp3_ind, &vg_ics_kw_dnp3_obj,
    &vg_ics_kw_dnp3_data, /* ICS hook: modbus and dnp3 keywords (ics_keywords.c) */
    &vg_file_kw_file_name, &vg_file_kw_file_magic, &vg_file_kw_filename, &vg_file_kw_fileext,
    &vg_file_kw_filemagic, &vg_file_kw_filesize, &vg_file_kw_filemd5, &vg_file_kw_filesha1,
    &vg_file_kw_filesha256, &vg_file_kw_filestore, /* files hook (file_keywords.c) */
    &vg_ssh_kw_proto, &vg_ssh_kw_software, /* files hook: ssh.proto, ssh.software (ssh_parser.c) */
    NULL,
};

void vg_app_keywords_init(void)
{
    static const struct { char flag; uint16_t id; } pcre_bufs[] = {
        {'U', VG_ABUF_HTTP_URI}, {'I', VG_ABUF_HTTP_URI_RAW},
        {'P', VG_ABUF_HTTP_REQUEST_BODY}, {'Q', VG_ABUF_HTTP_RESPONSE_BODY},
        {'H', VG_ABUF_HTTP_HEADER}, {'D', VG_ABUF_HTTP_HEADER_RAW},
        {'M', VG_ABUF_HTTP_METHOD}, {'C', VG_ABUF_HTTP_COOKIE},
        {'S', VG_ABUF_HTTP_STAT_CODE}, {'Y', VG_ABUF_HTTP_STAT_MSG},
        {'V', VG_ABUF_HTTP_USER_AGENT}, {'W', VG_ABUF_HTTP_HOST},
        {'Z', VG_ABUF_HTTP_HOST_RAW},
    };
    for (size_t i = 0; i < VG_ARRAY_LEN(pcre_bufs); i++)
        (void)vg_payload_set_pcre_buffer(pcre_bufs[i].flag, pcre_bufs[i].id);
}
