/*
 * test_notify.c: notification rounds (watermark, severity filter, retries)
 * with a recording sender, and the e-mail text (part of the store suite).
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/incidents.h"
#include "server/notify.h"
#include "store_suite.h"
#include "unit/vg_test.h"

static struct {
    char log[64][64];
    int n;
    int fail_webhook; /* fail this many webhook sends */
} rec;

static int fake_send(const vg_notify_cfg *c, const char *channel, json_t *inc, char *errbuf)
{
    (void)c;
    if (rec.n < 64)
        snprintf(rec.log[rec.n++], 64, "%s:%lld:%s", channel,
                 (long long)json_integer_value(json_object_get(inc, "id")),
                 json_string_value(json_object_get(inc, "src_ip")));
    if (strcmp(channel, "webhook") == 0 && rec.fail_webhook > 0) {
        rec.fail_webhook--;
        return vg_err(errbuf, VG_EIO, "webhook: HTTP 500");
    }
    return VG_OK;
}

static void alert(vg_store *st, const char *id, const char *src, int sev)
{
    char err[VG_ERRBUF_SIZE];
    vg_store_event e = {.event_id = id, .ts_us = 1800000000LL * 1000000, .event_type = "alert",
                        .src_ip = src, .dest_ip = "192.0.2.1", .severity = sev, .unit = "u1",
                        .signature = "exploit", .json = "{}"};
    size_t ins;
    VG_CHECK_EQ(vg_store_insert_events(st, &e, 1, &ins, err), VG_OK);
    VG_CHECK_EQ(vg_incidents_group(st, &e, 1, err), VG_OK);
}

void notify_rounds(void)
{
    vg_store *st = fresh();
    if (!st) {
        VG_CHECK(st != NULL);
        return;
    }
    memset(&rec, 0, sizeof rec);
    char err[VG_ERRBUF_SIZE];
    vg_notify_cfg off = {0};
    int sent = -1;
    VG_CHECK(!vg_notify_enabled(&off));
    vg_notify_cfg c = {.webhook_url = "http://x", .smtp_url = "smtp://x", .mail_to = "a@b",
                       .max_severity = 2, .retry_base_s = 10};
    VG_CHECK(vg_notify_enabled(&c));
    alert(st, "old", "198.51.100.1", 1); /* before notifications existed */
    int64_t now = 1800000000LL * 1000000;
    VG_CHECK_EQ(vg_notify_tick(st, NULL, &c, fake_send, now, &sent, err), VG_OK);
    VG_CHECK_EQ(sent, 0); /* history is not replayed */
    alert(st, "a", "198.51.100.2", 1);
    alert(st, "b", "198.51.100.3", 3); /* above the threshold */
    alert(st, "c", "198.51.100.4", 2);
    rec.fail_webhook = 1;
    VG_CHECK_EQ(vg_notify_tick(st, NULL, &c, fake_send, now, &sent, err), VG_OK);
    VG_CHECK_EQ(rec.n, 4);
    VG_CHECK_EQ(sent, 3); /* one webhook send failed */
    bool saw_low = false;
    for (int i = 0; i < rec.n; i++)
        saw_low |= strstr(rec.log[i], "198.51.100.3") != NULL || strstr(rec.log[i], "100.1") != NULL;
    VG_CHECK(!saw_low);
    /* nothing new, retry not yet due */
    VG_CHECK_EQ(vg_notify_tick(st, NULL, &c, fake_send, now + 1000000, &sent, err), VG_OK);
    VG_CHECK_EQ(sent, 0);
    VG_CHECK_EQ(rec.n, 4);
    /* the retry after the backoff succeeds, once */
    VG_CHECK_EQ(vg_notify_tick(st, NULL, &c, fake_send, now + 11000000, &sent, err), VG_OK);
    VG_CHECK_EQ(sent, 1);
    VG_CHECK_EQ(rec.n, 5);
    VG_CHECK(strncmp(rec.log[4], "webhook:", 8) == 0);
    VG_CHECK_EQ(vg_notify_tick(st, NULL, &c, fake_send, now + 100000000, &sent, err), VG_OK);
    VG_CHECK_EQ(sent, 0);
    /* a permanently failing channel stops after VG_NOTIFY_ATTEMPTS */
    alert(st, "d", "198.51.100.5", 1);
    vg_notify_cfg hook = {.webhook_url = "http://x", .max_severity = 2, .retry_base_s = 1};
    rec.fail_webhook = 100;
    int before = rec.n;
    for (int i = 0; i < 40; i++)
        VG_CHECK_EQ(vg_notify_tick(st, NULL, &hook, fake_send, now + (int64_t)i * 3600 * 1000000,
                                   &sent, err), VG_OK);
    VG_CHECK_EQ(rec.n - before, VG_NOTIFY_ATTEMPTS);
    done(st);
}

void notify_mail_text(void)
{
    vg_notify_cfg c = {.mail_from = "vigil@example.org", .mail_to = "soc@example.org",
                       .dashboard_url = "http://127.0.0.1:8088"};
    json_t *inc = json_pack("{sI ss ss sI ss ss sI sI}", "id", (json_int_t)7, "unit", "u1",
                            "title", "evil\r\nBcc: victim@example.org\r\n\r\nbody", "severity",
                            (json_int_t)1, "src_ip", "198.51.100.2", "dest_ip", "192.0.2.1",
                            "detected_us", (json_int_t)1800000000LL * 1000000, "alerts",
                            (json_int_t)3);
    char *m = vg_notify_mail_text(&c, inc);
    VG_CHECK(m != NULL);
    if (m) {
        char *body = strstr(m, "\r\n\r\n");
        VG_CHECK(body != NULL);
        if (body) {
            *body = '\0';
            VG_CHECK(strstr(m, "Bcc:") == NULL); /* no header injection */
            VG_CHECK(strstr(m, "Subject: =?UTF-8?B?") != NULL);
            VG_CHECK(strstr(m, "To: soc@example.org") != NULL);
            VG_CHECK(strstr(body + 4, "New incident #7 (severity 1)") != NULL);
            VG_CHECK(strstr(body + 4, "Source:   198.51.100.2") != NULL);
            VG_CHECK(strstr(body + 4, "2027-01-15T08:00:00Z") != NULL);
            /* every body line ends with CRLF: no bare LF */
            for (const char *p = body + 4; *p; p++)
                if (*p == '\n' && p[-1] != '\r')
                    VG_CHECK(!"bare LF in body");
        }
        free(m);
    }
    json_decref(inc);
}
