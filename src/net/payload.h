/*
 * payload.h: the payload inspection engine and the prefilter.
 *
 * Payload keywords (content and its modifiers, pcre, byte_test, byte_jump,
 * byte_extract, byte_math, isdataat, bsize, startswith/endswith,
 * base64_decode/base64_data, dsize is NOT one: it is a packet keyword) are
 * set up through the keyword table (sig.h) and inspected here, over one
 * buffer at a time, with Suricata's relative-match and backtracking
 * semantics (distance/within relative to the previous match, retry of
 * earlier contents when a later relative keyword fails).
 *
 * The prefilter (mpm) puts one fast pattern per signature into a Hyperscan
 * database per signature group and buffer; a scan yields the candidate
 * signatures, which are then fully evaluated.
 */
#ifndef VG_NET_PAYLOAD_H
#define VG_NET_PAYLOAD_H

#include "net/sig.h"

/* Per-inspection state: byte_extract/byte_math variables and the decoded
 * base64 buffer.  Owned by the detection thread, reset per signature. */
#define VG_MAX_BYTE_VARS 16
typedef struct vg_inspect_ctx {
    const vg_packet *p;
    uint64_t vars[VG_MAX_BYTE_VARS];
    uint8_t *b64;             /* base64_decode output (thread-owned buffer) */
    uint32_t b64_len, b64_cap;
    uint64_t steps;           /* recursion/backtrack budget (caps pathological rules) */
    /* when inspecting a stream chunk, absolute stream offset of buf[0] */
    uint64_t stream_offset;
    bool is_stream;
    /* Added by the payload engine (zero-initialise the struct): */
    void *pcre_md;            /* pcre2 match data, created on first use, thread-owned */
    uint64_t budget_hits;     /* inspections cut short by the step budget */
    uint64_t pcre_limit_hits; /* pcre match/depth limit reached (treated as no match) */
    uint8_t *fold;            /* lower-cased copy of the buffer for nocase searches */
    uint32_t fold_cap;
    void *pcre_mctx[2];       /* pcre2 match contexts (with limits / O flag), thread-owned */
    void *pcre_jit_stack;     /* JIT stack (32 KB growing to 512 KB), thread-owned */
    struct vg_pcre_caps *pcre_caps; /* captures of capturing pcres, thread-owned (kw_pcre.c) */
} vg_inspect_ctx;

/* A capturing pcre (named groups flow_X / pkt_X, or a list "flow:X, pkt:Y"
 * after the flags) keeps the groups of its last match on this thread until
 * the rule's capture store (kw_vars.c, a postmatch keyword) commits them to
 * flow or packet variables.  vg_pcre_caps_get: capture slot i (0-based, in
 * the pcre's capture order) of pcre `owner`: 1 with v and len set (borrowed
 * until the next inspection on this thread), 2 when the value was longer
 * than VG_PCRE_CAP_MAX (not kept), 0 when the group did not take part or
 * owner has no pending match. */
#define VG_PCRE_CAP_MAX 4096      /* bytes kept per captured value */
#define VG_PCRE_MAX_CAPS 16       /* captures per pcre */
int vg_pcre_caps_get(const vg_inspect_ctx *ic, const void *owner, int i, const uint8_t **v,
                     uint32_t *len);

/* Step budget per vg_payload_inspect() call (Suricata's default
 * inspection-recursion-limit): past it the inspection is abandoned as
 * "no match" and budget_hits is incremented. */
#define VG_PAYLOAD_STEP_LIMIT 3000

/* Free what an inspect ctx allocated lazily (b64, pcre state, fold); the struct itself
 * is the caller's.  Safe on a zeroed or already released ctx. */
void vg_inspect_ctx_release(vg_inspect_ctx *ic);

/* Inspect buf against the sm list of one buffer: 1 match, 0 no match.
 * ic->vars persist across calls (byte variables are shared by all lists of
 * a signature: reset them per signature); steps is reset by each call.
 * For a stream chunk set ic->is_stream and ic->stream_offset first (depth
 * and within then count from the stream start, as in Suricata).  A list
 * holding base64_decode matches only when the sig's base64_data list
 * matches the decoded bytes (left in ic->b64 / b64_len). */
int vg_payload_inspect(vg_inspect_ctx *ic, const vg_sig *s, const vg_sig_buf *list,
                       const uint8_t *buf, uint32_t len);

/* The bytes of buffer buf_id for packet p (VG_BUF_PAYLOAD: the packet
 * payload; the header buffers: the IPv4 header with options, the IPv6
 * header with its extension headers, the TCP header with options, the UDP
 * header, the ICMPv4/ICMPv6 header).  Returns VG_OK with data/len set (len
 * may be 0), or VG_DECLINED when the packet has no such buffer (then the
 * list cannot match).  VG_BUF_BASE64_DATA is never inspected directly:
 * vg_payload_inspect() runs that list itself when it reaches base64_decode.
 * Borrowed from p. */
