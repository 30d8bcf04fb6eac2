/* inventory_register.c: the register of evidence and its import from vigil
 * inspect's local register (see inventory.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "server/inventory.h"
#include "server/inventory_int.h"

json_t *vg_inventory_evidence(vg_store *st, const char *unit, const char *system,
                              const char *today, char *errbuf)
{
    static const char *const cols[] = {"i:id", "s:unit", "s:system", "s:control", "s:title",
                                       "s:document", "s:date", "s:signer", "s:due", "s:status",
                                       "s:source", "t:created", "s:created_by", "t:updated",
                                       "s:updated_by"};
    char sql[512] = "SELECT id, unit, system, control, title, document, doc_date, signer, due_date, "
                    "status, source, created, created_by, updated, updated_by FROM evidence WHERE 1=1";
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
    strcat(sql, " ORDER BY system, control, id LIMIT 5000");
    json_t *arr = vg_inv_query(st, sql, p, np, cols, 15, errbuf);
    size_t i;
    json_t *e;
    json_array_foreach(arr, i, e) {
        const char *due = json_string_value(json_object_get(e, "due"));
        const char *status = json_string_value(json_object_get(e, "status"));
        json_object_set_new(e, "overdue", json_boolean(due && due[0] && strcmp(due, today) < 0 &&
                                                       strcmp(status, "not_applicable") != 0));
    }
    return arr;
}

static bool good_status(const char *s)
{
    return !s || strcmp(s, "open") == 0 || strcmp(s, "provided") == 0 ||
           strcmp(s, "not_applicable") == 0;
}

int vg_inventory_evidence_put(vg_store *st, const char *unit, int64_t id, json_t *body,
                              const char *user, int64_t *out_id, char *errbuf)
{
    bool bad = false, scoped = unit && unit[0];
    const char *sys = vg_inv_get_str(body, "system", &bad);
    const char *control = vg_inv_get_str(body, "control", &bad);
    const char *title = vg_inv_get_str(body, "title", &bad);
    const char *doc = vg_inv_get_str(body, "document", &bad);
    const char *date = vg_inv_get_str(body, "date", &bad);
    const char *signer = vg_inv_get_str(body, "signer", &bad);
    const char *due = vg_inv_get_str(body, "due", &bad);
    const char *status = vg_inv_get_str(body, "status", &bad);
    if (bad)
        return vg_err(errbuf, VG_EINVAL, "bad field type or a text over %d bytes", VG_INV_MAX_NAME * 8);
    if ((date && date[0] && !vg_inventory_valid_date(date)) ||
        (due && due[0] && !vg_inventory_valid_date(due)))
        return vg_err(errbuf, VG_EINVAL, "dates are YYYY-MM-DD");
    if (!good_status(status))
        return vg_err(errbuf, VG_EINVAL, "status is open, provided or not_applicable");
    char ids[24], now[24], eunit[128] = "", esys[128] = "";
    vg_inv_i64s(ids, sizeof ids, id);
    vg_inv_i64s(now, sizeof now, vg_now_us());
    if (id) {
        json_t *arr = vg_inv_query(st, "SELECT unit, system FROM evidence WHERE id = ?",
                            (const char *const[]){ids}, 1, (const char *const[]){"s:unit", "s:system"},
                            2, errbuf);
        json_t *row = json_array_get(arr, 0);
        if (row) {
            snprintf(eunit, sizeof eunit, "%s", json_string_value(json_object_get(row, "unit")));
            snprintf(esys, sizeof esys, "%s", json_string_value(json_object_get(row, "system")));
        }
        json_decref(arr);
        if (!row || (scoped && strcmp(eunit, unit) != 0))
            return vg_err(errbuf, VG_ENOENT, "no such evidence");
    }
    if (sys && sys[0]) {
        char su[128];
        if (!vg_inv_system_unit(st, sys, su) || (scoped && strcmp(su, unit) != 0))
            return vg_err(errbuf, VG_EINVAL, "no system named %s", sys);
        snprintf(eunit, sizeof eunit, "%s", su);
    } else if (sys && id) {
        /* detached from its system: stays in its unit */
    } else if (!id) {
        snprintf(eunit, sizeof eunit, "%s", scoped ? unit : "");
    }
    if (!id) {
        if (!vg_inv_good_name(control) || !doc)
            return vg_err(errbuf, VG_EINVAL, "expected control (1-%d characters) and document "
                                             "(and system, title, date, signer, due, status)",
                          VG_INV_MAX_NAME);
        const char *st_ = status ? status : doc[0] ? "provided" : "open";
        const char *p[] = {eunit, sys ? sys : "", control, doc, date ? date : "",
                           signer ? signer : "", due ? due : "", now, user, now,
                           title ? title : "", st_, user};
        return vg_store_exec(st,
                             "INSERT INTO evidence(unit, system, control, document, doc_date, "
                             "signer, due_date, created, created_by, updated, title, status, "
                             "source, updated_by) VALUES(?,?,?,?,?,?,?,?,?,?,?,?,'server',?) "
                             "RETURNING id",
                             p, 13, vg_inv_first_int, out_id, NULL, errbuf);
    }
    if (control && !vg_inv_good_name(control))
        return vg_err(errbuf, VG_EINVAL, "control must be 1-%d characters", VG_INV_MAX_NAME);
    if (out_id)
        *out_id = id;
    return vg_store_exec(st,
                         "UPDATE evidence SET system = COALESCE(?, system), unit = ?, "
                         "control = COALESCE(?, control), document = COALESCE(?, document), "
                         "doc_date = COALESCE(?, doc_date), signer = COALESCE(?, signer), "
                         "due_date = COALESCE(?, due_date), title = COALESCE(?, title), "
                         "status = COALESCE(?, status), updated = ?, updated_by = ? WHERE id = ?",
                         (const char *const[]){sys, eunit, control, doc, date, signer, due, title,
                                               status, now, user, ids},
                         12, NULL, NULL, NULL, errbuf);
}

