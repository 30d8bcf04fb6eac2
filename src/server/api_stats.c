/*
 * api_stats.c: GET /api/v1/stats/overview: the dashboard's overview in one
 * call: events by type, alerts per hour, top signatures, top sources and
 * targets, alerts by severity, open incidents.  Scoped to the caller's
 * unit; `since`/`until` (EVE timestamps) bound the window (default: the
 * last 7 days of stored data).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/auth.h"
#include "server/ingest.h"
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
    pthread_mutex_lock(&s->lock);
    if (!hi) {
        int64_t mx = 0;
        const char *p[] = {rq->unit};
        if (vg_store_exec(s->store, rq->unit[0] ? "SELECT max(ts) FROM events WHERE unit = ?"
                                                : "SELECT max(ts) FROM events",
                          p, rq->unit[0] ? 1 : 0, max_row, &mx, NULL, NULL) == VG_OK)
            hi = mx + 1;
    }
    if (!lo)
        lo = hi - 7LL * 24 * 3600 * 1000000;
    char los[24], his[24];
    snprintf(los, sizeof los, "%" PRId64, lo);
    snprintf(his, sizeof his, "%" PRId64, hi);
    const char *p[] = {los, his, rq->unit};
    int np = rq->unit[0] ? 3 : 2;
    const char *where = rq->unit[0] ? "WHERE ts >= ? AND ts < ? AND unit = ?" : "WHERE ts >= ? AND ts < ?";
    char wa[128];
    snprintf(wa, sizeof wa, "%s AND event_type = 'alert'", where);
    json_t *out = json_object();
    int rc = run(s->store, "SELECT event_type, count(*) FROM events", where,
                 "GROUP BY event_type ORDER BY 2 DESC", p, np, "event_type", "count", out, "by_type");
    if (rc == VG_OK)
        rc = run(s->store, "SELECT CAST(ts / 3600000000 AS TEXT), count(*) FROM events", wa,
                 "GROUP BY ts / 3600000000 ORDER BY ts / 3600000000", p, np, "hour", "count", out,
                 "alerts_by_hour");
    if (rc == VG_OK)
        rc = run(s->store, "SELECT signature, count(*) FROM events", wa,
                 "GROUP BY signature ORDER BY 2 DESC, 1 LIMIT 10", p, np, "signature", "count", out,
                 "top_signatures");
    if (rc == VG_OK)
        rc = run(s->store, "SELECT src_ip, count(*) FROM events", wa,
                 "GROUP BY src_ip ORDER BY 2 DESC, 1 LIMIT 10", p, np, "ip", "count", out, "top_sources");
    if (rc == VG_OK)
        rc = run(s->store, "SELECT dest_ip, count(*) FROM events", wa,
                 "GROUP BY dest_ip ORDER BY 2 DESC, 1 LIMIT 10", p, np, "ip", "count", out, "top_targets");
    if (rc == VG_OK)
        rc = run(s->store, "SELECT CAST(severity AS TEXT), count(*) FROM events", wa,
                 "GROUP BY severity ORDER BY severity", p, np, "severity", "count", out, "by_severity");
    if (rc == VG_OK)
        rc = run(s->store, "SELECT status, count(*) FROM incidents",
                 rq->unit[0] ? "WHERE unit = ?" : "", "GROUP BY status ORDER BY status",
                 (const char *const[]){rq->unit}, rq->unit[0] ? 1 : 0, "status", "count", out,
                 "incidents_by_status");
    pthread_mutex_unlock(&s->lock);
    if (rc != VG_OK) {
        json_decref(out);
        return vg_api_error(rq->conn, 500, "query failed");
    }
    json_object_set_new(out, "since_us", json_integer(lo));
    json_object_set_new(out, "until_us", json_integer(hi));
    return vg_api_json(rq->conn, 200, out);
}
