/* output_common.c: the EVE header shared by packet events, and name tables. */
#include <pcap/pcap.h>
#include <stdio.h>
#include <string.h>

#include "net/engine/output.h"
#include "net/engine/out_mb.h"
#include "net/net_eve.h"
#include "net/flow.h"


const vg_packet *vg_packet_root(const vg_packet *p)
{
    const vg_packet *r = p;
    for (int i = 0; i < 8 && r->root && r->root != r; i++)
        r = r->root;
    return r;
}

/* The kind of tunnel that carried p, from the outer packet around it. */
static const char *tunnel_src(const vg_packet *p)
{
    const vg_packet *o = p->root ? p->root : NULL;
    if (!o)
        return "tunnel";
    switch (o->proto) {
    case 47: return "gre tunnel";
    case 4:
    case 41: return o->ipver == 6 ? "ipv6 tunnel" : "ipv4 tunnel";
    case 17:
        if (o->dp == 4789 || o->sp == 4789)
            return "vxlan encapsulation";
        if (o->dp == 6081 || o->sp == 6081)
            return "geneve encapsulation";
        if (o->dp == 3544 || o->sp == 3544)
            return "teredo tunnel";
        return "tunnel";
    default:
        return "tunnel";
    }
}

const char *vg_eve_pkt_src(const vg_packet *p)
{
    if (p->pkt_src_name)
        return p->pkt_src_name;
    switch (p->pkt_src) {
    case VG_PKT_SRC_WIRE: return "wire/pcap";
    case VG_PKT_SRC_DEFRAG: return "defrag";
    case VG_PKT_SRC_TUNNEL: return tunnel_src(p);
    case VG_PKT_SRC_STREAM_FLOW_TIMEOUT: return "stream (flow timeout)";
    case VG_PKT_SRC_STREAM_EOF: return "stream (detect/log)";
    }
    return "wire/pcap";
}

const char *vg_eve_linktype_name(int dlt)
{
    switch (dlt) {
    case DLT_IPV4: return "IPv4";
    case DLT_IPV6: return "IPv6";
    default: break;
    }
    const char *n = pcap_datalink_val_to_name(dlt);
    return n ? n : "UNKNOWN";
}

static bool has_ports(uint8_t proto)
{
    return proto == 6 || proto == 17 || proto == 132 || proto == 136;
}

void vg_eve_packet_header(vg_jb *jb, const vg_packet *p, const char *event_type,
                          const char *in_iface)
{
    char ts[40];
    vg_eve_timestamp(&p->ts, ts);
    vg_jb_reset(jb);
    vg_jb_open_obj(jb, NULL);
    vg_mb m;
    mb_begin(&m, jb);
    MB_TEXT(&m, "timestamp", ts);
    if (p->flow && p->flow->flow_id)
        MB_U64(&m, "flow_id", p->flow->flow_id);
    if (in_iface)
        MB_STR(&m, "in_iface", in_iface);
    /* pseudo packets (tunnel inner, defrag) show their wire packet's number */
    uint64_t cnt = p->pcap_cnt ? p->pcap_cnt : (p->root ? vg_packet_root(p)->pcap_cnt : 0);
    if (cnt && !in_iface)
        MB_U64(&m, "pcap_cnt", cnt);
    MB_STR(&m, "event_type", event_type);
    if (p->vlan_n) {
        mb_end(&m);
        vg_jb_open_arr(jb, "vlan");
        for (int i = 0; i < p->vlan_n && i < 3; i++)
            vg_jb_u64(jb, NULL, p->vlan_id[i]);
        vg_jb_close_arr(jb);
    }
    if (p->ipver == 4 || p->ipver == 6) {
        char a[48], buf[8];
        vg_eve_addr_str(&p->src, a);
        MB_TEXT(&m, "src_ip", a);
        if (has_ports(p->proto))
            MB_U64(&m, "src_port", p->sp);
        vg_eve_addr_str(&p->dst, a);
        MB_TEXT(&m, "dest_ip", a);
        if (has_ports(p->proto))
            MB_U64(&m, "dest_port", p->dp);
        MB_U64(&m, "ip_v", p->ipver);
        MB_STR(&m, "proto", vg_eve_proto_name(p->proto, buf));
        if ((p->proto == 1 || p->proto == 58) && p->l4) {
            MB_U64(&m, "icmp_type", p->icmp_type);
            MB_U64(&m, "icmp_code", p->icmp_code);
        }
    }
    MB_STR(&m, "pkt_src", vg_eve_pkt_src(p));
    mb_end(&m);
}
