/*
 * response.h: blocking a source address on the agents' hosts.
 *
 * Server side: a block is (unit, address, host or "" for every host of the
 * unit, expiry, reason, who).  Blocks are created by hand (analyst+) or by
 * a rule (an alert whose signature id is listed, or whose severity is at
 * or below a threshold); creating a block for an address that already has
 * an active one for the same unit and host extends it.  Addresses on the
 * allow-list are refused, always: 127.0.0.0/8, ::1, 0.0.0.0, the server's
 * own address and the configured networks.  Every action (create, refuse,
 * revoke, applied/failed on a host) is audited.
 *
 * Agent side (vg_respond_run): polls GET /api/v1/blocks with its sensor
 * token, applies each active block with nft in a named set with a timeout
 * (table inet vigil, sets blocked4/blocked6, dropped in the input and
 * forward hooks), deletes revoked ones, and acknowledges each.  The agent
 * checks its own allow-list again before running anything.  nft is run by
 * execve (no shell) with a timeout and a cap on its output; addresses are
 * parsed with inet_pton and re-printed, so no byte of the server's answer
 * reaches nft's command line unparsed.  In dry-run mode the commands are
 * appended to a file instead (one per line), which the tests read.
 *
 * Limits: VG_ALLOW_MAX networks; durations 60 s to 30 days (default 1 h);
 * an agent applies at most VG_RESPOND_MAX blocks per poll.
 */
#ifndef VG_SERVER_RESPONSE_H
#define VG_SERVER_RESPONSE_H

#include <jansson.h>
#include <netinet/in.h>

#include "server/store.h"

#define VG_ALLOW_MAX 64
#define VG_RESPOND_MAX 4096
#define VG_BLOCK_MIN_S 60
#define VG_BLOCK_MAX_S (30 * 86400)
#define VG_BLOCK_DEFAULT_S 3600

typedef struct vg_net {
    int family;            /* AF_INET or AF_INET6 */
    uint8_t addr[16];
    int prefix;
} vg_net;

typedef struct vg_allowlist {
    vg_net nets[VG_ALLOW_MAX];
    int n;
} vg_allowlist;

/* The built-in entries (127.0.0.0/8, ::1/128, 0.0.0.0/32). */
void vg_allow_init(vg_allowlist *a);
/* Add "ADDR" or "ADDR/PREFIX"; VG_EINVAL with errbuf on a bad entry,
 * VG_ELIMIT when full. */
int vg_allow_add(vg_allowlist *a, const char *cidr, char *errbuf) VG_WARN_UNUSED;
bool vg_allow_contains(const vg_allowlist *a, const char *ip);
/* Parse and re-print an address canonically (out 64 bytes); false when it
 * is not a plain IPv4 or IPv6 address. */
bool vg_ip_canonical(const char *ip, char out[64], int *family);

/* ---- server side ---- */

typedef struct vg_block_rules {
    int64_t sids[64];      /* alerts with these signature ids block their source */
    int nsids;
    int max_severity;      /* alerts with 1 <= severity <= this block; 0 = off */
    int duration_s;        /* default VG_BLOCK_DEFAULT_S */
} vg_block_rules;

int vg_response_schema(vg_store *st, char *errbuf) VG_WARN_UNUSED;

/* Create or extend a block; audited as user.  VG_EINVAL with errbuf for a
 * bad or allow-listed address or duration. */
int vg_block_create(vg_store *st, const vg_allowlist *allow, const char *unit, const char *ip,
                    const char *host, int duration_s, const char *reason, const char *user,
                    int64_t now_us, int64_t *id, char *errbuf) VG_WARN_UNUSED;
int vg_block_revoke(vg_store *st, const char *unit, int64_t id, const char *user, int64_t now_us,
                    char *errbuf) VG_WARN_UNUSED;
/* Blocks visible to unit ("" = all), newest first, with their acks. */
json_t *vg_block_list(vg_store *st, const char *unit, int64_t now_us, char *errbuf);
/* What the agent `host` of `unit` must enforce: {"blocks": [{id, ip,
 * expires_in}], "revoked": [{id, ip}]} (revoked within the last day). */
json_t *vg_block_pending(vg_store *st, const char *host, const char *unit, int64_t now_us,
                         char *errbuf);
int vg_block_ack(vg_store *st, const char *host, const char *unit, int64_t id, bool ok,
                 const char *detail, int64_t now_us, char *errbuf) VG_WARN_UNUSED;
/* Rule-triggered blocks for the alerts of a committed batch; returns the
 * number created in *created. */
int vg_block_from_alerts(vg_store *st, const vg_allowlist *allow, const vg_block_rules *r,
                         const vg_store_event *ev, size_t n, int64_t now_us, int *created,
                         char *errbuf);

/* ---- agent side ---- */

typedef struct vg_respond_opts {
    const char *server_url;
    const char *token;
    const char *dry_run_file;   /* record nft commands here instead of running them */
    const char *nft_path;       /* default /usr/sbin/nft */
    const vg_allowlist *allow;  /* the agent's own allow-list */
    double interval_s;          /* poll interval, default 5 s */
    /* Mutual TLS after `vigil forward --enroll` (NULL: none): client
     * certificate and key, and the server's CA, the only one trusted. */
    const char *tls_cert, *tls_key, *tls_ca;
} vg_respond_opts;

typedef struct vg_respond_stats {
    uint64_t polls, applied, removed, refused, failed;
} vg_respond_stats;

/* Build the argv (NULL-terminated, into argv[16] with strings in buf) of
 * one nft action: "setup" steps 0..n (returns VG_DECLINED past the last),
 * "add" and "delete" of an element.  Exposed for tests. */
int vg_nft_setup_argv(int step, const char *argv[16]);
int vg_nft_element_argv(bool add, const char *ip, int family, int timeout_s, char *buf,
                        size_t cap, const char *argv[16]) VG_WARN_UNUSED;

/* Run until *stop; returns VG_OK, or an error when the setup fails. */
int vg_respond_run(const vg_respond_opts *o, volatile int *stop, vg_respond_stats *st,
                   char *errbuf) VG_WARN_UNUSED;

#endif
