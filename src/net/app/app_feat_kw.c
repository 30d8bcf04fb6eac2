/*
 * app_feat_kw.c: app-layer keywords that test a transaction's state
 * rather than search a buffer: ssl_version, ssl_state and
 * app-layer-event.
 *
 * ssl_version:V[,V...] (sslv2, sslv3, tls1.0, tls1.1, tls1.2, tls1.3, each
 * optionally negated with '!') tests the version of the side being
 * inspected: to the server the ClientHello's (the first valid entry of its
 * supported_versions, else its version field), to the client the
 * ServerHello's (with supported_versions).  It matches when that version is
 * listed (or, with only negated entries, when it is not one of them).
 *
 * ssl_state:S[|S...] (client_hello, server_hello, client_keyx,
 * server_keyx, unknown, each optionally negated) tests the handshake
 * messages parsed on the inspected side since detection last looked at it
 * (Suricata's "current" state, the data just parsed):
 * (listed & current) ^ negated != 0.
 *
 * app-layer-event:<proto>.<event> matches a transaction on which the
 * protocol's parser raised the event, with Suricata's names: http.* (from
 * libhtp's transaction flags and its log messages, vg_app_http_log_hook),
 * dns.* (vg_dns_msg.events), tls.* (vg_tls_info.events), modbus.* and
 * dnp3.* (the ICS parsers' per-message flags); names compare without
 * case, as Suricata's.  A name Suricata knows but vigil's parsers never
 * raise still loads (it cannot match); an unknown protocol or event is a
 * rule error.  Events of the engine itself (applayer_*) are not raised
 * and fail the rule as unsupported.  Raised events also become EVE
 * applayer anomaly records (vg_app_event_anomalies, for TLS and DNS).
 *
 * The keywords sit in the signature's match list and are evaluated per
 * transaction (the detection thread's dt->app_tx), through
 * vg_app_feat_match_dir() (the hook in app_match.c).
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <htp/htp.h>

#include "net/app/app_dns.h"
#include "net/app/app_feat.h"
#include "net/app/app_int.h"
#include "net/app/app_tls.h"
#include "net/app/ics.h"
#include "net/detect/detect_int.h"

const vg_dns_msg *vg_app_dns_msg(const vg_app_tx *a); /* app_dns.c */

extern const vg_keyword vg_app_kw_ssl_version, vg_app_kw_ssl_state, vg_app_kw_app_layer_event;

static vg_app_tx *cur_tx(const vg_match_ctx *mc)
{
    return mc->dt ? mc->dt->app_tx : NULL;
}

static const vg_tls_info *tls_of(const vg_match_ctx *mc)
{
    vg_app_tx *tx = cur_tx(mc);
    return tx && tx->alproto == VG_ALPROTO_TLS ? tx->data : NULL;
}

static bool toclient(const vg_match_ctx *mc)
{
    return mc->p && (mc->p->flags & VG_PKT_TOCLIENT);
}

/* Tie the rule to protocol al (a conflict with the header's is an error). */
static int tie(vg_sig *s, uint16_t al, const char *kw, char *errbuf)
{
    if (s->alproto && s->alproto != al) {
        const char *n = vg_app_proto_name(s->alproto);
        return vg_err(errbuf, VG_EINVAL, "%s conflicts with the rule's protocol %s", kw,
                      n ? n : "?");
    }
    s->alproto = al;
    s->flags |= VG_SIG_APPLAYER | VG_SIG_NEED_FLOW;
    return VG_OK;
}

static int append(vg_sig *s, const vg_keyword *kw, void *c, char *errbuf)
{
    if (!vg_sig_append(s, VG_LIST_MATCH, kw, c)) {
        free(c);
        return vg_err(errbuf, VG_ENOMEM, "out of memory");
    }
    return VG_OK;
}

/* Next item of a list separated by sep: [*b, *e) trimmed (possibly
 * empty); false at the end (*p NULL). */
