/*
 * ics_modbus.c: Modbus/TCP (see ics.h): the MBAP framing, the request and
 * response PDUs of the public function codes, the EVE `modbus` record and
 * the flow parser that pairs a response with the oldest unanswered
 * request of the same transaction id.
 *
 * Names in EVE (function_code, access_type, category, error_flags,
 * exception and diagnostic codes) are the ones Suricata 8 writes.
 */
#include <stdlib.h>
#include <string.h>

#include "core/conf.h"
#include "net/app/app_int.h"
#include "net/app/ics.h"
#include "net/engine/output.h"

/* ---- counters ---- */

static vg_ics_stats g_stats;

#define ICS_COUNT(field) __atomic_add_fetch(&g_stats.field, 1, __ATOMIC_RELAXED)
void vg_ics_count_dnp3(size_t off);
void vg_ics_count_dnp3(size_t off)
{
    uint64_t *p = (uint64_t *)((char *)&g_stats + off);
    __atomic_add_fetch(p, 1, __ATOMIC_RELAXED);
}

void vg_ics_get_stats(vg_ics_stats *out)
{
    uint64_t *o = (uint64_t *)out;
    const uint64_t *s = (const uint64_t *)&g_stats;
    for (size_t i = 0; i < sizeof(*out) / sizeof(uint64_t); i++)
        o[i] = __atomic_load_n(&s[i], __ATOMIC_RELAXED);
}

/* ---- anomaly records ---- */

/* An EVE anomaly record {"anomaly": {"app_proto", "type": "applayer",
 * "event", "layer": "proto_parser"}} on the packet being processed, to
 * the eve-log outputs that log anomalies with types.applayer on (the
 * default).  *budget caps the records per flow (a stream of garbage
 * makes a few records, the counters count the rest). */
void vg_ics_anomaly(vg_app_ctx *ctx, const char *proto, const char *event, uint32_t *budget);
void vg_ics_anomaly(vg_app_ctx *ctx, const char *proto, const char *event, uint32_t *budget)
{
    enum { KIND = 5, PER_FLOW = 16 };
    if (!ctx || !ctx->cur_p || !ctx->neves[KIND] || *budget >= PER_FLOW)
        return;
    (*budget)++;
    for (int i = 0; i < ctx->neves[KIND]; i++) {
        const vg_conf_node *set = ctx->eves[KIND][i].settings;
        const vg_conf_node *n = set ? vg_conf_node_child(set, "types.applayer") : NULL;
        bool on = true;
        if (n && n->value && vg_conf_parse_bool(n->value, &on) == VG_OK && !on)
            continue;
        vg_jb *jb = &ctx->jb;
        vg_eve_packet_header(jb, ctx->cur_p, "anomaly", NULL);
        vg_jb_open_obj(jb, "anomaly");
        vg_jb_str(jb, "app_proto", proto);
        vg_jb_str(jb, "type", "applayer");
        vg_jb_str(jb, "event", event);
        vg_jb_str(jb, "layer", "proto_parser");
        vg_jb_close_obj(jb);
        vg_jb_close_obj(jb);
        (void)vg_eve_write(ctx->eves[KIND][i].eve, jb);
    }
}

/* ---- names ---- */

static const char *const func_names[] = {
    NULL, "RdCoils", "RdDiscreteInputs", "RdHoldRegs", "RdInputRegs", "WrSingleCoil",
    "WrSingleReg", "RdExcStatus", "Diagnostic", "Program484", "Poll484", "GetCommEventCtr",
    "GetCommEventLog", "ProgramController", "PollController", "WrMultCoils", "WrMultRegs",
    "ReportServerID", "Program884", "ResetCommLink", "RdFileRec", "WrFileRec", "MaskWrReg",
    "RdWrMultRegs", "RdFIFOQueue",
};

const char *vg_modbus_func_name(uint8_t f)
{
    if (f && f < VG_ARRAY_LEN(func_names))
        return func_names[f];
    return f == 43 ? "MEI" : "Unknown";
}

const char *vg_modbus_exc_name(uint8_t c)
{
    static const char *const n[] = {
        NULL, "IllegalFunction", "IllegalDataAddr", "IllegalDataValue", "ServerDeviceFail",
        "Ack", "ServerDeviceBusy", "NegAck", "MemParityErr", NULL, "GatewayPathUnavailable",
        "GatewayTargetFailToResp",
    };
    return c < VG_ARRAY_LEN(n) && n[c] ? n[c] : "Unknown";
}

