/*
 * inventory.h: what the organisation runs and how it stands: units,
 * information systems with their security level (1-5), hosts and sensors
 * with their last-seen health, the inspection and compliance state of each
 * system, the inspection schedule, and the register of evidence for the
 * management controls.
 *
 * Hosts are the sending accounts: every ingested batch updates its
 * sender's row (last_seen = time of receipt, event count); a sender that
 * posts `stats` events is a sensor and its latest stats are kept (capped at
 * VG_INV_MAX_STATS bytes).  `sca` events update the per-host check state
 * (latest result per policy and check) and the inspection time of the
 * host's system; `compliance` events ({"compliance": {"system", "score",
 * "passed", "failed"}}) set a system's compliance summary.  A sender may
 * only touch systems of its own unit (a sender with no unit: any).
 *
 * Schedule: levels 3 and 4 are inspected yearly, level 5 every six months
 * (VG_INV_INSPECT_DAYS); a system of level 3-5 never inspected, or whose
 * next inspection is past, is overdue and listed in the warnings.
 *
 * Every function that reads takes the caller's unit ("" = all units) and
 * returns only what that unit may see.  Writes are validated here (level
 * 1-5, dates YYYY-MM-DD, names 1-127 bytes) and audited by the caller.
 */
#ifndef VG_SERVER_INVENTORY_H
#define VG_SERVER_INVENTORY_H

#include <jansson.h>

#include "server/store.h"

#define VG_INV_MAX_STATS 16384
#define VG_INV_MAX_NAME 127

int vg_inventory_schema(vg_store *st, char *errbuf) VG_WARN_UNUSED;

/* Days between inspections for a level; 0 when none is required. */
int vg_inventory_inspect_days(int level);

/* After a committed batch from `account` in `unit`: host health, stats,
 * inspection and compliance state.  now_us is the receipt time. */
int vg_inventory_ingest(vg_store *st, const char *account, const char *unit,
                        const vg_store_event *ev, size_t n, int64_t now_us, char *errbuf);

/* Listings, scoped to unit ("" = all). */
json_t *vg_inventory_units(vg_store *st, const char *unit, char *errbuf);
/* {"systems": [...with schedule and compliance...], "warnings": [...]} */
json_t *vg_inventory_systems(vg_store *st, const char *unit, int64_t now_us, char *errbuf);
json_t *vg_inventory_system(vg_store *st, const char *unit, int64_t id, int64_t now_us,
                            char *errbuf);
json_t *vg_inventory_hosts(vg_store *st, const char *unit, int64_t now_us, char *errbuf);
/* Per host: its system, last inspection and the count of its latest SCA
 * results (passed, failed, other). */
json_t *vg_inventory_inspections(vg_store *st, const char *unit, char *errbuf);
json_t *vg_inventory_evidence(vg_store *st, const char *unit, const char *system,
                              const char *today, char *errbuf);

/* Changes (admin).  `unit` is the caller's scope: a scoped caller can only
 * write objects of its unit.  Return VG_EINVAL (bad value or name
 * taken), VG_ENOENT (not found or not visible) with errbuf set; *id gets
 * the new row's id where one is created. */
int vg_inventory_unit_put(vg_store *st, const char *unit, json_t *body, char *errbuf);
int vg_inventory_system_put(vg_store *st, const char *unit, int64_t id, json_t *body,
                            int retention_max_months, int64_t *out_id, char *errbuf);
int vg_inventory_system_delete(vg_store *st, const char *unit, int64_t id, char *errbuf);
int vg_inventory_host_put(vg_store *st, const char *unit, int64_t id, json_t *body,
                          char *errbuf);
int vg_inventory_evidence_put(vg_store *st, const char *unit, int64_t id, json_t *body,
                              const char *user, int64_t *out_id, char *errbuf);

/* Minimum retention in months for a level (1, 1, 3, 6, 12 for levels 1-5). */
int vg_retention_min_months(int level);

/* "YYYY-MM-DD" check. */
bool vg_inventory_valid_date(const char *s);

#endif
