/* notify.c: incident notifications by webhook and e-mail (see notify.h). */
#include "server/notify.h"

#include <curl/curl.h>
#include <inttypes.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char ddl[] =
    "CREATE TABLE IF NOT EXISTS notify_state (key TEXT PRIMARY KEY, value BIGINT NOT NULL);"
    "CREATE TABLE IF NOT EXISTS notify_log ("
    " incident_id BIGINT NOT NULL, channel TEXT NOT NULL, ts BIGINT NOT NULL, ok INTEGER NOT NULL,"
    " attempts INTEGER NOT NULL, next_try BIGINT NOT NULL, detail TEXT,"
    " PRIMARY KEY (incident_id, channel))";

int vg_notify_schema(vg_store *st, char *errbuf) { return vg_store_ddl(st, ddl, errbuf); }

bool vg_notify_enabled(const vg_notify_cfg *c)
{
    return c && ((c->webhook_url && c->webhook_url[0]) ||
                 (c->smtp_url && c->smtp_url[0] && c->mail_to && c->mail_to[0]));
}

static void first_int(void *arg, int n, const char *const *v)
{
    if (n > 0 && v[0])
        *(int64_t *)arg = strtoll(v[0], NULL, 10);
}

static void i64s(char *b, size_t cap, int64_t v) { snprintf(b, cap, "%" PRId64, v); }

/* ---- messages ---------------------------------------------------------- */

