/* test_appfeat.c: the app-layer features of app_feat*.c and their parser
 * hooks: tls.random buffers, ssl_version, ssl_state and app-layer-event
 * (parse errors and matching on hand-built handshakes, DNS messages and
 * HTTP requests), the EVE tls field selection, DNS EVE version 2, the
 * X-Forwarded-For lookup and the alert record's xff, app_layer.tx stats. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/conf.h"
#include "core/eve.h"
#include "net/app/app.h"
#include "net/app/app_dns.h"
#include "net/app/app_feat.h"
#include "net/app/app_int.h"
#include "net/app/app_keywords.h"
#include "net/app/app_tls.h"
#include "net/detect/detect_int.h"
#include "net/engine/output.h"
#include "../../vg_test.h"

/* ---- helpers ---- */

typedef struct fixture {
    vg_app_ctx *ctx;
    vg_flow f;
} fixture;

static void fx_init(fixture *x, uint8_t proto)
{
    char err[VG_ERRBUF_SIZE];
    VG_CHECK(vg_app_ctx_new(&x->ctx, NULL, err) == VG_OK);
    memset(&x->f, 0, sizeof x->f);
    x->f.proto = proto;
    x->f.src.family = x->f.dst.family = 4;
}

static void fx_free(fixture *x)
{
    vg_app_flow_end(x->ctx, &x->f);
    vg_app_ctx_free(x->ctx);
}

static void feed(fixture *x, bool ts, const void *d, size_t n)
{
    vg_app_on_stream(x->ctx, &x->f, NULL, ts, d, (uint32_t)n);
}

/* Set up keyword kw with arg on a fresh sig: VG_OK and *ctx (owned by the
 * caller), or the error with errbuf filled. */
static int kw_setup(const char *name, const char *arg, void **ctx, uint16_t *alproto, char *err)
{
    const vg_keyword *kw = vg_keyword_find(name);
    VG_CHECK(kw != NULL);
    if (!kw)
        return VG_EINVAL;
    vg_sig *s = calloc(1, sizeof(*s));
    err[0] = 0;
    int rc = kw->setup(NULL, s, arg, err);
    vg_sm *sm = s->lists[VG_LIST_MATCH];
    if (ctx)
        *ctx = NULL;
    if (rc == VG_OK && sm) {
        if (ctx)
            *ctx = sm->ctx;
        else
            free(sm->ctx);
        free(sm);
    }
    if (alproto)
        *alproto = s->alproto;
    free(s);
    return rc;
}

/* Run keyword `name` (arg) against tx the way detection does. */
static int kw_match(const char *name, const char *arg, vg_app_tx *tx, bool toclient)
{
    void *c;
    char err[VG_ERRBUF_SIZE];
    if (kw_setup(name, arg, &c, NULL, err) != VG_OK) {
        fprintf(stderr, "  %s:%s did not load: %s\n", name, arg, err);
        return -1;
    }
    vg_det_thread *dt = calloc(1, sizeof(*dt));
    vg_packet p;
    memset(&p, 0, sizeof p);
    p.flags = toclient ? VG_PKT_TOCLIENT : VG_PKT_TOSERVER;
    dt->app_tx = tx;
    vg_sm sm = {vg_keyword_find(name), c, NULL, NULL};
    vg_match_ctx mc = {dt, &p, NULL};
    int r = sm.kw->match(&mc, &sm);
    free(c);
    free(dt);
    return r;
}

static json_t *parse_jb(const vg_jb *jb)
{
    json_error_t e;
    json_t *j = json_loadb(jb->buf, jb->len, 0, &e);
    if (!j)
        fprintf(stderr, "  not JSON (%s): %.*s\n", e.text, (int)jb->len, jb->buf);
    return j;
}

static json_t *get(json_t *j, const char *path)
{
    char buf[128];
    snprintf(buf, sizeof buf, "%s", path);
    json_t *cur = j;
    for (char *tok = strtok(buf, "."); tok && cur; tok = strtok(NULL, "."))
        cur = json_object_get(cur, tok);
    return cur;
}

static const char *jstr(json_t *j, const char *path)
{
    json_t *v = get(j, path);
    return v && json_is_string(v) ? json_string_value(v) : NULL;
}

static long long jint(json_t *j, const char *path)
{
    json_t *v = get(j, path);
    return v && json_is_integer(v) ? json_integer_value(v) : -1;
}

/* ---- TLS records ---- */

static size_t put_client_hello(uint8_t *b, const char *sni, uint8_t sid_len, bool two_sni)
{
    size_t o = 0, sl = strlen(sni);
    b[o++] = 0x03; b[o++] = 0x03;
    for (int i = 0; i < 32; i++)
        b[o++] = (uint8_t)(0xa0 + i);           /* client random a0 a1 ... */
    b[o++] = sid_len;
    memset(b + o, 0x5a, sid_len); o += sid_len;
    b[o++] = 0; b[o++] = 4; b[o++] = 0x13; b[o++] = 0x01; b[o++] = 0xc0; b[o++] = 0x2f;
    b[o++] = 1; b[o++] = 0;
    size_t el_at = o;
    o += 2;
    for (int k = 0; k < (two_sni ? 2 : 1); k++) {
        b[o++] = 0; b[o++] = 0; b[o++] = 0; b[o++] = (uint8_t)(sl + 5);
        b[o++] = 0; b[o++] = (uint8_t)(sl + 3); b[o++] = 0; b[o++] = 0; b[o++] = (uint8_t)sl;
        memcpy(b + o, sni, sl); o += sl;
    }
    /* signature_algorithms: 0x0403 */
    b[o++] = 0; b[o++] = 13; b[o++] = 0; b[o++] = 4; b[o++] = 0; b[o++] = 2;
    b[o++] = 0x04; b[o++] = 0x03;
    size_t el = o - el_at - 2;
    b[el_at] = (uint8_t)(el >> 8);
    b[el_at + 1] = (uint8_t)el;
    return o;
}

static size_t put_server_hello(uint8_t *b, uint16_t ver, uint8_t sid_len)
{
    size_t o = 0;
    b[o++] = (uint8_t)(ver >> 8); b[o++] = (uint8_t)ver;
    for (int i = 0; i < 32; i++)
        b[o++] = (uint8_t)(0x10 + i);           /* server random 10 11 ... */
    b[o++] = sid_len;
    memset(b + o, 0x5a, sid_len); o += sid_len;
    b[o++] = 0xc0; b[o++] = 0x2f; b[o++] = 0;
    b[o++] = 0; b[o++] = 4;                      /* extensions: renegotiation_info */
    b[o++] = 0xff; b[o++] = 0x01; b[o++] = 0; b[o++] = 0;
    return o;
}

/* A handshake record with one message (type, body). */
static size_t put_record(uint8_t *out, uint8_t rtype, uint8_t hs, const uint8_t *body, size_t n)
{
    size_t o = 0, ml = rtype == 22 ? n + 4 : n;
    out[o++] = rtype; out[o++] = 3; out[o++] = 3;
    out[o++] = (uint8_t)(ml >> 8); out[o++] = (uint8_t)ml;
    if (rtype == 22) {
        out[o++] = hs; out[o++] = 0; out[o++] = (uint8_t)(n >> 8); out[o++] = (uint8_t)n;
    }
    memcpy(out + o, body, n);
    return o + n;
}

