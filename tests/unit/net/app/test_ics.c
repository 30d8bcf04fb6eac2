/* test_ics.c: the industrial protocols on hand-built frames: Modbus/TCP
 * framing, PDUs, pairing and EVE; DNP3 CRC, link frames, transport
 * reassembly, application headers, objects and EVE; the modbus and dnp3
 * keywords; recognition; malformed input counted, never fatal. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/app/app.h"
#include "net/app/app_int.h"
#include "net/app/app_keywords.h"
#include "net/app/ics.h"
#include "net/detect/detect_int.h"
#include "../../vg_test.h"

int vg_ics_modbus_match(const void *ctx, const vg_modbus_msg *m);

/* ---- helpers ---- */

static uint32_t mbap(uint8_t *out, uint16_t tid, uint8_t unit, const uint8_t *pdu, uint32_t n)
{
    out[0] = (uint8_t)(tid >> 8);
    out[1] = (uint8_t)tid;
    out[2] = out[3] = 0;
    out[4] = (uint8_t)((n + 1) >> 8);
    out[5] = (uint8_t)(n + 1);
    out[6] = unit;
    memcpy(out + 7, pdu, n);
    return 7 + n;
}

/* A DNP3 link frame carrying user data ud[0..n) (n <= 250). */
static uint32_t d3_frame(uint8_t *out, uint8_t ctl, uint16_t dst, uint16_t src,
                         const uint8_t *ud, uint32_t n)
{
    uint8_t h[8] = {0x05, 0x64, (uint8_t)(n + 5), ctl, (uint8_t)dst, (uint8_t)(dst >> 8),
                    (uint8_t)src, (uint8_t)(src >> 8)};
    memcpy(out, h, 8);
    uint16_t c = vg_dnp3_crc(h, 8);
    out[8] = (uint8_t)c;
    out[9] = (uint8_t)(c >> 8);
    uint32_t o = 10;
    for (uint32_t i = 0; i < n; i += 16) {
        uint32_t k = n - i < 16 ? n - i : 16;
        memcpy(out + o, ud + i, k);
        c = vg_dnp3_crc(ud + i, k);
        out[o + k] = (uint8_t)c;
        out[o + k + 1] = (uint8_t)(c >> 8);
        o += k + 2;
    }
    return o;
}

typedef struct fixture {
    vg_app_ctx *ctx;
    vg_flow f;
} fixture;

static void fx_init(fixture *x)
{
    char err[VG_ERRBUF_SIZE];
    VG_CHECK(vg_app_ctx_new(&x->ctx, NULL, err) == VG_OK);
    memset(&x->f, 0, sizeof x->f);
    x->f.proto = 6;
}

static void fx_free(fixture *x)
{
    vg_app_flow_end(x->ctx, &x->f);
    vg_app_ctx_free(x->ctx);
}

static char *tx_json(const vg_flow *f, const vg_app_tx *tx)
{
    vg_jb jb;
    vg_jb_init(&jb);
    vg_jb_open_obj(&jb, NULL);
    vg_app_tx_eve(f, tx, &jb);
    vg_jb_close_obj(&jb);
    char *s = strndup(jb.buf, jb.len);
    vg_jb_free(&jb);
    return s;
}

static bool has(const char *json, const char *needle)
{
    bool ok = json && strstr(json, needle);
    if (!ok)
        fprintf(stderr, "  missing %s in %s\n", needle, json ? json : "(null)");
    return ok;
}

/* ---- Modbus ---- */

static void modbus_read_request_and_response(void)
{
    uint8_t fr[300];
    static const uint8_t req[] = {0x03, 0x00, 0x6b, 0x00, 0x03}; /* read holding 107, 3 regs */
    uint32_t n = mbap(fr, 0x0102, 17, req, sizeof req);
    VG_CHECK_EQ(vg_modbus_frame_len(fr, n), 12);
    VG_CHECK_EQ(vg_modbus_frame_len(fr, 6), 0);
    vg_modbus_msg m;
    VG_CHECK_EQ(vg_modbus_parse(fr, n, true, &m), VG_OK);
    VG_CHECK_EQ(m.tid, 0x0102);
    VG_CHECK_EQ(m.unit, 17);
    VG_CHECK_EQ(m.func, 3);
    VG_CHECK(m.has_read && m.rd_addr == 107 && m.rd_qty == 3);
    VG_CHECK_EQ(m.access, VG_MB_READ | VG_MB_HOLDING);
    VG_CHECK_EQ(m.category, VG_MB_CAT_ASSIGNED);
    VG_CHECK_EQ(m.errflags, 0);
    static const uint8_t res[] = {0x03, 0x06, 0x02, 0x2b, 0x00, 0x00, 0x00, 0x64};
    n = mbap(fr, 0x0102, 17, res, sizeof res);
    VG_CHECK_EQ(vg_modbus_parse(fr, n, false, &m), VG_OK);
    VG_CHECK_EQ(m.errflags, 0);
    VG_CHECK_EQ(m.data_len, 6);
    /* a quantity over the limit and a byte count that disagrees */
    static const uint8_t bad[] = {0x03, 0x00, 0x00, 0x00, 200};
    n = mbap(fr, 1, 1, bad, sizeof bad);
    VG_CHECK_EQ(vg_modbus_parse(fr, n, true, &m), VG_OK);
    VG_CHECK(m.errflags & VG_MB_ERR_DATA_VALUE);
    static const uint8_t badres[] = {0x03, 0x08, 0x02, 0x2b};
    n = mbap(fr, 1, 1, badres, sizeof badres);
    VG_CHECK_EQ(vg_modbus_parse(fr, n, false, &m), VG_OK);
    VG_CHECK(m.errflags & VG_MB_ERR_DATA_LENGTH);
}

