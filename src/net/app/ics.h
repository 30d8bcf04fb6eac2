/*
 * ics.h: industrial protocols of vigil net's application layer: Modbus/TCP
 * and DNP3 over TCP (parsers, EVE records, rule keywords).
 *
 * Job: recognise Modbus/TCP (MBAP header: protocol id 0, a length that
 * frames the PDU exactly) and DNP3 (0x05 0x64 start bytes and a link
 * header whose CRC is right) by content; parse each message into a
 * transaction (Modbus: request and response paired by transaction id;
 * DNP3: one transaction per application message, as Suricata 8 does);
 * log `modbus` and `dnp3` EVE records in Suricata 8's shape; offer the
 * keywords modbus (function, access, unit), dnp3_func, dnp3_ind,
 * dnp3_obj and the dnp3_data sticky buffer.
 *
 * The pure parsers below (vg_modbus_*, vg_dnp3_*) read one slice and
 * never read outside it; they keep no pointer into it.  The flow-level
 * parsers (vg_ics_parser_modbus, vg_ics_parser_dnp3) plug into app.c's
 * table of app_parser (app_int.h).
 *
 * Limits: a Modbus frame is at most 260 bytes (MBAP length 2..254), a
 * DNP3 link frame at most 292 bytes, a reassembled DNP3 application
 * message at most VG_DNP3_APP_MAX bytes and VG_DNP3_MAX_OBJS object
 * headers; unanswered Modbus requests per flow at most
 * VG_MODBUS_FLOOD (then `flooded`).  Malformed input (bad length,
 * protocol id, CRC, unknown object, caps) counts in vg_ics_stats and
 * writes an EVE anomaly record of type "applayer" with Suricata's event
 * name (modbus: invalid_protocol_id, invalid_length, invalid_value,
 * invalid_function_code, invalid_exception_code, unsolicited_response,
 * flooded; dnp3: BAD_LINK_CRC, BAD_TRANSPORT_CRC, LEN_TOO_SMALL,
 * UNKNOWN_OBJECT, MALFORMED, TOO_MANY_POINTS), at most 16 per flow; a
 * Modbus direction whose framing broke is not parsed further, a DNP3
 * stream resynchronises on the next 05 64.  Nothing stops the engine.
 *
 * Configuration: app-layer.protocols.modbus.enabled and .dnp3.enabled
 * (default no, as Suricata 8); a disabled protocol's flows become
 * "failed".  EVE types `modbus`, `dnp3` and `anomaly` (types.applayer).
 */
#ifndef VG_NET_APP_ICS_H
#define VG_NET_APP_ICS_H

#include <stdbool.h>
#include <stdint.h>

#include "core/jbuf.h"
#include "net/sig.h"

/* ---- counters (process-wide, updated atomically: anomalies are rare) ---- */

typedef struct vg_ics_stats {
    uint64_t modbus_msgs, modbus_bad_len, modbus_bad_proto, modbus_bad_func,
        modbus_unsolicited, modbus_flooded, modbus_exceptions;
    uint64_t dnp3_frames, dnp3_msgs, dnp3_bad_start, dnp3_bad_link_crc,
        dnp3_bad_transport_crc, dnp3_len_too_small, dnp3_unknown_object,
        dnp3_too_large, dnp3_objs_cap;
} vg_ics_stats;

/* A snapshot of the counters. */
void vg_ics_get_stats(vg_ics_stats *out);

/* ---- Modbus/TCP ----------------------------------------------------------- */

#define VG_MODBUS_FRAME_MAX 260
#define VG_MODBUS_FLOOD 500

/* Access bits (as Suricata's modbus keyword and EVE name them). */
enum {
    VG_MB_READ = 0x01, VG_MB_WRITE = 0x02, VG_MB_DISCRETES = 0x04, VG_MB_COILS = 0x08,
    VG_MB_INPUT = 0x10, VG_MB_HOLDING = 0x20, VG_MB_SINGLE = 0x40, VG_MB_MULTIPLE = 0x80,
};
/* Function categories. */
enum {
    VG_MB_CAT_ASSIGNED = 1, VG_MB_CAT_UNASSIGNED = 2, VG_MB_CAT_USER = 4, VG_MB_CAT_RESERVED = 8,
};
/* Error flags of a message. */
enum { VG_MB_ERR_DATA_VALUE = 1, VG_MB_ERR_DATA_LENGTH = 2, VG_MB_ERR_EXC_CODE = 4 };

