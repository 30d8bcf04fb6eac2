/* inventory.c: units, systems, hosts, inspection state, schedule, evidence (see inventory.h). */
#include "server/inventory.h"
#include "server/inventory_int.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char ddl[] =
    "CREATE TABLE IF NOT EXISTS units ("
    " id %PK%, name TEXT NOT NULL UNIQUE, org TEXT NOT NULL DEFAULT '',"
    " parent TEXT NOT NULL DEFAULT '', created BIGINT NOT NULL);"
    "CREATE TABLE IF NOT EXISTS systems ("
    " id %PK%, name TEXT NOT NULL UNIQUE, unit TEXT NOT NULL DEFAULT '',"
    " level INTEGER NOT NULL, owner TEXT NOT NULL DEFAULT '', description TEXT NOT NULL DEFAULT '',"
    " retention_months INTEGER NOT NULL DEFAULT 0, last_inspection BIGINT NOT NULL DEFAULT 0,"
    " compliance_score INTEGER NOT NULL DEFAULT -1, compliance_passed INTEGER NOT NULL DEFAULT 0,"
    " compliance_failed INTEGER NOT NULL DEFAULT 0, compliance_ts BIGINT NOT NULL DEFAULT 0,"
    " created BIGINT NOT NULL, updated BIGINT NOT NULL);"
    "CREATE TABLE IF NOT EXISTS hosts ("
    " id %PK%, name TEXT NOT NULL UNIQUE, unit TEXT NOT NULL DEFAULT '',"
    " system TEXT NOT NULL DEFAULT '', kind TEXT NOT NULL DEFAULT 'agent',"
    " first_seen BIGINT NOT NULL, last_seen BIGINT NOT NULL, events BIGINT NOT NULL DEFAULT 0,"
    " last_inspection BIGINT NOT NULL DEFAULT 0, stats TEXT);"
    "CREATE TABLE IF NOT EXISTS sca_state ("
    " host TEXT NOT NULL, policy TEXT NOT NULL, check_id TEXT NOT NULL, result TEXT NOT NULL,"
    " title TEXT, ts BIGINT NOT NULL, PRIMARY KEY (host, policy, check_id));"
    "CREATE TABLE IF NOT EXISTS evidence ("
    " id %PK%, unit TEXT NOT NULL DEFAULT '', system TEXT NOT NULL DEFAULT '',"
    " control TEXT NOT NULL, document TEXT NOT NULL, doc_date TEXT NOT NULL DEFAULT '',"
    " signer TEXT NOT NULL DEFAULT '', due_date TEXT NOT NULL DEFAULT '',"
    " created BIGINT NOT NULL, created_by TEXT NOT NULL, updated BIGINT NOT NULL);"
    /* One row per inspection run (host, time of its events), recounted
     * from sca_state; `source` says where it came from (events, register,
     * manual). */
    "CREATE TABLE IF NOT EXISTS inspection_runs ("
    " host TEXT NOT NULL, ts BIGINT NOT NULL, system TEXT NOT NULL DEFAULT '',"
    " unit TEXT NOT NULL DEFAULT '', level INTEGER NOT NULL DEFAULT 0,"
    " passed INTEGER NOT NULL DEFAULT 0, failed INTEGER NOT NULL DEFAULT 0,"
    " other INTEGER NOT NULL DEFAULT 0, source TEXT NOT NULL DEFAULT 'events',"
    " PRIMARY KEY (host, ts));"
    "CREATE INDEX IF NOT EXISTS inspection_runs_system ON inspection_runs(system, ts);"
    "CREATE INDEX IF NOT EXISTS inspection_runs_unit ON inspection_runs(unit, ts);"
    "CREATE INDEX IF NOT EXISTS inspection_runs_ts ON inspection_runs(ts);"
    "CREATE TABLE IF NOT EXISTS web_state ("
    " host TEXT NOT NULL, url TEXT NOT NULL, ts BIGINT NOT NULL, status INTEGER NOT NULL DEFAULT 0,"
    " changed INTEGER NOT NULL DEFAULT 0, change_pct INTEGER NOT NULL DEFAULT 0,"
    " title TEXT NOT NULL DEFAULT '', error TEXT NOT NULL DEFAULT '', signs TEXT,"
    " PRIMARY KEY (host, url));"
    "CREATE TABLE IF NOT EXISTS inspect_schedule ("
    " system_id BIGINT PRIMARY KEY, months INTEGER NOT NULL DEFAULT 0,"
    " note TEXT NOT NULL DEFAULT '', updated BIGINT NOT NULL, updated_by TEXT NOT NULL);"
    "CREATE INDEX IF NOT EXISTS hosts_system ON hosts(system);"
    "CREATE INDEX IF NOT EXISTS hosts_unit ON hosts(unit);"
    "CREATE INDEX IF NOT EXISTS evidence_system ON evidence(system);"
    "CREATE INDEX IF NOT EXISTS evidence_unit ON evidence(unit, system)";

/* Columns added after the first release of a table: probed, then added. */
static const struct {
    const char *table, *column, *decl;
} added_columns[] = {
    {"evidence", "title", "TEXT NOT NULL DEFAULT ''"},
    {"evidence", "status", "TEXT NOT NULL DEFAULT 'open'"},
    {"evidence", "source", "TEXT NOT NULL DEFAULT 'server'"},
    {"evidence", "updated_by", "TEXT NOT NULL DEFAULT ''"},
    {"sca_state", "family", "TEXT NOT NULL DEFAULT ''"},
    {"hosts", "version", "TEXT NOT NULL DEFAULT ''"},
    {"hosts", "rate_start", "BIGINT NOT NULL DEFAULT 0"},
    {"hosts", "rate_events", "BIGINT NOT NULL DEFAULT 0"},
    {"hosts", "rate_mps", "BIGINT NOT NULL DEFAULT 0"},
    {"hosts", "sca_passed", "INTEGER NOT NULL DEFAULT 0"},
    {"hosts", "sca_failed", "INTEGER NOT NULL DEFAULT 0"},
    {"hosts", "sca_other", "INTEGER NOT NULL DEFAULT 0"},
};

/* Each host's count of its latest SCA results by kind, kept in its row so
 * that listings add up hosts rather than every check. */
#define SCA_RECOUNT                                                                              \
    "UPDATE hosts SET "                                                                          \
    "sca_passed = (SELECT count(*) FROM sca_state s WHERE s.host = hosts.name AND s.result = 'passed'), " \
    "sca_failed = (SELECT count(*) FROM sca_state s WHERE s.host = hosts.name AND s.result = 'failed'), " \
    "sca_other = (SELECT count(*) FROM sca_state s WHERE s.host = hosts.name "                  \
    "AND s.result <> 'passed' AND s.result <> 'failed')"

int vg_inventory_schema(vg_store *st, char *errbuf)
{
    int rc = vg_store_ddl(st, ddl, errbuf);
    for (size_t i = 0; rc == VG_OK && i < VG_ARRAY_LEN(added_columns); i++) {
        char sql[256];
        snprintf(sql, sizeof sql, "SELECT %s FROM %s WHERE 1 = 0", added_columns[i].column,
                 added_columns[i].table);
        if (vg_store_exec(st, sql, NULL, 0, NULL, NULL, NULL, NULL) == VG_OK)
            continue;
        snprintf(sql, sizeof sql, "ALTER TABLE %s ADD COLUMN %s %s", added_columns[i].table,
                 added_columns[i].column, added_columns[i].decl);
        rc = vg_store_exec(st, sql, NULL, 0, NULL, NULL, NULL, errbuf);
        if (rc == VG_OK && strcmp(added_columns[i].column, "sca_other") == 0)
            rc = vg_store_exec(st, SCA_RECOUNT, NULL, 0, NULL, NULL, NULL, errbuf); /* older stores */
    }
    return rc;
}

int vg_inventory_cadence_months(int level) { return level == 5 ? 6 : 12; }

int64_t vg_inventory_add_months(int64_t t_us, int months)
{
    time_t tt = (time_t)(t_us / 1000000);
    struct tm tm;
    gmtime_r(&tt, &tm);
    int day = tm.tm_mday;
    tm.tm_mon += months;
    tm.tm_mday = 1;
    time_t first = timegm(&tm);
    gmtime_r(&first, &tm);
    static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int y = tm.tm_year + 1900;
    int last = mdays[tm.tm_mon] + (tm.tm_mon == 1 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0));
    tm.tm_mday = day > last ? last : day;
    return (int64_t)timegm(&tm) * 1000000 + t_us % 1000000;
}

int vg_retention_min_months(int level)
{
    static const int m[] = {1, 1, 1, 3, 6, 12};
    return level >= 1 && level <= 5 ? m[level] : 1;
}