static void iso(int64_t us, char out[40])
{
    time_t t = (time_t)(us / 1000000);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 40, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static const char *jstr(json_t *o, const char *k)
{
    const char *v = json_string_value(json_object_get(o, k));
    return v ? v : "";
}

char *vg_notify_mail_text(const vg_notify_cfg *c, json_t *inc)
{
    int64_t id = json_integer_value(json_object_get(inc, "id"));
    int sev = (int)json_integer_value(json_object_get(inc, "severity"));
    char subj[400];
    snprintf(subj, sizeof subj, "[vigil] incident #%" PRId64 " severity %d: %.300s", id, sev,
             jstr(inc, "title"));
    /* RFC 2047: the subject travels base64-encoded, so no CR/LF reaches headers. */
    unsigned char enc[600];
    int el = EVP_EncodeBlock(enc, (const unsigned char *)subj, (int)strlen(subj));
    char date[64];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S +0000", &tm);
    char det[40];
    iso(json_integer_value(json_object_get(inc, "detected_us")), det);
    /* Body lines: strip CR so every line ends in the CRLF we add. */
    char title[600];
    size_t k = 0;
    for (const char *p = jstr(inc, "title"); *p && k < sizeof title - 1; p++)
        title[k++] = (*p == '\r' || *p == '\n') ? ' ' : *p;
    title[k] = '\0';
    const char *dash = c->dashboard_url ? c->dashboard_url : "";
    size_t cap = 4096;
    char *m = malloc(cap);
    if (!m)
        return NULL;
    snprintf(m, cap,
             "Date: %s\r\nFrom: %s\r\nTo: %s\r\nSubject: =?UTF-8?B?%.*s?=\r\nMIME-Version: 1.0\r\n"
             "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
             "New incident #%" PRId64 " (severity %d)\r\n\r\n"
             "Title:    %s\r\nUnit:     %s\r\nSource:   %s\r\nTarget:   %s\r\nDetected: %s\r\n"
             "Alerts:   %" PRId64 "\r\n\r\n"
             "Reporting deadlines run from the detection time: initial notice 24 h, report 72 h.\r\n"
             "%s%s%s\r\n",
             date, c->mail_from ? c->mail_from : "vigil@localhost", c->mail_to ? c->mail_to : "",
             el, enc, id, sev, title, jstr(inc, "unit"), jstr(inc, "src_ip"), jstr(inc, "dest_ip"),
             det, (int64_t)json_integer_value(json_object_get(inc, "alerts")),
             dash[0] ? "Open: " : "", dash, dash[0] ? "/#/incidents" : "");
    return m;
}

typedef struct upload {
    const char *data;
    size_t len, off;
} upload;

static size_t read_cb(char *buf, size_t s, size_t n, void *arg)
{
    upload *u = arg;
    size_t k = VG_MIN(s * n, u->len - u->off);
    memcpy(buf, u->data + u->off, k);
    u->off += k;
    return k;
}

static size_t discard(char *p, size_t s, size_t n, void *u)
{
    (void)p;
    (void)u;
    return s * n;
}

int vg_notify_send_curl(const vg_notify_cfg *c, const char *channel, json_t *inc, char *errbuf)
{
    CURL *h = curl_easy_init();
    if (!h)
        return vg_err(errbuf, VG_ENOMEM, "curl init failed");
    struct curl_slist *hdrs = NULL, *rcpt = NULL;
    char *body = NULL;
    int rc = VG_OK;
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_TIMEOUT, 20L);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, 10L);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, discard);
    if (strcmp(channel, "webhook") == 0) {
        json_t *msg = json_pack("{ss sO}", "event", "incident.new", "incident", inc);
        if (c->dashboard_url && c->dashboard_url[0]) {
            char link[1200];
            snprintf(link, sizeof link, "%s/#/incidents/%" PRId64, c->dashboard_url,
                     (int64_t)json_integer_value(json_object_get(inc, "id")));
            json_object_set_new(msg, "url", json_string(link));
        }
        body = json_dumps(msg, JSON_COMPACT);
        json_decref(msg);
        hdrs = curl_slist_append(hdrs, "Content-Type: application/json");
        hdrs = curl_slist_append(hdrs, "User-Agent: vigil-server");
        curl_easy_setopt(h, CURLOPT_URL, c->webhook_url);
        curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, body ? body : "{}");
        curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    } else {
        body = vg_notify_mail_text(c, inc);
        char to[1024];
        snprintf(to, sizeof to, "%s", c->mail_to ? c->mail_to : "");
        int n = 0;
        for (char *save = NULL, *t = strtok_r(to, ",", &save); t && n < VG_NOTIFY_MAX_RCPT;
             t = strtok_r(NULL, ",", &save), n++) {
            while (*t == ' ')
                t++;
            char addr[300];
            snprintf(addr, sizeof addr, "<%s>", t);
            rcpt = curl_slist_append(rcpt, addr);
        }
        char from[300];
        snprintf(from, sizeof from, "<%s>", c->mail_from ? c->mail_from : "vigil@localhost");
        curl_easy_setopt(h, CURLOPT_URL, c->smtp_url);
        curl_easy_setopt(h, CURLOPT_MAIL_FROM, from);
        curl_easy_setopt(h, CURLOPT_MAIL_RCPT, rcpt);
        curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
        if (c->smtp_user) {
            curl_easy_setopt(h, CURLOPT_USERNAME, c->smtp_user);
            curl_easy_setopt(h, CURLOPT_PASSWORD, c->smtp_password ? c->smtp_password : "");
            curl_easy_setopt(h, CURLOPT_USE_SSL, (long)CURLUSESSL_ALL);
        }
        curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
    }
    upload u = {body ? body : "", body ? strlen(body) : 0, 0};
    curl_easy_setopt(h, CURLOPT_READFUNCTION, read_cb);
    curl_easy_setopt(h, CURLOPT_READDATA, &u);
    if (!body) {
        rc = vg_err(errbuf, VG_ENOMEM, "out of memory");
    } else {
        CURLcode cc = curl_easy_perform(h);
        long code = 0;
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
        if (cc != CURLE_OK)
            rc = vg_err(errbuf, VG_EIO, "%s: %s", channel, curl_easy_strerror(cc));
        else if (strcmp(channel, "webhook") == 0 && (code < 200 || code > 299))
            rc = vg_err(errbuf, VG_EIO, "webhook: HTTP %ld", code);
    }
    free(body);
    curl_slist_free_all(hdrs);
    curl_slist_free_all(rcpt);
    curl_easy_cleanup(h);
    return rc;
}

/* ---- the round --------------------------------------------------------- */

