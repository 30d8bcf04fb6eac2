/*
 * test_retention.c: retention by level, bounded pruning and the disk-use
 * estimate (part of the store suite: SQLite and PostgreSQL).
 */
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "server/inventory.h"
#include "server/retention.h"
#include "server/rollup.h"
#include "store_suite.h"
#include "unit/vg_test.h"

#define DAY_US ((int64_t)86400 * 1000000)
static const int ages[] = {20, 40, 200, 400, 800, 1200}; /* days */
#define NAGES 6

/* Events of `sender` at each age; the sender becomes a host unless ghost. */
static void fill(vg_store *st, const char *sender, int64_t now, bool ghost)
{
    static char ids[NAGES][64], json[NAGES][96];
    vg_store_event ev[NAGES];
    for (int i = 0; i < NAGES; i++) {
        snprintf(ids[i], sizeof ids[i], "%s-%d", sender, i);
        snprintf(json[i], sizeof json[i], "{\"event_type\":\"flow\",\"age\":%d}", ages[i]);
        ev[i] = (vg_store_event){.event_id = ids[i], .ts_us = now - ages[i] * DAY_US,
                                 .event_type = "flow", .sensor = sender, .unit = "u1",
                                 .json = json[i]};
    }
    char err[VG_ERRBUF_SIZE];
    size_t ins = 0;
    VG_CHECK_EQ(vg_store_insert_events(st, ev, NAGES, &ins, err), VG_OK);
    VG_CHECK_EQ(ins, NAGES);
    if (!ghost)
        VG_CHECK_EQ(vg_inventory_ingest(st, sender, "u1", ev, NAGES, now, err), VG_OK);
}

static void count_row(void *arg, int n, const char *const *v)
{
    if (n > 0 && v[0])
        *(int64_t *)arg = strtoll(v[0], NULL, 10);
}

static int64_t count_of(vg_store *st, const char *sender)
{
    int64_t n = -1;
    const char *p[] = {sender};
    char err[VG_ERRBUF_SIZE];
    if (vg_store_exec(st, "SELECT count(*) FROM events WHERE sensor = ?", p, 1, count_row, &n,
                      NULL, err) != VG_OK)
        fprintf(stderr, "count: %s\n", err);
    return n;
}

static void make_system(vg_store *st, const char *name, int level, int override)
{
    char text[200], err[VG_ERRBUF_SIZE];
    snprintf(text, sizeof text, "{\"name\":\"%s\",\"unit\":\"u1\",\"level\":%d,\"retention_months\":%d}",
             name, level, override);
    json_error_t je;
    json_t *j = json_loads(text, 0, &je);
    int64_t id;
    VG_CHECK_EQ(vg_inventory_system_put(st, "", 0, j, 36, &id, err), VG_OK);
    json_decref(j);
}

static void attach(vg_store *st, const char *host, const char *system)
{
    char err[VG_ERRBUF_SIZE];
    int64_t id = 0;
    const char *p[] = {host};
    VG_CHECK_EQ(vg_store_exec(st, "SELECT id FROM hosts WHERE name = ?", p, 1, count_row, &id,
                              NULL, err), VG_OK);
    json_t *j = json_pack("{ss}", "system", system);
    VG_CHECK_EQ(vg_inventory_host_put(st, "", id, j, err), VG_OK);
    json_decref(j);
}

