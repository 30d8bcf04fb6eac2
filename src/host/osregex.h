/*
 * osregex.h: the three pattern flavours of Wazuh/OSSEC rules and decoders.
 *
 *  - OS_Match ("osmatch", sregex): literal alternatives split on '|'; a
 *    leading '^' anchors at the start, a trailing '$' at the end; case-
 *    insensitive.
 *  - OS_Regex ("osregex"): Wazuh's small regex language: \w \d \s \t \p \W
 *    \D \S \. classes, '+' and '*' modifiers, '^' '$' anchors, '|' between
 *    alternatives, '(' ')' captures, '\' escapes anything else.  Literals
 *    compare case-insensitively.  A modifier is lazy (stops at the first
 *    place where the rest matches) unless nothing but ')' follows it, where
 *    it takes all it can, which is how OSSEC's matcher behaves.  Captures are
 *    numbered within the alternative that matched.
 *  - PCRE2 (type="pcre2"), with JIT when available.
 *
 * vg_hpat wraps one of them with Wazuh's negate="yes".  Matching is a pure
 * function of the subject; a step budget bounds OS_Regex backtracking on
 * hostile input (a pattern that exhausts it does not match).
 */
#ifndef VG_HOST_OSREGEX_H
#define VG_HOST_OSREGEX_H

#include "core/vg.h"

#define VG_OSRE_MAX_CAPS 32

typedef enum { VG_HPAT_OSMATCH = 0, VG_HPAT_OSREGEX = 1, VG_HPAT_PCRE2 = 2 } vg_hpat_type;

typedef struct vg_hpat vg_hpat;

/* A capture: offset and length in the subject. */
typedef struct vg_hcap {
    size_t off, len;
} vg_hcap;

typedef struct vg_hmatch {
    int ncaps;                       /* captures filled */
    vg_hcap caps[VG_OSRE_MAX_CAPS];
    size_t end;                      /* offset just after the match */
} vg_hmatch;

/* Compile; errbuf gets the reason (no file:line: the caller adds it). */
int vg_hpat_compile(vg_hpat **out, vg_hpat_type type, const char *pattern, bool negate,
                    char *errbuf) VG_WARN_UNUSED;
void vg_hpat_free(vg_hpat *p);
/* Does the pattern (with negation applied) match s[0..len)?  When m is not
 * NULL and the match is positive, m gets captures and the end offset. */
bool vg_hpat_match(const vg_hpat *p, const char *s, size_t len, vg_hmatch *m);
/* The same with lc, a lower-cased copy of s (len bytes), which callers that
 * match one subject against many patterns compute once. */
bool vg_hpat_match_lc(const vg_hpat *p, const char *s, size_t len, const char *lc, vg_hmatch *m);
vg_hpat_type vg_hpat_kind(const vg_hpat *p);
bool vg_hpat_negated(const vg_hpat *p);
const char *vg_hpat_source(const vg_hpat *p);
/* Free this thread's PCRE2 match block (it is made again when needed). */
void vg_hpat_thread_cleanup(void);
/* Parse "osmatch"/"osregex"/"pcre2"; VG_EINVAL otherwise. */
int vg_hpat_type_parse(const char *s, vg_hpat_type *out);

#endif
