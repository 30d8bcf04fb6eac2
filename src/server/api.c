/*
 * api.c: the /api/v1 routes: health, login, events (ingest and search),
 * users and tokens.  Each route checks the caller's role; reads are scoped
 * to the caller's unit.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "server/auth.h"
#include "server/incidents.h"
#include "server/enroll.h"
#include "server/exceptions.h"
#include "server/ingest.h"
#include "server/inventory.h"
#include "server/rollup.h"
#include "server/server_int.h"

const char *vg_api_arg(vg_api_req *rq, const char *k)
{
    const char *v = MHD_lookup_connection_value(rq->conn, MHD_GET_ARGUMENT_KIND, k);
    return v && v[0] ? v : NULL;
}

enum MHD_Result vg_api_health(vg_server *s, vg_api_req *rq)
{
    return vg_api_json(rq->conn, 200,
                       json_pack("{ss ss ss}", "status", "ok", "store", vg_store_backend(s->store),
                                 "version", VG_VERSION));
}

static json_t *body_json(vg_api_req *rq)
{
    json_error_t e;
    json_t *j = json_loadb(rq->body, rq->body_len, JSON_REJECT_DUPLICATES, &e);
    if (j && !json_is_object(j)) {
        json_decref(j);
        return NULL;
    }
    return j;
}

static int throttle_slot(vg_server *s, const char *name, bool create)
{
    int free_slot = -1, oldest = 0;
    for (int i = 0; i < (int)VG_ARRAY_LEN(s->throttle); i++) {
        if (strcmp(s->throttle[i].name, name) == 0)
            return i;
        if (!s->throttle[i].name[0] && free_slot < 0)
            free_slot = i;
        if (s->throttle[i].until < s->throttle[oldest].until)
            oldest = i;
    }
    if (!create)
        return -1;
    int i = free_slot >= 0 ? free_slot : oldest;
    memset(&s->throttle[i], 0, sizeof s->throttle[i]);
    snprintf(s->throttle[i].name, sizeof s->throttle[i].name, "%s", name);
    return i;
}

enum MHD_Result vg_api_enroll_ca(vg_server *s, vg_api_req *rq)
{
    return vg_api_json(rq->conn, 200, json_pack("{ss ss}", "ca", s->pki.ca_pem, "fingerprint",
                                                s->pki.fingerprint));
}

/* {token, csr} -> {name, cert, ca}: a one-time token for a client
 * certificate of the sensor account the token names. */
enum MHD_Result vg_api_enroll(vg_server *s, vg_api_req *rq)
{
    json_t *j = body_json(rq);
    const char *token = j ? json_string_value(json_object_get(j, "token")) : NULL;
    const char *csr = j ? json_string_value(json_object_get(j, "csr")) : NULL;
    if (!token || !csr) {
        json_decref(j);
        return vg_api_error(rq->conn, 400, "expected {\"token\", \"csr\"}");
    }
    char err[VG_ERRBUF_SIZE], name[64] = "", unit[64] = "";
    pthread_mutex_lock(&s->lock);
    int rc = vg_enroll_redeem(s->store, token, (int64_t)time(NULL) * 1000000, name, unit, err);
    unsigned code = rc == VG_ENOENT ? 403 : 503;
    char *cert = NULL;
    vg_store_user u;
    if (rc == VG_OK && vg_store_user_get(s->store, name, &u) == VG_OK &&
        vg_role_parse(u.role) != VG_ROLE_SENSOR) {
        rc = vg_err(err, VG_EINVAL, "account '%s' exists and is not a sensor", name);
        code = 409;
    }
    if (rc == VG_OK && (rc = vg_api_cert_issue(s, csr, name, unit, NULL, &cert, NULL, err)) != VG_OK)
        code = rc == VG_EINVAL || rc == VG_ELIMIT ? 400 : 503;
    if (rc == VG_OK && vg_store_user_get(s->store, name, &u) != VG_OK) {
        memset(&u, 0, sizeof u);
        snprintf(u.name, sizeof u.name, "%s", name);
        snprintf(u.role, sizeof u.role, "sensor");
        snprintf(u.unit, sizeof u.unit, "%s", unit);
        /* A password nobody knows: the account logs in by certificate. */
        char pw[33];
        if (vg_random_password(pw, sizeof pw - 1) != VG_OK ||
            vg_password_hash(pw, u.pwhash, sizeof u.pwhash) != VG_OK)
            rc = vg_err(err, VG_EIO, "no randomness; retry");
        else
            rc = vg_store_user_put(s->store, &u, err);
        if (rc != VG_OK)
            code = 503;
    }
    if (rc == VG_OK)
        vg_store_audit(s->store, name, "enroll", "client certificate issued");
    pthread_mutex_unlock(&s->lock);
    json_decref(j);
    if (rc != VG_OK) {
        free(cert);
        return vg_api_error(rq->conn, code, err);
    }
    enum MHD_Result ret = vg_api_json(rq->conn, 200, json_pack("{ss ss ss}", "name", name, "cert",
                                                               cert, "ca", s->pki.ca_pem));
    free(cert);
    return ret;
}

