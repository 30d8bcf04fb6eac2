/* vulndb.c: feed import (Debian tracker, OSV) and package matching (see vulndb.h). */
#include "inspect/vulndb.h"

#include <errno.h>
#include <jansson.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "inspect/debver.h"
#include "inspect/rpmver.h"
#include "inspect/ytree.h"

#define MAX_FEED (512u << 20)
#define MAX_TEXT 4096

struct vg_vulndb {
    sqlite3 *db;
    sqlite3_stmt *ins_deb, *ins_osv, *ins_desc;
    char releases[256];   /* import only these tracker releases (",a,b,"), "" = all */
};

static const char schema[] =
    "PRAGMA journal_mode=WAL;"
    "CREATE TABLE IF NOT EXISTS debian(source TEXT NOT NULL, id TEXT NOT NULL, release TEXT NOT NULL,"
    " status TEXT, fixed TEXT, urgency TEXT, PRIMARY KEY(source, id, release));"
    "CREATE TABLE IF NOT EXISTS debian_desc(id TEXT PRIMARY KEY, description TEXT);"
    "CREATE TABLE IF NOT EXISTS osv(id TEXT NOT NULL, ecosystem TEXT NOT NULL, package TEXT NOT NULL,"
    " introduced TEXT, fixed TEXT, last_affected TEXT, exact TEXT, severity TEXT, summary TEXT);"
    "CREATE INDEX IF NOT EXISTS osv_pkg ON osv(ecosystem, package);"
    "CREATE TABLE IF NOT EXISTS imports(file TEXT, format TEXT, records INTEGER, at TEXT DEFAULT CURRENT_TIMESTAMP);";

