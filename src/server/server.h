/*
 * server.h: vigil server, the central role: HTTP API under /api/v1 over
 * libmicrohttpd, the event store (store.h), authentication (auth.h).
 *
 * Threading: a small pool of MHD threads serves requests; every use of the
 * one store handle is under the server's lock, so the store is
 * single-writer by construction while request parsing (JSON, redaction)
 * runs in parallel.  Ingest batches are committed before the response
 * (acknowledge after commit).  Background threads (pruning timer,
 * notifier) take the same lock per store access.
 *
 * Security shape: binds 127.0.0.1 unless told otherwise; GET /api/v1/health
 * answers without credentials, every other /api/v1 route answers 401
 * without a valid token; request bodies are capped (413), bad JSON is 400;
 * logins are throttled per user name; every change is audited.
 */
#ifndef VG_SERVER_SERVER_H
#define VG_SERVER_SERVER_H

#include <jansson.h>

#include "core/vg.h"
#include "server/notify.h"
#include "server/response.h"

typedef struct vg_server vg_server;

typedef struct vg_server_opts {
    const char *data_dir;    /* SQLite file and server state live here */
    const char *store_uri;   /* NULL: sqlite in data_dir; or postgresql://... */
    const char *listen;      /* "ADDR:PORT", default "127.0.0.1:8088"; port 0 = any */
    size_t max_body;         /* request body cap, default 32 MiB */
    /* Retention (see retention.h): the upper bound of any system's
     * retention (default 60 months) and the retention of events from hosts
     * in no system (default 12 months, raised to at least 1). */
    int retention_max_months;
    int retention_default_months;
    unsigned prune_interval_s;   /* pruning timer, default 3600 s; 0 = default */
    bool no_timers;              /* admin verbs: no background work */
    /* Response: networks that can never be blocked (besides 127.0.0.0/8,
     * ::1 and the listen address), NULL-terminated; rules that block the
     * source of matching alerts. */
    const char *const *allow_nets;
    vg_block_rules block_rules;
    /* Notifications of new incidents (notify.h); strings borrowed for the
     * server's life.  notify_interval_s: how often the notifier looks
     * (default 2 s). */
    vg_notify_cfg notify;
    double notify_interval_s;
    /* HTTPS with client-certificate verification by the server's own CA
     * (pki.h, in data_dir); without it the server listens only on
     * 127.0.0.1. */
    bool tls;
    /* Lifetime of the client certificates the server issues, seconds
     * (0: two years); senders renew at a third left. */
    long cert_lifetime_s;
} vg_server_opts;

int vg_server_start(vg_server **out, const vg_server_opts *o, char *errbuf) VG_WARN_UNUSED;
void vg_server_stop(vg_server *s);
int vg_server_port(const vg_server *s);

/* Create (or update) a user; role "admin", "analyst", "viewer" or "sensor";
 * unit "" sees every unit.  Used by the CLI before serving. */
int vg_server_user_add(vg_server *s, const char *name, const char *password, const char *role,
                       const char *unit, char *errbuf) VG_WARN_UNUSED;
/* Issue an API token for user; hex token (65 bytes) shown once. */
int vg_server_token_add(vg_server *s, const char *user, char token[65], char *errbuf) VG_WARN_UNUSED;
/* True when no user exists yet (first start). */
bool vg_server_needs_admin(vg_server *s);

/* Issue a one-time enrolment token for sender `name` (enroll.h) and print
 * nothing: *out gets "TOKEN.CA_FINGERPRINT" (130 bytes with NUL); the CA
 * is created in data_dir when absent. */
int vg_server_enroll(vg_server *s, const char *data_dir, const char *name, const char *unit,
                     char out[131], char *errbuf) VG_WARN_UNUSED;
/* The certificate register (enroll.h) for `vigil server revoke | certs`:
 * revoke by serial or agent (audited as "cli"); the list as a JSON array
 * (the caller frees it). */
int vg_server_cert_revoke(vg_server *s, const char *serial, const char *agent, const char *reason,
                          int64_t *count, char *errbuf) VG_WARN_UNUSED;
json_t *vg_server_certs(vg_server *s, const char *agent, char *errbuf);
/* The CA fingerprint (hex) of a --tls server, "" otherwise. */
const char *vg_server_ca_fingerprint(const vg_server *s);

#endif