static const char *diag_name(uint16_t s)
{
    static const char *const n[] = {
        "RetQueryData", "RestartCommOpt", "RetDiagReg", "ChangeInputDelimiter",
        "ForceListenOnlyMode", NULL, NULL, NULL, NULL, NULL, "ClearCtrDiagReg",
        "RetBusMsgCount", "RetBusCommErrCount", "RetBusExcErrCount", "RetServerMsgCount",
        "RetServerNoRespCount", "RetServerNAKCount", "RetServerBusyCount",
        "RetBusCharOverrunCount", "RetOverrunErrCount", "ClearOverrunCounterFlag",
        "GetClearPlusStats",
    };
    return s < VG_ARRAY_LEN(n) && n[s] ? n[s] : "Reserved";
}

static const char *mei_name(uint16_t t)
{
    return t == 13 ? "CANOpenGenRefReqResp" : t == 14 ? "RdDevId" : "Unknown";
}

static uint8_t category_of_code(uint8_t f)
{
    if (f == 0 || f >= 128)
        return 0;
    if ((f >= 1 && f <= 24) || f == 43)
        return VG_MB_CAT_ASSIGNED;
    if (f < 9)
        return VG_MB_CAT_UNASSIGNED;
    if (f < 15 || (f >= 41 && f < 43) || (f >= 90 && f < 92) || f >= 125)
        return VG_MB_CAT_RESERVED;
    if ((f >= 65 && f < 73) || (f >= 100 && f < 111))
        return VG_MB_CAT_USER;
    return VG_MB_CAT_UNASSIGNED;
}

static uint8_t access_of(uint8_t f)
{
    switch (f) {
    case 1: return VG_MB_COILS | VG_MB_READ;
    case 2: return VG_MB_DISCRETES | VG_MB_READ;
    case 3: return VG_MB_HOLDING | VG_MB_READ;
    case 4: return VG_MB_INPUT | VG_MB_READ;
    case 5: return VG_MB_COILS | VG_MB_WRITE | VG_MB_SINGLE;
    case 6: return VG_MB_HOLDING | VG_MB_WRITE | VG_MB_SINGLE;
    case 15: return VG_MB_COILS | VG_MB_WRITE | VG_MB_MULTIPLE;
    case 16: return VG_MB_HOLDING | VG_MB_WRITE | VG_MB_MULTIPLE;
    case 22: return VG_MB_HOLDING | VG_MB_WRITE;
    case 23: return VG_MB_HOLDING | VG_MB_READ | VG_MB_WRITE | VG_MB_MULTIPLE;
    default: return 0;
    }
}

/* ---- framing and PDUs ---- */

static uint16_t be16(const uint8_t *p)
{
    return (uint16_t)((p[0] << 8) | p[1]);
}

int vg_modbus_frame_len(const uint8_t *d, uint32_t n)
{
    if (n < 7)
        return 0;
    uint16_t pid = be16(d + 2), len = be16(d + 4);
    if (pid != 0 || len < 2 || len > 254)
        return VG_EINVAL;
    return 6 + len;
}