static void modbus_framing_rejects(void)
{
    uint8_t fr[16] = {0, 1, 0, 1, 0, 6, 1, 3, 0, 0, 0, 1}; /* protocol id 1 */
    VG_CHECK_EQ(vg_modbus_frame_len(fr, 12), VG_EINVAL);
    fr[3] = 0;
    fr[5] = 1; /* length 1: no function code */
    VG_CHECK_EQ(vg_modbus_frame_len(fr, 12), VG_EINVAL);
    fr[4] = 1;
    fr[5] = 0; /* length 256 */
    VG_CHECK_EQ(vg_modbus_frame_len(fr, 12), VG_EINVAL);
    vg_modbus_msg m;
    fr[4] = 0;
    fr[5] = 6;
    VG_CHECK_EQ(vg_modbus_parse(fr, 11, true, &m), VG_EINVAL); /* shorter than its length */
    VG_CHECK_EQ(vg_modbus_parse(fr, 12, true, &m), VG_OK);
}

static void modbus_writes_and_exception(void)
{
    uint8_t fr[300];
    vg_modbus_msg m;
    uint16_t v = 0;
    static const uint8_t wsr[] = {0x06, 0x01, 0xf4, 0x01, 0x2c}; /* holding 500 := 300 */
    uint32_t n = mbap(fr, 7, 1, wsr, sizeof wsr);
    VG_CHECK_EQ(vg_modbus_parse(fr, n, true, &m), VG_OK);
    VG_CHECK(m.has_write && m.wr_addr == 500 && m.wr_value == 300);
    VG_CHECK_EQ(vg_modbus_write_value(&m, 500, &v), VG_OK);
    VG_CHECK_EQ(v, 300);
    VG_CHECK_EQ(vg_modbus_write_value(&m, 501, &v), VG_DECLINED);
    /* write multiple registers 10..12 := 1, 2, 0x1234 */
    static const uint8_t wmr[] = {0x10, 0x00, 0x0a, 0x00, 0x03, 0x06, 0, 1, 0, 2, 0x12, 0x34};
    n = mbap(fr, 8, 1, wmr, sizeof wmr);
    VG_CHECK_EQ(vg_modbus_parse(fr, n, true, &m), VG_OK);
    VG_CHECK_EQ(m.errflags, 0);
    VG_CHECK_EQ(vg_modbus_write_value(&m, 12, &v), VG_OK);
    VG_CHECK_EQ(v, 0x1234);
    VG_CHECK_EQ(vg_modbus_write_value(&m, 13, &v), VG_DECLINED);
    /* write multiple coils 20..29 (bits 1010000011, LSB first) */
    static const uint8_t wmc[] = {0x0f, 0x00, 0x14, 0x00, 0x0a, 0x02, 0x05, 0x02};
    n = mbap(fr, 9, 1, wmc, sizeof wmc);
    VG_CHECK_EQ(vg_modbus_parse(fr, n, true, &m), VG_OK);
    VG_CHECK_EQ(m.errflags, 0);
    VG_CHECK(vg_modbus_write_value(&m, 22, &v) == VG_OK && v == 1);
    VG_CHECK(vg_modbus_write_value(&m, 21, &v) == VG_OK && v == 0);
    VG_CHECK(vg_modbus_write_value(&m, 29, &v) == VG_OK && v == 1);
    /* exception: illegal data address on read holding */
    static const uint8_t exc[] = {0x83, 0x02};
    n = mbap(fr, 7, 1, exc, sizeof exc);
    VG_CHECK_EQ(vg_modbus_parse(fr, n, false, &m), VG_OK);
    VG_CHECK(m.exception && m.func == 3 && m.exc_code == 2);
    VG_CHECK_STR(vg_modbus_exc_name(m.exc_code), "IllegalDataAddr");
    vg_jb jb;
    vg_jb_init(&jb);
    vg_jb_open_obj(&jb, NULL);
    vg_modbus_msg_eve(&m, &jb);
    vg_jb_close_obj(&jb);
    VG_CHECK(has(jb.buf, "\"function_raw\":131"));
    VG_CHECK(has(jb.buf, "\"function_code\":\"RdHoldRegs\""));
    VG_CHECK(has(jb.buf, "\"access_type\":\"READ | HOLDING\""));
    VG_CHECK(has(jb.buf, "\"exception\":{\"raw\":2,\"code\":\"IllegalDataAddr\"}"));
    vg_jb_free(&jb);
    /* diagnostics subfunction, category of a reserved one */
    static const uint8_t diag[] = {0x08, 0x00, 0x04, 0x00, 0x00};
    n = mbap(fr, 10, 1, diag, sizeof diag);
    VG_CHECK_EQ(vg_modbus_parse(fr, n, true, &m), VG_OK);
    VG_CHECK(m.has_sub && m.sub == 4 && m.category == VG_MB_CAT_ASSIGNED);
    static const uint8_t diag_r[] = {0x08, 0x00, 0x07, 0x00, 0x00};
    n = mbap(fr, 10, 1, diag_r, sizeof diag_r);
    VG_CHECK_EQ(vg_modbus_parse(fr, n, true, &m), VG_OK);
    VG_CHECK_EQ(m.category, VG_MB_CAT_RESERVED);
    /* user-defined function 100 */
    static const uint8_t user[] = {100, 1, 2};
    n = mbap(fr, 11, 1, user, sizeof user);
    VG_CHECK_EQ(vg_modbus_parse(fr, n, true, &m), VG_OK);
    VG_CHECK_EQ(m.category, VG_MB_CAT_USER);
}