static vg_app_tx *tls_session(fixture *x, uint8_t sid_c, uint8_t sid_s, bool two_sni)
{
    uint8_t body[512], rec[600];
    fx_init(x, 6);
    size_t n = put_client_hello(body, "host.example", sid_c, two_sni);
    feed(x, true, rec, put_record(rec, 22, 1, body, n));
    n = put_server_hello(body, 0x0303, sid_s);
    feed(x, false, rec, put_record(rec, 22, 2, body, n));
    return vg_app_tx_first(&x->f);
}

static void tls_random_buffers(void)
{
    fixture x;
    vg_app_tx *tx = tls_session(&x, 0, 0, false);
    VG_CHECK(tx != NULL);
    const uint8_t *d;
    uint32_t n;
    /* to the server: the client's random (the detection loop's resolve
     * marks the client side with VG_TLS_CLIENT_BUF) */
    VG_CHECK_EQ(vg_app_get_buffer(&x.f, tx, VG_ABUF_TLS_RANDOM | VG_TLS_CLIENT_BUF, 0, &d, &n),
                VG_OK);
    VG_CHECK_EQ(n, 32);
    VG_CHECK(n == 32 && d[0] == 0xa0 && d[31] == 0xbf);
    VG_CHECK_EQ(vg_app_get_buffer(&x.f, tx, VG_ABUF_TLS_RANDOM_TIME | VG_TLS_CLIENT_BUF, 0, &d, &n),
                VG_OK);
    VG_CHECK(n == 4 && d[0] == 0xa0 && d[3] == 0xa3);
    VG_CHECK_EQ(vg_app_get_buffer(&x.f, tx, VG_ABUF_TLS_RANDOM_BYTES | VG_TLS_CLIENT_BUF, 0, &d,
                                  &n), VG_OK);
    VG_CHECK(n == 28 && d[0] == 0xa4 && d[27] == 0xbf);
    /* to the client: the server's */
    VG_CHECK_EQ(vg_app_get_buffer(&x.f, tx, VG_ABUF_TLS_RANDOM, 0, &d, &n), VG_OK);
    VG_CHECK(n == 32 && d[0] == 0x10 && d[31] == 0x2f);
    VG_CHECK_EQ(vg_app_get_buffer(&x.f, tx, VG_ABUF_TLS_RANDOM_BYTES, 0, &d, &n), VG_OK);
    VG_CHECK(n == 28 && d[0] == 0x14);
    VG_CHECK_EQ(vg_app_get_buffer(&x.f, tx, VG_ABUF_TLS_RANDOM, 1, &d, &n), VG_DECLINED);
    /* the buffers exist on both sides; the keywords are known */
    VG_CHECK(vg_app_buf_both(VG_ABUF_TLS_RANDOM));
    VG_CHECK(vg_keyword_find("tls.random_bytes") != NULL);
    VG_CHECK_STR(vg_app_buf_name(VG_ABUF_TLS_RANDOM_TIME), "tls.random_time");
    fx_free(&x);
    /* no ServerHello yet: no server random */
    fx_init(&x, 6);
    uint8_t body[512], rec[600];
    size_t bn = put_client_hello(body, "a.b", 0, false);
    feed(&x, true, rec, put_record(rec, 22, 1, body, bn));
    tx = vg_app_tx_first(&x.f);
    VG_CHECK(tx && vg_app_get_buffer(&x.f, tx, VG_ABUF_TLS_RANDOM, 0, &d, &n) == VG_DECLINED);
    fx_free(&x);
}

static void ssl_state_and_version(void)
{
    fixture x;
    vg_app_tx *tx = tls_session(&x, 0, 0, false);
    VG_CHECK(tx != NULL);
    /* the client's last data held a ClientHello, the server's a ServerHello */
    VG_CHECK_EQ(kw_match("ssl_state", "client_hello", tx, false), 1);
    VG_CHECK_EQ(kw_match("ssl_state", "client_hello", tx, true), 0);
    VG_CHECK_EQ(kw_match("ssl_state", "server_hello", tx, true), 1);
    VG_CHECK_EQ(kw_match("ssl_state", "client_hello|server_hello", tx, true), 1);
    VG_CHECK_EQ(kw_match("ssl_state", "!client_hello", tx, false), 0);
    VG_CHECK_EQ(kw_match("ssl_state", "!client_hello", tx, true), 1);
    VG_CHECK_EQ(kw_match("ssl_state", "client_keyx", tx, false), 0);
    /* once detection looked at the client side, its next data
     * (ClientKeyExchange) replaces the current state */
    tx->vis[0] = tx->seen[0] = tx->ver[0];
    uint8_t rec[64], keyx[8] = {0, 4, 1, 2, 3, 4};
    feed(&x, true, rec, put_record(rec, 22, 16, keyx, 6));
    VG_CHECK_EQ(kw_match("ssl_state", "client_keyx", tx, false), 1);
    VG_CHECK_EQ(kw_match("ssl_state", "client_hello", tx, false), 0);
    /* data not yet inspected accumulates: a second server message keeps
     * the ServerHello in the current state */
    uint8_t skx[8] = {0, 4, 1, 2, 3, 4};
    feed(&x, false, rec, put_record(rec, 22, 12, skx, 6));
    VG_CHECK_EQ(kw_match("ssl_state", "server_keyx", tx, true), 1);
    VG_CHECK_EQ(kw_match("ssl_state", "server_hello", tx, true), 1);
    /* versions: ClientHello 1.2 to the server, ServerHello 1.2 to the client */
    VG_CHECK_EQ(kw_match("ssl_version", "tls1.2", tx, false), 1);
    VG_CHECK_EQ(kw_match("ssl_version", "tls1.2", tx, true), 1);
    VG_CHECK_EQ(kw_match("ssl_version", "sslv3,tls1.0", tx, true), 0);
    VG_CHECK_EQ(kw_match("ssl_version", "!tls1.2", tx, true), 0);
    VG_CHECK_EQ(kw_match("ssl_version", "!sslv3", tx, true), 1);
    VG_CHECK_EQ(kw_match("ssl_version", "sslv3, tls1.2", tx, true), 1);
    fx_free(&x);
    /* an SSLv3 server */
    fixture y;
    fx_init(&y, 6);
    uint8_t body[512], r2[600];
    size_t n = put_client_hello(body, "v3.example", 0, false);
    feed(&y, true, r2, put_record(r2, 22, 1, body, n));
    n = put_server_hello(body, 0x0300, 0);
    feed(&y, false, r2, put_record(r2, 22, 2, body, n));
    tx = vg_app_tx_first(&y.f);
    VG_CHECK_EQ(kw_match("ssl_version", "sslv3", tx, true), 1);
    VG_CHECK_EQ(kw_match("ssl_version", "sslv3", tx, false), 0);
    fx_free(&y);
    /* a TLS 1.3 client: its first supported version (GREASE skipped) */
    fixture w;
    fx_init(&w, 6);
    n = put_client_hello(body, "v13.example", 0, false);
    /* append supported_versions {GREASE, 1.3, 1.2} and fix the lengths */
    static const uint8_t sv[] = {0, 43, 0, 7, 6, 0x1a, 0x1a, 0x03, 0x04, 0x03, 0x03};
    size_t el_at = 2 + 32 + 1 + 2 + 4 + 2;
    size_t el = ((size_t)body[el_at] << 8 | body[el_at + 1]) + sizeof sv;
    memcpy(body + n, sv, sizeof sv);
    n += sizeof sv;
    body[el_at] = (uint8_t)(el >> 8);
    body[el_at + 1] = (uint8_t)el;
    feed(&w, true, r2, put_record(r2, 22, 1, body, n));
    tx = vg_app_tx_first(&w.f);
    VG_CHECK(tx && ((const vg_tls_info *)tx->data)->client_version == 0x0303);
    VG_CHECK_EQ(kw_match("ssl_version", "tls1.3", tx, false), 1);
    VG_CHECK_EQ(kw_match("ssl_version", "tls1.2", tx, false), 0);
    fx_free(&w);
    /* an SSLv2 ClientHello: version sslv2, state client_hello */
    fixture z;
    fx_init(&z, 6);
    static const uint8_t v2[] = {0x80, 0x1b, 0x01, 0x00, 0x02, 0x00, 0x03, 0x00, 0x00, 0x00, 0x10,
                                 0x07, 0x00, 0xc0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14,
                                 15, 16};
    feed(&z, true, v2, sizeof v2);
    tx = vg_app_tx_first(&z.f);
    VG_CHECK(tx != NULL);
    VG_CHECK_EQ(kw_match("ssl_version", "sslv2", tx, false), 1);
    VG_CHECK_EQ(kw_match("ssl_state", "client_hello", tx, false), 1);
    fx_free(&z);
}

