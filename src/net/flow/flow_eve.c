/*
 * flow_eve.c: EVE output of the flow table: the `flow` event, the flow
 * tuple shared by every event about a flow, and the `flow` and `tcp`
 * objects of EVE stats.  Shapes and names follow Suricata 8.0 and validate
 * against its strict EVE schema (no field the schema lacks).
 */
#include <stdio.h>
#include <string.h>

#include "core/eve.h"
#include "net/flow/flow_int.h"
#include "net/net_eve.h"

static void write_vlan(vg_jb *jb, const uint16_t *ids, uint8_t n)
{
    if (!n)
        return;
    vg_jb_open_arr(jb, "vlan");
    for (int i = 0; i < n && i < 3; i++)
        vg_jb_u64(jb, NULL, ids[i]);
    vg_jb_close_arr(jb);
}

static bool has_ports(uint8_t proto)
{
    return proto == 6 || proto == 17 || proto == 132;
}

static void write_tuple(vg_jb *jb, const vg_addr *src, uint16_t sp, const vg_addr *dst,
                        uint16_t dp, uint8_t proto)
{
    char a[48], b[48], pb[8];
    vg_eve_addr_str(src, a);
    vg_eve_addr_str(dst, b);
    vg_jb_str(jb, "src_ip", a);
    if (has_ports(proto))
        vg_jb_u64(jb, "src_port", sp);
    vg_jb_str(jb, "dest_ip", b);
    if (has_ports(proto))
        vg_jb_u64(jb, "dest_port", dp);
    vg_jb_u64(jb, "ip_v", src->family == 6 ? 6 : 4);
    vg_jb_str(jb, "proto", vg_eve_proto_name(proto, pb));
}

void vg_flow_eve_tuple(const vg_packet *p, vg_jb *jb)
{
    if (p->flow && p->flow->flow_id)
        vg_jb_u64(jb, "flow_id", p->flow->flow_id);
    write_vlan(jb, p->vlan_id, p->vlan_n);
    write_tuple(jb, &p->src, p->sp, &p->dst, p->dp, p->proto);
    if (p->proto == 1 || p->proto == 58) {
        vg_jb_u64(jb, "icmp_type", p->icmp_type);
        vg_jb_u64(jb, "icmp_code", p->icmp_code);
    }
}

static void hexflags(char out[3], uint8_t f)
{
    static const char hx[] = "0123456789abcdef";
    out[0] = hx[f >> 4];
    out[1] = hx[f & 15];
    out[2] = 0;
}

static void tcp_flag_bools(vg_jb *jb, uint8_t f)
{
    if (f & TH_SYN) vg_jb_bool(jb, "syn", true);
    if (f & TH_FIN) vg_jb_bool(jb, "fin", true);
    if (f & TH_RST) vg_jb_bool(jb, "rst", true);
    if (f & TH_PSH) vg_jb_bool(jb, "psh", true);
    if (f & TH_ACK) vg_jb_bool(jb, "ack", true);
    if (f & TH_URG) vg_jb_bool(jb, "urg", true);
    if (f & TH_ECE) vg_jb_bool(jb, "ecn", true);
    if (f & TH_CWR) vg_jb_bool(jb, "cwr", true);
}

static const char *exc_name(uint8_t pol)
{
    static const char *const n[] = {"ignore", "drop_packet", "drop_flow", "reject",
                                    "bypass", "pass_packet", "pass_flow", "auto"};
    return pol < VG_ARRAY_LEN(n) ? n[pol] : "ignore";
}

void vg_flow_eve(const vg_flow *f, vg_flow_end why, vg_jb *jb)
{
    vg_flow_eve_app(f, why, NULL, jb);
}