enum MHD_Result vg_api_login(vg_server *s, vg_api_req *rq)
{
    json_t *j = body_json(rq);
    const char *user = json_string_value(json_object_get(j, "user"));
    const char *pw = json_string_value(json_object_get(j, "password"));
    if (!user || !pw || strlen(user) >= 64) {
        json_decref(j);
        return vg_api_error(rq->conn, 400, "expected {\"user\": ..., \"password\": ...}");
    }
    time_t now = time(NULL);
    pthread_mutex_lock(&s->lock);
    int slot = throttle_slot(s, user, false);
    if (slot >= 0 && s->throttle[slot].until > now) {
        pthread_mutex_unlock(&s->lock);
        json_decref(j);
        return vg_api_error(rq->conn, 429, "too many failed logins; try later");
    }
    /* The attempt counts as a failure until the password is verified, so
     * that concurrent guesses cannot pass the throttle while the (slow, by
     * design) KDF runs outside the store lock. */
    slot = throttle_slot(s, user, true);
    unsigned f = ++s->throttle[slot].failures;
    vg_store_user u;
    bool found = vg_store_user_get(s->store, user, &u) == VG_OK;
    pthread_mutex_unlock(&s->lock);
    bool ok = found && vg_password_verify(pw, u.pwhash);
    enum MHD_Result ret;
    pthread_mutex_lock(&s->lock);
    slot = throttle_slot(s, user, true);
    if (!ok) {
        if (f >= 5)
            s->throttle[slot].until = now + VG_MIN(900, 30 << VG_MIN(f - 5, 5));
        vg_store_audit(s->store, user, "login.failed", NULL);
        pthread_mutex_unlock(&s->lock);
        ret = vg_api_error(rq->conn, 401, "wrong user or password");
    } else {
        memset(&s->throttle[slot], 0, sizeof s->throttle[slot]);
        char tok[65], hash[65];
        int rc = vg_token_new(tok, hash);
        if (rc == VG_OK)
            rc = vg_store_token_put(s->store, hash, u.name, NULL);
        vg_store_audit(s->store, u.name, "login", NULL);
        pthread_mutex_unlock(&s->lock);
        ret = rc == VG_OK ? vg_api_json(rq->conn, 200, json_pack("{ss ss}", "token", tok, "role", u.role))
                          : vg_api_error(rq->conn, 500, "cannot create session");
    }
    json_decref(j);
    return ret;
}

