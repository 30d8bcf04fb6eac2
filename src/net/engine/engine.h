/*
 * engine.h: vigil net's packet pipeline, the one place where the decoder,
 * the flow table, detection and the outputs meet.
 *
 * Per frame: vg_source -> vg_decode -> (the frame, then each pseudo packet
 * the decoder produced: tunnel inner packets, reassembled datagrams) ->
 * vg_flow_table_handle -> vg_flow_table_stream -> vg_detect_packet on the
 * packet, then on each reassembled stream chunk -> IPS verdict -> outputs.
 * Flows time out by packet time in file mode (wall time when live); at the
 * end of a capture every remaining flow gets a final stream inspection
 * ("stream (flow timeout)") and its flow record, then a final stats record.
 * One thread: in file mode the output is deterministic.
 *
 * IPS semantics (--simulate-ips): a drop or reject verdict drops the packet
 * and, like Suricata, the rest of its flow (no more detection on it); a
 * pass verdict stops inspection of the flow; alert.action is "blocked" for
 * drop/reject rules.  In IDS mode drop rules only alert ("allowed"), but as
 * in Suricata a drop/reject that acts on the flow (IP-only, stream or
 * transaction match) still ends the flow's inspection and its flow record
 * shows action "drop".
 */
#ifndef VG_NET_ENGINE_ENGINE_H
#define VG_NET_ENGINE_ENGINE_H

#include "core/conf.h"

typedef struct vg_engine_opts {
    const char *pcap_file;          /* -r FILE (file mode) */
    const char *iface;              /* -i IFACE (live mode) */
    const char *bpf;                /* BPF filter or NULL */
    const char *const *rule_files;  /* -S files, NULL-terminated; NULL or empty: from conf */
    const char *log_dir;            /* -l DIR; NULL: default-log-dir from conf */
    bool simulate_ips;              /* --simulate-ips */
    bool errors_fatal;              /* --init-errors-fatal */
    const char *user;               /* --user: drop root to this user after opening the capture */
    const char *group;              /* --group */
    int verbose;                    /* -v count */
} vg_engine_opts;

/* Alerts per signature, for the end-of-run summary. */
typedef struct vg_engine_sigcount {
    uint32_t gid, sid, rev;
    char *msg;                      /* owned copy */
    uint64_t count;
} vg_engine_sigcount;

typedef struct vg_engine_result {
    uint64_t packets;               /* frames read from the source */
    uint64_t bytes;
    uint64_t alerts;                /* alerts logged (noalert excluded) */
    uint64_t flows;                 /* flows ended (flow records) */
    uint64_t dropped;               /* IPS: packets dropped */
    uint32_t rules_loaded, rules_failed;
    double elapsed;                 /* seconds, whole run including rule loading */
    double rules_seconds;           /* of which loading rules */
    vg_engine_sigcount *sigs;       /* sorted by count, descending; owned */
    size_t nsigs;
} vg_engine_result;

/* Run the pipeline to the end of the file (or until SIGINT/SIGTERM live).
 * conf may be modified (resolved exception policies, checksum settings).
 * Errors (cannot open the capture, the outputs, bad rules with errors_fatal,
 * bad exception policies) fill errbuf. */
int vg_engine_run(vg_conf *conf, const vg_engine_opts *o, vg_engine_result *res,
                  char *errbuf) VG_WARN_UNUSED;
void vg_engine_result_free(vg_engine_result *res);

/* -T: load the rules as a real run would and report the counts. */
int vg_engine_test_rules(vg_conf *conf, const vg_engine_opts *o, uint32_t *loaded,
                         uint32_t *failed, char *errbuf) VG_WARN_UNUSED;

/* Drop root to user (and group, or the user's group) if running as root;
 * a no-op when not root.  Supplementary groups are cleared. */
int vg_engine_drop_privileges(const char *user, const char *group, char *errbuf) VG_WARN_UNUSED;

#endif