static void modbus_flow_pairs_by_transaction_id(void)
{
    fixture x;
    fx_init(&x);
    uint8_t a[64], b[64], c[64];
    static const uint8_t r1[] = {0x01, 0x00, 0x00, 0x00, 0x08};
    static const uint8_t r2[] = {0x03, 0x00, 0x10, 0x00, 0x01};
    uint32_t na = mbap(a, 1, 5, r1, sizeof r1);
    uint32_t nb = mbap(b, 2, 5, r2, sizeof r2);
    /* two pipelined requests, the first cut across two segments */
    uint8_t both[128];
    memcpy(both, a, na);
    memcpy(both + na, b, nb);
    vg_app_on_stream(x.ctx, &x.f, NULL, true, both, 5);
    VG_CHECK_EQ(x.f.alproto, VG_ALPROTO_UNKNOWN);
    vg_app_on_stream(x.ctx, &x.f, NULL, true, both + 5, na + nb - 5);
    VG_CHECK_EQ(x.f.alproto, VG_ALPROTO_MODBUS);
    /* the answer to the second comes first */
    static const uint8_t s2[] = {0x03, 0x02, 0x00, 0x2a};
    static const uint8_t s1[] = {0x01, 0x01, 0x55};
    uint32_t nc = mbap(c, 2, 5, s2, sizeof s2);
    vg_app_on_stream(x.ctx, &x.f, NULL, false, c, nc);
    nc = mbap(c, 1, 5, s1, sizeof s1);
    vg_app_on_stream(x.ctx, &x.f, NULL, false, c, nc);
    /* and one nobody asked for */
    nc = mbap(c, 9, 5, s1, sizeof s1);
    vg_app_on_stream(x.ctx, &x.f, NULL, false, c, nc);
    int ntx = 0;
    for (vg_app_tx *t = vg_app_tx_first(&x.f); t; t = vg_app_tx_next(t), ntx++) {
        char *j = tx_json(&x.f, t);
        if (ntx == 0) {
            VG_CHECK(has(j, "\"modbus\":{\"id\":0,\"request\":{\"transaction_id\":1"));
            VG_CHECK(has(j, "\"read\":{\"address\":0,\"quantity\":8}"));
            VG_CHECK(has(j, "\"response\":{\"transaction_id\":1"));
            VG_CHECK(has(j, "\"read\":{\"data\":\"U\"}"));
        } else if (ntx == 1) {
            VG_CHECK(has(j, "\"request\":{\"transaction_id\":2"));
            VG_CHECK(has(j, "\"read\":{\"data\":\"\\\\x00*\"}"));
        } else {
            VG_CHECK(!strstr(j, "\"request\""));
            VG_CHECK(has(j, "\"response\":{\"transaction_id\":9"));
        }
        free(j);
    }
    VG_CHECK_EQ(ntx, 3);
    fx_free(&x);
}