static void keyword_errors(void)
{
    char err[VG_ERRBUF_SIZE];
    uint16_t al;
    static const struct { const char *kw, *arg, *needle; } bad[] = {
        {"ssl_version", "tls1.4", "unknown version"},
        {"ssl_version", "", "needs a version"},
        {"ssl_version", "sslv3,,", "unknown version"},
        {"ssl_state", "client_helo", "unknown state"},
        {"ssl_state", "client_hello|", "unknown state"},
        {"app-layer-event", "http.no_such_event", "unknown http event"},
        {"app-layer-event", "smtp.invalid_reply", "has no events"},
        {"app-layer-event", "applayer_mismatch_protocol_both_directions", "not raised"},
        {"app-layer-event", "nodot", "expected <protocol>.<event>"},
    };
    for (size_t i = 0; i < VG_ARRAY_LEN(bad); i++) {
        int rc = kw_setup(bad[i].kw, bad[i].arg, NULL, NULL, err);
        VG_CHECK(rc < 0);
        if (!strstr(err, bad[i].needle))
            fprintf(stderr, "  %s:%s: \"%s\" lacks \"%s\"\n", bad[i].kw, bad[i].arg, err,
                    bad[i].needle);
        VG_CHECK(strstr(err, bad[i].needle) != NULL);
    }
    VG_CHECK_EQ(kw_setup("app-layer-event", "http.invalid_transfer_encoding_value_in_request",
                         NULL, &al, err), VG_OK);
    VG_CHECK_EQ(al, VG_ALPROTO_HTTP);
    VG_CHECK_EQ(kw_setup("app-layer-event", "dns.Z_FLAG_SET", NULL, &al, err), VG_OK);
    VG_CHECK_EQ(al, VG_ALPROTO_DNS);
    VG_CHECK_EQ(kw_setup("ssl_state", "client_hello | !server_keyx", NULL, &al, err), VG_OK);
    VG_CHECK_EQ(al, VG_ALPROTO_TLS);
    /* a keyword of another protocol than the rule's */
    const vg_keyword *kw = vg_keyword_find("ssl_version");
    vg_sig *s = calloc(1, sizeof(*s));
    s->alproto = VG_ALPROTO_HTTP;
    VG_CHECK(kw->setup(NULL, s, "tls1.2", err) == VG_EINVAL && strstr(err, "conflicts"));
    free(s);
    /* the keywords are evaluated per transaction, on either side */
    VG_CHECK_EQ(vg_app_feat_match_dir(vg_keyword_find("app-layer-event")), 2);
    VG_CHECK_EQ(vg_app_feat_match_dir(vg_keyword_find("ssl_state")), 2);
    VG_CHECK_EQ(vg_app_feat_match_dir(vg_keyword_find("content")), -1);
}

static void event_names(void)
{
    VG_CHECK_STR(vg_app_event_name(VG_ALPROTO_HTTP, VG_HTTP_EV_INVALID_TE_IN_REQUEST),
                 "invalid_transfer_encoding_value_in_request");
    VG_CHECK_STR(vg_app_event_name(VG_ALPROTO_HTTP, VG_HTTP_EV_MISSING_HOST),
                 "missing_host_header");
    VG_CHECK_STR(vg_app_event_name(VG_ALPROTO_HTTP, VG_HTTP_EV_URI_HOST_INVALID),
                 "request_uri_host_invalid");
    VG_CHECK_STR(vg_app_event_name(VG_ALPROTO_HTTP, VG_HTTP_EV_AUTH_UNRECOGNIZED),
                 "request_auth_unrecognized");
    VG_CHECK_STR(vg_app_event_name(VG_ALPROTO_HTTP, VG_HTTP_EV_REQUEST_LINE_INVALID),
                 "request_line_invalid");
    VG_CHECK_STR(vg_app_event_name(VG_ALPROTO_HTTP, VG_HTTP_EV_RESPONSE_FIELD_TOO_LONG),
                 "response_field_too_long");
    VG_CHECK_STR(vg_app_event_name(VG_ALPROTO_DNS, 3), "z_flag_set");
    VG_CHECK_STR(vg_app_event_name(VG_ALPROTO_DNS, 9), "infinite_loop");
    VG_CHECK_STR(vg_app_event_name(VG_ALPROTO_TLS, 8), "multiple_sni_extensions");
    VG_CHECK_STR(vg_app_event_name(VG_ALPROTO_TLS, 6), "heartbeat_message");
    VG_CHECK(vg_app_event_name(VG_ALPROTO_SSH, 0) == NULL);
}

static void tls_events(void)
{
    fixture x;
    vg_app_tx *tx = tls_session(&x, 0, 0, true); /* two server_name extensions */
    VG_CHECK(tx && (vg_app_tx_events(tx) & VG_TLS_EV_MULTIPLE_SNI));
    VG_CHECK_EQ(kw_match("app-layer-event", "tls.multiple_sni_extensions", tx, false), 1);
    VG_CHECK_EQ(kw_match("app-layer-event", "tls.invalid_record_type", tx, false), 0);
    /* a heartbeat record, then an unknown record type */
    uint8_t rec[64], hb[3] = {1, 0, 0};
    feed(&x, true, rec, put_record(rec, 24, 0, hb, 3));
    VG_CHECK_EQ(kw_match("app-layer-event", "tls.heartbeat_message", tx, false), 1);
    feed(&x, false, rec, put_record(rec, 99, 0, hb, 3));
    VG_CHECK_EQ(kw_match("app-layer-event", "tls.invalid_record_type", tx, true), 1);
    /* the events belong to TLS: an HTTP event never matches a TLS tx */
    VG_CHECK_EQ(kw_match("app-layer-event", "http.missing_host_header", tx, false), 0);
    fx_free(&x);
    /* a record header with a bad version */
    fixture y;
    fx_init(&y, 6);
    uint8_t body[512], r2[600];
    size_t n = put_client_hello(body, "x.y", 0, false);
    feed(&y, true, r2, put_record(r2, 22, 1, body, n));
    static const uint8_t badv[] = {0x16, 0x07, 0x01, 0x00, 0x02, 0x00, 0x00};
    feed(&y, false, badv, sizeof badv);
    tx = vg_app_tx_first(&y.f);
    VG_CHECK(tx && (vg_app_tx_events(tx) & VG_TLS_EV_INVALID_RECORD_VERSION));
    fx_free(&y);
}

