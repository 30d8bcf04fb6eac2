/*
 * inventory.h: what the organisation runs and how it stands: units,
 * information systems with their security level (1-5), hosts and sensors
 * with their last-seen health, the inspection and compliance state of each
 * system, the inspection schedule, and the register of evidence for the
 * management controls.  The server's copy is the one of record: `vigil
 * inspect` keeps a local schedule and register (src/inspect/schedule.c)
 * and pushes them here (POST /evidence/import); its events update the
 * inspection state as they arrive.
 *
 * Hosts are the sending accounts: every ingested batch updates its
 * sender's row (last_seen = time of receipt, event count, an event rate
 * over windows of at least 5 minutes); a sender that posts `stats` events
 * is a sensor and its latest stats are kept (capped at VG_INV_MAX_STATS
 * bytes).  A version string found in `stats.version` or
 * `compliance.version` is kept as the host's version.
 *
 * Inspection state, all derived at ingest (never by scanning events):
 *  - `sca` events keep the newest result per host, policy and check
 *    (sca_state, with the check's family: the control's prefix "LOG",
 *    "HOST", ... or else the policy id) and move the inspection time of
 *    the host's system.  The events of one `vigil inspect` run share their
 *    timestamp, so a run is (host, timestamp): its row in inspection_runs
 *    is recounted from sca_state after each batch, which makes it
 *    idempotent under retried deliveries.
 *  - `compliance` events with a numeric `score` ({"compliance": {"system",
 *    "score", "passed", "failed", ...}}) set a system's compliance summary;
 *    other compliance events (overdue notices) leave it alone.
 *  - `web` events keep the newest state per host and URL (web_state:
 *    status, change, signs of defacement).
 * A sender may only touch systems of its own unit (a sender with no unit:
 * any), and keeps at most VG_INV_MAX_CHECKS_PER_HOST check results,
 * VG_INV_MAX_URLS_PER_HOST websites and VG_INV_MAX_RUNS_PER_HOST runs.
 *
 * Schedule: every 12 months, every 6 at level 5 (Directive 14/CT-TTg,
 * 2019; the same table as `vigil inspect schedule`), in calendar months; an
 * admin may set another cadence per system (1-120 months).  Inspections are
 * required from level 3; a required inspection never done, or past its next
 * date, is overdue and listed in the warnings with the overdue evidence.
 *
 * Evidence: control, title, document reference, document date, signer,
 * due (renewal) date, status (open, provided, not_applicable); an item is
 * overdue when its due date is before today and it is not
 * not_applicable.
 *
 * Every function that reads takes the caller's unit ("" = all units) and
 * returns only what that unit may see.  Writes are validated here (level
 * 1-5, dates YYYY-MM-DD, names 1-127 bytes, texts up to 1,016 bytes, at most
 * VG_INV_IMPORT_MAX_ITEMS items per import) and audited by the caller.
 */
#ifndef VG_SERVER_INVENTORY_H
#define VG_SERVER_INVENTORY_H

#include <jansson.h>

#include "server/store.h"

#define VG_INV_MAX_STATS 16384
#define VG_INV_MAX_NAME 127
#define VG_INV_MAX_BODY (1u << 20)        /* inventory request bodies */
#define VG_INV_IMPORT_MAX_ITEMS 256
#define VG_INV_IMPORT_MAX_RUNS 1000
/* Derived rows kept per sender (the oldest go first). */
#define VG_INV_MAX_CHECKS_PER_HOST 5000
#define VG_INV_MAX_URLS_PER_HOST 256
#define VG_INV_MAX_RUNS_PER_HOST 1000

int vg_inventory_schema(vg_store *st, char *errbuf) VG_WARN_UNUSED;

/* Months between inspections for a level by default (12; 6 at level 5). */
int vg_inventory_cadence_months(int level);
/* t (µs) + months, calendar months in UTC (31 Jan + 1 month = 28/29 Feb). */
int64_t vg_inventory_add_months(int64_t t_us, int months);

/* After a committed batch from `account` in `unit`: host health, stats,
 * inspection and compliance state.  now_us is the receipt time. */
int vg_inventory_ingest(vg_store *st, const char *account, const char *unit,
                        const vg_store_event *ev, size_t n, int64_t now_us, char *errbuf);

