/*
 * test_exceptions.c: finding exceptions and acknowledgements in the store
 * suite (run on SQLite and on PostgreSQL, see test_store.c).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/exceptions.h"
#include "server/ingest.h"
#include "server/store.h"
#include "unit/vg_test.h"
#include "store_suite.h"

static int64_t create(vg_store *st, const char *unit, const char *body_json, int64_t now, int want)
{
    json_error_t je;
    json_t *body = json_loads(body_json, 0, &je);
    char err[VG_ERRBUF_SIZE] = "";
    int64_t id = 0;
    int rc = vg_exception_create(st, unit, "alice", body, now, &id, err);
    if (rc != want)
        fprintf(stderr, "create %s: rc %d (%s), wanted %d\n", body_json, rc, err, want);
    VG_CHECK_EQ(rc, want);
    json_decref(body);
    return id;
}

static int64_t hits_of(vg_store *st, int64_t id, int64_t now)
{
    char err[VG_ERRBUF_SIZE];
    json_t *o = vg_exception_get(st, "", id, now, err);
    int64_t h = o ? json_integer_value(json_object_get(o, "hits")) : -1;
    json_decref(o);
    return h;
}

static int64_t count_excepted(vg_store *st, int excepted, const char *unit)
{
    const char *units[] = {unit, NULL};
    vg_store_filter f = {.excepted = excepted, .units = unit ? units : NULL};
    int64_t n = -1;
    char err[VG_ERRBUF_SIZE];
    VG_CHECK_EQ(vg_store_count_events(st, &f, &n, err), VG_OK);
    return n;
}

/* Insert ev[0..n) and apply the exceptions; returns how many were kept. */
static size_t ingest(vg_store *st, const vg_store_event *ev, size_t n, int64_t now)
{
    uint8_t is_new[16];
    size_t ins, nkeep = 0;
    char err[VG_ERRBUF_SIZE];
    VG_CHECK(n <= 16);
    VG_CHECK_EQ(vg_store_insert_events_flags(st, ev, n, &ins, is_new, err), VG_OK);
    const vg_store_event *keep = NULL;
    VG_CHECK_EQ(vg_exceptions_ingest(st, ev, n, is_new, now, &keep, &nkeep, err), VG_OK);
    for (size_t i = 0; i < nkeep; i++) /* the kept ones are the unmatched, in order */
        VG_CHECK(keep[i].event_id != NULL);
    if (keep != ev)
        free((void *)keep);
    return nkeep;
}

