/*
 * output_drop.c: the EVE drop record (eve-log types: `- drop: {alerts,
 * flows, verdict}`), written for packets an IPS verdict dropped, in
 * Suricata 8.0's shape: the packet header, then the drop object with the
 * IP header fields (len, tos, ttl, ipid for IPv4; tc, hoplimit, flowlbl for
 * IPv6), the TCP header fields (tcpseq, tcpack, tcpwin, the six flag
 * booleans, tcpres, tcpurgp), udplen or icmp_id/icmp_seq, the reason
 * ("rules", "flow drop") and, when asked, the verdict; with `alerts`, the
 * alert object of the first drop/reject alert follows.  Header bytes are
 * read from the packet only where the decoder bounds-checked them.
 */
#include <string.h>

#include "net/engine/output.h"
#include "net/flow.h"

void vg_drop_cfg_load(vg_drop_cfg *cfg, const vg_conf_node *drop)
{
    memset(cfg, 0, sizeof *cfg);
    if (!drop)
        return;
    cfg->alerts = vg_output_child_bool(drop, "alerts", false);
    cfg->verdict = vg_output_child_bool(drop, "verdict", false);
    const vg_conf_node *f = vg_conf_node_child(drop, "flows");
    cfg->flows_all = f && f->value && strcmp(f->value, "all") == 0;
}

static uint32_t be16(const uint8_t *b)
{
    return (uint32_t)b[0] << 8 | b[1];
}

static uint32_t be32(const uint8_t *b)
{
    return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

static void ip_fields(vg_jb *jb, const vg_packet *p)
{
    if (p->ipver == 4 && p->ip && p->ip_hlen >= 20) {
        vg_jb_u64(jb, "len", be16(p->ip + 2));
        vg_jb_u64(jb, "tos", p->tos);
        vg_jb_u64(jb, "ttl", p->ttl);
        vg_jb_u64(jb, "ipid", be16(p->ip + 4));
    } else if (p->ipver == 6 && p->ip && p->ip_hlen >= 40) {
        vg_jb_u64(jb, "len", be16(p->ip + 4) + 40u);
        vg_jb_u64(jb, "tc", p->tos);
        vg_jb_u64(jb, "hoplimit", p->ttl);
        vg_jb_u64(jb, "flowlbl", be32(p->ip) & 0xfffff);
    }
}

static void l4_fields(vg_jb *jb, const vg_packet *p)
{
    if (!p->l4)
        return;
    if (p->proto == 6 && p->l4_hlen >= 20) {
        uint8_t f = p->tcp_flags;
        vg_jb_u64(jb, "tcpseq", p->tcp_seq);
        vg_jb_u64(jb, "tcpack", p->tcp_ack);
        vg_jb_u64(jb, "tcpwin", p->tcp_win);
        vg_jb_bool(jb, "syn", f & 0x02);
        vg_jb_bool(jb, "ack", f & 0x10);
        vg_jb_bool(jb, "psh", f & 0x08);
        vg_jb_bool(jb, "rst", f & 0x04);
        vg_jb_bool(jb, "urg", f & 0x20);
        vg_jb_bool(jb, "fin", f & 0x01);
        vg_jb_u64(jb, "tcpres", p->l4[12] & 0x0f); /* reserved bits beside the offset */
        vg_jb_u64(jb, "tcpurgp", be16(p->l4 + 18));
    } else if (p->proto == 17 && p->l4_hlen >= 8) {
        vg_jb_u64(jb, "udplen", be16(p->l4 + 4));
    } else if ((p->proto == 1 || p->proto == 58) && p->icmp_has_idseq) {
        vg_jb_u64(jb, "icmp_id", p->icmp_id);
        vg_jb_u64(jb, "icmp_seq", p->icmp_seq);
    }
}

void vg_eve_drop(vg_jb *jb, const vg_drop_cfg *cfg, const vg_alert_cfg *acfg,
                 const vg_packet *p)
{
    vg_eve_packet_header(jb, p, "drop", acfg->in_iface);
    vg_jb_open_obj(jb, "drop");
    ip_fields(jb, p);
    l4_fields(jb, p);
    if (p->action & (VG_ACTION_DROP | VG_ACTION_REJECT))
        vg_jb_str(jb, "reason", "rules");
    else if (p->flow && (p->flow->flags & VG_FLOW_DROP))
        vg_jb_str(jb, "reason", "flow drop");
    if (cfg->verdict)
        vg_eve_verdict(jb, p, acfg->ips);
    vg_jb_close_obj(jb);
    if (cfg->alerts)
        for (int i = 0; i < p->nalerts && i < VG_PKT_MAX_ALERTS; i++) {
            const vg_alert *a = &p->alerts[i];
            if (a->sig && (a->sig->action & (VG_ACTION_DROP | VG_ACTION_REJECT))) {
                vg_eve_alert_object(jb, acfg, p, a);
                break;
            }
        }
    vg_jb_close_obj(jb);
}
