/*
 * test_inventory.c: inventory on the store under test (part of the store
 * suite: runs on SQLite and on PostgreSQL).
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/ingest.h"
#include "server/inventory.h"
#include "server/inventory_int.h"
#include "store_suite.h"
#include "unit/vg_test.h"

#define DAY_US (86400LL * 1000000)

static int ingest(vg_store *st, const char *account, const char *unit, const char *ndjson,
                  int64_t now)
{
    vg_ingest_batch b;
    char err[VG_ERRBUF_SIZE];
    size_t ins;
    int rc = vg_ingest_parse(ndjson, strlen(ndjson), account, unit, &b, err);
    if (rc == VG_OK)
        rc = vg_store_insert_events(st, b.ev, b.n, &ins, err);
    if (rc == VG_OK)
        rc = vg_inventory_ingest(st, account, unit, b.ev, b.n, now, err);
    if (rc != VG_OK)
        fprintf(stderr, "ingest: %s\n", err);
    vg_ingest_free(&b);
    return rc;
}

static json_t *find(json_t *arr, const char *key, const char *name)
{
    size_t i;
    json_t *o;
    json_array_foreach(arr, i, o) {
        const char *v = json_string_value(json_object_get(o, key));
        if (v && strcmp(v, name) == 0)
            return o;
    }
    return NULL;
}

static json_t *body(const char *text)
{
    json_error_t e;
    return json_loads(text, 0, &e);
}

void inventory_host_health(void)
{
    vg_store *st = fresh();
    if (!st) {
        VG_CHECK(st != NULL);
        return;
    }
    int64_t now = 1700000000LL * 1000000;
    const char *b1 =
        "{\"timestamp\":\"2023-11-14T22:13:00+0000\",\"event_type\":\"flow\"}\n"
        "{\"timestamp\":\"2023-11-14T22:13:01+0000\",\"event_type\":\"stats\",\"stats\":{\"uptime\":5,"
        "\"capture\":{\"kernel_packets\":100,\"kernel_drops\":0}}}\n"
        "{\"timestamp\":\"2023-11-14T22:13:09+0000\",\"event_type\":\"stats\",\"stats\":{\"uptime\":13,"
        "\"capture\":{\"kernel_packets\":250,\"kernel_drops\":1}}}\n";
    VG_CHECK_EQ(ingest(st, "sensor-a", "u1", b1, now), VG_OK);
    VG_CHECK_EQ(ingest(st, "agent-b", "u2", "{\"timestamp\":\"2023-11-14T22:13:00+0000\","
                                            "\"event_type\":\"log\"}", now - 2 * DAY_US), VG_OK);
    VG_CHECK_EQ(ingest(st, "sensor-a", "u1", "{\"timestamp\":\"2023-11-14T22:14:00+0000\","
                                             "\"event_type\":\"flow\"}", now + 1000000), VG_OK);
    char err[VG_ERRBUF_SIZE];
    json_t *all = vg_inventory_hosts(st, "", now + 2000000, err);
    VG_CHECK_EQ(json_array_size(all), 2);
    json_t *a = find(all, "name", "sensor-a"), *b = find(all, "name", "agent-b");
    VG_CHECK(a && b);
    if (a && b) {
        VG_CHECK_STR(json_string_value(json_object_get(a, "kind")), "sensor");
        VG_CHECK_EQ(json_integer_value(json_object_get(a, "events")), 4);
        VG_CHECK_EQ(json_integer_value(json_object_get(a, "last_seen_us")), now + 1000000);
        VG_CHECK_STR(json_string_value(json_object_get(a, "health")), "ok");
        /* the newest stats record is kept */
        VG_CHECK_EQ(json_integer_value(json_object_get(json_object_get(a, "stats"), "uptime")), 13);
        VG_CHECK_STR(json_string_value(json_object_get(b, "kind")), "agent");
        VG_CHECK_STR(json_string_value(json_object_get(b, "health")), "down");
    }
    json_decref(all);
    json_t *u2 = vg_inventory_hosts(st, "u2", now, err);
    VG_CHECK_EQ(json_array_size(u2), 1);
    VG_CHECK(find(u2, "name", "sensor-a") == NULL);
    json_decref(u2);
    done(st);
}