static void modbus_recognition(void)
{
    uint8_t fr[64];
    static const uint8_t rq[] = {0x03, 0x00, 0x00, 0x00, 0x0a};
    uint32_t n = mbap(fr, 1, 1, rq, sizeof rq);
    VG_CHECK_EQ(vg_app_recognise(fr, n, true, false), VG_ALPROTO_MODBUS);
    VG_CHECK_EQ(vg_app_recognise(fr, 9, true, false), VG_ALPROTO_UNKNOWN);
    VG_CHECK_EQ(vg_app_recognise(fr, n, true, true), VG_ALPROTO_FAILED); /* not over UDP */
    fr[5] = 7; /* a read request must be 6 bytes long */
    VG_CHECK_EQ(vg_app_recognise(fr, n, true, false), VG_ALPROTO_UNKNOWN);
    fr[5] = 6;
    fr[2] = 1;
    VG_CHECK_EQ(vg_app_recognise(fr, n, true, false), VG_ALPROTO_FAILED);
}

static void *kw_ctx(const vg_keyword *kw, const char *arg, int *rc)
{
    vg_sig *s = calloc(1, sizeof(*s));
    char err[VG_ERRBUF_SIZE] = "";
    *rc = kw->setup(NULL, s, arg, err);
    void *ctx = NULL;
    vg_sm *sm = s->lists[VG_LIST_MATCH];
    if (*rc == VG_OK && sm) {
        ctx = sm->ctx;
        VG_CHECK(s->alproto != 0);
        free(sm);
    }
    free(s);
    return ctx;
}

static int mb(const char *arg, const vg_modbus_msg *m)
{
    int rc;
    void *c = kw_ctx(&vg_ics_kw_modbus, arg, &rc);
    if (rc != VG_OK) {
        fprintf(stderr, "  modbus: %s did not load\n", arg);
        return -1;
    }
    int r = vg_ics_modbus_match(c, m);
    free(c);
    return r;
}

static void modbus_keyword(void)
{
    uint8_t fr[64];
    vg_modbus_msg rd, wr, wm, dg;
    static const uint8_t p1[] = {0x02, 0x00, 0x32, 0x00, 0x0a}; /* read discretes 50..59 */
    VG_CHECK_EQ(vg_modbus_parse(fr, mbap(fr, 1, 3, p1, sizeof p1), true, &rd), VG_OK);
    static const uint8_t p2[] = {0x06, 0x01, 0xf4, 0x01, 0x2c}; /* holding 500 := 300 */
    VG_CHECK_EQ(vg_modbus_parse(fr, mbap(fr, 2, 9, p2, sizeof p2), true, &wr), VG_OK);
    static const uint8_t p3[] = {0x10, 0x00, 0x0a, 0x00, 0x02, 0x04, 0, 7, 0, 9};
    VG_CHECK_EQ(vg_modbus_parse(fr, mbap(fr, 3, 9, p3, sizeof p3), true, &wm), VG_OK);
    static const uint8_t p4[] = {0x08, 0x00, 0x04, 0x00, 0x00};
    VG_CHECK_EQ(vg_modbus_parse(fr, mbap(fr, 4, 9, p4, sizeof p4), true, &dg), VG_OK);

    VG_CHECK_EQ(mb("function 2", &rd), 1);
    VG_CHECK_EQ(mb("function 3", &rd), 0);
    VG_CHECK_EQ(mb("\"function 8, subfunction 4\"", &dg), 1);
    VG_CHECK_EQ(mb("function 8, subfunction 1", &dg), 0);
    VG_CHECK_EQ(mb("function assigned", &rd), 1);
    VG_CHECK_EQ(mb("function !assigned", &rd), 0);
    VG_CHECK_EQ(mb("function reserved", &rd), 0);
    VG_CHECK_EQ(mb("function WrSingleReg", &wr), 1);
    VG_CHECK_EQ(mb("access read", &rd), 1);
    VG_CHECK_EQ(mb("access write", &rd), 0);
    VG_CHECK_EQ(mb("access read discretes", &rd), 1);
    VG_CHECK_EQ(mb("access read coils", &rd), 0);
    VG_CHECK_EQ(mb("access read discretes, address 55", &rd), 1);  /* 50..59 holds 55 */
    VG_CHECK_EQ(mb("access read discretes, address 60", &rd), 0);
    VG_CHECK_EQ(mb("access read discretes, address <51", &rd), 1);
    VG_CHECK_EQ(mb("access read discretes, address <50", &rd), 0);
    VG_CHECK_EQ(mb("access read discretes, address >58", &rd), 1);
    VG_CHECK_EQ(mb("access read discretes, address >59", &rd), 0);
    VG_CHECK_EQ(mb("access write holding, address 500, value >200", &wr), 1);
    VG_CHECK_EQ(mb("access write holding, address 500, value <200", &wr), 0);
    VG_CHECK_EQ(mb("access write holding, address 500, value 300", &wr), 1);
    VG_CHECK_EQ(mb("access write holding, address 11, value 9", &wm), 1);
    VG_CHECK_EQ(mb("access write holding, address 11, value 7", &wm), 0);
    VG_CHECK_EQ(mb("unit 9", &wr), 1);
    VG_CHECK_EQ(mb("unit 3", &wr), 0);
    VG_CHECK_EQ(mb("unit 5<>10, function 6", &wr), 1);
    VG_CHECK_EQ(mb("unit >9, function 6", &wr), 0);
    VG_CHECK_EQ(mb("unit 3, access read discretes", &rd), 1);
    VG_CHECK_EQ(mb("function 2", NULL), 0);
    /* rules Suricata refuses */
    static const char *const bad[] = {
        "function 0", "function 256", "function bogus", "access write discretes",
        "access read holding, address 1, value 3", "access write holding, address 1<>5, value 3",
        "unit", "unit 70000", "access", "frobnicate 3", "function 3 junk",
    };
    for (size_t i = 0; i < VG_ARRAY_LEN(bad); i++) {
        int rc;
        void *c = kw_ctx(&vg_ics_kw_modbus, bad[i], &rc);
        if (rc == VG_OK)
            fprintf(stderr, "  modbus: %s loaded\n", bad[i]);
        VG_CHECK(rc != VG_OK);
        free(c);
    }
}

