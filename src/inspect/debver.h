/*
 * debver.h: Debian version strings and their ordering, as Debian Policy
 * 5.6.12 defines it: [epoch:]upstream_version[-debian_revision]; epochs
 * compare numerically; upstream and revision compare by alternating
 * non-digit parts (letters before non-letters, '~' before everything, even
 * the end of the part) and digit parts (numerically); a missing revision
 * compares as "0".  Tested against `dpkg --compare-versions`.
 */
#ifndef VG_INSPECT_DEBVER_H
#define VG_INSPECT_DEBVER_H

#include "core/vg.h"

/* <0, 0, >0 as a is older than, equal to, newer than b.  Versions that do
 * not parse compare as their raw parts (never crash, never loop). */
int vg_debver_cmp(const char *a, const char *b);

/* Syntax check (as dpkg's parseversion): VG_OK or VG_EINVAL with a reason. */
int vg_debver_valid(const char *v, const char **why);

#endif
