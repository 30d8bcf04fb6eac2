/*
 * test_retention.c: retention by level, bounded pruning and the disk-use
 * estimate (part of the store suite: SQLite and PostgreSQL).
 */
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
        VG_CHECK(del <= 2);
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