/* ---- DNP3 ---- */

static void dnp3_crc_and_link(void)
{
    /* a link reset: 05 64 05 C0 01 00 00 04 with CRC E9 21 */
    static const uint8_t h[] = {0x05, 0x64, 0x05, 0xc0, 0x01, 0x00, 0x00, 0x04};
    VG_CHECK_EQ(vg_dnp3_crc(h, 8), 0x21e9);
    uint8_t fr[300], user[256];
    uint8_t ud[40];
    for (int i = 0; i < 40; i++)
        ud[i] = (uint8_t)i;
    uint32_t n = d3_frame(fr, 0xc4, 10, 1, ud, 40);
    VG_CHECK_EQ(n, 10 + 40 + 2 * 3);
    vg_dnp3_link lh;
    uint32_t ulen, used;
    VG_CHECK_EQ(vg_dnp3_link_read(fr, n - 1, &lh, user, &ulen, &used), VG_DNP3_LINK_MORE);
    VG_CHECK_EQ(vg_dnp3_link_read(fr, n, &lh, user, &ulen, &used), VG_DNP3_LINK_OK);
    VG_CHECK(ulen == 40 && used == n && memcmp(user, ud, 40) == 0);
    VG_CHECK(lh.dst == 10 && lh.src == 1 && lh.ctl == 0xc4);
    fr[30] ^= 1; /* a data block's CRC no longer holds */
    VG_CHECK_EQ(vg_dnp3_link_read(fr, n, &lh, user, &ulen, &used), VG_DNP3_LINK_BAD_CRC);
    VG_CHECK_EQ(used, n);
    fr[3] ^= 1;
    VG_CHECK_EQ(vg_dnp3_link_read(fr, n, &lh, user, &ulen, &used), VG_DNP3_LINK_BAD_HDR);
    fr[1] = 0x65;
    VG_CHECK_EQ(vg_dnp3_link_read(fr, n, &lh, user, &ulen, &used), VG_DNP3_LINK_BAD_START);
}