void retention_by_level(void)
{
    vg_retention_cfg c = {.max_months = 36, .default_months = 12, .batch = 2, .max_batches = 1};
    /* the level minimums, the override, the default and the cap */
    VG_CHECK_EQ(vg_retention_months(&c, 2, 0), 1);
    VG_CHECK_EQ(vg_retention_months(&c, 3, 0), 3);
    VG_CHECK_EQ(vg_retention_months(&c, 4, 0), 6);
    VG_CHECK_EQ(vg_retention_months(&c, 5, 0), 12);
    VG_CHECK_EQ(vg_retention_months(&c, 3, 24), 24);
    VG_CHECK_EQ(vg_retention_months(&c, 3, 48), 36);
    VG_CHECK_EQ(vg_retention_months(&c, 0, 0), 12);
    vg_retention_cfg low = {.max_months = 3};
    VG_CHECK_EQ(vg_retention_months(&low, 5, 0), 12); /* the bound never goes below 12 */

    vg_store *st = fresh();
    if (!st) {
        VG_CHECK(st != NULL);
        return;
    }
    int64_t now = 1800000000LL * 1000000;
    make_system(st, "s2", 2, 0);
    make_system(st, "s5", 5, 0);
    make_system(st, "s3", 3, 24);
    fill(st, "h2", now, false);
    fill(st, "h5", now, false);
    fill(st, "h3", now, false);
    fill(st, "hn", now, false);
    fill(st, "ghost", now, true);
    attach(st, "h2", "s2");
    attach(st, "h5", "s5");
    attach(st, "h3", "s3");
    char err[VG_ERRBUF_SIZE];
    int64_t total = 0, del = 0;
    bool more = true;
    int passes = 0;
    /* Bounded: each pass deletes at most batch * max_batches rows. */
    while (more && passes < 100) {
        VG_CHECK_EQ(vg_retention_prune(st, NULL, &c, now, &del, &more, err), VG_OK);
        /* PostgreSQL's first pass may also drop whole partitions: the
         * events older than the longest retention (24 months), 2 a host */
        VG_CHECK(del <= 2 || (passes == 0 && strcmp(vg_store_backend(st), "postgresql") == 0 &&
                              del <= 2 + 10));
        total += del;
        passes++;
    }
    VG_CHECK(passes > 5);
    /* ages 20, 40, 200, 400, 800, 1200 days; a month counts 31 days */
    VG_CHECK_EQ(count_of(st, "h2"), 1);    /* level 2: 1 month */
    VG_CHECK_EQ(count_of(st, "h5"), 3);    /* level 5: 12 months */
    VG_CHECK_EQ(count_of(st, "h3"), 4);    /* level 3 raised to 24 months */
    VG_CHECK_EQ(count_of(st, "hn"), 3);    /* no system: default 12 */
    VG_CHECK_EQ(count_of(st, "ghost"), 3); /* unknown sender: default 12 */
    VG_CHECK_EQ(total, 5 + 3 + 2 + 3 + 3);
    /* idempotent: nothing more to do */
    vg_retention_cfg big = {.max_months = 36, .default_months = 12};
    VG_CHECK_EQ(vg_retention_prune(st, NULL, &big, now, &del, &more, err), VG_OK);
    VG_CHECK_EQ(del, 0);
    VG_CHECK(!more);
    /* a lower upper bound prunes the 24-month system down to it */
    vg_retention_cfg capped = {.max_months = 12, .default_months = 12};
    VG_CHECK_EQ(vg_retention_prune(st, NULL, &capped, now, &del, &more, err), VG_OK);
    VG_CHECK_EQ(del, 1);
    VG_CHECK_EQ(count_of(st, "h3"), 3);
    done(st);
}