int vg_vulndb_open(const char *path, vg_vulndb **out, char *errbuf)
{
    *out = NULL;
    vg_vulndb *v = calloc(1, sizeof(*v));
    if (!v)
        return vg_err(errbuf, VG_ENOMEM, "out of memory");
    if (sqlite3_open(path, &v->db) != SQLITE_OK) {
        int rc = vg_err(errbuf, VG_EIO, "%s: %s", path, v->db ? sqlite3_errmsg(v->db) : "cannot open");
        sqlite3_close(v->db);
        free(v);
        return rc;
    }
    char *msg = NULL;
    if (sqlite3_exec(v->db, schema, NULL, NULL, &msg) != SQLITE_OK ||
        sqlite3_prepare_v2(v->db, "INSERT OR REPLACE INTO debian VALUES(?,?,?,?,?,?)", -1, &v->ins_deb, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(v->db, "INSERT OR REPLACE INTO debian_desc VALUES(?,?)", -1, &v->ins_desc, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(v->db, "INSERT INTO osv VALUES(?,?,?,?,?,?,?,?,?)", -1, &v->ins_osv, NULL) != SQLITE_OK) {
        int rc = vg_err(errbuf, VG_EIO, "%s: %s", path, msg ? msg : sqlite3_errmsg(v->db));
        sqlite3_free(msg);
        vg_vulndb_close(v);
        return rc;
    }
    *out = v;
    return VG_OK;
}

void vg_vulndb_set_releases(vg_vulndb *v, const char *list)
{
    v->releases[0] = '\0';
    if (list && *list)
        snprintf(v->releases, sizeof v->releases, ",%.250s,", list);
}

void vg_vulndb_close(vg_vulndb *v)
{
    if (!v)
        return;
    sqlite3_finalize(v->ins_deb);
    sqlite3_finalize(v->ins_desc);
    sqlite3_finalize(v->ins_osv);
    sqlite3_close(v->db);
    free(v);
}

static const char *jstr(const json_t *o, const char *key)
{
    const json_t *v = json_object_get(o, key);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

static void bind_text(sqlite3_stmt *st, int i, const char *s)
{
    if (s)
        sqlite3_bind_text(st, i, s, (int)strnlen(s, MAX_TEXT), SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(st, i);
}

/* Debian tracker: {src: {CVE: {description, scope, releases: {rel: {...}}}}};
 * one source package. */
static int import_tracker_member(vg_vulndb *v, const char *src, json_t *cves, vg_feed_stats *st)
{
    {
        if (!json_is_object(cves)) {
            st->skipped++;
            return VG_OK;
        }
        st->packages++;
        const char *id;
        json_t *e;
        json_object_foreach(cves, id, e) {
            json_t *rels = json_object_get(e, "releases");
            if (!json_is_object(e) || !json_is_object(rels)) {
                st->skipped++;
                continue;
            }
            const char *desc = jstr(e, "description");
            bool stored = false;
            const char *rel;
            json_t *r;
            json_object_foreach(rels, rel, r) {
                if (!json_is_object(r)) {
                    st->skipped++;
                    continue;
                }
                if (v->releases[0]) {
                    char key[72];
                    snprintf(key, sizeof key, ",%.64s,", rel);
                    if (!strstr(v->releases, key))
                        continue;
                }
                sqlite3_stmt *s = v->ins_deb;
                bind_text(s, 1, src);
                bind_text(s, 2, id);
                bind_text(s, 3, rel);
                bind_text(s, 4, jstr(r, "status"));
                bind_text(s, 5, jstr(r, "fixed_version"));
                bind_text(s, 6, jstr(r, "urgency"));
                int rc = sqlite3_step(s);
                sqlite3_reset(s);
                if (rc != SQLITE_DONE)
                    return VG_EIO;
                st->records++;
                stored = true;
            }
            if (stored && desc) {
                sqlite3_stmt *s = v->ins_desc;
                bind_text(s, 1, id);
                bind_text(s, 2, desc);
                int rc = sqlite3_step(s);
                sqlite3_reset(s);
                if (rc != SQLITE_DONE)
                    return VG_EIO;
            }
        }
    }
    return VG_OK;
}

static bool looks_tracker(json_t *root);

static int import_tracker(vg_vulndb *v, json_t *root, vg_feed_stats *st)
{
    const char *src;
    json_t *cves;
    json_object_foreach(root, src, cves) {
        int rc = import_tracker_member(v, src, cves, st);
        if (rc != VG_OK)
            return rc;
    }
    return VG_OK;
}

/* Streaming over the tracker's top-level object, one source package parsed
 * at a time, so that memory follows the largest package, not the 60 MB
 * file.  Any surprise (not an object of objects, bad syntax, nesting over
 * 64) returns VG_DECLINED and the caller parses the whole document, which
 * also gives the precise error position. */
static const char *ws(const char *p, const char *e)
{
    while (p < e && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
        p++;
    return p;
}

static const char *str_end(const char *p, const char *e)
{
    for (p++; p < e; p++) {
        if (*p == '\\')
            p++;
        else if (*p == '"')
            return p + 1;
    }
    return NULL;
}

static const char *value_end(const char *p, const char *e)
{
    int depth = 0;
    while (p < e) {
        char c = *p;
        if (c == '"') {
            p = str_end(p, e);
            if (!p)
                return NULL;
            if (depth == 0)
                return p;
            continue;
        }
        if (c == '{' || c == '[') {
            if (++depth > 64)
                return NULL;
        } else if (c == '}' || c == ']') {
            if (--depth < 0)
                return NULL;
            if (depth == 0)
                return p + 1;
        } else if (depth == 0 && (c == ',' || c == ' ' || c == '\n' || c == '\r' || c == '\t')) {
            return p;
        }
        p++;
    }
    return depth == 0 ? p : NULL;
}

static int import_tracker_stream(vg_vulndb *v, const char *buf, size_t len, vg_feed_stats *st)
{
    const char *p = ws(buf, buf + len), *e = buf + len;
    if (p >= e || *p != '{')
        return VG_DECLINED;
    p = ws(p + 1, e);
    bool first = true;
    while (p < e && *p != '}') {
        if (*p != '"')
            return VG_DECLINED;
        const char *ke = str_end(p, e);
        if (!ke)
            return VG_DECLINED;
        json_t *key = json_loadb(p, (size_t)(ke - p), JSON_DECODE_ANY, NULL);
        if (!json_is_string(key)) {
            json_decref(key);
            return VG_DECLINED;
        }
        p = ws(ke, e);
        if (p >= e || *p != ':') {
            json_decref(key);
            return VG_DECLINED;
        }
        p = ws(p + 1, e);
        const char *ve = value_end(p, e);
        json_t *val = ve ? json_loadb(p, (size_t)(ve - p), 0, NULL) : NULL;
        if (!val) {
            json_decref(key);
            return VG_DECLINED;
        }
        if (first) {
            /* the first member decides whether this is the tracker */
            json_t *probe = json_object();
            json_object_set(probe, json_string_value(key), val);
            bool tracker = looks_tracker(probe);
            json_decref(probe);
            if (!tracker) {
                json_decref(key);
                json_decref(val);
                return VG_DECLINED;
            }
            first = false;
        }
        int rc = import_tracker_member(v, json_string_value(key), val, st);
        json_decref(key);
        json_decref(val);
        if (rc != VG_OK)
            return rc;
        p = ws(ve, e);
        if (p < e && *p == ',')
            p = ws(p + 1, e);
        else if (p < e && *p != '}')
            return VG_DECLINED;
    }
    if (p >= e || first)
        return VG_DECLINED;
    p = ws(p + 1, e);
    return p == e ? VG_OK : VG_DECLINED;
}

static const char *osv_severity(const json_t *rec, const json_t *aff)
{
    const json_t *ds = json_object_get(aff, "database_specific");
    const char *s = jstr(ds, "severity");
    if (!s)
        s = jstr(json_object_get(aff, "ecosystem_specific"), "severity");
    if (!s)
        s = jstr(json_object_get(rec, "database_specific"), "severity");
    if (!s) {
        const json_t *sev = json_object_get(rec, "severity");
        if (json_is_array(sev) && json_array_size(sev) > 0)
            s = jstr(json_array_get(sev, 0), "score");
    }
    return s;
}

static int osv_row(vg_vulndb *v, const char *id, const char *eco, const char *pkg, const char *intro,
                   const char *fixed, const char *last, const char *exact, const char *sev,
                   const char *summary, vg_feed_stats *st)
{
    sqlite3_stmt *s = v->ins_osv;
    bind_text(s, 1, id);
    bind_text(s, 2, eco);
    bind_text(s, 3, pkg);
    bind_text(s, 4, intro);
    bind_text(s, 5, fixed);
    bind_text(s, 6, last);
    bind_text(s, 7, exact);
    bind_text(s, 8, sev);
    bind_text(s, 9, summary);
    int rc = sqlite3_step(s);
    sqlite3_reset(s);
    if (rc != SQLITE_DONE)
        return VG_EIO;
    st->records++;
    return VG_OK;
}

static int import_osv_record(vg_vulndb *v, const json_t *rec, vg_feed_stats *st)
{
    const char *id = jstr(rec, "id");
    const json_t *aff = json_object_get(rec, "affected");
    if (!id || !json_is_array(aff)) {
        st->skipped++;
        return VG_OK;
    }
    st->packages++;
    const char *summary = jstr(rec, "summary");
    if (!summary)
        summary = jstr(rec, "details");
    size_t i;
    json_t *a;
    json_array_foreach(aff, i, a) {
        const json_t *pk = json_object_get(a, "package");
        const char *eco = jstr(pk, "ecosystem"), *name = jstr(pk, "name");
        if (!eco || !name) {
            st->skipped++;
            continue;
        }
        const char *sev = osv_severity(rec, a);
        const json_t *ranges = json_object_get(a, "ranges");
        size_t k;
        json_t *r;
        json_array_foreach(ranges, k, r) {
            const char *type = jstr(r, "type");
            if (!type || strcmp(type, "ECOSYSTEM") != 0)
                continue; /* SEMVER/GIT ranges do not apply to Debian versions */
            const json_t *ev = json_object_get(r, "events");
            const char *start = NULL;
            size_t j;
            json_t *e;
            json_array_foreach(ev, j, e) {
                const char *in = jstr(e, "introduced"), *fx = jstr(e, "fixed");
                const char *la = jstr(e, "last_affected");
                int rc = VG_OK;
                if (in) {
                    if (start)
                        rc = osv_row(v, id, eco, name, start, NULL, NULL, NULL, sev, summary, st);
                    start = in;
                } else if (fx || la) {
                    rc = osv_row(v, id, eco, name, start ? start : "0", fx, la, NULL, sev, summary, st);
                    start = NULL;
                }
                if (rc != VG_OK)
                    return rc;
            }
            if (start) {
                int rc = osv_row(v, id, eco, name, start, NULL, NULL, NULL, sev, summary, st);
                if (rc != VG_OK)
                    return rc;
            }
        }
        const json_t *vers = json_object_get(a, "versions");
        json_array_foreach(vers, k, r) {
            if (!json_is_string(r))
                continue;
            int rc = osv_row(v, id, eco, name, NULL, NULL, NULL, json_string_value(r), sev, summary, st);
            if (rc != VG_OK)
                return rc;
        }
    }
    return VG_OK;
}

static bool looks_tracker(json_t *root)
{
    const char *k;
    json_t *val;
    json_object_foreach(root, k, val) {
        if (!json_is_object(val))
            continue;
        const char *k2;
        json_t *v2;
        json_object_foreach(val, k2, v2) {
            return strncmp(k2, "CVE-", 4) == 0 || strncmp(k2, "TEMP-", 5) == 0 ||
                   json_object_get(v2, "releases") != NULL;
        }
    }
    return false;
}

int vg_feed_import_buffer(vg_vulndb *v, const char *buf, size_t len, const char *name,
                          vg_feed_stats *st, char *errbuf)
{
    memset(st, 0, sizeof(*st));
    sqlite3_exec(v->db, "BEGIN", NULL, NULL, NULL);
    int src = import_tracker_stream(v, buf, len, st);
    if (src == VG_OK) {
        st->format = "debian-tracker";
        goto commit;
    }
    sqlite3_exec(v->db, "ROLLBACK", NULL, NULL, NULL);
    if (src != VG_DECLINED)
        return vg_err(errbuf, src, "%s: database error: %s", name, sqlite3_errmsg(v->db));
    memset(st, 0, sizeof(*st));
    json_error_t jerr;
    json_t *root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!root)
        return vg_err(errbuf, VG_EINVAL, "%s:%d:%d: %s", name, jerr.line, jerr.column, jerr.text);
    int rc = VG_OK;
    sqlite3_exec(v->db, "BEGIN", NULL, NULL, NULL);
    if (json_is_array(root) || (json_is_object(root) && json_is_array(json_object_get(root, "vulns")))) {
        st->format = "osv";
        json_t *arr = json_is_array(root) ? root : json_object_get(root, "vulns");
        size_t i;
        json_t *r;
        json_array_foreach(arr, i, r) {
            if ((rc = import_osv_record(v, r, st)) != VG_OK)
                break;
        }
    } else if (json_is_object(root) && jstr(root, "id") && json_object_get(root, "affected")) {
        st->format = "osv";
        rc = import_osv_record(v, root, st);
    } else if (json_is_object(root) && (json_object_size(root) == 0 || looks_tracker(root))) {
        st->format = "debian-tracker";
        rc = import_tracker(v, root, st);
    } else {
        json_decref(root);
        sqlite3_exec(v->db, "ROLLBACK", NULL, NULL, NULL);
        return vg_err(errbuf, VG_EINVAL,
                      "%s:1:1: neither a Debian Security Tracker JSON (source -> CVE -> releases) nor OSV JSON (id, affected)",
                      name);
    }
    json_decref(root);
    if (rc != VG_OK) {
        sqlite3_exec(v->db, "ROLLBACK", NULL, NULL, NULL);
        return vg_err(errbuf, rc, "%s: database error: %s", name, sqlite3_errmsg(v->db));
    }
commit:;
    sqlite3_stmt *s;
    if (sqlite3_prepare_v2(v->db, "INSERT INTO imports(file, format, records) VALUES(?,?,?)", -1, &s, NULL) == SQLITE_OK) {
        bind_text(s, 1, name);
        bind_text(s, 2, st->format);
        sqlite3_bind_int64(s, 3, (sqlite3_int64)st->records);
        sqlite3_step(s);
        sqlite3_finalize(s);
    }
    if (sqlite3_exec(v->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
        return vg_err(errbuf, VG_EIO, "%s: commit failed: %s", name, sqlite3_errmsg(v->db));
    return VG_OK;
}

int vg_feed_import_file(vg_vulndb *v, const char *path, vg_feed_stats *st, char *errbuf)
{
    char *buf;
    size_t len;
    int rc = vg_read_file(path, MAX_FEED, &buf, &len);
    if (rc != VG_OK)
        return vg_err(errbuf, rc, "%s: cannot read: %s", path,
                      rc == VG_ELIMIT ? "larger than 512 MiB" : strerror(errno));
    rc = vg_feed_import_buffer(v, buf, len, path, st, errbuf);
    free(buf);
    return rc;
}

/* ------------------------------------------------------------------ */
/* matching                                                            */

struct acc {
    vg_vuln *v;
    size_t n, cap;
};

static char *sdup(const unsigned char *s)
{
    return s ? strdup((const char *)s) : NULL;
}

static int add(struct acc *a, const vg_pkg *p, const char *id, const char *fixed, const char *sev,
               const char *feed, const char *desc)
{
    for (size_t i = 0; i < a->n; i++)
        if (strcmp(a->v[i].id, id) == 0 && strcmp(a->v[i].package, p->name) == 0)
            return VG_OK; /* same advisory from both feeds */
    if (a->n == a->cap) {
        size_t nc = a->cap ? a->cap * 2 : 64;
        vg_vuln *nv = realloc(a->v, nc * sizeof(vg_vuln));
        if (!nv)
            return VG_ENOMEM;
        a->v = nv;
        a->cap = nc;
    }
    vg_vuln *x = &a->v[a->n++];
    memset(x, 0, sizeof(*x));
    x->id = strdup(id);
    x->package = strdup(p->name);
    x->version = strdup(p->version);
    x->source = strdup(p->source);
    x->source_version = strdup(p->source_version);
    x->fixed = fixed ? strdup(fixed) : NULL;
    x->severity = sev ? strdup(sev) : NULL;
    x->feed = strdup(feed);
    x->description = desc ? strndup(desc, 512) : NULL;
    return VG_OK;
}

void vg_vulns_free(vg_vuln *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(v[i].id); free(v[i].package); free(v[i].version); free(v[i].source);
        free(v[i].source_version); free(v[i].fixed); free(v[i].severity); free(v[i].feed);
        free(v[i].description);
    }
    free(v);
}

static int cmp_vuln(const void *a, const void *b)
{
    const vg_vuln *x = a, *y = b;
    int r = strcmp(x->package, y->package);
    return r ? r : strcmp(x->id, y->id);
}

int vg_vuln_match(vg_vulndb *v, const vg_pkglist *pkgs, const char *release, const char *ecosystem,
                  vg_vuln **out, size_t *n, char *errbuf)
{
    *out = NULL;
    *n = 0;
    sqlite3_stmt *qd = NULL, *qo = NULL;
    if (sqlite3_prepare_v2(v->db, "SELECT d.id, d.status, d.fixed, d.urgency, x.description FROM debian d "
                           "LEFT JOIN debian_desc x ON x.id = d.id WHERE d.source = ? AND d.release = ?",
                           -1, &qd, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(v->db, "SELECT id, introduced, fixed, last_affected, exact, severity, summary "
                           "FROM osv WHERE (ecosystem = ?1 OR ecosystem LIKE ?1 || ':%') AND package = ?2", -1, &qo, NULL) != SQLITE_OK) {
        sqlite3_finalize(qd);
        return vg_err(errbuf, VG_EIO, "vulnerability database: %s", sqlite3_errmsg(v->db));
    }
    struct acc a = {0};
    int rc = VG_OK;
    for (size_t i = 0; i < pkgs->n && rc == VG_OK; i++) {
        const vg_pkg *p = &pkgs->v[i];
        const char *sv = p->source_version;
        int (*vcmp)(const char *, const char *) = p->rpm ? vg_rpmver_cmp : vg_debver_cmp;
        if (release && *release && !p->rpm) {
            sqlite3_bind_text(qd, 1, p->source, -1, SQLITE_STATIC);
            sqlite3_bind_text(qd, 2, release, -1, SQLITE_STATIC);
            while (rc == VG_OK && sqlite3_step(qd) == SQLITE_ROW) {
                const char *id = (const char *)sqlite3_column_text(qd, 0);
                const char *status = (const char *)sqlite3_column_text(qd, 1);
                const char *fixed = (const char *)sqlite3_column_text(qd, 2);
                bool vuln = false;
                if (status && strcmp(status, "open") == 0)
                    vuln = true, fixed = NULL;
                else if (status && strcmp(status, "resolved") == 0 && fixed && strcmp(fixed, "0") != 0)
                    vuln = vg_debver_cmp(sv, fixed) < 0;
                if (vuln)
                    rc = add(&a, p, id, fixed, (const char *)sqlite3_column_text(qd, 3), "debian-tracker",
                             (const char *)sqlite3_column_text(qd, 4));
            }
            sqlite3_reset(qd);
        }
        /* OSV records name the source package; RPM distributions' records
         * (Red Hat, AlmaLinux) often name binary packages: try both. */
        const char *names[2] = {p->source, p->rpm && strcmp(p->name, p->source) != 0 ? p->name : NULL};
        for (int k = 0; k < 2 && names[k] && ecosystem && *ecosystem && rc == VG_OK; k++) {
            if (k == 1)
                sv = p->version;
            sqlite3_bind_text(qo, 1, ecosystem, -1, SQLITE_STATIC);
            sqlite3_bind_text(qo, 2, names[k], -1, SQLITE_STATIC);
            while (rc == VG_OK && sqlite3_step(qo) == SQLITE_ROW) {
                const char *id = (const char *)sqlite3_column_text(qo, 0);
                const char *in = (const char *)sqlite3_column_text(qo, 1);
                const char *fx = (const char *)sqlite3_column_text(qo, 2);
                const char *la = (const char *)sqlite3_column_text(qo, 3);
                const char *ex = (const char *)sqlite3_column_text(qo, 4);
                bool vuln;
                if (ex)
                    vuln = vcmp(sv, ex) == 0;
                else {
                    vuln = !in || strcmp(in, "0") == 0 || vcmp(sv, in) >= 0;
                    if (vuln && fx)
                        vuln = vcmp(sv, fx) < 0;
                    if (vuln && la)
                        vuln = vcmp(sv, la) <= 0;
                }
                if (vuln)
                    rc = add(&a, p, id, fx, (const char *)sqlite3_column_text(qo, 5), "osv",
                             (const char *)sqlite3_column_text(qo, 6));
            }
            sqlite3_reset(qo);
        }
    }
    sqlite3_finalize(qd);
    sqlite3_finalize(qo);
    if (rc != VG_OK) {
        vg_vulns_free(a.v, a.n);
        return vg_err(errbuf, rc, "out of memory");
    }
    if (a.n)
        qsort(a.v, a.n, sizeof(vg_vuln), cmp_vuln);
    (void)sdup;
    *out = a.v;
    *n = a.n;
    return VG_OK;
}

void vg_vuln_json(vg_jb *jb, const vg_vuln *x)
{
    vg_jb_str(jb, "id", x->id);
    vg_jb_str(jb, "package", x->package);
    vg_jb_str(jb, "installed", x->version);
    vg_jb_str(jb, "source", x->source);
    vg_jb_str(jb, "source_version", x->source_version);
    if (x->fixed)
        vg_jb_str(jb, "fixed", x->fixed);
    else
        vg_jb_null(jb, "fixed");
    if (x->severity)
        vg_jb_str(jb, "severity", x->severity);
    vg_jb_str(jb, "feed", x->feed);
    if (x->description)
        vg_jb_str(jb, "description", x->description);
}