static void tls_resumption_and_fields(void)
{
    fixture x;
    vg_app_tx *tx = tls_session(&x, 32, 32, false); /* the server echoes the session id */
    const vg_tls_info *t = tx ? tx->data : NULL;
    VG_CHECK(t && t->session_resumed);
    vg_jb jb;
    vg_jb_init(&jb);
    vg_jb_open_obj(&jb, NULL);
    vg_tls_info_eve_fields(t, VG_TLS_F_BASIC | VG_TLS_F_SESSION_RESUMED, &jb);
    vg_jb_close_obj(&jb);
    json_t *j = parse_jb(&jb);
    VG_CHECK(j && json_is_true(get(j, "tls.session_resumed")));
    VG_CHECK(j && !get(j, "tls.sni") && !get(j, "tls.version"));
    json_decref(j);
    /* custom: only the fields named, the handshake objects on request */
    vg_conf *c = vg_conf_new();
    char err[VG_ERRBUF_SIZE];
    VG_CHECK_EQ(vg_conf_load_string(c, "tls:\n  custom: [sni, Client_Handshake, "
                                       "server_handshake, bogus]\n  session-resumption: no\n",
                                    "t.yaml", err), VG_OK);
    const vg_conf_node *set = vg_conf_node_get(c, "tls");
    uint32_t f = vg_tls_eve_fields(set);
    VG_CHECK_EQ(f, VG_TLS_F_SNI | VG_TLS_F_CLIENT_HS | VG_TLS_F_SERVER_HS);
    VG_CHECK_EQ(vg_tls_eve_check(set), 1); /* "bogus" */
    vg_jb_reset(&jb);
    vg_jb_open_obj(&jb, NULL);
    vg_tls_info_eve_fields(t, f, &jb);
    vg_jb_close_obj(&jb);
    j = parse_jb(&jb);
    VG_CHECK_STR(jstr(j, "tls.sni"), "host.example");
    VG_CHECK(!get(j, "tls.version") && !get(j, "tls.ja3"));
    VG_CHECK_STR(jstr(j, "tls.client_handshake.version"), "TLS 1.2");
    json_t *ciphers = get(j, "tls.client_handshake.ciphers");
    VG_CHECK(json_is_array(ciphers) && json_array_size(ciphers) == 2 &&
             json_integer_value(json_array_get(ciphers, 0)) == 0x1301);
    json_t *sig = get(j, "tls.client_handshake.sig_algs");
    VG_CHECK(json_is_array(sig) && json_integer_value(json_array_get(sig, 0)) == 0x0403);
    VG_CHECK_EQ(jint(j, "tls.server_handshake.cipher"), 0xc02f);
    json_t *sx = get(j, "tls.server_handshake.exts");
    VG_CHECK(json_is_array(sx) && json_integer_value(json_array_get(sx, 0)) == 0xff01);
    json_decref(j);
    vg_conf_free(c);
    /* extended: no keeps the basic fields (and session_resumed unless
     * session-resumption: no); client_certificate brings client; no
     * settings (alert metadata): extended */
    c = vg_conf_new();
    VG_CHECK_EQ(vg_conf_load_string(c, "tls:\n  extended: no\nt2:\n  extended: yes\n"
                                       "t3:\n  custom: [client_certificate]\n", "t.yaml", err),
                VG_OK);
    VG_CHECK_EQ(vg_tls_eve_fields(vg_conf_node_get(c, "tls")),
                VG_TLS_F_BASIC | VG_TLS_F_SESSION_RESUMED);
    VG_CHECK_EQ(vg_tls_eve_fields(vg_conf_node_get(c, "t2")),
                VG_TLS_F_EXTENDED | VG_TLS_F_SESSION_RESUMED);
    VG_CHECK_EQ(vg_tls_eve_fields(vg_conf_node_get(c, "t3")),
                VG_TLS_F_CLIENT_CERT | VG_TLS_F_CLIENT | VG_TLS_F_SESSION_RESUMED);
    VG_CHECK_EQ(vg_tls_eve_fields(NULL), VG_TLS_F_EXTENDED);
    VG_CHECK(VG_TLS_F_BASIC & VG_TLS_F_SAN);
    vg_conf_free(c);
    vg_jb_free(&jb);
    /* logged: resumed sessions when session_resumed is logged */
    VG_CHECK(vg_tls_eve_loggable(t, VG_TLS_F_SESSION_RESUMED));
    VG_CHECK(!vg_tls_eve_loggable(t, VG_TLS_F_BASIC));
    fx_free(&x);
    /* different session ids: not resumed, no certificate: not logged */
    tx = tls_session(&x, 32, 16, false);
    VG_CHECK(tx && !((const vg_tls_info *)tx->data)->session_resumed);
    VG_CHECK(tx && !vg_tls_eve_loggable(tx->data, VG_TLS_F_EXTENDED | VG_TLS_F_SESSION_RESUMED));
    fx_free(&x);
    /* TLS 1.3 chosen by the server: logged without a certificate */
    fx_init(&x, 6);
    uint8_t body[512], rec[600];
    size_t n = put_client_hello(body, "t13", 0, false);
    feed(&x, true, rec, put_record(rec, 22, 1, body, n));
    n = put_server_hello(body, 0x0304, 0);
    feed(&x, false, rec, put_record(rec, 22, 2, body, n));
    tx = vg_app_tx_first(&x.f);
    VG_CHECK(tx && vg_tls_eve_loggable(tx->data, VG_TLS_F_BASIC));
    fx_free(&x);
}

/* ---- DNS ---- */

static size_t dns_query(uint8_t *b, uint16_t flags, const char *const *names, int nq)
{
    size_t o = 0;
    b[o++] = 0x6e; b[o++] = 0xe6;                /* id 28390 */
    b[o++] = (uint8_t)(flags >> 8); b[o++] = (uint8_t)flags;
    b[o++] = 0; b[o++] = (uint8_t)nq;
    memset(b + o, 0, 6); o += 6;
    for (int q = 0; q < nq; q++) {
        const char *s = names[q];
        while (*s) {
            const char *dot = strchr(s, '.');
            size_t l = dot ? (size_t)(dot - s) : strlen(s);
            b[o++] = (uint8_t)l;
            memcpy(b + o, s, l); o += l;
            s += l + (dot ? 1 : 0);
        }
        b[o++] = 0;
        b[o++] = 0; b[o++] = 1; b[o++] = 0; b[o++] = 1;
    }
    return o;
}