void retention_estimate(void)
{
    vg_store *st = fresh();
    if (!st) {
        VG_CHECK(st != NULL);
        return;
    }
    int64_t now = 1800000000LL * 1000000;
    make_system(st, "s5", 5, 0);
    fill(st, "h5", now, false);
    fill(st, "hn", now, false);
    attach(st, "h5", "s5");
    vg_retention_cfg c = {.max_months = 36, .default_months = 6};
    char err[VG_ERRBUF_SIZE];
    json_t *e = vg_retention_estimate(st, &c, "", now, err);
    VG_CHECK(e != NULL);
    if (!e)
        return done(st);
    json_t *arr = json_object_get(e, "systems");
    VG_CHECK_EQ(json_array_size(arr), 2);
    size_t i;
    json_t *o;
    int seen = 0;
    json_array_foreach(arr, i, o) {
        const char *name = json_string_value(json_object_get(o, "system"));
        VG_CHECK_EQ(json_integer_value(json_object_get(o, "events")), NAGES);
        VG_CHECK(json_integer_value(json_object_get(o, "bytes")) > NAGES * 20);
        VG_CHECK_EQ(json_integer_value(json_object_get(o, "events_last_7d")), 0);
        if (strcmp(name, "s5") == 0) {
            seen++;
            VG_CHECK_EQ(json_integer_value(json_object_get(o, "retention_months")), 12);
            VG_CHECK_EQ(json_integer_value(json_object_get(o, "oldest_us")), now - 1200 * DAY_US);
        } else if (strcmp(name, "") == 0) {
            seen++;
            VG_CHECK_EQ(json_integer_value(json_object_get(o, "retention_months")), 6);
        }
    }
    VG_CHECK_EQ(seen, 2);
    VG_CHECK(json_integer_value(json_object_get(e, "database_bytes")) > 0);
    json_decref(e);
    /* with recent traffic the projection grows with the retention */
    json_t *e2 = vg_retention_estimate(st, &c, "", now - 1190 * DAY_US, err);
    json_array_foreach(json_object_get(e2, "systems"), i, o)
        VG_CHECK(json_integer_value(json_object_get(o, "projected_bytes_at_retention")) > 0);
    json_decref(e2);
    json_t *e3 = vg_retention_estimate(st, &c, "u9", now, err);
    VG_CHECK_EQ(json_array_size(json_object_get(e3, "systems")), 0);
    json_decref(e3);
    done(st);
}

static void sum_row(void *arg, int n, const char *const *v)
{
    if (n > 0 && v[0])
        *(int64_t *)arg += strtoll(v[0], NULL, 10);
}

static int64_t rollup_sum(vg_store *st, const char *kind, const char *key)
{
    int64_t n = 0;
    const char *p[] = {kind, key};
    char err[VG_ERRBUF_SIZE];
    if (vg_store_exec(st, "SELECT n FROM event_rollup WHERE kind = ? AND key = ?", p, 2, sum_row,
                      &n, NULL, err) != VG_OK)
        fprintf(stderr, "rollup: %s\n", err);
    return n;
}

void rollup_counts_new_events_once(void)
{
    vg_store *st = fresh();
    if (!st) {
        VG_CHECK(st != NULL);
        return;
    }
    int64_t t = 1800000000LL * 1000000;
    vg_store_event ev[] = {
        {.event_id = "a", .ts_us = t, .event_type = "alert", .src_ip = "198.51.100.1",
         .dest_ip = "192.0.2.1", .severity = 2, .signature = "sig A", .unit = "u1", .json = "{}"},
        {.event_id = "b", .ts_us = t + 1, .event_type = "alert", .src_ip = "198.51.100.1",
         .severity = 1, .unit = "u1", .json = "{}"},
        {.event_id = "c", .ts_us = t + VG_HOUR_US, .event_type = "flow", .unit = "u2", .json = "{}"},
        {.event_id = "a", .ts_us = t, .event_type = "alert", .src_ip = "198.51.100.1",
         .severity = 2, .signature = "sig A", .unit = "u1", .json = "{}"}, /* duplicate */
    };
    uint8_t is_new[4];
    size_t ins;
    char err[VG_ERRBUF_SIZE];
    VG_CHECK_EQ(vg_store_insert_events_flags(st, ev, 4, &ins, is_new, err), VG_OK);
    VG_CHECK_EQ(ins, 3);
    VG_CHECK(is_new[0] && is_new[1] && is_new[2] && !is_new[3]);
    VG_CHECK_EQ(vg_rollup_add(st, ev, 4, is_new, err), VG_OK);
    VG_CHECK_EQ(vg_rollup_add(st, ev, 1, NULL, err), VG_OK); /* upsert adds */
    VG_CHECK_EQ(rollup_sum(st, "type", "alert"), 3);
    VG_CHECK_EQ(rollup_sum(st, "type", "flow"), 1);
    VG_CHECK_EQ(rollup_sum(st, "src", "198.51.100.1"), 3);
    VG_CHECK_EQ(rollup_sum(st, "dest", ""), 1);
    VG_CHECK_EQ(rollup_sum(st, "sev", "2"), 2);
    VG_CHECK_EQ(rollup_sum(st, "sig", "sig A"), 2);
    VG_CHECK_EQ(rollup_sum(st, "srcd", "198.51.100.1"), 3); /* per day as well */
    VG_CHECK_EQ(rollup_sum(st, "sigd", "sig A"), 2);
    int64_t del = 0;
    VG_CHECK_EQ(vg_rollup_prune(st, t + VG_HOUR_US, &del, err), VG_OK);
    VG_CHECK_EQ(rollup_sum(st, "type", "alert"), 0);
    VG_CHECK_EQ(rollup_sum(st, "type", "flow"), 1);
    done(st);
}