void vg_flow_eve_app(const vg_flow *f, vg_flow_end why, const char *app_proto, vg_jb *jb)
{
    const fnode *n = (const fnode *)f;
    char ts[40];
    struct timeval when = n->end_ts.tv_sec || n->end_ts.tv_usec ? n->end_ts : f->last;
    vg_eve_timestamp(&when, ts);
    vg_jb_reset(jb);
    vg_jb_open_obj(jb, NULL);
    vg_jb_str(jb, "timestamp", ts);
    vg_jb_u64(jb, "flow_id", f->flow_id);
    vg_jb_str(jb, "event_type", "flow");
    write_vlan(jb, f->vlan_id, f->vlan_n);
    write_tuple(jb, &f->src, f->sp, &f->dst, f->dp, f->proto);
    if (n->has_icmp) {
        vg_jb_u64(jb, "icmp_type", n->icmp_type);
        vg_jb_u64(jb, "icmp_code", n->icmp_code);
    }
    if (n->has_resp_icmp) {
        vg_jb_u64(jb, "response_icmp_type", n->resp_icmp_type);
        vg_jb_u64(jb, "response_icmp_code", n->resp_icmp_code);
    }
    if (app_proto && *app_proto)
        vg_jb_str(jb, "app_proto", app_proto);

    vg_jb_open_obj(jb, "flow");
    vg_jb_u64(jb, "pkts_toserver", f->pkts_toserver);
    vg_jb_u64(jb, "pkts_toclient", f->pkts_toclient);
    vg_jb_u64(jb, "bytes_toserver", f->bytes_toserver);
    vg_jb_u64(jb, "bytes_toclient", f->bytes_toclient);
    vg_eve_timestamp(&f->start, ts);
    vg_jb_str(jb, "start", ts);
    vg_eve_timestamp(&f->last, ts);
    vg_jb_str(jb, "end", ts);
    int64_t age = (int64_t)f->last.tv_sec - (int64_t)f->start.tv_sec;
    vg_jb_u64(jb, "age", age > 0 ? (uint64_t)age : 0);
    if (n->emergency)
        vg_jb_bool(jb, "emergency", true);
    static const char *const stn[] = {"new", "established", "closed", "bypassed"};
    vg_jb_str(jb, "state", stn[n->state < FST_COUNT ? n->state : 0]);
    if (n->state == FST_BYPASSED)
        vg_jb_str(jb, "bypass", "local");
    const char *reason = why == VG_FLOW_END_TIMEOUT ? "timeout"
                       : why == VG_FLOW_END_FORCED ? "forced"
                       : why == VG_FLOW_END_TCP_REUSE ? "tcp_reuse"
                                                      : "shutdown";
    vg_jb_str(jb, "reason", reason);
    vg_jb_bool(jb, "alerted", (f->flags & VG_FLOW_ALERTED) != 0);
    if (f->flags & VG_FLOW_DROP)
        vg_jb_str(jb, "action", "drop");
    else if (f->flags & VG_FLOW_PASS)
        vg_jb_str(jb, "action", "pass");
    if (n->exc_targets && n->log_exc) {
        static const char *const tn[] = {"stream_midstream", "flow_memcap", "stream_memcap",
                                         "stream_reassembly_memcap"};
        vg_jb_open_arr(jb, "exception_policy");
        for (int i = 0; i < 4; i++) {
            if (!(n->exc_targets & (1 << i)))
                continue;
            vg_jb_open_obj(jb, NULL);
            vg_jb_str(jb, "target", tn[i]);
            vg_jb_str(jb, "policy", exc_name(n->exc_policy[i]));
            vg_jb_close_obj(jb);
        }
        vg_jb_close_arr(jb);
    }
    vg_jb_close_obj(jb);

    if (f->proto == 6) {
        const struct vg_tcp_session *s = f->tcp;
        char hx[3];
        vg_jb_open_obj(jb, "tcp");
        hexflags(hx, s ? s->tcp_flags : 0);
        vg_jb_str(jb, "tcp_flags", hx);
        hexflags(hx, s ? s->client.tcp_flags : 0);
        vg_jb_str(jb, "tcp_flags_ts", hx);
        hexflags(hx, s ? s->server.tcp_flags : 0);
        vg_jb_str(jb, "tcp_flags_tc", hx);
        tcp_flag_bools(jb, s ? s->tcp_flags : 0);
        if (s) {
            vg_jb_str(jb, "state", vg_tcp_state_name(s->state));
            if (s->server.flags & STF_HAS_GAP)
                vg_jb_bool(jb, "tc_gap", true);
            if (s->client.flags & STF_HAS_GAP)
                vg_jb_bool(jb, "ts_gap", true);
            vg_jb_u64(jb, "ts_max_regions", s->client.max_regions);
            vg_jb_u64(jb, "tc_max_regions", s->server.max_regions);
        }
        vg_jb_close_obj(jb);
    }
    vg_jb_close_obj(jb);
}

