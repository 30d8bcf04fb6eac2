/*
 * notify.h: notifications of new incidents by webhook (HTTP POST of JSON)
 * and e-mail (SMTP), both through libcurl.
 *
 * A notifier thread in the server wakes every interval, finds incidents
 * created since the last one it handled (a watermark kept in the store, so
 * a restart neither repeats nor skips) whose severity is at or below
 * max_severity, and sends one message per incident and channel.  When
 * notifications are first configured the watermark starts at the newest
 * existing incident: history is not replayed.  A failed send is retried
 * (backoff doubling from retry_base_s, at most VG_NOTIFY_ATTEMPTS times);
 * every outcome is in notify_log and the audit trail.  Sending happens
 * without the store lock held.
 *
 * Incident titles come from attacker-influenced alert text: the e-mail
 * subject is RFC 2047-encoded (no CR/LF can reach the headers) and the body
 * is plain text; the webhook body is JSON built by jansson.
 */
#ifndef VG_SERVER_NOTIFY_H
#define VG_SERVER_NOTIFY_H

#include <jansson.h>
#include <pthread.h>

#include "server/store.h"

#define VG_NOTIFY_ATTEMPTS 5
#define VG_NOTIFY_MAX_RCPT 16

typedef struct vg_notify_cfg {
    const char *webhook_url;      /* http(s)://...; NULL = off */
    const char *smtp_url;         /* smtp://host:port or smtps://; NULL = off */
    const char *mail_from;
    const char *mail_to;          /* comma-separated, at most VG_NOTIFY_MAX_RCPT */
    const char *smtp_user, *smtp_password;  /* optional AUTH */
    const char *dashboard_url;    /* link in messages, e.g. http://127.0.0.1:8088 */
    int max_severity;             /* notify severity 1..N (default 2) */
    double retry_base_s;          /* default 30 */
} vg_notify_cfg;

/* A channel's sender: VG_OK when the message was accepted.  Replaceable
 * for tests. */
typedef int (*vg_notify_send_fn)(const vg_notify_cfg *c, const char *channel, json_t *incident,
                                 char *errbuf);

int vg_notify_schema(vg_store *st, char *errbuf) VG_WARN_UNUSED;
bool vg_notify_enabled(const vg_notify_cfg *c);

/* One round: new incidents and due retries.  lock (may be NULL) is held
 * for store access only.  *sent gets the messages delivered. */
int vg_notify_tick(vg_store *st, pthread_mutex_t *lock, const vg_notify_cfg *c,
                   vg_notify_send_fn send, int64_t now_us, int *sent, char *errbuf);

/* The libcurl sender ("webhook" or "email"). */
int vg_notify_send_curl(const vg_notify_cfg *c, const char *channel, json_t *incident,
                        char *errbuf);

/* The e-mail text (headers and body) for an incident; malloc'd.  Exposed
 * for tests. */
char *vg_notify_mail_text(const vg_notify_cfg *c, json_t *incident);

#endif
