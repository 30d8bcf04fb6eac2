/*
 * payload_int.h: what the payload keywords, the inspection engine and the
 * prefilter share inside src/net/payload/ (not for other modules).
 *
 * Every payload sm's ctx starts with a pl_hdr naming its kind, so the
 * inspection engine can dispatch without string compares.  Numeric options
 * that may name a byte_extract/byte_math variable are pl_num: a constant, or
 * an index into vg_inspect_ctx.vars.  `next_rel` on an anchor (content, pcre,
 * byte_jump, byte_extract, byte_math) records how the following keyword
 * depends on it: PL_NEXT_WITHIN (within, or pcre/R, byte_*,relative,
 * isdataat,relative) makes the engine retry the anchor at its next
 * occurrence when that keyword fails; PL_NEXT_DISTANCE alone does not
 * (a later occurrence cannot help a distance-only match), except before a
 * negated content, which is marked PL_NEXT_WITHIN too.
 */
#ifndef VG_NET_PAYLOAD_INT_H
#define VG_NET_PAYLOAD_INT_H

#include <hs/hs.h>

#include "net/payload.h"
#include "net/payload/payload_keywords.h"

enum pl_kind {
    PL_CONTENT = 1,
    PL_PCRE,
    PL_BYTE_TEST,
    PL_BYTE_JUMP,
    PL_BYTE_EXTRACT,
    PL_BYTE_MATH,
    PL_ISDATAAT,
    PL_BSIZE,
    PL_B64_DECODE,
};

enum { PL_NEXT_DISTANCE = 1, PL_NEXT_WITHIN = 2 };

typedef struct pl_hdr {
    uint8_t kind;      /* enum pl_kind */
    uint8_t next_rel;  /* PL_NEXT_* set by the keyword that follows */
} pl_hdr;

/* A number from the rule or from a byte variable. */
typedef struct pl_num {
    int64_t v;
    int16_t var;       /* >= 0: value of vars[var] at inspection time */
} pl_num;

/* Content flags. */
enum {
    PLC_NOCASE = 1 << 0,
    PLC_NEGATED = 1 << 1,
    PLC_OFFSET = 1 << 2,
    PLC_DEPTH = 1 << 3,
    PLC_DISTANCE = 1 << 4,
    PLC_WITHIN = 1 << 5,
    PLC_STARTSWITH = 1 << 6,
    PLC_ENDSWITH = 1 << 7,
    PLC_FP = 1 << 8,          /* fast_pattern given */
    PLC_FP_ONLY = 1 << 9,     /* fast_pattern:only */
    PLC_FP_CHOP = 1 << 10,    /* fast_pattern:o,l */
    PLC_RAWBYTES = 1 << 11,
};

#define PL_CONTENT_MAX 65535u    /* longest content accepted */
#define PL_REL_MAX 1048576       /* |distance|, |within| bound (Suricata: 1 MB) */

typedef struct pl_content {
    pl_hdr h;
    uint32_t flags;            /* PLC_* */
    uint8_t *pat;              /* bytes as written */
    uint8_t *lpat;             /* lower-cased copy when PLC_NOCASE, else NULL */
    uint32_t len;
    pl_num offset, depth, distance, within;
    uint16_t fp_off, fp_len;   /* chop window when PLC_FP_CHOP */
    uint32_t seq;              /* creation order, to find the most recent content */
} pl_content;

/* The keyword objects (listed once in payload_keywords.c). */
extern const vg_keyword vg_pl_kw_content, vg_pl_kw_nocase, vg_pl_kw_rawbytes, vg_pl_kw_depth,
    vg_pl_kw_offset, vg_pl_kw_distance, vg_pl_kw_within, vg_pl_kw_startswith,
    vg_pl_kw_endswith, vg_pl_kw_fast_pattern, vg_pl_kw_pcre, vg_pl_kw_byte_test,
    vg_pl_kw_byte_jump, vg_pl_kw_byte_extract, vg_pl_kw_byte_math, vg_pl_kw_isdataat,
    vg_pl_kw_bsize, vg_pl_kw_b64_decode, vg_pl_kw_b64_data, vg_pl_kw_ipv4_hdr,
    vg_pl_kw_ipv6_hdr, vg_pl_kw_tcp_hdr, vg_pl_kw_udp_hdr, vg_pl_kw_icmpv4_hdr,
    vg_pl_kw_icmpv6_hdr;

/* The part of a content the prefilter looks for: the fast_pattern chop
 * window when there is one, else the whole pattern. */
static inline void pl_fp_window(const pl_content *c, uint32_t *off, uint32_t *len)
{
    *off = (c->flags & PLC_FP_CHOP) ? c->fp_off : 0;
    *len = (c->flags & PLC_FP_CHOP) ? c->fp_len : c->len;
}

/* Kind of a payload sm (0 when the sm is not one of ours). */
static inline int pl_kind_of(const vg_sm *sm)
{
    if (!sm || !sm->ctx || !sm->kw || !(sm->kw->flags & VG_KW_PAYLOAD))
        return 0;
    return ((const pl_hdr *)sm->ctx)->kind;
}

/* Mark the anchor that a relative keyword `sm` depends on (the nearest
 * earlier content, pcre, byte_jump, byte_extract or byte_math in the same
 * list) with `how` (PL_NEXT_*). */
void pl_mark_anchor(const vg_sm *sm, uint8_t how);

/* Buffer id of the list that holds sm in s, or -1. */
int pl_sm_buf_id(const vg_sig *s, const vg_sm *sm);