static void inc_row(void *arg, int n, const char *const *v)
{
    json_t *arr = arg;
    if (n < 9)
        return;
    json_array_append_new(arr, json_pack("{sI ss ss sI ss ss sI sI ss}",
        "id", (json_int_t)strtoll(v[0], NULL, 10), "unit", v[1] ? v[1] : "",
        "title", v[2] ? v[2] : "", "severity", (json_int_t)strtoll(v[3] ? v[3] : "0", NULL, 10),
        "src_ip", v[4] ? v[4] : "", "dest_ip", v[5] ? v[5] : "",
        "detected_us", (json_int_t)strtoll(v[6] ? v[6] : "0", NULL, 10),
        "alerts", (json_int_t)strtoll(v[7] ? v[7] : "0", NULL, 10), "status", v[8] ? v[8] : ""));
}

typedef struct retry {
    int64_t id;
    char channel[16];
    int attempts;
} retry;

typedef struct retries {
    retry v[64];
    int n;
} retries;

static void retry_row(void *arg, int n, const char *const *v)
{
    retries *r = arg;
    if (n < 3 || r->n >= 64)
        return;
    r->v[r->n].id = strtoll(v[0], NULL, 10);
    snprintf(r->v[r->n].channel, sizeof r->v[r->n].channel, "%s", v[1] ? v[1] : "");
    r->v[r->n].attempts = atoi(v[2] ? v[2] : "0");
    r->n++;
}

#define INC_SELECT "SELECT id, unit, title, severity, src_ip, dest_ip, detected, alerts, status FROM incidents "

static void lock_(pthread_mutex_t *l)
{
    if (l)
        pthread_mutex_lock(l);
}

static void unlock_(pthread_mutex_t *l)
{
    if (l)
        pthread_mutex_unlock(l);
}

/* Send one message and record the outcome. */
static void deliver(vg_store *st, pthread_mutex_t *lock, const vg_notify_cfg *c,
                    vg_notify_send_fn send, json_t *inc, const char *channel, int attempts,
                    int64_t now_us, int *sent)
{
    char err[VG_ERRBUF_SIZE] = "";
    int rc = send(c, channel, inc, err);
    int64_t id = json_integer_value(json_object_get(inc, "id"));
    char ids[24], now[24], next[24], att[16];
    i64s(ids, sizeof ids, id);
    i64s(now, sizeof now, now_us);
    double base = c->retry_base_s > 0 ? c->retry_base_s : 30;
    i64s(next, sizeof next, now_us + (int64_t)(base * (1 << VG_MIN(attempts, 10)) * 1e6));
    snprintf(att, sizeof att, "%d", attempts + 1);
    const char *p[] = {ids, channel, now, rc == VG_OK ? "1" : "0", att, next, err};
    char detail[VG_ERRBUF_SIZE + 64];
    snprintf(detail, sizeof detail, "incident #%s by %s%s%s", ids, channel, rc == VG_OK ? "" : ": ",
             rc == VG_OK ? "" : err);
    lock_(lock);
    (void)!vg_store_exec(st,
                         "INSERT INTO notify_log(incident_id, channel, ts, ok, attempts, next_try, detail) "
                         "VALUES(?,?,?,?,?,?,?) ON CONFLICT (incident_id, channel) DO UPDATE SET "
                         "ts = excluded.ts, ok = excluded.ok, attempts = excluded.attempts, "
                         "next_try = excluded.next_try, detail = excluded.detail",
                         p, 7, NULL, NULL, NULL, NULL);
    vg_store_audit(st, "server", rc == VG_OK ? "notify.sent" : "notify.failed", detail);
    unlock_(lock);
    if (rc == VG_OK)
        (*sent)++;
}