void inventory_systems_schedule(void)
{
    vg_store *st = fresh();
    if (!st) {
        VG_CHECK(st != NULL);
        return;
    }
    char err[VG_ERRBUF_SIZE];
    int64_t id5 = 0, id3 = 0, id;
    json_t *j;
    /* validation */
    j = body("{\"name\":\"portal\",\"unit\":\"u1\",\"level\":6}");
    VG_CHECK_EQ(vg_inventory_system_put(st, "", 0, j, 60, &id, err), VG_EINVAL);
    json_decref(j);
    j = body("{\"name\":\"portal\",\"unit\":\"u1\",\"level\":5,\"retention_months\":6}");
    VG_CHECK_EQ(vg_inventory_system_put(st, "", 0, j, 60, &id, err), VG_EINVAL);
    VG_CHECK(strstr(err, "12-60") != NULL);
    json_decref(j);
    j = body("{\"name\":\"portal\",\"unit\":\"u1\",\"level\":5,\"retention_months\":61}");
    VG_CHECK_EQ(vg_inventory_system_put(st, "", 0, j, 60, &id, err), VG_EINVAL);
    json_decref(j);
    j = body("{\"name\":\"portal\",\"unit\":\"u2\",\"level\":5}");
    VG_CHECK_EQ(vg_inventory_system_put(st, "u1", 0, j, 60, &id, err), VG_EINVAL); /* other unit */
    json_decref(j);
    /* creation */
    j = body("{\"name\":\"portal\",\"unit\":\"u1\",\"level\":5,\"owner\":\"IT dept\"}");
    VG_CHECK_EQ(vg_inventory_system_put(st, "", 0, j, 60, &id5, err), VG_OK);
    json_decref(j);
    j = body("{\"name\":\"hr\",\"level\":3,\"retention_months\":24}");
    VG_CHECK_EQ(vg_inventory_system_put(st, "u2", 0, j, 60, &id3, err), VG_OK); /* unit from scope */
    json_decref(j);
    j = body("{\"name\":\"hr\",\"level\":2}");
    VG_CHECK_EQ(vg_inventory_system_put(st, "", 0, j, 60, &id, err), VG_EINVAL); /* name taken */
    json_decref(j);
    VG_CHECK(id5 > 0 && id3 > 0 && id5 != id3);

    /* a host of u1 joins portal, then reports inspection results */
    int64_t now = 1700000000LL * 1000000;
    VG_CHECK_EQ(ingest(st, "web1", "u1", "{\"timestamp\":\"2023-11-14T00:00:00+0000\","
                                         "\"event_type\":\"flow\"}", now), VG_OK);
    json_t *hosts = vg_inventory_hosts(st, "", now, err);
    int64_t hid = json_integer_value(json_object_get(json_array_get(hosts, 0), "id"));
    json_decref(hosts);
    j = body("{\"system\":\"hr\"}");
    VG_CHECK_EQ(vg_inventory_host_put(st, "", hid, j, err), VG_EINVAL); /* hr is u2's */
    json_decref(j);
    j = body("{\"system\":\"portal\"}");
    VG_CHECK_EQ(vg_inventory_host_put(st, "u2", hid, j, err), VG_ENOENT); /* not visible */
    VG_CHECK_EQ(vg_inventory_host_put(st, "", hid, j, err), VG_OK);
    json_decref(j);
    const char *sca =
        "{\"timestamp\":\"2023-11-10T00:00:00+0000\",\"event_type\":\"sca\",\"sca\":{\"policy\":\"p1\","
        "\"check\":{\"id\":\"1\",\"title\":\"ssh root\",\"result\":\"failed\"}}}\n"
        "{\"timestamp\":\"2023-11-10T00:00:00+0000\",\"event_type\":\"sca\",\"sca\":{\"policy\":\"p1\","
        "\"check\":{\"id\":\"2\",\"result\":\"passed\"}}}\n"
        "{\"timestamp\":\"2023-11-10T00:00:01+0000\",\"event_type\":\"compliance\",\"compliance\":"
        "{\"score\":70,\"passed\":7,\"failed\":3}}\n"
        "{\"timestamp\":\"2023-11-10T00:00:01+0000\",\"event_type\":\"compliance\",\"compliance\":"
        "{\"system\":\"hr\",\"score\":1,\"passed\":1,\"failed\":99}}\n";
    VG_CHECK_EQ(ingest(st, "web1", "u1", sca, now), VG_OK);
    /* a later result for check 1 replaces the earlier one; an older one does not */
    VG_CHECK_EQ(ingest(st, "web1", "u1",
                       "{\"timestamp\":\"2023-11-11T00:00:00+0000\",\"event_type\":\"sca\",\"sca\":"
                       "{\"policy\":\"p1\",\"check\":{\"id\":\"2\",\"result\":\"failed\"}}}\n"
                       "{\"timestamp\":\"2023-11-01T00:00:00+0000\",\"event_type\":\"sca\",\"sca\":"
                       "{\"policy\":\"p1\",\"check\":{\"id\":\"1\",\"result\":\"passed\"}}}\n", now),
                VG_OK);

    json_t *all = vg_inventory_systems(st, "", now, "2023-11-14", err);
    json_t *list = json_object_get(all, "systems");
    json_t *p = find(list, "name", "portal"), *h = find(list, "name", "hr");
    VG_CHECK(p && h);
    if (p && h) {
        VG_CHECK_EQ(json_integer_value(json_object_get(p, "level")), 5);
        VG_CHECK_EQ(json_integer_value(json_object_get(p, "inspection_interval_months")), 6);
        VG_CHECK_STR(json_string_value(json_object_get(p, "last_inspection")), "2023-11-11T00:00:00Z");
        VG_CHECK(json_is_false(json_object_get(p, "inspection_overdue")));
        VG_CHECK_EQ(json_integer_value(json_object_get(p, "compliance_score")), 70);
        VG_CHECK_EQ(json_integer_value(json_object_get(json_object_get(p, "sca"), "failed")), 2);
        VG_CHECK_EQ(json_integer_value(json_object_get(json_object_get(p, "sca"), "passed")), 0);
        VG_CHECK_EQ(json_integer_value(json_object_get(p, "retention_effective_months")), 12);
        VG_CHECK_EQ(json_integer_value(json_object_get(p, "hosts")), 1);
        /* hr: level 3, never inspected; u1's sender could not set its compliance */
        VG_CHECK(json_is_true(json_object_get(h, "inspection_overdue")));
        VG_CHECK_EQ(json_integer_value(json_object_get(h, "compliance_score")), -1);
        VG_CHECK_EQ(json_integer_value(json_object_get(h, "retention_effective_months")), 24);
    }
    json_t *warn = json_object_get(all, "warnings");
    VG_CHECK_EQ(json_array_size(warn), 1);
    VG_CHECK(find(warn, "system", "hr") != NULL);
    json_decref(all);
    /* seven months later portal (level 5, every 6 months) is overdue */
    all = vg_inventory_systems(st, "u1", now + 210 * DAY_US, "2024-06-11", err);
    list = json_object_get(all, "systems");
    VG_CHECK_EQ(json_array_size(list), 1); /* scoped: u1 sees portal only */
    VG_CHECK(json_is_true(json_object_get(json_array_get(list, 0), "inspection_overdue")));
    json_decref(all);
    json_t *one = vg_inventory_system(st, "u2", id5, now, "2023-11-14", err);
    VG_CHECK(one == NULL); /* other unit */
    one = vg_inventory_system(st, "u1", id5, now, "2023-11-14", err);
    VG_CHECK(one != NULL);
    VG_CHECK_EQ(json_array_size(json_object_get(one, "failed_checks")), 2);
    json_decref(one);
    /* rename carries the hosts along; delete detaches them */
    j = body("{\"name\":\"portal2\"}");
    VG_CHECK_EQ(vg_inventory_system_put(st, "u1", id5, j, 60, &id, err), VG_OK);
    json_decref(j);
    one = vg_inventory_system(st, "", id5, now, "2023-11-14", err);
    VG_CHECK_EQ(json_integer_value(json_object_get(one, "hosts")), 1);
    VG_CHECK_EQ(json_integer_value(json_object_get(one, "level")), 5);
    json_decref(one);
    VG_CHECK_EQ(vg_inventory_system_delete(st, "u2", id5, err), VG_ENOENT);
    VG_CHECK_EQ(vg_inventory_system_delete(st, "u1", id5, err), VG_OK);
    VG_CHECK(vg_inventory_system(st, "", id5, now, "2023-11-14", err) == NULL);
    done(st);
}

