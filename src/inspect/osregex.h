/*
 * osregex.h: the "lightweight" regular expressions of OSSEC/Wazuh (OS_Regex)
 * that SCA policies use after `r:` and `n:`, and the simpler OS_Match
 * ("sregex") used for file-name patterns in directory rules.
 *
 * OS_Regex syntax (Wazuh "Regular Expression Syntax"): \w \d \s \t \p \W \D
 * \S \. (any character), escapes \$ \( \) \\ \| \<, the modifiers + and *
 * after a backslash expression only, ^ at the start and $ at the end of a
 * sub-pattern, | between sub-patterns, one level of ( ) capture groups.
 * Every other character, including . [ ] { } ? and a + or * after a plain
 * character, is literal.  Matching is case-insensitive for ASCII letters, as
 * OS_Regex is when compiled without OS_CASE_SENSITIVE (which SCA never sets).
 * An empty sub-pattern never matches (as in OS_Regex).
 *
 * Difference, documented: OS_Regex backtracks only a little (Wazuh notes that
 * `\p*\d*\s*\w*:` does not match ":"); this matcher backtracks fully, so it
 * can match in such corner cases where OS_Regex does not.  Work per match is
 * capped (VG_OSRE_MAX_STEPS); past it the match reports VG_ELIMIT.
 */
#ifndef VG_INSPECT_OSREGEX_H
#define VG_INSPECT_OSREGEX_H

#include <stddef.h>

#include "core/vg.h"

#define VG_OSRE_MAX_PATTERN 2048
#define VG_OSRE_MAX_STEPS 200000
#define VG_OSRE_MAX_GROUPS 8

typedef struct vg_osre vg_osre;

/* Compile; errbuf gets the reason (no file:line: the caller adds it). */
int vg_osre_compile(const char *pattern, vg_osre **out, char *errbuf) VG_WARN_UNUSED;
void vg_osre_free(vg_osre *re);

/* Match against a NUL-terminated line.  Returns 1 (match), 0 (no match) or
 * VG_ELIMIT.  When cap/caplen are given and the match has a first group,
 * *cap points into str and *caplen is its length (else *cap = NULL). */
int vg_osre_match(const vg_osre *re, const char *str, const char **cap, size_t *caplen);

/* OS_Match: literal, case-insensitive substring match with ^/$ anchors per
 * sub-pattern and | alternation.  Returns 1 or 0. */
int vg_osmatch(const char *pattern, const char *str);

#endif