static bool next_item(const char **p, char sep, const char **b, const char **e)
{
    const char *s = *p;
    if (!s)
        return false;
    const char *end = strchr(s, sep);
    bool last = !end;
    if (!end)
        end = s + strlen(s);
    *b = s;
    *e = end;
    while (*b < *e && (**b == ' ' || **b == '\t'))
        (*b)++;
    while (*e > *b && ((*e)[-1] == ' ' || (*e)[-1] == '\t'))
        (*e)--;
    *p = last ? NULL : end + 1; /* "a|" has an empty last item */
    return true;
}

static bool word_is(const char *b, const char *e, const char *w)
{
    return (size_t)(e - b) == strlen(w) && memcmp(b, w, (size_t)(e - b)) == 0;
}

/* ---- ssl_version ---- */

static const struct {
    const char *name;
    uint16_t v;
} versions[] = {
    {"sslv2", 0x0002}, {"sslv3", 0x0300}, {"tls1.0", 0x0301},
    {"tls1.1", 0x0302}, {"tls1.2", 0x0303}, {"tls1.3", 0x0304},
};

typedef struct ver_ctx {
    uint8_t pos, neg;           /* bits by index in versions[] */
} ver_ctx;

static int ver_index(uint16_t v)
{
    if ((v & 0xff00) == 0x7f00 || v == 0xfb17 || v == 0xfb1a)
        v = 0x0304; /* TLS 1.3 drafts */
    for (size_t i = 0; i < VG_ARRAY_LEN(versions); i++)
        if (versions[i].v == v)
            return (int)i;
    return -1;
}

static int ssl_version_setup(vg_rule_parser *rp, vg_sig *s, const char *arg, char *errbuf)
{
    (void)rp;
    if (!arg || !*arg)
        return vg_err(errbuf, VG_EINVAL, "ssl_version needs a version");
    ver_ctx v = {0, 0};
    const char *p = arg, *b, *e;
    while (next_item(&p, ',', &b, &e)) {
        bool neg = b < e && *b == '!';
        if (neg)
            b++;
        size_t i;
        for (i = 0; i < VG_ARRAY_LEN(versions); i++)
            if (word_is(b, e, versions[i].name))
                break;
        if (i == VG_ARRAY_LEN(versions))
            return vg_err(errbuf, VG_EINVAL,
                          "ssl_version: unknown version \"%.*s\" (sslv2, sslv3, tls1.0, tls1.1, "
                          "tls1.2, tls1.3)", (int)(e - b), b);
        if (neg)
            v.neg |= (uint8_t)(1u << i);
        else
            v.pos |= (uint8_t)(1u << i);
    }
    if (!v.pos && !v.neg)
        return vg_err(errbuf, VG_EINVAL, "ssl_version needs a version");
    int rc = tie(s, VG_ALPROTO_TLS, "ssl_version", errbuf);
    if (rc != VG_OK)
        return rc;
    ver_ctx *c = malloc(sizeof(*c));
    if (!c)
        return vg_err(errbuf, VG_ENOMEM, "out of memory");
    *c = v;
    return append(s, &vg_app_kw_ssl_version, c, errbuf);
}

int vg_app_ssl_version_match(const void *ctx, const vg_tls_info *t, bool to_client)
{
    const ver_ctx *c = ctx;
    if (!t)
        return 0;
    uint16_t v = to_client ? (t->has_server_hello ? t->server_version : 0)
                           : t->client_sv_version ? t->client_sv_version : t->client_version;
    int i = v ? ver_index(v) : -1;
    if (i < 0)
        return 0;
    if ((c->neg >> i) & 1)
        return 0;
    return c->pos ? (c->pos >> i) & 1 : 1;
}

static int ssl_version_match(const vg_match_ctx *mc, const vg_sm *sm)
{
    return vg_app_ssl_version_match(sm->ctx, tls_of(mc), toclient(mc));
}

const vg_keyword vg_app_kw_ssl_version = {"ssl_version", NULL, 0, ssl_version_setup,
                                          ssl_version_match, free};

/* ---- ssl_state ---- */

