/* retention.c: retention per system, bounded pruning, disk-use estimate (see retention.h). */
#include "server/retention.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "server/inventory.h"
#include "server/rollup.h"

int vg_retention_months(const vg_retention_cfg *c, int level, int override_months)
{
    int max = c->max_months >= 12 ? c->max_months : 12;
    int m = override_months > 0 ? override_months
            : level > 0         ? vg_retention_min_months(level)
                                : (c->default_months > 0 ? c->default_months : 12);
    return m > max ? max : m;
}

typedef struct host_ret {
    char name[128];
    int months;
} host_ret;

typedef struct host_list {
    host_ret *v;
    size_t n, cap;
    const vg_retention_cfg *c;
} host_list;

static void host_row(void *arg, int n, const char *const *v)
{
    host_list *l = arg;
    if (n < 3 || !v[0])
        return;
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 64;
        host_ret *nv = realloc(l->v, cap * sizeof(*nv));
        if (!nv)
            return;
        l->v = nv;
        l->cap = cap;
    }
    host_ret *h = &l->v[l->n++];
    snprintf(h->name, sizeof h->name, "%s", v[0]);
    h->months = vg_retention_months(l->c, v[1] ? atoi(v[1]) : 0, v[2] ? atoi(v[2]) : 0);
}

static int load_hosts(vg_store *st, const vg_retention_cfg *c, const char *unit, host_list *l,
                      char *errbuf)
{
    memset(l, 0, sizeof(*l));
    l->c = c;
    const char *p[] = {unit};
    bool scoped = unit && unit[0];
    return vg_store_exec(st,
                         scoped ? "SELECT h.name, s.level, s.retention_months FROM hosts h "
                                  "LEFT JOIN systems s ON s.name = h.system WHERE h.unit = ? ORDER BY h.name"
                                : "SELECT h.name, s.level, s.retention_months FROM hosts h "
                                  "LEFT JOIN systems s ON s.name = h.system ORDER BY h.name",
                         p, scoped ? 1 : 0, host_row, l, NULL, errbuf);
}

/* Delete up to batch rows matching (sql, params); *n gets the count. */
static int one_batch(vg_store *st, pthread_mutex_t *lock, const char *sql, const char *const *p,
                     int np, int64_t *n, char *errbuf)
{
    if (lock)
        pthread_mutex_lock(lock);
    int rc = vg_store_exec(st, sql, p, np, NULL, NULL, n, errbuf);
    if (lock)
        pthread_mutex_unlock(lock);
    return rc;
}

/* Run batches of one delete until it removes fewer than batch rows or the
 * pass budget is spent. */
static int drain(vg_store *st, pthread_mutex_t *lock, const vg_retention_cfg *c, const char *sql,
                 const char *const *p, int np, int *budget, int64_t *deleted, bool *more,
                 char *errbuf)
{
    int batch = c->batch > 0 ? c->batch : 5000;
    for (;;) {
        if (*budget <= 0) {
            *more = true;
            return VG_OK;
        }
        int64_t n = 0;
        int rc = one_batch(st, lock, sql, p, np, &n, errbuf);
        if (rc != VG_OK)
            return rc;
        /* Only batches that deleted count against the pass: a pass that
         * resumes after its predecessor never starves on clean hosts. */
        if (n > 0)
            (*budget)--;
        *deleted += n;
        if (n < batch)
            return VG_OK;
    }
}