/* ---- time partitions (PostgreSQL; on SQLite the same calls must give the
 * same counts, with no partitions behind them) --------------------------- */

static bool on_pg(vg_store *st) { return strcmp(vg_store_backend(st), "postgresql") == 0; }

static int64_t month_start_us(int64_t ts, int add)
{
    time_t t = (time_t)(ts / 1000000);
    struct tm tm;
    gmtime_r(&t, &tm);
    tm.tm_mday = 1;
    tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
    tm.tm_mon += add;
    return (int64_t)timegm(&tm) * 1000000;
}

static void text_row(void *arg, int n, const char *const *v)
{
    if (n > 0 && v[0])
        snprintf(arg, 64, "%s", v[0]);
}

/* The partition (table) an event is stored in; "" on SQLite. */
static void where_is(vg_store *st, const char *id, char out[64])
{
    out[0] = '\0';
    if (!on_pg(st))
        return;
    const char *p[] = {id};
    char err[VG_ERRBUF_SIZE];
    if (vg_store_exec(st, "SELECT tableoid::regclass::text FROM events WHERE event_id = ?", p, 1,
                      text_row, out, NULL, err) != VG_OK)
        fprintf(stderr, "where_is: %s\n", err);
}

static void part_name(int64_t ts, bool daily, char out[64])
{
    time_t t = (time_t)(ts / 1000000);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 64, daily ? "events_d%Y%m%d" : "events_m%Y%m", &tm);
}

static int64_t count_between(vg_store *st, int64_t since, int64_t until)
{
    vg_store_filter f = {.since_us = since, .until_us = until};
    int64_t n = -1;
    char err[VG_ERRBUF_SIZE];
    VG_CHECK_EQ(vg_store_count_events(st, &f, &n, err), VG_OK);
    return n;
}

/* Events on both sides of a month boundary land in their months'
 * partitions, far past and far future in the default one; a re-sent batch
 * adds nothing, wherever its events live. */