static enum MHD_Result events_post(vg_server *s, vg_api_req *rq)
{
    if (rq->user_role != VG_ROLE_SENSOR && rq->user_role != VG_ROLE_ADMIN)
        return vg_api_error(rq->conn, 403, "only sensors and admins may send events");
    vg_ingest_batch b;
    char err[VG_ERRBUF_SIZE];
    if (vg_ingest_parse(rq->body, rq->body_len, rq->user, rq->unit, &b, err) != VG_OK)
        return vg_api_error(rq->conn, 400, err);
    size_t inserted = 0;
    uint8_t *is_new = calloc(b.n ? b.n : 1, 1);
    if (!is_new) {
        vg_ingest_free(&b);
        return vg_api_error(rq->conn, 503, "out of memory; retry");
    }
    pthread_mutex_lock(&s->lock);
    int rc = vg_store_insert_events_flags(s->store, b.ev, b.n, &inserted, is_new, err);
    /* Incidents are derived data: a grouping failure never un-acknowledges
     * committed events (regrouping is idempotent: links are unique).  The
     * events' commit was durable; the derived writes ride on the next
     * durable commit's flush. */
    if (rc == VG_OK)
        (void)vg_store_set_durable(s->store, false);
    /* Events an active exception matches are flagged and counted, and left
     * out of incidents and automatic blocking (exceptions.h). */
    const vg_store_event *kept = b.ev;
    size_t nkept = b.n;
    if (rc == VG_OK && vg_exceptions_ingest(s->store, b.ev, b.n, is_new, vg_now_us(), &kept,
                                            &nkept, err) != VG_OK)
        fprintf(stderr, "vigil server: exceptions failed: %s\n", err);
    if (rc == VG_OK && inserted && vg_incidents_group(s->store, kept, nkept, err) != VG_OK)
        fprintf(stderr, "vigil server: incident grouping failed: %s\n", err);
    if (rc == VG_OK && inserted && vg_rollup_add(s->store, b.ev, b.n, is_new, err) != VG_OK)
        fprintf(stderr, "vigil server: overview counters failed: %s\n", err);
    int blocked = 0;
    if (rc == VG_OK && inserted &&
        vg_block_from_alerts(s->store, &s->allow, &s->block_rules, kept, nkept,
                             (int64_t)time(NULL) * 1000000, &blocked, err) != VG_OK)
        fprintf(stderr, "vigil server: automatic blocking failed: %s\n", err);
    if (rc == VG_OK && vg_inventory_ingest(s->store, rq->user, rq->unit, b.ev, b.n,
                                           (int64_t)time(NULL) * 1000000, err) != VG_OK)
        fprintf(stderr, "vigil server: inventory update failed: %s\n", err);
    (void)vg_store_set_durable(s->store, true);
    pthread_mutex_unlock(&s->lock);
    if (kept != b.ev)
        free((void *)kept);
    size_t n = b.n;
    free(is_new);
    vg_ingest_free(&b);
    if (rc != VG_OK)
        return vg_api_error(rq->conn, 503, "store unavailable; retry");
    /* Acknowledged only now: the batch is committed. */
    return vg_api_json(rq->conn, 200, json_pack("{sI sI}", "accepted", (json_int_t)n,
                                                "inserted", (json_int_t)inserted));
}

static int64_t arg_int(vg_api_req *rq, const char *k, bool *bad)
{
    const char *v = vg_api_arg(rq, k);
    if (!v)
        return 0;
    char *end;
    long long x = strtoll(v, &end, 10);
    if (*end || x < 0)
        *bad = true;
    return x;
}

static int filter_from_args(vg_api_req *rq, vg_store_filter *f, const char **units)
{
    bool bad = false;
    memset(f, 0, sizeof(*f));
    f->event_type = vg_api_arg(rq, "event_type");
    f->src_ip = vg_api_arg(rq, "src_ip");
    f->dest_ip = vg_api_arg(rq, "dest_ip");
    f->text = vg_api_arg(rq, "q");
    f->signature_id = arg_int(rq, "signature_id", &bad);
    f->before_id = arg_int(rq, "before", &bad);
    f->limit = (int)arg_int(rq, "limit", &bad);
    const char *since = vg_api_arg(rq, "since"), *until = vg_api_arg(rq, "until");
    if (since && vg_ingest_parse_ts(since, &f->since_us) != VG_OK)
        bad = true;
    if (until && vg_ingest_parse_ts(until, &f->until_us) != VG_OK)
        bad = true;
    if (f->limit > 1000)
        bad = true;
    const char *exc = vg_api_arg(rq, "excepted");
    if (exc)
        f->excepted = strcmp(exc, "1") == 0 ? 1 : strcmp(exc, "0") == 0 ? -1 : (bad = true, 0);
    if (rq->unit[0]) {
        units[0] = rq->unit;
        units[1] = NULL;
        f->units = units;
    }
    return bad ? VG_EINVAL : VG_OK;
}

static void add_row(int64_t id, const char *json, void *arg)
{
    json_t *arr = arg;
    json_error_t e;
    json_t *ev = json_loads(json, 0, &e);
    if (!ev)
        ev = json_pack("{ss}", "raw", json);
    json_object_set_new(ev, "_id", json_integer(id));
    json_array_append_new(arr, ev);
}

