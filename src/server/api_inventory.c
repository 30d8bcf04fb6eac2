/*
 * api_inventory.c: /api/v1 inventory routes (see inventory.h).
 *   GET  /units                 POST /units {name, org, parent}             (admin)
 *   GET  /systems               POST /systems {name, unit, level, owner, description,
 *                                              retention_months}            (admin)
 *   GET  /systems/ID            POST /systems/ID {...}   DELETE /systems/ID  (admin)
 *   GET  /systems/ID/summary    compliance %, schedule, hosts, evidence and website counts
 *   GET  /systems/ID/schedule   POST /systems/ID/schedule {months, note, inspected} (admin)
 *   GET  /hosts                 POST /hosts/ID {system, unit}               (admin)
 *   GET  /inspections           per host: latest SCA results, last inspection
 *   GET  /inspections/runs[?system=&before=US&limit=]  inspection runs (reports), newest first
 *   GET  /evidence[?system=]    POST /evidence {system, control, title, document, date, signer,
 *                                               due, status}                (analyst+)
 *                               POST /evidence/ID {...}  DELETE /evidence/ID (analyst+)
 *   POST /evidence/import       vigil inspect's local register (sensor of the unit, analyst+)
 * Reads are viewer+ and scoped to the caller's unit; every change is
 * audited; bodies over VG_INV_MAX_BODY get 413.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "server/auth.h"
#include "server/inventory.h"
#include "server/server_int.h"

static void today(char out[16])
{
    time_t t = (time_t)(vg_now_us() / 1000000);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 16, "%Y-%m-%d", &tm);
}

static enum MHD_Result result(vg_api_req *rq, int rc, const char *err, json_t *ok)
{
    if (rc == VG_OK && ok)
        return vg_api_json(rq->conn, 200, ok);
    json_decref(ok);
    if (rc == VG_ENOENT)
        return vg_api_error(rq->conn, 404, err);
    if (rc == VG_EINVAL)
        return vg_api_error(rq->conn, 400, err);
    if (rc == VG_ELIMIT)
        return vg_api_error(rq->conn, 413, err);
    return vg_api_error(rq->conn, 500, "store error");
}

/* Parse rest = "" | "/ID" | "/ID/SUB" | "/SUB" into *id (0 when absent)
 * and sub ("" when absent, at most 15 characters). */
static bool parse_rest(const char *rest, int64_t *id, char sub[16])
{
    *id = 0;
    sub[0] = '\0';
    if (!*rest)
        return true;
    if (*rest != '/')
        return false;
    rest++;
    if (*rest >= '1' && *rest <= '9') {
        char *end;
        long long v = strtoll(rest, &end, 10);
        if (v <= 0 || (*end && *end != '/'))
            return false;
        *id = v;
        rest = end;
        if (!*rest)
            return true;
        rest++;
    }
    size_t n = strlen(rest);
    if (n == 0 || n >= 16 || strchr(rest, '/'))
        return false;
    memcpy(sub, rest, n + 1);
    return true;
}

