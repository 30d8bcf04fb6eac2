/*
 * net_eve.h: address and protocol text as Suricata's EVE prints them, shared
 * by the flow table's records and the engine's outputs.
 */
#ifndef VG_NET_EVE_H
#define VG_NET_EVE_H

#include "net/packet.h"

/* Suricata's address text: dotted IPv4, IPv6 as 8 groups of 4 hex digits
 * (no "::" compression); "" when the address has no family. */
void vg_eve_addr_str(const vg_addr *a, char out[48]);
/* IANA protocol keyword as Suricata prints it ("TCP", "IPv6-ICMP",
 * "IP-in-IP"), or the number as text; buf holds the number form. */
const char *vg_eve_proto_name(uint8_t proto, char buf[8]);

#endif