int vg_notify_tick(vg_store *st, pthread_mutex_t *lock, const vg_notify_cfg *c,
                   vg_notify_send_fn send, int64_t now_us, int *sent, char *errbuf)
{
    *sent = 0;
    if (!vg_notify_enabled(c))
        return VG_OK;
    const char *channels[2];
    int nch = 0;
    if (c->webhook_url && c->webhook_url[0])
        channels[nch++] = "webhook";
    if (c->smtp_url && c->smtp_url[0] && c->mail_to && c->mail_to[0])
        channels[nch++] = "email";
    char sev[16], now[24];
    snprintf(sev, sizeof sev, "%d", c->max_severity > 0 ? c->max_severity : 2);
    i64s(now, sizeof now, now_us);

    lock_(lock);
    int64_t mark = -1, maxid = 0;
    int rc = vg_store_exec(st, "SELECT value FROM notify_state WHERE key = 'watermark'", NULL, 0,
                           first_int, &mark, NULL, errbuf);
    if (rc == VG_OK && mark < 0) {
        /* First configured: start after the newest incident. */
        rc = vg_store_exec(st, "SELECT max(id) FROM incidents", NULL, 0, first_int, &maxid, NULL,
                           errbuf);
        char m[24];
        i64s(m, sizeof m, maxid);
        if (rc == VG_OK)
            rc = vg_store_exec(st, "INSERT INTO notify_state(key, value) VALUES('watermark', ?)",
                               (const char *const[]){m}, 1, NULL, NULL, NULL, errbuf);
        mark = maxid;
    }
    json_t *fresh = json_array();
    char ms[24];
    i64s(ms, sizeof ms, mark);
    int64_t top = mark;
    if (rc == VG_OK) {
        rc = vg_store_exec(st, "SELECT max(id) FROM incidents", NULL, 0, first_int, &top, NULL,
                           errbuf);
        if (top < mark)
            top = mark;
    }
    char tops[24];
    i64s(tops, sizeof tops, top);
    if (rc == VG_OK)
        rc = vg_store_exec(st, INC_SELECT "WHERE id > ? AND id <= ? AND severity <= ? ORDER BY id LIMIT 200",
                           (const char *const[]){ms, tops, sev}, 3, inc_row, fresh, NULL, errbuf);
    retries r = {.n = 0};
    if (rc == VG_OK) {
        char maxatt[8];
        snprintf(maxatt, sizeof maxatt, "%d", VG_NOTIFY_ATTEMPTS);
        rc = vg_store_exec(st, "SELECT incident_id, channel, attempts FROM notify_log WHERE ok = 0 "
                           "AND attempts < ? AND next_try <= ? ORDER BY incident_id LIMIT 64",
                           (const char *const[]){maxatt, now}, 2, retry_row, &r, NULL, errbuf);
    }
    /* Advance the watermark before sending: a crash mid-send leaves a
     * notify_log row or nothing; the round is at-most-once per incident and
     * channel, retried only on recorded failures. */
    if (rc == VG_OK && top > mark && json_array_size(fresh) < 200)
        rc = vg_store_exec(st, "UPDATE notify_state SET value = ? WHERE key = 'watermark'",
                           (const char *const[]){tops}, 1, NULL, NULL, NULL, errbuf);
    else if (rc == VG_OK && json_array_size(fresh) == 200) {
        char last[24];
        i64s(last, sizeof last,
             json_integer_value(json_object_get(json_array_get(fresh, 199), "id")));
        rc = vg_store_exec(st, "UPDATE notify_state SET value = ? WHERE key = 'watermark'",
                           (const char *const[]){last}, 1, NULL, NULL, NULL, errbuf);
    }
    unlock_(lock);
    if (rc != VG_OK) {
        json_decref(fresh);
        return rc;
    }
    size_t i;
    json_t *inc;
    json_array_foreach(fresh, i, inc)
        for (int k = 0; k < nch; k++)
            deliver(st, lock, c, send, inc, channels[k], 0, now_us, sent);
    json_decref(fresh);
    for (int k = 0; k < r.n; k++) {
        bool configured = false;
        for (int j = 0; j < nch; j++)
            configured |= strcmp(channels[j], r.v[k].channel) == 0;
        if (!configured)
            continue;
        json_t *one = json_array();
        char ids[24];
        i64s(ids, sizeof ids, r.v[k].id);
        lock_(lock);
        (void)!vg_store_exec(st, INC_SELECT "WHERE id = ?", (const char *const[]){ids}, 1, inc_row,
                             one, NULL, NULL);
        unlock_(lock);
        if (json_array_size(one) == 1)
            deliver(st, lock, c, send, json_array_get(one, 0), r.v[k].channel, r.v[k].attempts,
                    now_us, sent);
        json_decref(one);
    }
    return VG_OK;
}
