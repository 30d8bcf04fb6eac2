/*
 * api_inventory.c: /api/v1 inventory routes (see inventory.h).
 *   GET  /units                 POST /units {name, org, parent}             (admin)
 *   GET  /systems               POST /systems {name, unit, level, owner, description,
 *                                              retention_months}            (admin)
 *   GET  /systems/ID            POST /systems/ID {...}   DELETE /systems/ID  (admin)
 *   GET  /hosts                 POST /hosts/ID {system, unit}               (admin)
 *   GET  /inspections           per host: latest SCA results, last inspection
 *   GET  /evidence[?system=]    POST /evidence {system, control, document, date, signer, due}
 *                               POST /evidence/ID {...}                     (admin)
 * Reads are viewer+ and scoped to the caller's unit; every change is audited.
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
    time_t t = time(NULL);
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
    return vg_api_error(rq->conn, 500, "store error");
}

/* Parse "/ID" (rest) into *id; "" gives 0. */
static bool parse_id(const char *rest, int64_t *id)
{
    *id = 0;
    if (!*rest)
        return true;
    if (*rest != '/')
        return false;
    char *end;
    long long v = strtoll(rest + 1, &end, 10);
    if (end == rest + 1 || *end || v <= 0)
        return false;
    *id = v;
    return true;
}

static void audit(vg_server *s, vg_api_req *rq, const char *action, const char *what, int64_t id,
                  json_t *body)
{
    char *b = json_dumps(body, JSON_COMPACT | JSON_SORT_KEYS);
    char detail[1024];
    snprintf(detail, sizeof detail, "%s %lld %.900s", what, (long long)id, b ? b : "");
    free(b);
    vg_store_audit(s->store, rq->user, action, detail);
}

enum MHD_Result vg_api_inventory(vg_server *s, vg_api_req *rq, const char *kind, const char *rest)
{
    if (!vg_api_role_at_least(rq, VG_ROLE_VIEWER))
        return vg_api_error(rq->conn, 403, "not allowed");
    bool get = strcmp(rq->method, "GET") == 0, post = strcmp(rq->method, "POST") == 0,
         del = strcmp(rq->method, "DELETE") == 0;
    int64_t id;
    if (!parse_id(rest, &id))
        return vg_api_error(rq->conn, 404, "no such route");
    char err[VG_ERRBUF_SIZE] = "";
    if (get) {
        json_t *out = NULL;
        pthread_mutex_lock(&s->lock);
        if (strcmp(kind, "units") == 0 && !id) {
            json_t *a = vg_inventory_units(s->store, rq->unit, err);
            out = a ? json_pack("{so}", "units", a) : NULL;
        } else if (strcmp(kind, "systems") == 0) {
            out = id ? vg_inventory_system(s->store, rq->unit, id, vg_now_us(), err)
                     : vg_inventory_systems(s->store, rq->unit, vg_now_us(), err);
            if (!out && id) {
                pthread_mutex_unlock(&s->lock);
                return vg_api_error(rq->conn, 404, "no such system");
            }
        } else if (strcmp(kind, "hosts") == 0 && !id) {
            json_t *a = vg_inventory_hosts(s->store, rq->unit, vg_now_us(), err);
            out = a ? json_pack("{so}", "hosts", a) : NULL;
        } else if (strcmp(kind, "inspections") == 0 && !id) {
            json_t *a = vg_inventory_inspections(s->store, rq->unit, err);
            out = a ? json_pack("{so}", "inspections", a) : NULL;
        } else if (strcmp(kind, "evidence") == 0 && !id) {
            char d[16];
            today(d);
            const char *sys = MHD_lookup_connection_value(rq->conn, MHD_GET_ARGUMENT_KIND, "system");
            json_t *a = vg_inventory_evidence(s->store, rq->unit, sys, d, err);
            out = a ? json_pack("{so}", "evidence", a) : NULL;
        } else {
            pthread_mutex_unlock(&s->lock);
            return vg_api_error(rq->conn, 405, "method not allowed");
        }
        pthread_mutex_unlock(&s->lock);
        return out ? vg_api_json(rq->conn, 200, out) : vg_api_error(rq->conn, 500, "query failed");
    }
    if ((!post && !del) || strcmp(kind, "inspections") == 0)
        return vg_api_error(rq->conn, 405, "method not allowed");
    if (!vg_api_role_at_least(rq, VG_ROLE_ADMIN))
        return vg_api_error(rq->conn, 403, "admins only");
    if (del) {
        if (strcmp(kind, "systems") != 0 || !id)
            return vg_api_error(rq->conn, 405, "method not allowed");
        pthread_mutex_lock(&s->lock);
        int rc = vg_inventory_system_delete(s->store, rq->unit, id, err);
        if (rc == VG_OK)
            audit(s, rq, "system.delete", "system", id, NULL);
        pthread_mutex_unlock(&s->lock);
        return result(rq, rc, err, json_pack("{sI}", "deleted", (json_int_t)id));
    }
    json_error_t je;
    json_t *body = json_loadb(rq->body, rq->body_len, JSON_REJECT_DUPLICATES, &je);
    if (!json_is_object(body)) {
        json_decref(body);
        return vg_api_error(rq->conn, 400, "expected a JSON object");
    }
    int rc;
    json_t *out = NULL;
    int64_t nid = id;
    pthread_mutex_lock(&s->lock);
    if (strcmp(kind, "units") == 0 && !id) {
        rc = vg_inventory_unit_put(s->store, rq->unit, body, err);
        if (rc == VG_OK) {
            audit(s, rq, "unit.put", "unit", 0, body);
            out = json_pack("{sO}", "unit", json_object_get(body, "name"));
        }
    } else if (strcmp(kind, "systems") == 0) {
        rc = vg_inventory_system_put(s->store, rq->unit, id, body, s->retention_max_months, &nid, err);
        if (rc == VG_OK) {
            audit(s, rq, "system.put", "system", nid, body);
            out = vg_inventory_system(s->store, rq->unit, nid, vg_now_us(), err);
        }
    } else if (strcmp(kind, "hosts") == 0 && id) {
        rc = vg_inventory_host_put(s->store, rq->unit, id, body, err);
        if (rc == VG_OK) {
            audit(s, rq, "host.put", "host", id, body);
            out = json_pack("{sI}", "id", (json_int_t)id);
        }
    } else if (strcmp(kind, "evidence") == 0) {
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