typedef struct state_ctx {
    uint8_t flags, mask;
} state_ctx;

static int ssl_state_setup(vg_rule_parser *rp, vg_sig *s, const char *arg, char *errbuf)
{
    (void)rp;
    static const struct { const char *name; uint8_t f; } names[] = {
        {"client_hello", VG_TLS_ST_CLIENT_HELLO}, {"server_hello", VG_TLS_ST_SERVER_HELLO},
        {"client_keyx", VG_TLS_ST_CLIENT_KEYX},   {"server_keyx", VG_TLS_ST_SERVER_KEYX},
        {"unknown", VG_TLS_ST_UNKNOWN},
    };
    if (!arg || !*arg)
        return vg_err(errbuf, VG_EINVAL, "ssl_state needs a state");
    state_ctx st = {0, 0};
    const char *p = arg, *b, *e;
    while (next_item(&p, '|', &b, &e)) {
        bool neg = b < e && *b == '!';
        if (neg)
            b++;
        size_t i;
        for (i = 0; i < VG_ARRAY_LEN(names); i++)
            if (word_is(b, e, names[i].name))
                break;
        if (i == VG_ARRAY_LEN(names))
            return vg_err(errbuf, VG_EINVAL,
                          "ssl_state: unknown state \"%.*s\" (client_hello, server_hello, "
                          "client_keyx, server_keyx, unknown)", (int)(e - b), b);
        st.flags |= names[i].f;
        if (neg)
            st.mask |= names[i].f;
    }
    if (!st.flags)
        return vg_err(errbuf, VG_EINVAL, "ssl_state needs a state");
    int rc = tie(s, VG_ALPROTO_TLS, "ssl_state", errbuf);
    if (rc != VG_OK)
        return rc;
    state_ctx *c = malloc(sizeof(*c));
    if (!c)
        return vg_err(errbuf, VG_ENOMEM, "out of memory");
    *c = st;
    return append(s, &vg_app_kw_ssl_state, c, errbuf);
}

int vg_app_ssl_state_match(const void *ctx, const vg_tls_info *t, bool to_client)
{
    const state_ctx *c = ctx;
    if (!t)
        return 0;
    uint8_t cur = t->cur_flags[to_client ? 1 : 0];
    return ((c->flags & cur) ^ c->mask) != 0;
}

static int ssl_state_match(const vg_match_ctx *mc, const vg_sm *sm)
{
    return vg_app_ssl_state_match(sm->ctx, tls_of(mc), toclient(mc));
}

const vg_keyword vg_app_kw_ssl_state = {"ssl_state", NULL, 0, ssl_state_setup, ssl_state_match,
                                        free};

/* ---- app-layer-event ---- */

/* Suricata's event names per protocol; the index is the event's bit. */
static const char *const http_events[] = {
    "unknown_error", "gzip_decompression_failed", "request_field_missing_colon",
    "response_field_missing_colon", "invalid_request_chunk_len", "invalid_response_chunk_len",
    "invalid_transfer_encoding_value_in_request", "invalid_transfer_encoding_value_in_response",
    "invalid_content_length_field_in_request", "invalid_content_length_field_in_response",
    "duplicate_content_length_field_in_request", "duplicate_content_length_field_in_response",
    "100_continue_already_seen", "unable_to_match_response_to_request",
    "invalid_server_port_in_request", "invalid_authority_port", "request_header_invalid",
    "response_header_invalid", "missing_host_header", "host_header_ambiguous",
    "invalid_request_field_folding", "invalid_response_field_folding", "request_field_too_long",
    "response_field_too_long", "file_name_too_long", "request_line_invalid",
    "request_body_unexpected", "request_server_port_tcp_port_mismatch",
    "request_uri_host_invalid", "request_header_host_invalid", "request_auth_unrecognized",
    "request_header_repetition", "response_header_repetition", "double_encoded_uri",
    "uri_delim_non_compliant", "method_delim_non_compliant", "request_line_leading_whitespace",
    "too_many_encoding_layers", "abnormal_ce_header", "response_multipart_byteranges",
    "response_abnormal_transfer_encoding", "response_chunked_old_proto",
    "response_invalid_protocol", "response_invalid_status", "request_line_incomplete",
    "lzma_memlimit_reached", "compression_bomb", "range_invalid", "request_chunk_extension",
    "request_line_missing_protocol", "request_too_many_headers", "response_too_many_headers",
    "multipart_generic_error", "multipart_no_filedata", "multipart_invalid_header",
    "too_many_warnings", "failed_protocol_change", NULL,
};