static void dns_events(void)
{
    uint8_t b[512];
    const char *one[] = {"code.msdn.microsoft.com"};
    fixture x;
    fx_init(&x, 6); /* DNS over TCP: a 2-byte length before each message */
    /* a query with the Z flag, then a query sent to the client */
    size_t n = dns_query(b + 2, 0x0140, one, 1);
    b[0] = 0;
    b[1] = (uint8_t)n;
    feed(&x, true, b, n + 2);
    vg_app_tx *tx = vg_app_tx_first(&x.f);
    VG_CHECK(tx != NULL);
    VG_CHECK_EQ(kw_match("app-layer-event", "dns.z_flag_set", tx, false), 1);
    VG_CHECK_EQ(kw_match("app-layer-event", "dns.not_a_response", tx, false), 0);
    n = dns_query(b + 2, 0x0100, one, 1);
    b[1] = (uint8_t)n;
    feed(&x, false, b, n + 2);
    tx = tx ? vg_app_tx_next(tx) : NULL;
    VG_CHECK(tx != NULL);
    VG_CHECK_EQ(kw_match("app-layer-event", "dns.not_a_response", tx, true), 1);
    VG_CHECK_EQ(kw_match("app-layer-event", "dns.not_a_request", tx, true), 0);
    VG_CHECK_EQ(kw_match("app-layer-event", "dns.z_flag_set", tx, true), 0);
    VG_CHECK_EQ(kw_match("app-layer-event", "dns.malformed_data", tx, true), 0);
    fx_free(&x);
    /* a response with an answer cut short */
    uint64_t capped = 0;
    vg_dns_msg *m;
    n = dns_query(b, 0x8180, one, 1);
    b[7] = 1;                                    /* one answer, not there */
    b[n++] = 0xc0;
    VG_CHECK_EQ(vg_dns_parse(b, (uint32_t)n, &m, &capped), VG_OK);
    VG_CHECK(m && (m->events & VG_DNS_EV_MALFORMED_DATA));
    vg_dns_msg_free(m);
    /* a name over 255 bytes, and a compression loop */
    uint8_t big[600];
    size_t o = 12;
    memset(big, 0, 12);
    big[5] = 1;
    for (int i = 0; i < 5; i++) {
        big[o++] = 60;
        memset(big + o, 'a', 60);
        o += 60;
    }
    big[o++] = 0; big[o++] = 0; big[o++] = 1; big[o++] = 0; big[o++] = 1;
    VG_CHECK_EQ(vg_dns_parse(big, (uint32_t)o, &m, &capped), VG_OK);
    VG_CHECK(m && (m->events & VG_DNS_EV_NAME_TOO_LONG));
    vg_dns_msg_free(m);
    static const uint8_t loop[] = {0, 1, 0x01, 0, 0, 1, 0, 0, 0, 0, 0, 0,
                                   0xc0, 12, 0, 1, 0, 1};
    VG_CHECK_EQ(vg_dns_parse(loop, sizeof loop, &m, &capped), VG_OK);
    VG_CHECK(m && (m->events & VG_DNS_EV_INFINITE_LOOP));
    vg_dns_msg_free(m);
}

static void dns_eve_v2(void)
{
    uint8_t b[512];
    const char *two[] = {"a.example", "b.example"};
    uint64_t capped = 0;
    vg_dns_msg *m;
    size_t n = dns_query(b, 0x0100, two, 2);
    VG_CHECK_EQ(vg_dns_parse(b, (uint32_t)n, &m, &capped), VG_OK);
    vg_jb jb;
    vg_jb_init(&jb);
    vg_jb_open_obj(&jb, NULL);
    vg_dns_msg_eve_v2(m, 4, 1, &jb);
    vg_jb_close_obj(&jb);
    json_t *j = parse_jb(&jb);
    VG_CHECK_STR(jstr(j, "dns.type"), "query");
    VG_CHECK_STR(jstr(j, "dns.rrname"), "b.example");
    VG_CHECK_STR(jstr(j, "dns.rrtype"), "A");
    VG_CHECK_EQ(jint(j, "dns.id"), 28390);
    VG_CHECK_EQ(jint(j, "dns.tx_id"), 4);
    VG_CHECK_EQ(jint(j, "dns.opcode"), 0);
    VG_CHECK_EQ(jint(j, "dns.version"), 2); /* the 8.0 schema requires it */
    VG_CHECK(!get(j, "dns.queries"));
    json_decref(j);
    vg_dns_msg_free(m);
    /* an answer: version 2, type answer, rrname of the first question */
    static const uint8_t resp[] = {
        0x12, 0x34, 0x81, 0x80, 0, 1, 0, 1, 0, 0, 0, 0,
        1, 'x', 3, 'c', 'o', 'm', 0, 0, 1, 0, 1,
        0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 10, 1, 2, 3};
    VG_CHECK_EQ(vg_dns_parse(resp, sizeof resp, &m, &capped), VG_OK);
    vg_jb_reset(&jb);
    vg_jb_open_obj(&jb, NULL);
    vg_dns_msg_eve_v2(m, 5, 0, &jb);
    vg_jb_close_obj(&jb);
    j = parse_jb(&jb);
    VG_CHECK_EQ(jint(j, "dns.version"), 2);
    VG_CHECK_STR(jstr(j, "dns.type"), "answer");
    VG_CHECK_STR(jstr(j, "dns.rrname"), "x.com");
    VG_CHECK_STR(jstr(j, "dns.rcode"), "NOERROR");
    VG_CHECK_STR(jstr(j, "dns.flags"), "8180");
    json_t *ans = get(j, "dns.answers");
    VG_CHECK(json_is_array(ans) && json_array_size(ans) == 1);
    VG_CHECK_STR(jstr(json_array_get(ans, 0), "rdata"), "10.1.2.3");
    json_t *ga = get(j, "dns.grouped.A");
    VG_CHECK(json_is_array(ga) && json_array_size(ga) == 1);
    json_decref(j);
    vg_dns_msg_free(m);
    vg_jb_free(&jb);
    /* the version: config, else the environment, else 3; bad values warned */
    vg_conf *c = vg_conf_new();
    char err[VG_ERRBUF_SIZE];
    VG_CHECK_EQ(vg_conf_load_string(c, "a:\n  version: 2\nb:\n  version: 3\nc:\n  version: 7\n"
                                       "d:\n  requests: yes\n", "t.yaml", err), VG_OK);
    unsetenv("SURICATA_EVE_DNS_VERSION");
    VG_CHECK_EQ(vg_dns_eve_version(vg_conf_node_get(c, "a")), 2);
    VG_CHECK_EQ(vg_dns_eve_version(vg_conf_node_get(c, "b")), 3);
    VG_CHECK_EQ(vg_dns_eve_version(vg_conf_node_get(c, "c")), 3);
    VG_CHECK_EQ(vg_dns_eve_check(vg_conf_node_get(c, "c")), 1);
    VG_CHECK_EQ(vg_dns_eve_check(vg_conf_node_get(c, "a")), 0);
    VG_CHECK_EQ(vg_dns_eve_version(vg_conf_node_get(c, "d")), 3);
    VG_CHECK_EQ(vg_dns_eve_version(NULL), 3);
    /* requests / responses / types filters */
    vg_conf *fc = vg_conf_new();
    VG_CHECK_EQ(vg_conf_load_string(fc, "r:\n  requests: no\ns:\n  responses: no\n"
                                        "t:\n  types: [aaaa, MX]\nu:\n  types: [A]\n",
                                    "f.yaml", err), VG_OK);
    static const uint8_t q1[] = {0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0,
                                 1, 'x', 0, 0, 1, 0, 1};
    vg_dns_msg *mq;
    VG_CHECK_EQ(vg_dns_parse(q1, sizeof q1, &mq, &capped), VG_OK);
    VG_CHECK(!vg_dns_eve_wants(vg_conf_node_get(fc, "r"), mq));
    VG_CHECK(vg_dns_eve_wants(vg_conf_node_get(fc, "s"), mq));
    VG_CHECK(!vg_dns_eve_wants(vg_conf_node_get(fc, "t"), mq));
    VG_CHECK(vg_dns_eve_wants(vg_conf_node_get(fc, "u"), mq));
    VG_CHECK(vg_dns_eve_wants(NULL, mq));
    vg_dns_msg_free(mq);
    VG_CHECK_EQ(vg_dns_parse(resp, sizeof resp, &mq, &capped), VG_OK);
    VG_CHECK(vg_dns_eve_wants(vg_conf_node_get(fc, "r"), mq));
    VG_CHECK(!vg_dns_eve_wants(vg_conf_node_get(fc, "s"), mq));
    vg_dns_msg_free(mq);
    vg_conf_free(fc);
    setenv("SURICATA_EVE_DNS_VERSION", "2", 1);
    VG_CHECK_EQ(vg_dns_eve_version(vg_conf_node_get(c, "d")), 2);
    VG_CHECK_EQ(vg_dns_eve_version(vg_conf_node_get(c, "b")), 3); /* the config wins */
    unsetenv("SURICATA_EVE_DNS_VERSION");
    vg_conf_free(c);
}