void partitions_boundaries(void)
{
    vg_store *st = fresh();
    if (!st) {
        VG_CHECK(st != NULL);
        return;
    }
    int64_t now = vg_now_us(), b = month_start_us(now, 1);
    int64_t far_past = 86400LL * 1000000, far_future = now + 20 * 366 * DAY_US;
    struct {
        const char *id;
        int64_t ts;
    } e[] = {{"pb-before", b - 1}, {"pb-at", b}, {"pb-after", b + 1}, {"pb-now", now},
             {"pb-past", far_past}, {"pb-future", far_future},
             {"pb-lastyear", month_start_us(now, -13) + 5}};
    enum { N = 7 };
    vg_store_event ev[N];
    for (int i = 0; i < N; i++)
        ev[i] = (vg_store_event){.event_id = e[i].id, .ts_us = e[i].ts, .event_type = "flow",
                                 .sensor = "pb", .json = "{}"};
    char err[VG_ERRBUF_SIZE];
    size_t ins = 0;
    VG_CHECK_EQ(vg_store_insert_events(st, ev, N, &ins, err), VG_OK);
    VG_CHECK_EQ(ins, N);
    /* re-sent: nothing new, on every partition */
    uint8_t is_new[N];
    VG_CHECK_EQ(vg_store_insert_events_flags(st, ev, N, &ins, is_new, err), VG_OK);
    VG_CHECK_EQ(ins, 0);
    for (int i = 0; i < N; i++)
        VG_CHECK_EQ(is_new[i], 0);
    VG_CHECK_EQ(count_of(st, "pb"), N);
    VG_CHECK_EQ(count_between(st, b - 1, b), 1);
    VG_CHECK_EQ(count_between(st, b, b + 2), 2);
    if (on_pg(st)) {
        char where[64], want[64];
        where_is(st, "pb-before", where);
        part_name(b - 1, false, want);
        VG_CHECK_STR(where, want);
        where_is(st, "pb-at", where);
        part_name(b, false, want);
        VG_CHECK_STR(where, want);
        where_is(st, "pb-after", where);
        VG_CHECK_STR(where, want);
        where_is(st, "pb-lastyear", where);
        part_name(month_start_us(now, -13), false, want);
        VG_CHECK_STR(where, want); /* a past month gets its partition on demand */
        where_is(st, "pb-past", where);
        VG_CHECK_STR(where, "events_default");
        where_is(st, "pb-future", where);
        VG_CHECK_STR(where, "events_default");
    }
    /* A batch spread over more months than one batch may open partitions
     * for: the rest waits in the default partition, and moves into its
     * month's partition when one is made later. */
    vg_store_event spread[12];
    char ids[12][32];
    for (int i = 0; i < 12; i++) {
        snprintf(ids[i], sizeof ids[i], "sp-%d", i);
        spread[i] = (vg_store_event){.event_id = ids[i], .ts_us = month_start_us(now, -30 - i) + 7,
                                     .event_type = "flow", .sensor = "sp", .json = "{}"};
    }
    VG_CHECK_EQ(vg_store_insert_events(st, spread, 12, &ins, err), VG_OK);
    VG_CHECK_EQ(ins, 12);
    if (on_pg(st)) {
        char where[64], want[64];
        where_is(st, "sp-11", where);
        VG_CHECK_STR(where, "events_default");
        vg_store_event one = spread[11];
        one.event_id = "sp-11b";
        VG_CHECK_EQ(vg_store_insert_events(st, &one, 1, &ins, err), VG_OK);
        part_name(spread[11].ts_us, false, want);
        where_is(st, "sp-11", where);
        VG_CHECK_STR(where, want);
        where_is(st, "sp-11b", where);
        VG_CHECK_STR(where, want);
    }
    VG_CHECK_EQ(count_of(st, "sp"), 13 - !on_pg(st));
    done(st);
}

/* Retention drops whole partitions past every retention, and deletes in
 * batches what is past its own retention in a partition that also holds
 * younger rows. */
void partitions_retention_drop(void)
{
    vg_store *st = fresh();
    if (!st) {
        VG_CHECK(st != NULL);
        return;
    }
    int64_t now = vg_now_us();
    struct {
        const char *id;
        int64_t ts;
    } e[] = {{"rd-old1", now - 450 * DAY_US}, {"rd-old2", now - 451 * DAY_US},
             {"rd-edge", now - 380 * DAY_US}, {"rd-young", now - 20 * DAY_US},
             {"rd-past", 86400LL * 1000000}, {"rd-future", now + 20 * 366 * DAY_US}};
    enum { N = 6 };
    vg_store_event ev[N];
    for (int i = 0; i < N; i++)
        ev[i] = (vg_store_event){.event_id = e[i].id, .ts_us = e[i].ts, .event_type = "flow",
                                 .sensor = "rd", .json = "{}"};
    char err[VG_ERRBUF_SIZE];
    size_t ins = 0;
    VG_CHECK_EQ(vg_store_insert_events(st, ev, N, &ins, err), VG_OK);
    VG_CHECK_EQ(ins, N);
    char old_part[64], where[64];
    part_name(now - 450 * DAY_US, false, old_part);
    where_is(st, "rd-old1", where);
    if (on_pg(st))
        VG_CHECK_STR(where, old_part);
    vg_retention_cfg c = {.max_months = 12, .default_months = 12};
    int64_t del = 0;
    bool more = true;
    VG_CHECK_EQ(vg_retention_prune(st, NULL, &c, now, &del, &more, err), VG_OK);
    VG_CHECK(!more);
    VG_CHECK_EQ(del, 4); /* old1, old2 (their partition), edge and past (batches) */
    VG_CHECK_EQ(count_of(st, "rd"), 2);
    int64_t gone = -1;
    if (on_pg(st)) {
        const char *p[] = {old_part};
        VG_CHECK_EQ(vg_store_exec(st, "SELECT count(*) FROM pg_class WHERE relname = ?", p, 1,
                                  count_row, &gone, NULL, err), VG_OK);
        VG_CHECK_EQ(gone, 0); /* dropped, not emptied */
        /* this month's and next month's partitions exist ahead */
        char cur[64], next[64];
        part_name(now, false, cur);
        part_name(month_start_us(now, 1), false, next);
        const char *q[] = {cur, next};
        int64_t n = 0;
        VG_CHECK_EQ(vg_store_exec(st, "SELECT count(*) FROM pg_class WHERE relname IN (?, ?)", q,
                                  2, count_row, &n, NULL, err), VG_OK);
        VG_CHECK_EQ(n, 2);
    }
    /* the estimate still works on the partitioned table */
    json_t *est = vg_retention_estimate(st, &c, "", now, err);
    VG_CHECK(est != NULL);
    VG_CHECK(json_integer_value(json_object_get(est, "database_bytes")) > 0);
    json_decref(est);
    done(st);
}