bool vg_inventory_valid_date(const char *s)
{
    int y, m, d, n = 0;
    if (!s || strlen(s) != 10 || sscanf(s, "%4d-%2d-%2d%n", &y, &m, &d, &n) != 3 || n != 10)
        return false;
    return s[4] == '-' && s[7] == '-' && y >= 1970 && m >= 1 && m <= 12 && d >= 1 && d <= 31;
}

void vg_inv_i64s(char *b, size_t cap, int64_t v) { snprintf(b, cap, "%" PRId64, v); }

/* ---- rows to JSON ---------------------------------------------------- */

/* Column spec: "s:name" string, "i:name" integer, "t:name" time (µs → ISO,
 * 0/NULL → null), "j:name" JSON text (invalid → null). */
typedef struct rowset {
    const char *const *cols;
    int ncols;
    json_t *arr;
} rowset;

static json_t *ts_json(int64_t us)
{
    if (us <= 0)
        return json_null();
    time_t t = (time_t)(us / 1000000);
    struct tm tm;
    gmtime_r(&t, &tm);
    char b[40];
    strftime(b, sizeof b, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return json_string(b);
}

static void rowset_add(void *arg, int n, const char *const *v)
{
    rowset *rs = arg;
    json_t *o = json_object();
    for (int i = 0; i < rs->ncols && i < n; i++) {
        const char *c = rs->cols[i];
        json_t *x;
        if (!v[i])
            x = json_null();
        else if (c[0] == 'i')
            x = json_integer(strtoll(v[i], NULL, 10));
        else if (c[0] == 't')
            x = ts_json(strtoll(v[i], NULL, 10));
        else if (c[0] == 'j') {
            json_error_t e;
            x = json_loads(v[i], 0, &e);
            if (!x)
                x = json_null();
        } else
            x = json_string(v[i]);
        json_object_set_new(o, c + 2, x);
    }
    json_array_append_new(rs->arr, o);
}

json_t *vg_inv_query(vg_store *st, const char *sql, const char *const *p, int np,
                     const char *const *cols, int ncols, char *errbuf)
{
    rowset rs = {cols, ncols, json_array()};
    if (vg_store_exec(st, sql, p, np, rowset_add, &rs, NULL, errbuf) != VG_OK) {
        json_decref(rs.arr);
        return NULL;
    }
    return rs.arr;
}

void vg_inv_first_int(void *arg, int n, const char *const *v)
{
    if (n > 0 && v[0])
        *(int64_t *)arg = strtoll(v[0], NULL, 10);
}

void vg_inv_first_str(void *arg, int n, const char *const *v)
{
    char *out = arg;
    if (n > 0 && v[0])
        snprintf(out, 128, "%s", v[0]);
}

void vg_inventory_host_system(vg_store *st, const char *account, char *out)
{
    out[0] = '\0';
    (void)!vg_store_exec(st, "SELECT system FROM hosts WHERE name = ?",
                         (const char *const[]){account}, 1, vg_inv_first_str, out, NULL, NULL);
}

/* ---- ingest side ---------------------------------------------------- */

static json_t *event_obj(const vg_store_event *e, const char *key)
{
    json_error_t je;
    json_t *root = json_loads(e->json, 0, &je);
    json_t *o = json_object_get(root, key);
    if (!json_is_object(o)) {
        json_decref(root);
        return NULL;
    }
    json_incref(o);
    json_decref(root);
    return o;
}

int vg_inv_bump_inspection(vg_store *st, const char *host_system, const char *ts, char *errbuf)
{
    if (!host_system[0])
        return VG_OK;
    const char *p[] = {ts, ts, ts, host_system};
    return vg_store_exec(st,
                         "UPDATE systems SET last_inspection = CASE WHEN last_inspection < ? "
                         "THEN ? ELSE last_inspection END, updated = ? WHERE name = ?",
                         p, 4, NULL, NULL, NULL, errbuf);
}

/* A short printable version string, or NULL. */
static const char *version_of(json_t *o)
{
    const char *v = json_string_value(json_object_get(o, "version"));
    if (!v || !v[0] || strlen(v) > 32)
        return NULL;
    for (const char *p = v; *p; p++)
        if ((unsigned char)*p < 0x21 || (unsigned char)*p > 0x7e)
            return NULL;
    return v;
}

static int set_version(vg_store *st, const char *account, json_t *o, char *errbuf)
{
    const char *v = version_of(o);
    if (!v)
        return VG_OK;
    return vg_store_exec(st, "UPDATE hosts SET version = ? WHERE name = ?",
                         (const char *const[]){v, account}, 2, NULL, NULL, NULL, errbuf);
}

static int ingest_compliance(vg_store *st, const char *account, const char *unit,
                             const char *host_system, const vg_store_event *e, char *errbuf)
{
    json_t *c = event_obj(e, "compliance");
    if (!c)
        return VG_OK;
    int rc = set_version(st, account, c, errbuf);
    const char *sys = json_string_value(json_object_get(c, "system"));
    if (!sys || !sys[0])
        sys = host_system;
    json_t *sc = json_object_get(c, "score");
    /* Only a summary (a numeric score) sets the state: overdue notices do not. */
    if (rc == VG_OK && sys[0] && json_is_number(sc)) {
        char ts[24], score[24], pass[24], fail[24];
        vg_inv_i64s(ts, sizeof ts, e->ts_us);
        double d = json_number_value(sc);
        vg_inv_i64s(score, sizeof score, d < 0 ? 0 : d > 100 ? 100 : (int64_t)d);
        vg_inv_i64s(pass, sizeof pass, json_integer_value(json_object_get(c, "passed")));
        vg_inv_i64s(fail, sizeof fail, json_integer_value(json_object_get(c, "failed")));
        /* Only the newest summary counts; a sender only reaches its unit's systems. */
        const char *p[] = {score, pass, fail, ts, ts, ts, ts, ts, sys, unit, unit};
        rc = vg_store_exec(st,
                           "UPDATE systems SET compliance_score = ?, compliance_passed = ?, "
                           "compliance_failed = ?, compliance_ts = ?, last_inspection = "
                           "CASE WHEN last_inspection < ? THEN ? ELSE last_inspection END, "
                           "updated = ? WHERE compliance_ts <= ? AND name = ? "
                           "AND (? = '' OR unit = ?)",
                           p, 11, NULL, NULL, NULL, errbuf);
    }
    json_decref(c);
    return rc;
}

/* The family of a check: the prefix of its control ("LOG-02" → "LOG"), of
 * a vigil check id ("VN-HOST-01-1" → "HOST"), else the policy id. */
static void check_family(json_t *chk, const char *policy, const char *id, char out[64])
{
    const char *c = json_string_value(json_object_get(chk, "control"));
    const char *src = NULL;
    if (c && c[0])
        src = c;
    else if (strncmp(id, "VN-", 3) == 0 && id[3])
        src = id + 3;
    if (src) {
        size_t n = strcspn(src, "-");
        if (n > 0 && n < 32) {
            for (size_t i = 0; i < n; i++)
                out[i] = (char)toupper((unsigned char)src[i]);
            out[n] = '\0';
            return;
        }
    }
    snprintf(out, 64, "%.63s", policy);
}

static int ingest_sca(vg_store *st, const char *account, const char *host_system,
                      const vg_store_event *e, char *errbuf)
{
    json_t *s = event_obj(e, "sca");
    if (!s)
        return VG_OK;
    json_t *chk = json_object_get(s, "check");
    const char *policy = json_string_value(json_object_get(s, "policy"));
    const char *id = json_string_value(json_object_get(chk, "id"));
    const char *result = json_string_value(json_object_get(chk, "result"));
    const char *title = json_string_value(json_object_get(chk, "title"));
    int rc = VG_OK;
    if (policy && id && result && strlen(policy) < 256 && strlen(id) < 256 && strlen(result) < 32) {
        char ts[24], fam[64];
        vg_inv_i64s(ts, sizeof ts, e->ts_us);
        check_family(chk, policy, id, fam);
        const char *p[] = {account, policy, id, result, title, ts, fam};
        rc = vg_store_exec(st,
                           "INSERT INTO sca_state(host, policy, check_id, result, title, ts, family) "
                           "VALUES(?,?,?,?,?,?,?) ON CONFLICT (host, policy, check_id) DO UPDATE SET "
                           "result = excluded.result, title = excluded.title, ts = excluded.ts, "
                           "family = excluded.family WHERE sca_state.ts <= excluded.ts",
                           p, 7, NULL, NULL, NULL, errbuf);
        if (rc == VG_OK) {
            const char *q[] = {ts, ts, account};
            rc = vg_store_exec(st,
                               "UPDATE hosts SET last_inspection = CASE WHEN last_inspection < ? "
                               "THEN ? ELSE last_inspection END WHERE name = ?",
                               q, 3, NULL, NULL, NULL, errbuf);
        }
        if (rc == VG_OK)
            rc = vg_inv_bump_inspection(st, host_system, ts, errbuf);
    }
    json_decref(s);
    return rc;
}

/* Recount one run (host, ts) from sca_state: idempotent. */
static int recount_run(vg_store *st, const char *account, const char *unit, const char *sys,
                       int64_t ts_us, char *errbuf)
{
    char ts[24];
    vg_inv_i64s(ts, sizeof ts, ts_us);
    json_t *rows = vg_inv_query(st, "SELECT result, count(*) FROM sca_state WHERE host = ? AND ts = ? "
                             "GROUP BY result",
                         (const char *const[]){account, ts}, 2,
                         (const char *const[]){"s:r", "i:n"}, 2, errbuf);
    if (!rows)
        return VG_EIO;
    int64_t pass = 0, fail = 0, other = 0;
    size_t i;
    json_t *r;
    json_array_foreach(rows, i, r) {
        const char *res = json_string_value(json_object_get(r, "r"));
        int64_t n = json_integer_value(json_object_get(r, "n"));
        if (res && strcmp(res, "passed") == 0)
            pass += n;
        else if (res && strcmp(res, "failed") == 0)
            fail += n;
        else
            other += n;
    }
    json_decref(rows);
    char ps[24], fs[24], os[24];
    vg_inv_i64s(ps, sizeof ps, pass);
    vg_inv_i64s(fs, sizeof fs, fail);
    vg_inv_i64s(os, sizeof os, other);
    const char *p[] = {account, ts, sys, unit, ps, fs, os};
    return vg_store_exec(st,
                         "INSERT INTO inspection_runs(host, ts, system, unit, passed, failed, other, "
                         "source) VALUES(?,?,?,?,?,?,?,'events') ON CONFLICT (host, ts) DO UPDATE SET "
                         "system = excluded.system, passed = excluded.passed, "
                         "failed = excluded.failed, other = excluded.other",
                         p, 7, NULL, NULL, NULL, errbuf);
}

static int ingest_web(vg_store *st, const char *account, const vg_store_event *e, char *errbuf)
{
    json_t *w = event_obj(e, "web");
    if (!w)
        return VG_OK;
    const char *url = json_string_value(json_object_get(w, "url"));
    int rc = VG_OK;
    if (url && url[0] && strlen(url) <= 2048) {
        char ts[24], status[24], pct[24];
        vg_inv_i64s(ts, sizeof ts, e->ts_us);
        vg_inv_i64s(status, sizeof status, json_integer_value(json_object_get(w, "status")));
        vg_inv_i64s(pct, sizeof pct, json_integer_value(json_object_get(w, "change_pct")));
        const char *title = json_string_value(json_object_get(w, "title"));
        const char *error = json_string_value(json_object_get(w, "error"));
        json_t *signs = json_object_get(w, "signs");
        char *sj = json_is_array(signs) ? json_dumps(signs, JSON_COMPACT) : NULL;
        if (sj && strlen(sj) > 8192) {
            free(sj);
            sj = strdup("[{\"sign\":\"too_many_signs\",\"detail\":\"list over 8 KiB\"}]");
        }
        char tb[256], eb[256];
        snprintf(tb, sizeof tb, "%.255s", title ? title : "");
        snprintf(eb, sizeof eb, "%.255s", error ? error : "");
        const char *p[] = {account, url, ts, status, json_is_true(json_object_get(w, "changed")) ? "1" : "0",
                           pct, tb, eb, sj ? sj : "[]"};
        rc = vg_store_exec(st,
                           "INSERT INTO web_state(host, url, ts, status, changed, change_pct, title, "
                           "error, signs) VALUES(?,?,?,?,?,?,?,?,?) ON CONFLICT (host, url) DO UPDATE "
                           "SET ts = excluded.ts, status = excluded.status, changed = excluded.changed, "
                           "change_pct = excluded.change_pct, title = excluded.title, "
                           "error = excluded.error, signs = excluded.signs "
                           "WHERE web_state.ts <= excluded.ts",
                           p, 9, NULL, NULL, NULL, errbuf);
        free(sj);
    }
    json_decref(w);
    return rc;
}

#define MAX_RUNS_PER_BATCH 16

/* A sender cannot grow its derived rows without bound: past a cap, its
 * oldest check results, websites and runs go (checked only when the count
 * is over the cap; each statement walks one host's primary-key range). */
static const struct {
    const char *count, *trim;
    int cap;
} host_caps[] = {
    {"SELECT count(*) FROM sca_state WHERE host = ?",
     "DELETE FROM sca_state WHERE host = ? AND (policy, check_id) NOT IN (SELECT policy, check_id "
     "FROM sca_state WHERE host = ? ORDER BY ts DESC, policy, check_id LIMIT ?)",
     VG_INV_MAX_CHECKS_PER_HOST},
    {"SELECT count(*) FROM web_state WHERE host = ?",
     "DELETE FROM web_state WHERE host = ? AND url NOT IN (SELECT url FROM web_state "
     "WHERE host = ? ORDER BY ts DESC, url LIMIT ?)",
     VG_INV_MAX_URLS_PER_HOST},
    {"SELECT count(*) FROM inspection_runs WHERE host = ?",
     "DELETE FROM inspection_runs WHERE host = ? AND ts NOT IN (SELECT ts FROM inspection_runs "
     "WHERE host = ? ORDER BY ts DESC LIMIT ?)",
     VG_INV_MAX_RUNS_PER_HOST},
};

static int cap_host_rows(vg_store *st, const char *account, char *errbuf)
{
    int rc = VG_OK;
    for (size_t i = 0; rc == VG_OK && i < VG_ARRAY_LEN(host_caps); i++) {
        int64_t n = 0;
        rc = vg_store_exec(st, host_caps[i].count, (const char *const[]){account}, 1,
                           vg_inv_first_int, &n, NULL, errbuf);
        if (rc != VG_OK || n <= host_caps[i].cap)
            continue;
        char cap[16];
        snprintf(cap, sizeof cap, "%d", host_caps[i].cap);
        rc = vg_store_exec(st, host_caps[i].trim, (const char *const[]){account, account, cap}, 3,
                           NULL, NULL, NULL, errbuf);
    }
    return rc;
}
#define RATE_WINDOW_US "300000000"

int vg_inventory_ingest(vg_store *st, const char *account, const char *unit,
                        const vg_store_event *ev, size_t n, int64_t now_us, char *errbuf)
{
    if (!account || !account[0] || !n)
        return VG_OK;
    unit = unit ? unit : "";
    const vg_store_event *stats = NULL;
    bool inspect = false;
    for (size_t i = 0; i < n; i++) {
        const char *t = ev[i].event_type ? ev[i].event_type : "";
        if (strcmp(t, "stats") == 0 && (!stats || ev[i].ts_us >= stats->ts_us))
            stats = &ev[i];
        else if (strcmp(t, "sca") == 0 || strcmp(t, "compliance") == 0 || strcmp(t, "web") == 0)
            inspect = true;
    }
    char now[24], cnt[24];
    vg_inv_i64s(now, sizeof now, now_us);
    vg_inv_i64s(cnt, sizeof cnt, (int64_t)n);
    if (vg_store_begin(st) != VG_OK)
        return vg_err(errbuf, VG_EIO, "inventory: cannot begin");
    /* The rate: events of the current window over its length, moved to
     * rate_mps (events per 1,000 s) when the window is 5 minutes old. */
    const char *p[] = {account, unit, stats ? "sensor" : "agent", now, now, cnt, now, cnt};
    int rc = vg_store_exec(
        st,
        "INSERT INTO hosts(name, unit, kind, first_seen, last_seen, events, rate_start, rate_events) "
        "VALUES(?,?,?,?,?,?,?,?) ON CONFLICT (name) DO UPDATE SET "
        "last_seen = excluded.last_seen, events = hosts.events + excluded.events, "
        "kind = CASE WHEN excluded.kind = 'sensor' THEN 'sensor' ELSE hosts.kind END, "
        "rate_mps = CASE WHEN excluded.last_seen - hosts.rate_start >= " RATE_WINDOW_US
        " THEN hosts.rate_events * 1000000000 / (excluded.last_seen - hosts.rate_start) "
        "ELSE hosts.rate_mps END, "
        "rate_events = CASE WHEN excluded.last_seen - hosts.rate_start >= " RATE_WINDOW_US
        " THEN excluded.rate_events ELSE hosts.rate_events + excluded.rate_events END, "
        "rate_start = CASE WHEN excluded.last_seen - hosts.rate_start >= " RATE_WINDOW_US
        " THEN excluded.rate_start ELSE hosts.rate_start END",
        p, 8, NULL, NULL, NULL, errbuf);
    if (rc == VG_OK && stats) {
        json_t *o = event_obj(stats, "stats");
        char *js = o ? json_dumps(o, JSON_COMPACT) : NULL;
        if (js && strlen(js) <= VG_INV_MAX_STATS) {
            const char *q[] = {js, account};
            rc = vg_store_exec(st, "UPDATE hosts SET stats = ? WHERE name = ?", q, 2, NULL, NULL,
                               NULL, errbuf);
        }
        if (rc == VG_OK)
            rc = set_version(st, account, o, errbuf);
        json_decref(o);
        free(js);
    }
    if (rc == VG_OK && inspect) {
        char sys[128] = "";
        vg_inventory_host_system(st, account, sys);
        /* A run's events are contiguous in a batch: it is recounted when
         * the next run starts, before newer results replace its rows. */
        int64_t run = 0;
        size_t recounts = 0;
        for (size_t i = 0; rc == VG_OK && i < n; i++) {
            const char *t = ev[i].event_type ? ev[i].event_type : "";
            if (strcmp(t, "sca") == 0) {
                if (run && run != ev[i].ts_us && recounts++ < MAX_RUNS_PER_BATCH)
                    rc = recount_run(st, account, unit, sys, run, errbuf);
                run = ev[i].ts_us;
                if (rc == VG_OK)
                    rc = ingest_sca(st, account, sys, &ev[i], errbuf);
            } else if (strcmp(t, "compliance") == 0) {
                rc = ingest_compliance(st, account, unit, sys, &ev[i], errbuf);
            } else if (strcmp(t, "web") == 0) {
                rc = ingest_web(st, account, &ev[i], errbuf);
            }
        }
        if (rc == VG_OK && run)
            rc = recount_run(st, account, unit, sys, run, errbuf);
        if (rc == VG_OK)
            rc = cap_host_rows(st, account, errbuf);
        if (rc == VG_OK && run)
            rc = vg_store_exec(st, SCA_RECOUNT " WHERE name = ?", (const char *const[]){account}, 1,
                               NULL, NULL, NULL, errbuf);
    }
    if (rc == VG_OK)
        rc = vg_store_commit(st) == VG_OK ? VG_OK : vg_err(errbuf, VG_EIO, "inventory: commit");
    else
        vg_store_rollback(st);
    return rc;
}

/* ---- reads ------------------------------------------------------------ */

json_t *vg_inventory_units(vg_store *st, const char *unit, char *errbuf)
{
    static const char *const cols[] = {"i:id", "s:name", "s:org", "s:parent", "t:created"};
    const char *p[] = {unit};
    bool scoped = unit && unit[0];
    return vg_inv_query(st, scoped ? "SELECT id, name, org, parent, created FROM units WHERE name = ? ORDER BY name"
                            : "SELECT id, name, org, parent, created FROM units ORDER BY name",
                 p, scoped ? 1 : 0, cols, 5, errbuf);
}

#define SYS_COLS "s.id, s.name, s.unit, s.level, s.owner, s.description, s.retention_months, " \
                 "s.last_inspection, s.compliance_score, s.compliance_passed, s.compliance_failed, " \
                 "s.compliance_ts, s.created, s.updated, COALESCE(k.months, 0), k.note"
#define SYS_FROM " FROM systems s LEFT JOIN inspect_schedule k ON k.system_id = s.id"
static const char *const sys_cols[] = {
    "i:id", "s:name", "s:unit", "i:level", "s:owner", "s:description", "i:retention_months",
    "i:last_inspection_us", "i:compliance_score", "i:compliance_passed", "i:compliance_failed",
    "t:compliance_time", "t:created", "t:updated", "i:schedule_months", "s:schedule_note"};
#define SYS_NCOLS 16

/* Per-system aggregates gathered in one vg_inv_query each, keyed by system name. */
typedef struct sys_aggr {
    json_t *sca;       /* name -> {"passed", "failed", "other"} */
    json_t *hosts;     /* name -> {"hosts", "hosts_ok"} */
    json_t *evidence;  /* name -> {"total", "provided", "overdue"} */
} sys_aggr;

static void aggr_add(json_t *map, const char *name, const char *key, int64_t n)
{
    json_t *o = json_object_get(map, name);
    if (!o) {
        o = json_object();
        json_object_set_new(map, name, o);
    }
    json_object_set_new(o, key, json_integer(json_integer_value(json_object_get(o, key)) + n));
}

static void host_aggr_row(void *arg, int n, const char *const *v)
{
    sys_aggr *a = arg;
    if (n < 6 || !v[0])
        return;
    aggr_add(a->hosts, v[0], "hosts", strtoll(v[1] ? v[1] : "0", NULL, 10));
    aggr_add(a->hosts, v[0], "hosts_ok", strtoll(v[2] ? v[2] : "0", NULL, 10));
    aggr_add(a->sca, v[0], "passed", strtoll(v[3] ? v[3] : "0", NULL, 10));
    aggr_add(a->sca, v[0], "failed", strtoll(v[4] ? v[4] : "0", NULL, 10));
    aggr_add(a->sca, v[0], "other", strtoll(v[5] ? v[5] : "0", NULL, 10));
}

static void ev_aggr_row(void *arg, int n, const char *const *v)
{
    if (n < 4 || !v[0])
        return;
    aggr_add(arg, v[0], "total", strtoll(v[1] ? v[1] : "0", NULL, 10));
    aggr_add(arg, v[0], "provided", strtoll(v[2] ? v[2] : "0", NULL, 10));
    aggr_add(arg, v[0], "overdue", strtoll(v[3] ? v[3] : "0", NULL, 10));
}

/* Aggregates for the systems of unit ("" = all), or of one system. */
static void aggr_load(vg_store *st, sys_aggr *a, const char *unit, const char *system,
                      int64_t now_us, const char *today)
{
    a->sca = json_object();
    a->hosts = json_object();
    a->evidence = json_object();
    char fresh[24];
    vg_inv_i64s(fresh, sizeof fresh, now_us - 600LL * 1000000);
    const char *u = unit ? unit : "", *s = system ? system : "";
    (void)!vg_store_exec(st,
                         "SELECT system, count(*), sum(CASE WHEN last_seen >= ? THEN 1 ELSE 0 END), "
                         "sum(sca_passed), sum(sca_failed), sum(sca_other) "
                         "FROM hosts WHERE system <> '' AND (? = '' OR unit = ?) "
                         "AND (? = '' OR system = ?) GROUP BY system",
                         (const char *const[]){fresh, u, u, s, s}, 5, host_aggr_row, a, NULL, NULL);
    (void)!vg_store_exec(st,
                         "SELECT system, count(*), sum(CASE WHEN status = 'provided' THEN 1 ELSE 0 END), "
                         "sum(CASE WHEN due_date <> '' AND due_date < ? AND status <> 'not_applicable' "
                         "THEN 1 ELSE 0 END) FROM evidence WHERE (? = '' OR unit = ?) "
                         "AND (? = '' OR system = ?) GROUP BY system",
                         (const char *const[]){today, u, u, s, s}, 5, ev_aggr_row, a->evidence, NULL,
                         NULL);
}

static void aggr_free(sys_aggr *a)
{
    json_decref(a->sca);
    json_decref(a->hosts);
    json_decref(a->evidence);
}

static int64_t aggr_get(json_t *map, const char *name, const char *key)
{
    return json_integer_value(json_object_get(json_object_get(map, name), key));
}

/* Add schedule, SCA state, compliance %, hosts and evidence counts to one
 * system object; warnings (when not NULL) get its overdue items. */
static void decorate(json_t *sys, const sys_aggr *a, int64_t now_us, json_t *warnings)
{
    const char *name = json_string_value(json_object_get(sys, "name"));
    int level = (int)json_integer_value(json_object_get(sys, "level"));
    int64_t last = json_integer_value(json_object_get(sys, "last_inspection_us"));
    int over = (int)json_integer_value(json_object_get(sys, "schedule_months"));
    int months = over > 0 ? over : vg_inventory_cadence_months(level);
    bool required = level >= 3 || over > 0;
    json_object_set_new(sys, "last_inspection", ts_json(last));
    json_object_set_new(sys, "inspection_interval_months", json_integer(months));
    json_object_set_new(sys, "inspection_required", json_boolean(required));
    json_object_set_new(sys, "schedule_months", over > 0 ? json_integer(over) : json_null());
    int64_t due = last ? vg_inventory_add_months(last, months) : 0;
    json_object_set_new(sys, "next_inspection", last ? ts_json(due) : json_string("now"));
    json_object_set_new(sys, "next_inspection_us", json_integer(last ? due : now_us));
    bool overdue = required && (!last || due < now_us);
    int64_t days = overdue && last ? (now_us - due) / (86400LL * 1000000) : 0;
    json_object_set_new(sys, "inspection_overdue", json_boolean(overdue));
    json_object_set_new(sys, "days_overdue", json_integer(days));
    if (overdue && warnings) {
        char w[300], d[40] = "";
        if (last)
            snprintf(d, sizeof d, "%s", json_string_value(json_object_get(sys, "next_inspection")));
        if (last)
            snprintf(w, sizeof w, "system %s (level %d): inspection overdue since %.10s (%lld days)",
                     name, level, d, (long long)days);
        else
            snprintf(w, sizeof w, "system %s (level %d): never inspected", name, level);
        json_array_append_new(warnings, json_pack("{ss ss ss sI}", "system", name, "kind",
                                                  "inspection_overdue", "message", w, "days",
                                                  (json_int_t)days));
    }
    int rm = (int)json_integer_value(json_object_get(sys, "retention_months"));
    json_object_set_new(sys, "retention_effective_months",
                        json_integer(rm > 0 ? rm : vg_retention_min_months(level)));
    int64_t pass = aggr_get(a->sca, name, "passed"), fail = aggr_get(a->sca, name, "failed");
    json_object_set_new(sys, "hosts", json_integer(aggr_get(a->hosts, name, "hosts")));
    json_object_set_new(sys, "hosts_ok", json_integer(aggr_get(a->hosts, name, "hosts_ok")));
    json_object_set_new(sys, "sca", json_pack("{sI sI sI}", "passed", (json_int_t)pass, "failed",
                                              (json_int_t)fail, "other",
                                              (json_int_t)aggr_get(a->sca, name, "other")));
    /* Compliance %: the newest summary event, else the latest check results. */
    int64_t score = json_integer_value(json_object_get(sys, "compliance_score"));
    json_t *pct = score >= 0 ? json_integer(score)
                  : pass + fail > 0 ? json_integer((pass * 100 + (pass + fail) / 2) / (pass + fail))
                                    : json_null();
    json_object_set_new(sys, "compliance_pct", pct);
    int64_t eo = aggr_get(a->evidence, name, "overdue");
    json_object_set_new(sys, "evidence", json_pack("{sI sI sI}", "total",
                                                   (json_int_t)aggr_get(a->evidence, name, "total"),
                                                   "provided",
                                                   (json_int_t)aggr_get(a->evidence, name, "provided"),
                                                   "overdue", (json_int_t)eo));
    if (eo && warnings) {
        char w[300];
        snprintf(w, sizeof w, "system %s: %lld evidence item(s) past their due date", name,
                 (long long)eo);
        json_array_append_new(warnings, json_pack("{ss ss ss sI}", "system", name, "kind",
                                                  "evidence_overdue", "message", w, "count",
                                                  (json_int_t)eo));
    }
}

json_t *vg_inventory_systems(vg_store *st, const char *unit, int64_t now_us, const char *today,
                             char *errbuf)
{
    const char *p[] = {unit};
    bool scoped = unit && unit[0];
    json_t *arr = vg_inv_query(st, scoped ? "SELECT " SYS_COLS SYS_FROM " WHERE s.unit = ? ORDER BY s.name"
                                   : "SELECT " SYS_COLS SYS_FROM " ORDER BY s.name",
                        p, scoped ? 1 : 0, sys_cols, SYS_NCOLS, errbuf);
    if (!arr)
        return NULL;
    sys_aggr a;
    aggr_load(st, &a, unit, NULL, now_us, today);
    json_t *warn = json_array();
    size_t i;
    json_t *s;
    json_array_foreach(arr, i, s) decorate(s, &a, now_us, warn);
    aggr_free(&a);
    return json_pack("{so so}", "systems", arr, "warnings", warn);
}

/* One visible system row, decorated, or NULL. */
static json_t *system_row(vg_store *st, const char *unit, int64_t id, int64_t now_us,
                          const char *today, json_t *warnings, char *errbuf)
{
    char ids[24];
    vg_inv_i64s(ids, sizeof ids, id);
    const char *p[] = {ids, unit};
    bool scoped = unit && unit[0];
    json_t *arr = vg_inv_query(st, scoped ? "SELECT " SYS_COLS SYS_FROM " WHERE s.id = ? AND s.unit = ?"
                                   : "SELECT " SYS_COLS SYS_FROM " WHERE s.id = ?",
                        p, scoped ? 2 : 1, sys_cols, SYS_NCOLS, errbuf);
    if (!arr || json_array_size(arr) != 1) {
        json_decref(arr);
        return NULL;
    }
    json_t *s = json_incref(json_array_get(arr, 0));
    json_decref(arr);
    sys_aggr a;
    aggr_load(st, &a, "", json_string_value(json_object_get(s, "name")), now_us, today);
    decorate(s, &a, now_us, warnings);
    aggr_free(&a);
    return s;
}

static json_t *runs_of(vg_store *st, const char *system, int limit)
{
    static const char *const cols[] = {"s:host", "t:time", "i:time_us", "i:level", "i:passed",
                                       "i:failed", "i:other", "s:source"};
    char lim[16];
    snprintf(lim, sizeof lim, "%d", limit);
    json_t *a = vg_inv_query(st, "SELECT host, ts, ts, level, passed, failed, other, source FROM inspection_runs "
                          "WHERE system = ? ORDER BY ts DESC LIMIT ?",
                      (const char *const[]){system, lim}, 2, cols, 8, NULL);
    return a ? a : json_array();
}

typedef struct fam_acc {
    json_t *by;   /* family -> {"family", "passed", "failed", "other"} */
} fam_acc;

static void fam_row(void *arg, int n, const char *const *v)
{
    if (n < 3 || !v[1])
        return;
    fam_acc *f = arg;
    const char *fam = v[0] && v[0][0] ? v[0] : "-";
    json_t *o = json_object_get(f->by, fam);
    if (!o) {
        o = json_pack("{ss sI sI sI}", "family", fam, "passed", (json_int_t)0, "failed",
                      (json_int_t)0, "other", (json_int_t)0);
        json_object_set_new(f->by, fam, o);
    }
    const char *k = strcmp(v[1], "passed") == 0 ? "passed" : strcmp(v[1], "failed") == 0 ? "failed" : "other";
    json_object_set_new(o, k, json_integer(json_integer_value(json_object_get(o, k)) +
                                           strtoll(v[2] ? v[2] : "0", NULL, 10)));
}

static json_t *families_of(vg_store *st, const char *system)
{
    fam_acc f = {json_object()};
    (void)!vg_store_exec(st,
                         "SELECT r.family, r.result, count(*) FROM hosts h JOIN sca_state r "
                         "ON r.host = h.name WHERE h.system = ? GROUP BY r.family, r.result",
                         (const char *const[]){system}, 1, fam_row, &f, NULL, NULL);
    json_t *arr = json_array();
    const char *k;
    json_t *o;
    json_object_foreach(f.by, k, o) {
        int64_t p = json_integer_value(json_object_get(o, "passed"));
        int64_t x = json_integer_value(json_object_get(o, "failed"));
        json_object_set_new(o, "pct", p + x ? json_integer((p * 100 + (p + x) / 2) / (p + x))
                                            : json_null());
        json_array_append(arr, o);
    }
    json_decref(f.by);
    return arr;
}

static json_t *web_of(vg_store *st, const char *system)
{
    static const char *const cols[] = {"s:host", "s:url", "t:time", "i:status", "i:changed",
                                       "i:change_pct", "s:title", "s:error", "j:signs"};
    json_t *a = vg_inv_query(st, "SELECT w.host, w.url, w.ts, w.status, w.changed, w.change_pct, w.title, "
                          "w.error, w.signs FROM hosts h JOIN web_state w ON w.host = h.name "
                          "WHERE h.system = ? ORDER BY w.url, w.host LIMIT 200",
                      (const char *const[]){system}, 1, cols, 9, NULL);
    if (!a)
        return json_array();
    size_t i;
    json_t *w;
    json_array_foreach(a, i, w) {
        int64_t status = json_integer_value(json_object_get(w, "status"));
        size_t ns = json_array_size(json_object_get(w, "signs"));
        const char *state = ns ? "alert" : (status >= 200 && status < 400) ? "ok" : "error";
        json_object_set_new(w, "state", json_string(state));
        json_object_set_new(w, "changed", json_boolean(json_integer_value(json_object_get(w, "changed"))));
    }
    return a;
}

json_t *vg_inventory_system(vg_store *st, const char *unit, int64_t id, int64_t now_us,
                            const char *today, char *errbuf)
{
    json_t *s = system_row(st, unit, id, now_us, today, NULL, errbuf);
    if (!s)
        return NULL;
    const char *name = json_string_value(json_object_get(s, "name"));
    char fresh[24], stale[24];
    vg_inv_i64s(fresh, sizeof fresh, now_us - 600LL * 1000000);
    vg_inv_i64s(stale, sizeof stale, now_us - 86400LL * 1000000);
    static const char *const hcols[] = {"i:id", "s:name", "s:kind", "t:last_seen", "t:last_inspection",
                                        "s:version", "s:health"};
    const char *q[] = {fresh, stale, name};
    json_t *hosts = vg_inv_query(st, "SELECT id, name, kind, last_seen, last_inspection, version, "
                              "CASE WHEN last_seen >= ? THEN 'ok' WHEN last_seen >= ? THEN 'stale' "
                              "ELSE 'down' END FROM hosts WHERE system = ? ORDER BY name LIMIT 1000",
                          q, 3, hcols, 7, NULL);
    json_object_set_new(s, "host_list", hosts ? hosts : json_array());
    static const char *const ccols[] = {"s:host", "s:policy", "s:check_id", "s:title", "s:family",
                                        "t:time"};
    json_t *failed = vg_inv_query(st,
                           "SELECT s.host, s.policy, s.check_id, s.title, s.family, s.ts FROM hosts h "
                           "JOIN sca_state s ON s.host = h.name WHERE h.system = ? "
                           "AND s.result = 'failed' ORDER BY s.host, s.policy, s.check_id LIMIT 500",
                           (const char *const[]){name}, 1, ccols, 6, NULL);
    json_object_set_new(s, "failed_checks", failed ? failed : json_array());
    json_object_set_new(s, "families", families_of(st, name));
    json_object_set_new(s, "inspection_history", runs_of(st, name, 20));
    json_object_set_new(s, "web", web_of(st, name));
    return s;
}

json_t *vg_inventory_summary(vg_store *st, const char *unit, int64_t id, int64_t now_us,
                             const char *today, char *errbuf)
{
    json_t *warn = json_array();
    json_t *s = system_row(st, unit, id, now_us, today, warn, errbuf);
    if (!s) {
        json_decref(warn);
        return NULL;
    }
    const char *name = json_string_value(json_object_get(s, "name"));
    json_t *web = web_of(st, name);
    int64_t wok = 0, walert = 0, werr = 0;
    size_t i;
    json_t *w;
    json_array_foreach(web, i, w) {
        const char *x = json_string_value(json_object_get(w, "state"));
        wok += strcmp(x, "ok") == 0;
        walert += strcmp(x, "alert") == 0;
        werr += strcmp(x, "error") == 0;
    }
    json_decref(web);
    json_t *out = json_pack(
        "{sO sO sO sO sO sO sO sO sO sO sO sO sO s{sI sI sI} so}", "id", json_object_get(s, "id"),
        "name", json_object_get(s, "name"), "unit", json_object_get(s, "unit"), "level",
        json_object_get(s, "level"), "compliance_pct", json_object_get(s, "compliance_pct"),
        "last_inspection", json_object_get(s, "last_inspection"), "next_inspection",
        json_object_get(s, "next_inspection"), "inspection_interval_months",
        json_object_get(s, "inspection_interval_months"), "inspection_overdue",
        json_object_get(s, "inspection_overdue"), "hosts", json_object_get(s, "hosts"), "hosts_ok",
        json_object_get(s, "hosts_ok"), "sca", json_object_get(s, "sca"), "evidence",
        json_object_get(s, "evidence"), "websites", "ok", (json_int_t)wok, "alert",
        (json_int_t)walert, "error", (json_int_t)werr, "warnings", warn);
    json_decref(s);
    return out;
}

json_t *vg_inventory_schedule(vg_store *st, const char *unit, int64_t id, int64_t now_us,
                              char *errbuf)
{
    json_t *s = system_row(st, unit, id, now_us, "", NULL, errbuf);
    if (!s)
        return NULL;
    int level = (int)json_integer_value(json_object_get(s, "level"));
    json_t *out = json_pack(
        "{sO sO sO si sO sO sO sO sO sO sO sO}", "id", json_object_get(s, "id"), "system",
        json_object_get(s, "name"), "level", json_object_get(s, "level"), "default_months",
        vg_inventory_cadence_months(level), "months", json_object_get(s, "inspection_interval_months"),
        "override_months", json_object_get(s, "schedule_months"), "note",
        json_object_get(s, "schedule_note"), "required", json_object_get(s, "inspection_required"),
        "last_inspection", json_object_get(s, "last_inspection"), "next_inspection",
        json_object_get(s, "next_inspection"), "overdue", json_object_get(s, "inspection_overdue"),
        "days_overdue", json_object_get(s, "days_overdue"));
    json_object_set_new(out, "history", runs_of(st, json_string_value(json_object_get(s, "name")), 50));
    json_decref(s);
    return out;
}

json_t *vg_inventory_hosts(vg_store *st, const char *unit, int64_t now_us, char *errbuf)
{
    static const char *const cols[] = {"i:id", "s:name", "s:unit", "s:system", "s:kind",
                                       "t:first_seen", "t:last_seen", "i:last_seen_us", "i:events",
                                       "t:last_inspection", "j:stats", "s:version", "i:rate_start",
                                       "i:rate_events", "i:rate_mps"};
    const char *p[] = {unit};
    bool scoped = unit && unit[0];
    json_t *arr = vg_inv_query(st, scoped ? "SELECT id, name, unit, system, kind, first_seen, last_seen, "
                                     "last_seen, events, last_inspection, stats, version, rate_start, "
                                     "rate_events, rate_mps FROM hosts WHERE unit = ? ORDER BY name"
                                   : "SELECT id, name, unit, system, kind, first_seen, last_seen, "
                                     "last_seen, events, last_inspection, stats, version, rate_start, "
                                     "rate_events, rate_mps FROM hosts ORDER BY name",
                        p, scoped ? 1 : 0, cols, 15, errbuf);
    size_t i;
    json_t *h;
    json_array_foreach(arr, i, h) {
        /* Health: silent for more than 10 minutes is stale, more than a day is down. */
        int64_t last = json_integer_value(json_object_get(h, "last_seen_us"));
        int64_t age = (now_us - last) / 1000000;
        json_object_set_new(h, "silent_s", json_integer(age));
        json_object_set_new(h, "health", json_string(age <= 600 ? "ok" : age <= 86400 ? "stale" : "down"));
        /* Events per second: the last complete window, else the current one. */
        int64_t start = json_integer_value(json_object_get(h, "rate_start"));
        int64_t wev = json_integer_value(json_object_get(h, "rate_events"));
        int64_t mps = json_integer_value(json_object_get(h, "rate_mps"));
        double eps = 0;
        if (age <= 600) {
            if (mps > 0)
                eps = (double)mps / 1000.0;
            else if (start > 0 && now_us - start >= 1000000)
                eps = (double)wev * 1e6 / (double)(now_us - start);
        }
        json_object_set_new(h, "events_per_s", json_real((double)(int64_t)(eps * 100 + 0.5) / 100));
        json_object_del(h, "rate_start");
        json_object_del(h, "rate_events");
        json_object_del(h, "rate_mps");
    }
    return arr;
}

json_t *vg_inventory_inspections(vg_store *st, const char *unit, char *errbuf)
{
    static const char *const cols[] = {"s:host", "s:system", "t:last_inspection", "i:passed",
                                       "i:failed", "i:other"};
    const char *u = unit ? unit : "";
    return vg_inv_query(st, u[0] ? "SELECT name, system, last_inspection, sca_passed, sca_failed, "
                                   "sca_other FROM hosts WHERE unit = ? AND sca_passed + sca_failed "
                                   "+ sca_other > 0 ORDER BY name LIMIT 10000"
                                 : "SELECT name, system, last_inspection, sca_passed, sca_failed, "
                                   "sca_other FROM hosts WHERE sca_passed + sca_failed + sca_other > 0 "
                                   "ORDER BY name LIMIT 10000",
                        (const char *const[]){u}, u[0] ? 1 : 0, cols, 6, errbuf);
}

json_t *vg_inventory_runs(vg_store *st, const char *unit, const char *system, int64_t before_us,
                          int limit, char *errbuf)
{
    static const char *const cols[] = {"s:host", "s:system", "s:unit", "t:time", "i:time_us",
                                       "i:level", "i:passed", "i:failed", "i:other", "s:source"};
    char before[24], lim[16];
    vg_inv_i64s(before, sizeof before, before_us > 0 ? before_us : INT64_MAX);
    snprintf(lim, sizeof lim, "%d", limit < 1 ? 100 : limit > 500 ? 500 : limit);
    const char *u = unit ? unit : "", *s = system ? system : "";
    /* Each branch keeps one index usable: (system, ts), (unit, ts) or (ts). */
    const char *sql =
        s[0] ? "SELECT host, system, unit, ts, ts, level, passed, failed, other, source FROM "
               "inspection_runs WHERE system = ? AND ts < ? AND (? = '' OR unit = ?) "
               "ORDER BY ts DESC LIMIT ?"
        : u[0] ? "SELECT host, system, unit, ts, ts, level, passed, failed, other, source FROM "
                 "inspection_runs WHERE unit = ? AND ts < ? ORDER BY ts DESC LIMIT ?"
               : "SELECT host, system, unit, ts, ts, level, passed, failed, other, source FROM "
                 "inspection_runs WHERE ts < ? ORDER BY ts DESC LIMIT ?";
    json_t *arr;
    if (s[0])
        arr = vg_inv_query(st, sql, (const char *const[]){s, before, u, u, lim}, 5, cols, 10, errbuf);
    else if (u[0])
        arr = vg_inv_query(st, sql, (const char *const[]){u, before, lim}, 3, cols, 10, errbuf);
    else
        arr = vg_inv_query(st, sql, (const char *const[]){before, lim}, 2, cols, 10, errbuf);
    size_t i;
    json_t *r;
    json_array_foreach(arr, i, r) {
        int64_t p = json_integer_value(json_object_get(r, "passed"));
        int64_t f = json_integer_value(json_object_get(r, "failed"));
        json_object_set_new(r, "pct", p + f ? json_integer((p * 100 + (p + f) / 2) / (p + f)) : json_null());
    }
    return arr;
}

/* ---- writes ----------------------------------------------------------- */

const char *vg_inv_get_str(json_t *body, const char *key, bool *bad)
{
    json_t *v = json_object_get(body, key);
    if (!v || json_is_null(v))
        return NULL;
    if (!json_is_string(v) || json_string_length(v) > VG_INV_MAX_NAME * 8 ||
        strlen(json_string_value(v)) != json_string_length(v)) {
        *bad = true;
        return NULL;
    }
    return json_string_value(v);
}

bool vg_inv_good_name(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    if (n == 0 || n > VG_INV_MAX_NAME)
        return false;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x20)
            return false;
    return true;
}

