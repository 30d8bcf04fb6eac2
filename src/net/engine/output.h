/*
 * output.h: vigil net's outputs: EVE alert, anomaly, flow and stats
 * records and fast.log, configured from the `outputs` list of the
 * configuration (Suricata's shape: `- eve-log: {enabled, filename, types:
 * [...]}`, `- fast: {...}`), all EVE lines going through core/eve.h.
 *
 * The record builders (vg_eve_alert, vg_eve_anomaly, vg_fast_line) are pure
 * functions of a packet, an alert and a settings struct, so unit tests can
 * check a line field by field (the alert settings may point to a cache of
 * per-signature pieces, which changes no byte).  vg_output ties them to the
 * files, in the order the pipeline calls it (deterministic in file mode),
 * and does nothing for a packet with nothing to log.
 *
 * Shapes follow Suricata 8.0 (schema-8.0.6.json is strict: no other
 * fields): the common header is timestamp, flow_id, in_iface (live only),
 * pcap_cnt (wire packets in file mode), event_type, vlan, src_ip, src_port,
 * dest_ip, dest_port, ip_v, proto, icmp_type, icmp_code, pkt_src.
 */
#ifndef VG_NET_ENGINE_OUTPUT_H
#define VG_NET_ENGINE_OUTPUT_H

#include <stdio.h>

#include "core/conf.h"
#include "core/eve.h"
#include "core/jbuf.h"
#include "net/flow.h"
#include "net/net_eve.h"
#include "net/packet.h"
#include "net/sig.h"

/* The parts of the alert object that depend on the signature only (gid
 * through severity, and the metadata object), serialised once per
 * signature and copied into each alert (output_alert.c).  Keyed by the
 * signature's address: a cache lives no longer than the rule set it saw
 * (vg_output frees it, and rules are not reloaded under an open output).
 * Bounded by the number of signatures that alert, capped at
 * VG_ALERT_FRAGS_MAX entries (beyond that, alerts are built field by
 * field).  Single-threaded, like the packet path. */
typedef struct vg_alert_frags vg_alert_frags;
#define VG_ALERT_FRAGS_MAX (1u << 20)
vg_alert_frags *vg_alert_frags_new(void);
void vg_alert_frags_free(vg_alert_frags *fc);

/* Settings of the EVE alert record (eve-log.types.alert). */
typedef struct vg_alert_cfg {
    bool payload;            /* payload: base64 of the packet payload or stream data */
    bool payload_printable;  /* payload-printable */
    bool payload_length;     /* payload-length */
    bool packet;             /* packet (base64 frame) and packet_info {linktype} */
    bool flow;               /* metadata.flow: the "flow" object and "direction" */
    bool app_layer;          /* metadata.app-layer */
    bool rule_metadata;      /* metadata.rule.metadata: alert.metadata {key: [values]} */
    bool rule_raw;           /* metadata.rule.raw: alert.rule */
    bool references;         /* metadata.rule.reference: alert.references */
    bool verdict;            /* verdict: the "verdict" object */
    uint32_t payload_buffer_size; /* payload-buffer-size (default 4 KiB) */
    bool tagged_packets;     /* tagged-packets: EVE "packet" records for tagged packets */
    bool ips;                /* engine runs as IPS (--simulate-ips / inline) */
    const char *in_iface;    /* live capture interface, NULL in file mode */
    /* xff (alert's own settings, else the eve-log's): the client address an
     * HTTP proxy reported, as alert.xff (extra-data) or in place of the
     * address of the client's side (overwrite) */
    uint8_t xff_mode;        /* VG_XFF_OFF, VG_XFF_EXTRA_DATA, VG_XFF_OVERWRITE */
    bool xff_last;           /* deployment: reverse (the last address; forward: the first) */
    char xff_header[64];     /* header: X-Forwarded-For */
    vg_alert_frags *frags;   /* per-signature pieces (NULL: built for every alert) */
} vg_alert_cfg;

enum { VG_XFF_OFF = 0, VG_XFF_EXTRA_DATA = 1, VG_XFF_OVERWRITE = 2 };

/* Settings of the EVE anomaly record (eve-log.types.anomaly.types). */
typedef struct vg_anomaly_cfg {
    bool decode;             /* types.decode (default no) */
    bool stream;             /* types.stream (default no) */
    bool applayer;           /* types.applayer (default yes) */
    bool packethdr;          /* packethdr: first 32 bytes of the packet */
} vg_anomaly_cfg;

/* A yes/no setting key of node n (dflt when absent or not a boolean). */
bool vg_output_child_bool(const vg_conf_node *n, const char *key, bool dflt);

/* Defaults as Suricata 8 applies them when the settings are absent. */
void vg_alert_cfg_default(vg_alert_cfg *cfg);
/* Read settings from the `alert` node of an eve-log types list (NULL: defaults). */
void vg_alert_cfg_load(vg_alert_cfg *cfg, const vg_conf_node *alert);
/* The xff settings of the eve-log node itself (for an alert type named
 * without settings; vg_alert_cfg_load finds them from the alert node). */
void vg_alert_cfg_eve_xff(vg_alert_cfg *cfg, const vg_conf_node *eve_log);
void vg_anomaly_cfg_load(vg_anomaly_cfg *cfg, const vg_conf_node *anomaly);

/* ---- shared EVE helpers (output_common.c) ---- */

