/*
 * fuzz_inventory.c: any bytes as the body of the inventory writes a sensor
 * or an analyst can reach (POST /evidence/import, POST /evidence, POST
 * /systems/ID/schedule) against an in-memory store; the first byte picks
 * the route and the caller's unit.  Invariants: a refused body changes
 * nothing; an accepted import adds at most one row per item and one run
 * per inspection, only to a system the caller's unit may see; every stored
 * evidence row keeps a known status and dates that are empty or
 * YYYY-MM-DD; a schedule keeps 0-120 months; nothing crashes or leaks.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "server/inventory.h"

static vg_store *st;
static int64_t sid;

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

static void setup(void)
{
    char err[VG_ERRBUF_SIZE];
    if (vg_store_open(&st, "sqlite::memory:", err) != VG_OK || vg_inventory_schema(st, err) != VG_OK)
        abort();
    json_t *a = json_pack("{ss ss si}", "name", "portal", "unit", "u1", "level", 3);
    json_t *b = json_pack("{ss ss si}", "name", "hr", "unit", "u2", "level", 4);
    int64_t other;
    if (vg_inventory_system_put(st, "", 0, a, 60, &sid, err) != VG_OK ||
        vg_inventory_system_put(st, "", 0, b, 60, &other, err) != VG_OK)
        abort();
    json_decref(a);
    json_decref(b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!st)
        setup();
    if (size == 0)
        return 0;
    char err[VG_ERRBUF_SIZE];
    (void)!vg_store_exec(st, "DELETE FROM evidence", NULL, 0, NULL, NULL, NULL, NULL);
    (void)!vg_store_exec(st, "DELETE FROM inspection_runs", NULL, 0, NULL, NULL, NULL, NULL);
    const char *unit = data[0] & 1 ? "u1" : "";
    int route = (data[0] >> 1) % 3;
    json_error_t je;
    json_t *body = json_loadb((const char *)data + 1, size - 1, 0, &je);
    if (!json_is_object(body)) {
        json_decref(body);
        return 0; /* the API answers 400 before these functions */
    }
    int64_t now = 1800000000LL * 1000000, id = 0;
    int rc;
    if (route == 0) {
        json_t *out = NULL;
        rc = vg_inventory_evidence_import(st, unit, "portal", body, "fuzz", now, &out, err);
        int64_t ev = count("SELECT count(*) FROM evidence"), runs = count("SELECT count(*) FROM inspection_runs");
        if (rc != VG_OK && (ev != 0 || runs != 0 || out))
            abort();
        if (rc == VG_OK) {
            size_t items = json_array_size(json_object_get(body, "items"));
            size_t insp = json_array_size(json_object_get(body, "inspections"));
            if (!out || ev > (int64_t)items || runs > (int64_t)insp ||
                json_integer_value(json_object_get(out, "added")) != ev)
                abort();
            if (unit[0] && count("SELECT count(*) FROM evidence WHERE unit <> 'u1'") != 0)
                abort();
        }
        json_decref(out);
    } else if (route == 1) {
        rc = vg_inventory_evidence_put(st, unit, 0, body, "fuzz", &id, err);
        int64_t ev = count("SELECT count(*) FROM evidence");
        if ((rc != VG_OK && ev != 0) || (rc == VG_OK && (ev != 1 || id <= 0)))
            abort();
    } else {
        rc = vg_inventory_schedule_put(st, unit, sid, body, "fuzz", now, err);
        if (count("SELECT count(*) FROM inspect_schedule WHERE months < 0 OR months > 120") != 0)
            abort();
        (void)!vg_store_exec(st, "DELETE FROM inspect_schedule", NULL, 0, NULL, NULL, NULL, NULL);
    }
    if (count("SELECT count(*) FROM evidence WHERE status NOT IN ('open', 'provided', 'not_applicable') "
              "OR (due_date <> '' AND length(due_date) <> 10) OR (doc_date <> '' AND length(doc_date) <> 10)") != 0)
        abort();
    json_decref(body);
    return 0;
}