int vg_inventory_unit_put(vg_store *st, const char *unit, json_t *body, char *errbuf)
{
    bool bad = false;
    const char *name = vg_inv_get_str(body, "name", &bad);
    const char *org = vg_inv_get_str(body, "org", &bad);
    const char *parent = vg_inv_get_str(body, "parent", &bad);
    if (bad || !vg_inv_good_name(name))
        return vg_err(errbuf, VG_EINVAL, "expected {\"name\": 1-%d characters, \"org\", \"parent\"}",
                      VG_INV_MAX_NAME);
    if (unit && unit[0] && strcmp(unit, name) != 0)
        return vg_err(errbuf, VG_ENOENT, "a unit-scoped admin may only edit its own unit");
    char now[24];
    vg_inv_i64s(now, sizeof now, vg_now_us());
    const char *p[] = {name, org ? org : "", parent ? parent : "", now};
    return vg_store_exec(st,
                         "INSERT INTO units(name, org, parent, created) VALUES(?,?,?,?) "
                         "ON CONFLICT (name) DO UPDATE SET org = excluded.org, parent = excluded.parent",
                         p, 4, NULL, NULL, NULL, errbuf);
}

bool vg_inv_get_int(json_t *body, const char *key, int64_t *out, bool *bad)
{
    json_t *v = json_object_get(body, key);
    if (!v || json_is_null(v))
        return false;
    if (!json_is_integer(v)) {
        *bad = true;
        return false;
    }
    *out = json_integer_value(v);
    return true;
}

