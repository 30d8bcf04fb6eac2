/*
 * flow_table.h: the flow table and TCP session tracking, as the pipeline
 * (src/net/engine) drives them.
 *
 * Per packet, after decoding:
 *     vg_flow *f = vg_flow_table_handle(ft, p);        // may be NULL (no flow: e.g. ARP)
 *     n = vg_flow_table_stream(ft, p, chunks, VG_MAX_CHUNKS);  // TCP only
 *     ... detection on p and on each chunk ...
 * and periodically / at the end of input:
 *     vg_flow_table_expire(ft, &now, cb, arg);          // timed-out flows
 *     vg_flow_table_expire_all(ft, cb, arg);            // end of capture
 * The callback sees each ending flow once, with its final stream chunks
 * (the data not yet inspected in each direction), so detection can run a
 * last time ("pkt_src": "stream (flow timeout)") before the flow is logged
 * and freed by the table after the callback returns.
 *
 * handle() sets p->flow, VG_PKT_TOSERVER/TOCLIENT, VG_PKT_ESTABLISHED,
 * VG_PKT_FIRST_IN_FLOW, updates the flow's packet/byte counters, and for
 * TCP runs session tracking (3WHS, midstream pickup per
 * stream.midstream, FIN/RST, invalid packets raising stream events).
 * Memory: flows and reassembly buffers are charged to flow.memcap and
 * stream.memcap / stream.reassembly.memcap; when a cap is hit the oldest
 * flows are evicted (emergency mode) or the exception policy applies, with
 * counters either way.
 */
#ifndef VG_NET_FLOW_TABLE_H
#define VG_NET_FLOW_TABLE_H

#include "core/conf.h"
#include "core/jbuf.h"
#include "net/detect.h"
#include "net/flow.h"

typedef struct vg_flow_table vg_flow_table;

#define VG_MAX_CHUNKS 4

/* Why a flow ended, for EVE flow.reason: "timeout", "forced", "shutdown". */
typedef enum { VG_FLOW_END_TIMEOUT, VG_FLOW_END_FORCED, VG_FLOW_END_SHUTDOWN,
               VG_FLOW_END_TCP_REUSE /* added: a SYN reused the tuple of a closed session ("tcp_reuse") */
} vg_flow_end;

/* Called once per ending flow, before it is freed.  chunks/nchunks are the
 * final not-yet-inspected stream data (TCP), valid during the call. */
typedef void (*vg_flow_end_cb)(vg_flow *f, vg_flow_end why, const vg_stream_chunk *chunks,
                               int nchunks, void *arg);

int vg_flow_table_new(vg_flow_table **out, const vg_conf *conf, char *errbuf) VG_WARN_UNUSED;
/* Frees remaining flows without callbacks (call expire_all first). */
void vg_flow_table_free(vg_flow_table *ft);

vg_flow *vg_flow_table_handle(vg_flow_table *ft, vg_packet *p);

/* TCP reassembly for p (after handle()).  Fills up to max chunks of newly
 * reassembled, not yet inspected data to inspect with this packet, in
 * Suricata's IDS manner (data is inspected once it is acknowledged by the
 * other side, or at flow end); returns the number of chunks. */
int vg_flow_table_stream(vg_flow_table *ft, vg_packet *p, vg_stream_chunk *chunks, int max);

void vg_flow_table_expire(vg_flow_table *ft, const struct timeval *now, vg_flow_end_cb cb, void *arg);
void vg_flow_table_expire_all(vg_flow_table *ft, vg_flow_end_cb cb, void *arg);

/* EVE flow record for f (event_type "flow"), written into jb (reset first). */
void vg_flow_eve(const vg_flow *f, vg_flow_end why, vg_jb *jb);
/* EVE flow fields shared by every event about this flow: "flow_id", the
 * 5-tuple keys (src_ip, src_port, dest_ip, dest_port, proto, vlan...), in
 * the packet's direction as Suricata writes them. */
void vg_flow_eve_tuple(const vg_packet *p, vg_jb *jb);

/* Counters as the `flow` and `tcp` objects of EVE stats. */
void vg_flow_table_stats_eve(const vg_flow_table *ft, vg_jb *jb);

/* ---- Additions (additive only) ---- */

/* IPS mode (--simulate-ips / inline): exception policies "auto" become
 * drop-flow / drop-packet, drop policies take effect.  Default: IDS. */
void vg_flow_table_set_ips(vg_flow_table *ft, bool ips);

/* Ask for raw stream inspection of f's data in one direction at the next
 * packet, regardless of the chunk size (Suricata's app-layer "trigger raw",
 * e.g. when an HTTP request is complete). */
void vg_flow_trigger_raw(vg_flow *f, bool toserver);

/* TCP session state name for f ("established", "closed", ...; "none"). */
const char *vg_flow_tcp_state(const vg_flow *f);

/* Has f's TCP session reached the closed state (both FINs acknowledged)?
 * The tracker then adds no more data to either side's stream. */
bool vg_flow_tcp_closed(const vg_flow *f);

/* Stream events: p->stream_events[] hold ids; the name is what EVE anomaly
 * shows and the stream-event keyword takes ("stream.pkt_invalid_ack").
 * lookup accepts the name with or without the "stream." prefix; -1 if none. */
const char *vg_stream_event_name(int ev);
int vg_stream_event_lookup(const char *name);

/* vg_flow_eve() with the flow's application protocol name ("http", "tls",
 * "failed"; NULL for none) written as "app_proto", where Suricata puts it
 * (after the tuple, before the "flow" object).  The name is borrowed. */
void vg_flow_eve_app(const vg_flow *f, vg_flow_end why, const char *app_proto, vg_jb *jb);

/* TCP sequence state of one side of f's session (toserver: the client's),
 * as the stream_size keyword needs it (Suricata: next_seq - isn).  Returns
 * false when f has no tracked session. */
bool vg_flow_tcp_seq(const vg_flow *f, bool toserver, uint32_t *isn, uint32_t *next_seq);

/* Memory in use by the table (flows, sessions, reassembly), for stats. */
uint64_t vg_flow_table_memuse(const vg_flow_table *ft);

#endif