/* Version 2 through the app layer: one query record per question. */
static void dns_eve_v2_records(void)
{
    char path[] = "/tmp/vg_appfeat_XXXXXX";
    int fd = mkstemp(path);
    VG_CHECK(fd >= 0);
    if (fd < 0)
        return;
    close(fd);
    vg_conf *c = vg_conf_new();
    char err[VG_ERRBUF_SIZE];
    VG_CHECK_EQ(vg_conf_load_string(c, "dns:\n  version: 2\n", "t.yaml", err), VG_OK);
    vg_eve *eve = NULL;
    VG_CHECK_EQ(vg_eve_open(&eve, path, true, err), VG_OK);
    fixture x;
    fx_init(&x, 6);
    vg_app_add_eve(x.ctx, "dns", eve, vg_conf_node_get(c, "dns"));
    uint8_t b[512];
    const char *three[] = {"a.example", "b.example", "c.example"};
    size_t n = dns_query(b + 2, 0x0100, three, 3);
    b[0] = 0;
    b[1] = (uint8_t)n;
    feed(&x, true, b, n + 2);
    fx_free(&x);
    vg_eve_close(eve);
    FILE *fp = fopen(path, "r");
    char line[4096];
    const char *want[] = {"a.example", "b.example", "c.example"};
    int k = 0;
    while (fp && fgets(line, sizeof line, fp)) {
        json_t *j = json_loads(line, 0, NULL);
        VG_CHECK(j != NULL);
        if (k < 3)
            VG_CHECK_STR(jstr(j, "dns.rrname"), want[k]);
        VG_CHECK_EQ(jint(j, "dns.tx_id"), 0);
        VG_CHECK_EQ(jint(j, "tx_id"), 0);
        VG_CHECK_STR(jstr(j, "event_type"), "dns");
        json_decref(j);
        k++;
    }
    VG_CHECK_EQ(k, 3);
    if (fp)
        fclose(fp);
    unlink(path);
    vg_conf_free(c);
}

/* formats: [grouped] leaves the detailed answers out (both versions). */
static void dns_formats(void)
{
    static const uint8_t resp[] = {
        0, 39, 0x12, 0x34, 0x81, 0x80, 0, 1, 0, 1, 0, 0, 0, 0,
        1, 'x', 3, 'c', 'o', 'm', 0, 0, 1, 0, 1,
        0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 10, 1, 2, 3};
    for (int version = 2; version <= 3; version++) {
        char path[] = "/tmp/vg_appfeat_XXXXXX";
        int fd = mkstemp(path);
        VG_CHECK(fd >= 0);
        if (fd < 0)
            return;
        close(fd);
        vg_conf *c = vg_conf_new();
        char err[VG_ERRBUF_SIZE], yml[128];
        snprintf(yml, sizeof yml, "dns:\n  version: %d\n  formats: [grouped]\n", version);
        VG_CHECK_EQ(vg_conf_load_string(c, yml, "t.yaml", err), VG_OK);
        vg_eve *eve = NULL;
        VG_CHECK_EQ(vg_eve_open(&eve, path, true, err), VG_OK);
        fixture x;
        fx_init(&x, 6);
        vg_app_add_eve(x.ctx, "dns", eve, vg_conf_node_get(c, "dns"));
        uint8_t b[512];
        const char *one[] = {"x.com"};
        size_t n = dns_query(b + 2, 0x0100, one, 1);
        b[0] = 0;
        b[1] = (uint8_t)n;
        feed(&x, true, b, n + 2);
        feed(&x, false, resp, sizeof resp);
        fx_free(&x);
        vg_eve_close(eve);
        FILE *fp = fopen(path, "r");
        char line[4096];
        int responses = 0;
        while (fp && fgets(line, sizeof line, fp)) {
            json_t *j = json_loads(line, 0, NULL);
            json_t *g = get(j, "dns.grouped.A");
            if (g) {
                responses++;
                VG_CHECK(json_is_array(g) && json_array_size(g) == 1);
                VG_CHECK(!get(j, "dns.answers"));
            }
            json_decref(j);
        }
        if (fp)
            fclose(fp);
        VG_CHECK_EQ(responses, 1);
        unlink(path);
        vg_conf_free(c);
    }
}

/* Decoder events also give applayer anomaly records (once per event). */
static void event_anomaly_records(void)
{
    char path[] = "/tmp/vg_appfeat_XXXXXX";
    int fd = mkstemp(path);
    VG_CHECK(fd >= 0);
    if (fd < 0)
        return;
    close(fd);
    char err[VG_ERRBUF_SIZE];
    vg_eve *eve = NULL;
    VG_CHECK_EQ(vg_eve_open(&eve, path, true, err), VG_OK);
    vg_packet p;
    memset(&p, 0, sizeof p);
    p.ipver = 4;
    p.proto = 6;
    p.src.family = p.dst.family = 4;
    fixture x;
    vg_app_tx *tx = tls_session(&x, 0, 0, true); /* two SNI extensions */
    VG_CHECK(tx != NULL);
    vg_app_add_eve(x.ctx, "anomaly", eve, NULL);
    uint8_t rec[64], hb[3] = {1, 0, 0};
    size_t rn = put_record(rec, 24, 0, hb, 3);
    vg_app_on_stream(x.ctx, &x.f, &p, true, rec, (uint32_t)rn);
    vg_app_on_stream(x.ctx, &x.f, &p, true, rec, (uint32_t)rn); /* again: no second record */
    fx_free(&x);
    fx_init(&x, 6);
    vg_app_add_eve(x.ctx, "anomaly", eve, NULL);
    uint8_t b[512];
    const char *one[] = {"z.example"};
    size_t n = dns_query(b + 2, 0x0140, one, 1);
    b[0] = 0;
    b[1] = (uint8_t)n;
    vg_app_on_stream(x.ctx, &x.f, &p, true, b, (uint32_t)(n + 2));
    fx_free(&x);
    vg_eve_close(eve);
    FILE *fp = fopen(path, "r");
    char line[4096];
    int heartbeat = 0, zflag = 0, sni = 0, other = 0;
    while (fp && fgets(line, sizeof line, fp)) {
        json_t *j = json_loads(line, 0, NULL);
        const char *ev = jstr(j, "anomaly.event");
        VG_CHECK_STR(jstr(j, "anomaly.type"), "applayer");
        if (ev && strcmp(ev, "HEARTBEAT_MESSAGE") == 0)
            heartbeat++;
        else if (ev && strcmp(ev, "z_flag_set") == 0 && jstr(j, "anomaly.app_proto") &&
                 strcmp(jstr(j, "anomaly.app_proto"), "dns") == 0)
            zflag++;
        else if (ev && strcmp(ev, "MULTIPLE_SNI_EXTENSIONS") == 0)
            sni++;
        else
            other++;
        json_decref(j);
    }
    if (fp)
        fclose(fp);
    /* the SNI event came before the anomaly output was attached */
    VG_CHECK_EQ(heartbeat, 1);
    VG_CHECK_EQ(zflag, 1);
    VG_CHECK_EQ(sni, 0);
    VG_CHECK_EQ(other, 0);
    unlink(path);
}