typedef struct vg_modbus_msg {
    uint16_t tid, pid, len;     /* MBAP */
    uint8_t unit;
    uint8_t func_raw;           /* as sent (0x80 set on exceptions) */
    uint8_t func;               /* func_raw without the exception bit */
    bool exception;
    uint8_t exc_code;
    uint8_t access;             /* VG_MB_* from the function code */
    uint8_t category;           /* VG_MB_CAT_* */
    uint8_t errflags;           /* VG_MB_ERR_* */
    bool has_read;              /* request: read address and quantity */
    uint16_t rd_addr, rd_qty;
    bool has_write;             /* write address (and value, or data) */
    uint8_t wr_kind;            /* 1 single value, 2 multiple (data), 3 mask */
    uint16_t wr_addr, wr_qty, wr_value, and_mask, or_mask;
    bool has_sub;               /* diagnostics (8) subfunction, MEI (43) type */
    uint16_t sub;
    uint16_t data_off, data_len; /* request/response data within pdu[] (after fixed fields) */
    uint16_t pdu_len;
    uint8_t pdu[VG_MODBUS_FRAME_MAX]; /* function code and data */
} vg_modbus_msg;

/* Frame length of the MBAP frame at d[0..n): > 0 the whole frame's
 * length (<= n or not), 0 when fewer than 7 bytes, VG_EINVAL when the
 * header is not Modbus/TCP (protocol id not 0, length out of 2..254). */
int vg_modbus_frame_len(const uint8_t *d, uint32_t n);
/* Parse one whole frame d[0..n) (n == its frame length).  request selects
 * the request or response layout.  VG_OK (m filled, errflags may be set),
 * VG_EINVAL when it is not a frame. */
int vg_modbus_parse(const uint8_t *d, uint32_t n, bool request, vg_modbus_msg *m);
/* The value written at address a by a write request: VG_OK with *v. */
int vg_modbus_write_value(const vg_modbus_msg *m, uint16_t a, uint16_t *v);
/* Names as Suricata's EVE writes them. */
const char *vg_modbus_func_name(uint8_t func);
const char *vg_modbus_exc_name(uint8_t code);
/* The message's fields of a "request"/"response" EVE object. */
void vg_modbus_msg_eve(const vg_modbus_msg *m, vg_jb *jb);

/* ---- DNP3 -------------------------------------------------------------------- */

#define VG_DNP3_LINK_MAX 292
#define VG_DNP3_APP_MAX (64u << 10)
#define VG_DNP3_MAX_OBJS 2048

/* Internal indication bits (IIN1 in the low byte, IIN2 in the high byte). */
const char *vg_dnp3_iin_name(unsigned bit);  /* bit 0..15, NULL past */
int vg_dnp3_iin_lookup(const char *name);    /* bit, or -1 */
/* Function code names ("read", "response"...), NULL when unnamed. */
const char *vg_dnp3_func_name(uint8_t fc);
int vg_dnp3_func_lookup(const char *name);   /* code, or -1 */

/* DNP3 CRC over d[0..n). */
uint16_t vg_dnp3_crc(const uint8_t *d, uint32_t n);

typedef struct vg_dnp3_link {
    uint8_t len, ctl;
    uint16_t dst, src;
} vg_dnp3_link;

enum {
    VG_DNP3_LINK_MORE = 0,      /* need more bytes */
    VG_DNP3_LINK_OK = 1,        /* frame read, user data out */
    VG_DNP3_LINK_BAD_START = -1,/* d[0..1] not 05 64: skip a byte */
    VG_DNP3_LINK_BAD_HDR = -2,  /* header CRC wrong: skip a byte */
    VG_DNP3_LINK_SHORT = -3,    /* length < 5: skip the header */
    VG_DNP3_LINK_BAD_CRC = -4,  /* a data block's CRC wrong: skip the frame */
};
/* Read the link frame at d[0..n): on VG_DNP3_LINK_OK the user data
 * (CRCs removed, at most 250 bytes) is in user[0..*ulen) and *consumed is
 * the frame's size; on BAD_CRC/SHORT *consumed is what to skip. */
