/*
 * server.c: the HTTP front of vigil server (libmicrohttpd), its request
 * life cycle and authentication; the routes live in api_*.c.
 */
#include "server/server_int.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>


#include "core/log.h"
#include "server/enroll.h"
#include "server/auth.h"
#include "server/incidents.h"
#include "server/inventory.h"
#include "server/rollup.h"
#include "server/web_assets.h"

#define DEFAULT_MAX_BODY (32u << 20)
/* Request threads: parsing a batch (JSON, redaction) runs outside the
 * store lock, so a second thread parses while the first commits. */
#define VG_SERVER_THREADS 4

/* Per-connection request state, built across MHD's calls. */
typedef struct req_state {
    char *body;
    size_t len, cap;
    bool too_big;
} req_state;

static enum MHD_Result respond(struct MHD_Connection *c, unsigned code, const char *body,
                               const char *ctype)
{
    struct MHD_Response *r =
        MHD_create_response_from_buffer(strlen(body), (void *)body, MHD_RESPMEM_MUST_COPY);
    if (!r)
        return MHD_NO;
    MHD_add_response_header(r, "Content-Type", ctype);
    MHD_add_response_header(r, "Cache-Control", "no-store");
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    enum MHD_Result ret = MHD_queue_response(c, code, r);
    MHD_destroy_response(r);
    return ret;
}

enum MHD_Result vg_api_json(struct MHD_Connection *c, unsigned code, json_t *body)
{
    char *s = json_dumps(body, JSON_COMPACT);
    json_decref(body);
    if (!s)
        return respond(c, 500, "{\"error\":\"out of memory\"}", "application/json");
    enum MHD_Result ret = respond(c, code, s, "application/json");
    free(s);
    return ret;
}

enum MHD_Result vg_api_error(struct MHD_Connection *c, unsigned code, const char *msg)
{
    return vg_api_json(c, code, json_pack("{ss}", "error", msg));
}

bool vg_api_role_at_least(const vg_api_req *rq, int role)
{
    /* Sensors may only ingest; they do not rank above viewers for reads. */
    if (rq->user_role == VG_ROLE_SENSOR)
        return role == VG_ROLE_SENSOR;
    return rq->user_role >= role;
}

/* The dashboard's embedded files; "/" is index.html. */
static enum MHD_Result serve_asset(struct MHD_Connection *c, const char *url, const char *method)
{
    if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
        return vg_api_error(c, 405, "method not allowed");
    const char *want = strcmp(url, "/") == 0 ? "/index.html" : url;
    for (const vg_web_asset *a = vg_web_assets; a->path; a++) {
        if (strcmp(a->path, want) != 0)
            continue;
        struct MHD_Response *r = MHD_create_response_from_buffer(a->len, (void *)a->data,
                                                                 MHD_RESPMEM_PERSISTENT);
        if (!r)
            return MHD_NO;
        MHD_add_response_header(r, "Content-Type", a->mime);
        MHD_add_response_header(r, "Content-Security-Policy",
                                "default-src 'self'; img-src 'self' data: blob:; "
                                "frame-ancestors 'none'; form-action 'self'");
        MHD_add_response_header(r, "X-Frame-Options", "DENY");
        MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
        MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
        enum MHD_Result ret = MHD_queue_response(c, 200, r);
        MHD_destroy_response(r);
        return ret;
    }
    return vg_api_error(c, 404, "not found");
}

/* The CN of the connection's verified client certificate (see
 * vg_api_tls_peer). */
static int client_cert(struct MHD_Connection *c, char cn[64])
{
    vg_pki_cert p;
    int r = vg_api_tls_peer(c, &p);
    if (r == 1)
        snprintf(cn, 64, "%s", p.name);
    return r;
}

/* Client certificate (TLS), bearer token or session token → user.  A
 * certificate that does not verify refuses the request whatever else it
 * carries; a verified one names a sensor account. */