static int name_taken(vg_store *st, const char *table, const char *name, int64_t id)
{
    char sql[96], ids[24];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM %s WHERE name = ? AND id <> ?", table);
    vg_inv_i64s(ids, sizeof ids, id);
    const char *p[] = {name, ids};
    int64_t n = 0;
    return vg_store_exec(st, sql, p, 2, vg_inv_first_int, &n, NULL, NULL) == VG_OK && n > 0;
}

int vg_inventory_system_put(vg_store *st, const char *unit, int64_t id, json_t *body,
                            int retention_max_months, int64_t *out_id, char *errbuf)
{
    bool bad = false, scoped = unit && unit[0];
    const char *name = vg_inv_get_str(body, "name", &bad);
    const char *sunit = vg_inv_get_str(body, "unit", &bad);
    const char *owner = vg_inv_get_str(body, "owner", &bad);
    const char *desc = vg_inv_get_str(body, "description", &bad);
    int64_t level = 0, ret = 0;
    bool has_level = vg_inv_get_int(body, "level", &level, &bad);
    bool has_ret = vg_inv_get_int(body, "retention_months", &ret, &bad);
    if (bad)
        return vg_err(errbuf, VG_EINVAL, "bad field type");
    /* Current row when updating. */
    char cur_name[128] = "", cur_unit[128] = "", ids[24];
    int64_t cur_level = 0, cur_ret = 0;
    if (id) {
        vg_inv_i64s(ids, sizeof ids, id);
        const char *p[] = {ids};
        json_t *arr = vg_inv_query(st, "SELECT name, unit, level, retention_months FROM systems WHERE id = ?",
                            p, 1, (const char *const[]){"s:name", "s:unit", "i:level", "i:ret"}, 4,
                            errbuf);
        json_t *row = json_array_get(arr, 0);
        if (!row || (scoped && strcmp(json_string_value(json_object_get(row, "unit")), unit) != 0)) {
            json_decref(arr);
            return vg_err(errbuf, VG_ENOENT, "no such system");
        }
        snprintf(cur_name, sizeof cur_name, "%s", json_string_value(json_object_get(row, "name")));
        snprintf(cur_unit, sizeof cur_unit, "%s", json_string_value(json_object_get(row, "unit")));
        cur_level = json_integer_value(json_object_get(row, "level"));
        cur_ret = json_integer_value(json_object_get(row, "ret"));
        json_decref(arr);
    }
    if (!name)
        name = id ? cur_name : NULL;
    if (!vg_inv_good_name(name))
        return vg_err(errbuf, VG_EINVAL, "system name must be 1-%d characters", VG_INV_MAX_NAME);
    if (!sunit)
        sunit = id ? cur_unit : scoped ? unit : "";
    if (scoped && strcmp(sunit, unit) != 0)
        return vg_err(errbuf, VG_EINVAL, "a unit-scoped admin may only manage systems of unit %s", unit);
    if (!has_level)
        level = cur_level;
    if (level < 1 || level > 5)
        return vg_err(errbuf, VG_EINVAL, "level must be 1-5");
    if (!has_ret)
        ret = cur_ret;
    int min = vg_retention_min_months((int)level);
    if (ret != 0 && (ret < min || ret > retention_max_months))
        return vg_err(errbuf, VG_EINVAL,
                      "retention_months for level %d must be 0 (the minimum) or %d-%d", (int)level,
                      min, retention_max_months);
    if (name_taken(st, "systems", name, id))
        return vg_err(errbuf, VG_EINVAL, "a system named %s exists", name);
    char now[24], lv[8], rt[16];
    vg_inv_i64s(now, sizeof now, vg_now_us());
    snprintf(lv, sizeof lv, "%d", (int)level);
    snprintf(rt, sizeof rt, "%d", (int)ret);
    int rc;
    if (!id) {
        const char *p[] = {name, sunit, lv, owner ? owner : "", desc ? desc : "", rt, now, now};
        int64_t nid = 0;
        rc = vg_store_exec(st,
                           "INSERT INTO systems(name, unit, level, owner, description, "
                           "retention_months, created, updated) VALUES(?,?,?,?,?,?,?,?) RETURNING id",
                           p, 8, vg_inv_first_int, &nid, NULL, errbuf);
        if (out_id)
            *out_id = nid;
        return rc;
    }
    if (vg_store_begin(st) != VG_OK)
        return vg_err(errbuf, VG_EIO, "cannot begin");
    const char *p[] = {name, sunit, lv, owner, desc, rt, now, ids};
    rc = vg_store_exec(st,
                       "UPDATE systems SET name = ?, unit = ?, level = ?, "
                       "owner = COALESCE(?, owner), description = COALESCE(?, description), "
                       "retention_months = ?, updated = ? WHERE id = ?",
                       p, 8, NULL, NULL, NULL, errbuf);
    /* The system's name is the key of its hosts, evidence and runs. */
    static const char *const renames[] = {"UPDATE hosts SET system = ? WHERE system = ?",
                                          "UPDATE evidence SET system = ? WHERE system = ?",
                                          "UPDATE inspection_runs SET system = ? WHERE system = ?"};
    for (size_t i = 0; rc == VG_OK && strcmp(name, cur_name) != 0 && i < VG_ARRAY_LEN(renames); i++)
        rc = vg_store_exec(st, renames[i], (const char *const[]){name, cur_name}, 2, NULL, NULL,
                           NULL, errbuf);
    /* Evidence and runs follow their system into its unit. */
    if (rc == VG_OK && strcmp(sunit, cur_unit) != 0)
        rc = vg_store_exec(st, "UPDATE evidence SET unit = ? WHERE system = ?",
                           (const char *const[]){sunit, name}, 2, NULL, NULL, NULL, errbuf);
    if (rc == VG_OK && strcmp(sunit, cur_unit) != 0)
        rc = vg_store_exec(st, "UPDATE inspection_runs SET unit = ? WHERE system = ?",
                           (const char *const[]){sunit, name}, 2, NULL, NULL, NULL, errbuf);
    if (rc == VG_OK)
        rc = vg_store_commit(st) == VG_OK ? VG_OK : vg_err(errbuf, VG_EIO, "commit failed");
    else
        vg_store_rollback(st);
    if (out_id)
        *out_id = id;
    return rc;
}

