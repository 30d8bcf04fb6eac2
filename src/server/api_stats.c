/*
 * api_stats.c: GET /api/v1/stats/overview: the dashboard's overview in one
 * call: events by type, alerts per hour, top signatures, top sources and
 * targets, alerts by severity, open incidents.  Scoped to the caller's
 * unit; `since`/`until` (EVE timestamps) bound the window (default: the
 * 7 days up to the newest alert, or the newest event when there is none).  Answered from the per-hour counters of
 * rollup.h (whole hours), not by scanning events.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/auth.h"
#include "server/ingest.h"
#include "server/rollup.h"
#include "server/server_int.h"

typedef struct agg {
    json_t *arr;
    const char *k1, *k2;
} agg;

static void agg_row(void *arg, int n, const char *const *v)
{
    agg *a = arg;
    if (n < 2)
        return;
    json_t *o = json_object();
    json_object_set_new(o, a->k1, v[0] ? json_string(v[0]) : json_null());
    json_object_set_new(o, a->k2, json_integer(v[1] ? strtoll(v[1], NULL, 10) : 0));
    json_array_append_new(a->arr, o);
}

static void max_row(void *arg, int n, const char *const *v)
{
    if (n > 0 && v[0])
        *(int64_t *)arg = strtoll(v[0], NULL, 10);
}

static int run(vg_store *st, const char *select, const char *where, const char *tail,
               const char *const *p, int np, const char *k1, const char *k2, json_t *out,
               const char *key)
{
    char sql[1024];
    snprintf(sql, sizeof sql, "%s %s %s", select, where, tail);
    agg a = {json_array(), k1, k2};
    int rc = vg_store_exec(st, sql, p, np, agg_row, &a, NULL, NULL);
    json_object_set_new(out, key, a.arr);
    return rc;
}

enum MHD_Result vg_api_stats(vg_server *s, vg_api_req *rq)
{
    if (!vg_api_role_at_least(rq, VG_ROLE_VIEWER))
        return vg_api_error(rq->conn, 403, "not allowed");
    const char *since = MHD_lookup_connection_value(rq->conn, MHD_GET_ARGUMENT_KIND, "since");
    const char *until = MHD_lookup_connection_value(rq->conn, MHD_GET_ARGUMENT_KIND, "until");
    int64_t lo = 0, hi = 0;
    if ((since && vg_ingest_parse_ts(since, &lo) != VG_OK) ||
        (until && vg_ingest_parse_ts(until, &hi) != VG_OK))
        return vg_api_error(rq->conn, 400, "bad since/until");
    bool scoped = rq->unit[0] != '\0';
    pthread_mutex_lock(&s->lock);
    if (!hi) {
        /* Up to the newest alert (the overview is about alerts; a capture
         * replayed from last year beside today's inspection still shows),
         * else the newest event. */
        int64_t mx = -1;
        const char *p[] = {rq->unit};
        if (vg_store_exec(s->store, scoped ? "SELECT max(hour) FROM event_rollup WHERE kind = 'type' "
                                             "AND key = 'alert' AND unit = ?"
                                           : "SELECT max(hour) FROM event_rollup WHERE kind = 'type' "
                                             "AND key = 'alert'",
                          p, scoped ? 1 : 0, max_row, &mx, NULL, NULL) == VG_OK && mx < 0)
            (void)!vg_store_exec(s->store, scoped ? "SELECT max(hour) FROM event_rollup WHERE unit = ?"
                                                  : "SELECT max(hour) FROM event_rollup",
                                 p, scoped ? 1 : 0, max_row, &mx, NULL, NULL);
        if (mx >= 0)
            hi = (mx + 1) * VG_HOUR_US;
    }
    if (!lo)
        lo = hi - (int64_t)7 * 24 * VG_HOUR_US;
    /* The counters are per hour: the window covers the hours it touches. */
    int64_t lo_h = lo >= 0 ? lo / VG_HOUR_US : -((-lo + VG_HOUR_US - 1) / VG_HOUR_US);
    int64_t hi_h = hi >= 0 ? (hi + VG_HOUR_US - 1) / VG_HOUR_US : -(-hi / VG_HOUR_US);
    char los[24], his[24];
    snprintf(los, sizeof los, "%" PRId64, lo_h);
    snprintf(his, sizeof his, "%" PRId64, hi_h);
    const char *p[] = {los, his, rq->unit};
    int np = scoped ? 3 : 2;
    char w[6][160];
    /* Top lists of a long window from the per-day counters (whole days). */
    bool daily = hi_h - lo_h >= 48;
    static const char *const kinds[] = {"type", "sig", "src", "dest", "sev"};
    static const char *const dkinds[] = {"type", "sigd", "srcd", "destd", "sev"};
    char lod[24];
    snprintf(lod, sizeof lod, "%" PRId64, (lo_h >= 0 ? lo_h / 24 : (lo_h - 23) / 24) * 24);
    const char *pd[] = {lod, his, rq->unit};
    for (int k = 0; k < 5; k++)
        snprintf(w[k], sizeof w[k], "WHERE kind = '%s' AND hour >= ? AND hour < ?%s",
                 daily ? dkinds[k] : kinds[k], scoped ? " AND unit = ?" : "");
    snprintf(w[5], sizeof w[5], "WHERE kind = 'type' AND key = 'alert' AND hour >= ? AND hour < ?%s",
             scoped ? " AND unit = ?" : "");
    json_t *out = json_object();
    int rc = run(s->store, "SELECT key, sum(n) FROM event_rollup", w[0],
                 "GROUP BY key ORDER BY 2 DESC, 1", p, np, "event_type", "count", out, "by_type");
    if (rc == VG_OK)
        rc = run(s->store, "SELECT CAST(hour AS TEXT), sum(n) FROM event_rollup", w[5],
                 "GROUP BY hour ORDER BY hour", p, np, "hour", "count", out, "alerts_by_hour");
    if (rc == VG_OK)
        rc = run(s->store, "SELECT key, sum(n) FROM event_rollup", w[1],
                 "GROUP BY key ORDER BY 2 DESC, 1 LIMIT 10", daily ? pd : p, np, "signature",
                 "count", out, "top_signatures");
    if (rc == VG_OK)
        rc = run(s->store, "SELECT key, sum(n) FROM event_rollup", w[2],
                 "GROUP BY key ORDER BY 2 DESC, 1 LIMIT 10", daily ? pd : p, np, "ip", "count", out,
                 "top_sources");
    if (rc == VG_OK)
        rc = run(s->store, "SELECT key, sum(n) FROM event_rollup", w[3],
                 "GROUP BY key ORDER BY 2 DESC, 1 LIMIT 10", daily ? pd : p, np, "ip", "count", out,
                 "top_targets");
    if (rc == VG_OK)
        rc = run(s->store, "SELECT key, sum(n) FROM event_rollup", w[4],
                 "GROUP BY key ORDER BY CAST(key AS INTEGER)", p, np, "severity", "count", out,
                 "by_severity");
    if (rc == VG_OK)
        rc = run(s->store, "SELECT status, count(*) FROM incidents",
                 scoped ? "WHERE unit = ?" : "", "GROUP BY status ORDER BY status",
                 (const char *const[]){rq->unit}, scoped ? 1 : 0, "status", "count", out,
                 "incidents_by_status");
    pthread_mutex_unlock(&s->lock);
    if (rc != VG_OK) {
        json_decref(out);
        return vg_api_error(rq->conn, 500, "query failed");
    }
    /* Missing values were counted under "": shown as null, as the events have them. */
    static const char *const lists[] = {"top_signatures", "top_sources", "top_targets"};
    for (size_t i = 0; i < VG_ARRAY_LEN(lists); i++) {
        size_t k;
        json_t *o;
        json_array_foreach(json_object_get(out, lists[i]), k, o) {
            const char *key = i == 0 ? "signature" : "ip";
            const char *v = json_string_value(json_object_get(o, key));
            if (v && !v[0])
                json_object_set_new(o, key, json_null());
        }
    }
    json_object_set_new(out, "since_us", json_integer(lo));
    json_object_set_new(out, "until_us", json_integer(hi));
    return vg_api_json(rq->conn, 200, out);
}