void exceptions_match_at_ingest(void)
{
    vg_store *st = fresh();
    if (!st) {
        VG_CHECK(st != NULL);
        return;
    }
    int64_t now = 1800000000LL * 1000000;
    int64_t sig = create(st, "u1", "{\"event_type\":\"alert\",\"signature_id\":2001,"
                                   "\"reason\":\"known scanner\"}", now, VG_OK);
    int64_t src = create(st, "u1", "{\"event_type\":\"alert\",\"src_ip\":\"198.51.100.9\","
                                   "\"dest_ip\":\"192.0.2.1\",\"reason\":\"pentest\"}", now, VG_OK);
    int64_t host = create(st, "", "{\"event_type\":\"log\",\"host\":\"web1\",\"signature_id\":5716,"
                                  "\"reason\":\"noisy ssh rule on the jump host\"}", now, VG_OK);
    int64_t chk = create(st, "u1", "{\"event_type\":\"sca\",\"check_id\":\"28500\","
                                   "\"reason\":\"accepted risk, board decision 3/2026\"}", now, VG_OK);
    VG_CHECK(sig > 0 && src > sig && host > src && chk > host);
    vg_store_event ev[] = {
        /* 0: sid 2001 in u1: the signature exception */
        {.event_id = "e0", .ts_us = now, .event_type = "alert", .sensor = "s1", .unit = "u1",
         .src_ip = "203.0.113.1", .dest_ip = "192.0.2.1", .signature_id = 2001, .json = "{}"},
        /* 1: sid 2001 in u2: another unit, not excepted */
        {.event_id = "e1", .ts_us = now, .event_type = "alert", .sensor = "s2", .unit = "u2",
         .src_ip = "203.0.113.1", .signature_id = 2001, .json = "{}"},
        /* 2: source and destination both as given: excepted */
        {.event_id = "e2", .ts_us = now, .event_type = "alert", .sensor = "s1", .unit = "u1",
         .src_ip = "198.51.100.9", .dest_ip = "192.0.2.1", .signature_id = 7, .json = "{}"},
        /* 3: same source, other destination: not */
        {.event_id = "e3", .ts_us = now, .event_type = "alert", .sensor = "s1", .unit = "u1",
         .src_ip = "198.51.100.9", .dest_ip = "192.0.2.2", .signature_id = 7, .json = "{}"},
        /* 4: a flow of the excepted source: other event type, not */
        {.event_id = "e4", .ts_us = now, .event_type = "flow", .sensor = "s1", .unit = "u1",
         .src_ip = "198.51.100.9", .dest_ip = "192.0.2.1", .json = "{}"},
        /* 5: the log rule on web1, in any unit (exception of every unit) */
        {.event_id = "e5", .ts_us = now, .event_type = "log", .sensor = "web1", .unit = "u2",
         .signature_id = 5716, .json = "{}"},
        /* 6: same rule elsewhere: not */
        {.event_id = "e6", .ts_us = now, .event_type = "log", .sensor = "web2", .unit = "u2",
         .signature_id = 5716, .json = "{}"},
        /* 7: the SCA check, as a string id */
        {.event_id = "e7", .ts_us = now, .event_type = "sca", .sensor = "s1", .unit = "u1",
         .json = "{\"event_type\":\"sca\",\"sca\":{\"policy\":\"cis\",\"check\":{\"id\":\"28500\","
                 "\"result\":\"failed\"}}}"},
        /* 8: another check, as an integer id: not */
        {.event_id = "e8", .ts_us = now, .event_type = "sca", .sensor = "s1", .unit = "u1",
         .json = "{\"event_type\":\"sca\",\"sca\":{\"check\":{\"id\":28501}}}"},
        /* 9: retry of e0 in the same batch: not new, still excepted */
        {.event_id = "e0", .ts_us = now, .event_type = "alert", .sensor = "s1", .unit = "u1",
         .src_ip = "203.0.113.1", .dest_ip = "192.0.2.1", .signature_id = 2001, .json = "{}"},
    };
    VG_CHECK_EQ(ingest(st, ev, 10, now + 1), 5); /* e1, e3, e4, e6, e8 */
    VG_CHECK_EQ(hits_of(st, sig, now), 1);        /* the retry counts once */
    VG_CHECK_EQ(hits_of(st, src, now), 1);
    VG_CHECK_EQ(hits_of(st, host, now), 1);
    VG_CHECK_EQ(hits_of(st, chk, now), 1);
    VG_CHECK_EQ(count_excepted(st, 1, NULL), 4);
    VG_CHECK_EQ(count_excepted(st, -1, NULL), 5);
    VG_CHECK_EQ(count_excepted(st, 0, NULL), 9);  /* every event is stored */
    VG_CHECK_EQ(count_excepted(st, 1, "u2"), 1);  /* e5 */

    /* Again (a retried batch): nothing counts twice, still left out. */
    VG_CHECK_EQ(ingest(st, ev, 10, now + 2), 5);
    VG_CHECK_EQ(hits_of(st, sig, now), 1);
    VG_CHECK_EQ(count_excepted(st, 1, NULL), 4);

    /* The lowest id wins when two match. */
    int64_t sig2 = create(st, "u1", "{\"event_type\":\"alert\",\"signature_id\":2001,"
                                    "\"src_ip\":\"203.0.113.1\",\"reason\":\"narrower\"}", now, VG_OK);
    vg_store_event e9 = ev[0];
    e9.event_id = "e9";
    VG_CHECK_EQ(ingest(st, &e9, 1, now + 3), 0);
    VG_CHECK_EQ(hits_of(st, sig, now), 2);
    VG_CHECK_EQ(hits_of(st, sig2, now), 0);

    /* Revoked: no longer applies (the narrower one takes over). */
    char err[VG_ERRBUF_SIZE];
    VG_CHECK_EQ(vg_exception_revoke(st, "u1", sig, "bob", "scanner retired", now + 4, err), VG_OK);
    VG_CHECK_EQ(vg_exception_revoke(st, "u1", sig, "bob", "again", now + 4, err), VG_ELIMIT);
    e9.event_id = "e10";
    VG_CHECK_EQ(ingest(st, &e9, 1, now + 5), 0);
    VG_CHECK_EQ(hits_of(st, sig, now), 2);
    VG_CHECK_EQ(hits_of(st, sig2, now), 1);
    e9.event_id = "e11";
    e9.src_ip = "203.0.113.2";
    VG_CHECK_EQ(ingest(st, &e9, 1, now + 6), 1);

    /* Expiry: applies before, not after. */
    int64_t exp = create(st, "u1", "{\"event_type\":\"alert\",\"signature_id\":3001,"
                                   "\"expires_at\":\"2027-01-15T08:00:10Z\",\"reason\":\"window\"}",
                         now, VG_OK);
    int64_t exp_at;
    VG_CHECK_EQ(vg_ingest_parse_ts("2027-01-15T08:00:10Z", &exp_at), VG_OK);
    vg_store_event e12 = ev[0];
    e12.event_id = "e12";
    e12.signature_id = 3001;
    VG_CHECK_EQ(ingest(st, &e12, 1, exp_at - 1), 0);
    e12.event_id = "e13";
    VG_CHECK_EQ(ingest(st, &e12, 1, exp_at), 1);
    VG_CHECK_EQ(hits_of(st, exp, now), 1);

    /* An information system: the host's system in the inventory. */
    const char *sys[] = {"portal", "u1"};
    VG_CHECK_EQ(vg_store_exec(st, "INSERT INTO systems(name, unit, level, created, updated) "
                                  "VALUES(?, ?, 3, 0, 0)", sys, 2, NULL, NULL, NULL, err), VG_OK);
    const char *h[] = {"db1", "u1", "portal"};
    VG_CHECK_EQ(vg_store_exec(st, "INSERT INTO hosts(name, unit, system, first_seen, last_seen) "
                                  "VALUES(?, ?, ?, 0, 0)", h, 3, NULL, NULL, NULL, err), VG_OK);
    create(st, "u2", "{\"event_type\":\"alert\",\"system\":\"portal\",\"reason\":\"x\"}", now,
           VG_EINVAL); /* not a system of u2 */
    int64_t sx = create(st, "u1", "{\"event_type\":\"alert\",\"system\":\"portal\","
                                  "\"reason\":\"test system\"}", now, VG_OK);
    vg_store_event e14[] = {ev[3], ev[3]};
    e14[0].event_id = "e14";
    e14[0].sensor = "db1";
    e14[1].event_id = "e15";
    VG_CHECK_EQ(ingest(st, e14, 2, now + 7), 1);
    VG_CHECK_EQ(hits_of(st, sx, now), 1);

    /* Listing by state, scoped. */
    json_t *l = vg_exceptions_list(st, "u2", NULL, 0, 100, now + 8, err);
    VG_CHECK(l && json_array_size(l) == 1); /* only the one of every unit */
    json_decref(l);
    l = vg_exceptions_list(st, "u1", "revoked", 0, 100, now + 8, err);
    VG_CHECK(l && json_array_size(l) == 1 &&
             json_integer_value(json_object_get(json_array_get(l, 0), "id")) == sig);
    json_decref(l);
    l = vg_exceptions_list(st, "", "expired", 0, 100, exp_at + 1, err);
    VG_CHECK(l && json_array_size(l) == 1);
    json_decref(l);
    l = vg_exceptions_list(st, "", "active", 0, 100, now + 8, err);
    VG_CHECK(l && json_array_size(l) == 6);
    json_decref(l);
    VG_CHECK(vg_exceptions_list(st, "", "bogus", 0, 100, now, err) == NULL);
    done(st);
}