static const char *const dns_events[] = {
    "malformed_data", "not_a_request", "not_a_response", "z_flag_set", "flooded",
    "state_memcap_reached", "invalid_additionals", "invalid_authorities", "name_too_long",
    "infinite_loop", "too_many_labels", NULL,
};

static const char *const tls_events[] = {
    "invalid_sslv2_header", "invalid_tls_header", "invalid_record_version",
    "invalid_record_type", "invalid_record_length", "invalid_handshake_message",
    "heartbeat_message", "handshake_invalid_length", "multiple_sni_extensions",
    "invalid_sni_type", "invalid_sni_length", "certificate_invalid_der", "invalid_certificate",
    "certificate_invalid_length", "invalid_ssl_record", "error_message_encountered",
    "invalid_heartbeat_message", "overflow_heartbeat_message", "dataleak_heartbeat_mismatch",
    "too_many_records_in_packet", "certificate_invalid_version", "certificate_invalid_serial",
    "certificate_invalid_algorithmidentifier", "certificate_invalid_x509name",
    "certificate_invalid_date", "certificate_invalid_extensions", "certificate_invalid_subject",
    "certificate_invalid_issuer", "certificate_invalid_validity", NULL,
};

_Static_assert(VG_TLS_EV_ERROR_MESSAGE == 1u << 15, "tls_events[] follows the VG_TLS_EV_* bits");
_Static_assert(VG_DNS_EV_TOO_MANY_LABELS == 1u << 10, "dns_events[] follows the VG_DNS_EV_* bits");

static const char *const modbus_events[] = {
    "invalid_protocol_id", "unsolicited_response", "invalid_length", "invalid_unit_identifier",
    "invalid_function_code", "invalid_value", "invalid_exception_code", "value_mismatch",
    "flooded", NULL,
};

/* dnp3: the events of an application message (link CRC and length errors
 * are counted and logged as anomalies, not carried by a transaction) */
static const char *const dnp3_events[] = {
    "flooded", "len_too_small", "bad_link_crc", "bad_transport_crc", "malformed",
    "unknown_object", NULL,
};
enum { D3_EV_MALFORMED = 4, D3_EV_UNKNOWN_OBJECT = 5 };

_Static_assert(VG_MB_EV_FLOODED == 1u << 8, "modbus_events[] follows the VG_MB_EV_* bits");

static const struct {
    const char *proto;
    uint16_t alproto;
    const char *const *names;
} event_protos[] = {
    {"http", VG_ALPROTO_HTTP, http_events}, {"http1", VG_ALPROTO_HTTP, http_events},
    {"dns", VG_ALPROTO_DNS, dns_events},    {"tls", VG_ALPROTO_TLS, tls_events},
    {"modbus", VG_ALPROTO_MODBUS, modbus_events}, {"dnp3", VG_ALPROTO_DNP3, dnp3_events},
};

typedef struct event_ctx {
    uint16_t alproto;
    uint8_t bit;
} event_ctx;