static bool authenticate(vg_server *s, struct MHD_Connection *c, vg_api_req *rq)
{
    if (s->tls) {
        char cn[64] = "";
        int cc = client_cert(c, cn);
        if (cc < 0)
            return false;
        if (cc > 0) {
            vg_store_user u;
            pthread_mutex_lock(&s->lock);
            int rc = vg_store_user_get(s->store, cn, &u);
            pthread_mutex_unlock(&s->lock);
            if (rc != VG_OK || vg_role_parse(u.role) != VG_ROLE_SENSOR)
                return false;
            snprintf(rq->user, sizeof rq->user, "%s", u.name);
            snprintf(rq->unit, sizeof rq->unit, "%s", u.unit);
            rq->user_role = VG_ROLE_SENSOR;
            return true;
        }
    }
    const char *h = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
    const char *tok = NULL;
    if (h && strncasecmp(h, "Bearer ", 7) == 0)
        tok = h + 7;
    if (!tok || strlen(tok) != 64)
        return false;
    char hash[65];
    vg_token_hash(tok, hash);
    vg_store_user u;
    pthread_mutex_lock(&s->lock);
    int rc = vg_store_token_user(s->store, hash, &u);
    pthread_mutex_unlock(&s->lock);
    if (rc != VG_OK)
        return false;
    snprintf(rq->user, sizeof rq->user, "%s", u.name);
    snprintf(rq->unit, sizeof rq->unit, "%s", u.unit);
    rq->user_role = vg_role_parse(u.role);
    return rq->user_role != VG_ROLE_NONE;
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url,
                              const char *method, const char *version, const char *upload,
                              size_t *upload_size, void **con_cls)
{
    (void)version;
    vg_server *s = cls;
    req_state *st = *con_cls;
    if (!st) {
        st = calloc(1, sizeof(*st));
        if (!st)
            return MHD_NO;
        *con_cls = st;
        return MHD_YES;
    }
    if (*upload_size) {
        if (!st->too_big) {
            if (st->len + *upload_size > s->max_body) {
                st->too_big = true;
            } else {
                if (st->len + *upload_size + 1 > st->cap) {
                    size_t cap = st->cap ? st->cap : 4096;
                    while (cap < st->len + *upload_size + 1)
                        cap *= 2;
                    char *b = realloc(st->body, cap);
                    if (!b) {
                        st->too_big = true;
                        *upload_size = 0;
                        return MHD_YES;
                    }
                    st->body = b;
                    st->cap = cap;
                }
                memcpy(st->body + st->len, upload, *upload_size);
                st->len += *upload_size;
                st->body[st->len] = '\0';
            }
        }
        *upload_size = 0;
        return MHD_YES;
    }
    if (st->too_big)
        return vg_api_error(c, 413, "request body too large");

    vg_api_req rq = {.conn = c, .method = method, .url = url, .body = st->body ? st->body : "",
                     .body_len = st->len};
    if (strncmp(url, "/api/", 5) != 0)
        return serve_asset(c, url, method);
    if (strncmp(url, "/api/v1/", 8) != 0)
        return vg_api_error(c, 404, "not found");
    const char *path = url + 7; /* "/health", "/events", ... */
    if (strcmp(path, "/health") == 0 && strcmp(method, "GET") == 0)
        return vg_api_health(s, &rq);
    if (strcmp(path, "/login") == 0 && strcmp(method, "POST") == 0)
        return vg_api_login(s, &rq);
    if (s->tls && strcmp(path, "/enroll/ca") == 0 && strcmp(method, "GET") == 0)
        return vg_api_enroll_ca(s, &rq);
    if (s->tls && strcmp(path, "/enroll") == 0 && strcmp(method, "POST") == 0)
        return vg_api_enroll(s, &rq);
    enum MHD_Result gated;
    if (vg_api_cert_gate(s, &rq, &gated))
        return gated; /* a revoked client certificate */
    if (s->tls && strcmp(path, "/enroll/renew") == 0 && strcmp(method, "POST") == 0)
        return vg_api_enroll_renew(s, &rq);
    if (!authenticate(s, c, &rq))
        return vg_api_error(c, 401, "authentication required");
    return vg_api_route(s, &rq, path);
}

static void completed(void *cls, struct MHD_Connection *c, void **con_cls,
                      enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)c;
    (void)toe;
    req_state *st = *con_cls;
    if (st) {
        free(st->body);
        free(st);
        *con_cls = NULL;
    }
}