static enum MHD_Result events_get(vg_server *s, vg_api_req *rq, bool count_only)
{
    if (!vg_api_role_at_least(rq, VG_ROLE_VIEWER))
        return vg_api_error(rq->conn, 403, "not allowed");
    vg_store_filter f;
    const char *units[2];
    if (filter_from_args(rq, &f, units) != VG_OK)
        return vg_api_error(rq->conn, 400, "bad query parameter");
    char err[VG_ERRBUF_SIZE];
    int rc;
    if (count_only) {
        int64_t n = 0;
        pthread_mutex_lock(&s->lock);
        rc = vg_store_count_events(s->store, &f, &n, err);
        pthread_mutex_unlock(&s->lock);
        if (rc != VG_OK)
            return vg_api_error(rq->conn, 500, "query failed");
        return vg_api_json(rq->conn, 200, json_pack("{sI}", "count", (json_int_t)n));
    }
    json_t *arr = json_array();
    int64_t next = 0;
    pthread_mutex_lock(&s->lock);
    rc = vg_store_query_events(s->store, &f, add_row, arr, &next, err);
    if (rc == VG_OK)
        rc = vg_exceptions_decorate(s->store, arr, err);
    pthread_mutex_unlock(&s->lock);
    if (rc != VG_OK) {
        json_decref(arr);
        return vg_api_error(rq->conn, 500, "query failed");
    }
    json_t *out = json_pack("{so}", "events", arr);
    json_object_set_new(out, "next", next ? json_integer(next) : json_null());
    return vg_api_json(rq->conn, 200, out);
}

static enum MHD_Result users_post(vg_server *s, vg_api_req *rq)
{
    if (!vg_api_role_at_least(rq, VG_ROLE_ADMIN))
        return vg_api_error(rq->conn, 403, "admins only");
    json_t *j = body_json(rq);
    const char *name = json_string_value(json_object_get(j, "name"));
    const char *pw = json_string_value(json_object_get(j, "password"));
    const char *role = json_string_value(json_object_get(j, "role"));
    const char *unit = json_string_value(json_object_get(j, "unit"));
    char err[VG_ERRBUF_SIZE];
    enum MHD_Result ret;
    if (!name || !pw || !role)
        ret = vg_api_error(rq->conn, 400, "expected name, password, role (and unit)");
    else if (vg_server_user_add(s, name, pw, role, unit ? unit : "", err) != VG_OK)
        ret = vg_api_error(rq->conn, 400, err);
    else {
        pthread_mutex_lock(&s->lock);
        vg_store_audit(s->store, rq->user, "user.put", name);
        pthread_mutex_unlock(&s->lock);
        ret = vg_api_json(rq->conn, 201, json_pack("{ss ss}", "name", name, "role", role));
    }
    json_decref(j);
    return ret;
}

static void user_row(void *arg, int n, const char *const *v)
{
    if (n >= 3)
        json_array_append_new(arg, json_pack("{ss ss ss}", "name", v[0] ? v[0] : "", "role",
                                             v[1] ? v[1] : "", "unit", v[2] ? v[2] : ""));
}

/* GET /users: admins; a unit-scoped admin sees its unit's users. */
static enum MHD_Result users_get(vg_server *s, vg_api_req *rq)
{
    if (!vg_api_role_at_least(rq, VG_ROLE_ADMIN))
        return vg_api_error(rq->conn, 403, "admins only");
    json_t *arr = json_array();
    const char *p[] = {rq->unit};
    pthread_mutex_lock(&s->lock);
    int rc = vg_store_exec(s->store, rq->unit[0] ? "SELECT name, role, unit FROM users WHERE unit = ? ORDER BY name"
                                                 : "SELECT name, role, unit FROM users ORDER BY name",
                           p, rq->unit[0] ? 1 : 0, user_row, arr, NULL, NULL);
    pthread_mutex_unlock(&s->lock);
    if (rc != VG_OK) {
        json_decref(arr);
        return vg_api_error(rq->conn, 500, "query failed");
    }
    return vg_api_json(rq->conn, 200, json_pack("{so}", "users", arr));
}

static enum MHD_Result tokens_post(vg_server *s, vg_api_req *rq)
{
    if (!vg_api_role_at_least(rq, VG_ROLE_ADMIN))
        return vg_api_error(rq->conn, 403, "admins only");
    json_t *j = body_json(rq);
    const char *user = json_string_value(json_object_get(j, "user"));
    char tok[65], err[VG_ERRBUF_SIZE];
    enum MHD_Result ret;
    if (!user)
        ret = vg_api_error(rq->conn, 400, "expected {\"user\": ...}");
    else if (vg_server_token_add(s, user, tok, err) != VG_OK)
        ret = vg_api_error(rq->conn, 400, err);
    else
        ret = vg_api_json(rq->conn, 201, json_pack("{ss ss}", "user", user, "token", tok));
    json_decref(j);
    return ret;
}

typedef struct audit_rows {
    json_t *arr;
} audit_rows;