void inventory_evidence(void)
{
    vg_store *st = fresh();
    if (!st) {
        VG_CHECK(st != NULL);
        return;
    }
    char err[VG_ERRBUF_SIZE];
    int64_t sid, e1 = 0, e2 = 0;
    json_t *j = body("{\"name\":\"portal\",\"unit\":\"u1\",\"level\":4}");
    VG_CHECK_EQ(vg_inventory_system_put(st, "", 0, j, 60, &sid, err), VG_OK);
    json_decref(j);
    j = body("{\"system\":\"portal\",\"control\":\"incident response plan\",\"document\":\"IRP v2\","
             "\"date\":\"2024-01-05\",\"signer\":\"Director\",\"due\":\"2025-01-05\"}");
    VG_CHECK_EQ(vg_inventory_evidence_put(st, "", 0, j, "admin", &e1, err), VG_OK);
    json_decref(j);
    j = body("{\"control\":\"risk assessment\",\"document\":\"RA 2024\",\"due\":\"2030-12-31\"}");
    VG_CHECK_EQ(vg_inventory_evidence_put(st, "u2", 0, j, "admin2", &e2, err), VG_OK);
    json_decref(j);
    j = body("{\"control\":\"x\",\"document\":\"y\",\"due\":\"31/12/2030\"}");
    VG_CHECK_EQ(vg_inventory_evidence_put(st, "", 0, j, "admin", &sid, err), VG_EINVAL);
    json_decref(j);
    j = body("{\"system\":\"portal\",\"control\":\"x\",\"document\":\"y\"}");
    VG_CHECK_EQ(vg_inventory_evidence_put(st, "u2", 0, j, "admin2", &sid, err), VG_EINVAL);
    json_decref(j);
    json_t *all = vg_inventory_evidence(st, "", NULL, "2026-06-01", err);
    VG_CHECK_EQ(json_array_size(all), 2);
    json_t *a = find(all, "control", "incident response plan");
    VG_CHECK(a != NULL);
    if (a) {
        VG_CHECK_STR(json_string_value(json_object_get(a, "unit")), "u1"); /* the system's unit */
        VG_CHECK_STR(json_string_value(json_object_get(a, "signer")), "Director");
        VG_CHECK(json_is_true(json_object_get(a, "overdue")));
    }
    json_decref(all);
    all = vg_inventory_evidence(st, "u2", NULL, "2026-06-01", err);
    VG_CHECK_EQ(json_array_size(all), 1);
    VG_CHECK(json_is_false(json_object_get(json_array_get(all, 0), "overdue")));
    json_decref(all);
    /* update: new due date; another unit cannot touch it */
    j = body("{\"due\":\"2027-01-05\"}");
    VG_CHECK_EQ(vg_inventory_evidence_put(st, "u2", e1, j, "admin2", &sid, err), VG_ENOENT);
    VG_CHECK_EQ(vg_inventory_evidence_put(st, "u1", e1, j, "admin1", &sid, err), VG_OK);
    json_decref(j);
    all = vg_inventory_evidence(st, "u1", "portal", "2026-06-01", err);
    VG_CHECK_EQ(json_array_size(all), 1);
    VG_CHECK(json_is_false(json_object_get(json_array_get(all, 0), "overdue")));
    VG_CHECK_STR(json_string_value(json_object_get(json_array_get(all, 0), "document")), "IRP v2");
    json_decref(all);
    done(st);
}

/* The tables added for the merged register are not in fresh()'s list: on
 * PostgreSQL each test starts them empty here. */
static void clear_register_tables(vg_store *st)
{
    static const char *const t[] = {"DELETE FROM inspection_runs", "DELETE FROM web_state",
                                    "DELETE FROM inspect_schedule"};
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
        (void)!vg_store_exec(st, t[i], NULL, 0, NULL, NULL, NULL, NULL);
}

static int64_t get_i(json_t *o, const char *k) { return json_integer_value(json_object_get(o, k)); }