static void dnp3_app_objects(void)
{
    vg_dnp3_msg m;
    /* read request: class 1,2,3 and 0 (g60 v2..v4, v1), qualifier 06 */
    static const uint8_t rq[] = {0xc3, 0x01, 60, 2, 0x06, 60, 3, 0x06, 60, 4, 0x06, 60, 1, 0x06};
    VG_CHECK_EQ(vg_dnp3_app_parse(rq, sizeof rq, true, &m), VG_OK);
    VG_CHECK(m.fc == 1 && !m.has_iin && m.complete && m.nobjs == 4);
    VG_CHECK(m.objs[3].group == 60 && m.objs[3].variation == 1 && m.objs[3].range_code == 6);
    vg_dnp3_msg_clear(&m);
    /* response: IIN device_restart + class_1_events; g1v2 points 0..2 (1 byte each),
     * g30v1 count 2 with 2-byte index prefix (qualifier 0x28: 5 + 2 bytes each),
     * g32v1 start/stop 2 bytes */
    static const uint8_t rs[] = {0xc3, 0x81, 0x82, 0x00,
                                 1, 2, 0x00, 0, 2, 0x01, 0x01, 0x81,
                                 30, 1, 0x28, 2, 0, 5, 0, 1, 1, 0, 0, 0, 6, 0, 1, 2, 0, 0, 0,
                                 32, 1, 0x01, 0, 0, 0, 0, 1, 9, 0, 0, 0};
    VG_CHECK_EQ(vg_dnp3_app_parse(rs, sizeof rs, false, &m), VG_OK);
    VG_CHECK(m.has_iin && m.iin == 0x0082);
    VG_CHECK_EQ(m.nobjs, 3);
    VG_CHECK(m.complete);
    VG_CHECK(m.objs[0].start == 0 && m.objs[0].stop == 2 && m.objs[0].count == 3);
    VG_CHECK(m.objs[1].group == 30 && m.objs[1].count == 2 && m.objs[1].prefix_code == 2);
    VG_CHECK(m.objs[2].group == 32 && m.objs[2].count == 1);
    vg_jb jb;
    vg_jb_init(&jb);
    vg_jb_open_obj(&jb, NULL);
    vg_dnp3_msg_eve(&m, &jb);
    vg_jb_close_obj(&jb);
    VG_CHECK(has(jb.buf, "\"type\":\"response\""));
    VG_CHECK(has(jb.buf, "\"iin\":{\"indicators\":[\"class_1_events\",\"device_restart\"]}"));
    VG_CHECK(has(jb.buf, "\"control\":{\"fir\":true,\"fin\":true,\"con\":false,\"uns\":false,"
                         "\"sequence\":3}"));
    VG_CHECK(has(jb.buf, "{\"group\":30,\"variation\":1,\"qualifier\":40,\"prefix_code\":2,"
                         "\"range_code\":8,\"start\":0,\"stop\":0,\"count\":2}"));
    VG_CHECK(has(jb.buf, "\"complete\":true"));
    vg_jb_free(&jb);
    vg_dnp3_msg_clear(&m);
    /* points cut short, an unknown group: incomplete, never a read past the end */
    VG_CHECK_EQ(vg_dnp3_app_parse(rs, 20, false, &m), VG_OK);
    VG_CHECK(!m.complete && (m.events & VG_DNP3_EV_MALFORMED));
    vg_dnp3_msg_clear(&m);
    static const uint8_t unk[] = {0xc0, 0x81, 0, 0, 99, 1, 0x00, 0, 3, 1, 2, 3, 4};
    VG_CHECK_EQ(vg_dnp3_app_parse(unk, sizeof unk, false, &m), VG_OK);
    VG_CHECK(!m.complete && (m.events & VG_DNP3_EV_UNKNOWN_OBJECT) && m.nobjs == 1);
    vg_dnp3_msg_clear(&m);
    VG_CHECK_EQ(vg_dnp3_app_parse(unk, 3, false, &m), VG_EINVAL); /* no room for IIN */
    vg_dnp3_msg_clear(&m);
    VG_CHECK_EQ(vg_dnp3_func_lookup("direct_operate"), 5);
    VG_CHECK_EQ(vg_dnp3_func_lookup("unsolicited_response"), 130);
    VG_CHECK_EQ(vg_dnp3_iin_lookup("need_time"), 4);
    VG_CHECK_EQ(vg_dnp3_iin_lookup("nope"), -1);
}

/* A DNP3 message app[0..n) as link frames of at most `seg` transport bytes. */
static uint32_t d3_stream(uint8_t *out, const uint8_t *app, uint32_t n, uint32_t seg,
                          uint8_t ctl, uint8_t tseq)
{
    uint32_t o = 0;
    for (uint32_t i = 0; i < n; i += seg) {
        uint32_t k = n - i < seg ? n - i : seg;
        uint8_t ud[251];
        ud[0] = (uint8_t)((i == 0 ? 0x40 : 0) | (i + k >= n ? 0x80 : 0) | (tseq++ & 0x3f));
        memcpy(ud + 1, app + i, k);
        o += d3_frame(out + o, ctl, 10, 1, ud, k + 1);
    }
    return o;
}