static int parse_listen(const char *listen, struct sockaddr_in *sa, char *errbuf)
{
    char host[64];
    const char *colon = strrchr(listen, ':');
    if (!colon || (size_t)(colon - listen) >= sizeof host)
        return vg_err(errbuf, VG_EINVAL, "--listen %s: expected ADDR:PORT", listen);
    memcpy(host, listen, (size_t)(colon - listen));
    host[colon - listen] = '\0';
    char *end;
    long port = strtol(colon + 1, &end, 10);
    if (*end || port < 0 || port > 65535)
        return vg_err(errbuf, VG_EINVAL, "--listen %s: bad port", listen);
    memset(sa, 0, sizeof(*sa));
    sa->sin_family = AF_INET;
    sa->sin_port = htons((uint16_t)port);
    if (inet_pton(AF_INET, host[0] ? host : "127.0.0.1", &sa->sin_addr) != 1)
        return vg_err(errbuf, VG_EINVAL, "--listen %s: bad IPv4 address", listen);
    return VG_OK;
}

/* One pruning pass; the store lock is held per batch only. */
static void prune_pass(vg_server *s)
{
    char err[VG_ERRBUF_SIZE];
    int64_t deleted = 0;
    bool more = false;
    if (vg_retention_prune(s->store, &s->lock, &s->retention, vg_now_us(), &deleted, &more,
                           err) != VG_OK) {
        vg_warn("server: pruning failed: %s", err);
        return;
    }
    if (deleted) {
        char d[96];
        snprintf(d, sizeof d, "%lld events older than their retention%s", (long long)deleted,
                 more ? " (more left for the next pass)" : "");
        pthread_mutex_lock(&s->lock);
        s->pruned_total += deleted;
        vg_store_audit(s->store, "server", "retention.prune", d);
        pthread_mutex_unlock(&s->lock);
    }
}

static void *timer_main(void *arg)
{
    vg_server *s = arg;
    pthread_mutex_lock(&s->timer_lock);
    while (!s->stopping) {
        struct timespec t;
        clock_gettime(CLOCK_REALTIME, &t);
        t.tv_sec += s->prune_interval_s;
        while (!s->stopping &&
               pthread_cond_timedwait(&s->timer_cond, &s->timer_lock, &t) == 0)
            ;
        if (s->stopping)
            break;
        pthread_mutex_unlock(&s->timer_lock);
        prune_pass(s);
        pthread_mutex_lock(&s->timer_lock);
    }
    pthread_mutex_unlock(&s->timer_lock);
    return NULL;
}

static void *notifier_main(void *arg)
{
    vg_server *s = arg;
    pthread_mutex_lock(&s->timer_lock);
    while (!s->stopping) {
        struct timespec t;
        clock_gettime(CLOCK_REALTIME, &t);
        int64_t ns = t.tv_nsec + (int64_t)(s->notify_interval_s * 1e9);
        t.tv_sec += (time_t)(ns / 1000000000);
        t.tv_nsec = (long)(ns % 1000000000);
        while (!s->stopping &&
               pthread_cond_timedwait(&s->timer_cond, &s->timer_lock, &t) == 0)
            ;
        if (s->stopping)
            break;
        pthread_mutex_unlock(&s->timer_lock);
        char err[VG_ERRBUF_SIZE];
        int sent = 0;
        if (vg_notify_tick(s->store, &s->lock, &s->notify, vg_notify_send_curl, vg_now_us(),
                           &sent, err) != VG_OK)
            vg_warn("server: notifications: %s", err);
        pthread_mutex_lock(&s->timer_lock);
    }
    pthread_mutex_unlock(&s->timer_lock);
    return NULL;
}

