#include "server/incidents.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char ddl[] =
    "CREATE TABLE IF NOT EXISTS incidents ("
    " id %PK%, unit TEXT NOT NULL DEFAULT '', title TEXT NOT NULL,"
    " severity INTEGER NOT NULL DEFAULT 3, status TEXT NOT NULL DEFAULT 'new',"
    " assignee TEXT NOT NULL DEFAULT '', src_ip TEXT, dest_ip TEXT,"
    " signature_id BIGINT NOT NULL DEFAULT 0, detected BIGINT NOT NULL, last_seen BIGINT NOT NULL,"
    " created BIGINT NOT NULL, updated BIGINT NOT NULL, alerts BIGINT NOT NULL DEFAULT 0,"
    " closed BIGINT, resolution TEXT, form TEXT);"
    "CREATE INDEX IF NOT EXISTS incidents_open ON incidents(unit, src_ip, status);"
    "CREATE INDEX IF NOT EXISTS incidents_status ON incidents(status, id);"
    "CREATE INDEX IF NOT EXISTS incidents_src_id ON incidents(unit, src_ip, id);"
    "CREATE INDEX IF NOT EXISTS incidents_unit_id ON incidents(unit, id);"
    "CREATE INDEX IF NOT EXISTS incidents_unit_status ON incidents(unit, status, id);"
    "CREATE TABLE IF NOT EXISTS incident_events ("
    " incident_id BIGINT NOT NULL, event_id TEXT NOT NULL, PRIMARY KEY (incident_id, event_id));"
    "CREATE TABLE IF NOT EXISTS incident_comments ("
    " id %PK%, incident_id BIGINT NOT NULL, ts BIGINT NOT NULL, user_name TEXT NOT NULL,"
    " body TEXT NOT NULL)";

static const char *const statuses[] = {"new", "investigating", "contained", "resolved",
                                       "false_positive"};

int vg_incidents_schema(vg_store *st, char *errbuf) { return vg_store_ddl(st, ddl, errbuf); }

static void first_int(void *arg, int n, const char *const *v)
{
    int64_t *out = arg;
    if (n > 0 && v[0])
        *out = strtoll(v[0], NULL, 10);
}

int vg_incidents_group(vg_store *st, const vg_store_event *ev, size_t n, char *errbuf)
{
    if (vg_store_begin(st) != VG_OK)
        return vg_err(errbuf, VG_EIO, "incidents: cannot begin");
    int rc = VG_OK;
    char now[24];
    snprintf(now, sizeof now, "%" PRId64, vg_now_us());
    for (size_t i = 0; rc == VG_OK && i < n; i++) {
        const vg_store_event *e = &ev[i];
        if (!e->event_type || strcmp(e->event_type, "alert") != 0 || !e->src_ip)
            continue;
        char ts[24], lo[24], sev[16], sid[24];
        snprintf(ts, sizeof ts, "%" PRId64, e->ts_us);
        snprintf(lo, sizeof lo, "%" PRId64, e->ts_us - (int64_t)VG_INCIDENT_WINDOW_S * 1000000);
        snprintf(sev, sizeof sev, "%d", e->severity > 0 ? e->severity : 3);
        snprintf(sid, sizeof sid, "%" PRId64, e->signature_id);
        const char *unit = e->unit ? e->unit : "";
        int64_t id = 0;
        const char *q[] = {unit, e->src_ip, lo};
        rc = vg_store_exec(st,
                           "SELECT id FROM incidents WHERE unit = ? AND src_ip = ? AND status IN "
                           "('new','investigating','contained') AND last_seen >= ? "
                           "ORDER BY id DESC LIMIT 1", q, 3, first_int, &id, NULL, errbuf);
        if (rc != VG_OK)
            break;
        if (!id) {
            char title[300];
            snprintf(title, sizeof title, "%s from %s", e->signature ? e->signature : "alert",
                     e->src_ip);
            const char *ins[] = {unit, title, sev, e->src_ip, e->dest_ip, sid, ts, ts, now, now};
            rc = vg_store_exec(st,
                               "INSERT INTO incidents(unit, title, severity, src_ip, dest_ip, "
                               "signature_id, detected, last_seen, created, updated) "
                               "VALUES(?,?,?,?,?,?,?,?,?,?) RETURNING id",
                               ins, 10, first_int, &id, NULL, errbuf);
            if (rc != VG_OK)
                break;
        }
        char ids[24];
        snprintf(ids, sizeof ids, "%" PRId64, id);
        const char *link[] = {ids, e->event_id};
        int64_t added = 0;
        rc = vg_store_exec(st,
                           "INSERT INTO incident_events(incident_id, event_id) VALUES(?,?) "
                           "ON CONFLICT DO NOTHING", link, 2, NULL, NULL, &added, errbuf);
        if (rc == VG_OK && added) {
            const char *up[] = {ts, ts, sev, sev, now, ids};
            rc = vg_store_exec(st,
                               "UPDATE incidents SET alerts = alerts + 1, "
                               "last_seen = CASE WHEN last_seen < ? THEN ? ELSE last_seen END, "
                               "severity = CASE WHEN severity > ? THEN ? ELSE severity END, "
                               "updated = ? WHERE id = ?", up, 6, NULL, NULL, NULL, errbuf);
        }
    }
    if (rc == VG_OK)
        rc = vg_store_commit(st) == VG_OK ? VG_OK : vg_err(errbuf, VG_EIO, "incidents: commit");
    else
        vg_store_rollback(st);
    return rc;
}