/* Parse a decimal or 0x-hex integer (optionally negative) in [lo, hi];
 * trailing spaces allowed.  Returns 0 on success. */
int pl_parse_int(const char *s, int64_t lo, int64_t hi, int64_t *out);

/* Parse a number or a byte variable name into n.  Returns 0 or -1 with errbuf. */
int pl_parse_num(vg_rule_parser *rp, const char *s, int64_t lo, int64_t hi, pl_num *n,
                 const char *what, char *errbuf);

/* Trim leading and trailing whitespace in place; returns the new start. */
char *pl_trim(char *s);

/* Split `s` in place on commas into at most max trimmed fields; returns the
 * count or -1 when there are more. */
int pl_split(char *s, char **fields, int max);

/* Numeric extraction shared by byte_test/jump/extract/math: read nbytes at p
 * (binary big/little endian, or a string number in base 8/10/16, 0 = auto).
 * Returns bytes consumed (> 0), 0 for nbytes == 0 binary, -1 on failure. */
int pl_extract(const uint8_t *p, uint32_t avail, int nbytes, bool string, int base,
               bool little, uint64_t *val);

/* Base64 decode (RFC 4648 alphabet; stops at the first byte outside it or
 * at padding; a trailing partial block yields its whole bytes). */
uint32_t pl_b64_decode(const uint8_t *in, uint32_t inlen, uint8_t *out, uint32_t outcap);

/* pcre */
enum {
    PLP_NEGATED = 1 << 0,
    PLP_RELATIVE = 1 << 1,    /* R */
    PLP_RAWBYTES = 1 << 2,    /* B: accepted, no effect */
    PLP_NOLIMIT = 1 << 3,     /* O: no match limits */
};
typedef struct pl_pcre {
    pl_hdr h;
    uint32_t flags;           /* PLP_* */
    void *re;                 /* pcre2_code (JIT-compiled when available) */
} pl_pcre;

/* Run a pcre over subj[start..len): 1 match (mstart/mend set, relative to
 * subj), 0 no match, -1 error or match limit hit (counted in ic). */
int pl_pcre_exec(vg_inspect_ctx *ic, const pl_pcre *pe, const uint8_t *subj, uint32_t len,
                 uint32_t start, uint32_t *mstart, uint32_t *mend);

/* byte_test, byte_jump, byte_extract, byte_math */
enum {
    PLB_RELATIVE = 1 << 0,
    PLB_LITTLE = 1 << 1,
    PLB_STRING = 1 << 2,
    PLB_ALIGN = 1 << 3,       /* byte_jump align (4) */
    PLB_BEGIN = 1 << 4,       /* byte_jump from_beginning */
    PLB_END = 1 << 5,         /* byte_jump from_end */
    PLB_BITMASK = 1 << 6,
    PLB_NEGATE = 1 << 7,      /* byte_test ! */
};
enum { PLOP_LT = 1, PLOP_GT, PLOP_EQ, PLOP_LE, PLOP_GE, PLOP_AND, PLOP_XOR,   /* byte_test */
       PLOP_ADD, PLOP_SUB, PLOP_MUL, PLOP_DIV, PLOP_SHL, PLOP_SHR };          /* byte_math */
typedef struct pl_byte {
    pl_hdr h;
    uint32_t flags;           /* PLB_* */
    pl_num nbytes;
    pl_num offset;
    pl_num value;             /* byte_test value, byte_math rvalue */
    uint8_t op;               /* PLOP_* */
    uint8_t base;             /* string base 8/10/16, 0 automatic */
    uint8_t align;            /* byte_extract align 2 or 4 */
    uint8_t shift;            /* trailing zero bits of bitmask */
    uint32_t multiplier;      /* byte_jump / byte_extract, default 1 */
    int32_t post_offset;      /* byte_jump */
    uint64_t bitmask;
    int16_t result_var;       /* byte_extract / byte_math destination */
} pl_byte;

/* Evaluate a byte keyword with the cursor at *off: 1 match (cursor and
 * variables updated as the keyword does), 0 no match. */
int pl_byte_exec(vg_inspect_ctx *ic, const pl_byte *bd, const uint8_t *buf, uint32_t len,
                 uint32_t *off);

/* isdataat */
enum { PLI_RELATIVE = 1, PLI_NEGATED = 2, PLI_RAWBYTES = 4 };
typedef struct pl_isdataat {
    pl_hdr h;
    uint32_t flags;
    pl_num at;
} pl_isdataat;

/* bsize */
enum { PLS_EQ = 1, PLS_NE, PLS_LT, PLS_LE, PLS_GT, PLS_GE, PLS_RANGE };
typedef struct pl_bsize {
    pl_hdr h;
    uint8_t op;
    uint64_t a, b;            /* b only for PLS_RANGE (exclusive bounds) */
} pl_bsize;
bool pl_bsize_match(const pl_bsize *bs, uint64_t size);

/* base64_decode */
typedef struct pl_b64 {
    pl_hdr h;
    bool relative;
    uint32_t bytes;           /* 0: to the end of the buffer */
    uint32_t offset;
} pl_b64;
#define PL_B64_MAX 65536u     /* cap on decoded bytes per inspection */

/* hs_compile_lit_multi through the on-disk cache (mpm_cache.c). */
int vg_mpm_cache_compile(const char *const *exprs, const unsigned *flags, const unsigned *ids,
                         const size_t *lens, unsigned n, hs_database_t **db, char *errbuf);

#endif