int vg_modbus_parse(const uint8_t *d, uint32_t n, bool request, vg_modbus_msg *m)
{
    int fl = vg_modbus_frame_len(d, n);
    if (fl <= 0 || (uint32_t)fl != n)
        return VG_EINVAL;
    memset(m, 0, offsetof(vg_modbus_msg, pdu));
    m->tid = be16(d);
    m->pid = be16(d + 2);
    m->len = be16(d + 4);
    m->unit = d[6];
    m->pdu_len = (uint16_t)(n - 7);
    memcpy(m->pdu, d + 7, m->pdu_len);
    const uint8_t *p = m->pdu + 1;
    uint32_t pl = m->pdu_len - 1u; /* bytes after the function code */
    m->func_raw = m->pdu[0];
    m->func = m->func_raw & 0x7f;
    m->access = access_of(m->func);
    m->category = category_of_code(m->func);
    m->data_off = 1;
    m->data_len = (uint16_t)pl;
    if (m->func == 0)
        m->errflags |= VG_MB_ERR_DATA_VALUE;
    if (!request && (m->func_raw & 0x80)) {
        m->exception = true;
        if (pl != 1) {
            m->errflags |= VG_MB_ERR_DATA_LENGTH;
            return VG_OK;
        }
        m->exc_code = p[0];
        if (m->exc_code == 0 || m->exc_code == 9 || m->exc_code > 11)
            m->errflags |= VG_MB_ERR_EXC_CODE;
        m->data_len = 0;
        return VG_OK;
    }
#define NEED(k) do { if (pl < (k)) { m->errflags |= VG_MB_ERR_DATA_LENGTH; return VG_OK; } } while (0)
#define EXACT(k) do { if (pl != (k)) m->errflags |= VG_MB_ERR_DATA_LENGTH; } while (0)
    switch (m->func) {
    case 1: case 2: case 3: case 4:
        if (request) {
            NEED(4);
            EXACT(4);
            m->has_read = true;
            m->rd_addr = be16(p);
            m->rd_qty = be16(p + 2);
            uint16_t max = m->func <= 2 ? 2000 : 125;
            if (m->rd_qty == 0 || m->rd_qty > max)
                m->errflags |= VG_MB_ERR_DATA_VALUE;
            m->data_len = 0;
        } else {
            NEED(1);
            if (p[0] + 1u != pl)
                m->errflags |= VG_MB_ERR_DATA_LENGTH;
            m->data_off = 2;
            m->data_len = (uint16_t)(pl - 1);
        }
        break;
    case 5: case 6:
        NEED(4);
        EXACT(4);
        m->has_write = true;
        m->wr_kind = 1;
        m->wr_addr = be16(p);
        m->wr_value = be16(p + 2);
        m->wr_qty = 1;
        if (m->func == 5 && m->wr_value != 0 && m->wr_value != 0xff00)
            m->errflags |= VG_MB_ERR_DATA_VALUE;
        m->data_len = 0;
        break;
    case 15: case 16:
        NEED(4);
        m->has_write = true;
        m->wr_addr = be16(p);
        m->wr_qty = be16(p + 2);
        if (!request) {
            /* the response echoes address and quantity */
            EXACT(4);
            m->wr_kind = 1;
            m->wr_value = m->wr_qty;
            m->data_len = 0;
            break;
        }
        NEED(5);
        m->wr_kind = 2;
        {
            uint32_t bytes = m->func == 15 ? (m->wr_qty + 7u) / 8u : 2u * m->wr_qty;
            if (p[4] != bytes || pl != 5u + p[4])
                m->errflags |= VG_MB_ERR_DATA_LENGTH;
            uint16_t max = m->func == 15 ? 1968 : 123;
            if (m->wr_qty == 0 || m->wr_qty > max)
                m->errflags |= VG_MB_ERR_DATA_VALUE;
        }
        m->data_off = 6;
        m->data_len = (uint16_t)(pl - 5);
        break;
    case 22:
        NEED(6);
        EXACT(6);
        m->has_write = true;
        m->wr_kind = 3;
        m->wr_addr = be16(p);
        m->and_mask = be16(p + 2);
        m->or_mask = be16(p + 4);
        m->data_len = 0;
        break;
    case 23:
        if (!request) {
            NEED(1);
            if (p[0] + 1u != pl)
                m->errflags |= VG_MB_ERR_DATA_LENGTH;
            m->data_off = 2;
            m->data_len = (uint16_t)(pl - 1);
            break;
        }
        NEED(9);
        m->has_read = true;
        m->rd_addr = be16(p);
        m->rd_qty = be16(p + 2);
        m->has_write = true;
        m->wr_kind = 2;
        m->wr_addr = be16(p + 4);
        m->wr_qty = be16(p + 6);
        if (p[8] != 2u * m->wr_qty || pl != 9u + p[8])
            m->errflags |= VG_MB_ERR_DATA_LENGTH;
        m->data_off = 10;
        m->data_len = (uint16_t)(pl - 9);
        break;
    case 8:
        NEED(2);
        m->has_sub = true;
        m->sub = be16(p);
        m->data_off = 3;
        m->data_len = (uint16_t)(pl - 2);
        m->category = (m->sub <= 4 || (m->sub >= 10 && m->sub <= 21)) ? VG_MB_CAT_ASSIGNED
                                                                          : VG_MB_CAT_RESERVED;
        break;
    case 43:
        NEED(1);
        m->has_sub = true;
        m->sub = p[0];
        m->data_off = 2;
        m->data_len = (uint16_t)(pl - 1);
        m->category = (m->sub == 13 || m->sub == 14) ? VG_MB_CAT_ASSIGNED : VG_MB_CAT_RESERVED;
        break;
    default:
        break;
    }
#undef NEED
#undef EXACT
    return VG_OK;
}