static void dnp3_flow_reassembly(void)
{
    fixture x;
    fx_init(&x);
    vg_ics_stats before, after;
    vg_ics_get_stats(&before);
    /* a direct operate request of 300 application bytes, in 3 transport
     * segments: g12v1 CROB, count 1 with 2-byte index... padded with g60 */
    uint8_t app[300];
    static const uint8_t head[] = {0xc1, 0x05, 12, 1, 0x28, 1, 0, 3, 0,
                                   0x41, 1, 0xe8, 3, 0, 0, 0xe8, 3, 0, 0, 0};
    memcpy(app, head, sizeof head);
    uint32_t n = sizeof head;
    while (n + 3 <= sizeof app) {
        app[n++] = 60;
        app[n++] = 1;
        app[n++] = 0x06;
    }
    uint8_t wire[1200];
    uint32_t w = d3_stream(wire, app, n, 120, 0xc4, 7);
    /* fed a byte at a time */
    for (uint32_t i = 0; i < w; i++)
        vg_app_on_stream(x.ctx, &x.f, NULL, true, wire + i, 1);
    VG_CHECK_EQ(x.f.alproto, VG_ALPROTO_DNP3);
    vg_app_tx *t = vg_app_tx_first(&x.f);
    VG_CHECK(t != NULL);
    if (t) {
        const vg_dnp3_msg *m = vg_ics_dnp3_msg(t);
        VG_CHECK(m && m->fc == 5 && m->data_len == n && memcmp(m->data, app, n) == 0);
        VG_CHECK(m && m->complete && m->nobjs == 1 + (n - sizeof head) / 3);
        const uint8_t *d;
        uint32_t dl;
        VG_CHECK_EQ(vg_app_get_buffer(&x.f, t, VG_ABUF_DNP3_DATA, 0, &d, &dl), VG_OK);
        VG_CHECK_EQ(dl, n);
        char *j = tx_json(&x.f, t);
        /* as an alert's metadata: under "request" */
        VG_CHECK(has(j, "\"dnp3\":{\"request\":{\"type\":\"request\",\"control\":{\"dir\":true,\"pri\":true,"
                        "\"fcb\":false,\"fcv\":false,\"function_code\":4},\"src\":1,\"dst\":10"));
        free(j);
        VG_CHECK(vg_app_tx_next(t) == NULL);
    }
    /* a response with a broken CRC in its only frame, then a good one */
    static const uint8_t rs[] = {0xc1, 0x81, 0x10, 0x00};
    uint32_t w2 = d3_stream(wire, rs, sizeof rs, 200, 0x44, 0);
    memcpy(wire + w2, wire, w2);
    wire[12] ^= 0xff;
    vg_app_on_stream(x.ctx, &x.f, NULL, false, wire, 2 * w2);
    int nresp = 0;
    for (vg_app_tx *a = vg_app_tx_first(&x.f); a; a = vg_app_tx_next(a)) {
        const vg_dnp3_msg *m = vg_ics_dnp3_msg(a);
        if (m && !m->request) {
            nresp++;
            VG_CHECK(m->iin == 0x10);
        }
    }
    VG_CHECK_EQ(nresp, 1);
    /* garbage between frames: resynchronised */
    static const uint8_t junk[] = {0x00, 0x05, 0x99, 0x01};
    vg_app_on_stream(x.ctx, &x.f, NULL, false, junk, sizeof junk);
    w2 = d3_stream(wire, rs, sizeof rs, 200, 0x44, 1);
    vg_app_on_stream(x.ctx, &x.f, NULL, false, wire, w2);
    nresp = 0;
    for (vg_app_tx *a = vg_app_tx_first(&x.f); a; a = vg_app_tx_next(a))
        nresp += vg_ics_dnp3_msg(a) && !vg_ics_dnp3_msg(a)->request;
    VG_CHECK_EQ(nresp, 2);
    vg_ics_get_stats(&after);
    VG_CHECK(after.dnp3_bad_transport_crc == before.dnp3_bad_transport_crc + 1);
    VG_CHECK(after.dnp3_bad_start > before.dnp3_bad_start);
    VG_CHECK(after.dnp3_msgs == before.dnp3_msgs + 3);
    fx_free(&x);
}

static void dnp3_message_cap(void)
{
    fixture x;
    fx_init(&x);
    vg_ics_stats before, after;
    vg_ics_get_stats(&before);
    /* FIR, then more than VG_DNP3_APP_MAX bytes of segments without FIN... */
    uint8_t ud[250], fr[300];
    memset(ud, 0, sizeof ud);
    ud[1] = 0xc0;
    ud[2] = 0x02;
    uint32_t segs = VG_DNP3_APP_MAX / 249 + 2;
    for (uint32_t i = 0; i < segs; i++) {
        ud[0] = (uint8_t)((i == 0 ? 0x40 : 0) | (i + 1 == segs ? 0x80 : 0) | (i & 0x3f));
        uint32_t n = d3_frame(fr, 0xc4, 10, 1, ud, sizeof ud);
        vg_app_on_stream(x.ctx, &x.f, NULL, true, fr, n);
    }
    vg_ics_get_stats(&after);
    VG_CHECK_EQ(after.dnp3_too_large, before.dnp3_too_large + 1);
    VG_CHECK(vg_app_tx_first(&x.f) == NULL); /* ...dropped, not kept */
    fx_free(&x);
}

