/*
 * test_store.c: the store suite.  The same tests run on every backend:
 * SQLite by default (a fresh file), PostgreSQL when VG_TEST_STORE is a
 * postgresql:// URI (tests/e2e/server/with_postgres.sh starts a real server
 * and runs this binary against it).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "server/auth.h"
#include "server/enroll.h"
#include "server/incidents.h"
#include "server/ingest.h"
#include "server/inventory.h"
#include "server/rollup.h"
#include "server/notify.h"
#include "server/response.h"
#include "server/store.h"
#include "unit/vg_test.h"
#include "store_suite.h"

static char uri[1024];

vg_store *fresh(void)
{
    static int n;
    const char *env = getenv("VG_TEST_STORE");
    char err[VG_ERRBUF_SIZE];
    vg_store *st = NULL;
    if (env && env[0]) {
        snprintf(uri, sizeof uri, "%s", env);
    } else {
        snprintf(uri, sizeof uri, "sqlite:/tmp/vg_test_store_%d_%d.db", (int)getpid(), n++);
        unlink(uri + 7);
    }
    if (vg_store_open(&st, uri, err) != VG_OK) {
        fprintf(stderr, "open %s: %s\n", uri, err);
        return NULL;
    }
    if (vg_incidents_schema(st, err) != VG_OK || vg_inventory_schema(st, err) != VG_OK ||
        vg_response_schema(st, err) != VG_OK || vg_notify_schema(st, err) != VG_OK ||
        vg_rollup_schema(st, err) != VG_OK)
        fprintf(stderr, "schema: %s\n", err);
    if (env && env[0]) {
        /* PostgreSQL: start each test from empty tables. */
        int64_t del;
        vg_store_prune(st, NULL, INT64_MAX, &del, err);
        static const char *const tables[] = {"units", "systems", "hosts", "sca_state", "evidence",
                                             "incidents", "incident_events", "audit", "blocks",
                                             "block_acks", "notify_state", "notify_log",
                                             "event_rollup", "exceptions",
                                             "event_exceptions", "event_acks", "exceptions_meta",
                                             NULL};
        for (const char *const *t = tables; *t; t++) {
            char sql[64];
            snprintf(sql, sizeof sql, "DELETE FROM %s", *t);
            if (vg_store_exec(st, sql, NULL, 0, NULL, NULL, NULL, err) != VG_OK)
                fprintf(stderr, "%s: %s\n", sql, err);
        }
    }
    return st;
}

void done(vg_store *st)
{
    vg_store_close(st);
    if (strncmp(uri, "sqlite:", 7) == 0) {
        char p[1100];
        unlink(uri + 7);
        snprintf(p, sizeof p, "%s-wal", uri + 7);
        unlink(p);
        snprintf(p, sizeof p, "%s-shm", uri + 7);
        unlink(p);
    }
}

static const char batch[] =
    "{\"timestamp\":\"2024-05-01T08:00:00.000001+0000\",\"event_type\":\"alert\",\"src_ip\":\"10.0.0.1\","
    "\"dest_ip\":\"10.0.0.2\",\"alert\":{\"signature_id\":42,\"severity\":1,\"signature\":\"SQL injection attempt\"}}\n"
    "{\"timestamp\":\"2024-05-01T08:00:01+07:00\",\"event_type\":\"flow\",\"src_ip\":\"10.0.0.3\"}\n"
    "\n"
    "{\"timestamp\":\"2024-05-01T09:00:00.5Z\",\"event_type\":\"log\",\"event_id\":\"fixed-1\","
    "\"log\":{\"rule\":{\"id\":5716,\"level\":5,\"description\":\"sshd: authentication failed\"},"
    "\"fields\":{\"srcip\":\"10.9.9.9\"}}}\n";

static void insert_is_idempotent(void)
{
    vg_store *st = fresh();
    VG_CHECK(st != NULL);
    if (!st)
        return;
    vg_ingest_batch b;
    char err[VG_ERRBUF_SIZE];
    VG_CHECK_EQ(vg_ingest_parse(batch, sizeof batch - 1, "sensor-a", "unit1", &b, err), VG_OK);
    VG_CHECK_EQ(b.n, 3);
    size_t ins = 0;
    VG_CHECK_EQ(vg_store_insert_events(st, b.ev, b.n, &ins, err), VG_OK);
    VG_CHECK_EQ(ins, 3);
    VG_CHECK_EQ(vg_store_insert_events(st, b.ev, b.n, &ins, err), VG_OK);
    VG_CHECK_EQ(ins, 0); /* a retried batch adds nothing */
    vg_store_filter f = {0};
    int64_t n = -1;
    VG_CHECK_EQ(vg_store_count_events(st, &f, &n, err), VG_OK);
    VG_CHECK_EQ(n, 3);
    vg_ingest_free(&b);
    done(st);
}

