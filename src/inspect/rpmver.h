/*
 * rpmver.h: RPM version strings and their ordering, as rpm 4.18 compares
 * them (rpmvercmp, rpmverCmp): [epoch:]version[-release]; a missing epoch
 * is 0; each part is split into runs of digits and of letters (any other
 * character only separates); digit runs compare numerically and beat letter
 * runs; '~' sorts before everything, even the end; '^' sorts after the end
 * but before anything else; a missing release compares as an empty one
 * (older than any), as `rpm.vercmp` does.  Tested against rpm's own `rpm.vercmp` on generated
 * pairs (unit-inspect-rpm when rpm is installed).
 */
#ifndef VG_INSPECT_RPMVER_H
#define VG_INSPECT_RPMVER_H

/* One part (no epoch/release split): <0, 0, >0 as rpmvercmp. */
int vg_rpmvercmp(const char *a, const char *b);

/* Whole EVR strings: <0, 0, >0 as a is older than, equal to, newer than b. */
int vg_rpmver_cmp(const char *a, const char *b);

#endif