enum MHD_Result vg_api_retention(vg_server *s, vg_api_req *rq, const char *rest)
{
    if (!vg_api_role_at_least(rq, VG_ROLE_ADMIN))
        return vg_api_error(rq->conn, 403, "admins only");
    char err[VG_ERRBUF_SIZE];
    if (!*rest && strcmp(rq->method, "GET") == 0) {
        pthread_mutex_lock(&s->lock);
        json_t *o = vg_retention_estimate(s->store, &s->retention, rq->unit, vg_now_us(), err);
        int64_t pruned = s->pruned_total;
        pthread_mutex_unlock(&s->lock);
        if (!o)
            return vg_api_error(rq->conn, 500, "query failed");
        json_object_set_new(o, "pruned_since_start", json_integer(pruned));
        json_object_set_new(o, "prune_interval_s", json_integer(s->prune_interval_s));
        return vg_api_json(rq->conn, 200, o);
    }
    if (strcmp(rest, "/prune") == 0 && strcmp(rq->method, "POST") == 0) {
        if (rq->unit[0])
            return vg_api_error(rq->conn, 403, "admins of every unit only");
        int64_t deleted = 0;
        bool more = false;
        int rc = vg_retention_prune(s->store, &s->lock, &s->retention, vg_now_us(), &deleted,
                                    &more, err);
        if (rc != VG_OK)
            return vg_api_error(rq->conn, 500, "pruning failed");
        char d[64];
        snprintf(d, sizeof d, "%lld events", (long long)deleted);
        pthread_mutex_lock(&s->lock);
        s->pruned_total += deleted;
        vg_store_audit(s->store, rq->user, "retention.prune", d);
        pthread_mutex_unlock(&s->lock);
        return vg_api_json(rq->conn, 200, json_pack("{sI sb}", "deleted", (json_int_t)deleted,
                                                    "more", more));
    }
    return vg_api_error(rq->conn, *rest && strcmp(rest, "/prune") != 0 ? 404 : 405,
                        "method not allowed");
}