int vg_inventory_system_delete(vg_store *st, const char *unit, int64_t id, char *errbuf)
{
    char ids[24];
    vg_inv_i64s(ids, sizeof ids, id);
    char name[128] = "";
    const char *u = unit ? unit : "";
    int rc = vg_store_exec(st, "SELECT name FROM systems WHERE id = ? AND (? = '' OR unit = ?)",
                           (const char *const[]){ids, u, u}, 3, vg_inv_first_str, name, NULL, errbuf);
    if (rc != VG_OK)
        return rc;
    if (!name[0])
        return vg_err(errbuf, VG_ENOENT, "no such system");
    if (vg_store_begin(st) != VG_OK)
        return vg_err(errbuf, VG_EIO, "cannot begin");
    const char *q[] = {name};
    rc = vg_store_exec(st, "DELETE FROM systems WHERE id = ?", (const char *const[]){ids}, 1, NULL,
                       NULL, NULL, errbuf);
    if (rc == VG_OK)
        rc = vg_store_exec(st, "DELETE FROM inspect_schedule WHERE system_id = ?",
                           (const char *const[]){ids}, 1, NULL, NULL, NULL, errbuf);
    if (rc == VG_OK)
        rc = vg_store_exec(st, "UPDATE hosts SET system = '' WHERE system = ?", q, 1, NULL, NULL,
                           NULL, errbuf);
    if (rc == VG_OK)
        rc = vg_store_commit(st) == VG_OK ? VG_OK : vg_err(errbuf, VG_EIO, "commit failed");
    else
        vg_store_rollback(st);
    return rc;
}