static int ale_setup(vg_rule_parser *rp, vg_sig *s, const char *arg, char *errbuf)
{
    (void)rp;
    char v[128];
    if (!arg || vg_rule_unquote(arg, v, sizeof v) != VG_OK || !v[0])
        return vg_err(errbuf, VG_EINVAL, "app-layer-event needs <protocol>.<event>");
    char *dot = strchr(v, '.');
    if (!dot) {
        if (strncmp(v, "applayer_", 9) == 0)
            return vg_err(errbuf, VG_ENOTSUP,
                          "app-layer-event:%s: engine app-layer events are not raised by vigil",
                          v);
        return vg_err(errbuf, VG_EINVAL, "app-layer-event:%s: expected <protocol>.<event>", v);
    }
    *dot = 0;
    const char *ev = dot + 1;
    for (size_t p = 0; p < VG_ARRAY_LEN(event_protos); p++) {
        if (strcmp(v, event_protos[p].proto) != 0)
            continue;
        for (int i = 0; event_protos[p].names[i]; i++) {
            if (strcasecmp(ev, event_protos[p].names[i]) != 0) /* as Suricata's maps */
                continue;
            int rc = tie(s, event_protos[p].alproto, "app-layer-event", errbuf);
            if (rc != VG_OK)
                return rc;
            event_ctx *c = malloc(sizeof(*c));
            if (!c)
                return vg_err(errbuf, VG_ENOMEM, "out of memory");
            c->alproto = event_protos[p].alproto;
            c->bit = (uint8_t)i;
            return append(s, &vg_app_kw_app_layer_event, c, errbuf);
        }
        return vg_err(errbuf, VG_EINVAL, "app-layer-event: unknown %s event \"%s\"", v, ev);
    }
    return vg_err(errbuf, VG_ENOTSUP, "app-layer-event: protocol \"%s\" has no events in vigil",
                  v);
}

/* ---- HTTP events from libhtp ---- */

/* libhtp log messages (by prefix) and the events Suricata names them by;
 * errors first, as a message is matched against the first prefix. */
static const struct {
    const char *prefix;
    uint8_t ev;
} htp_msgs[] = {
    {"GZip decompressor: inflateInit2 failed", VG_HTTP_EV_GZIP_DECOMPRESSION_FAILED},
    {"Request field invalid: colon missing", VG_HTTP_EV_REQUEST_FIELD_MISSING_COLON},
    {"Response field invalid: colon missing", VG_HTTP_EV_RESPONSE_FIELD_MISSING_COLON},
    {"Response field invalid: missing colon", VG_HTTP_EV_RESPONSE_FIELD_MISSING_COLON},
    {"Request chunk encoding: Invalid chunk length", VG_HTTP_EV_INVALID_REQUEST_CHUNK_LEN},
    {"Response chunk encoding: Invalid chunk length", VG_HTTP_EV_INVALID_RESPONSE_CHUNK_LEN},
    {"Invalid T-E value in request", VG_HTTP_EV_INVALID_TE_IN_REQUEST},
    {"Invalid T-E value in response", VG_HTTP_EV_INVALID_TE_IN_RESPONSE},
    {"Invalid C-L field in request", VG_HTTP_EV_INVALID_CL_IN_REQUEST},
    {"Invalid C-L field in response", VG_HTTP_EV_INVALID_CL_IN_RESPONSE},
    {"Already seen 100-Continue", VG_HTTP_EV_100_CONTINUE_ALREADY_SEEN},
    {"Unable to match response to request", VG_HTTP_EV_UNABLE_TO_MATCH_RESPONSE},
    {"Invalid server port information in request", VG_HTTP_EV_INVALID_SERVER_PORT},
    {"Invalid authority port", VG_HTTP_EV_INVALID_AUTHORITY_PORT},
    {"Request field over", VG_HTTP_EV_REQUEST_FIELD_TOO_LONG},
    {"Response field over", VG_HTTP_EV_RESPONSE_FIELD_TOO_LONG},
    {"GZip decompressor:", VG_HTTP_EV_GZIP_DECOMPRESSION_FAILED},
    {"Request field invalid", VG_HTTP_EV_REQUEST_HEADER_INVALID},
    {"Response field invalid", VG_HTTP_EV_RESPONSE_HEADER_INVALID},
    {"Request header name is not a token", VG_HTTP_EV_REQUEST_HEADER_INVALID},
    {"Response header name is not a token", VG_HTTP_EV_RESPONSE_HEADER_INVALID},
    {"Host information in request headers required by HTTP/1.1", VG_HTTP_EV_MISSING_HOST},
    {"Host information ambiguous", VG_HTTP_EV_HOST_AMBIGUOUS},
    {"Invalid request field folding", VG_HTTP_EV_INVALID_REQUEST_FOLDING},
    {"Invalid response field folding", VG_HTTP_EV_INVALID_RESPONSE_FOLDING},
};