void inventory_runs_and_state(void)
{
    vg_store *st = fresh();
    if (!st) {
        VG_CHECK(st != NULL);
        return;
    }
    clear_register_tables(st);
    char err[VG_ERRBUF_SIZE];
    int64_t now = 1700000000LL * 1000000, sid = 0, sid2 = 0, hid;
    json_t *j = body("{\"name\":\"portal\",\"unit\":\"u1\",\"level\":3}");
    VG_CHECK_EQ(vg_inventory_system_put(st, "", 0, j, 60, &sid, err), VG_OK);
    json_decref(j);
    j = body("{\"name\":\"hr\",\"unit\":\"u2\",\"level\":4}");
    VG_CHECK_EQ(vg_inventory_system_put(st, "", 0, j, 60, &sid2, err), VG_OK);
    json_decref(j);
    VG_CHECK_EQ(ingest(st, "web1", "u1", "{\"timestamp\":\"2023-11-14T00:00:00+0000\","
                                         "\"event_type\":\"stats\",\"stats\":{\"version\":\"0.9.1\"}}",
                       now), VG_OK);
    json_t *hosts = vg_inventory_hosts(st, "", now, err);
    hid = get_i(json_array_get(hosts, 0), "id");
    VG_CHECK_STR(json_string_value(json_object_get(json_array_get(hosts, 0), "version")), "0.9.1");
    json_decref(hosts);
    j = body("{\"system\":\"portal\"}");
    VG_CHECK_EQ(vg_inventory_host_put(st, "", hid, j, err), VG_OK);
    json_decref(j);
    /* one run (same timestamp) split over two batches, the first sent twice */
    const char *part1 =
        "{\"timestamp\":\"2023-11-10T00:00:00+0000\",\"event_type\":\"sca\",\"sca\":{\"policy\":"
        "\"vigil_vn_level\",\"check\":{\"id\":\"VN-LOG-02-1\",\"control\":\"LOG-02\",\"result\":\"failed\"}}}\n"
        "{\"timestamp\":\"2023-11-10T00:00:00+0000\",\"event_type\":\"sca\",\"sca\":{\"policy\":"
        "\"vigil_vn_level\",\"check\":{\"id\":\"VN-LOG-01-1\",\"result\":\"passed\"}}}\n";
    const char *part2 =
        "{\"timestamp\":\"2023-11-10T00:00:00+0000\",\"event_type\":\"sca\",\"sca\":{\"policy\":"
        "\"debian_baseline\",\"check\":{\"id\":\"BASE-01\",\"result\":\"passed\"}}}\n"
        "{\"timestamp\":\"2023-11-10T00:00:00+0000\",\"event_type\":\"sca\",\"sca\":{\"policy\":"
        "\"debian_baseline\",\"check\":{\"id\":\"BASE-02\",\"result\":\"not applicable\"}}}\n"
        "{\"timestamp\":\"2023-11-10T00:00:05+0000\",\"event_type\":\"compliance\",\"compliance\":"
        "{\"kind\":\"summary\",\"score\":67,\"passed\":2,\"failed\":1,\"version\":\"0.9.2\"}}\n";
    VG_CHECK_EQ(ingest(st, "web1", "u1", part1, now), VG_OK);
    VG_CHECK_EQ(ingest(st, "web1", "u1", part1, now), VG_OK);
    VG_CHECK_EQ(ingest(st, "web1", "u1", part2, now), VG_OK);
    /* an overdue notice is not a summary: the score stays */
    VG_CHECK_EQ(ingest(st, "web1", "u1", "{\"timestamp\":\"2023-11-12T00:00:00+0000\",\"event_type\":"
                                         "\"compliance\",\"compliance\":{\"kind\":\"evidence_overdue\","
                                         "\"id\":\"MGMT-01\"}}", now), VG_OK);
    json_t *runs = vg_inventory_runs(st, "", "portal", 0, 10, err);
    VG_CHECK_EQ(json_array_size(runs), 1);
    json_t *r = json_array_get(runs, 0);
    VG_CHECK_EQ(get_i(r, "passed"), 2);
    VG_CHECK_EQ(get_i(r, "failed"), 1);
    VG_CHECK_EQ(get_i(r, "other"), 1);
    VG_CHECK_EQ(get_i(r, "pct"), 67);
    VG_CHECK_STR(json_string_value(json_object_get(r, "time")), "2023-11-10T00:00:00Z");
    json_decref(runs);
    /* a later run; unit scoping of the list and its keyset */
    VG_CHECK_EQ(ingest(st, "web1", "u1", "{\"timestamp\":\"2024-05-10T00:00:00+0000\",\"event_type\":"
                                         "\"sca\",\"sca\":{\"policy\":\"vigil_vn_level\",\"check\":"
                                         "{\"id\":\"VN-LOG-02-1\",\"control\":\"LOG-02\",\"result\":"
                                         "\"passed\"}}}", now), VG_OK);
    runs = vg_inventory_runs(st, "u1", NULL, 0, 10, err);
    VG_CHECK_EQ(json_array_size(runs), 2);
    int64_t newest = get_i(json_array_get(runs, 0), "time_us");
    json_decref(runs);
    runs = vg_inventory_runs(st, "u1", NULL, newest, 10, err);
    VG_CHECK_EQ(json_array_size(runs), 1);
    json_decref(runs);
    runs = vg_inventory_runs(st, "u2", NULL, 0, 10, err);
    VG_CHECK_EQ(json_array_size(runs), 0);
    json_decref(runs);
    runs = vg_inventory_runs(st, "u2", "portal", 0, 10, err);
    VG_CHECK_EQ(json_array_size(runs), 0); /* another unit's system by name */
    json_decref(runs);
    /* website integrity: the newest state per URL */
    VG_CHECK_EQ(ingest(st, "web1", "u1",
                       "{\"timestamp\":\"2024-05-10T00:00:00+0000\",\"event_type\":\"web\",\"web\":"
                       "{\"url\":\"https://portal.example/\",\"status\":200,\"changed\":true,"
                       "\"change_pct\":55,\"title\":\"hacked\",\"signs\":[{\"sign\":\"title_changed\","
                       "\"detail\":\"x\"}]}}\n"
                       "{\"timestamp\":\"2024-05-09T00:00:00+0000\",\"event_type\":\"web\",\"web\":"
                       "{\"url\":\"https://portal.example/\",\"status\":200,\"changed\":false,"
                       "\"change_pct\":0,\"title\":\"Portal\",\"signs\":[]}}\n", now), VG_OK);
    json_t *one = vg_inventory_system(st, "u1", sid, now, "2024-05-11", err);
    VG_CHECK(one != NULL);
    if (one) {
        json_t *web = json_object_get(one, "web");
        VG_CHECK_EQ(json_array_size(web), 1);
        VG_CHECK_STR(json_string_value(json_object_get(json_array_get(web, 0), "state")), "alert");
        VG_CHECK_EQ(get_i(json_array_get(web, 0), "change_pct"), 55);
        /* families: LOG from the control and the id, the policy for others */
        json_t *fam = json_object_get(one, "families");
        json_t *log = find(fam, "family", "LOG"), *base = find(fam, "family", "debian_baseline");
        VG_CHECK(log && base);
        if (log && base) {
            VG_CHECK_EQ(get_i(log, "passed"), 2);
            VG_CHECK_EQ(get_i(log, "failed"), 0);
            VG_CHECK_EQ(get_i(log, "pct"), 100);
            VG_CHECK_EQ(get_i(base, "other"), 1);
        }
        VG_CHECK_EQ(json_array_size(json_object_get(one, "inspection_history")), 2);
        VG_CHECK_EQ(get_i(one, "compliance_pct"), 67); /* the summary's score */
        VG_CHECK_STR(json_string_value(json_object_get(one, "last_inspection")), "2024-05-10T00:00:00Z");
        VG_CHECK_STR(json_string_value(json_object_get(one, "next_inspection")), "2025-05-10T00:00:00Z");
        json_decref(one);
    }
    hosts = vg_inventory_hosts(st, "u1", now, err);
    VG_CHECK_STR(json_string_value(json_object_get(json_array_get(hosts, 0), "version")), "0.9.2");
    json_decref(hosts);
    /* schedule: an override, a manual inspection, scoping */
    j = body("{\"months\":3,\"note\":\"audit request\"}");
    VG_CHECK_EQ(vg_inventory_schedule_put(st, "u2", sid, j, "adm", now, err), VG_ENOENT);
    VG_CHECK_EQ(vg_inventory_schedule_put(st, "u1", sid, j, "adm", now, err), VG_OK);
    json_decref(j);
    j = body("{\"months\":121}");
    VG_CHECK_EQ(vg_inventory_schedule_put(st, "", sid, j, "adm", now, err), VG_EINVAL);
    json_decref(j);
    j = body("{\"inspected\":\"2099-01-01\"}");
    VG_CHECK_EQ(vg_inventory_schedule_put(st, "", sid, j, "adm", now, err), VG_EINVAL);
    json_decref(j);
    j = body("{\"inspected\":\"2024-08-01\"}");
    int64_t later = 1735689600LL * 1000000; /* 2025-01-01 */
    VG_CHECK_EQ(vg_inventory_schedule_put(st, "", sid, j, "adm", later, err), VG_OK);
    json_decref(j);
    json_t *sch = vg_inventory_schedule(st, "u1", sid, later, err);
    VG_CHECK(sch != NULL);
    if (sch) {
        VG_CHECK_EQ(get_i(sch, "months"), 3);
        VG_CHECK_EQ(get_i(sch, "default_months"), 12);
        VG_CHECK_STR(json_string_value(json_object_get(sch, "note")), "audit request");
        VG_CHECK_STR(json_string_value(json_object_get(sch, "last_inspection")), "2024-08-01T00:00:00Z");
        VG_CHECK_STR(json_string_value(json_object_get(sch, "next_inspection")), "2024-11-01T00:00:00Z");
        VG_CHECK(json_is_true(json_object_get(sch, "overdue")));
        VG_CHECK_EQ(get_i(sch, "days_overdue"), 61);
        VG_CHECK_EQ(json_array_size(json_object_get(sch, "history")), 3);
        json_decref(sch);
    }
    VG_CHECK(vg_inventory_schedule(st, "u2", sid, later, err) == NULL);
    j = body("{\"months\":null}");
    VG_CHECK_EQ(vg_inventory_schedule_put(st, "", sid, j, "adm", later, err), VG_OK);
    json_decref(j);
    json_t *sum = vg_inventory_summary(st, "", sid, later, "2025-01-01", err);
    VG_CHECK(sum != NULL);
    if (sum) {
        VG_CHECK_EQ(get_i(sum, "inspection_interval_months"), 12);
        VG_CHECK(json_is_false(json_object_get(sum, "inspection_overdue")));
        VG_CHECK_EQ(get_i(json_object_get(sum, "websites"), "alert"), 1);
        VG_CHECK_EQ(get_i(sum, "hosts"), 1);
        VG_CHECK_EQ(get_i(sum, "hosts_ok"), 0); /* silent since `now` */
        json_decref(sum);
    }
    VG_CHECK(vg_inventory_summary(st, "u2", sid, later, "2025-01-01", err) == NULL);
    /* the list: hr (level 4) never inspected is warned; portal is not */
    json_t *all = vg_inventory_systems(st, "", later, "2025-01-01", err);
    json_t *warn = json_object_get(all, "warnings");
    VG_CHECK(find(warn, "system", "hr") != NULL);
    VG_CHECK(find(warn, "system", "portal") == NULL);
    json_decref(all);
    /* a rename carries the runs along */
    j = body("{\"name\":\"portal-2\"}");
    VG_CHECK_EQ(vg_inventory_system_put(st, "", sid, j, 60, &hid, err), VG_OK);
    json_decref(j);
    runs = vg_inventory_runs(st, "", "portal-2", 0, 10, err);
    VG_CHECK_EQ(json_array_size(runs), 3);
    json_decref(runs);
    /* two runs in one batch: each is counted before the next replaces its rows */
    VG_CHECK_EQ(ingest(st, "web2", "u3",
                       "{\"timestamp\":\"2023-01-01T00:00:00+0000\",\"event_type\":\"sca\",\"sca\":"
                       "{\"policy\":\"p\",\"check\":{\"id\":\"1\",\"result\":\"failed\"}}}\n"
                       "{\"timestamp\":\"2023-01-01T00:00:00+0000\",\"event_type\":\"sca\",\"sca\":"
                       "{\"policy\":\"p\",\"check\":{\"id\":\"2\",\"result\":\"failed\"}}}\n"
                       "{\"timestamp\":\"2023-02-01T00:00:00+0000\",\"event_type\":\"sca\",\"sca\":"
                       "{\"policy\":\"p\",\"check\":{\"id\":\"1\",\"result\":\"passed\"}}}\n"
                       "{\"timestamp\":\"2023-02-01T00:00:00+0000\",\"event_type\":\"sca\",\"sca\":"
                       "{\"policy\":\"p\",\"check\":{\"id\":\"2\",\"result\":\"passed\"}}}\n", now),
                VG_OK);
    runs = vg_inventory_runs(st, "u3", NULL, 0, 10, err);
    VG_CHECK_EQ(json_array_size(runs), 2);
    VG_CHECK_EQ(get_i(json_array_get(runs, 0), "passed"), 2); /* newest first */
    VG_CHECK_EQ(get_i(json_array_get(runs, 1), "failed"), 2);
    json_decref(runs);
    done(st);
}