int vg_retention_prune(vg_store *st, pthread_mutex_t *lock, const vg_retention_cfg *c,
                       int64_t now_us, int64_t *deleted, bool *more, char *errbuf)
{
    *deleted = 0;
    *more = false;
    int batch = c->batch > 0 ? c->batch : 5000;
    int budget = c->max_batches > 0 ? c->max_batches : 100;
    char lim[16];
    snprintf(lim, sizeof lim, "%d", batch);
    host_list l;
    if (lock)
        pthread_mutex_lock(lock);
    int rc = load_hosts(st, c, "", &l, errbuf);
    if (lock)
        pthread_mutex_unlock(lock);
    char cut[24];
    /* 0. Time partitions (PostgreSQL): the ones ahead, and whole ones past
     * every retention dropped at once; the batches below do the rest. */
    if (rc == VG_OK) {
        int longest = vg_retention_months(c, 0, 0);
        for (size_t i = 0; i < l.n; i++)
            longest = l.v[i].months > longest ? l.v[i].months : longest;
        int64_t parts = 0, rows = 0;
        if (lock)
            pthread_mutex_lock(lock);
        rc = vg_store_partitions_maintain(st, now_us, errbuf);
        if (rc == VG_OK)
            rc = vg_store_partitions_drop(st, now_us - (int64_t)longest * VG_MONTH_US, &parts,
                                          &rows, errbuf);
        if (lock)
            pthread_mutex_unlock(lock);
        if (parts)
            vg_info("retention: dropped %lld partitions (%lld events) past every retention",
                    (long long)parts, (long long)rows);
        *deleted += rows;
    }
    /* 1. Per host, by its system.  The outer `ts < ?` lets PostgreSQL
     * visit only the partitions that can hold such rows. */
    for (size_t i = 0; rc == VG_OK && i < l.n && !*more; i++) {
        snprintf(cut, sizeof cut, "%" PRId64, now_us - (int64_t)l.v[i].months * VG_MONTH_US);
        const char *p[] = {cut, l.v[i].name, cut, lim};
        rc = drain(st, lock, c,
                   "DELETE FROM events WHERE ts < ? AND id IN (SELECT id FROM events WHERE "
                   "sensor = ? AND ts < ? LIMIT ?)", p, 4, &budget, deleted, more, errbuf);
    }
    free(l.v);
    /* 2. Senders unknown to the inventory keep the default. */
    if (rc == VG_OK && !*more) {
        snprintf(cut, sizeof cut, "%" PRId64,
                 now_us - (int64_t)vg_retention_months(c, 0, 0) * VG_MONTH_US);
        const char *p[] = {cut, cut, lim};
        rc = drain(st, lock, c,
                   "DELETE FROM events WHERE ts < ? AND id IN (SELECT id FROM events WHERE ts < ? "
                   "AND sensor NOT IN (SELECT name FROM hosts) LIMIT ?)", p, 3, &budget, deleted,
                   more, errbuf);
    }
    /* 3. The upper bound holds for everything. */
    if (rc == VG_OK && !*more) {
        int max = c->max_months >= 12 ? c->max_months : 12;
        snprintf(cut, sizeof cut, "%" PRId64, now_us - (int64_t)max * VG_MONTH_US);
        const char *p[] = {cut, cut, lim};
        rc = drain(st, lock, c,
                   "DELETE FROM events WHERE ts < ? AND id IN (SELECT id FROM events WHERE ts < ? "
                   "LIMIT ?)", p, 3, &budget, deleted, more, errbuf);
        /* The overview's counters follow the upper bound. */
        int64_t gone = 0;
        if (rc == VG_OK) {
            if (lock)
                pthread_mutex_lock(lock);
            rc = vg_rollup_prune(st, now_us - (int64_t)max * VG_MONTH_US, &gone, errbuf);
            if (lock)
                pthread_mutex_unlock(lock);
        }
    }
    return rc;
}

/* ---- estimate ---------------------------------------------------------- */

typedef struct sensor_use {
    char name[128];
    int64_t events, bytes, oldest, recent;
} sensor_use;

typedef struct use_list {
    sensor_use *v;
    size_t n, cap;
} use_list;

static void use_row(void *arg, int n, const char *const *v)
{
    use_list *l = arg;
    if (n < 5 || !v[0])
        return;
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 64;
        sensor_use *nv = realloc(l->v, cap * sizeof(*nv));
        if (!nv)
            return;
        l->v = nv;
        l->cap = cap;
    }
    sensor_use *u = &l->v[l->n++];
    snprintf(u->name, sizeof u->name, "%s", v[0]);
    u->events = v[1] ? strtoll(v[1], NULL, 10) : 0;
    u->bytes = v[2] ? strtoll(v[2], NULL, 10) : 0;
    u->oldest = v[3] ? strtoll(v[3], NULL, 10) : 0;
    u->recent = v[4] ? strtoll(v[4], NULL, 10) : 0;
}

static void first_int(void *arg, int n, const char *const *v)
{
    if (n > 0 && v[0])
        *(int64_t *)arg = strtoll(v[0], NULL, 10);
}

typedef struct sys_map {
    char host[128], system[128];
} sys_map;

typedef struct maps {
    sys_map *v;
    size_t n, cap;
} maps;

static void map_row(void *arg, int n, const char *const *v)
{
    maps *m = arg;
    if (n < 2 || !v[0])
        return;
    if (m->n == m->cap) {
        size_t cap = m->cap ? m->cap * 2 : 64;
        sys_map *nv = realloc(m->v, cap * sizeof(*nv));
        if (!nv)
            return;
        m->v = nv;
        m->cap = cap;
    }
    snprintf(m->v[m->n].host, sizeof m->v[m->n].host, "%s", v[0]);
    snprintf(m->v[m->n].system, sizeof m->v[m->n].system, "%s", v[1] ? v[1] : "");
    m->n++;
}

static void sys_obj_row(void *arg, int n, const char *const *v)
{
    json_t *o = arg;
    if (n < 3 || !v[0])
        return;
    json_object_set_new(o, v[0], json_pack("{si si}", "level", v[1] ? atoi(v[1]) : 0, "override",
                                           v[2] ? atoi(v[2]) : 0));
}