struct rows {
    int n;
    int64_t ids[2000];
};

static void collect(int64_t id, const char *json, void *arg)
{
    struct rows *r = arg;
    (void)json;
    if (r->n < 2000)
        r->ids[r->n++] = id;
}

static void filters_and_scoping(void)
{
    vg_store *st = fresh();
    if (!st) {
        VG_CHECK(st != NULL);
        return;
    }
    vg_ingest_batch b;
    char err[VG_ERRBUF_SIZE];
    size_t ins;
    VG_CHECK_EQ(vg_ingest_parse(batch, sizeof batch - 1, "s1", "unit1", &b, err), VG_OK);
    VG_CHECK_EQ(vg_store_insert_events(st, b.ev, b.n, &ins, err), VG_OK);
    vg_ingest_free(&b);
    VG_CHECK_EQ(vg_ingest_parse(batch, sizeof batch - 1, "s2", "unit2", &b, err), VG_OK);
    /* Different sensor: derived ids differ, except the explicit event_id. */
    VG_CHECK_EQ(vg_store_insert_events(st, b.ev, b.n, &ins, err), VG_OK);
    VG_CHECK_EQ(ins, 2);
    vg_ingest_free(&b);

    struct rows r = {0};
    int64_t next;
    vg_store_filter f = {.event_type = "alert"};
    VG_CHECK_EQ(vg_store_query_events(st, &f, collect, &r, &next, err), VG_OK);
    VG_CHECK_EQ(r.n, 2);
    VG_CHECK(r.n == 2 && r.ids[0] > r.ids[1]); /* newest first */

    const char *units[] = {"unit2", NULL};
    vg_store_filter g = {.units = units};
    int64_t n = 0;
    VG_CHECK_EQ(vg_store_count_events(st, &g, &n, err), VG_OK);
    VG_CHECK_EQ(n, 2);
    const char *none[] = {NULL};
    vg_store_filter h = {.units = none};
    VG_CHECK_EQ(vg_store_count_events(st, &h, &n, err), VG_OK);
    VG_CHECK_EQ(n, 0);

    /* By signature id (through the alerts-only index): the alert of each
     * sender, none for an id nobody has. */
    vg_store_filter sid = {.signature_id = 42};
    VG_CHECK_EQ(vg_store_count_events(st, &sid, &n, err), VG_OK);
    VG_CHECK_EQ(n, 2);
    sid.units = units;
    VG_CHECK_EQ(vg_store_count_events(st, &sid, &n, err), VG_OK);
    VG_CHECK_EQ(n, 1);
    vg_store_filter nosid = {.signature_id = 43};
    VG_CHECK_EQ(vg_store_count_events(st, &nosid, &n, err), VG_OK);
    VG_CHECK_EQ(n, 0);
    vg_store_filter t = {.text = "injection"};
    VG_CHECK_EQ(vg_store_count_events(st, &t, &n, err), VG_OK);
    VG_CHECK_EQ(n, 2);
    vg_store_filter pct = {.text = "%"};
    VG_CHECK_EQ(vg_store_count_events(st, &pct, &n, err), VG_OK);
    VG_CHECK_EQ(n, 0); /* LIKE wildcards are literal */
    vg_store_filter src = {.src_ip = "10.9.9.9"};
    VG_CHECK_EQ(vg_store_count_events(st, &src, &n, err), VG_OK);
    VG_CHECK_EQ(n, 1); /* log events take srcip from their fields */
    int64_t t0;
    VG_CHECK_EQ(vg_ingest_parse_ts("2024-05-01T08:30:00+0000", &t0), VG_OK);
    vg_store_filter since = {.since_us = t0};
    VG_CHECK_EQ(vg_store_count_events(st, &since, &n, err), VG_OK);
    VG_CHECK_EQ(n, 1);
    done(st);
}