void exceptions_validation(void)
{
    vg_store *st = fresh();
    if (!st) {
        VG_CHECK(st != NULL);
        return;
    }
    int64_t now = 1800000000LL * 1000000;
    static const char *const bad[] = {
        "{\"event_type\":\"alert\",\"signature_id\":1}",                         /* no reason */
        "{\"event_type\":\"alert\",\"signature_id\":1,\"reason\":\" \\t\"}",     /* blank */
        "{\"event_type\":\"alert\",\"reason\":\"everything\"}",                  /* no field */
        "{\"signature_id\":1,\"reason\":\"r\"}",                                 /* no type */
        "{\"event_type\":\"a b\",\"signature_id\":1,\"reason\":\"r\"}",
        "{\"event_type\":\"alert\",\"signature_id\":0,\"reason\":\"r\"}",
        "{\"event_type\":\"alert\",\"src_ip\":\"300.1.1.1\",\"reason\":\"r\"}",
        "{\"event_type\":\"alert\",\"host\":\"\",\"reason\":\"r\"}",
        "{\"event_type\":\"alert\",\"check_id\":\"1\",\"reason\":\"r\"}",         /* not sca */
        "{\"event_type\":\"alert\",\"signature_id\":1,\"reason\":\"r\",\"x\":1}",
        "{\"event_type\":\"alert\",\"signature_id\":1,\"reason\":\"r\","
        "\"expires_at\":\"2020-01-01T00:00:00Z\"}",
    };
    for (size_t i = 0; i < VG_ARRAY_LEN(bad); i++)
        create(st, "", bad[i], now, VG_EINVAL);
    char big[1200];
    snprintf(big, sizeof big, "{\"event_type\":\"alert\",\"signature_id\":1,\"reason\":\"%01001d\"}", 0);
    create(st, "", big, now, VG_EINVAL);
    snprintf(big, sizeof big, "{\"event_type\":\"alert\",\"signature_id\":1,\"reason\":\"%01000d\"}", 0);
    create(st, "", big, now, VG_OK); /* exactly the cap */
    create(st, "u1", "{\"event_type\":\"alert\",\"signature_id\":1,\"reason\":\"r\","
                     "\"unit\":\"u2\"}", now, VG_ENOTSUP);
    int64_t id = create(st, "", "{\"event_type\":\"alert\",\"signature_id\":1,\"reason\":\"r\","
                                "\"unit\":\"u2\"}", now, VG_OK);
    char err[VG_ERRBUF_SIZE];
    json_t *o = vg_exception_get(st, "u1", id, now, err);
    VG_CHECK(o == NULL); /* another unit's */
    o = vg_exception_get(st, "u2", id, now, err);
    VG_CHECK(o && strcmp(json_string_value(json_object_get(o, "unit")), "u2") == 0 &&
             strcmp(json_string_value(json_object_get(o, "state")), "active") == 0);
    json_decref(o);
    VG_CHECK_EQ(vg_exception_revoke(st, "u1", id, "bob", "r", now, err), VG_ENOENT);
    VG_CHECK_EQ(vg_exception_revoke(st, "u2", id, "bob", "  ", now, err), VG_EINVAL);
    VG_CHECK_EQ(vg_exception_revoke(st, "u2", id, "bob", NULL, now, err), VG_EINVAL);
    VG_CHECK_EQ(vg_exception_revoke(st, "u2", id, "bob", "closed", now, err), VG_OK);
    int64_t gid = create(st, "", "{\"event_type\":\"dns\",\"src_ip\":\"::1\",\"reason\":\"r\"}",
                         now, VG_OK);
    VG_CHECK_EQ(vg_exception_revoke(st, "u2", gid, "bob", "no", now, err), VG_ENOTSUP);
    o = vg_exception_get(st, "u2", id, now, err);
    VG_CHECK(o && strcmp(json_string_value(json_object_get(o, "revoked_by")), "bob") == 0 &&
             strcmp(json_string_value(json_object_get(o, "revoke_reason")), "closed") == 0 &&
             strcmp(json_string_value(json_object_get(o, "state")), "revoked") == 0);
    json_decref(o);
    done(st);
}

