/*
 * detect.h: the detection engine as the packet pipeline sees it.
 *
 * vg_detect is a compiled rule set (immutable after load, shared by all
 * packet threads); vg_det_thread is one thread's scratch (Hyperscan scratch,
 * inspection state, alert counters).  The pipeline calls vg_detect_packet()
 * for every decoded packet after flow and stream handling; the engine
 * appends alerts to p->alerts and sets p->action.  Alert output (EVE alert,
 * fast.log) is done by the pipeline from p->alerts via output_alert.h.
 */
#ifndef VG_NET_DETECT_H
#define VG_NET_DETECT_H

#include "core/conf.h"
#include "core/jbuf.h"
#include "net/packet.h"

typedef struct vg_detect vg_detect;
typedef struct vg_det_thread vg_det_thread;

/* Reassembled stream data offered to detection with a TCP packet (or at flow
 * end).  Data is the not-yet-inspected part of the stream in direction
 * `toserver`; `offset` is its absolute stream offset (0 = first byte after
 * the SYN).  Owned by the stream engine, valid during the call. */
typedef struct vg_stream_chunk {
    const uint8_t *data;
    uint32_t len;
    uint64_t offset;
    bool toserver;
    bool flow_end;      /* final inspection at flow timeout / end of capture */
    /* Added: the payload to log for an alert on this chunk when it differs
     * from data: the whole inspected range with "[N bytes missing]" at gaps,
     * as Suricata logs stream payloads.  NULL: log data/len.  Same lifetime. */
    const uint8_t *log_data;
    uint32_t log_len;
} vg_stream_chunk;

typedef struct vg_detect_stats {
    uint32_t rules_loaded;
    uint32_t rules_failed;
    uint32_t rules_skipped;   /* e.g. disabled/commented, not counted as failed */
    double load_seconds;
} vg_detect_stats;

/* Load the rule files named by conf (default-rule-path, rule-files) and/or
 * the explicit files in `rule_files` (NULL-terminated; -S), with vars,
 * classification, reference and threshold config from conf.  Rules that fail
 * are reported on stderr with file:line and reason; with `errors_fatal` the
 * first failure fails the load. */
int vg_detect_load(vg_detect **out, const vg_conf *conf, const char *const *rule_files,
                   bool errors_fatal, char *errbuf) VG_WARN_UNUSED;
void vg_detect_free(vg_detect *de);
const vg_detect_stats *vg_detect_get_stats(const vg_detect *de);

int vg_detect_thread_new(const vg_detect *de, vg_det_thread **out) VG_WARN_UNUSED;
void vg_detect_thread_free(vg_det_thread *dt);

/* Run detection on p (and on `chunk` when the stream engine has new
 * reassembled data to inspect; NULL otherwise). */
void vg_detect_packet(vg_det_thread *dt, vg_packet *p, const vg_stream_chunk *chunk);

/* Added: inspect a further stream chunk for a packet already given to
 * vg_detect_packet() (the stream engine may produce several chunks per
 * packet): sigs that already matched p are not evaluated again and alerts
 * already queued on p are not repeated.  Every vg_detect_packet() call is a
 * new packet: further chunks for the same packet must come through here. */
void vg_detect_packet_chunk(vg_det_thread *dt, vg_packet *p, const vg_stream_chunk *chunk);

/* Added: the flow variables of f's detection state as Suricata 8 adds them
 * to the events about a flow (EVE "metadata" and "traffic"), written as keys
 * of jb's open object: metadata.flowbits (set flowbits, in name order),
 * metadata.flowints {name: value}, and traffic.id / traffic.label for the
 * flowbits named traffic/id/NAME and traffic/label/NAME (shown as NAME).
 * Nothing when f has none.  The rule set must still be loaded. */
void vg_detect_flow_eve(const vg_flow *f, vg_jb *jb);
/* Added: the same for an event about packet p of flow f (alerts): also
 * metadata.flowvars (pcre captures into flow variables, [{name: value}]
 * in the order first set) and metadata.pktvars (those captured on p). */
void vg_detect_vars_eve(const vg_flow *f, const vg_packet *p, vg_jb *jb);

/* Per-flow detection state (flowbits, flowint, thresholds by flow...) is
 * hung on the flow by the engine and freed through this when the flow dies. */
void vg_detect_flow_free(void *detect_state);

#endif