/* Whether a system exists; *sunit gets its unit (128 bytes). */
bool vg_inv_system_unit(vg_store *st, const char *sys, char *sunit)
{
    int64_t found = 0;
    sunit[0] = '\0';
    (void)!vg_store_exec(st, "SELECT count(*) FROM systems WHERE name = ?",
                         (const char *const[]){sys}, 1, vg_inv_first_int, &found, NULL, NULL);
    (void)!vg_store_exec(st, "SELECT unit FROM systems WHERE name = ?", (const char *const[]){sys},
                         1, vg_inv_first_str, sunit, NULL, NULL);
    return found > 0;
}

int vg_inventory_host_put(vg_store *st, const char *unit, int64_t id, json_t *body, char *errbuf)
{
    bool bad = false, scoped = unit && unit[0];
    const char *sys = vg_inv_get_str(body, "system", &bad);
    const char *hunit = vg_inv_get_str(body, "unit", &bad);
    if (bad || (!sys && !hunit))
        return vg_err(errbuf, VG_EINVAL, "expected {\"system\": NAME or \"\", \"unit\": ...}");
    char ids[24], cur_unit[128] = "";
    vg_inv_i64s(ids, sizeof ids, id);
    json_t *arr = vg_inv_query(st, "SELECT unit FROM hosts WHERE id = ?", (const char *const[]){ids}, 1,
                        (const char *const[]){"s:unit"}, 1, errbuf);
    json_t *row = json_array_get(arr, 0);
    if (row)
        snprintf(cur_unit, sizeof cur_unit, "%s", json_string_value(json_object_get(row, "unit")));
    json_decref(arr);
    if (!row || (scoped && strcmp(cur_unit, unit) != 0))
        return vg_err(errbuf, VG_ENOENT, "no such host");
    if (hunit && scoped && strcmp(hunit, unit) != 0)
        return vg_err(errbuf, VG_EINVAL, "a unit-scoped admin cannot move hosts to another unit");
    const char *target_unit = hunit ? hunit : cur_unit;
    if (sys && sys[0]) {
        char su[128];
        if (!vg_inv_system_unit(st, sys, su))
            return vg_err(errbuf, VG_EINVAL, "no system named %s", sys);
        if (su[0] && strcmp(su, target_unit) != 0)
            return vg_err(errbuf, VG_EINVAL, "system %s belongs to unit %s, the host to %s", sys,
                          su, target_unit);
    }
    const char *p[] = {sys, target_unit, ids};
    return vg_store_exec(st, "UPDATE hosts SET system = COALESCE(?, system), unit = ? WHERE id = ?",
                         p, 3, NULL, NULL, NULL, errbuf);
}

