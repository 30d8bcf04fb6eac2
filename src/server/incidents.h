/*
 * incidents.h: alerts grouped into incidents, their triage, deadlines and
 * the national report forms.
 *
 * Grouping (at ingest, after the events are committed): an alert joins the
 * open incident (new, investigating, contained) of the same unit and source
 * address whose last alert is at most VG_INCIDENT_WINDOW_S older; otherwise
 * it opens a new incident.  T0 ("detected") is the first alert's time.
 * Severity is the most severe (lowest) alert severity seen.  Every change
 * by a user is audited; nothing is deleted (false positives are a status).
 *
 * Deadlines from T0: initial notice 24 h and report 72 h (Decree 331/2026
 * Art. 31, reported, unverified), notification within 5 days (Circular
 * 20/2017/TT-BTTTT).  Reports: initial (Form 03 fields) and final, as JSON
 * and printable HTML (Vietnamese with English).
 */
#ifndef VG_SERVER_INCIDENTS_H
#define VG_SERVER_INCIDENTS_H

#include <jansson.h>

#include "server/store.h"

#define VG_INCIDENT_WINDOW_S 3600

int vg_incidents_schema(vg_store *st, char *errbuf) VG_WARN_UNUSED;

/* Group the alert events of a committed batch (ev[0..n)) into incidents. */
int vg_incidents_group(vg_store *st, const vg_store_event *ev, size_t n, char *errbuf);

/* List incidents visible to unit ("" = all), newest first; status may be NULL. */
json_t *vg_incidents_list(vg_store *st, const char *unit, const char *status, int64_t before,
                          int limit, char *errbuf);
/* One incident with its events, comments and deadlines; NULL when absent or
 * not visible to unit. */
json_t *vg_incident_get(vg_store *st, const char *unit, int64_t id, int64_t now_us, char *errbuf);
/* Apply changes from a JSON object (status, assignee, severity, title,
 * resolution, form); audited as user.  VG_EINVAL with errbuf on bad values. */
int vg_incident_update(vg_store *st, const char *unit, int64_t id, json_t *changes,
                       const char *user, char *errbuf) VG_WARN_UNUSED;
int vg_incident_comment(vg_store *st, const char *unit, int64_t id, const char *user,
                        const char *text, char *errbuf) VG_WARN_UNUSED;
/* Report of kind "initial" or "final" as JSON (national form fields). */
json_t *vg_incident_report(vg_store *st, const char *unit, int64_t id, const char *kind,
                           int64_t now_us, char *errbuf);
/* The same report as a standalone printable HTML page (malloc'd). */
char *vg_incident_report_html(json_t *report);

#endif