/* Row → JSON object for incident columns in the order of INC_COLS. */
#define INC_COLS "id, unit, title, severity, status, assignee, src_ip, dest_ip, signature_id, " \
                 "detected, last_seen, created, updated, alerts, closed, resolution, form"

static json_t *num(const char *v) { return v ? json_integer(strtoll(v, NULL, 10)) : json_null(); }
static json_t *str(const char *v) { return v ? json_string(v) : json_null(); }

static json_t *ts_json(const char *v)
{
    if (!v)
        return json_null();
    int64_t us = strtoll(v, NULL, 10);
    time_t t = (time_t)(us / 1000000);
    struct tm tm;
    gmtime_r(&t, &tm);
    char b[40];
    strftime(b, sizeof b, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return json_string(b);
}

static void inc_row(void *arg, int n, const char *const *v)
{
    json_t *arr = arg;
    if (n < 17)
        return;
    json_t *o = json_object();
    json_object_set_new(o, "id", num(v[0]));
    json_object_set_new(o, "unit", str(v[1]));
    json_object_set_new(o, "title", str(v[2]));
    json_object_set_new(o, "severity", num(v[3]));
    json_object_set_new(o, "status", str(v[4]));
    json_object_set_new(o, "assignee", str(v[5]));
    json_object_set_new(o, "src_ip", str(v[6]));
    json_object_set_new(o, "dest_ip", str(v[7]));
    json_object_set_new(o, "signature_id", num(v[8]));
    json_object_set_new(o, "detected", ts_json(v[9]));
    json_object_set_new(o, "detected_us", num(v[9]));
    json_object_set_new(o, "last_seen", ts_json(v[10]));
    json_object_set_new(o, "created", ts_json(v[11]));
    json_object_set_new(o, "updated", ts_json(v[12]));
    json_object_set_new(o, "alerts", num(v[13]));
    json_object_set_new(o, "closed", ts_json(v[14]));
    json_object_set_new(o, "resolution", str(v[15]));
    json_error_t e;
    json_t *form = v[16] ? json_loads(v[16], 0, &e) : NULL;
    json_object_set_new(o, "form", form ? form : json_object());
    json_array_append_new(arr, o);
}

json_t *vg_incidents_list(vg_store *st, const char *unit, const char *status, int64_t before,
                          int limit, char *errbuf)
{
    char sql[512], b[24], l[16];
    const char *p[3];
    int np = 0;
    snprintf(sql, sizeof sql, "SELECT " INC_COLS " FROM incidents WHERE 1=1");
    if (unit && unit[0]) {
        strcat(sql, " AND unit = ?");
        p[np++] = unit;
    }
    if (status) {
        strcat(sql, " AND status = ?");
        p[np++] = status;
    }
    if (before > 0) {
        snprintf(b, sizeof b, "%" PRId64, before);
        strcat(sql, " AND id < ?");
        p[np++] = b;
    }
    snprintf(l, sizeof l, "%d", limit > 0 && limit <= 500 ? limit : 100);
    strcat(sql, " ORDER BY id DESC LIMIT ");
    strcat(sql, l);
    json_t *arr = json_array();
    if (vg_store_exec(st, sql, p, np, inc_row, arr, NULL, errbuf) != VG_OK) {
        json_decref(arr);
        return NULL;
    }
    return arr;
}

static json_t *fetch(vg_store *st, const char *unit, int64_t id, char *errbuf)
{
    char ids[24];
    snprintf(ids, sizeof ids, "%" PRId64, id);
    const char *p[] = {ids, unit};
    json_t *arr = json_array();
    bool scoped = unit && unit[0];
    if (vg_store_exec(st, scoped ? "SELECT " INC_COLS " FROM incidents WHERE id = ? AND unit = ?"
                                 : "SELECT " INC_COLS " FROM incidents WHERE id = ?",
                      p, scoped ? 2 : 1, inc_row, arr, NULL, errbuf) != VG_OK ||
        json_array_size(arr) != 1) {
        json_decref(arr);
        return NULL;
    }
    json_t *o = json_incref(json_array_get(arr, 0));
    json_decref(arr);
    return o;
}

static void event_row(void *arg, int n, const char *const *v)
{
    json_error_t e;
    json_t *ev = n > 0 && v[0] ? json_loads(v[0], 0, &e) : NULL;
    if (ev)
        json_array_append_new(arg, ev);
}

static void comment_row(void *arg, int n, const char *const *v)
{
    if (n < 3)
        return;
    json_t *c = json_object();
    json_object_set_new(c, "ts", ts_json(v[0]));
    json_object_set_new(c, "user", str(v[1]));
    json_object_set_new(c, "text", str(v[2]));
    json_array_append_new(arg, c);
}

static json_t *deadlines(int64_t detected, int64_t now)
{
    static const struct { const char *name, *basis; int64_t hours; } d[] = {
        {"initial_notice_24h", "Decree 331/2026/ND-CP Art. 31.2.d (reported, unverified)", 24},
        {"report_72h", "Decree 331/2026/ND-CP Art. 31.2.d (reported, unverified)", 72},
        {"notify_5d", "Circular 20/2017/TT-BTTTT", 120},
    };
    json_t *arr = json_array();
    for (size_t i = 0; i < VG_ARRAY_LEN(d); i++) {
        int64_t due = detected + d[i].hours * 3600 * 1000000LL;
        char b[24];
        snprintf(b, sizeof b, "%" PRId64, due);
        json_t *o = json_pack("{ss ss so sI sb}", "name", d[i].name, "basis", d[i].basis, "due",
                              ts_json(b), "remaining_s", (json_int_t)((due - now) / 1000000),
                              "overdue", now > due);
        json_array_append_new(arr, o);
    }
    return arr;
}

json_t *vg_incident_get(vg_store *st, const char *unit, int64_t id, int64_t now, char *errbuf)
{
    json_t *o = fetch(st, unit, id, errbuf);
    if (!o)
        return NULL;
    char ids[24];
    snprintf(ids, sizeof ids, "%" PRId64, id);
    const char *p[] = {ids};
    json_t *events = json_array(), *comments = json_array();
    if (vg_store_exec(st,
                  "SELECT e.json FROM incident_events ie JOIN events e ON e.event_id = ie.event_id "
                  "WHERE ie.incident_id = ? ORDER BY e.ts LIMIT 500", p, 1, event_row, events,
                  NULL, errbuf) != VG_OK ||
        vg_store_exec(st, "SELECT ts, user_name, body FROM incident_comments WHERE incident_id = ? "
                          "ORDER BY id", p, 1, comment_row, comments, NULL, errbuf) != VG_OK) {
        json_decref(events);
        json_decref(comments);
        json_decref(o);
        return NULL;
    }
    json_object_set_new(o, "events", events);
    json_object_set_new(o, "comments", comments);
    json_object_set_new(o, "deadlines",
                        deadlines(json_integer_value(json_object_get(o, "detected_us")), now));
    return o;
}

static bool valid_status(const char *s)
{
    for (size_t i = 0; i < VG_ARRAY_LEN(statuses); i++)
        if (strcmp(s, statuses[i]) == 0)
            return true;
    return false;
}

int vg_incident_update(vg_store *st, const char *unit, int64_t id, json_t *ch, const char *user,
                       char *errbuf)
{
    json_t *cur = fetch(st, unit, id, errbuf);
    if (!cur)
        return vg_err(errbuf, VG_ENOENT, "no such incident");
    json_decref(cur);
    if (!json_is_object(ch))
        return vg_err(errbuf, VG_EINVAL, "expected a JSON object");
    const char *key;
    json_t *v;
    json_object_foreach(ch, key, v) {
        bool ok = strcmp(key, "status") == 0 ? json_is_string(v) && valid_status(json_string_value(v))
                  : strcmp(key, "severity") == 0 ? json_is_integer(v) && json_integer_value(v) >= 1 &&
                                                       json_integer_value(v) <= 4
                  : strcmp(key, "assignee") == 0 || strcmp(key, "title") == 0 ||
                            strcmp(key, "resolution") == 0
                      ? json_is_string(v) && strlen(json_string_value(v)) < 4000
                  : strcmp(key, "form") == 0 ? json_is_object(v)
                                             : false;
        if (!ok)
            return vg_err(errbuf, VG_EINVAL, "field '%s': invalid value or unknown field", key);
    }
    char ids[24], now[24];
    snprintf(ids, sizeof ids, "%" PRId64, id);
    snprintf(now, sizeof now, "%" PRId64, vg_now_us());
    if (vg_store_begin(st) != VG_OK)
        return vg_err(errbuf, VG_EIO, "cannot begin");
    int rc = VG_OK;
    json_object_foreach(ch, key, v) {
        char val[64];
        char *dump = NULL;
        const char *sv;
        if (json_is_integer(v)) {
            snprintf(val, sizeof val, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
            sv = val;
        } else if (json_is_object(v)) {
            sv = dump = json_dumps(v, JSON_COMPACT);
        } else {
            sv = json_string_value(v);
        }
        char sql[160];
        snprintf(sql, sizeof sql, "UPDATE incidents SET %s = ?, updated = ? WHERE id = ?", key);
        const char *p[] = {sv, now, ids};
        rc = vg_store_exec(st, sql, p, 3, NULL, NULL, NULL, errbuf);
        if (rc == VG_OK && strcmp(key, "status") == 0) {
            bool closing = strcmp(sv, "resolved") == 0 || strcmp(sv, "false_positive") == 0;
            const char *q[] = {closing ? now : NULL, ids};
            rc = vg_store_exec(st, "UPDATE incidents SET closed = ? WHERE id = ?", q, 2, NULL, NULL,
                               NULL, errbuf);
        }
        if (rc == VG_OK) {
            char detail[200];
            snprintf(detail, sizeof detail, "incident %s: %s = %.120s", ids, key,
                     strcmp(key, "form") == 0 ? "(form)" : sv);
            rc = vg_store_audit(st, user, "incident.update", detail);
        }
        free(dump);
        if (rc != VG_OK)
            break;
    }
    if (rc == VG_OK)
        rc = vg_store_commit(st);
    else
        vg_store_rollback(st);
    return rc;
}

int vg_incident_comment(vg_store *st, const char *unit, int64_t id, const char *user,
                        const char *text, char *errbuf)
{
    json_t *cur = fetch(st, unit, id, errbuf);
    if (!cur)
        return vg_err(errbuf, VG_ENOENT, "no such incident");
    json_decref(cur);
    if (!text[0] || strlen(text) > 10000)
        return vg_err(errbuf, VG_EINVAL, "comment must be 1-10000 characters");
    char ids[24], now[24];
    snprintf(ids, sizeof ids, "%" PRId64, id);
    snprintf(now, sizeof now, "%" PRId64, vg_now_us());
    const char *p[] = {ids, now, user, text};
    int rc = vg_store_exec(st, "INSERT INTO incident_comments(incident_id, ts, user_name, body) "
                               "VALUES(?,?,?,?)", p, 4, NULL, NULL, NULL, errbuf);
    if (rc == VG_OK) {
        char detail[64];
        snprintf(detail, sizeof detail, "incident %s", ids);
        vg_store_audit(st, user, "incident.comment", detail);
    }
    return rc;
}

static json_t *form_get(json_t *form, const char *key)
{
    json_t *v = json_object_get(form, key);
    return v ? json_incref(v) : json_string("");
}

json_t *vg_incident_report(vg_store *st, const char *unit, int64_t id, const char *kind,
                           int64_t now, char *errbuf)
{
    bool final = strcmp(kind, "final") == 0;
    if (!final && strcmp(kind, "initial") != 0) {
        vg_err(errbuf, VG_EINVAL, "kind must be initial or final");
        return NULL;
    }
    json_t *inc = vg_incident_get(st, unit, id, now, errbuf);
    if (!inc)
        return NULL;
    json_t *form = json_object_get(inc, "form");
    char nowb[24];
    snprintf(nowb, sizeof nowb, "%" PRId64, now);
    json_t *r = json_object();
    json_object_set_new(r, "form", json_string(final ? "Báo cáo kết thúc ứng cứu sự cố (final report)"
                                                     : "Báo cáo ban đầu sự cố mạng (Form 03, initial report)"));
    json_object_set_new(r, "email_subject_prefix", json_string("[TBSC]"));
    json_object_set_new(r, "incident_id", json_incref(json_object_get(inc, "id")));
    json_object_set_new(r, "reporter", json_pack("{so so so so}", "organisation",
                                                 form_get(form, "reporter_organisation"), "address",
                                                 form_get(form, "reporter_address"), "phone",
                                                 form_get(form, "reporter_phone"), "email",
                                                 form_get(form, "reporter_email")));
    json_object_set_new(r, "contact", json_pack("{so so so so}", "name", form_get(form, "contact_name"),
                                                "title", form_get(form, "contact_title"), "phone",
                                                form_get(form, "contact_phone"), "email",
                                                form_get(form, "contact_email")));
    json_t *unit_v = json_object_get(inc, "unit");
    json_object_set_new(r, "affected_system",
                        json_pack("{so so so so so so}", "operating_unit",
                                  json_string_length(unit_v) ? json_incref(unit_v)
                                                             : form_get(form, "operating_unit"),
                                  "owning_agency", form_get(form, "owning_agency"), "system_name",
                                  form_get(form, "system_name"), "security_level",
                                  form_get(form, "security_level"), "security_service_provider",
                                  form_get(form, "security_service_provider"),
                                  "connectivity_provider", form_get(form, "connectivity_provider")));
    json_t *desc = json_object_get(form, "description");
    json_object_set_new(r, "incident",
                        json_pack("{so so so so so so so si si}", "name",
                                  json_incref(json_object_get(inc, "title")), "description",
                                  desc ? json_incref(desc) : json_incref(json_object_get(inc, "title")),
                                  "detected", json_incref(json_object_get(inc, "detected")), "status",
                                  json_incref(json_object_get(inc, "status")), "detection_method",
                                  json_string("vigil automated monitoring (IDS / log analysis)"),
                                  "notified", form_get(form, "notified"), "source_ip",
                                  json_incref(json_object_get(inc, "src_ip")), "severity",
                                  (int)json_integer_value(json_object_get(inc, "severity")),
                                  "alerts", (int)json_integer_value(json_object_get(inc, "alerts"))));
    json_object_set_new(r, "system_details",
                        json_pack("{so so so so so so}", "os", form_get(form, "os"), "services",
                                  form_get(form, "services"), "security_measures",
                                  form_get(form, "security_measures"), "public_ips",
                                  form_get(form, "public_ips"), "domains", form_get(form, "domains"),
                                  "purpose", form_get(form, "purpose")));
    json_object_set_new(r, "handling",
                        json_pack("{so so so}", "confidential", form_get(form, "confidential"),
                                  "support_requested", form_get(form, "support_requested"),
                                  "report_time", ts_json(nowb)));
    json_object_set_new(r, "deadlines", json_incref(json_object_get(inc, "deadlines")));
    if (final)
        json_object_set_new(r, "result",
                            json_pack("{so so so}", "handling_result",
                                      json_incref(json_object_get(inc, "resolution")), "closed",
                                      json_incref(json_object_get(inc, "closed")), "initial_report_ref",
                                      form_get(form, "initial_report_ref")));
    json_object_set_new(r, "evidence_events", json_integer((json_int_t)json_array_size(json_object_get(inc, "events"))));
    json_decref(inc);
    return r;
}

/* HTML-escape s into a growing buffer. */
static void esc(char **buf, size_t *len, size_t *cap, const char *s)
{
    for (; s && *s; s++) {
        const char *rep = *s == '<' ? "&lt;" : *s == '>' ? "&gt;" : *s == '&' ? "&amp;"
                        : *s == '"' ? "&quot;" : NULL;
        size_t n = rep ? strlen(rep) : 1;
        if (*len + n + 1 > *cap) {
            *cap = (*cap + n) * 2;
            *buf = realloc(*buf, *cap);
        }
        memcpy(*buf + *len, rep ? rep : s, n);
        *len += n;
    }
    (*buf)[*len] = '\0';
}

static void emit(char **buf, size_t *len, size_t *cap, const char *s)
{
    size_t n = strlen(s);
    if (*len + n + 1 > *cap) {
        *cap = (*cap + n) * 2;
        *buf = realloc(*buf, *cap);
    }
    memcpy(*buf + *len, s, n + 1);
    *len += n;
}

static void section(char **b, size_t *l, size_t *c, json_t *r, const char *key, const char *title,
                    const char *const *labels)
{
    json_t *o = json_object_get(r, key);
    if (!o)
        return;
    emit(b, l, c, "<h2>");
    esc(b, l, c, title);
    emit(b, l, c, "</h2><table>");
    const char *k;
    json_t *v;
    int i = 0;
    json_object_foreach(o, k, v) {
        emit(b, l, c, "<tr><th>");
        esc(b, l, c, labels && labels[i] ? labels[i] : k);
        emit(b, l, c, "</th><td>");
        if (json_is_string(v))
            esc(b, l, c, json_string_value(v));
        else if (!json_is_null(v)) {
            char *d = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
            esc(b, l, c, d);
            free(d);
        }
        emit(b, l, c, "</td></tr>");
        i++;
    }
    emit(b, l, c, "</table>");
}

char *vg_incident_report_html(json_t *r)
{
    size_t cap = 8192, len = 0;
    char *b = malloc(cap);
    if (!b)
        return NULL;
    b[0] = '\0';
    emit(&b, &len, &cap,
         "<!doctype html><html lang=\"vi\"><head><meta charset=\"utf-8\"><title>");
    esc(&b, &len, &cap, json_string_value(json_object_get(r, "form")));
    emit(&b, &len, &cap,
         "</title><style>body{font-family:sans-serif;max-width:900px;margin:2em auto}"
         "table{border-collapse:collapse;width:100%;margin-bottom:1em}th,td{border:1px solid #999;"
         "padding:4px 8px;text-align:left;vertical-align:top}th{width:35%;background:#f0f0f0}"
         "@media print{body{margin:0}}</style></head><body><h1>");
    esc(&b, &len, &cap, json_string_value(json_object_get(r, "form")));
    emit(&b, &len, &cap, "</h1>");
    static const char *const rep[] = {"Tổ chức / cá nhân báo cáo (organisation)", "Địa chỉ (address)",
                                      "Điện thoại (phone)", "Thư điện tử (email)"};
    static const char *const con[] = {"Họ tên (name)", "Chức vụ (title)", "Điện thoại (phone)",
                                      "Thư điện tử (email)"};
    static const char *const sys[] = {"Đơn vị vận hành (operating unit)", "Cơ quan chủ quản (owning agency)",
                                      "Tên hệ thống (system name)", "Cấp độ (security level)",
                                      "Nhà cung cấp dịch vụ ATTT (security provider)",
                                      "Nhà cung cấp kết nối (connectivity provider)"};
    static const char *const inc[] = {"Tên sự cố (name)", "Mô tả sơ bộ (description)",
                                      "Thời điểm phát hiện (detected)", "Tình trạng (status)",
                                      "Cách thức phát hiện (detection method)",
                                      "Đã thông báo cho (notified)", "Địa chỉ nguồn (source IP)",
                                      "Mức độ (severity)", "Số cảnh báo (alerts)"};
    section(&b, &len, &cap, r, "reporter", "Thông tin người báo cáo / Reporter", rep);
    section(&b, &len, &cap, r, "contact", "Người liên hệ / Contact", con);
    section(&b, &len, &cap, r, "affected_system", "Hệ thống bị sự cố / Affected system", sys);
    section(&b, &len, &cap, r, "incident", "Thông tin sự cố / Incident", inc);
    section(&b, &len, &cap, r, "system_details", "Thông tin hệ thống / System details", NULL);
    section(&b, &len, &cap, r, "handling", "Xử lý / Handling", NULL);
    section(&b, &len, &cap, r, "result", "Kết quả xử lý / Result", NULL);
    json_t *dl = json_object_get(r, "deadlines");
    emit(&b, &len, &cap, "<h2>Thời hạn báo cáo / Reporting deadlines</h2><table>");
    size_t i;
    json_t *d;
    json_array_foreach(dl, i, d) {
        emit(&b, &len, &cap, "<tr><th>");
        esc(&b, &len, &cap, json_string_value(json_object_get(d, "name")));
        emit(&b, &len, &cap, "</th><td>");
        esc(&b, &len, &cap, json_string_value(json_object_get(d, "due")));
        emit(&b, &len, &cap, json_is_true(json_object_get(d, "overdue")) ? " (QUÁ HẠN / OVERDUE) " : " ");
        esc(&b, &len, &cap, json_string_value(json_object_get(d, "basis")));
        emit(&b, &len, &cap, "</td></tr>");
    }
    emit(&b, &len, &cap, "</table><p>Ký tên, đóng dấu / Signature and stamp:</p></body></html>\n");
    return b;
}