int vg_dnp3_link_read(const uint8_t *d, uint32_t n, vg_dnp3_link *lh, uint8_t user[256],
                      uint32_t *ulen, uint32_t *consumed);

typedef struct vg_dnp3_obj {
    uint8_t group, variation, qualifier, prefix_code, range_code;
    uint32_t start, stop, count;
} vg_dnp3_obj;

enum {
    VG_DNP3_EV_UNKNOWN_OBJECT = 1 << 0,
    VG_DNP3_EV_TOO_MANY_OBJECTS = 1 << 1,
    VG_DNP3_EV_MALFORMED = 1 << 2,
};

typedef struct vg_dnp3_msg {
    bool request;
    vg_dnp3_link link;          /* of the first frame */
    uint8_t app_ctl, fc;
    bool has_iin;
    uint16_t iin;               /* IIN1 | IIN2 << 8 */
    vg_dnp3_obj *objs;
    uint32_t nobjs;
    bool complete;              /* every object header parsed */
    uint8_t events;             /* VG_DNP3_EV_* */
    uint8_t *data;              /* the application message (owned) */
    uint32_t data_len;
} vg_dnp3_msg;

/* Parse an application message d[0..n) (copied into m->data).  VG_OK,
 * VG_EINVAL when shorter than its header, VG_ENOMEM. */
int vg_dnp3_app_parse(const uint8_t *d, uint32_t n, bool request, vg_dnp3_msg *m);
void vg_dnp3_msg_clear(vg_dnp3_msg *m);
/* The "dnp3" object's fields for m (type, control, src, dst, iin,
 * application). */
void vg_dnp3_msg_eve(const vg_dnp3_msg *m, vg_jb *jb);

/* ---- glue (defined in ics_modbus.c / ics_dnp3.c / ics_keywords.c) ---- */

struct vg_app_tx;
/* The transaction's Modbus request/response, DNP3 message (NULL when tx
 * is not of that protocol). */
const vg_modbus_msg *vg_ics_modbus_req(const struct vg_app_tx *tx);
/* Modbus decoder events of a transaction (app-layer-event:modbus.*), the
 * VG_MB_EV_* bits (Suricata's order; names in app_feat_kw.c). */
enum {
    VG_MB_EV_INVALID_PROTOCOL_ID = 1u << 0,     /* framing lost: no transaction carries it */
    VG_MB_EV_UNSOLICITED_RESPONSE = 1u << 1,
    VG_MB_EV_INVALID_LENGTH = 1u << 2,
    VG_MB_EV_INVALID_UNIT_IDENTIFIER = 1u << 3, /* not raised */
    VG_MB_EV_INVALID_FUNCTION_CODE = 1u << 4,
    VG_MB_EV_INVALID_VALUE = 1u << 5,
    VG_MB_EV_INVALID_EXCEPTION_CODE = 1u << 6,
    VG_MB_EV_VALUE_MISMATCH = 1u << 7,          /* not raised */
    VG_MB_EV_FLOODED = 1u << 8,
};
uint32_t vg_ics_modbus_events(const struct vg_app_tx *tx);
const vg_dnp3_msg *vg_ics_dnp3_msg(const struct vg_app_tx *tx);

/* Keywords (NULL-terminated) and their inspection direction: 0 to
 * server, 1 to client, 2 both, -1 not an ICS keyword. */
extern const vg_keyword *const vg_ics_keywords[];
extern const vg_keyword vg_ics_kw_modbus, vg_ics_kw_dnp3_func, vg_ics_kw_dnp3_ind,
    vg_ics_kw_dnp3_obj, vg_ics_kw_dnp3_data;
int vg_ics_match_dir(const vg_keyword *kw);

#endif