static void audit_row(void *arg, int n, const char *const *v)
{
    if (n < 5)
        return;
    json_array_append_new(((audit_rows *)arg)->arr,
                          json_pack("{sI ss ss ss*}", "ts_us", (json_int_t)strtoll(v[1], NULL, 10),
                                    "user", v[2] ? v[2] : "", "action", v[3] ? v[3] : "",
                                    "detail", v[4]));
}

/* GET /audit[?before=ID&limit=N]: the audit trail, newest first; admins of
 * every unit only (entries are not unit-scoped). */
static enum MHD_Result audit_get(vg_server *s, vg_api_req *rq)
{
    if (!vg_api_role_at_least(rq, VG_ROLE_ADMIN) || rq->unit[0])
        return vg_api_error(rq->conn, 403, "admins of every unit only");
    bool bad = false;
    int64_t before = arg_int(rq, "before", &bad), limit = arg_int(rq, "limit", &bad);
    if (bad || limit > 1000)
        return vg_api_error(rq->conn, 400, "bad query parameter");
    char b[24], l[24];
    snprintf(b, sizeof b, "%lld", (long long)(before ? before : INT64_MAX));
    snprintf(l, sizeof l, "%lld", (long long)(limit ? limit : 100));
    audit_rows r = {json_array()};
    const char *p[] = {b, l};
    pthread_mutex_lock(&s->lock);
    int rc = vg_store_exec(s->store, "SELECT id, ts, user_name, action, detail FROM audit "
                           "WHERE id < ? ORDER BY id DESC LIMIT ?", p, 2, audit_row, &r, NULL, NULL);
    pthread_mutex_unlock(&s->lock);
    if (rc != VG_OK) {
        json_decref(r.arr);
        return vg_api_error(rq->conn, 500, "query failed");
    }
    return vg_api_json(rq->conn, 200, json_pack("{so}", "audit", r.arr));
}

enum MHD_Result vg_api_route(vg_server *s, vg_api_req *rq, const char *path)
{
    bool get = strcmp(rq->method, "GET") == 0, post = strcmp(rq->method, "POST") == 0;
    if (strcmp(path, "/events") == 0) {
        if (post)
            return events_post(s, rq);
        if (get)
            return events_get(s, rq, false);
    } else if (strcmp(path, "/events/count") == 0 && get) {
        return events_get(s, rq, true);
    } else if (strncmp(path, "/events/", 8) == 0) {
        return vg_api_event_item(s, rq, path + 7);
    } else if (strncmp(path, "/exceptions", 11) == 0) {
        return vg_api_exceptions(s, rq, path + 11);
    } else if (strncmp(path, "/blocks", 7) == 0) {
        return vg_api_blocks(s, rq, path + 7);
    } else if (strncmp(path, "/certs", 6) == 0) {
        return vg_api_certs(s, rq, path + 6);
    } else if (strncmp(path, "/retention", 10) == 0) {
        return vg_api_retention(s, rq, path + 10);
    } else if (strcmp(path, "/audit") == 0 && get) {
        return audit_get(s, rq);
    } else if (strcmp(path, "/stats/overview") == 0 && get) {
        return vg_api_stats(s, rq);
    } else if (strncmp(path, "/units", 6) == 0) {
        return vg_api_inventory(s, rq, "units", path + 6);
    } else if (strncmp(path, "/systems", 8) == 0) {
        return vg_api_inventory(s, rq, "systems", path + 8);
    } else if (strncmp(path, "/hosts", 6) == 0) {
        return vg_api_inventory(s, rq, "hosts", path + 6);
    } else if (strncmp(path, "/inspections", 12) == 0) {
        return vg_api_inventory(s, rq, "inspections", path + 12);
    } else if (strncmp(path, "/evidence", 9) == 0) {
        return vg_api_inventory(s, rq, "evidence", path + 9);
    } else if (strncmp(path, "/incidents", 10) == 0) {
        return vg_api_incidents(s, rq, path + 10);
    } else if (strcmp(path, "/me") == 0 && get) {
        return vg_api_json(rq->conn, 200, json_pack("{ss ss ss}", "user", rq->user, "role",
                                                    vg_role_name(rq->user_role), "unit", rq->unit));
    } else if (strcmp(path, "/users") == 0 && post) {
        return users_post(s, rq);
    } else if (strcmp(path, "/users") == 0 && get) {
        return users_get(s, rq);
    } else if (strcmp(path, "/tokens") == 0 && post) {
        return tokens_post(s, rq);
    } else {
        return vg_api_error(rq->conn, 404, "no such route");
    }
    return vg_api_error(rq->conn, 405, "method not allowed");
}
