/*
 * payload_keywords.h: the payload keywords, exported to the rule parser.
 *
 * The detect engine's keyword table (src/net/detect/) looks keywords up by
 * name; the payload-type keywords (content and its modifiers nocase, depth,
 * offset, distance, within, rawbytes, fast_pattern, startswith, endswith;
 * isdataat, pcre, byte_test, byte_jump, byte_extract, byte_math, bsize,
 * base64_decode, base64_data, and the sticky header buffers ipv4.hdr,
 * ipv6.hdr, tcp.hdr, udp.hdr, icmpv4.hdr, icmpv6.hdr) live in src/net/payload/
 * and are listed here once.  The array is NULL-terminated and immutable.
 */
#ifndef VG_NET_PAYLOAD_KEYWORDS_H
#define VG_NET_PAYLOAD_KEYWORDS_H

#include "net/sig.h"

/* Every payload keyword, NULL-terminated; entries are static const objects
 * with program lifetime. */
extern const vg_keyword *const vg_payload_keywords[];

#endif