/* Events that belong to the response side (the others: the request's). */
static bool response_event(uint8_t ev)
{
    return ev == VG_HTTP_EV_RESPONSE_FIELD_MISSING_COLON ||
           ev == VG_HTTP_EV_INVALID_RESPONSE_CHUNK_LEN || ev == VG_HTTP_EV_INVALID_TE_IN_RESPONSE ||
           ev == VG_HTTP_EV_INVALID_CL_IN_RESPONSE || ev == VG_HTTP_EV_100_CONTINUE_ALREADY_SEEN ||
           ev == VG_HTTP_EV_UNABLE_TO_MATCH_RESPONSE ||
           ev == VG_HTTP_EV_RESPONSE_HEADER_INVALID ||
           ev == VG_HTTP_EV_INVALID_RESPONSE_FOLDING || ev == VG_HTTP_EV_RESPONSE_FIELD_TOO_LONG ||
           ev == VG_HTTP_EV_GZIP_DECOMPRESSION_FAILED;
}

int vg_app_http_log_hook(htp_log_t *log)
{
    /* libhtp (0.5) does not tie its messages to a transaction: the one
     * being parsed on the message's side is the one it is about */
    if (!log || !log->msg || !log->connp || log->level > HTP_LOG_WARNING)
        return HTP_OK;
    size_t k;
    for (k = 0; k < VG_ARRAY_LEN(htp_msgs); k++)
        if (strncmp(log->msg, htp_msgs[k].prefix, strlen(htp_msgs[k].prefix)) == 0)
            break;
    uint8_t ev = k < VG_ARRAY_LEN(htp_msgs) ? htp_msgs[k].ev : VG_HTTP_EV_UNKNOWN_ERROR;
    htp_tx_t *htx = log->tx;
    if (!htx)
        htx = response_event(ev) ? htp_connp_get_out_tx(log->connp)
                                 : htp_connp_get_in_tx(log->connp);
    if (!htx)
        htx = htp_connp_get_in_tx(log->connp) ? htp_connp_get_in_tx(log->connp)
                                              : htp_connp_get_out_tx(log->connp);
    vg_app_tx *a = htx ? htp_tx_get_user_data(htx) : NULL;
    if (a && a->alproto == VG_ALPROTO_HTTP)
        a->events |= 1ull << ev;
    return HTP_OK;
}

uint64_t vg_app_http_events(const struct htp_tx_t *htx)
{
    if (!htx)
        return 0;
    uint64_t ev = 0;
    static const struct { uint64_t flag; uint8_t ev; } flags[] = {
        {HTP_REQUEST_INVALID_T_E, VG_HTTP_EV_INVALID_TE_IN_REQUEST},
        {HTP_REQUEST_INVALID_C_L, VG_HTTP_EV_INVALID_CL_IN_REQUEST},
        {HTP_HOST_MISSING, VG_HTTP_EV_MISSING_HOST},
        {HTP_HOST_AMBIGUOUS, VG_HTTP_EV_HOST_AMBIGUOUS},
        {HTP_HOSTU_INVALID, VG_HTTP_EV_URI_HOST_INVALID},
        {HTP_HOSTH_INVALID, VG_HTTP_EV_HEADER_HOST_INVALID},
    };
    for (size_t i = 0; i < VG_ARRAY_LEN(flags); i++)
        if (htx->flags & flags[i].flag)
            ev |= 1ull << flags[i].ev;
    if (htx->request_auth_type == HTP_AUTH_UNRECOGNIZED)
        ev |= 1ull << VG_HTTP_EV_AUTH_UNRECOGNIZED;
    if (htx->is_protocol_0_9 && htx->request_method_number == HTP_M_UNKNOWN &&
        (htx->request_protocol_number == HTP_PROTOCOL_INVALID ||
         htx->request_protocol_number == HTP_PROTOCOL_UNKNOWN))
        ev |= 1ull << VG_HTTP_EV_REQUEST_LINE_INVALID;
    return ev;
}