static void dnp3_recognition(void)
{
    uint8_t fr[64];
    static const uint8_t ud[] = {0xc0, 0xc0, 0x01, 60, 1, 0x06};
    uint32_t n = d3_frame(fr, 0xc4, 10, 1, ud, sizeof ud);
    VG_CHECK_EQ(vg_app_recognise(fr, n, true, false), VG_ALPROTO_DNP3);
    VG_CHECK_EQ(vg_app_recognise(fr, 5, true, false), VG_ALPROTO_UNKNOWN);
    fr[8] ^= 1;
    VG_CHECK_EQ(vg_app_recognise(fr, n, true, false), VG_ALPROTO_FAILED);
}

static int d3kw(const vg_keyword *kw, const char *arg, const vg_dnp3_msg *m)
{
    int rc;
    void *c = kw_ctx(kw, arg, &rc);
    if (rc != VG_OK)
        return -1;
    /* a transaction carrying m, seen through a detection thread */
    vg_app_tx tx;
    memset(&tx, 0, sizeof tx);
    tx.alproto = VG_ALPROTO_DNP3;
    tx.data = (void *)m;
    vg_det_thread *dt = calloc(1, sizeof(*dt));
    dt->app_tx = &tx;
    vg_sm sm = {.kw = kw, .ctx = c};
    vg_match_ctx mc = {.dt = dt};
    int r = kw->match(&mc, &sm);
    free(dt);
    free(c);
    return r;
}

static void dnp3_keywords(void)
{
    vg_dnp3_msg rq, rs;
    static const uint8_t a[] = {0xc3, 0x02, 80, 1, 0x00, 7, 7, 0x00};
    static const uint8_t b[] = {0xc3, 0x81, 0x80, 0x01, 60, 1, 0x06};
    VG_CHECK_EQ(vg_dnp3_app_parse(a, sizeof a, true, &rq), VG_OK);
    VG_CHECK_EQ(vg_dnp3_app_parse(b, sizeof b, false, &rs), VG_OK);
    VG_CHECK_EQ(d3kw(&vg_ics_kw_dnp3_func, "2", &rq), 1);
    VG_CHECK_EQ(d3kw(&vg_ics_kw_dnp3_func, "write", &rq), 1);
    VG_CHECK_EQ(d3kw(&vg_ics_kw_dnp3_func, "read", &rq), 0);
    VG_CHECK_EQ(d3kw(&vg_ics_kw_dnp3_func, "response", &rs), 1);
    VG_CHECK_EQ(d3kw(&vg_ics_kw_dnp3_func, "nosuch", &rs), -1);
    VG_CHECK_EQ(d3kw(&vg_ics_kw_dnp3_obj, "80,1", &rq), 1);
    VG_CHECK_EQ(d3kw(&vg_ics_kw_dnp3_obj, "80, 2", &rq), 0);
    VG_CHECK_EQ(d3kw(&vg_ics_kw_dnp3_obj, "80", &rq), -1);
    VG_CHECK_EQ(d3kw(&vg_ics_kw_dnp3_ind, "device_restart", &rs), 1);
    VG_CHECK_EQ(d3kw(&vg_ics_kw_dnp3_ind, "need_time,no_func_code_support", &rs), 1);
    VG_CHECK_EQ(d3kw(&vg_ics_kw_dnp3_ind, "need_time", &rs), 0);
    VG_CHECK_EQ(d3kw(&vg_ics_kw_dnp3_ind, "device_restart", &rq), 0); /* no IIN in requests */
    VG_CHECK_EQ(d3kw(&vg_ics_kw_dnp3_ind, "device_restart,bogus", &rs), -1);
    VG_CHECK_EQ(vg_ics_match_dir(&vg_ics_kw_modbus), 0);
    VG_CHECK_EQ(vg_ics_match_dir(&vg_ics_kw_dnp3_ind), 2);
    VG_CHECK(vg_keyword_find("dnp3_data") == &vg_ics_kw_dnp3_data);
    VG_CHECK(vg_keyword_find("modbus") == &vg_ics_kw_modbus);
    vg_dnp3_msg_clear(&rq);
    vg_dnp3_msg_clear(&rs);
}

static const vg_test tests[] = {
    {"modbus_read_request_and_response", modbus_read_request_and_response},
    {"modbus_framing_rejects", modbus_framing_rejects},
    {"modbus_writes_and_exception", modbus_writes_and_exception},
    {"modbus_flow_pairs_by_transaction_id", modbus_flow_pairs_by_transaction_id},
    {"modbus_recognition", modbus_recognition},
    {"modbus_keyword", modbus_keyword},
    {"dnp3_crc_and_link", dnp3_crc_and_link},
    {"dnp3_app_objects", dnp3_app_objects},
    {"dnp3_flow_reassembly", dnp3_flow_reassembly},
    {"dnp3_message_cap", dnp3_message_cap},
    {"dnp3_recognition", dnp3_recognition},
    {"dnp3_keywords", dnp3_keywords},
    {NULL, NULL},
};

VG_TEST_MAIN(tests)