static void audit(vg_server *s, vg_api_req *rq, const char *action, const char *what, int64_t id,
                  json_t *body)
{
    char *b = body ? json_dumps(body, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    char detail[1024];
    snprintf(detail, sizeof detail, "%s %lld %.900s", what, (long long)id, b ? b : "");
    free(b);
    vg_store_audit(s->store, rq->user, action, detail);
}

static json_t *parse_body(vg_api_req *rq)
{
    json_error_t je;
    json_t *body = json_loadb(rq->body, rq->body_len, JSON_REJECT_DUPLICATES, &je);
    if (!json_is_object(body)) {
        json_decref(body);
        return NULL;
    }
    return body;
}

/* POST /evidence/import: a sensor pushes for its host's system (or a named
 * system of its unit); analysts and admins for any system they can see. */
static enum MHD_Result evidence_import(vg_server *s, vg_api_req *rq)
{
    if (rq->user_role != VG_ROLE_SENSOR && !vg_api_role_at_least(rq, VG_ROLE_ANALYST))
        return vg_api_error(rq->conn, 403, "sensors and analysts only");
    json_t *body = parse_body(rq);
    if (!body)
        return vg_api_error(rq->conn, 400, "expected a JSON object");
    char err[VG_ERRBUF_SIZE] = "", hsys[128] = "";
    json_t *out = NULL;
    pthread_mutex_lock(&s->lock);
    if (rq->user_role == VG_ROLE_SENSOR)
        vg_inventory_host_system(s->store, rq->user, hsys);
    int rc = vg_inventory_evidence_import(s->store, rq->unit, hsys, body, rq->user, vg_now_us(),
                                          &out, err);
    if (rc == VG_OK) {
        char d[256];
        snprintf(d, sizeof d, "system %.127s: %lld added, %lld updated, %lld runs",
                 json_string_value(json_object_get(out, "system")),
                 (long long)json_integer_value(json_object_get(out, "added")),
                 (long long)json_integer_value(json_object_get(out, "updated")),
                 (long long)json_integer_value(json_object_get(out, "runs")));
        vg_store_audit(s->store, rq->user, "evidence.import", d);
    }
    pthread_mutex_unlock(&s->lock);
    json_decref(body);
    return result(rq, rc, err, out);
}

static enum MHD_Result get_route(vg_server *s, vg_api_req *rq, const char *kind, int64_t id,
                                 const char *sub)
{
    char err[VG_ERRBUF_SIZE] = "", d[16];
    today(d);
    json_t *out = NULL;
    bool missing = false;
    pthread_mutex_lock(&s->lock);
    if (strcmp(kind, "units") == 0 && !id && !sub[0]) {
        json_t *a = vg_inventory_units(s->store, rq->unit, err);
        out = a ? json_pack("{so}", "units", a) : NULL;
    } else if (strcmp(kind, "systems") == 0 && !sub[0]) {
        out = id ? vg_inventory_system(s->store, rq->unit, id, vg_now_us(), d, err)
                 : vg_inventory_systems(s->store, rq->unit, vg_now_us(), d, err);
        missing = id && !out;
    } else if (strcmp(kind, "systems") == 0 && id && strcmp(sub, "summary") == 0) {
        out = vg_inventory_summary(s->store, rq->unit, id, vg_now_us(), d, err);
        missing = !out;
    } else if (strcmp(kind, "systems") == 0 && id && strcmp(sub, "schedule") == 0) {
        out = vg_inventory_schedule(s->store, rq->unit, id, vg_now_us(), err);
        missing = !out;
    } else if (strcmp(kind, "hosts") == 0 && !id && !sub[0]) {
        json_t *a = vg_inventory_hosts(s->store, rq->unit, vg_now_us(), err);
        out = a ? json_pack("{so}", "hosts", a) : NULL;
    } else if (strcmp(kind, "inspections") == 0 && !id && !sub[0]) {
        json_t *a = vg_inventory_inspections(s->store, rq->unit, err);
        out = a ? json_pack("{so}", "inspections", a) : NULL;
    } else if (strcmp(kind, "inspections") == 0 && !id && strcmp(sub, "runs") == 0) {
        const char *b = vg_api_arg(rq, "before"), *l = vg_api_arg(rq, "limit");
        char *e1 = NULL, *e2 = NULL;
        long long before = b ? strtoll(b, &e1, 10) : 0, limit = l ? strtoll(l, &e2, 10) : 100;
        if ((b && (*e1 || before < 0)) || (l && (*e2 || limit < 1 || limit > 500))) {
            pthread_mutex_unlock(&s->lock);
            return vg_api_error(rq->conn, 400, "before: microseconds; limit: 1-500");
        }
        json_t *a = vg_inventory_runs(s->store, rq->unit, vg_api_arg(rq, "system"), before,
                                      (int)limit, err);
        out = a ? json_pack("{so}", "runs", a) : NULL;
    } else if (strcmp(kind, "evidence") == 0 && !id && !sub[0]) {
        json_t *a = vg_inventory_evidence(s->store, rq->unit, vg_api_arg(rq, "system"), d, err);
        out = a ? json_pack("{so ss}", "evidence", a, "today", d) : NULL;
    } else {
        pthread_mutex_unlock(&s->lock);
        return vg_api_error(rq->conn, 405, "method not allowed");
    }
    pthread_mutex_unlock(&s->lock);
    if (missing)
        return vg_api_error(rq->conn, 404, "no such system");
    return out ? vg_api_json(rq->conn, 200, out) : vg_api_error(rq->conn, 500, "query failed");
}

enum MHD_Result vg_api_inventory(vg_server *s, vg_api_req *rq, const char *kind, const char *rest)
{
    int64_t id;
    char sub[16];
    if (!parse_rest(rest, &id, sub))
        return vg_api_error(rq->conn, 404, "no such route");
    bool get = strcmp(rq->method, "GET") == 0, post = strcmp(rq->method, "POST") == 0,
         del = strcmp(rq->method, "DELETE") == 0;
    if (rq->body_len > VG_INV_MAX_BODY)
        return vg_api_error(rq->conn, 413, "request body too large");
    if (post && strcmp(kind, "evidence") == 0 && !id && strcmp(sub, "import") == 0)
        return evidence_import(s, rq);
    if (!vg_api_role_at_least(rq, VG_ROLE_VIEWER))
        return vg_api_error(rq->conn, 403, "not allowed");
    if (get)
        return get_route(s, rq, kind, id, sub);
    if ((!post && !del) || strcmp(kind, "inspections") == 0)
        return vg_api_error(rq->conn, 405, "method not allowed");
    bool evidence = strcmp(kind, "evidence") == 0;
    /* The register of evidence is analysts' work; the rest is admins'. */
    if (!vg_api_role_at_least(rq, evidence ? VG_ROLE_ANALYST : VG_ROLE_ADMIN))
        return vg_api_error(rq->conn, 403, evidence ? "analysts and admins only" : "admins only");
    char err[VG_ERRBUF_SIZE] = "";
    if (del) {
        if (!id || sub[0] || (strcmp(kind, "systems") != 0 && !evidence))
            return vg_api_error(rq->conn, 405, "method not allowed");
        pthread_mutex_lock(&s->lock);
        int rc = evidence ? vg_inventory_evidence_delete(s->store, rq->unit, id, err)
                          : vg_inventory_system_delete(s->store, rq->unit, id, err);
        if (rc == VG_OK)
            audit(s, rq, evidence ? "evidence.delete" : "system.delete", kind, id, NULL);
        pthread_mutex_unlock(&s->lock);
        return result(rq, rc, err, json_pack("{sI}", "deleted", (json_int_t)id));
    }
    if (sub[0] && !(strcmp(kind, "systems") == 0 && id && strcmp(sub, "schedule") == 0))
        return vg_api_error(rq->conn, 404, "no such route");
    json_t *body = parse_body(rq);
    if (!body)
        return vg_api_error(rq->conn, 400, "expected a JSON object");
    int rc;
    json_t *out = NULL;
    int64_t nid = id;
    char d[16];
    today(d);
    pthread_mutex_lock(&s->lock);
    if (strcmp(kind, "units") == 0 && !id) {
        rc = vg_inventory_unit_put(s->store, rq->unit, body, err);
        if (rc == VG_OK) {
            audit(s, rq, "unit.put", "unit", 0, body);
            out = json_pack("{sO}", "unit", json_object_get(body, "name"));
        }
    } else if (strcmp(kind, "systems") == 0 && sub[0]) {
        rc = vg_inventory_schedule_put(s->store, rq->unit, id, body, rq->user, vg_now_us(), err);
        if (rc == VG_OK) {
            audit(s, rq, "schedule.put", "system", id, body);
            out = vg_inventory_schedule(s->store, rq->unit, id, vg_now_us(), err);
        }
    } else if (strcmp(kind, "systems") == 0) {
        rc = vg_inventory_system_put(s->store, rq->unit, id, body, s->retention_max_months, &nid, err);
        if (rc == VG_OK) {
            audit(s, rq, "system.put", "system", nid, body);
            out = vg_inventory_system(s->store, rq->unit, nid, vg_now_us(), d, err);
        }
    } else if (strcmp(kind, "hosts") == 0 && id) {
        rc = vg_inventory_host_put(s->store, rq->unit, id, body, err);
        if (rc == VG_OK) {
            audit(s, rq, "host.put", "host", id, body);
            out = json_pack("{sI}", "id", (json_int_t)id);
        }
    } else if (evidence) {
        rc = vg_inventory_evidence_put(s->store, rq->unit, id, body, rq->user, &nid, err);
        if (rc == VG_OK) {
            audit(s, rq, "evidence.put", "evidence", nid, body);
            out = json_pack("{sI}", "id", (json_int_t)nid);
        }
    } else {
        rc = vg_err(err, VG_ENOENT, "no such route");
    }
    pthread_mutex_unlock(&s->lock);
    json_decref(body);
    if (rc == VG_OK && !out)
        rc = VG_EIO;
    return result(rq, rc, err, out);
}