int vg_payload_buffer_for(const vg_packet *p, uint16_t buf_id, const uint8_t **data,
                          uint32_t *len);

/* pcre's HTTP buffer modifiers (U I P Q H D M C S Y V W Z) select a buffer
 * without changing the rule's current sticky buffer.  The app-layer
 * registers the buffer id behind each modifier once at start-up, before
 * rules are loaded (U: http.uri, I: http.uri.raw, P: http.request_body,
 * Q: http.response_body, H: http.header, D: http.header.raw, M: http.method,
 * C: http.cookie, S: http.stat_code, Y: http.stat_msg, V: http.user_agent,
 * W: http.host, Z: http.host.raw).  A modifier with no registered buffer
 * makes the rule fail to load as unsupported.  VG_EINVAL for other flags. */
int vg_payload_set_pcre_buffer(char flag, uint16_t buf_id);

/* Choose each signature's fast pattern (fast_pattern keyword, else the
 * longest suitable content, as Suricata does) and fill s->fast_pattern and
 * s->fast_pattern_buf.  Called once per signature after parsing.  A sig whose
 * only candidates are negated contents (or none) gets NULL: it is then always
 * a candidate.  Contents in the base64_data list are never chosen. */
void vg_payload_choose_fast_pattern(vg_sig *s);
/* Where s's fast pattern must end, at the latest, for s to match: the
 * offset plus depth of a non-relative content with constant values
 * (startswith included); UINT32_MAX when it can be anywhere. */
uint32_t vg_payload_fp_end(const vg_sig *s);
/* The content of s's payload list that must occur nearest the start: the
 * non-negated, non-relative one with constant offset and depth whose end
 * bound (*end) is smallest; NULL when there is none.  Every such content
 * must occur for s to match, so it can stand in for the fast pattern. */
vg_sm *vg_payload_anchor(const vg_sig *s, uint32_t *end);

/* Prefilter database over the fast patterns of a set of signatures for one
 * buffer id.  Built once per rule set; scratch is per thread. */
typedef struct vg_mpm vg_mpm;
typedef struct vg_mpm_scratch vg_mpm_scratch;

/* Only sigs with s->fast_pattern set and s->fast_pattern_buf == buf_id are
 * put in the database (identical patterns once); the others are ignored, and
 * the caller treats sigs without a fast pattern as always candidates.  A set
 * with no pattern gives a valid mpm whose scans report nothing. */
int vg_mpm_build(vg_mpm **out, vg_sig *const *sigs, uint32_t nsigs, uint16_t buf_id,
                 char *errbuf) VG_WARN_UNUSED;
/* The same over the sigs whose fast pattern is in any buffer of set (a bit
 * per buffer id below 128): one scan of a buffer that holds the others. */
int vg_mpm_build_set(vg_mpm **out, vg_sig *const *sigs, uint32_t nsigs, const uint64_t set[2],
                     char *errbuf) VG_WARN_UNUSED;
void vg_mpm_free(vg_mpm *m);
/* Run build(arg, i) for i in [0, n) on up to 4 threads, the caller's
 * among them (Hyperscan compilation is thread-safe); each index once, in
 * no particular order.  Used to compile many databases at start-up. */
void vg_mpm_build_parallel(uint32_t n, void (*build)(void *arg, uint32_t i), void *arg);
/* Compiled databases kept in dir between runs (mpm_cache.c); false, with
 * the reason, when dir is unusable: the cache is then off (the default). */
bool vg_mpm_cache_set_dir(const char *dir, char *why, size_t whylen);
typedef struct vg_mpm_cache_stats {
    uint64_t hits, compiled, stored;
} vg_mpm_cache_stats;
vg_mpm_cache_stats vg_mpm_cache_get_stats(void);
/* Distinct patterns in m (for statistics). */
uint32_t vg_mpm_patterns(const vg_mpm *m);
/* Make *scratch usable with m: allocates it when *scratch is NULL, else grows
 * it, so one scratch per thread serves every database of the rule set. */
int vg_mpm_scratch_alloc(const vg_mpm *m, vg_mpm_scratch **scratch);
void vg_mpm_scratch_free(vg_mpm_scratch *scratch);
/* Scan buf; for each signature whose fast pattern occurs, call cb(sig, arg)
 * (at most once per signature per scan, in no particular order; cb must not
 * scan with the same scratch). */
int vg_mpm_scan(const vg_mpm *m, vg_mpm_scratch *scratch, const uint8_t *buf, uint32_t len,
                void (*cb)(const vg_sig *s, void *arg), void *arg);

#endif