int vg_modbus_write_value(const vg_modbus_msg *m, uint16_t a, uint16_t *v)
{
    if (!m->has_write)
        return VG_DECLINED;
    if (m->wr_kind == 1) {
        if (a != m->wr_addr)
            return VG_DECLINED;
        *v = m->wr_value;
        return VG_OK;
    }
    if (m->wr_kind != 2 || a < m->wr_addr || (uint32_t)a - m->wr_addr >= m->wr_qty)
        return VG_DECLINED;
    uint32_t i = (uint32_t)a - m->wr_addr;
    const uint8_t *data = m->pdu + m->data_off;
    if (m->func == 15) {
        if (i / 8 >= m->data_len)
            return VG_DECLINED;
        *v = (data[i / 8] >> (i % 8)) & 1;
        return VG_OK;
    }
    if (2 * i + 1 >= m->data_len)
        return VG_DECLINED;
    *v = be16(data + 2 * i);
    return VG_OK;
}

/* ---- EVE ---- */

static void flags_str(char *out, size_t cap, uint8_t bits, const char *const *names, int n)
{
    size_t o = 0;
    out[0] = 0;
    for (int i = 0; i < n; i++) {
        if (!(bits & (1u << i)))
            continue;
        int w = snprintf(out + o, cap - o, "%s%s", o ? " | " : "", names[i]);
        if (w < 0 || (size_t)w >= cap - o)
            break;
        o += (size_t)w;
    }
    if (!o)
        snprintf(out, cap, "NONE");
}

static void access_str(char *out, size_t cap, uint8_t a)
{
    static const char *const n[] = {"READ", "WRITE", "DISCRETES", "COILS", "INPUT", "HOLDING",
                                    "SINGLE", "MULTIPLE"};
    flags_str(out, cap, a, n, 8);
    /* composite names are listed after the plain ones, as bitflags does */
    size_t o = strlen(out);
    if ((a & (VG_MB_WRITE | VG_MB_SINGLE)) == (VG_MB_WRITE | VG_MB_SINGLE))
        o += (size_t)snprintf(out + o, cap - o, " | WRITE_SINGLE");
    if ((a & (VG_MB_WRITE | VG_MB_MULTIPLE)) == (VG_MB_WRITE | VG_MB_MULTIPLE) && o < cap)
        snprintf(out + o, cap - o, " | WRITE_MULTIPLE");
}

/* Bytes as Suricata writes them from raw data: printable ASCII as is,
 * other bytes as \xNN. */
static void bytes_str(vg_jb *jb, const char *key, const uint8_t *d, uint32_t n)
{
    char buf[4 * VG_MODBUS_FRAME_MAX + 1];
    size_t o = 0;
    for (uint32_t i = 0; i < n && o + 5 < sizeof buf; i++) {
        if (d[i] >= 0x20 && d[i] < 0x7f)
            buf[o++] = (char)d[i];
        else
            o += (size_t)snprintf(buf + o, sizeof buf - o, "\\x%02x", d[i]);
    }
    vg_jb_strn(jb, key, buf, o);
}