/* ---- HTTP events and X-Forwarded-For ---- */

static void http_events(void)
{
    fixture x;
    fx_init(&x, 6);
    x.f.alproto = 0;
    const char *req = "POST /a HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked, identity\r\n"
                      "Content-Length: 3\r\n\r\nabc";
    feed(&x, true, req, strlen(req));
    vg_app_tx *tx = vg_app_tx_first(&x.f);
    VG_CHECK(tx != NULL);
    VG_CHECK_EQ(kw_match("app-layer-event", "http.invalid_transfer_encoding_value_in_request", tx,
                         false), 1);
    VG_CHECK_EQ(kw_match("app-layer-event", "http.missing_host_header", tx, false), 0);
    fx_free(&x);
    fx_init(&x, 6);
    const char *nohost = "GET /b HTTP/1.1\r\nUser-Agent: t\r\n\r\n";
    feed(&x, true, nohost, strlen(nohost));
    tx = vg_app_tx_first(&x.f);
    VG_CHECK(tx && (vg_app_tx_events(tx) & (1ull << VG_HTTP_EV_MISSING_HOST)));
    VG_CHECK_EQ(kw_match("app-layer-event", "http.invalid_transfer_encoding_value_in_request", tx,
                         false), 0);
    fx_free(&x);
    /* from libhtp's log about the transaction: a header line without a colon */
    fx_init(&x, 6);
    const char *nocolon = "GET /c HTTP/1.1\r\nHost: h\r\nBroken header line\r\n\r\n";
    feed(&x, true, nocolon, strlen(nocolon));
    tx = vg_app_tx_first(&x.f);
    uint64_t ev = tx ? vg_app_tx_events(tx) : 0;
    if (getenv("VG_TEST_VERBOSE"))
        fprintf(stderr, "  events %llx\n", (unsigned long long)ev);
    VG_CHECK(ev & ((1ull << VG_HTTP_EV_REQUEST_FIELD_MISSING_COLON) |
                   (1ull << VG_HTTP_EV_REQUEST_HEADER_INVALID)));
    VG_CHECK(!(ev & (1ull << VG_HTTP_EV_MISSING_HOST)));
    fx_free(&x);
}

static vg_app_tx *http_flow(fixture *x, const char *xff_line)
{
    fx_init(x, 6);
    char req[512];
    snprintf(req, sizeof req, "GET /x HTTP/1.1\r\nHost: h\r\n%s\r\n\r\n", xff_line);
    feed(x, true, req, strlen(req));
    const char *res = "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nuid";
    feed(x, false, res, strlen(res));
    return vg_app_tx_first(&x->f);
}

static void xff_lookup(void)
{
    fixture x;
    char ip[64];
    vg_app_tx *tx = http_flow(&x, "X-Forwarded-For: 10.2.2.2, 10.3.3.3");
    VG_CHECK(tx != NULL && x.f.alproto == VG_ALPROTO_HTTP);
    VG_CHECK(vg_app_xff(&x.f, 0, "X-Forwarded-For", true, ip, sizeof ip));
    VG_CHECK_STR(ip, "10.3.3.3");
    VG_CHECK(vg_app_xff(&x.f, 0, "x-forwarded-for", false, ip, sizeof ip));
    VG_CHECK_STR(ip, "10.2.2.2");
    VG_CHECK(vg_app_xff(&x.f, UINT64_MAX, "X-Forwarded-For", true, ip, sizeof ip));
    VG_CHECK_STR(ip, "10.3.3.3");
    VG_CHECK(!vg_app_xff(&x.f, 1, "X-Forwarded-For", true, ip, sizeof ip)); /* no tx 1 */
    VG_CHECK(!vg_app_xff(&x.f, 0, "X-Real-IP", true, ip, sizeof ip));
    fx_free(&x);
    tx = http_flow(&x, "X-Real-IP: 2001:db8::7");
    VG_CHECK(vg_app_xff(&x.f, 0, "X-Real-IP", true, ip, sizeof ip));
    VG_CHECK_STR(ip, "2001:db8::7");
    fx_free(&x);
    tx = http_flow(&x, "X-Forwarded-For: 10.1.1.1, not-an-address");
    VG_CHECK(!vg_app_xff(&x.f, 0, "X-Forwarded-For", true, ip, sizeof ip));
    VG_CHECK(vg_app_xff(&x.f, 0, "X-Forwarded-For", false, ip, sizeof ip));
    fx_free(&x);
}