/* EVE pkt_src text ("wire/pcap", "defrag", "ipv6 tunnel", "stream (flow timeout)"...). */
const char *vg_eve_pkt_src(const vg_packet *p);
/* linktype_name for packet_info ("EN10MB", "LINUX_SLL", "IPv4", ...). */
const char *vg_eve_linktype_name(int dlt);
/* Reset jb and open an event with the common header of packet p. */
void vg_eve_packet_header(vg_jb *jb, const vg_packet *p, const char *event_type,
                          const char *in_iface);
/* The outermost packet of p (p itself for wire packets). */
const vg_packet *vg_packet_root(const vg_packet *p);

/* ---- record builders ---- */

/* One EVE alert line for alert a of packet p, complete (object closed). */
void vg_eve_alert(vg_jb *jb, const vg_alert_cfg *cfg, const vg_packet *p, const vg_alert *a);
/* One EVE anomaly line for the decoder event (or, is_stream, the stream
 * event) `name` of p; returns false (jb untouched) when the settings do not
 * log this kind of event.  NULL name: type "unknown". */
bool vg_eve_anomaly(vg_jb *jb, const vg_anomaly_cfg *cfg, const vg_packet *p, const char *name,
                    bool is_stream, const char *in_iface);
/* The "alert" object of alert a (also in drop records). */
void vg_eve_alert_object(vg_jb *jb, const vg_alert_cfg *cfg, const vg_packet *p,
                         const vg_alert *a);
/* The "verdict" object: the engine's final action on p. */
void vg_eve_verdict(vg_jb *jb, const vg_packet *p, bool ips);

/* Settings of the EVE drop record (eve-log.types.drop; IPS mode only). */
typedef struct vg_drop_cfg {
    bool alerts;             /* alerts: the alert that caused the drop, in the record */
    bool flows_all;          /* flows: all (else "start": the first drop per flow direction) */
    bool verdict;            /* verdict: the verdict object */
} vg_drop_cfg;
void vg_drop_cfg_load(vg_drop_cfg *cfg, const vg_conf_node *drop);
/* One EVE drop record for dropped packet p (Suricata's shape: header, then
 * drop {len, tos/ttl/ipid or tc/hoplimit/flowlbl, TCP seq/ack/win/flags/
 * res/urgp, udplen, icmp_id/icmp_seq, reason, verdict}, and the first
 * drop/reject alert with `alerts`). */
void vg_eve_drop(vg_jb *jb, const vg_drop_cfg *cfg, const vg_alert_cfg *acfg,
                 const vg_packet *p);

/* One EVE "packet" record for a tagged packet (Suricata's tagged-packets:
 * the packet header, "packet" (base64 frame) and packet_info); false (jb
 * untouched) when p has no frame bytes (pseudo packets). */
bool vg_eve_tagged_packet(vg_jb *jb, const vg_alert_cfg *cfg, const vg_packet *p);
/* One fast.log line (with the newline) into out; returns its length. */
size_t vg_fast_line(char *out, size_t outlen, const vg_packet *p, const vg_alert *a, bool ips);
/* "blocked" or "allowed", as alert.action shows it. */
const char *vg_alert_action(const vg_alert *a, bool ips);

/* ---- the output set ---- */

typedef struct vg_output vg_output;

/* What the final and periodic stats records need from the pipeline. */
typedef struct vg_stats_src {
    const struct vg_decoder *decoder;
    const struct vg_flow_table *flows;
    const struct vg_detect *detect;
    uint64_t alerts;              /* alerts logged */
    uint64_t alerts_suppressed;
    uint64_t alert_queue_overflow;
    uint64_t ips_accepted, ips_blocked, ips_rejected, ips_drop_rules, ips_drop_flow;
    bool ips;
    time_t start;                 /* wall clock at start, for uptime */
    struct timeval last_reload;   /* when the rules were loaded */
    uint64_t kernel_packets, kernel_drops, kernel_ifdrops; /* live only */
    bool live;
    uint64_t app_flows[16];       /* ended flows per app-layer protocol (app_layer.flow) */
    const struct vg_app_stats *app; /* app-layer counters (app_layer.tx), or NULL */
} vg_stats_src;

/* Open the outputs named by conf in log_dir.  Errors name the file. */
int vg_output_open(vg_output **out, const vg_conf *conf, const char *log_dir, bool ips,
                   const char *in_iface, char *errbuf) VG_WARN_UNUSED;
void vg_output_close(vg_output *o);
/* Alerts (EVE and fast.log) and anomalies of one packet.  Returns the
 * number of alerts logged. */
uint32_t vg_output_packet(vg_output *o, const vg_packet *p);
/* The flow record of an ending flow (when the flow type is enabled). */
void vg_output_flow(vg_output *o, const vg_flow *f, int why);
/* A stats record (when the stats type is enabled), at time ts. */
void vg_output_stats(vg_output *o, const struct timeval *ts, const vg_stats_src *s);
void vg_output_flush(vg_output *o);
bool vg_output_stats_enabled(const vg_output *o);
uint64_t vg_output_eve_written(const vg_output *o);
const vg_alert_cfg *vg_output_alert_cfg(const vg_output *o);
/* Added for the app-layer: the i-th (from 0) EVE writer whose types list
 * enables `type` ("http", "dns", "tls"), with *settings set to that type's
 * settings node (NULL when named without settings); NULL past the last. */
vg_eve *vg_output_eve_for(const vg_output *o, const char *type, int i,
                          const vg_conf_node **settings);

/* ---- stats (output_stats.c) ---- */

void vg_eve_stats(vg_jb *jb, const struct timeval *ts, const vg_stats_src *s);
/* Count an ending flow in app_layer.flow by its protocol (and transport). */
void vg_stats_count_app_flow(vg_stats_src *s, const vg_flow *f);

#endif