json_t *vg_retention_estimate(vg_store *st, const vg_retention_cfg *c, const char *unit,
                              int64_t now_us, char *errbuf)
{
    bool scoped = unit && unit[0];
    char week[24];
    snprintf(week, sizeof week, "%" PRId64, now_us - (int64_t)7 * 86400 * 1000000);
    const char *p[] = {week, unit};
    use_list ul = {0};
    int rc = vg_store_exec(st, scoped
        ? "SELECT sensor, count(*), sum(length(json)), min(ts), "
          "sum(CASE WHEN ts >= ? THEN 1 ELSE 0 END) FROM events WHERE unit = ? GROUP BY sensor"
        : "SELECT sensor, count(*), sum(length(json)), min(ts), "
          "sum(CASE WHEN ts >= ? THEN 1 ELSE 0 END) FROM events GROUP BY sensor",
        p, scoped ? 2 : 1, use_row, &ul, NULL, errbuf);
    maps m = {0};
    json_t *sysinfo = json_object();
    if (rc == VG_OK)
        rc = vg_store_exec(st, "SELECT name, system FROM hosts", NULL, 0, map_row, &m, NULL, errbuf);
    if (rc == VG_OK)
        rc = vg_store_exec(st, "SELECT name, level, retention_months FROM systems", NULL, 0,
                           sys_obj_row, sysinfo, NULL, errbuf);
    int64_t db_bytes = 0, json_bytes = 0;
    if (rc == VG_OK) {
        const char *sql = strcmp(vg_store_backend(st), "postgresql") == 0
                              ? "SELECT pg_database_size(current_database())"
                              : "SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()";
        (void)!vg_store_exec(st, sql, NULL, 0, first_int, &db_bytes, NULL, NULL);
    }
    if (rc != VG_OK) {
        free(ul.v);
        free(m.v);
        json_decref(sysinfo);
        return NULL;
    }
    for (size_t i = 0; i < ul.n; i++)
        json_bytes += ul.v[i].bytes;
    double overhead = json_bytes > 0 && db_bytes > json_bytes ? (double)db_bytes / json_bytes : 1.0;
    /* Aggregate per system ("" = hosts in no system). */
    json_t *per = json_object();
    for (size_t i = 0; i < ul.n; i++) {
        const char *sys = "";
        for (size_t k = 0; k < m.n; k++)
            if (strcmp(m.v[k].host, ul.v[i].name) == 0)
                sys = m.v[k].system;
        json_t *info = json_object_get(sysinfo, sys);
        int level = info ? (int)json_integer_value(json_object_get(info, "level")) : 0;
        int ovr = info ? (int)json_integer_value(json_object_get(info, "override")) : 0;
        json_t *o = json_object_get(per, sys);
        if (!o) {
            o = json_pack("{ss si si sI sI sI sI}", "system", sys, "level", level,
                          "retention_months", vg_retention_months(c, level, ovr), "events",
                          (json_int_t)0, "bytes", (json_int_t)0, "oldest_us", (json_int_t)0,
                          "events_last_7d", (json_int_t)0);
            json_object_set_new(per, sys, o);
        }
        json_object_set_new(o, "events", json_integer(json_integer_value(json_object_get(o, "events")) + ul.v[i].events));
        json_object_set_new(o, "bytes", json_integer(json_integer_value(json_object_get(o, "bytes")) + ul.v[i].bytes));
        json_object_set_new(o, "events_last_7d", json_integer(json_integer_value(json_object_get(o, "events_last_7d")) + ul.v[i].recent));
        int64_t old = json_integer_value(json_object_get(o, "oldest_us"));
        if (!old || (ul.v[i].oldest && ul.v[i].oldest < old))
            json_object_set_new(o, "oldest_us", json_integer(ul.v[i].oldest));
    }
    json_t *arr = json_array();
    const char *k;
    json_t *o;
    double projected_total = 0;
    json_object_foreach(per, k, o) {
        int64_t ev = json_integer_value(json_object_get(o, "events"));
        int64_t by = json_integer_value(json_object_get(o, "bytes"));
        int64_t wk = json_integer_value(json_object_get(o, "events_last_7d"));
        int months = (int)json_integer_value(json_object_get(o, "retention_months"));
        double per_event = ev ? (double)by / ev : 0;
        double per_day = wk / 7.0;
        double proj = per_day * months * 31.0 * per_event * overhead;
        projected_total += proj;
        json_object_set_new(o, "disk_bytes_estimate", json_integer((json_int_t)(by * overhead)));
        json_object_set_new(o, "events_per_day", json_real(per_day));
        json_object_set_new(o, "projected_bytes_at_retention", json_integer((json_int_t)proj));
        json_array_append(arr, o);
    }
    json_decref(per);
    json_decref(sysinfo);
    free(ul.v);
    free(m.v);
    return json_pack("{so sI sI sf sI si si}", "systems", arr, "database_bytes", (json_int_t)db_bytes,
                     "json_bytes", (json_int_t)json_bytes, "overhead", overhead,
                     "projected_bytes", (json_int_t)projected_total, "max_months",
                     c->max_months, "default_months", vg_retention_months(c, 0, 0));
}