static void pagination_is_keyset(void)
{
    vg_store *st = fresh();
    if (!st) {
        VG_CHECK(st != NULL);
        return;
    }
    enum { N = 250 };
    static char lines[N][200];
    vg_store_event ev[N];
    char ids[N][16];
    for (int i = 0; i < N; i++) {
        snprintf(ids[i], sizeof ids[i], "e%d", i);
        snprintf(lines[i], sizeof lines[i], "{\"n\":%d}", i);
        ev[i] = (vg_store_event){.event_id = ids[i], .ts_us = i, .event_type = "flow",
                                 .json = lines[i]};
    }
    char err[VG_ERRBUF_SIZE];
    size_t ins;
    VG_CHECK_EQ(vg_store_insert_events(st, ev, N, &ins, err), VG_OK);
    VG_CHECK_EQ(ins, N);
    int pages = 0, total = 0;
    int64_t before = 0, last = INT64_MAX;
    bool ordered = true;
    do {
        struct rows r = {0};
        vg_store_filter f = {.before_id = before, .limit = 100};
        int64_t next = 0;
        VG_CHECK_EQ(vg_store_query_events(st, &f, collect, &r, &next, err), VG_OK);
        for (int i = 0; i < r.n; i++) {
            if (r.ids[i] >= last)
                ordered = false;
            last = r.ids[i];
        }
        total += r.n;
        pages++;
        before = next;
    } while (before && pages < 10);
    VG_CHECK_EQ(total, N);
    VG_CHECK_EQ(pages, 3);
    VG_CHECK(ordered);
    int64_t del = 0;
    VG_CHECK_EQ(vg_store_prune(st, NULL, 100, &del, err), VG_OK);
    VG_CHECK_EQ(del, 100);
    done(st);
}

static void text_search_window(void)
{
    vg_store *st = fresh();
    if (!st) {
        VG_CHECK(st != NULL);
        return;
    }
    enum { N = 250 };
    static char lines[N][64], ids[N][16], sigs[N][32], srcs[N][32];
    vg_store_event ev[N];
    for (int i = 0; i < N; i++) {
        snprintf(ids[i], sizeof ids[i], "t%d", i);
        snprintf(lines[i], sizeof lines[i], "{\"n\":%d}", i);
        snprintf(sigs[i], sizeof sigs[i], i % 10 == 0 ? "needle %d" : "hay %d", i);
        snprintf(srcs[i], sizeof srcs[i], "192.0.2.%d", i % 7);
        ev[i] = (vg_store_event){.event_id = ids[i], .ts_us = i, .event_type = "alert",
                                 .signature = sigs[i], .src_ip = srcs[i], .json = lines[i]};
    }
    char err[VG_ERRBUF_SIZE];
    size_t ins;
    VG_CHECK_EQ(vg_store_insert_events(st, ev, N, &ins, err), VG_OK);
    /* windows of 60 ids: pages hold what their window holds, and paging on
     * finds every match exactly once */
    int total = 0, pages = 0;
    int64_t before = 0, last = INT64_MAX;
    bool ordered = true;
    do {
        struct rows r = {0};
        vg_store_filter f = {.text = "needle", .before_id = before, .text_window = 60, .limit = 100};
        int64_t next = 0;
        VG_CHECK_EQ(vg_store_query_events(st, &f, collect, &r, &next, err), VG_OK);
        VG_CHECK(r.n <= 6);
        for (int i = 0; i < r.n; i++) {
            ordered &= r.ids[i] < last;
            last = r.ids[i];
        }
        total += r.n;
        pages++;
        before = next;
    } while (before && pages < 100);
    VG_CHECK_EQ(total, 25);
    VG_CHECK(pages >= 5); /* 250 ids in windows of 60 (more where ids start higher) */
    VG_CHECK(ordered);
    /* an address is matched exactly on either side, without a window */
    struct rows r = {0};
    vg_store_filter ip = {.text = "192.0.2.3", .text_window = 10, .limit = 1000};
    int64_t next = 0;
    VG_CHECK_EQ(vg_store_query_events(st, &ip, collect, &r, &next, err), VG_OK);
    VG_CHECK_EQ(r.n, 36); /* i % 7 == 3 for i < 250 */
    VG_CHECK_EQ(next, 0);
    vg_store_filter part = {.text = "192.0.2", .limit = 1000};
    int64_t n = 0;
    VG_CHECK_EQ(vg_store_count_events(st, &part, &n, err), VG_OK);
    VG_CHECK_EQ(n, N); /* a partial address is a substring search */
    done(st);
}

static void count_row(void *arg, int ncols, const char *const *vals)
{
    if (ncols == 1 && vals[0])
        *(int64_t *)arg = strtoll(vals[0], NULL, 10);
}