/* With VG_PG_PARTITION=day (or a month over DAILY_ROWS rows) partitions
 * are daily, made a week ahead. */
void partitions_daily(void)
{
    vg_store *st = fresh();
    if (!st) {
        VG_CHECK(st != NULL);
        return;
    }
    if (!on_pg(st)) {
        int64_t parts = -1, rows = -1;
        char err[VG_ERRBUF_SIZE];
        VG_CHECK_EQ(vg_store_partitions_drop(st, INT64_MAX, &parts, &rows, err), VG_OK);
        VG_CHECK_EQ(parts, 0); /* SQLite: nothing to drop, nothing dropped */
        return done(st);
    }
    char err[VG_ERRBUF_SIZE];
    int64_t parts = 0, rows = 0;
    /* an empty store: every partition goes, then the handle reopens daily */
    VG_CHECK_EQ(vg_store_partitions_drop(st, INT64_MAX, &parts, &rows, err), VG_OK);
    VG_CHECK(parts >= 2);
    VG_CHECK_EQ(rows, 0);
    done(st);
    setenv("VG_PG_PARTITION", "day", 1);
    st = fresh();
    unsetenv("VG_PG_PARTITION");
    if (!st) {
        VG_CHECK(st != NULL);
        return;
    }
    int64_t now = vg_now_us();
    vg_store_event ev = {.event_id = "dy-1", .ts_us = now + 3 * DAY_US, .event_type = "flow",
                         .sensor = "dy", .json = "{}"};
    size_t ins = 0;
    VG_CHECK_EQ(vg_store_insert_events(st, &ev, 1, &ins, err), VG_OK);
    char where[64], want[64];
    where_is(st, "dy-1", where);
    part_name(now + 3 * DAY_US, true, want);
    VG_CHECK_STR(where, want);
    int64_t n = 0;
    VG_CHECK_EQ(vg_store_exec(st, "SELECT count(*) FROM pg_class WHERE relname LIKE 'events_d%'",
                              NULL, 0, count_row, &n, NULL, err), VG_OK);
    VG_CHECK(n >= 8); /* today and 7 days ahead */
    /* back to monthly partitions for the tests that follow */
    int64_t del;
    VG_CHECK_EQ(vg_store_prune(st, NULL, INT64_MAX, &del, err), VG_OK);
    VG_CHECK_EQ(vg_store_partitions_drop(st, INT64_MAX, &parts, &rows, err), VG_OK);
    done(st);
    st = fresh();
    VG_CHECK(st != NULL);
    if (st) {
        part_name(now, false, want);
        const char *p[] = {want};
        VG_CHECK_EQ(vg_store_exec(st, "SELECT count(*) FROM pg_class WHERE relname = ?", p, 1,
                                  count_row, &n, NULL, err), VG_OK);
        VG_CHECK_EQ(n, 1);
        done(st);
    }
}