void vg_modbus_msg_eve(const vg_modbus_msg *m, vg_jb *jb)
{
    static const char *const cats[] = {"PUBLIC_ASSIGNED", "PUBLIC_UNASSIGNED", "USER_DEFINED",
                                       "RESERVED"};
    static const char *const errs[] = {"DATA_VALUE", "DATA_LENGTH", "EXC_CODE"};
    char b[128];
    vg_jb_u64(jb, "transaction_id", m->tid);
    vg_jb_u64(jb, "protocol_id", m->pid);
    vg_jb_u64(jb, "unit_id", m->unit);
    vg_jb_u64(jb, "function_raw", m->func_raw);
    vg_jb_str(jb, "function_code", vg_modbus_func_name(m->func));
    access_str(b, sizeof b, m->access);
    vg_jb_str(jb, "access_type", b);
    flags_str(b, sizeof b, m->category, cats, 4);
    vg_jb_str(jb, "category", b);
    flags_str(b, sizeof b, m->errflags, errs, 3);
    vg_jb_str(jb, "error_flags", b);
    const uint8_t *data = m->pdu + m->data_off;
    uint32_t dl = m->data_off + (uint32_t)m->data_len <= m->pdu_len ? m->data_len : 0;
    if (m->exception) {
        if (m->errflags & VG_MB_ERR_DATA_LENGTH && m->pdu_len != 2)
            return;
        vg_jb_open_obj(jb, "exception");
        vg_jb_u64(jb, "raw", m->exc_code);
        vg_jb_str(jb, "code", vg_modbus_exc_name(m->exc_code));
        vg_jb_close_obj(jb);
        return;
    }
    if (m->has_sub) {
        vg_jb_open_obj(jb, m->func == 8 ? "diagnostic" : "mei");
        vg_jb_u64(jb, "raw", m->sub);
        vg_jb_str(jb, "code", m->func == 8 ? diag_name(m->sub) : mei_name(m->sub));
        bytes_str(jb, "data", data, dl);
        vg_jb_close_obj(jb);
        return;
    }
    if (m->has_read) {
        vg_jb_open_obj(jb, "read");
        vg_jb_u64(jb, "address", m->rd_addr);
        vg_jb_u64(jb, "quantity", m->rd_qty);
        vg_jb_close_obj(jb);
    } else if ((m->access & VG_MB_READ) && !m->has_write) {
        vg_jb_open_obj(jb, "read");
        bytes_str(jb, "data", data, dl);
        vg_jb_close_obj(jb);
        return;
    }
    if (m->has_write) {
        vg_jb_open_obj(jb, "write");
        vg_jb_u64(jb, "address", m->wr_addr);
        if (m->wr_kind == 1)
            vg_jb_u64(jb, "data", m->wr_value);
        vg_jb_close_obj(jb);
        return;
    }
    if (!m->has_read && dl)
        bytes_str(jb, "data", data, dl);
}

/* ---- recognition ---- */

int vg_ics_detect_modbus(const uint8_t *d, uint32_t n, bool toserver, bool udp);
int vg_ics_detect_modbus(const uint8_t *d, uint32_t n, bool toserver, bool udp)
{
    if (udp || n == 0)
        return APP_DETECT_NO;
    /* the header's fixed parts first, so other protocols are let go early */
    if (n >= 4 && (d[2] != 0 || d[3] != 0))
        return APP_DETECT_NO;
    if (n >= 6) {
        uint16_t len = be16(d + 4);
        if (len < 2 || len > 254)
            return APP_DETECT_NO;
        if (n < 6u + len)
            return n < VG_MODBUS_FRAME_MAX ? APP_DETECT_MORE : APP_DETECT_NO;
        /* one whole frame: its function code and layout must agree */
        uint8_t f = d[7];
        if (f == 0 || (toserver && (f & 0x80)))
            return APP_DETECT_NO;
        if ((f & 0x80) && len != 3)
            return APP_DETECT_NO;
        if (toserver && f >= 1 && f <= 6 && len != 6)
            return APP_DETECT_NO;
        if (!toserver && f >= 1 && f <= 4 && len != 3u + d[8])
            return APP_DETECT_NO;
        /* what follows must begin another frame (or nothing) */
        uint32_t o = 6u + len;
        if (n > o && n - o >= 4 && (d[o + 2] != 0 || d[o + 3] != 0))
            return APP_DETECT_NO;
        return APP_DETECT_YES;
    }
    return APP_DETECT_MORE;
}

/* ---- flow parser ---- */

typedef struct mb_tx {
    bool has_req, has_res;
    uint8_t events;             /* MB_EV_* */
    vg_modbus_msg req, res;
} mb_tx;

enum { MB_EV_UNSOLICITED = 1, MB_EV_FLOODED = 2, MB_EV_MALFORMED = 4 };

