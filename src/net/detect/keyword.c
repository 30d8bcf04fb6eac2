/*
 * keyword.c: the keyword table.  One const vg_keyword per keyword, defined
 * in its family file (kw_*.c) and listed once here; the payload keywords
 * come from src/net/payload/ (vg_payload_keywords).  Lookup is by name or
 * alias through a hash built on first use (thread-safe via pthread_once).
 */
#include <pthread.h>
#include <string.h>

#include "net/detect/detect_int.h"
#include "net/payload/payload_keywords.h"
#include "net/app/app_keywords.h" /* app-layer sticky buffers (src/net/app) */

extern const vg_keyword vg_kw_msg, vg_kw_sid, vg_kw_rev, vg_kw_gid, vg_kw_priority,
    vg_kw_classtype, vg_kw_reference, vg_kw_metadata, vg_kw_target, vg_kw_noalert,
    vg_kw_prefilter, vg_kw_pkt_data, vg_kw_tag;
extern const vg_keyword vg_kw_ttl, vg_kw_id, vg_kw_dsize, vg_kw_tos, vg_kw_ip_proto,
    vg_kw_fragbits, vg_kw_fragoffset, vg_kw_ipopts, vg_kw_sameip;
extern const vg_keyword vg_kw_flags, vg_kw_window, vg_kw_seq, vg_kw_ack, vg_kw_tcp_mss,
    vg_kw_stream_size;
extern const vg_keyword vg_kw_itype, vg_kw_icode, vg_kw_icmp_id, vg_kw_icmp_seq;
extern const vg_keyword vg_kw_flow, vg_kw_flow_pkts, vg_kw_flow_bytes, vg_kw_flow_pkts_ts,
    vg_kw_flow_pkts_tc, vg_kw_flow_bytes_ts, vg_kw_flow_bytes_tc, vg_kw_app_layer_protocol,
    vg_kw_decode_event, vg_kw_stream_event, vg_kw_flow_age;
extern const vg_keyword vg_kw_flowbits, vg_kw_flowint, vg_kw_xbits, vg_kw_flowvar, vg_kw_pktvar;
extern const vg_keyword vg_kw_threshold, vg_kw_detection_filter;

const vg_keyword *const vg_detect_keywords[] = {
    /* meta */
    &vg_kw_msg, &vg_kw_sid, &vg_kw_rev, &vg_kw_gid, &vg_kw_priority, &vg_kw_classtype,
    &vg_kw_reference, &vg_kw_metadata, &vg_kw_target, &vg_kw_noalert, &vg_kw_prefilter,
    &vg_kw_pkt_data, &vg_kw_tag,
    /* IP header */
    &vg_kw_ttl, &vg_kw_id, &vg_kw_dsize, &vg_kw_tos, &vg_kw_ip_proto, &vg_kw_fragbits,
    &vg_kw_fragoffset, &vg_kw_ipopts, &vg_kw_sameip,
    /* TCP */
    &vg_kw_flags, &vg_kw_window, &vg_kw_seq, &vg_kw_ack, &vg_kw_tcp_mss, &vg_kw_stream_size,
    /* ICMP */
    &vg_kw_itype, &vg_kw_icode, &vg_kw_icmp_id, &vg_kw_icmp_seq,
    /* flow */
    &vg_kw_flow, &vg_kw_flow_pkts, &vg_kw_flow_bytes, &vg_kw_flow_pkts_ts, &vg_kw_flow_pkts_tc,
    &vg_kw_flow_bytes_ts, &vg_kw_flow_bytes_tc, &vg_kw_app_layer_protocol,
    &vg_kw_decode_event, &vg_kw_stream_event, &vg_kw_flow_age,
    /* state */
    &vg_kw_flowbits, &vg_kw_flowint, &vg_kw_xbits, &vg_kw_flowvar, &vg_kw_pktvar,
    /* thresholds */
    &vg_kw_threshold, &vg_kw_detection_filter,
    NULL,
};

#define KW_HASH 512

static const vg_keyword *kw_hash[KW_HASH];
static const char *kw_hash_name[KW_HASH];
static pthread_once_t kw_once = PTHREAD_ONCE_INIT;

static uint32_t h(const char *s)
{
    uint32_t v = 2166136261u;
    for (; *s; s++)
        v = (v ^ (uint8_t)*s) * 16777619u;
    return v;
}

static void put(const char *name, const vg_keyword *kw)
{
    for (uint32_t i = h(name) & (KW_HASH - 1);; i = (i + 1) & (KW_HASH - 1)) {
        if (!kw_hash[i]) {
            kw_hash[i] = kw;
            kw_hash_name[i] = name;
            return;
        }
        if (strcmp(kw_hash_name[i], name) == 0)
            return; /* first registration wins */
    }
}

static void build(void)
{
    for (const vg_keyword *const *k = vg_detect_keywords; *k; k++) {
        put((*k)->name, *k);
        if ((*k)->alias)
            put((*k)->alias, *k);
    }
    for (const vg_keyword *const *k = vg_payload_keywords; *k; k++) {
        put((*k)->name, *k);
        if ((*k)->alias)
            put((*k)->alias, *k);
    }
    /* app-layer keywords (src/net/app), and the buffers of pcre's HTTP flags */
    for (const vg_keyword *const *k = vg_app_keywords; *k; k++) {
        put((*k)->name, *k);
        if ((*k)->alias)
            put((*k)->alias, *k);
    }
    vg_app_keywords_init();
}

const vg_keyword *vg_keyword_find(const char *name)
{
    pthread_once(&kw_once, build);
    for (uint32_t i = h(name) & (KW_HASH - 1);; i = (i + 1) & (KW_HASH - 1)) {
        if (!kw_hash[i])
            return NULL;
        if (strcmp(kw_hash_name[i], name) == 0)
            return kw_hash[i];
    }
}