uint64_t vg_app_tx_events(const vg_app_tx *tx)
{
    if (!tx || !tx->data)
        return 0;
    switch (tx->alproto) {
    case VG_ALPROTO_HTTP: /* transaction flags, and libhtp's log (vg_app_http_log_hook) */
        return vg_app_http_events(vg_app_http_htx(tx)) | tx->events;
    case VG_ALPROTO_DNS: {
        const vg_dns_msg *m = vg_app_dns_msg(tx);
        return m ? m->events : 0;
    }
    case VG_ALPROTO_TLS:
        return ((const vg_tls_info *)tx->data)->events;
    case VG_ALPROTO_MODBUS:
        return vg_ics_modbus_events(tx);
    case VG_ALPROTO_DNP3: {
        const vg_dnp3_msg *m = vg_ics_dnp3_msg(tx);
        uint64_t ev = 0;
        if (m && (m->events & (VG_DNP3_EV_MALFORMED | VG_DNP3_EV_TOO_MANY_OBJECTS)))
            ev |= 1ull << D3_EV_MALFORMED;
        if (m && (m->events & VG_DNP3_EV_UNKNOWN_OBJECT))
            ev |= 1ull << D3_EV_UNKNOWN_OBJECT;
        return ev;
    }
    default:
        return 0;
    }
}

static int ale_match(const vg_match_ctx *mc, const vg_sm *sm)
{
    const event_ctx *c = sm->ctx;
    vg_app_tx *tx = cur_tx(mc);
    if (!tx || tx->alproto != c->alproto)
        return 0;
    return (vg_app_tx_events(tx) >> c->bit) & 1;
}

const vg_keyword vg_app_kw_app_layer_event = {"app-layer-event", NULL, 0, ale_setup, ale_match,
                                              free};

const char *vg_app_event_name(uint16_t alproto, unsigned bit)
{
    for (size_t p = 0; p < VG_ARRAY_LEN(event_protos); p++) {
        if (event_protos[p].alproto != alproto)
            continue;
        for (unsigned i = 0; event_protos[p].names[i]; i++)
            if (i == bit)
                return event_protos[p].names[i];
        return NULL;
    }
    return NULL;
}

void vg_ics_anomaly(vg_app_ctx *ctx, const char *proto, const char *event, uint32_t *budget);

void vg_app_event_anomalies(vg_app_ctx *ctx, uint16_t alproto, uint64_t bits, uint32_t *budget)
{
    const char *proto = vg_app_proto_name(alproto);
    for (unsigned b = 0; bits && b < 64 && proto; b++) {
        if (!((bits >> b) & 1))
            continue;
        bits &= ~(1ull << b);
        const char *name = vg_app_event_name(alproto, b);
        if (!name)
            continue;
        /* Suricata names C-table events (tls, http) in capitals, the
         * others as the rule keyword does */
        char up[64];
        if (alproto == VG_ALPROTO_TLS || alproto == VG_ALPROTO_HTTP) {
            size_t i = 0;
            for (; name[i] && i + 1 < sizeof up; i++)
                up[i] = (char)(name[i] >= 'a' && name[i] <= 'z' ? name[i] - 32 : name[i]);
            up[i] = 0;
            name = up;
        }
        vg_ics_anomaly(ctx, proto, name, budget);
    }
}

int vg_app_feat_match_dir(const vg_keyword *kw)
{
    if (kw == &vg_app_kw_ssl_version || kw == &vg_app_kw_ssl_state ||
        kw == &vg_app_kw_app_layer_event)
        return 2;
    return -1;
}
