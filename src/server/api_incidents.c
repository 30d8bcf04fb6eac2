/*
 * api_incidents.c: /api/v1/incidents routes.
 *   GET  /incidents[?status=&before=&limit=]     list (viewer+)
 *   GET  /incidents/ID                           detail with events, comments, deadlines
 *   POST /incidents/ID        {status, assignee, severity, title, resolution, form}  (analyst+)
 *   POST /incidents/ID/comments {text}                                             (analyst+)
 *   GET  /incidents/ID/report?kind=initial|final&format=json|html
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "server/auth.h"
#include "server/incidents.h"
#include "server/server_int.h"

static enum MHD_Result html(struct MHD_Connection *c, char *page)
{
    struct MHD_Response *r = MHD_create_response_from_buffer(strlen(page), page,
                                                             MHD_RESPMEM_MUST_FREE);
    if (!r) {
        free(page);
        return MHD_NO;
    }
    MHD_add_response_header(r, "Content-Type", "text/html; charset=utf-8");
    MHD_add_response_header(r, "Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'");
    enum MHD_Result ret = MHD_queue_response(c, 200, r);
    MHD_destroy_response(r);
    return ret;
}

enum MHD_Result vg_api_incidents(vg_server *s, vg_api_req *rq, const char *rest)
{
    if (!vg_api_role_at_least(rq, VG_ROLE_VIEWER))
        return vg_api_error(rq->conn, 403, "not allowed");
    bool get = strcmp(rq->method, "GET") == 0, post = strcmp(rq->method, "POST") == 0;
    char err[VG_ERRBUF_SIZE] = "";
    if (!*rest) {
        if (!get)
            return vg_api_error(rq->conn, 405, "method not allowed");
        const char *b = vg_api_arg(rq, "before"), *l = vg_api_arg(rq, "limit");
        const char *st = vg_api_arg(rq, "status");
        char *end = NULL;
        long long before = b ? strtoll(b, &end, 10) : 0;
        if (b && (*end || before < 0))
            return vg_api_error(rq->conn, 400, "bad before");
        long limit = l ? strtol(l, &end, 10) : 100;
        if (l && (*end || limit < 1 || limit > 500))
            return vg_api_error(rq->conn, 400, "bad limit (1-500)");
        pthread_mutex_lock(&s->lock);
        json_t *arr = vg_incidents_list(s->store, rq->unit, st, before, (int)limit, err);
        pthread_mutex_unlock(&s->lock);
        if (!arr)
            return vg_api_error(rq->conn, 500, "query failed");
        return vg_api_json(rq->conn, 200, json_pack("{so}", "incidents", arr));
    }
    if (*rest != '/')
        return vg_api_error(rq->conn, 404, "no such route");
    char *end;
    long long id = strtoll(rest + 1, &end, 10);
    if (end == rest + 1 || id <= 0)
        return vg_api_error(rq->conn, 404, "no such incident");
    const char *sub = end;
    if (!*sub && get) {
        pthread_mutex_lock(&s->lock);
        json_t *o = vg_incident_get(s->store, rq->unit, id, vg_now_us(), err);
        pthread_mutex_unlock(&s->lock);
        return o ? vg_api_json(rq->conn, 200, o) : vg_api_error(rq->conn, 404, "no such incident");
    }
    if (strcmp(sub, "/report") == 0 && get) {
        const char *kind = vg_api_arg(rq, "kind"), *fmt = vg_api_arg(rq, "format");
        pthread_mutex_lock(&s->lock);
        json_t *r = vg_incident_report(s->store, rq->unit, id, kind ? kind : "initial", vg_now_us(), err);
        pthread_mutex_unlock(&s->lock);
        if (!r)
            return vg_api_error(rq->conn, err[0] && strstr(err, "kind") ? 400 : 404,
                                err[0] ? err : "no such incident");
        if (fmt && strcmp(fmt, "html") == 0) {
            char *page = vg_incident_report_html(r);
            json_decref(r);
            return page ? html(rq->conn, page) : vg_api_error(rq->conn, 500, "out of memory");
        }
        return vg_api_json(rq->conn, 200, r);
    }
    if (!post)
        return vg_api_error(rq->conn, *sub && strcmp(sub, "/comments") != 0 ? 404 : 405,
                            "method not allowed");
    if (!vg_api_role_at_least(rq, VG_ROLE_ANALYST))
        return vg_api_error(rq->conn, 403, "analysts and admins only");
    json_error_t je;
    json_t *body = json_loadb(rq->body, rq->body_len, JSON_REJECT_DUPLICATES, &je);
    if (!json_is_object(body)) {
        json_decref(body);
        return vg_api_error(rq->conn, 400, "expected a JSON object");
    }
    int rc;
    pthread_mutex_lock(&s->lock);
    if (!*sub) {
        rc = vg_incident_update(s->store, rq->unit, id, body, rq->user, err);
    } else if (strcmp(sub, "/comments") == 0) {
        const char *text = json_string_value(json_object_get(body, "text"));
        rc = text ? vg_incident_comment(s->store, rq->unit, id, rq->user, text, err)
                  : vg_err(err, VG_EINVAL, "expected {\"text\": ...}");
    } else {
        rc = vg_err(err, VG_ENOENT, "no such route");
    }
    json_t *o = rc == VG_OK ? vg_incident_get(s->store, rq->unit, id, vg_now_us(), err) : NULL;
    pthread_mutex_unlock(&s->lock);
    json_decref(body);
    if (rc == VG_ENOENT)
        return vg_api_error(rq->conn, 404, err);
    if (rc != VG_OK)
        return vg_api_error(rq->conn, rc == VG_EINVAL ? 400 : 500, err);
    return o ? vg_api_json(rq->conn, 200, o) : vg_api_error(rq->conn, 500, "reload failed");
}
