/*
 * schedule.h: the inspection schedule and the evidence register, kept in a
 * local SQLite file; `vigil inspect register push` sends them to the server,
 * whose store keeps the merged copy of record (POST /api/v1/evidence/import).
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

/* The register as the server's import reads it: {"system", "host",
 * "level", "items": [{"id", "title", "title_vi", "reference", "min_level",
 * "status", "ref", "due", "provided"}...], "inspections": [{"at", "level",
 * "host", "passed", "failed", "na", "errors"}...]} with times in Unix
 * seconds; items up to `level` (1-5), the newest 1,000 inspections.
 * system may be NULL (the server then uses the sending host's system). */
struct vg_jb;
int vg_sched_export(vg_sched *s, int level, const char *system, const char *host,
                    struct vg_jb *jb, char *errbuf) VG_WARN_UNUSED;

/* Where and how to push: url is the server's base ("https://h:8443");
 * token a bearer token or NULL; tls_dir (or NULL) holds ca.crt and,
 * optionally, client.crt/client.key as `vigil forward --enroll` writes
 * them. */
typedef struct vg_sched_push_opts {
    const char *url, *token, *tls_dir;
    long timeout_s;
} vg_sched_push_opts;

/* POST the export to URL/api/v1/evidence/import; *status gets the HTTP
 * status and reply (cap bytes) the answer's body.  VG_EIO when the server
 * could not be reached, VG_ENOTSUP without libcurl. */
int vg_sched_push(const vg_sched_push_opts *o, const char *body, size_t len, long *status,
                  char *reply, size_t cap, char *errbuf) VG_WARN_UNUSED;

#endif