/* Enrolment tokens: one use, expiry, only the hash stored, bad names refused. */
static void enroll_tokens(void)
{
    vg_store *st = fresh();
    if (!st) {
        VG_CHECK(st != NULL);
        return;
    }
    char err[VG_ERRBUF_SIZE], tok[65], tok2[65], name[64], unit[64];
    int64_t now = 1767225600LL * 1000000;
    VG_CHECK(vg_enroll_issue(st, "bad name", "u1", now, tok, err) != VG_OK);
    VG_CHECK(vg_enroll_issue(st, "", "u1", now, tok, err) != VG_OK);
    VG_CHECK_EQ(vg_enroll_issue(st, "sensor-a", "u1", now, tok, err), VG_OK);
    VG_CHECK_EQ(vg_enroll_issue(st, "sensor-b", "", now, tok2, err), VG_OK);
    VG_CHECK_EQ(strlen(tok), 64);
    VG_CHECK(strcmp(tok, tok2) != 0);
    /* The token itself is not in the store, only its hash. */
    int64_t n = -1;
    const char *p[] = {tok};
    VG_CHECK_EQ(vg_store_exec(st, "SELECT count(*) FROM enroll_tokens WHERE hash = ?", p, 1,
                              count_row, &n, NULL, err), VG_OK);
    VG_CHECK_EQ(n, 0);
    VG_CHECK_EQ(vg_store_exec(st, "SELECT count(*) FROM enroll_tokens", NULL, 0, count_row, &n,
                              NULL, err), VG_OK);
    VG_CHECK_EQ(n, 2);
    VG_CHECK_EQ(vg_enroll_redeem(st, "0000", now, name, unit, err), VG_ENOENT);
    VG_CHECK_EQ(vg_enroll_redeem(st, tok, now + 1000000, name, unit, err), VG_OK);
    VG_CHECK_STR(name, "sensor-a");
    VG_CHECK_STR(unit, "u1");
    VG_CHECK_EQ(vg_enroll_redeem(st, tok, now + 2000000, name, unit, err), VG_ENOENT);
    /* Past its 24 h the second token is refused, even unused. */
    VG_CHECK_EQ(vg_enroll_redeem(st, tok2, now + (int64_t)VG_ENROLL_TTL_S * 1000000 + 1, name, unit,
                                 err), VG_ENOENT);
    done(st);
}

static void users_tokens_audit(void)
{
    vg_store *st = fresh();
    if (!st) {
        VG_CHECK(st != NULL);
        return;
    }
    char err[VG_ERRBUF_SIZE];
    vg_store_user u = {0}, got;
    snprintf(u.name, sizeof u.name, "analyst1");
    snprintf(u.role, sizeof u.role, "analyst");
    snprintf(u.unit, sizeof u.unit, "unit1");
    VG_CHECK_EQ(vg_password_hash("correct horse battery", u.pwhash, sizeof u.pwhash), VG_OK);
    VG_CHECK_EQ(vg_store_user_put(st, &u, err), VG_OK);
    VG_CHECK_EQ(vg_store_user_get(st, "analyst1", &got), VG_OK);
    VG_CHECK_STR(got.role, "analyst");
    VG_CHECK(vg_password_verify("correct horse battery", got.pwhash));
    VG_CHECK(!vg_password_verify("correct horse batterz", got.pwhash));
    VG_CHECK_EQ(vg_store_user_get(st, "nobody", &got), VG_ENOENT);
    char tok[65], hash[65];
    VG_CHECK_EQ(vg_token_new(tok, hash), VG_OK);
    VG_CHECK(strcmp(tok, hash) != 0); /* only the hash is stored */
    VG_CHECK_EQ(vg_store_token_put(st, hash, "analyst1", err), VG_OK);
    char h2[65];
    vg_token_hash(tok, h2);
    VG_CHECK_EQ(vg_store_token_user(st, h2, &got), VG_OK);
    VG_CHECK_STR(got.name, "analyst1");
    VG_CHECK_EQ(vg_store_token_user(st, "0000", &got), VG_ENOENT);
    VG_CHECK_EQ(vg_store_audit(st, "analyst1", "test", "detail"), VG_OK);
    done(st);
}

static void ingest_rejects_bad_lines(void)
{
    vg_ingest_batch b;
    char err[VG_ERRBUF_SIZE];
    const char bad[] = "{\"timestamp\":\"2024-05-01T08:00:00+0000\",\"event_type\":\"x\"}\n[1,2]\n";
    VG_CHECK_EQ(vg_ingest_parse(bad, sizeof bad - 1, "s", "", &b, err), VG_EINVAL);
    VG_CHECK(strstr(err, "line 2") != NULL);
    const char nots[] = "{\"event_type\":\"x\",\"timestamp\":\"yesterday\"}";
    VG_CHECK_EQ(vg_ingest_parse(nots, sizeof nots - 1, "s", "", &b, err), VG_EINVAL);
    const char trunc[] = "{\"event_type\":\"x\",";
    VG_CHECK_EQ(vg_ingest_parse(trunc, sizeof trunc - 1, "s", "", &b, err), VG_EINVAL);
}