void inventory_host_rate(void)
{
    /* calendar months, as vigil inspect counts them */
    int64_t jan31 = 1706659200LL * 1000000; /* 2024-01-31 */
    VG_CHECK_EQ(vg_inventory_add_months(jan31, 1), 1709164800LL * 1000000); /* 2024-02-29 */
    VG_CHECK_EQ(vg_inventory_add_months(jan31, 12), 1738281600LL * 1000000); /* 2025-01-31 */
    VG_CHECK_EQ(vg_inventory_cadence_months(5), 6);
    VG_CHECK_EQ(vg_inventory_cadence_months(3), 12);
    vg_store *st = fresh();
    if (!st) {
        VG_CHECK(st != NULL);
        return;
    }
    char err[VG_ERRBUF_SIZE];
    int64_t t0 = 1700000000LL * 1000000;
    const char *ev = "{\"timestamp\":\"2023-11-14T00:00:00+0000\",\"event_type\":\"flow\"}\n"
                     "{\"timestamp\":\"2023-11-14T00:00:01+0000\",\"event_type\":\"flow\"}\n";
    /* 2 events at t0, 2 more at +100 s, then at +400 s the window (4 events
     * over 400 s) closes: 10 events per 1,000 s */
    VG_CHECK_EQ(ingest(st, "s1", "u1", ev, t0), VG_OK);
    VG_CHECK_EQ(ingest(st, "s1", "u1", ev, t0 + 100LL * 1000000), VG_OK);
    json_t *h = vg_inventory_hosts(st, "", t0 + 200LL * 1000000, err);
    double eps = json_real_value(json_object_get(json_array_get(h, 0), "events_per_s"));
    VG_CHECK(eps > 0.019 && eps < 0.021); /* current window: 4 events in 200 s */
    json_decref(h);
    VG_CHECK_EQ(ingest(st, "s1", "u1", ev, t0 + 400LL * 1000000), VG_OK);
    h = vg_inventory_hosts(st, "", t0 + 410LL * 1000000, err);
    eps = json_real_value(json_object_get(json_array_get(h, 0), "events_per_s"));
    VG_CHECK(eps > 0.0099 && eps < 0.0101);
    VG_CHECK_EQ(get_i(json_array_get(h, 0), "events"), 6);
    json_decref(h);
    /* silent for an hour: no rate */
    h = vg_inventory_hosts(st, "", t0 + 4000LL * 1000000, err);
    VG_CHECK(json_real_value(json_object_get(json_array_get(h, 0), "events_per_s")) == 0);
    json_decref(h);
    done(st);
}

