/*
 * output_stats.c: the EVE stats record: {"stats": {uptime, capture (live
 * only), decoder, flow, tcp (from the decoder and the flow table), detect
 * {engines, alert, alert_queue_overflow, alerts_suppressed}, app_layer
 * {flow, tx} per protocol, ips (IPS mode only)}}.  Only counters that
 * Suricata 8.0.6's schema knows are written.
 *
 * app_layer.flow.<proto> counts the flows of each recognised protocol
 * (failed_tcp/failed_udp: flows no parser took), app_layer.tx.<proto> the
 * transactions the parsers created (DNS split by transport), as Suricata;
 * app_layer.error.<proto>.parser the parser errors where a parser counts
 * them (dns_tcp, dns_udp, tls).
 */
#include <time.h>

#include "net/app/app.h"
#include "net/decode/decode.h"
#include "net/detect.h"
#include "net/engine/output.h"
#include "net/flow/flow_table.h"

/* app_layer.flow counters: schema name, app-layer protocol, transport */
static const struct {
    const char *name;
    uint16_t alproto;
    uint8_t proto;
} app_names[] = {
    {"http", VG_ALPROTO_HTTP, 6},        {"ftp", VG_ALPROTO_FTP, 6},
    {"smtp", VG_ALPROTO_SMTP, 6},        {"tls", VG_ALPROTO_TLS, 6},
    {"ssh", VG_ALPROTO_SSH, 6},          {"dns_tcp", VG_ALPROTO_DNS, 6},
    {"dns_udp", VG_ALPROTO_DNS, 17},     {"modbus", VG_ALPROTO_MODBUS, 6},
    {"dnp3", VG_ALPROTO_DNP3, 6},        {"failed_tcp", VG_ALPROTO_FAILED, 6},
    {"failed_udp", VG_ALPROTO_FAILED, 17},
};

void vg_stats_count_app_flow(vg_stats_src *s, const vg_flow *f)
{
    for (size_t i = 0; i < VG_ARRAY_LEN(app_names) && i < VG_ARRAY_LEN(s->app_flows); i++)
        if (f->alproto && app_names[i].alproto == f->alproto && app_names[i].proto == f->proto) {
            s->app_flows[i]++;
            return;
        }
}

void vg_eve_stats(vg_jb *jb, const struct timeval *ts, const vg_stats_src *s)
{
    char t[40];
    vg_eve_timestamp(ts, t);
    vg_jb_reset(jb);
    vg_jb_open_obj(jb, NULL);
    vg_jb_str(jb, "timestamp", t);
    vg_jb_str(jb, "event_type", "stats");
    vg_jb_open_obj(jb, "stats");
    time_t now = time(NULL);
    vg_jb_u64(jb, "uptime", now > s->start ? (uint64_t)(now - s->start) : 0);
    if (s->live) {
        vg_jb_open_obj(jb, "capture");
        vg_jb_u64(jb, "kernel_packets", s->kernel_packets);
        vg_jb_u64(jb, "kernel_drops", s->kernel_drops);
        vg_jb_u64(jb, "kernel_ifdrops", s->kernel_ifdrops);
        vg_jb_close_obj(jb);
    }
    if (s->decoder)
        vg_decoder_stats_eve(s->decoder, jb);
    if (s->flows)
        vg_flow_table_stats_eve(s->flows, jb);
    if (s->decoder)
        vg_decoder_defrag_stats_eve(s->decoder, jb);
    vg_jb_open_obj(jb, "detect");
    if (s->detect) {
        const vg_detect_stats *ds = vg_detect_get_stats(s->detect);
        vg_jb_open_arr(jb, "engines");
        vg_jb_open_obj(jb, NULL);
        vg_jb_u64(jb, "id", 0);
        char lr[40];
        vg_eve_timestamp(&s->last_reload, lr);
        vg_jb_str(jb, "last_reload", lr);
        vg_jb_u64(jb, "rules_loaded", ds ? ds->rules_loaded : 0);
        vg_jb_u64(jb, "rules_failed", ds ? ds->rules_failed : 0);
        vg_jb_u64(jb, "rules_skipped", ds ? ds->rules_skipped : 0);
        vg_jb_close_obj(jb);
        vg_jb_close_arr(jb);
    }
    vg_jb_u64(jb, "alert", s->alerts);
    vg_jb_u64(jb, "alert_queue_overflow", s->alert_queue_overflow);
    vg_jb_u64(jb, "alerts_suppressed", s->alerts_suppressed);
    vg_jb_close_obj(jb);
    vg_jb_open_obj(jb, "app_layer");
    vg_jb_open_obj(jb, "flow");
    for (size_t i = 0; i < VG_ARRAY_LEN(app_names) && i < VG_ARRAY_LEN(s->app_flows); i++)
        vg_jb_u64(jb, app_names[i].name, s->app_flows[i]);
    vg_jb_close_obj(jb);
    if (s->app) {
        /* parser errors, where the parsers count them: malformed DNS
         * messages, TLS records that lost the framing */
        static const struct { const char *name; int which; } errs[] = {
            {"dns_tcp", 0}, {"dns_udp", 1}, {"tls", 2},
        };
        vg_jb_open_obj(jb, "error");
        for (size_t i = 0; i < VG_ARRAY_LEN(errs); i++) {
            vg_jb_open_obj(jb, errs[i].name);
            uint64_t n = errs[i].which == 2 ? s->app->tls_malformed
                                            : s->app->dns_malformed_proto[errs[i].which];
            vg_jb_u64(jb, "parser", n);
            vg_jb_close_obj(jb);
        }
        vg_jb_close_obj(jb);
    }
    vg_jb_open_obj(jb, "tx");
    for (size_t i = 0; i < VG_ARRAY_LEN(app_names); i++) {
        if (app_names[i].alproto == VG_ALPROTO_FAILED)
            continue; /* no transactions without a parser */
        vg_jb_u64(jb, app_names[i].name,
                  s->app ? s->app->tx_proto[app_names[i].proto == 17][app_names[i].alproto & 63]
                         : 0);
    }
    vg_jb_close_obj(jb);
    vg_jb_close_obj(jb);
    if (s->ips) {
        vg_jb_open_obj(jb, "ips");
        vg_jb_u64(jb, "accepted", s->ips_accepted);
        vg_jb_u64(jb, "blocked", s->ips_blocked);
        vg_jb_u64(jb, "rejected", s->ips_rejected);
        vg_jb_u64(jb, "replaced", 0);
        vg_jb_open_obj(jb, "drop_reason");
        vg_jb_u64(jb, "rules", s->ips_drop_rules);
        vg_jb_u64(jb, "flow_drop", s->ips_drop_flow);
        vg_jb_close_obj(jb);
        vg_jb_close_obj(jb);
    }
    vg_jb_close_obj(jb);
    vg_jb_close_obj(jb);
}
