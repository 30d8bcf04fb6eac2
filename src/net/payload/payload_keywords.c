/*
 * payload_keywords.c: the one list of payload keywords, in the order the
 * documentation presents them.  The rule parser looks names up here.
 */
#include "net/payload/payload_int.h"

const vg_keyword *const vg_payload_keywords[] = {
    &vg_pl_kw_content, &vg_pl_kw_nocase, &vg_pl_kw_depth, &vg_pl_kw_offset,
    &vg_pl_kw_distance, &vg_pl_kw_within, &vg_pl_kw_rawbytes, &vg_pl_kw_fast_pattern,
    &vg_pl_kw_startswith, &vg_pl_kw_endswith, &vg_pl_kw_isdataat, &vg_pl_kw_bsize,
    &vg_pl_kw_pcre, &vg_pl_kw_byte_test, &vg_pl_kw_byte_jump, &vg_pl_kw_byte_extract,
    &vg_pl_kw_byte_math, &vg_pl_kw_b64_decode, &vg_pl_kw_b64_data, &vg_pl_kw_ipv4_hdr,
    &vg_pl_kw_ipv6_hdr, &vg_pl_kw_tcp_hdr, &vg_pl_kw_udp_hdr, &vg_pl_kw_icmpv4_hdr,
    &vg_pl_kw_icmpv6_hdr, NULL,
};
