/*
 * dnsrec.h: the NS and MX records of a website's zone, for the website
 * integrity check (webmon.h): a hijacked registrar account or DNS panel
 * shows as new name servers or mail exchangers before it shows on the page.
 *
 * A minimal DNS client over UDP: one question, recursion desired, sent to
 * the given server or the first `nameserver` of /etc/resolv.conf, answers
 * matched by id and question, a deadline for the whole lookup.  The
 * response parser is bounded: 512-4096 bytes, at most 64 answers, names of
 * at most 255 bytes, at most 32 compression pointers per name; anything
 * malformed is refused (VG_EINVAL), never read past.  TCP fallback and
 * DNSSEC validation are not done: a truncated answer is used as it is.
 */
#ifndef VG_INSPECT_DNSREC_H
#define VG_INSPECT_DNSREC_H

#include <stddef.h>
#include <stdint.h>

#include "core/vg.h"

#define VG_DNS_NS 2
#define VG_DNS_MX 15

/* Parse a response to question (id, qtype): the records of that type in
 * the answer section as a sorted, de-duplicated, comma-separated list in
 * out ("ns1.example.vn,ns2.example.vn"; MX as "10 mx.example.vn"), names in
 * lower case without the final dot, other bytes than [a-z0-9-_.] shown as
 * '?'.  Returns the number of records (>= 0), VG_ENOENT when the server
 * answered with an error code (NXDOMAIN, SERVFAIL...), VG_EINVAL when the
 * message is malformed or not the answer to that question. */
int vg_dnsrec_parse(const unsigned char *msg, size_t len, uint16_t id, int qtype, char *out, size_t n);

/* One lookup; server "IP", "IP:PORT" or "[IPv6]:PORT", NULL for
 * /etc/resolv.conf.  Returns as vg_dnsrec_parse, or VG_EIO when no answer came
 * before the deadline. */
int vg_dnsrec_query(const char *server, const char *name, int qtype, int timeout_ms, char *out, size_t n);

/* The zone of `host` (the host itself or the nearest parent with NS
 * records, never a top-level domain), its NS and its MX records.  VG_OK,
 * VG_DECLINED when host is an address or no zone was found, VG_EIO when the
 * server did not answer. */
int vg_dnsrec_zone(const char *server, const char *host, int timeout_ms, char *zone, size_t zn, char *ns,
                size_t nsn, char *mx, size_t mxn);

#endif