/* Listings, scoped to unit ("" = all). */
json_t *vg_inventory_units(vg_store *st, const char *unit, char *errbuf);
/* {"systems": [...with schedule, compliance, evidence counts...], "warnings": [...]};
 * today is "YYYY-MM-DD" for the evidence due dates. */
json_t *vg_inventory_systems(vg_store *st, const char *unit, int64_t now_us, const char *today,
                             char *errbuf);
/* One system with its hosts, failed checks, compliance per check family,
 * inspection history, website integrity and evidence counts; NULL when
 * not found or not visible. */
json_t *vg_inventory_system(vg_store *st, const char *unit, int64_t id, int64_t now_us,
                            const char *today, char *errbuf);
/* The compact per-system summary (GET /systems/ID/summary). */
json_t *vg_inventory_summary(vg_store *st, const char *unit, int64_t id, int64_t now_us,
                             const char *today, char *errbuf);
/* The schedule of one system with its inspection history (up to 50 runs). */
json_t *vg_inventory_schedule(vg_store *st, const char *unit, int64_t id, int64_t now_us,
                              char *errbuf);
json_t *vg_inventory_hosts(vg_store *st, const char *unit, int64_t now_us, char *errbuf);
/* Per host: its system, last inspection and the count of its latest SCA
 * results (passed, failed, other). */
json_t *vg_inventory_inspections(vg_store *st, const char *unit, char *errbuf);
/* Inspection runs (reports), newest first: system ("" = all), before_us
 * (0 = newest) and limit (1-500). */
json_t *vg_inventory_runs(vg_store *st, const char *unit, const char *system, int64_t before_us,
                          int limit, char *errbuf);
json_t *vg_inventory_evidence(vg_store *st, const char *unit, const char *system,
                              const char *today, char *errbuf);

/* Changes.  `unit` is the caller's scope: a scoped caller can only
 * write objects of its unit.  Return VG_EINVAL (bad value or name
 * taken), VG_ENOENT (not found or not visible) with errbuf set; *id gets
 * the new row's id where one is created. */
int vg_inventory_unit_put(vg_store *st, const char *unit, json_t *body, char *errbuf);
int vg_inventory_system_put(vg_store *st, const char *unit, int64_t id, json_t *body,
                            int retention_max_months, int64_t *out_id, char *errbuf);
int vg_inventory_system_delete(vg_store *st, const char *unit, int64_t id, char *errbuf);
int vg_inventory_host_put(vg_store *st, const char *unit, int64_t id, json_t *body,
                          char *errbuf);
/* {"months": 1-120 | 0 or null (the level's default), "note": TEXT,
 *  "inspected": "YYYY-MM-DD" (records an inspection done outside vigil)}. */
int vg_inventory_schedule_put(vg_store *st, const char *unit, int64_t id, json_t *body,
                              const char *user, int64_t now_us, char *errbuf);
int vg_inventory_evidence_put(vg_store *st, const char *unit, int64_t id, json_t *body,
                              const char *user, int64_t *out_id, char *errbuf);
int vg_inventory_evidence_delete(vg_store *st, const char *unit, int64_t id, char *errbuf);
/* The local register of `vigil inspect` (schedule.h's export):
 * {"system": NAME (default: host_system), "host": NAME, "level": N,
 *  "items": [{"id", "title", "title_vi", "reference", "status", "ref",
 *             "due", "provided"}...],
 *  "inspections": [{"at": UNIX_SECONDS, "level", "host", "passed", "failed",
 *                   "na", "errors"}...]}.
 * Items are matched to the server's rows by (system, control): missing
 * ones are added; a provided item updates its row unless the server holds
 * a newer document; nothing the server has is removed or downgraded.
 * Inspections add runs (one within 10 minutes of an existing run of the
 * system counts as the same).  *out gets {"added", "updated", "unchanged",
 * "runs"}. */
int vg_inventory_evidence_import(vg_store *st, const char *unit, const char *host_system,
                                 json_t *body, const char *user, int64_t now_us, json_t **out,
                                 char *errbuf);
/* The system a sending account belongs to ("" when none); out has 128 bytes. */
void vg_inventory_host_system(vg_store *st, const char *account, char *out);

/* Minimum retention in months for a level (1, 1, 3, 6, 12 for levels 1-5). */
int vg_retention_min_months(int level);

/* "YYYY-MM-DD" check. */
bool vg_inventory_valid_date(const char *s);

#endif
