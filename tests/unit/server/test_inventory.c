/*
 * test_inventory.c: inventory on the store under test (part of the store
 * suite: runs on SQLite and on PostgreSQL).
 */
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "server/ingest.h"
#include "server/inventory.h"
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

    json_t *all = vg_inventory_systems(st, "", now, err);
    json_t *list = json_object_get(all, "systems");
    json_t *p = find(list, "name", "portal"), *h = find(list, "name", "hr");
    VG_CHECK(p && h);
    if (p && h) {
        VG_CHECK_EQ(json_integer_value(json_object_get(p, "level")), 5);
        VG_CHECK_EQ(json_integer_value(json_object_get(p, "inspection_interval_days")), 182);
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
    all = vg_inventory_systems(st, "u1", now + 210 * DAY_US, err);
    list = json_object_get(all, "systems");
    VG_CHECK_EQ(json_array_size(list), 1); /* scoped: u1 sees portal only */
    VG_CHECK(json_is_true(json_object_get(json_array_get(list, 0), "inspection_overdue")));
    json_decref(all);
    json_t *one = vg_inventory_system(st, "u2", id5, now, err);
    VG_CHECK(one == NULL); /* other unit */
    one = vg_inventory_system(st, "u1", id5, now, err);
    VG_CHECK(one != NULL);
    VG_CHECK_EQ(json_array_size(json_object_get(one, "failed_checks")), 2);
    json_decref(one);
    /* rename carries the hosts along; delete detaches them */
    j = body("{\"name\":\"portal2\"}");
    VG_CHECK_EQ(vg_inventory_system_put(st, "u1", id5, j, 60, &id, err), VG_OK);
    json_decref(j);
    one = vg_inventory_system(st, "", id5, now, err);
    VG_CHECK_EQ(json_integer_value(json_object_get(one, "hosts")), 1);
    VG_CHECK_EQ(json_integer_value(json_object_get(one, "level")), 5);
    json_decref(one);
    VG_CHECK_EQ(vg_inventory_system_delete(st, "u2", id5, err), VG_ENOENT);
    VG_CHECK_EQ(vg_inventory_system_delete(st, "u1", id5, err), VG_OK);
    VG_CHECK(vg_inventory_system(st, "", id5, now, err) == NULL);
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
