/*
 * server_int.h: what server.c shares with the route files (api_*.c).
 */
#ifndef VG_SERVER_INT_H
#define VG_SERVER_INT_H

#include <jansson.h>
#include <microhttpd.h>
#include <pthread.h>

#include "server/retention.h"
#include "server/server.h"
#include "server/pki.h"
#include "server/store.h"

struct vg_server {
    struct MHD_Daemon *mhd;
    bool tls;                 /* HTTPS with client certificates (pki) */
    vg_pki pki;
    long cert_lifetime_s;     /* client certificates issued (0: pki's default) */
    vg_store *store;
    pthread_mutex_t lock;     /* every store access */
    size_t max_body;
    int port;
    int retention_max_months;     /* upper bound of any retention */
    int retention_default_months; /* events of hosts in no system */
    vg_retention_cfg retention;
    /* background work (pruning timer) */
    pthread_t timer;
    bool timer_running, stopping;
    pthread_mutex_t timer_lock;
    pthread_cond_t timer_cond;
    unsigned prune_interval_s;
    int64_t pruned_total;
    vg_allowlist allow;           /* never blocked */
    vg_block_rules block_rules;
    vg_notify_cfg notify;
    double notify_interval_s;
    pthread_t notifier;
    bool notifier_running;
    /* login throttling: failures per user name (small fixed table) */
    struct {
        char name[64];
        unsigned failures;
        time_t until;
    } throttle[256];
};

typedef struct vg_api_req {
    struct MHD_Connection *conn;
    const char *method, *url;
    const char *body;
    size_t body_len;
    char user[64];
    char unit[64];            /* "" = all units */
    int user_role;            /* VG_ROLE_* */
} vg_api_req;

/* Enrolment routes (api.c), only with --tls: no credentials needed. */
enum MHD_Result vg_api_enroll_ca(vg_server *s, vg_api_req *rq);
enum MHD_Result vg_api_enroll(vg_server *s, vg_api_req *rq);

/* Client certificates (api_certs.c).  The gate runs before
 * authentication: true when it answered (403 for a revoked certificate),
 * with *ret the result to return. */
bool vg_api_cert_gate(vg_server *s, vg_api_req *rq, enum MHD_Result *ret);
/* Sign csr for account name, record it in the register (renews: the
 * serial it replaces, or NULL) and audit; under the server's lock. */
int vg_api_cert_issue(vg_server *s, const char *csr, const char *name, const char *unit,
                      const char *renews, char **cert, vg_pki_cert *info, char *errbuf);
/* POST /enroll/renew, authenticated by the current certificate. */
enum MHD_Result vg_api_enroll_renew(vg_server *s, vg_api_req *rq);
/* GET /certs, POST /certs/revoke (admin); rest follows "/certs". */
enum MHD_Result vg_api_certs(vg_server *s, vg_api_req *rq, const char *rest);

enum MHD_Result vg_api_json(struct MHD_Connection *c, unsigned code, json_t *body); /* takes body */
enum MHD_Result vg_api_error(struct MHD_Connection *c, unsigned code, const char *msg);
bool vg_api_role_at_least(const vg_api_req *rq, int role);
/* A non-empty query-string argument, or NULL. */
const char *vg_api_arg(vg_api_req *rq, const char *k);

enum MHD_Result vg_api_health(vg_server *s, vg_api_req *rq);
enum MHD_Result vg_api_login(vg_server *s, vg_api_req *rq);
/* /incidents...; rest is what follows "/incidents". */
enum MHD_Result vg_api_incidents(vg_server *s, vg_api_req *rq, const char *rest);
enum MHD_Result vg_api_stats(vg_server *s, vg_api_req *rq);
/* /units, /systems, /hosts, /evidence; kind is the first segment, rest
 * what follows it ("" or "/ID"). */
enum MHD_Result vg_api_inventory(vg_server *s, vg_api_req *rq, const char *kind, const char *rest);
/* /blocks...; rest is what follows "/blocks". */
enum MHD_Result vg_api_blocks(vg_server *s, vg_api_req *rq, const char *rest);
/* GET /retention (estimate), POST /retention/prune (a pass now); admin. */
enum MHD_Result vg_api_retention(vg_server *s, vg_api_req *rq, const char *rest);
/* /exceptions...; rest is what follows "/exceptions" (api_exceptions.c). */
enum MHD_Result vg_api_exceptions(vg_server *s, vg_api_req *rq, const char *rest);
/* /events/ID and /events/ID/ack; rest is what follows "/events". */
enum MHD_Result vg_api_event_item(vg_server *s, vg_api_req *rq, const char *rest);
/* Authenticated routes; path starts after "/api/v1". */
enum MHD_Result vg_api_route(vg_server *s, vg_api_req *rq, const char *path);

/* The verified client certificate of a TLS connection (api_certs.c): 1 with
 * *out filled (a certificate for client authentication with a CN and a
 * serial), 0 when the client sent none, -1 when it sent one that does not
 * verify. */
int vg_api_tls_peer(struct MHD_Connection *c, vg_pki_cert *out);

#endif