/* A store made before partitioning (events a plain table) is migrated at
 * open: rows, ids and the id sequence kept, idempotency kept. */
void partitions_migrate(void)
{
    vg_store *st = fresh();
    if (!st) {
        VG_CHECK(st != NULL);
        return;
    }
    if (!on_pg(st))
        return done(st);
    char err[VG_ERRBUF_SIZE];
    /* the old schema: the core DDL as it was run unpartitioned */
    VG_CHECK_EQ(vg_store_exec(st, "DROP TABLE events", NULL, 0, NULL, NULL, NULL, err), VG_OK);
    VG_CHECK_EQ(vg_store_ddl(st,
        "CREATE TABLE events (id BIGSERIAL PRIMARY KEY, event_id TEXT NOT NULL UNIQUE,"
        " ts BIGINT NOT NULL, received BIGINT NOT NULL, event_type TEXT NOT NULL,"
        " sensor TEXT NOT NULL DEFAULT '', unit TEXT NOT NULL DEFAULT '', src_ip TEXT,"
        " dest_ip TEXT, signature_id BIGINT NOT NULL DEFAULT 0, severity INTEGER NOT NULL"
        " DEFAULT 0, signature TEXT, json TEXT NOT NULL);"
        "CREATE INDEX events_ts ON events(ts);"
        "CREATE INDEX events_type_id ON events(event_type, id);"
        "INSERT INTO events(event_id, ts, received, event_type, sensor, json) VALUES"
        " ('mg-1', 1000, 1, 'flow', 'mg', '{}'),"
        " ('mg-2', (extract(epoch from now())::bigint - 40 * 86400) * 1000000, 1, 'flow', 'mg', '{}'),"
        " ('mg-3', extract(epoch from now())::bigint * 1000000, 1, 'alert', 'mg', '{}')", err),
        VG_OK);
    int64_t maxid = 0;
    VG_CHECK_EQ(vg_store_exec(st, "SELECT max(id) FROM events", NULL, 0, count_row, &maxid, NULL,
                              err), VG_OK);
    vg_store_close(st);
    st = NULL;
    VG_CHECK_EQ(vg_store_open(&st, getenv("VG_TEST_STORE"), err), VG_OK);
    if (!st)
        return;
    char kind[64] = "";
    VG_CHECK_EQ(vg_store_exec(st, "SELECT relkind FROM pg_class WHERE oid = to_regclass('events')",
                              NULL, 0, text_row, kind, NULL, err), VG_OK);
    VG_CHECK_STR(kind, "p");
    VG_CHECK_EQ(count_of(st, "mg"), 3);
    int64_t id = 0;
    VG_CHECK_EQ(vg_store_exec(st, "SELECT max(id) FROM events", NULL, 0, count_row, &id, NULL,
                              err), VG_OK);
    VG_CHECK_EQ(id, maxid);
    char where[64], want[64];
    where_is(st, "mg-1", where);
    VG_CHECK_STR(where, "events_default"); /* 1970: outside the window */
    where_is(st, "mg-3", where);
    int64_t now = vg_now_us();
    part_name(now, false, want);
    VG_CHECK_STR(where, want);
    vg_store_event ev[2] = {
        {.event_id = "mg-4", .ts_us = now, .event_type = "flow", .sensor = "mg", .json = "{}"},
        {.event_id = "mg-4", .ts_us = now, .event_type = "flow", .sensor = "mg", .json = "{}"}};
    size_t ins = 0;
    VG_CHECK_EQ(vg_store_insert_events(st, ev, 2, &ins, err), VG_OK);
    VG_CHECK_EQ(ins, 1);
    VG_CHECK_EQ(vg_store_insert_events(st, ev, 1, &ins, err), VG_OK);
    VG_CHECK_EQ(ins, 0);
    VG_CHECK_EQ(vg_store_exec(st, "SELECT max(id) FROM events", NULL, 0, count_row, &id, NULL,
                              err), VG_OK);
    VG_CHECK(id > maxid); /* the sequence went on from the old ids */
    done(st);
}
