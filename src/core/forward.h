/*
 * forward.h: delivering a role's events to vigil server without loss.
 *
 * The forwarder follows an EVE file (the first sink every role writes),
 * copies each complete line into a spool (SQLite, in the state directory)
 * in the same transaction that records how far the file was read, and an
 * uplink thread posts spooled lines in order to the server's
 * /api/v1/events, deleting them only after the server answered 200 (which
 * it does only after commit).  Each line gets an `event_id` derived from
 * the sensor name, the file's inode and the line's offset, so a line sent
 * twice (after a crash or a lost answer) is stored once.  `kill -9` at any
 * moment loses nothing: unsent lines are in the spool or still in the file
 * past the recorded offset.
 *
 * Back-pressure: 429/503 or a connection failure makes the uplink back off
 * (1 s doubling to 60 s); the spool keeps filling up to its cap
 * (spool_max_bytes, default 1 GiB).  At the cap the forwarder stops reading
 * the file (the file is the buffer) and counts the time spent blocked;
 * nothing is dropped.
 */
#ifndef VG_FORWARD_H
#define VG_FORWARD_H

#include "core/vg.h"

typedef struct vg_forward_opts {
    const char *eve_path;     /* file to follow */
    const char *state_dir;    /* spool.db lives here */
    const char *server_url;   /* e.g. http://127.0.0.1:8088 */
    const char *token;        /* API token of a sensor account (never logged) */
    const char *sensor;       /* name used in event ids; default: hostname */
    uint64_t spool_max_bytes; /* 0 = 1 GiB */
    unsigned batch;           /* lines per post, default 1000 */
    bool once;                /* exit when the file is read and the spool empty */
    /* Mutual TLS (files from `vigil forward --enroll`): client certificate
     * and key, and the server's CA (the only CA trusted); NULL: none. */
    const char *tls_cert, *tls_key, *tls_ca;
    /* Certificate renewal hook (`vigil forward`): called at start and then
     * every renew_check_s seconds (0: 600) from the uplink loop; returns 1
     * when it replaced the client certificate files (the next post then
     * opens a new connection, presenting the new certificate), 0 when
     * nothing was due, negative on failure (the hook logs it; delivery goes
     * on with the current certificate). */
    int (*renew)(void *arg);
    void *renew_arg;
    double renew_check_s;
} vg_forward_opts;

typedef struct vg_forward_stats {
    uint64_t lines_spooled;
    uint64_t lines_sent;
    uint64_t posts_failed;
    uint64_t spool_full_waits;
    uint64_t spool_lines;     /* currently waiting */
} vg_forward_stats;

/* Run until *stop becomes non-zero (or, with opts->once, until done). */
int vg_forward_run(const vg_forward_opts *o, volatile int *stop, vg_forward_stats *st,
                   char *errbuf) VG_WARN_UNUSED;

#endif