typedef struct mb_state {
    uint8_t buf[2][VG_MODBUS_FRAME_MAX];
    uint32_t len[2];
    bool broken[2];
    uint32_t unanswered;
    uint32_t anomalies;         /* anomaly records written for the flow */
} mb_state;

const vg_modbus_msg *vg_ics_modbus_req(const vg_app_tx *tx)
{
    if (!tx || tx->alproto != VG_ALPROTO_MODBUS || !tx->data)
        return NULL;
    const mb_tx *t = tx->data;
    return t->has_req ? &t->req : NULL;
}

uint32_t vg_ics_modbus_events(const vg_app_tx *tx)
{
    if (!tx || tx->alproto != VG_ALPROTO_MODBUS || !tx->data)
        return 0;
    const mb_tx *t = tx->data;
    uint32_t ev = 0;
    if (t->events & MB_EV_UNSOLICITED)
        ev |= VG_MB_EV_UNSOLICITED_RESPONSE;
    if (t->events & MB_EV_FLOODED)
        ev |= VG_MB_EV_FLOODED;
    for (int side = 0; side < 2; side++) {
        const vg_modbus_msg *m = side ? &t->res : &t->req;
        if (!(side ? t->has_res : t->has_req))
            continue;
        if (m->errflags & VG_MB_ERR_DATA_LENGTH)
            ev |= VG_MB_EV_INVALID_LENGTH;
        if (m->category == 0)
            ev |= VG_MB_EV_INVALID_FUNCTION_CODE;
        else if (m->errflags & VG_MB_ERR_DATA_VALUE)
            ev |= VG_MB_EV_INVALID_VALUE;
        if (m->errflags & VG_MB_ERR_EXC_CODE)
            ev |= VG_MB_EV_INVALID_EXCEPTION_CODE;
    }
    return ev;
}

static bool conf_enabled(const vg_app_ctx *ctx, const char *key)
{
    /* Suricata's default leaves the ICS parsers off; a NULL conf (tests,
     * fuzzing) turns them on */
    return !ctx || !ctx->conf || vg_conf_get_bool(ctx->conf, key, false);
}

static void *mb_state_new(vg_app_ctx *ctx, app_flow *af)
{
    if (!conf_enabled(ctx, "app-layer.protocols.modbus.enabled")) {
        af->flow->alproto = VG_ALPROTO_FAILED; /* disabled: as if unrecognised */
        return NULL;
    }
    return calloc(1, sizeof(mb_state));
}

static void mb_tx_free(void *p)
{
    free(p);
}

static void on_frame(vg_app_ctx *ctx, app_flow *af, mb_state *s, bool toserver,
                     const uint8_t *d, uint32_t n)
{
    mb_tx *t = calloc(1, sizeof(*t));
    if (!t)
        return;
    vg_modbus_msg *m = toserver ? &t->req : &t->res;
    if (vg_modbus_parse(d, n, toserver, m) != VG_OK) {
        free(t);
        return;
    }
    ICS_COUNT(modbus_msgs);
    if (m->errflags)
        t->events |= MB_EV_MALFORMED;
    if (m->errflags & VG_MB_ERR_DATA_LENGTH) {
        ICS_COUNT(modbus_bad_len);
        vg_ics_anomaly(ctx, "modbus", "invalid_length", &s->anomalies);
    }
    if (m->category == 0) {
        ICS_COUNT(modbus_bad_func);
        vg_ics_anomaly(ctx, "modbus", "invalid_function_code", &s->anomalies);
    } else if (m->errflags & VG_MB_ERR_DATA_VALUE) {
        vg_ics_anomaly(ctx, "modbus", "invalid_value", &s->anomalies);
    }
    if (m->errflags & VG_MB_ERR_EXC_CODE)
        vg_ics_anomaly(ctx, "modbus", "invalid_exception_code", &s->anomalies);
    if (m->exception)
        ICS_COUNT(modbus_exceptions);
    if (!toserver) {
        /* the oldest unanswered request of this transaction id */
        for (vg_app_tx *a = af->head; a; a = a->next) {
            mb_tx *q = a->data;
            if (!q || !q->has_req || q->has_res || q->req.tid != m->tid)
                continue;
            q->res = *m;
            q->has_res = true;
            q->events |= t->events;
            a->progress |= TX_RES_HDRS | TX_RES_DONE | TX_LOG_NOW;
            if (s->unanswered)
                s->unanswered--;
            free(t);
            return;
        }
        t->has_res = true;
        t->events |= MB_EV_UNSOLICITED;
        ICS_COUNT(modbus_unsolicited);
        vg_ics_anomaly(ctx, "modbus", "unsolicited_response", &s->anomalies);
    } else {
        t->has_req = true;
        if (++s->unanswered > VG_MODBUS_FLOOD) {
            t->events |= MB_EV_FLOODED;
            ICS_COUNT(modbus_flooded);
            vg_ics_anomaly(ctx, "modbus", "flooded", &s->anomalies);
        }
    }
    vg_app_tx *a = vg_app_tx_new(ctx, af, t);
    if (!a) {
        free(t);
        return;
    }
    a->progress = toserver ? TX_REQ_HDRS | TX_REQ_DONE | TX_REQ_LINE
                           : TX_RES_HDRS | TX_RES_DONE | TX_LOG_NOW;
}