static void first_count(void *arg, int ncols, const char *const *v)
{
    if (ncols > 0 && v[0])
        *(int64_t *)arg = strtoll(v[0], NULL, 10);
}

void exceptions_audited(void)
{
    vg_store *st = fresh();
    if (!st) {
        VG_CHECK(st != NULL);
        return;
    }
    int64_t now = 1800000000LL * 1000000;
    char err[VG_ERRBUF_SIZE];
    int64_t id = create(st, "u1", "{\"event_type\":\"alert\",\"signature_id\":9,\"reason\":\"why\"}",
                        now, VG_OK);
    VG_CHECK_EQ(vg_exception_revoke(st, "u1", id, "bob", "because", now, err), VG_OK);
    int64_t n = 0;
    VG_CHECK_EQ(vg_store_exec(st, "SELECT count(*) FROM audit WHERE action = 'exception.create' "
                                  "AND user_name = 'alice'", NULL, 0, first_count, &n, NULL, err),
                VG_OK);
    VG_CHECK_EQ(n, 1);
    n = 0;
    VG_CHECK_EQ(vg_store_exec(st, "SELECT count(*) FROM audit WHERE action = 'exception.revoke' "
                                  "AND user_name = 'bob'", NULL, 0, first_count, &n, NULL, err),
                VG_OK);
    VG_CHECK_EQ(n, 1);
    done(st);
}

