/*
 * fuzz_exceptions.c: any bytes as the body of POST /exceptions (the first
 * byte picks the caller's unit) against an in-memory store, then a fixed
 * batch through the ingest matching, then a revoke with the same bytes as
 * the reason.  Invariants: a refused body leaves no exception; an accepted
 * one keeps only well-formed fields (reason 1..cap bytes); the events kept
 * for incidents plus the hits the exception gained never exceed the batch;
 * nothing crashes or leaks.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "server/exceptions.h"
#include "server/inventory.h"

static vg_store *st;

static void count_row(void *arg, int n, const char *const *v)
{
    if (n > 0 && v[0])
        *(int64_t *)arg = strtoll(v[0], NULL, 10);
}

static int64_t count(const char *sql)
{
    int64_t n = -1;
    if (vg_store_exec(st, sql, NULL, 0, count_row, &n, NULL, NULL) != VG_OK)
        abort();
    return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[VG_ERRBUF_SIZE];
    if (!st) {
        if (vg_store_open(&st, "sqlite::memory:", err) != VG_OK ||
            vg_inventory_schema(st, err) != VG_OK)
            abort();
        const char *sys[] = {"portal"};
        const char *host[] = {"web1"};
        if (vg_store_exec(st, "INSERT INTO systems(name, unit, level, created, updated) "
                              "VALUES(?, 'u1', 3, 0, 0)", sys, 1, NULL, NULL, NULL, err) != VG_OK ||
            vg_store_exec(st, "INSERT INTO hosts(name, unit, system, first_seen, last_seen) "
                              "VALUES(?, 'u1', 'portal', 0, 0)", host, 1, NULL, NULL, NULL, err) != VG_OK)
            abort();
    }
    if (size == 0)
        return 0;
    const char *unit = data[0] & 1 ? "u1" : "";
    json_error_t je;
    json_t *body = json_loadb((const char *)data + 1, size - 1, 0, &je);
    int64_t now = 1800000000LL * 1000000, id = 0;
    int rc = vg_exception_create(st, unit, "fuzz", body, now, &id, err);
    int64_t n = count("SELECT count(*) FROM exceptions");
    if ((rc != VG_OK && n != 0) || (rc == VG_OK && (n != 1 || id <= 0)))
        abort();
    if (rc == VG_OK) {
        if (count("SELECT count(*) FROM exceptions WHERE length(reason) < 1 OR length(reason) > 1000 "
                  "OR event_type = '' OR (signature_id = 0 AND check_id IS NULL AND host IS NULL "
                  "AND src_ip IS NULL AND dest_ip IS NULL AND system IS NULL)") != 0)
            abort();
        vg_store_event ev[] = {
            {.event_id = "f1", .ts_us = now, .event_type = "alert", .sensor = "web1", .unit = "u1",
             .src_ip = "10.0.0.1", .dest_ip = "10.0.0.2", .signature_id = 1, .json = "{}"},
            {.event_id = "f2", .ts_us = now, .event_type = "sca", .sensor = "web1", .unit = "u1",
             .json = "{\"sca\":{\"check\":{\"id\":\"1\"}}}"},
            {.event_id = "f3", .ts_us = now, .event_type = "log", .sensor = "web2", .unit = "u2",
             .src_ip = "::1", .signature_id = 5716, .json = "{}"},
        };
        size_t ins, nkeep;
        uint8_t is_new[3];
        const vg_store_event *keep;
        if (vg_store_insert_events_flags(st, ev, 3, &ins, is_new, err) != VG_OK ||
            vg_exceptions_ingest(st, ev, 3, is_new, now, &keep, &nkeep, err) != VG_OK)
            abort();
        int64_t hits = count("SELECT hits FROM exceptions");
        if (nkeep > 3 || hits < 0 || (size_t)hits + nkeep != 3)
            abort();
        if (keep != ev)
            free((void *)keep);
        char reason[64];
        size_t k = size - 1 < sizeof reason - 1 ? size - 1 : sizeof reason - 1;
        memcpy(reason, data + 1, k);
        reason[k] = '\0';
        /* Revoked by a caller of the creator's unit: only the reason can be wrong. */
        rc = vg_exception_revoke(st, unit, id, "fuzz", reason, now, err);
        if (rc != VG_OK && rc != VG_EINVAL)
            abort();
    }
    json_decref(body);
    if (vg_store_exec(st, "DELETE FROM exceptions", NULL, 0, NULL, NULL, NULL, err) != VG_OK ||
        vg_store_exec(st, "DELETE FROM event_exceptions", NULL, 0, NULL, NULL, NULL, err) != VG_OK ||
        vg_store_exec(st, "DELETE FROM events", NULL, 0, NULL, NULL, NULL, err) != VG_OK ||
        vg_store_exec(st, "DELETE FROM audit", NULL, 0, NULL, NULL, NULL, err) != VG_OK ||
        vg_store_exec(st, "DELETE FROM exceptions_meta", NULL, 0, NULL, NULL, NULL, err) != VG_OK)
        abort();
    return 0;
}
