/* net_eve.c: address and protocol text as Suricata's EVE prints them, for
 * every module of vigil net that writes events (flow records, alerts,
 * anomalies). */
#include <stdio.h>

#include "net/net_eve.h"

void vg_eve_addr_str(const vg_addr *a, char out[48])
{
    if (a->family == 4) {
        /* "%u.%u.%u.%u" without printf: this runs for every event */
        char *o = out;
        for (int i = 0; i < 4; i++) {
            unsigned v = a->a[i];
            if (i)
                *o++ = '.';
            if (v >= 100)
                *o++ = (char)('0' + v / 100);
            if (v >= 10)
                *o++ = (char)('0' + v / 10 % 10);
            *o++ = (char)('0' + v % 10);
        }
        *o = '\0';
    } else if (a->family == 6) {
        /* Suricata writes every group with 4 digits, no "::" compression */
        char *o = out;
        for (int i = 0; i < 16; i += 2) {
            static const char hx[] = "0123456789abcdef";
            if (i)
                *o++ = ':';
            *o++ = hx[a->a[i] >> 4];
            *o++ = hx[a->a[i] & 15];
            *o++ = hx[a->a[i + 1] >> 4];
            *o++ = hx[a->a[i + 1] & 15];
        }
        *o = '\0';
    } else {
        out[0] = '\0';
    }
}

const char *vg_eve_proto_name(uint8_t proto, char buf[8])
{
    switch (proto) {
    case 0: return "HOPOPT";
    case 1: return "ICMP";
    case 2: return "IGMP";
    case 4: return "IP-in-IP";
    case 6: return "TCP";
    case 8: return "EGP";
    case 9: return "IGP";
    case 17: return "UDP";
    case 41: return "IPv6";
    case 43: return "IPv6-Route";
    case 44: return "IPv6-Frag";
    case 46: return "RSVP";
    case 47: return "GRE";
    case 50: return "ESP";
    case 51: return "AH";
    case 58: return "IPv6-ICMP";
    case 59: return "IPv6-NoNxt";
    case 60: return "IPv6-Opts";
    case 88: return "EIGRP";
    case 89: return "OSPF";
    case 94: return "IPIP";
    case 103: return "PIM";
    case 112: return "VRRP";
    case 115: return "L2TP";
    case 132: return "SCTP";
    case 136: return "UDPLite";
    default:
        snprintf(buf, 8, "%u", proto);
        return buf;
    }
}