typedef struct first_id {
    int64_t id;
} first_id;

static void take_id(int64_t id, const char *json, void *arg)
{
    (void)json;
    first_id *f = arg;
    if (!f->id)
        f->id = id;
}

void events_ack_and_flags(void)
{
    vg_store *st = fresh();
    if (!st) {
        VG_CHECK(st != NULL);
        return;
    }
    int64_t now = 1800000000LL * 1000000;
    char err[VG_ERRBUF_SIZE];
    vg_store_event ev[] = {
        {.event_id = "k1", .ts_us = now, .event_type = "alert", .sensor = "s1", .unit = "u1",
         .src_ip = "203.0.113.5", .signature_id = 11,
         .json = "{\"event_type\":\"alert\",\"alert\":{\"signature_id\":11}}"},
    };
    int64_t x = create(st, "u1", "{\"event_type\":\"alert\",\"signature_id\":11,\"reason\":\"r\"}",
                       now, VG_OK);
    VG_CHECK_EQ(ingest(st, ev, 1, now), 0);
    first_id f = {0};
    int64_t next;
    vg_store_filter all = {0};
    VG_CHECK_EQ(vg_store_query_events(st, &all, take_id, &f, &next, err), VG_OK);
    VG_CHECK(f.id > 0);
    VG_CHECK(vg_event_get(st, "u2", f.id, err) == NULL);
    VG_CHECK_EQ(vg_event_ack(st, "u2", f.id, "bob", "seen", now, err), VG_ENOENT);
    VG_CHECK_EQ(vg_event_ack(st, "u1", f.id, "bob", "", now, err), VG_EINVAL);
    VG_CHECK_EQ(vg_event_ack(st, "u1", f.id + 1000, "bob", "seen", now, err), VG_ENOENT);
    VG_CHECK_EQ(vg_event_ack(st, "u1", f.id, "bob", "known test traffic", now, err), VG_OK);
    VG_CHECK_EQ(vg_event_ack(st, "", f.id, "carol", "again", now, err), VG_ELIMIT);
    json_t *e = vg_event_get(st, "u1", f.id, err);
    VG_CHECK(e != NULL);
    if (e) {
        VG_CHECK_EQ(json_integer_value(json_object_get(e, "_exception_id")), x);
        json_t *ack = json_object_get(e, "_ack");
        VG_CHECK(ack && strcmp(json_string_value(json_object_get(ack, "user")), "bob") == 0 &&
                 strcmp(json_string_value(json_object_get(ack, "reason")), "known test traffic") == 0);
        VG_CHECK(json_is_object(json_object_get(e, "alert"))); /* the event itself */
    }
    json_decref(e);
    /* Decoration of a page larger than one query's chunk. */
    json_t *arr = json_array();
    for (int i = 0; i < 150; i++)
        json_array_append_new(arr, json_pack("{sI}", "_id", (json_int_t)(i == 140 ? f.id : f.id + 1 + i)));
    VG_CHECK_EQ(vg_exceptions_decorate(st, arr, err), VG_OK);
    int flagged = 0;
    for (size_t i = 0; i < json_array_size(arr); i++)
        flagged += json_object_get(json_array_get(arr, i), "_exception_id") != NULL;
    VG_CHECK_EQ(flagged, 1);
    VG_CHECK(json_object_get(json_array_get(arr, 140), "_ack") != NULL);
    json_decref(arr);
    done(st);
}
