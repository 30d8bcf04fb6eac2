/* fuzz_ics.c: the industrial protocol parsers on any bytes.  The first
 * byte picks the target: 0 one Modbus frame, 1 one DNP3 application
 * message, 2 a Modbus/TCP flow, 3 a DNP3 flow (link frames, transport
 * reassembly); in the flows each chunk's size and direction come from the
 * input.  Parsers stay in bounds, EVE records are whole JSON objects, the
 * flow state is freed. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "net/app/app.h"
#include "net/app/app_int.h"
#include "net/app/app_keywords.h"
#include "net/app/ics.h"

static void check_json(vg_jb *jb)
{
    if (vg_jb_ok(jb) && (jb->len < 2 || jb->buf[0] != '{' || jb->buf[jb->len - 1] != '}'))
        abort();
}

static void one_modbus(const uint8_t *d, uint32_t n)
{
    vg_modbus_msg m;
    for (int req = 0; req < 2; req++) {
        if (vg_modbus_parse(d, n, req, &m) != VG_OK)
            continue;
        if (m.data_off + (uint32_t)m.data_len > m.pdu_len + 1u)
            abort();
        uint16_t v;
        (void)vg_modbus_write_value(&m, m.wr_addr, &v);
        (void)vg_modbus_write_value(&m, (uint16_t)(m.wr_addr + m.wr_qty - 1), &v);
        vg_jb jb;
        vg_jb_init(&jb);
        vg_jb_open_obj(&jb, NULL);
        vg_modbus_msg_eve(&m, &jb);
        vg_jb_close_obj(&jb);
        check_json(&jb);
        vg_jb_free(&jb);
    }
}

static void one_dnp3(const uint8_t *d, uint32_t n)
{
    for (int req = 0; req < 2; req++) {
        vg_dnp3_msg m;
        if (vg_dnp3_app_parse(d, n, req, &m) == VG_OK) {
            if (m.nobjs > VG_DNP3_MAX_OBJS || m.data_len != n)
                abort();
            vg_jb jb;
            vg_jb_init(&jb);
            vg_jb_open_obj(&jb, NULL);
            vg_dnp3_msg_eve(&m, &jb);
            vg_jb_close_obj(&jb);
            check_json(&jb);
            vg_jb_free(&jb);
        }
        vg_dnp3_msg_clear(&m);
    }
}

static void flow(const uint8_t *d, uint32_t n, const app_parser *ps)
{
    vg_app_ctx *ctx;
    char err[VG_ERRBUF_SIZE];
    if (vg_app_ctx_new(&ctx, NULL, err) != VG_OK)
        return;
    vg_flow f;
    memset(&f, 0, sizeof f);
    f.proto = 6;
    /* the flow's protocol is decided: the parser gets every byte */
    app_flow *af = calloc(1, sizeof(*af));
    if (!af) {
        vg_app_ctx_free(ctx);
        return;
    }
    af->flow = &f;
    f.app_state = af;
    f.alproto = ps->alproto;
    af->parser = ps;
    af->pstate = ps->state_new(ctx, af);
    if (!af->pstate)
        af->parser = NULL;
    /* chunks: a control byte (bit 7 direction, low bits size), then data */
    while (n) {
        uint8_t c = d[0];
        d++;
        n--;
        uint32_t k = (c & 0x7f) * 4u + 1;
        if (k > n)
            k = n;
        if (k)
            vg_app_on_stream(ctx, &f, NULL, !(c & 0x80), d, k);
        d += k;
        n -= k;
    }
    for (vg_app_tx *tx = vg_app_tx_first(&f); tx; tx = vg_app_tx_next(tx)) {
        vg_jb jb;
        vg_jb_init(&jb);
        vg_jb_open_obj(&jb, NULL);
        vg_app_tx_eve(&f, tx, &jb);
        vg_jb_close_obj(&jb);
        check_json(&jb);
        vg_jb_free(&jb);
        const uint8_t *b;
        uint32_t bl;
        if (vg_app_get_buffer(&f, tx, VG_ABUF_DNP3_DATA, 0, &b, &bl) == VG_OK &&
            bl > VG_DNP3_APP_MAX)
            abort();
    }
    vg_app_flow_end(ctx, &f);
    vg_app_ctx_free(ctx);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > (1u << 20))
        return 0;
    uint32_t n = (uint32_t)size - 1;
    const uint8_t *d = data + 1;
    switch (data[0] & 3) {
    case 0: one_modbus(d, n); break;
    case 1: one_dnp3(d, n); break;
    case 2: flow(d, n, &vg_ics_parser_modbus); break;
    default: flow(d, n, &vg_ics_parser_dnp3); break;
    }
    return 0;
}