static int64_t date_us(const char *ymd)
{
    struct tm tm = {0};
    if (!vg_inventory_valid_date(ymd) || sscanf(ymd, "%4d-%2d-%2d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday) != 3)
        return 0;
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    return (int64_t)timegm(&tm) * 1000000;
}

int vg_inventory_schedule_put(vg_store *st, const char *unit, int64_t id, json_t *body,
                              const char *user, int64_t now_us, char *errbuf)
{
    bool bad = false, has_months = false;
    int64_t months = 0;
    json_t *m = json_object_get(body, "months");
    if (m && !json_is_null(m))
        has_months = vg_inv_get_int(body, "months", &months, &bad);
    else if (m)
        has_months = true; /* null: back to the level's default */
    const char *note = vg_inv_get_str(body, "note", &bad);
    const char *inspected = vg_inv_get_str(body, "inspected", &bad);
    if (bad || (has_months && (months < 0 || months > 120)) ||
        (inspected && !vg_inventory_valid_date(inspected)) || (!has_months && !note && !inspected))
        return vg_err(errbuf, VG_EINVAL, "expected {\"months\": 1-120 or null, \"note\": TEXT, "
                                         "\"inspected\": \"YYYY-MM-DD\"}");
    int64_t when = inspected ? date_us(inspected) : 0;
    if (inspected && when > now_us)
        return vg_err(errbuf, VG_EINVAL, "inspected: %s is in the future", inspected);
    char ids[24], name[128] = "", sunit[128] = "";
    vg_inv_i64s(ids, sizeof ids, id);
    const char *u = unit ? unit : "";
    (void)!vg_store_exec(st, "SELECT name FROM systems WHERE id = ? AND (? = '' OR unit = ?)",
                         (const char *const[]){ids, u, u}, 3, vg_inv_first_str, name, NULL, NULL);
    if (!name[0])
        return vg_err(errbuf, VG_ENOENT, "no such system");
    vg_inv_system_unit(st, name, sunit);
    char now[24], ms[16];
    vg_inv_i64s(now, sizeof now, now_us);
    snprintf(ms, sizeof ms, "%d", (int)months);
    if (vg_store_begin(st) != VG_OK)
        return vg_err(errbuf, VG_EIO, "cannot begin");
    const char *p[] = {ids, ms, note ? note : "", now, user, has_months ? "1" : "0",
                       note ? "1" : "0"};
    int rc = vg_store_exec(st,
                           "INSERT INTO inspect_schedule(system_id, months, note, updated, updated_by) "
                           "VALUES(?,?,?,?,?) ON CONFLICT (system_id) DO UPDATE SET "
                           "months = CASE WHEN ? = '1' THEN excluded.months ELSE inspect_schedule.months END, "
                           "note = CASE WHEN ? = '1' THEN excluded.note ELSE inspect_schedule.note END, "
                           "updated = excluded.updated, updated_by = excluded.updated_by",
                           p, 7, NULL, NULL, NULL, errbuf);
    if (rc == VG_OK && inspected) {
        char ts[24];
        vg_inv_i64s(ts, sizeof ts, when);
        rc = vg_store_exec(st,
                           "INSERT INTO inspection_runs(host, ts, system, unit, source) "
                           "VALUES('', ?, ?, ?, 'manual') ON CONFLICT (host, ts) DO NOTHING",
                           (const char *const[]){ts, name, sunit}, 3, NULL, NULL, NULL, errbuf);
        if (rc == VG_OK)
            rc = vg_inv_bump_inspection(st, name, ts, errbuf);
    }
    if (rc == VG_OK)
        rc = vg_store_commit(st) == VG_OK ? VG_OK : vg_err(errbuf, VG_EIO, "commit failed");
    else
        vg_store_rollback(st);
    return rc;
}

