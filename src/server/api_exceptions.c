/*
 * api_exceptions.c: /api/v1/exceptions and the per-event routes.
 *   GET  /exceptions[?state=active|expired|revoked|all&before=&limit=]  list (viewer+),
 *        with excepted_events: the stored events exceptions matched, in the caller's units
 *   POST /exceptions      {event_type, signature_id?, check_id?, host?, src_ip?,
 *                          dest_ip?, system?, reason, expires_at?, unit?}      (analyst+)
 *   GET  /exceptions/ID                                                      (viewer+)
 *   POST /exceptions/ID/revoke  {reason}                                     (analyst+)
 *   GET  /events/ID       one event with _exception_id and _ack              (viewer+)
 *   POST /events/ID/ack   {reason}                                           (analyst+)
 * Every route is scoped to the caller's unit (exceptions.h); bodies over
 * VG_EXC_MAX_BODY are 413, malformed ones 400.
 */
#include <stdlib.h>
#include <string.h>

#include "server/auth.h"
#include "server/exceptions.h"
#include "server/server_int.h"

#define VG_EXC_MAX_BODY 65536

static unsigned code_of(int rc)
{
    switch (rc) {
    case VG_EINVAL: return 400;
    case VG_ENOENT: return 404;
    case VG_ENOTSUP: return 403;
    case VG_ELIMIT: return 409;
    default: return 500;
    }
}

/* The JSON object of a write request, or an error response in *ret. */
static json_t *write_body(vg_api_req *rq, enum MHD_Result *ret)
{
    if (!vg_api_role_at_least(rq, VG_ROLE_ANALYST)) {
        *ret = vg_api_error(rq->conn, 403, "analysts and admins only");
        return NULL;
    }
    if (rq->body_len > VG_EXC_MAX_BODY) {
        *ret = vg_api_error(rq->conn, 413, "request body too large");
        return NULL;
    }
    json_error_t je;
    json_t *body = json_loadb(rq->body, rq->body_len, JSON_REJECT_DUPLICATES, &je);
    if (!json_is_object(body)) {
        json_decref(body);
        *ret = vg_api_error(rq->conn, 400, "expected a JSON object");
        return NULL;
    }
    return body;
}

/* "/ID" or "/ID/sub": the id (> 0) and what follows it; false when not. */
static bool path_id(const char *rest, int64_t *id, const char **sub)
{
    if (*rest != '/')
        return false;
    char *end;
    long long v = strtoll(rest + 1, &end, 10);
    if (end == rest + 1 || v <= 0 || (*end && *end != '/'))
        return false;
    *id = v;
    *sub = end;
    return true;
}