static void alert_xff(void)
{
    fixture x;
    vg_app_tx *tx = http_flow(&x, "X-Forwarded-For: 10.2.2.2, 10.3.3.3");
    VG_CHECK(tx != NULL);
    vg_packet p;
    memset(&p, 0, sizeof p);
    p.ipver = 4;
    p.proto = 6;
    p.src.family = p.dst.family = 4;
    memcpy(p.src.a, (uint8_t[]){192, 0, 2, 80}, 4);
    memcpy(p.dst.a, (uint8_t[]){198, 51, 100, 7}, 4);
    p.sp = 80;
    p.dp = 40000;
    p.flow = &x.f;
    p.flags = VG_PKT_TOCLIENT;
    vg_sig sig;
    memset(&sig, 0, sizeof sig);
    sig.gid = 1;
    sig.sid = 1;
    sig.msg = "t";
    vg_alert a = {&sig, VG_ALERT_TX, 0, NULL, 0};
    vg_conf *c = vg_conf_new();
    char err[VG_ERRBUF_SIZE];
    VG_CHECK_EQ(vg_conf_load_string(c,
                                    "outputs:\n  - eve-log:\n      types:\n        - alert:\n"
                                    "            xff:\n              enabled: yes\n"
                                    "              mode: extra-data\n"
                                    "              deployment: reverse\n"
                                    "        - alert2:\n"
                                    "            xff:\n              enabled: yes\n"
                                    "              mode: overwrite\n"
                                    "              deployment: forward\n"
                                    "        - alert3:\n            metadata: no\n",
                                    "x.yaml", err), VG_OK);
    const vg_conf_node *types = vg_conf_node_get(c, "outputs.0.eve-log.types");
    VG_CHECK(types && types->child && types->child->next && types->child->next->next);
    vg_alert_cfg cfg;
    vg_jb jb;
    vg_jb_init(&jb);
    /* extra-data: alert.xff, addresses unchanged */
    vg_alert_cfg_load(&cfg, types->child->child);
    VG_CHECK_EQ(cfg.xff_mode, VG_XFF_EXTRA_DATA);
    vg_eve_alert(&jb, &cfg, &p, &a);
    json_t *j = parse_jb(&jb);
    VG_CHECK_STR(jstr(j, "alert.xff"), "10.3.3.3");
    VG_CHECK_STR(jstr(j, "dest_ip"), "198.51.100.7");
    json_decref(j);
    /* overwrite, forward: the client's address (dest_ip to the client) */
    vg_alert_cfg_load(&cfg, types->child->next->child);
    VG_CHECK_EQ(cfg.xff_mode, VG_XFF_OVERWRITE);
    vg_eve_alert(&jb, &cfg, &p, &a);
    j = parse_jb(&jb);
    VG_CHECK_STR(jstr(j, "dest_ip"), "10.2.2.2");
    VG_CHECK_STR(jstr(j, "src_ip"), "192.0.2.80");
    VG_CHECK(!get(j, "alert.xff"));
    json_decref(j);
    /* to the server: src_ip replaced */
    p.flags = VG_PKT_TOSERVER;
    vg_eve_alert(&jb, &cfg, &p, &a);
    j = parse_jb(&jb);
    VG_CHECK_STR(jstr(j, "src_ip"), "10.2.2.2");
    json_decref(j);
    /* not configured: nothing */
    vg_alert_cfg_load(&cfg, types->child->next->next->child);
    VG_CHECK_EQ(cfg.xff_mode, VG_XFF_OFF);
    vg_eve_alert(&jb, &cfg, &p, &a);
    j = parse_jb(&jb);
    VG_CHECK(j && !get(j, "alert.xff"));
    VG_CHECK_STR(jstr(j, "src_ip"), "192.0.2.80");
    json_decref(j);
    vg_jb_free(&jb);
    vg_conf_free(c);
    fx_free(&x);
}

/* ---- ICS ---- */

static size_t mbap(uint8_t *out, uint16_t tid, const uint8_t *pdu, size_t n)
{
    out[0] = (uint8_t)(tid >> 8); out[1] = (uint8_t)tid;
    out[2] = 0; out[3] = 0;
    out[4] = 0; out[5] = (uint8_t)(n + 1);
    out[6] = 1;
    memcpy(out + 7, pdu, n);
    return n + 7;
}

static void modbus_events(void)
{
    fixture x;
    fx_init(&x, 6);
    uint8_t fr[64];
    static const uint8_t rd[] = {0x03, 0x00, 0x6b, 0x00, 0x03};
    static const uint8_t res[] = {0x03, 0x06, 0x02, 0x2b, 0x00, 0x00, 0x00, 0x64};
    feed(&x, true, fr, mbap(fr, 1, rd, sizeof rd));
    feed(&x, false, fr, mbap(fr, 9, res, sizeof res)); /* answers no request */
    vg_app_tx *tx = vg_app_tx_first(&x.f);
    VG_CHECK(tx && x.f.alproto == VG_ALPROTO_MODBUS);
    VG_CHECK_EQ(kw_match("app-layer-event", "modbus.unsolicited_response", tx, false), 0);
    vg_app_tx *un = tx ? vg_app_tx_next(tx) : NULL;
    VG_CHECK(un != NULL);
    VG_CHECK_EQ(kw_match("app-layer-event", "modbus.unsolicited_response", un, true), 1);
    VG_CHECK_EQ(kw_match("app-layer-event", "modbus.flooded", un, true), 0);
    char err[VG_ERRBUF_SIZE];
    VG_CHECK(kw_setup("app-layer-event", "modbus.no_such", NULL, NULL, err) == VG_EINVAL);
    uint16_t al;
    VG_CHECK_EQ(kw_setup("app-layer-event", "dnp3.unknown_object", NULL, &al, err), VG_OK);
    VG_CHECK_EQ(al, VG_ALPROTO_DNP3);
    fx_free(&x);
}

/* ---- stats ---- */

static void stats_app_layer_tx(void)
{
    fixture x;
    http_flow(&x, "Accept: */*");
    vg_stats_src st;
    memset(&st, 0, sizeof st);
    st.app = vg_app_get_stats(x.ctx);
    struct timeval ts = {1700000000, 0};
    vg_jb jb;
    vg_jb_init(&jb);
    vg_eve_stats(&jb, &ts, &st);
    json_t *j = parse_jb(&jb);
    VG_CHECK_EQ(jint(j, "stats.app_layer.tx.http"), 1);
    VG_CHECK_EQ(jint(j, "stats.app_layer.tx.dns_udp"), 0);
    VG_CHECK(get(j, "stats.app_layer.flow.http") != NULL);
    VG_CHECK(!get(j, "stats.app_layer.tx.failed_tcp"));
    VG_CHECK_EQ(jint(j, "stats.app_layer.error.dns_tcp.parser"), 0);
    json_decref(j);
    fx_free(&x);
    /* DNS over TCP: a query, then a message too short to parse */
    fx_init(&x, 6);
    uint8_t b[512];
    const char *one[] = {"e.example"};
    size_t n = dns_query(b + 2, 0x0100, one, 1);
    b[0] = 0;
    b[1] = (uint8_t)n;
    b[n + 2] = 0;
    b[n + 3] = 3;
    b[n + 4] = b[n + 5] = b[n + 6] = 0x41;
    feed(&x, true, b, n + 7);
    st.app = vg_app_get_stats(x.ctx);
    vg_eve_stats(&jb, &ts, &st);
    j = parse_jb(&jb);
    VG_CHECK_EQ(jint(j, "stats.app_layer.tx.dns_tcp"), 1);
    VG_CHECK_EQ(jint(j, "stats.app_layer.error.dns_tcp.parser"), 1);
    VG_CHECK_EQ(jint(j, "stats.app_layer.error.dns_udp.parser"), 0);
    json_decref(j);
    vg_jb_free(&jb);
    fx_free(&x);
}

static const vg_test tests[] = {
    {"tls_random_buffers", tls_random_buffers},
    {"ssl_state_and_version", ssl_state_and_version},
    {"keyword_errors", keyword_errors},
    {"event_names", event_names},
    {"tls_events", tls_events},
    {"tls_resumption_and_fields", tls_resumption_and_fields},
    {"dns_events", dns_events},
    {"dns_eve_v2", dns_eve_v2},
    {"dns_eve_v2_records", dns_eve_v2_records},
    {"event_anomaly_records", event_anomaly_records},
    {"dns_formats", dns_formats},
    {"http_events", http_events},
    {"xff_lookup", xff_lookup},
    {"alert_xff", alert_xff},
    {"modbus_events", modbus_events},
    {"stats_app_layer_tx", stats_app_layer_tx},
    {NULL, NULL},
};

VG_TEST_MAIN(tests)
