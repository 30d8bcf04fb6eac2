/*
 * schedule.h: the inspection schedule and the evidence register, kept in a
 * local SQLite file (the server's store takes them over later).
 *
 * Inspections run on the cadence each level requires: every 12 months for
 * levels 3 and 4 and every 6 months for level 5 (Directive 14/CT-TTg, 2019);
 * levels 1 and 2 have no legal cadence and default to 12 months.  Every
 * cadence can be overridden.  A missed inspection is reported as overdue.
 *
 * Management controls that no machine can check (policy, training, incident
 * response, risk, periodic assessment...) become evidence items with due
 * dates: the register is filled from the requirement table of the level and
 * an item is never dropped; providing evidence records the reference and
 * sets the next review a year later.  Times are Unix seconds (UTC).
 */
#ifndef VG_INSPECT_SCHEDULE_H
#define VG_INSPECT_SCHEDULE_H

#include <stddef.h>
#include <stdint.h>

#include "core/vg.h"

typedef struct vg_sched vg_sched;

int vg_sched_open(const char *path, vg_sched **out, char *errbuf) VG_WARN_UNUSED;
void vg_sched_close(vg_sched *s);

/* Default cadence of a level in months. */
int vg_sched_cadence(int level);
/* t + months, calendar months in UTC (31 Jan + 1 month = 28/29 Feb). */
int64_t vg_sched_add_months(int64_t t, int months);

int vg_sched_record(vg_sched *s, int64_t now, int level, const char *host, size_t passed,
                    size_t failed, size_t na, size_t errors, char *errbuf) VG_WARN_UNUSED;

typedef struct vg_sched_status {
    int level;
    int months;           /* cadence applied */
    int64_t last;         /* last inspection at this level, 0 = never */
    int64_t due;          /* next due date (now when never inspected) */
    bool overdue;
    long days_overdue;
} vg_sched_status;

int vg_sched_status_get(vg_sched *s, int level, int months, int64_t now, vg_sched_status *st,
                        char *errbuf) VG_WARN_UNUSED;

typedef struct vg_evidence {
    char id[32], title[200], title_vi[200], reference[200];
    int min_level;
    int64_t due;
    char status[16];      /* "open" or "provided" */
    char ref[256];        /* evidence reference when provided */
    int64_t provided_at;
} vg_evidence;

/* Add the level's evidence items that are not in the register yet, due
 * `due_days` from now.  Returns the number added (>= 0) or an error. */
int vg_sched_evidence_sync(vg_sched *s, int level, int64_t now, int due_days, char *errbuf);
/* Items for levels <= level, by due date.  *out is malloc'd. */
int vg_sched_evidence_list(vg_sched *s, int level, vg_evidence **out, size_t *n, char *errbuf) VG_WARN_UNUSED;
int vg_sched_evidence_provide(vg_sched *s, const char *id, const char *ref, int64_t now,
                              char *errbuf) VG_WARN_UNUSED;

#endif