int vg_inventory_evidence_delete(vg_store *st, const char *unit, int64_t id, char *errbuf)
{
    char ids[24];
    vg_inv_i64s(ids, sizeof ids, id);
    const char *u = unit ? unit : "";
    int64_t changed = 0;
    int rc = vg_store_exec(st, "DELETE FROM evidence WHERE id = ? AND (? = '' OR unit = ?)",
                           (const char *const[]){ids, u, u}, 3, NULL, NULL, &changed, errbuf);
    if (rc == VG_OK && changed == 0)
        return vg_err(errbuf, VG_ENOENT, "no such evidence");
    return rc;
}

/* ---- import of vigil inspect's local register -------------------------- */

static void ymd_of(int64_t unix_s, char out[16])
{
    time_t t = (time_t)unix_s;
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 16, "%Y-%m-%d", &tm);
}

/* One register item, counted as added, updated or the same. */
static int import_item(vg_store *st, const char *sys, const char *sunit, json_t *it,
                       const char *user, const char *now, int64_t *added, int64_t *updated,
                       int64_t *same, char *errbuf)
{
    bool bad = false;
    const char *control = vg_inv_get_str(it, "id", &bad);
    const char *title = vg_inv_get_str(it, "title", &bad);
    const char *title_vi = vg_inv_get_str(it, "title_vi", &bad);
    const char *status = vg_inv_get_str(it, "status", &bad);
    const char *ref = vg_inv_get_str(it, "ref", &bad);
    int64_t due_s = 0, prov_s = 0;
    vg_inv_get_int(it, "due", &due_s, &bad);
    vg_inv_get_int(it, "provided", &prov_s, &bad);
    if (bad || !vg_inv_good_name(control) || !json_is_object(it) || due_s < 0 || prov_s < 0 ||
        due_s > 253402300799LL || prov_s > 253402300799LL)
        return vg_err(errbuf, VG_EINVAL, "item: expected {\"id\": 1-%d characters, \"title\", "
                                         "\"status\", \"ref\", \"due\", \"provided\": UNIX seconds}",
                      VG_INV_MAX_NAME);
    bool provided = status && strcmp(status, "provided") == 0 && ref && ref[0];
    char due[16] = "", date[16] = "", t[1100];
    if (due_s)
        ymd_of(due_s, due);
    if (prov_s)
        ymd_of(prov_s, date);
    snprintf(t, sizeof t, "%s%s%s", title ? title : "", title_vi && title_vi[0] ? " / " : "",
             title_vi ? title_vi : "");
    json_t *rows = vg_inv_query(st, "SELECT id, status, doc_date FROM evidence WHERE system = ? AND control = ? "
                             "ORDER BY id LIMIT 1",
                         (const char *const[]){sys, control}, 2,
                         (const char *const[]){"i:id", "s:status", "s:date"}, 3, errbuf);
    if (!rows)
        return VG_EIO;
    json_t *row = json_array_get(rows, 0);
    int rc = VG_OK;
    if (!row) {
        const char *p[] = {sunit, sys, control, provided ? ref : "", provided ? date : "", due, now,
                           user, now, t, provided ? "provided" : "open", user};
        rc = vg_store_exec(st,
                           "INSERT INTO evidence(unit, system, control, document, doc_date, signer, "
                           "due_date, created, created_by, updated, title, status, source, updated_by) "
                           "VALUES(?,?,?,?,?,'',?,?,?,?,?,?,'inspect',?)",
                           p, 12, NULL, NULL, NULL, errbuf);
        ++*added;
    } else {
        const char *cur = json_string_value(json_object_get(row, "status"));
        const char *cdate = json_string_value(json_object_get(row, "date"));
        char ids[24];
        vg_inv_i64s(ids, sizeof ids, json_integer_value(json_object_get(row, "id")));
        /* Newer evidence from the register wins; nothing is downgraded. */
        if (provided && (strcmp(cur, "provided") != 0 || strcmp(date, cdate ? cdate : "") > 0)) {
            const char *p[] = {ref, date, due, t, now, user, ids};
            rc = vg_store_exec(st,
                               "UPDATE evidence SET document = ?, doc_date = ?, due_date = ?, "
                               "title = CASE WHEN title = '' THEN ? ELSE title END, "
                               "status = 'provided', source = 'inspect', updated = ?, updated_by = ? "
                               "WHERE id = ?",
                               p, 7, NULL, NULL, NULL, errbuf);
            ++*updated;
        } else {
            ++*same;
        }
    }
    json_decref(rows);
    return rc;
}

