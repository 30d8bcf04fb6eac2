/*
 * exceptions.h: finding exceptions and acknowledgements, so that a known,
 * accepted finding stops opening incidents without ever being hidden.
 *
 * An exception belongs to a unit ("" = every unit) and matches events by
 * event type plus at least one of: signature id (alert sid, log rule id),
 * SCA check id, host (the sending agent or sensor), source address,
 * destination address, information system (the host's system in the
 * inventory).  Every given field must equal the event's.  It carries a
 * reason (required, at most VG_EXC_MAX_REASON bytes), who created it and
 * when, an optional expiry, and once revoked who revoked it, when and why.
 * Nothing is ever deleted; revoked and expired exceptions stop applying.
 *
 * At ingest (vg_exceptions_ingest, after the batch is committed) an event
 * that an active exception of its unit (or of every unit) matches is still
 * stored and searchable: it is flagged with the exception's id (table
 * event_exceptions), counted on the exception (hits, last_hit; new events
 * only, a retried event counts once) and left out of incident grouping and
 * automatic blocking.  When several exceptions match, the lowest id wins.
 *
 * Matching is by hash: each active exception is filed under its most
 * selective field (signature id, check id, source, destination, host,
 * system, in that order) together with its event type, so an event costs
 * one probe per kind of field that some exception uses (at most six).  The
 * indexed set is kept between batches (one per process) while the store's
 * exceptions token, a random value that every create and revoke writes, is
 * unchanged: a batch then costs one single-row query before matching, and
 * expiry is checked per event.  At most VG_EXC_MAX_ACTIVE exceptions are
 * active at once (creation is refused beyond).
 *
 * An acknowledgement records that a person looked at one event (who, when,
 * why); it changes nothing else.  Both show on events (`_exception_id`,
 * `_ack`), and every change is audited by the functions below.
 *
 * Unit rule: a caller scoped to a unit sees its unit's exceptions and the
 * exceptions of every unit (they apply to its events too; their hit count
 * is global), and creates or revokes only its unit's.
 */
#ifndef VG_SERVER_EXCEPTIONS_H
#define VG_SERVER_EXCEPTIONS_H

#include <jansson.h>

#include "server/store.h"

#define VG_EXC_MAX_REASON 1000
#define VG_EXC_MAX_ACTIVE 5000
#define VG_EXC_MAX_FIELD 127     /* check id, host, system */

/* The tables (exceptions, event_exceptions, event_acks) are created by
 * vg_store_open (store.c), so that the events filter `excepted` works on
 * every store. */

/* Apply the active exceptions (at now_us) to a committed batch ev[0..n);
 * is_new[i] (may be NULL: all new) says which events were stored by this
 * batch.  *keep gets the events that no exception matched: ev itself when
 * none matched, otherwise a malloc'd array of shallow copies (strings still
 * borrowed from ev) the caller frees; *nkeep their count.  On error *keep
 * is ev and *nkeep n (nothing is excepted), and errbuf says why. */
int vg_exceptions_ingest(vg_store *st, const vg_store_event *ev, size_t n, const uint8_t *is_new,
                         int64_t now_us, const vg_store_event **keep, size_t *nkeep,
                         char *errbuf);

/* Create an exception from a JSON body {event_type, signature_id?,
 * check_id?, host?, src_ip?, dest_ip?, system?, reason, expires_at?,
 * unit?} for a caller of `unit` ("" = every unit).  *id gets the new id.
 * VG_EINVAL (bad body, or no such system in the unit), VG_ELIMIT (too many
 * active), VG_ENOTSUP (another unit than the caller's) with errbuf set.
 * Audited as user. */
int vg_exception_create(vg_store *st, const char *unit, const char *user, json_t *body,
                        int64_t now_us, int64_t *id, char *errbuf) VG_WARN_UNUSED;

/* List exceptions visible to unit, newest first.  state: NULL/"all",
 * "active", "expired", "revoked". */
json_t *vg_exceptions_list(vg_store *st, const char *unit, const char *state, int64_t before,
                           int limit, int64_t now_us, char *errbuf);
/* One exception; NULL when absent or not visible. */
json_t *vg_exception_get(vg_store *st, const char *unit, int64_t id, int64_t now_us,
                         char *errbuf);
/* Revoke with a reason.  VG_ENOENT (not visible), VG_EINVAL (bad reason),
 * VG_ELIMIT (revoked already), VG_ENOTSUP (visible but of every unit while
 * the caller is scoped to one). */
int vg_exception_revoke(vg_store *st, const char *unit, int64_t id, const char *user,
                        const char *reason, int64_t now_us, char *errbuf) VG_WARN_UNUSED;

/* Acknowledge event `event_rowid` (its store id, `_id`) with a reason.
 * VG_ENOENT (absent or not visible), VG_EINVAL (bad reason), VG_ELIMIT
 * (acknowledged already). */
int vg_event_ack(vg_store *st, const char *unit, int64_t event_rowid, const char *user,
                 const char *reason, int64_t now_us, char *errbuf) VG_WARN_UNUSED;
/* One event as the events API shows it (with _id, _exception_id, _ack);
 * NULL when absent or not visible. */
json_t *vg_event_get(vg_store *st, const char *unit, int64_t event_rowid, char *errbuf);

/* Add `_exception_id` and `_ack` to the event objects of arr (each with
 * `_id`), as the events API returns them: one ranged query each. */
int vg_exceptions_decorate(vg_store *st, json_t *arr, char *errbuf);

#endif