static void ingest_redacts_secrets(void)
{
    const char line[] =
        "{\"timestamp\":\"2024-05-01T08:00:00+0000\",\"event_type\":\"http\",\"http\":{"
        "\"url\":\"/login?user=bob&password=hunter2&x=1\",\"request_headers\":["
        "{\"name\":\"Cookie\",\"value\":\"SESSION=abc\"},{\"name\":\"Host\",\"value\":\"a\"},"
        "{\"name\":\"authorization\",\"value\":\"Basic Ym9iOmh1bnRlcjI=\"}]}}";
    vg_ingest_batch b;
    char err[VG_ERRBUF_SIZE];
    VG_CHECK_EQ(vg_ingest_parse(line, sizeof line - 1, "s", "", &b, err), VG_OK);
    VG_CHECK_EQ(b.n, 1);
    if (b.n == 1) {
        const char *j = b.ev[0].json;
        VG_CHECK(strstr(j, "hunter2") == NULL);
        VG_CHECK(strstr(j, "SESSION=abc") == NULL);
        VG_CHECK(strstr(j, "Ym9iOmh1bnRlcjI") == NULL);
        VG_CHECK(strstr(j, "user=bob") != NULL);
        VG_CHECK(strstr(j, "\"value\":\"a\"") != NULL);
    }
    vg_ingest_free(&b);
}

static void timestamps(void)
{
    int64_t a, b2;
    VG_CHECK_EQ(vg_ingest_parse_ts("1970-01-01T00:00:01.000002+0000", &a), VG_OK);
    VG_CHECK_EQ(a, 1000002);
    VG_CHECK_EQ(vg_ingest_parse_ts("1970-01-01T07:00:01+07:00", &b2), VG_OK);
    VG_CHECK_EQ(b2, 1000000);
    VG_CHECK_EQ(vg_ingest_parse_ts("1970-13-01T00:00:00Z", &a), VG_EINVAL);
    VG_CHECK_EQ(vg_ingest_parse_ts("1970-01-01T00:00:00junk", &a), VG_EINVAL);
}

static const vg_test tests[] = {
    {"insert_is_idempotent", insert_is_idempotent},
    {"filters_and_scoping", filters_and_scoping},
    {"pagination_is_keyset", pagination_is_keyset},
    {"users_tokens_audit", users_tokens_audit},
    {"enroll_tokens", enroll_tokens},
    {"text_search_window", text_search_window},
    {"ingest_rejects_bad_lines", ingest_rejects_bad_lines},
    {"ingest_redacts_secrets", ingest_redacts_secrets},
    {"timestamps", timestamps},
    {"inventory_host_health", inventory_host_health},
    {"inventory_systems_schedule", inventory_systems_schedule},
    {"inventory_evidence", inventory_evidence},
    {"inventory_runs_and_state", inventory_runs_and_state},
    {"inventory_host_rate", inventory_host_rate},
    {"inventory_evidence_register", inventory_evidence_register},
    {"inventory_host_caps", inventory_host_caps},
    {"retention_by_level", retention_by_level},
    {"retention_estimate", retention_estimate},
    {"response_allowlist", response_allowlist},
    {"response_nft_argv", response_nft_argv},
    {"response_blocks", response_blocks},
    {"response_rules", response_rules},
    {"notify_rounds", notify_rounds},
    {"rollup_counts_new_events_once", rollup_counts_new_events_once},
    {"notify_mail_text", notify_mail_text},
    {"exceptions_match_at_ingest", exceptions_match_at_ingest},
    {"exceptions_validation", exceptions_validation},
    {"exceptions_audited", exceptions_audited},
    {"events_ack_and_flags", events_ack_and_flags},
    {"partitions_boundaries", partitions_boundaries},
    {"partitions_retention_drop", partitions_retention_drop},
    {"partitions_daily", partitions_daily},
    {"partitions_migrate", partitions_migrate},
    {"certs_pki_serials", certs_pki_serials},
    {"certs_register", certs_register},
    {NULL, NULL},
};

VG_TEST_MAIN(tests)