void inventory_evidence_register(void)
{
    vg_store *st = fresh();
    if (!st) {
        VG_CHECK(st != NULL);
        return;
    }
    clear_register_tables(st);
    char err[VG_ERRBUF_SIZE];
    int64_t sid, e1 = 0, now = 1767225600LL * 1000000; /* 2026-01-01 */
    json_t *j = body("{\"name\":\"portal\",\"unit\":\"u1\",\"level\":3}");
    VG_CHECK_EQ(vg_inventory_system_put(st, "", 0, j, 60, &sid, err), VG_OK);
    json_decref(j);
    j = body("{\"system\":\"portal\",\"control\":\"MGMT-01\",\"title\":\"Security policy\","
             "\"document\":\"QD-12/2025\",\"date\":\"2025-01-10\",\"signer\":\"Director\","
             "\"due\":\"2025-12-31\"}");
    VG_CHECK_EQ(vg_inventory_evidence_put(st, "u1", 0, j, "an1", &e1, err), VG_OK);
    json_decref(j);
    j = body("{\"status\":\"lost\"}");
    VG_CHECK_EQ(vg_inventory_evidence_put(st, "u1", e1, j, "an1", NULL, err), VG_EINVAL);
    json_decref(j);
    json_t *all = vg_inventory_evidence(st, "u1", "portal", "2026-01-01", err);
    json_t *a = json_array_get(all, 0);
    VG_CHECK_STR(json_string_value(json_object_get(a, "status")), "provided");
    VG_CHECK_STR(json_string_value(json_object_get(a, "title")), "Security policy");
    VG_CHECK(json_is_true(json_object_get(a, "overdue")));
    json_decref(all);
    /* not applicable is never overdue */
    j = body("{\"status\":\"not_applicable\"}");
    VG_CHECK_EQ(vg_inventory_evidence_put(st, "u1", e1, j, "an1", NULL, err), VG_OK);
    json_decref(j);
    all = vg_inventory_evidence(st, "u1", NULL, "2026-01-01", err);
    VG_CHECK(json_is_false(json_object_get(json_array_get(all, 0), "overdue")));
    VG_CHECK_STR(json_string_value(json_object_get(json_array_get(all, 0), "updated_by")), "an1");
    json_decref(all);
    j = body("{\"status\":\"provided\"}");
    VG_CHECK_EQ(vg_inventory_evidence_put(st, "u1", e1, j, "an1", NULL, err), VG_OK);
    json_decref(j);

    /* the local register of vigil inspect: one item the server has (its
     * newer document stays), one new open item, one provided, two runs */
    const char *reg =
        "{\"system\":\"portal\",\"host\":\"web1\",\"level\":3,\"items\":["
        "{\"id\":\"MGMT-01\",\"title\":\"Security policy\",\"status\":\"provided\",\"ref\":\"old doc\","
        "\"due\":1735603200,\"provided\":1704067200},"
        "{\"id\":\"MGMT-02\",\"title\":\"Risk assessment\",\"title_vi\":\"Đánh giá rủi ro\","
        "\"status\":\"open\",\"due\":1767000000},"
        "{\"id\":\"MGMT-04\",\"title\":\"Training\",\"status\":\"provided\",\"ref\":\"TR-2025\","
        "\"due\":1798761600,\"provided\":1765000000}],"
        "\"inspections\":[{\"at\":1760000000,\"level\":3,\"passed\":30,\"failed\":5,\"na\":2,"
        "\"errors\":0},{\"at\":1765000000,\"level\":3,\"passed\":33,\"failed\":2,\"na\":2,\"errors\":1}]}";
    j = body(reg);
    json_t *out = NULL;
    VG_CHECK_EQ(vg_inventory_evidence_import(st, "u2", "", j, "sensor9", now, &out, err), VG_ENOENT);
    VG_CHECK_EQ(vg_inventory_evidence_import(st, "u1", "", j, "sensor1", now, &out, err), VG_OK);
    VG_CHECK(out != NULL);
    VG_CHECK_EQ(get_i(out, "added"), 2);
    VG_CHECK_EQ(get_i(out, "updated"), 0);
    VG_CHECK_EQ(get_i(out, "unchanged"), 1);
    VG_CHECK_EQ(get_i(out, "runs"), 2);
    json_decref(out);
    /* pushed again: nothing changes, no run twice */
    VG_CHECK_EQ(vg_inventory_evidence_import(st, "u1", "", j, "sensor1", now, &out, err), VG_OK);
    VG_CHECK_EQ(get_i(out, "added"), 0);
    VG_CHECK_EQ(get_i(out, "unchanged"), 3);
    VG_CHECK_EQ(get_i(out, "runs"), 0);
    json_decref(out);
    json_decref(j);
    all = vg_inventory_evidence(st, "", "portal", "2026-01-01", err);
    VG_CHECK_EQ(json_array_size(all), 3);
    json_t *m1 = find(all, "control", "MGMT-01"), *m2 = find(all, "control", "MGMT-02"),
           *m4 = find(all, "control", "MGMT-04");
    VG_CHECK(m1 && m2 && m4);
    if (m1 && m2 && m4) {
        VG_CHECK_STR(json_string_value(json_object_get(m1, "document")), "QD-12/2025");
        VG_CHECK_STR(json_string_value(json_object_get(m2, "status")), "open");
        VG_CHECK_STR(json_string_value(json_object_get(m2, "title")), "Risk assessment / Đánh giá rủi ro");
        VG_CHECK_STR(json_string_value(json_object_get(m2, "source")), "inspect");
        VG_CHECK_STR(json_string_value(json_object_get(m2, "unit")), "u1");
        VG_CHECK(json_is_true(json_object_get(m2, "overdue"))); /* due 2025-12-29 */
        VG_CHECK_STR(json_string_value(json_object_get(m4, "document")), "TR-2025");
        VG_CHECK_STR(json_string_value(json_object_get(m4, "date")), "2025-12-06");
        VG_CHECK(json_is_false(json_object_get(m4, "overdue")));
    }
    json_decref(all);
    /* the register's provided item updates an open row later */
    j = body("{\"system\":\"portal\",\"items\":[{\"id\":\"MGMT-02\",\"status\":\"provided\","
             "\"ref\":\"RA-2026\",\"due\":1798761600,\"provided\":1767100000}]}");
    VG_CHECK_EQ(vg_inventory_evidence_import(st, "u1", "", j, "sensor1", now, &out, err), VG_OK);
    VG_CHECK_EQ(get_i(out, "updated"), 1);
    json_decref(out);
    json_decref(j);
    json_t *sys = vg_inventory_system(st, "", sid, now, "2026-01-01", err);
    VG_CHECK_STR(json_string_value(json_object_get(sys, "last_inspection")), "2025-12-06T05:46:40Z");
    VG_CHECK_EQ(get_i(json_object_get(sys, "evidence"), "total"), 3);
    VG_CHECK_EQ(get_i(json_object_get(sys, "evidence"), "overdue"), 1); /* MGMT-01, due 2025-12-31 */
    VG_CHECK_EQ(get_i(json_object_get(sys, "evidence"), "provided"), 3);
    json_decref(sys);
    /* the sender's own system when none is named; bad shapes; caps */
    j = body("{\"items\":[{\"id\":\"MGMT-05\"}]}");
    VG_CHECK_EQ(vg_inventory_evidence_import(st, "u1", "", j, "sensor1", now, &out, err), VG_EINVAL);
    VG_CHECK_EQ(vg_inventory_evidence_import(st, "u1", "portal", j, "sensor1", now, &out, err), VG_OK);
    json_decref(out);
    json_decref(j);
    j = body("{\"system\":\"portal\",\"items\":[{\"id\":\"\"}]}");
    VG_CHECK_EQ(vg_inventory_evidence_import(st, "u1", "", j, "sensor1", now, &out, err), VG_EINVAL);
    json_decref(j);
    j = body("{\"system\":\"portal\",\"inspections\":[{\"at\":4102444800}]}"); /* 2100 */
    VG_CHECK_EQ(vg_inventory_evidence_import(st, "u1", "", j, "sensor1", now, &out, err), VG_EINVAL);
    json_decref(j);
    j = json_pack("{ss so}", "system", "portal", "items", json_array());
    for (int i = 0; i <= VG_INV_IMPORT_MAX_ITEMS; i++)
        json_array_append_new(json_object_get(j, "items"), json_pack("{ss}", "id", "X"));
    VG_CHECK_EQ(vg_inventory_evidence_import(st, "u1", "", j, "sensor1", now, &out, err), VG_ELIMIT);
    json_decref(j);
    /* deletion is scoped */
    VG_CHECK_EQ(vg_inventory_evidence_delete(st, "u2", e1, err), VG_ENOENT);
    VG_CHECK_EQ(vg_inventory_evidence_delete(st, "u1", e1, err), VG_OK);
    VG_CHECK_EQ(vg_inventory_evidence_delete(st, "u1", e1, err), VG_ENOENT);
    all = vg_inventory_evidence(st, "", NULL, "2026-01-01", err);
    VG_CHECK_EQ(json_array_size(all), 3);
    json_decref(all);
    done(st);
}