static void mb_parse(vg_app_ctx *ctx, app_flow *af, bool toserver, const uint8_t *d, uint32_t n,
                     const struct timeval *ts)
{
    (void)ts;
    mb_state *s = af->pstate;
    int di = toserver ? 0 : 1;
    uint8_t *b = s->buf[di];
    while (n && !s->broken[di]) {
        /* the header (7 bytes) first, then the rest of the frame */
        uint32_t want = 7;
        if (s->len[di] >= 7) {
            int fl = vg_modbus_frame_len(b, s->len[di]);
            if (fl < 0) {
                s->broken[di] = true;
                if (be16(b + 2) != 0) {
                    ICS_COUNT(modbus_bad_proto);
                    vg_ics_anomaly(ctx, "modbus", "invalid_protocol_id", &s->anomalies);
                } else {
                    ICS_COUNT(modbus_bad_len);
                    vg_ics_anomaly(ctx, "modbus", "invalid_length", &s->anomalies);
                }
                return;
            }
            want = (uint32_t)fl;
        }
        uint32_t take = want - s->len[di];
        if (take > n)
            take = n;
        memcpy(b + s->len[di], d, take);
        s->len[di] += take;
        d += take;
        n -= take;
        if (s->len[di] == want && want > 7) {
            on_frame(ctx, af, s, toserver, b, want);
            s->len[di] = 0;
        }
    }
}

static void mb_flow_end(vg_app_ctx *ctx, app_flow *af)
{
    (void)ctx;
    for (vg_app_tx *a = af->head; a; a = a->next)
        a->progress |= TX_LOG_NOW;
}

static void mb_tx_eve(vg_app_ctx *ctx, const app_flow *af, const vg_app_tx *a, vg_jb *jb,
                      const vg_conf_node *settings)
{
    (void)ctx;
    (void)af;
    (void)settings;
    const mb_tx *t = a->data;
    vg_jb_open_obj(jb, "modbus");
    vg_jb_u64(jb, "id", a->id);
    if (t->has_req) {
        vg_jb_open_obj(jb, "request");
        vg_modbus_msg_eve(&t->req, jb);
        vg_jb_close_obj(jb);
    }
    if (t->has_res) {
        vg_jb_open_obj(jb, "response");
        vg_modbus_msg_eve(&t->res, jb);
        vg_jb_close_obj(jb);
    }
    vg_jb_close_obj(jb);
}

static int mb_get_buffer(const app_flow *af, const vg_app_tx *tx, uint16_t buf_id, uint32_t idx,
                         const uint8_t **data, uint32_t *len)
{
    (void)af;
    (void)tx;
    (void)buf_id;
    (void)idx;
    (void)data;
    (void)len;
    return VG_DECLINED;
}

const app_parser vg_ics_parser_modbus = {
    .alproto = VG_ALPROTO_MODBUS,
    .eve_kind = 3,
    .log_packet_dir = false,
    .one_sided_tx = false,
    .detect = vg_ics_detect_modbus,
    .state_new = mb_state_new,
    .state_free = free,
    .parse = mb_parse,
    .flow_end = mb_flow_end,
    .tx_free = mb_tx_free,
    .tx_eve = mb_tx_eve,
    .get_buffer = mb_get_buffer,
};
