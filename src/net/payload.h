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
} vg_inspect_ctx;

/* Inspect buf against the sm list of one buffer: 1 match, 0 no match. */
int vg_payload_inspect(vg_inspect_ctx *ic, const vg_sig *s, const vg_sig_buf *list,
                       const uint8_t *buf, uint32_t len);

/* Choose each signature's fast pattern (fast_pattern keyword, else the
 * longest suitable content, as Suricata does) and fill s->fast_pattern.
 * Called once per signature after parsing. */
void vg_payload_choose_fast_pattern(vg_sig *s);

/* Prefilter database over the fast patterns of a set of signatures for one
 * buffer id.  Built once per rule set; scratch is per thread. */
typedef struct vg_mpm vg_mpm;
typedef struct vg_mpm_scratch vg_mpm_scratch;

int vg_mpm_build(vg_mpm **out, vg_sig *const *sigs, uint32_t nsigs, uint16_t buf_id,
                 char *errbuf) VG_WARN_UNUSED;
void vg_mpm_free(vg_mpm *m);
int vg_mpm_scratch_alloc(const vg_mpm *m, vg_mpm_scratch **scratch);
void vg_mpm_scratch_free(vg_mpm_scratch *scratch);
/* Scan buf; for each signature whose fast pattern occurs, call cb(sig, arg)
 * (at most once per signature per scan). */
int vg_mpm_scan(const vg_mpm *m, vg_mpm_scratch *scratch, const uint8_t *buf, uint32_t len,
                void (*cb)(const vg_sig *s, void *arg), void *arg);

#endif
