/* inventory.c: units, systems, hosts, inspection state, evidence (see inventory.h). */
#include "server/inventory.h"

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
    " created BIGINT NOT NULL, created_by TEXT NOT NULL, updated BIGINT NOT NULL)";

int vg_inventory_schema(vg_store *st, char *errbuf) { return vg_store_ddl(st, ddl, errbuf); }

int vg_inventory_inspect_days(int level)
{
    return level == 5 ? 182 : level >= 3 ? 365 : 0;
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

static void i64s(char *b, size_t cap, int64_t v) { snprintf(b, cap, "%" PRId64, v); }

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

static json_t *query(vg_store *st, const char *sql, const char *const *p, int np,
                     const char *const *cols, int ncols, char *errbuf)
{
    rowset rs = {cols, ncols, json_array()};
    if (vg_store_exec(st, sql, p, np, rowset_add, &rs, NULL, errbuf) != VG_OK) {
        json_decref(rs.arr);
        return NULL;
    }
    return rs.arr;
}

static void first_int(void *arg, int n, const char *const *v)
{
    if (n > 0 && v[0])
        *(int64_t *)arg = strtoll(v[0], NULL, 10);
}

static void first_str(void *arg, int n, const char *const *v)
{
    char *out = arg;
    if (n > 0 && v[0])
        snprintf(out, 128, "%s", v[0]);
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

static int bump_inspection(vg_store *st, const char *host_system, const char *ts, char *errbuf)
{
    if (!host_system[0])
        return VG_OK;
    const char *p[] = {ts, ts, ts, host_system};
    return vg_store_exec(st,
                         "UPDATE systems SET last_inspection = CASE WHEN last_inspection < ? "
                         "THEN ? ELSE last_inspection END, updated = ? WHERE name = ?",
                         p, 4, NULL, NULL, NULL, errbuf);
}

static int ingest_compliance(vg_store *st, const char *unit, const char *host_system,
                             const vg_store_event *e, char *errbuf)
{
    json_t *c = event_obj(e, "compliance");
    if (!c)
        return VG_OK;
    const char *sys = json_string_value(json_object_get(c, "system"));
    if (!sys || !sys[0])
        sys = host_system;
    int rc = VG_OK;
    if (sys[0]) {
        char ts[24], score[24], pass[24], fail[24];
        i64s(ts, sizeof ts, e->ts_us);
        json_t *sc = json_object_get(c, "score");
        i64s(score, sizeof score, json_is_number(sc) ? (int64_t)json_number_value(sc) : -1);
        i64s(pass, sizeof pass, json_integer_value(json_object_get(c, "passed")));
        i64s(fail, sizeof fail, json_integer_value(json_object_get(c, "failed")));
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
        char ts[24];
        i64s(ts, sizeof ts, e->ts_us);
        const char *p[] = {account, policy, id, result, title, ts};
        rc = vg_store_exec(st,
                           "INSERT INTO sca_state(host, policy, check_id, result, title, ts) "
                           "VALUES(?,?,?,?,?,?) ON CONFLICT (host, policy, check_id) DO UPDATE SET "
                           "result = excluded.result, title = excluded.title, ts = excluded.ts "
                           "WHERE sca_state.ts <= excluded.ts",
                           p, 6, NULL, NULL, NULL, errbuf);
        if (rc == VG_OK) {
            const char *q[] = {ts, ts, account};
            rc = vg_store_exec(st,
                               "UPDATE hosts SET last_inspection = CASE WHEN last_inspection < ? "
                               "THEN ? ELSE last_inspection END WHERE name = ?",
                               q, 3, NULL, NULL, NULL, errbuf);
        }
        if (rc == VG_OK)
            rc = bump_inspection(st, host_system, ts, errbuf);
    }
    json_decref(s);
    return rc;
}

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
        else if (strcmp(t, "sca") == 0 || strcmp(t, "compliance") == 0)
            inspect = true;
    }
    char now[24], cnt[24];
    i64s(now, sizeof now, now_us);
    i64s(cnt, sizeof cnt, (int64_t)n);
    if (vg_store_begin(st) != VG_OK)
        return vg_err(errbuf, VG_EIO, "inventory: cannot begin");
    const char *p[] = {account, unit, stats ? "sensor" : "agent", now, now, cnt};
    int rc = vg_store_exec(st,
                           "INSERT INTO hosts(name, unit, kind, first_seen, last_seen, events) "
                           "VALUES(?,?,?,?,?,?) ON CONFLICT (name) DO UPDATE SET "
                           "last_seen = excluded.last_seen, events = hosts.events + excluded.events, "
                           "kind = CASE WHEN excluded.kind = 'sensor' THEN 'sensor' ELSE hosts.kind END",
                           p, 6, NULL, NULL, NULL, errbuf);
    if (rc == VG_OK && stats) {
        json_t *o = event_obj(stats, "stats");
        char *js = o ? json_dumps(o, JSON_COMPACT) : NULL;
        json_decref(o);
        if (js && strlen(js) <= VG_INV_MAX_STATS) {
            const char *q[] = {js, account};
            rc = vg_store_exec(st, "UPDATE hosts SET stats = ? WHERE name = ?", q, 2, NULL, NULL,
                               NULL, errbuf);
        }
        free(js);
    }
    if (rc == VG_OK && inspect) {
        char sys[128] = "";
        const char *q[] = {account};
        rc = vg_store_exec(st, "SELECT system FROM hosts WHERE name = ?", q, 1, first_str, sys,
                           NULL, errbuf);
        for (size_t i = 0; rc == VG_OK && i < n; i++) {
            const char *t = ev[i].event_type ? ev[i].event_type : "";
            if (strcmp(t, "sca") == 0)
                rc = ingest_sca(st, account, sys, &ev[i], errbuf);
            else if (strcmp(t, "compliance") == 0)
                rc = ingest_compliance(st, unit, sys, &ev[i], errbuf);
        }
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
    return query(st, scoped ? "SELECT id, name, org, parent, created FROM units WHERE name = ? ORDER BY name"
                            : "SELECT id, name, org, parent, created FROM units ORDER BY name",
                 p, scoped ? 1 : 0, cols, 5, errbuf);
}

#define SYS_COLS "id, name, unit, level, owner, description, retention_months, last_inspection, " \
                 "compliance_score, compliance_passed, compliance_failed, compliance_ts, created, updated"
static const char *const sys_cols[] = {
    "i:id", "s:name", "s:unit", "i:level", "s:owner", "s:description", "i:retention_months",
    "i:last_inspection_us", "i:compliance_score", "i:compliance_passed", "i:compliance_failed",
    "t:compliance_time", "t:created", "t:updated"};

typedef struct sca_count {
    int64_t passed, failed, other;
} sca_count;

static void sca_row(void *arg, int n, const char *const *v)
{
    sca_count *c = arg;
    if (n < 2 || !v[0] || !v[1])
        return;
    int64_t k = strtoll(v[1], NULL, 10);
    if (strcmp(v[0], "passed") == 0)
        c->passed += k;
    else if (strcmp(v[0], "failed") == 0)
        c->failed += k;
    else
        c->other += k;
}

/* Add schedule, SCA state and host count to one system object. */
static void decorate(vg_store *st, json_t *sys, int64_t now_us, json_t *warnings)
{
    const char *name = json_string_value(json_object_get(sys, "name"));
    int level = (int)json_integer_value(json_object_get(sys, "level"));
    int64_t last = json_integer_value(json_object_get(sys, "last_inspection_us"));
    int days = vg_inventory_inspect_days(level);
    json_object_set_new(sys, "last_inspection", ts_json(last));
    json_object_set_new(sys, "inspection_interval_days", json_integer(days));
    bool overdue = false;
    if (days) {
        int64_t due = last ? last + (int64_t)days * 86400 * 1000000 : 0;
        json_object_set_new(sys, "next_inspection", last ? ts_json(due) : json_string("now"));
        overdue = !last || due < now_us;
        if (overdue && warnings) {
            char w[300];
            if (last)
                snprintf(w, sizeof w, "system %s (level %d): inspection overdue since %s", name,
                         level, json_string_value(json_object_get(sys, "next_inspection")));
            else
                snprintf(w, sizeof w, "system %s (level %d): never inspected", name, level);
            json_array_append_new(warnings, json_pack("{ss ss ss}", "system", name, "kind",
                                                      "inspection_overdue", "message", w));
        }
    } else {
        json_object_set_new(sys, "next_inspection", json_null());
    }
    json_object_set_new(sys, "inspection_overdue", json_boolean(overdue));
    int rm = (int)json_integer_value(json_object_get(sys, "retention_months"));
    json_object_set_new(sys, "retention_effective_months",
                        json_integer(rm > 0 ? rm : vg_retention_min_months(level)));
    sca_count c = {0};
    int64_t hosts = 0;
    const char *p[] = {name};
    (void)!vg_store_exec(st,
                        "SELECT s.result, count(*) FROM sca_state s JOIN hosts h ON h.name = s.host "
                        "WHERE h.system = ? GROUP BY s.result", p, 1, sca_row, &c, NULL, NULL);
    (void)!vg_store_exec(st, "SELECT count(*) FROM hosts WHERE system = ?", p, 1, first_int,
                        &hosts, NULL, NULL);
    json_object_set_new(sys, "hosts", json_integer(hosts));
    json_object_set_new(sys, "sca", json_pack("{sI sI sI}", "passed", (json_int_t)c.passed,
                                              "failed", (json_int_t)c.failed, "other",
                                              (json_int_t)c.other));
}

json_t *vg_inventory_systems(vg_store *st, const char *unit, int64_t now_us, char *errbuf)
{
    const char *p[] = {unit};
    bool scoped = unit && unit[0];
    json_t *arr = query(st, scoped ? "SELECT " SYS_COLS " FROM systems WHERE unit = ? ORDER BY name"
                                   : "SELECT " SYS_COLS " FROM systems ORDER BY name",
                        p, scoped ? 1 : 0, sys_cols, 14, errbuf);
    if (!arr)
        return NULL;
    json_t *warn = json_array();
    size_t i;
    json_t *s;
    json_array_foreach(arr, i, s) decorate(st, s, now_us, warn);
    return json_pack("{so so}", "systems", arr, "warnings", warn);
}

json_t *vg_inventory_system(vg_store *st, const char *unit, int64_t id, int64_t now_us,
                            char *errbuf)
{
    char ids[24];
    i64s(ids, sizeof ids, id);
    const char *p[] = {ids, unit};
    bool scoped = unit && unit[0];
    json_t *arr = query(st, scoped ? "SELECT " SYS_COLS " FROM systems WHERE id = ? AND unit = ?"
                                   : "SELECT " SYS_COLS " FROM systems WHERE id = ?",
                        p, scoped ? 2 : 1, sys_cols, 14, errbuf);
    if (!arr || json_array_size(arr) != 1) {
        json_decref(arr);
        return NULL;
    }
    json_t *s = json_incref(json_array_get(arr, 0));
    json_decref(arr);
    decorate(st, s, now_us, NULL);
    const char *name = json_string_value(json_object_get(s, "name"));
    static const char *const hcols[] = {"i:id", "s:name", "s:kind", "t:last_seen"};
    const char *q[] = {name};
    json_t *hosts = query(st, "SELECT id, name, kind, last_seen FROM hosts WHERE system = ? ORDER BY name",
                          q, 1, hcols, 4, NULL);
    json_object_set_new(s, "host_list", hosts ? hosts : json_array());
    static const char *const ccols[] = {"s:host", "s:policy", "s:check_id", "s:title", "t:time"};
    json_t *failed = query(st,
                           "SELECT s.host, s.policy, s.check_id, s.title, s.ts FROM sca_state s "
                           "JOIN hosts h ON h.name = s.host WHERE h.system = ? AND s.result = 'failed' "
                           "ORDER BY s.host, s.policy, s.check_id LIMIT 500", q, 1, ccols, 5, NULL);
    json_object_set_new(s, "failed_checks", failed ? failed : json_array());
    return s;
}

json_t *vg_inventory_hosts(vg_store *st, const char *unit, int64_t now_us, char *errbuf)
{
    static const char *const cols[] = {"i:id", "s:name", "s:unit", "s:system", "s:kind",
                                       "t:first_seen", "t:last_seen", "i:last_seen_us", "i:events",
                                       "t:last_inspection", "j:stats"};
    const char *p[] = {unit};
    bool scoped = unit && unit[0];
    json_t *arr = query(st, scoped ? "SELECT id, name, unit, system, kind, first_seen, last_seen, "
                                     "last_seen, events, last_inspection, stats FROM hosts "
                                     "WHERE unit = ? ORDER BY name"
                                   : "SELECT id, name, unit, system, kind, first_seen, last_seen, "
                                     "last_seen, events, last_inspection, stats FROM hosts ORDER BY name",
                        p, scoped ? 1 : 0, cols, 11, errbuf);
    size_t i;
    json_t *h;
    json_array_foreach(arr, i, h) {
        /* Health: silent for more than 10 minutes is stale, more than a day is down. */
        int64_t age = (now_us - json_integer_value(json_object_get(h, "last_seen_us"))) / 1000000;
        json_object_set_new(h, "silent_s", json_integer(age));
        json_object_set_new(h, "health", json_string(age <= 600 ? "ok" : age <= 86400 ? "stale" : "down"));
    }
    return arr;
}

typedef struct insp_acc {
    json_t *by_host;   /* name -> object */
} insp_acc;

static void insp_row(void *arg, int n, const char *const *v)
{
    insp_acc *a = arg;
    if (n < 5 || !v[0] || !v[3])
        return;
    json_t *o = json_object_get(a->by_host, v[0]);
    if (!o) {
        o = json_pack("{ss ss so sI sI sI}", "host", v[0], "system", v[1] ? v[1] : "",
                      "last_inspection", ts_json(v[2] ? strtoll(v[2], NULL, 10) : 0), "passed",
                      (json_int_t)0, "failed", (json_int_t)0, "other", (json_int_t)0);
        json_object_set_new(a->by_host, v[0], o);
    }
    const char *k = strcmp(v[3], "passed") == 0 ? "passed" : strcmp(v[3], "failed") == 0 ? "failed" : "other";
    json_object_set_new(o, k, json_integer(json_integer_value(json_object_get(o, k)) +
                                           strtoll(v[4] ? v[4] : "0", NULL, 10)));
}

json_t *vg_inventory_inspections(vg_store *st, const char *unit, char *errbuf)
{
    insp_acc a = {json_object()};
    bool scoped = unit && unit[0];
    const char *p[] = {unit};
    int rc = vg_store_exec(st, scoped
        ? "SELECT h.name, h.system, h.last_inspection, s.result, count(*) FROM sca_state s "
          "JOIN hosts h ON h.name = s.host WHERE h.unit = ? GROUP BY h.name, h.system, "
          "h.last_inspection, s.result ORDER BY h.name"
        : "SELECT h.name, h.system, h.last_inspection, s.result, count(*) FROM sca_state s "
          "JOIN hosts h ON h.name = s.host GROUP BY h.name, h.system, h.last_inspection, s.result "
          "ORDER BY h.name", p, scoped ? 1 : 0, insp_row, &a, NULL, errbuf);
    if (rc != VG_OK) {
        json_decref(a.by_host);
        return NULL;
    }
    json_t *arr = json_array();
    const char *k;
    json_t *o;
    json_object_foreach(a.by_host, k, o) json_array_append(arr, o);
    json_decref(a.by_host);
    return arr;
}

json_t *vg_inventory_evidence(vg_store *st, const char *unit, const char *system,
                              const char *today, char *errbuf)
{
    static const char *const cols[] = {"i:id", "s:unit", "s:system", "s:control", "s:document",
                                       "s:date", "s:signer", "s:due", "t:created", "s:created_by",
                                       "t:updated"};
    char sql[512] = "SELECT id, unit, system, control, document, doc_date, signer, due_date, "
                    "created, created_by, updated FROM evidence WHERE 1=1";
    const char *p[2];
    int np = 0;
    if (unit && unit[0]) {
        strcat(sql, " AND unit = ?");
        p[np++] = unit;
    }
    if (system && system[0]) {
        strcat(sql, " AND system = ?");
        p[np++] = system;
    }
    strcat(sql, " ORDER BY id");
    json_t *arr = query(st, sql, p, np, cols, 11, errbuf);
    size_t i;
    json_t *e;
    json_array_foreach(arr, i, e) {
        const char *due = json_string_value(json_object_get(e, "due"));
        json_object_set_new(e, "overdue", json_boolean(due && due[0] && strcmp(due, today) < 0));
    }
    return arr;
}

/* ---- writes ----------------------------------------------------------- */

static const char *get_str(json_t *body, const char *key, bool *bad)
{
    json_t *v = json_object_get(body, key);
    if (!v || json_is_null(v))
        return NULL;
    if (!json_is_string(v) || json_string_length(v) > VG_INV_MAX_NAME * 8) {
        *bad = true;
        return NULL;
    }
    return json_string_value(v);
}

static bool good_name(const char *s)
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
    const char *name = get_str(body, "name", &bad);
    const char *org = get_str(body, "org", &bad);
    const char *parent = get_str(body, "parent", &bad);
    if (bad || !good_name(name))
        return vg_err(errbuf, VG_EINVAL, "expected {\"name\": 1-%d characters, \"org\", \"parent\"}",
                      VG_INV_MAX_NAME);
    if (unit && unit[0] && strcmp(unit, name) != 0)
        return vg_err(errbuf, VG_ENOENT, "a unit-scoped admin may only edit its own unit");
    char now[24];
    i64s(now, sizeof now, vg_now_us());
    const char *p[] = {name, org ? org : "", parent ? parent : "", now};
    return vg_store_exec(st,
                         "INSERT INTO units(name, org, parent, created) VALUES(?,?,?,?) "
                         "ON CONFLICT (name) DO UPDATE SET org = excluded.org, parent = excluded.parent",
                         p, 4, NULL, NULL, NULL, errbuf);
}