static int import_run(vg_store *st, const char *sys, const char *sunit, const char *dflt_host,
                      json_t *r, int64_t now_us, int64_t *nruns, char *errbuf)
{
    bool bad = false;
    int64_t at = 0, level = 0, pass = 0, fail = 0, na = 0, errs = 0;
    vg_inv_get_int(r, "at", &at, &bad);
    vg_inv_get_int(r, "level", &level, &bad);
    vg_inv_get_int(r, "passed", &pass, &bad);
    vg_inv_get_int(r, "failed", &fail, &bad);
    vg_inv_get_int(r, "na", &na, &bad);
    vg_inv_get_int(r, "errors", &errs, &bad);
    const char *host = vg_inv_get_str(r, "host", &bad);
    if (!host || !host[0])
        host = dflt_host;
    if (bad || at <= 0 || at > now_us / 1000000 + 86400 || level < 0 || level > 5 || pass < 0 ||
        fail < 0 || na < 0 || errs < 0 || pass > 1000000 || fail > 1000000 || na > 1000000 ||
        errs > 1000000 || !vg_inv_good_name(host))
        return vg_err(errbuf, VG_EINVAL, "inspection: expected {\"at\": UNIX seconds (not in the "
                                         "future), \"level\": 0-5, \"host\", \"passed\", \"failed\", "
                                         "\"na\", \"errors\"}");
    char ts[24], lo[24], hi[24];
    vg_inv_i64s(ts, sizeof ts, at * 1000000);
    vg_inv_i64s(lo, sizeof lo, (at - 600) * 1000000);
    vg_inv_i64s(hi, sizeof hi, (at + 600) * 1000000);
    int64_t near = 0;
    (void)!vg_store_exec(st, "SELECT count(*) FROM inspection_runs WHERE system = ? AND ts >= ? AND ts <= ?",
                         (const char *const[]){sys, lo, hi}, 3, vg_inv_first_int, &near, NULL, NULL);
    if (near)
        return VG_OK; /* the same run, already known from its events */
    char lv[8], ps[24], fs[24], os[24];
    snprintf(lv, sizeof lv, "%d", (int)level);
    vg_inv_i64s(ps, sizeof ps, pass);
    vg_inv_i64s(fs, sizeof fs, fail);
    vg_inv_i64s(os, sizeof os, na + errs);
    int rc = vg_store_exec(st,
                           "INSERT INTO inspection_runs(host, ts, system, unit, level, passed, failed, "
                           "other, source) VALUES(?,?,?,?,?,?,?,?,'register') "
                           "ON CONFLICT (host, ts) DO NOTHING",
                           (const char *const[]){host, ts, sys, sunit, lv, ps, fs, os}, 8, NULL,
                           NULL, NULL, errbuf);
    if (rc == VG_OK)
        rc = vg_inv_bump_inspection(st, sys, ts, errbuf);
    ++*nruns;
    return rc;
}