int vg_server_start(vg_server **out, const vg_server_opts *o, char *errbuf)
{
    vg_server *s = calloc(1, sizeof(*s));
    if (!s)
        return vg_err(errbuf, VG_ENOMEM, "server: out of memory");
    pthread_mutex_init(&s->lock, NULL);
    s->max_body = o->max_body ? o->max_body : DEFAULT_MAX_BODY;
    s->retention_max_months = o->retention_max_months > 0 ? o->retention_max_months : 60;
    s->retention_default_months = o->retention_default_months > 0 ? o->retention_default_months : 12;
    if (s->retention_max_months < 12)
        s->retention_max_months = 12; /* never below the level-5 minimum */
    if (s->retention_default_months > s->retention_max_months)
        s->retention_default_months = s->retention_max_months;
    s->retention = (vg_retention_cfg){.max_months = s->retention_max_months,
                                      .default_months = s->retention_default_months};
    s->prune_interval_s = o->prune_interval_s ? o->prune_interval_s : 3600;
    s->cert_lifetime_s = o->cert_lifetime_s;
    pthread_mutex_init(&s->timer_lock, NULL);
    pthread_cond_init(&s->timer_cond, NULL);
    char uri[4096];
    if (o->store_uri) {
        snprintf(uri, sizeof uri, "%s", o->store_uri);
    } else {
        const char *dir = o->data_dir ? o->data_dir : ".";
        if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
            free(s);
            return vg_err(errbuf, VG_EIO, "%s: cannot create: %s", dir, strerror(errno));
        }
        snprintf(uri, sizeof uri, "sqlite:%s/vigil.db", dir);
    }
    int rc = vg_store_open(&s->store, uri, errbuf);
    if (rc != VG_OK) {
        free(s);
        return rc;
    }
    if ((rc = vg_incidents_schema(s->store, errbuf)) != VG_OK ||
        (rc = vg_inventory_schema(s->store, errbuf)) != VG_OK ||
        (rc = vg_response_schema(s->store, errbuf)) != VG_OK ||
        (rc = vg_notify_schema(s->store, errbuf)) != VG_OK ||
        (rc = vg_rollup_schema(s->store, errbuf)) != VG_OK ||
        (rc = vg_enroll_schema(s->store, errbuf)) != VG_OK) {
        vg_store_close(s->store);
        free(s);
        return rc;
    }
    struct sockaddr_in sa;
    rc = parse_listen(o->listen ? o->listen : "127.0.0.1:8088", &sa, errbuf);
    /* The allow-list: built-ins, the server's own address, configured nets. */
    vg_allow_init(&s->allow);
    if (rc == VG_OK && sa.sin_addr.s_addr != htonl(INADDR_ANY)) {
        char self[INET_ADDRSTRLEN];
        inet_ntop(AF_INET, &sa.sin_addr, self, sizeof self);
        rc = vg_allow_add(&s->allow, self, errbuf);
    }
    for (const char *const *n = o->allow_nets; rc == VG_OK && n && *n; n++)
        rc = vg_allow_add(&s->allow, *n, errbuf);
    s->block_rules = o->block_rules;
    /* Plain HTTP carries bearer tokens in clear: loopback only. */
    if (rc == VG_OK && !o->tls && sa.sin_addr.s_addr != htonl(INADDR_LOOPBACK))
        rc = vg_err(errbuf, VG_EINVAL, "--listen %s: plain HTTP listens only on 127.0.0.1; "
                    "use --tls (HTTPS with client certificates) for other addresses", o->listen);
    if (rc == VG_OK && o->tls && !o->data_dir)
        rc = vg_err(errbuf, VG_EINVAL, "--tls needs --data DIR (the CA lives there)");
    if (rc == VG_OK && o->tls) {
        char host[INET_ADDRSTRLEN];
        inet_ntop(AF_INET, &sa.sin_addr, host, sizeof host);
        rc = vg_pki_load(&s->pki, o->data_dir,
                         sa.sin_addr.s_addr != htonl(INADDR_ANY) ? host : NULL, errbuf);
        s->tls = rc == VG_OK;
    }
    if (rc != VG_OK) {
        vg_pki_free(&s->pki);
        vg_store_close(s->store);
        free(s);
        return rc;
    }
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG;
    if (s->tls)
        s->mhd = MHD_start_daemon(flags | MHD_USE_TLS, 0, NULL, NULL,
                                  handle, s, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
                                  MHD_OPTION_NOTIFY_COMPLETED, completed, s,
                                  MHD_OPTION_CONNECTION_LIMIT, (unsigned)256,
                                  MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)64,
                                  MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)30,
                                  MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(256 * 1024),
                                  MHD_OPTION_THREAD_POOL_SIZE, (unsigned)VG_SERVER_THREADS,
                                  MHD_OPTION_HTTPS_MEM_KEY, s->pki.key_pem,
                                  MHD_OPTION_HTTPS_MEM_CERT, s->pki.cert_pem,
                                  MHD_OPTION_HTTPS_MEM_TRUST, s->pki.ca_pem,
                                  MHD_OPTION_HTTPS_PRIORITIES, "NORMAL:-VERS-ALL:+VERS-TLS1.3:"
                                  "+VERS-TLS1.2",
                                  MHD_OPTION_END);
    else
        s->mhd = MHD_start_daemon(flags, 0, NULL, NULL,
                                  handle, s, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
                                  MHD_OPTION_NOTIFY_COMPLETED, completed, s,
                                  MHD_OPTION_CONNECTION_LIMIT, (unsigned)256,
                                  MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)64,
                                  MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)30,
                                  MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(256 * 1024),
                                  MHD_OPTION_THREAD_POOL_SIZE, (unsigned)VG_SERVER_THREADS,
                                  MHD_OPTION_END);
    if (!s->mhd) {
        vg_pki_free(&s->pki);
        vg_store_close(s->store);
        free(s);
        return vg_err(errbuf, VG_EIO, "cannot listen on %s", o->listen ? o->listen : "127.0.0.1:8088");
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(s->mhd, MHD_DAEMON_INFO_BIND_PORT);
    s->port = info ? info->port : ntohs(sa.sin_port);
    if (!o->no_timers)
        s->timer_running = pthread_create(&s->timer, NULL, timer_main, s) == 0;
    s->notify = o->notify;
    s->notify_interval_s = o->notify_interval_s > 0 ? o->notify_interval_s : 2.0;
    if (!o->no_timers && vg_notify_enabled(&s->notify))
        s->notifier_running = pthread_create(&s->notifier, NULL, notifier_main, s) == 0;
    *out = s;
    return VG_OK;
}

