/*
 * api_response.c: /api/v1/blocks (see response.h).
 *   GET  /blocks               sensor: what it must enforce; viewer+: the list (scoped)
 *   POST /blocks {ip, host, duration_s, reason, unit}                     (analyst+)
 *   POST /blocks/ID/revoke                                                (analyst+)
 *   POST /blocks/ID/ack {ok, detail}                                      (sensor)
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "server/auth.h"
#include "server/response.h"
#include "server/server_int.h"

enum MHD_Result vg_api_blocks(vg_server *s, vg_api_req *rq, const char *rest)
{
    bool get = strcmp(rq->method, "GET") == 0, post = strcmp(rq->method, "POST") == 0;
    bool sensor = rq->user_role == VG_ROLE_SENSOR;
    char err[VG_ERRBUF_SIZE] = "";
    if (!*rest && get) {
        pthread_mutex_lock(&s->lock);
        json_t *o;
        if (sensor) {
            o = vg_block_pending(s->store, rq->user, rq->unit, vg_now_us(), err);
        } else if (vg_api_role_at_least(rq, VG_ROLE_VIEWER)) {
            json_t *a = vg_block_list(s->store, rq->unit, vg_now_us(), err);
            o = a ? json_pack("{so}", "blocks", a) : NULL;
        } else {
            pthread_mutex_unlock(&s->lock);
            return vg_api_error(rq->conn, 403, "not allowed");
        }
        pthread_mutex_unlock(&s->lock);
        return o ? vg_api_json(rq->conn, 200, o) : vg_api_error(rq->conn, 500, "query failed");
    }
    if (!post)
        return vg_api_error(rq->conn, 405, "method not allowed");
    int64_t id = 0;
    const char *sub = rest;
    if (*rest == '/') {
        char *end;
        long long v = strtoll(rest + 1, &end, 10);
        if (end == rest + 1 || v <= 0)
            return vg_api_error(rq->conn, 404, "no such route");
        id = v;
        sub = end;
    } else if (*rest) {
        return vg_api_error(rq->conn, 404, "no such route");
    }
    json_error_t je;
    json_t *body = rq->body_len ? json_loadb(rq->body, rq->body_len, JSON_REJECT_DUPLICATES, &je)
                                : json_object();
    if (!json_is_object(body)) {
        json_decref(body);
        return vg_api_error(rq->conn, 400, "expected a JSON object");
    }
    int rc;
    unsigned ok_code = 200;
    json_t *out = NULL;
    if (id && strcmp(sub, "/ack") == 0) {
        if (!sensor && !vg_api_role_at_least(rq, VG_ROLE_ADMIN)) {
            json_decref(body);
            return vg_api_error(rq->conn, 403, "sensors only");
        }
        json_t *okv = json_object_get(body, "ok");
        const char *detail = json_string_value(json_object_get(body, "detail"));
        pthread_mutex_lock(&s->lock);
        rc = json_is_boolean(okv)
                 ? vg_block_ack(s->store, rq->user, rq->unit, id, json_is_true(okv), detail,
                                vg_now_us(), err)
                 : vg_err(err, VG_EINVAL, "expected {\"ok\": true|false, \"detail\": ...}");
        pthread_mutex_unlock(&s->lock);
        out = json_pack("{sI}", "id", (json_int_t)id);
    } else if (!vg_api_role_at_least(rq, VG_ROLE_ANALYST)) {
        json_decref(body);
        return vg_api_error(rq->conn, 403, "analysts and admins only");
    } else if (id && strcmp(sub, "/revoke") == 0) {
        pthread_mutex_lock(&s->lock);
        rc = vg_block_revoke(s->store, rq->unit, id, rq->user, vg_now_us(), err);
        pthread_mutex_unlock(&s->lock);
        out = json_pack("{sI ss}", "id", (json_int_t)id, "state", "revoked");
    } else if (!id && !*sub) {
        const char *ip = json_string_value(json_object_get(body, "ip"));
        const char *host = json_string_value(json_object_get(body, "host"));
        const char *reason = json_string_value(json_object_get(body, "reason"));
        const char *unit = json_string_value(json_object_get(body, "unit"));
        json_t *dur = json_object_get(body, "duration_s");
        if (rq->unit[0]) {
            if (unit && strcmp(unit, rq->unit) != 0) {
                json_decref(body);
                return vg_api_error(rq->conn, 403, "you may only block for your unit");
            }
            unit = rq->unit;
        }
        if (!ip || (dur && !json_is_integer(dur)) ||
            (dur && (json_integer_value(dur) < 0 || json_integer_value(dur) > VG_BLOCK_MAX_S))) {
            json_decref(body);
            return vg_api_error(rq->conn, 400, "expected {\"ip\", \"duration_s\", \"reason\", \"host\"}");
        }
        pthread_mutex_lock(&s->lock);
        rc = vg_block_create(s->store, &s->allow, unit ? unit : "", ip, host,
                             dur ? (int)json_integer_value(dur) : 0, reason, rq->user, vg_now_us(),
                             &id, err);
        pthread_mutex_unlock(&s->lock);
        out = json_pack("{sI}", "id", (json_int_t)id);
        ok_code = 201;
    } else {
        rc = vg_err(err, VG_ENOENT, "no such route");
    }
    json_decref(body);
    if (rc == VG_OK)
        return vg_api_json(rq->conn, ok_code, out);
    json_decref(out);
    return vg_api_error(rq->conn, rc == VG_ENOENT ? 404 : rc == VG_EINVAL ? 400 : 500, err);
}