void inventory_host_caps(void)
{
    vg_store *st = fresh();
    if (!st) {
        VG_CHECK(st != NULL);
        return;
    }
    clear_register_tables(st);
    char err[VG_ERRBUF_SIZE];
    int64_t now = 1700000000LL * 1000000;
    /* a hostile sender: more distinct checks and websites than the caps */
    size_t cap = 600 * (VG_INV_MAX_CHECKS_PER_HOST + 10);
    char *b = malloc(cap);
    size_t len = 0;
    for (int i = 0; b && i < VG_INV_MAX_CHECKS_PER_HOST + 10; i++)
        len += (size_t)snprintf(b + len, cap - len,
                                "{\"timestamp\":\"2023-11-10T00:00:00+0000\",\"event_type\":\"sca\","
                                "\"sca\":{\"policy\":\"p\",\"check\":{\"id\":\"c%d\",\"result\":\"failed\"}}}\n",
                                i);
    for (int i = 0; b && i < VG_INV_MAX_URLS_PER_HOST + 10; i++)
        len += (size_t)snprintf(b + len, cap - len,
                                "{\"timestamp\":\"2023-11-10T00:00:%02d+0000\",\"event_type\":\"web\","
                                "\"web\":{\"url\":\"https://x%d.example/\",\"status\":200}}\n",
                                i % 60, i);
    VG_CHECK(b != NULL);
    if (b)
        VG_CHECK_EQ(ingest(st, "evil", "u1", b, now), VG_OK);
    free(b);
    int64_t n = 0;
    VG_CHECK_EQ(vg_store_exec(st, "SELECT count(*) FROM sca_state WHERE host = 'evil'", NULL, 0,
                              vg_inv_first_int, &n, NULL, err), VG_OK);
    VG_CHECK_EQ(n, VG_INV_MAX_CHECKS_PER_HOST);
    VG_CHECK_EQ(vg_store_exec(st, "SELECT count(*) FROM web_state WHERE host = 'evil'", NULL, 0,
                              vg_inv_first_int, &n, NULL, err), VG_OK);
    VG_CHECK_EQ(n, VG_INV_MAX_URLS_PER_HOST);
    /* the newest websites stay */
    VG_CHECK_EQ(vg_store_exec(st, "SELECT count(*) FROM web_state WHERE host = 'evil' "
                                  "AND url = 'https://x265.example/'", NULL, 0,
                              vg_inv_first_int, &n, NULL, err), VG_OK);
    VG_CHECK_EQ(n, 1);
    /* runs: the oldest beyond the cap go */
    VG_CHECK_EQ(vg_store_exec(st, "DELETE FROM inspection_runs", NULL, 0, NULL, NULL, NULL, err), VG_OK);
    VG_CHECK_EQ(vg_store_begin(st), VG_OK);
    for (int i = 0; i < VG_INV_MAX_RUNS_PER_HOST + 5; i++) {
        char ts[24];
        snprintf(ts, sizeof ts, "%d", 1000 + i);
        VG_CHECK_EQ(vg_store_exec(st, "INSERT INTO inspection_runs(host, ts) VALUES('evil', ?)",
                                  (const char *const[]){ts}, 1, NULL, NULL, NULL, err), VG_OK);
    }
    VG_CHECK_EQ(vg_store_commit(st), VG_OK);
    VG_CHECK_EQ(ingest(st, "evil", "u1", "{\"timestamp\":\"2023-11-11T00:00:00+0000\",\"event_type\":"
                                         "\"sca\",\"sca\":{\"policy\":\"p\",\"check\":{\"id\":\"c1\","
                                         "\"result\":\"passed\"}}}", now), VG_OK);
    VG_CHECK_EQ(vg_store_exec(st, "SELECT count(*) FROM inspection_runs WHERE host = 'evil'", NULL, 0,
                              vg_inv_first_int, &n, NULL, err), VG_OK);
    VG_CHECK_EQ(n, VG_INV_MAX_RUNS_PER_HOST);
    VG_CHECK_EQ(vg_store_exec(st, "SELECT min(ts) FROM inspection_runs WHERE host = 'evil'", NULL, 0,
                              vg_inv_first_int, &n, NULL, err), VG_OK);
    VG_CHECK_EQ(n, 1006); /* 1000..1005 went, the new run stayed */
    done(st);
}