int vg_inventory_evidence_import(vg_store *st, const char *unit, const char *host_system,
                                 json_t *body, const char *user, int64_t now_us, json_t **out,
                                 char *errbuf)
{
    *out = NULL;
    bool bad = false, scoped = unit && unit[0];
    const char *sys = vg_inv_get_str(body, "system", &bad);
    const char *host = vg_inv_get_str(body, "host", &bad);
    json_t *items = json_object_get(body, "items");
    json_t *runs = json_object_get(body, "inspections");
    if (!sys || !sys[0])
        sys = host_system;
    if (bad || (items && !json_is_array(items)) || (runs && !json_is_array(runs)))
        return vg_err(errbuf, VG_EINVAL, "expected {\"system\", \"host\", \"items\": [...], "
                                         "\"inspections\": [...]}");
    if (json_array_size(items) > VG_INV_IMPORT_MAX_ITEMS ||
        json_array_size(runs) > VG_INV_IMPORT_MAX_RUNS)
        return vg_err(errbuf, VG_ELIMIT, "at most %d items and %d inspections per import",
                      VG_INV_IMPORT_MAX_ITEMS, VG_INV_IMPORT_MAX_RUNS);
    if (!sys || !sys[0])
        return vg_err(errbuf, VG_EINVAL, "no system: name one, or assign the sending host to one");
    char sunit[128];
    if (!vg_inv_system_unit(st, sys, sunit) || (scoped && strcmp(sunit, unit) != 0))
        return vg_err(errbuf, VG_ENOENT, "no system named %s", sys);
    char now[24];
    vg_inv_i64s(now, sizeof now, now_us);
    int64_t added = 0, updated = 0, same = 0, nruns = 0;
    if (vg_store_begin(st) != VG_OK)
        return vg_err(errbuf, VG_EIO, "cannot begin");
    int rc = VG_OK;
    size_t i;
    json_t *it;
    json_array_foreach(items, i, it) {
        if (rc != VG_OK)
            break;
        rc = import_item(st, sys, sunit, it, user, now, &added, &updated, &same, errbuf);
    }
    json_array_foreach(runs, i, it) {
        if (rc != VG_OK)
            break;
        rc = json_is_object(it) ? import_run(st, sys, sunit, host && host[0] ? host : user, it, now_us,
                                             &nruns, errbuf)
                                : vg_err(errbuf, VG_EINVAL, "inspection %zu: expected an object", i);
    }
    if (rc == VG_OK)
        rc = vg_store_commit(st) == VG_OK ? VG_OK : vg_err(errbuf, VG_EIO, "commit failed");
    else
        vg_store_rollback(st);
    if (rc == VG_OK)
        *out = json_pack("{ss sI sI sI sI}", "system", sys, "added", (json_int_t)added, "updated",
                         (json_int_t)updated, "unchanged", (json_int_t)same, "runs",
                         (json_int_t)nruns);
    return rc;
}