static bool get_int(json_t *body, const char *key, int64_t *out, bool *bad)
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
    i64s(ids, sizeof ids, id);
    const char *p[] = {name, ids};
    int64_t n = 0;
    return vg_store_exec(st, sql, p, 2, first_int, &n, NULL, NULL) == VG_OK && n > 0;
}

int vg_inventory_system_put(vg_store *st, const char *unit, int64_t id, json_t *body,
                            int retention_max_months, int64_t *out_id, char *errbuf)
{
    bool bad = false, scoped = unit && unit[0];
    const char *name = get_str(body, "name", &bad);
    const char *sunit = get_str(body, "unit", &bad);
    const char *owner = get_str(body, "owner", &bad);
    const char *desc = get_str(body, "description", &bad);
    int64_t level = 0, ret = 0;
    bool has_level = get_int(body, "level", &level, &bad);
    bool has_ret = get_int(body, "retention_months", &ret, &bad);
    if (bad)
        return vg_err(errbuf, VG_EINVAL, "bad field type");
    /* Current row when updating. */
    char cur_name[128] = "", cur_unit[128] = "", ids[24];
    int64_t cur_level = 0, cur_ret = 0;
    if (id) {
        i64s(ids, sizeof ids, id);
        const char *p[] = {ids};
        json_t *arr = query(st, "SELECT name, unit, level, retention_months FROM systems WHERE id = ?",
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
    if (!good_name(name))
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
    i64s(now, sizeof now, vg_now_us());
    snprintf(lv, sizeof lv, "%d", (int)level);
    snprintf(rt, sizeof rt, "%d", (int)ret);
    int rc;
    if (!id) {
        const char *p[] = {name, sunit, lv, owner ? owner : "", desc ? desc : "", rt, now, now};
        int64_t nid = 0;
        rc = vg_store_exec(st,
                           "INSERT INTO systems(name, unit, level, owner, description, "
                           "retention_months, created, updated) VALUES(?,?,?,?,?,?,?,?) RETURNING id",
                           p, 8, first_int, &nid, NULL, errbuf);
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
    if (rc == VG_OK && strcmp(name, cur_name) != 0) {
        const char *q[] = {name, cur_name};
        rc = vg_store_exec(st, "UPDATE hosts SET system = ? WHERE system = ?", q, 2, NULL, NULL,
                           NULL, errbuf);
        if (rc == VG_OK)
            rc = vg_store_exec(st, "UPDATE evidence SET system = ? WHERE system = ?", q, 2, NULL,
                               NULL, NULL, errbuf);
    }
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
    i64s(ids, sizeof ids, id);
    char name[128] = "";
    const char *p[] = {ids, unit ? unit : ""};
    int rc = vg_store_exec(st, "SELECT name FROM systems WHERE id = ? AND (? = '' OR unit = ?)",
                           (const char *const[]){ids, p[1], p[1]}, 3, first_str, name, NULL, errbuf);
    if (rc != VG_OK)
        return rc;
    if (!name[0])
        return vg_err(errbuf, VG_ENOENT, "no such system");
    if (vg_store_begin(st) != VG_OK)
        return vg_err(errbuf, VG_EIO, "cannot begin");
    const char *q[] = {name};
    rc = vg_store_exec(st, "DELETE FROM systems WHERE id = ?", p, 1, NULL, NULL, NULL, errbuf);
    if (rc == VG_OK)
        rc = vg_store_exec(st, "UPDATE hosts SET system = '' WHERE system = ?", q, 1, NULL, NULL,
                           NULL, errbuf);
    if (rc == VG_OK)
        rc = vg_store_commit(st) == VG_OK ? VG_OK : vg_err(errbuf, VG_EIO, "commit failed");
    else
        vg_store_rollback(st);
    return rc;
}

int vg_inventory_host_put(vg_store *st, const char *unit, int64_t id, json_t *body, char *errbuf)
{
    bool bad = false, scoped = unit && unit[0];
    const char *sys = get_str(body, "system", &bad);
    const char *hunit = get_str(body, "unit", &bad);
    if (bad || (!sys && !hunit))
        return vg_err(errbuf, VG_EINVAL, "expected {\"system\": NAME or \"\", \"unit\": ...}");
    char ids[24], cur_unit[128] = "";
    i64s(ids, sizeof ids, id);
    json_t *arr = query(st, "SELECT unit FROM hosts WHERE id = ?", (const char *const[]){ids}, 1,
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
        char su[128] = "";
        int64_t found = 0;
        (void)!vg_store_exec(st, "SELECT count(*) FROM systems WHERE name = ?",
                            (const char *const[]){sys}, 1, first_int, &found, NULL, NULL);
        (void)!vg_store_exec(st, "SELECT unit FROM systems WHERE name = ?",
                            (const char *const[]){sys}, 1, first_str, su, NULL, NULL);
        if (!found)
            return vg_err(errbuf, VG_EINVAL, "no system named %s", sys);
        if (su[0] && strcmp(su, target_unit) != 0)
            return vg_err(errbuf, VG_EINVAL, "system %s belongs to unit %s, the host to %s", sys,
                          su, target_unit);
    }
    const char *p[] = {sys, target_unit, ids};
    return vg_store_exec(st, "UPDATE hosts SET system = COALESCE(?, system), unit = ? WHERE id = ?",
                         p, 3, NULL, NULL, NULL, errbuf);
}

int vg_inventory_evidence_put(vg_store *st, const char *unit, int64_t id, json_t *body,
                              const char *user, int64_t *out_id, char *errbuf)
{
    bool bad = false, scoped = unit && unit[0];
    const char *sys = get_str(body, "system", &bad);
    const char *control = get_str(body, "control", &bad);
    const char *doc = get_str(body, "document", &bad);
    const char *date = get_str(body, "date", &bad);
    const char *signer = get_str(body, "signer", &bad);
    const char *due = get_str(body, "due", &bad);
    if (bad)
        return vg_err(errbuf, VG_EINVAL, "bad field type");
    if ((date && date[0] && !vg_inventory_valid_date(date)) ||
        (due && due[0] && !vg_inventory_valid_date(due)))
        return vg_err(errbuf, VG_EINVAL, "dates are YYYY-MM-DD");
    char ids[24], now[24], eunit[128] = "";
    i64s(ids, sizeof ids, id);
    i64s(now, sizeof now, vg_now_us());
    if (id) {
        json_t *arr = query(st, "SELECT unit FROM evidence WHERE id = ?", (const char *const[]){ids},
                            1, (const char *const[]){"s:unit"}, 1, errbuf);
        json_t *row = json_array_get(arr, 0);
        if (row)
            snprintf(eunit, sizeof eunit, "%s", json_string_value(json_object_get(row, "unit")));
        json_decref(arr);
        if (!row || (scoped && strcmp(eunit, unit) != 0))
            return vg_err(errbuf, VG_ENOENT, "no such evidence");
    }
    if (sys && sys[0]) {
        char su[128] = "";
        int64_t found = 0;
        (void)!vg_store_exec(st, "SELECT count(*) FROM systems WHERE name = ?",
                            (const char *const[]){sys}, 1, first_int, &found, NULL, NULL);
        (void)!vg_store_exec(st, "SELECT unit FROM systems WHERE name = ?",
                            (const char *const[]){sys}, 1, first_str, su, NULL, NULL);
        if (!found || (scoped && strcmp(su, unit) != 0))
            return vg_err(errbuf, VG_EINVAL, "no system named %s", sys);
        if (!id)
            snprintf(eunit, sizeof eunit, "%s", su);
    } else if (!id) {
        snprintf(eunit, sizeof eunit, "%s", scoped ? unit : "");
    }
    if (!id) {
        if (!good_name(control) || !doc || !doc[0])
            return vg_err(errbuf, VG_EINVAL, "expected control and document (and system, date, "
                                             "signer, due)");
        const char *p[] = {eunit, sys ? sys : "", control, doc, date ? date : "",
                           signer ? signer : "", due ? due : "", now, user, now};
        return vg_store_exec(st,
                             "INSERT INTO evidence(unit, system, control, document, doc_date, "
                             "signer, due_date, created, created_by, updated) "
                             "VALUES(?,?,?,?,?,?,?,?,?,?) RETURNING id",
                             p, 10, first_int, out_id, NULL, errbuf);
    }
    if (control && !good_name(control))
        return vg_err(errbuf, VG_EINVAL, "control must be 1-%d characters", VG_INV_MAX_NAME);
    if (out_id)
        *out_id = id;
    return vg_store_exec(st,
                         "UPDATE evidence SET system = COALESCE(?, system), "
                         "control = COALESCE(?, control), document = COALESCE(?, document), "
                         "doc_date = COALESCE(?, doc_date), signer = COALESCE(?, signer), "
                         "due_date = COALESCE(?, due_date), updated = ? WHERE id = ?",
                         (const char *const[]){sys, control, doc, date, signer, due, now, ids}, 8,
                         NULL, NULL, NULL, errbuf);
}