enum MHD_Result vg_api_exceptions(vg_server *s, vg_api_req *rq, const char *rest)
{
    if (!vg_api_role_at_least(rq, VG_ROLE_VIEWER))
        return vg_api_error(rq->conn, 403, "not allowed");
    bool get = strcmp(rq->method, "GET") == 0, post = strcmp(rq->method, "POST") == 0;
    char err[VG_ERRBUF_SIZE] = "";
    enum MHD_Result ret;
    if (!*rest) {
        if (get) {
            const char *b = vg_api_arg(rq, "before"), *l = vg_api_arg(rq, "limit");
            char *end = NULL;
            long long before = b ? strtoll(b, &end, 10) : 0;
            if (b && (*end || before < 0))
                return vg_api_error(rq->conn, 400, "bad before");
            long limit = l ? strtol(l, &end, 10) : 100;
            if (l && (*end || limit < 1 || limit > 500))
                return vg_api_error(rq->conn, 400, "bad limit (1-500)");
            /* With the number of stored events an exception matched, in
             * the caller's units (the overview counts them with the rest). */
            const char *units[] = {rq->unit, NULL};
            vg_store_filter f = {.excepted = 1, .units = rq->unit[0] ? units : NULL};
            int64_t excepted = 0;
            pthread_mutex_lock(&s->lock);
            json_t *arr = vg_exceptions_list(s->store, rq->unit, vg_api_arg(rq, "state"), before,
                                             (int)limit, vg_now_us(), err);
            int rc = arr ? vg_store_count_events(s->store, &f, &excepted, err) : VG_OK;
            pthread_mutex_unlock(&s->lock);
            if (!arr)
                return vg_api_error(rq->conn, strstr(err, "state") ? 400 : 500,
                                    strstr(err, "state") ? err : "query failed");
            if (rc != VG_OK) {
                json_decref(arr);
                return vg_api_error(rq->conn, 500, "query failed");
            }
            return vg_api_json(rq->conn, 200, json_pack("{so sI}", "exceptions", arr,
                                                        "excepted_events", (json_int_t)excepted));
        }
        if (!post)
            return vg_api_error(rq->conn, 405, "method not allowed");
        json_t *body = write_body(rq, &ret);
        if (!body)
            return ret;
        int64_t id = 0;
        pthread_mutex_lock(&s->lock);
        int rc = vg_exception_create(s->store, rq->unit, rq->user, body, vg_now_us(), &id, err);
        json_t *o = rc == VG_OK ? vg_exception_get(s->store, rq->unit, id, vg_now_us(), err) : NULL;
        pthread_mutex_unlock(&s->lock);
        json_decref(body);
        if (rc != VG_OK)
            return vg_api_error(rq->conn, code_of(rc), err);
        return o ? vg_api_json(rq->conn, 201, o) : vg_api_error(rq->conn, 500, "reload failed");
    }
    int64_t id;
    const char *sub;
    if (!path_id(rest, &id, &sub))
        return vg_api_error(rq->conn, 404, "no such exception");
    if (!*sub) {
        if (!get)
            return vg_api_error(rq->conn, 405, "method not allowed");
        pthread_mutex_lock(&s->lock);
        json_t *o = vg_exception_get(s->store, rq->unit, id, vg_now_us(), err);
        pthread_mutex_unlock(&s->lock);
        return o ? vg_api_json(rq->conn, 200, o) : vg_api_error(rq->conn, 404, "no such exception");
    }
    if (strcmp(sub, "/revoke") != 0)
        return vg_api_error(rq->conn, 404, "no such route");
    if (!post)
        return vg_api_error(rq->conn, 405, "method not allowed");
    json_t *body = write_body(rq, &ret);
    if (!body)
        return ret;
    pthread_mutex_lock(&s->lock);
    int rc = vg_exception_revoke(s->store, rq->unit, id, rq->user,
                                 json_string_value(json_object_get(body, "reason")), vg_now_us(),
                                 err);
    json_t *o = rc == VG_OK ? vg_exception_get(s->store, rq->unit, id, vg_now_us(), err) : NULL;
    pthread_mutex_unlock(&s->lock);
    json_decref(body);
    if (rc != VG_OK)
        return vg_api_error(rq->conn, code_of(rc), err);
    return o ? vg_api_json(rq->conn, 200, o) : vg_api_error(rq->conn, 500, "reload failed");
}

enum MHD_Result vg_api_event_item(vg_server *s, vg_api_req *rq, const char *rest)
{
    if (!vg_api_role_at_least(rq, VG_ROLE_VIEWER))
        return vg_api_error(rq->conn, 403, "not allowed");
    int64_t id;
    const char *sub;
    if (!path_id(rest, &id, &sub))
        return vg_api_error(rq->conn, 404, "no such event");
    bool get = strcmp(rq->method, "GET") == 0, post = strcmp(rq->method, "POST") == 0;
    char err[VG_ERRBUF_SIZE] = "";
    if (!*sub) {
        if (!get)
            return vg_api_error(rq->conn, 405, "method not allowed");
        pthread_mutex_lock(&s->lock);
        json_t *o = vg_event_get(s->store, rq->unit, id, err);
        pthread_mutex_unlock(&s->lock);
        return o ? vg_api_json(rq->conn, 200, o) : vg_api_error(rq->conn, 404, "no such event");
    }
    if (strcmp(sub, "/ack") != 0)
        return vg_api_error(rq->conn, 404, "no such route");
    if (!post)
        return vg_api_error(rq->conn, 405, "method not allowed");
    enum MHD_Result ret;
    json_t *body = write_body(rq, &ret);
    if (!body)
        return ret;
    pthread_mutex_lock(&s->lock);
    int rc = vg_event_ack(s->store, rq->unit, id, rq->user,
                          json_string_value(json_object_get(body, "reason")), vg_now_us(), err);
    json_t *o = rc == VG_OK ? vg_event_get(s->store, rq->unit, id, err) : NULL;
    pthread_mutex_unlock(&s->lock);
    json_decref(body);
    if (rc != VG_OK)
        return vg_api_error(rq->conn, code_of(rc), err);
    return o ? vg_api_json(rq->conn, 200, o) : vg_api_error(rq->conn, 500, "reload failed");
}