void vg_flow_table_stats_eve(const vg_flow_table *ft, vg_jb *jb)
{
    const flow_stats *st = &ft->st;
    vg_jb_open_obj(jb, "flow");
    vg_jb_u64(jb, "memcap", st->memcap_drop);
    vg_jb_u64(jb, "total", st->total);
    vg_jb_u64(jb, "active", ft->active);
    vg_jb_u64(jb, "tcp", st->tcp);
    vg_jb_u64(jb, "udp", st->udp);
    vg_jb_u64(jb, "icmpv4", st->icmpv4);
    vg_jb_u64(jb, "icmpv6", st->icmpv6);
    vg_jb_u64(jb, "tcp_reuse", st->tcp_reuse);
    vg_jb_u64(jb, "get_used", st->get_used);
    vg_jb_u64(jb, "spare", ft->nspare);
    vg_jb_u64(jb, "emerg_mode_entered", st->emerg_entered);
    vg_jb_u64(jb, "emerg_mode_over", st->emerg_over);
    vg_jb_open_obj(jb, "end");
    vg_jb_open_obj(jb, "state");
    vg_jb_u64(jb, "new", st->end_state[FST_NEW]);
    vg_jb_u64(jb, "established", st->end_state[FST_ESTABLISHED]);
    vg_jb_u64(jb, "closed", st->end_state[FST_CLOSED]);
    vg_jb_u64(jb, "local_bypassed", st->end_state[FST_BYPASSED]);
    vg_jb_u64(jb, "capture_bypassed", 0);
    vg_jb_close_obj(jb);
    vg_jb_open_obj(jb, "tcp_state");
    for (int i = 0; i <= TCPS_CLOSED; i++)
        vg_jb_u64(jb, vg_tcp_state_name((uint8_t)i), st->end_tcp_state[i]);
    vg_jb_close_obj(jb);
    vg_jb_close_obj(jb);
    vg_jb_open_obj(jb, "mgr");
    vg_jb_u64(jb, "flows_timeout", st->mgr_timeout);
    vg_jb_close_obj(jb);
    vg_jb_open_obj(jb, "wrk");
    vg_jb_u64(jb, "flows_evicted", st->wrk_evicted);
    vg_jb_close_obj(jb);
    vg_jb_u64(jb, "memuse", ft->flow_memuse);
    vg_jb_close_obj(jb);

    vg_jb_open_obj(jb, "tcp");
    vg_jb_u64(jb, "active_sessions", ft->tcp_memuse / sizeof(struct vg_tcp_session));
    vg_jb_u64(jb, "ack_unseen_data", st->ack_unseen_data);
    vg_jb_u64(jb, "sessions", st->sessions);
    vg_jb_u64(jb, "ssn_memcap_drop", st->ssn_memcap_drop);
    vg_jb_u64(jb, "pseudo", st->pseudo);
    vg_jb_u64(jb, "invalid_checksum", st->invalid_checksum);
    vg_jb_u64(jb, "midstream_pickups", st->midstream_pickups);
    vg_jb_u64(jb, "pkt_on_wrong_thread", 0);
    vg_jb_u64(jb, "segment_memcap_drop", st->segment_memcap_drop);
    vg_jb_u64(jb, "stream_depth_reached", st->depth_reached);
    vg_jb_u64(jb, "reassembly_gap", st->reasm_gap);
    vg_jb_u64(jb, "overlap", st->overlap);
    vg_jb_u64(jb, "overlap_diff_data", st->overlap_diff);
    vg_jb_u64(jb, "insert_list_fail", st->insert_list_fail);
    vg_jb_u64(jb, "syn", st->syn);
    vg_jb_u64(jb, "synack", st->synack);
    vg_jb_u64(jb, "rst", st->rst);
    vg_jb_u64(jb, "memuse", ft->tcp_memuse);
    vg_jb_u64(jb, "reassembly_memuse", ft->reasm_memuse);
    vg_jb_close_obj(jb);
}