void vg_server_stop(vg_server *s)
{
    if (!s)
        return;
    pthread_mutex_lock(&s->timer_lock);
    s->stopping = true;
    pthread_cond_broadcast(&s->timer_cond);
    pthread_mutex_unlock(&s->timer_lock);
    if (s->timer_running)
        pthread_join(s->timer, NULL);
    if (s->notifier_running)
        pthread_join(s->notifier, NULL);
    MHD_stop_daemon(s->mhd);
    vg_pki_free(&s->pki);
    vg_store_close(s->store);
    pthread_mutex_destroy(&s->timer_lock);
    pthread_cond_destroy(&s->timer_cond);
    pthread_mutex_destroy(&s->lock);
    free(s);
}

int vg_server_port(const vg_server *s) { return s->port; }

int vg_server_user_add(vg_server *s, const char *name, const char *password, const char *role,
                       const char *unit, char *errbuf)
{
    vg_store_user u = {0};
    if (!name[0] || strlen(name) >= sizeof u.name)
        return vg_err(errbuf, VG_EINVAL, "user name must be 1-63 characters");
    if (vg_role_parse(role) == VG_ROLE_NONE)
        return vg_err(errbuf, VG_EINVAL, "role must be admin, analyst, viewer or sensor");
    if (strlen(password) < 12)
        return vg_err(errbuf, VG_EINVAL, "password must have at least 12 characters");
    snprintf(u.name, sizeof u.name, "%s", name);
    snprintf(u.role, sizeof u.role, "%s", role);
    snprintf(u.unit, sizeof u.unit, "%s", unit ? unit : "");
    if (vg_password_hash(password, u.pwhash, sizeof u.pwhash) != VG_OK)
        return vg_err(errbuf, VG_EIO, "cannot hash password");
    pthread_mutex_lock(&s->lock);
    int rc = vg_store_user_put(s->store, &u, errbuf);
    if (rc == VG_OK)
        vg_store_audit(s->store, "cli", "user.put", name);
    pthread_mutex_unlock(&s->lock);
    return rc;
}

int vg_server_token_add(vg_server *s, const char *user, char token[65], char *errbuf)
{
    char hash[65];
    vg_store_user u;
    pthread_mutex_lock(&s->lock);
    int rc = vg_store_user_get(s->store, user, &u);
    if (rc != VG_OK)
        rc = vg_err(errbuf, VG_ENOENT, "no such user '%s'", user);
    else if ((rc = vg_token_new(token, hash)) == VG_OK)
        rc = vg_store_token_put(s->store, hash, user, errbuf);
    if (rc == VG_OK)
        vg_store_audit(s->store, "cli", "token.add", user);
    pthread_mutex_unlock(&s->lock);
    return rc;
}

bool vg_server_needs_admin(vg_server *s)
{
    int64_t n = 0;
    pthread_mutex_lock(&s->lock);
    int rc = vg_store_user_count(s->store, &n);
    pthread_mutex_unlock(&s->lock);
    return rc == VG_OK && n == 0;
}

int vg_server_enroll(vg_server *s, const char *data_dir, const char *name, const char *unit,
                     char out[131], char *errbuf)
{
    if (!data_dir)
        return vg_err(errbuf, VG_EINVAL, "enroll needs --data DIR (the CA lives there)");
    vg_pki p;
    int rc = vg_pki_load(&p, data_dir, NULL, errbuf);
    if (rc != VG_OK)
        return rc;
    char token[65];
    pthread_mutex_lock(&s->lock);
    rc = vg_enroll_issue(s->store, name, unit, (int64_t)time(NULL) * 1000000, token, errbuf);
    if (rc == VG_OK)
        vg_store_audit(s->store, "cli", "enroll.issue", name);
    pthread_mutex_unlock(&s->lock);
    if (rc == VG_OK)
        snprintf(out, 131, "%s.%s", token, p.fingerprint);
    vg_pki_free(&p);
    return rc;
}

const char *vg_server_ca_fingerprint(const vg_server *s)
{
    return s->tls ? s->pki.fingerprint : "";
}
