#include "server/store_int.h"

#include <arpa/inet.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Finding exceptions and acknowledgements (exceptions.h): created with the
 * core tables so that the events filter `excepted` works on every store.
 * Flags are keyed by the event's store id, which the filter joins on. */
static const char findings_ddl[] =
    "CREATE TABLE IF NOT EXISTS exceptions ("
    " id %PK%, unit TEXT NOT NULL DEFAULT '', event_type TEXT NOT NULL,"
    " signature_id BIGINT NOT NULL DEFAULT 0, check_id TEXT, host TEXT, src_ip TEXT,"
    " dest_ip TEXT, system TEXT, reason TEXT NOT NULL, created_by TEXT NOT NULL,"
    " created_at BIGINT NOT NULL, expires_at BIGINT, revoked_at BIGINT, revoked_by TEXT,"
    " revoke_reason TEXT, hits BIGINT NOT NULL DEFAULT 0, last_hit BIGINT);"
    "CREATE INDEX IF NOT EXISTS exceptions_unit ON exceptions(unit, id);"
    "CREATE TABLE IF NOT EXISTS event_exceptions ("
    " event_rowid BIGINT PRIMARY KEY, event_id TEXT NOT NULL, exception_id BIGINT NOT NULL,"
    " ts BIGINT NOT NULL);"
    "CREATE INDEX IF NOT EXISTS event_exceptions_exc ON event_exceptions(exception_id, event_rowid);"
    "CREATE TABLE IF NOT EXISTS event_acks ("
    " event_rowid BIGINT PRIMARY KEY, event_id TEXT NOT NULL, unit TEXT NOT NULL DEFAULT '',"
    " user_name TEXT NOT NULL, reason TEXT NOT NULL, ts BIGINT NOT NULL);"
    /* A random token every change of the exceptions writes: the ingest
     * keeps its matching set while the token is the same. */
    "CREATE TABLE IF NOT EXISTS exceptions_meta (k INTEGER PRIMARY KEY, token TEXT NOT NULL)";

int vg_store_open(vg_store **out, const char *uri, char *errbuf)
{
    const vg_store_ops *ops = &vg_store_sqlite_ops;
    const char *target = uri;
    if (strncmp(uri, "postgresql://", 13) == 0 || strncmp(uri, "postgres://", 11) == 0) {
        ops = &vg_store_pg_ops;
    } else if (strncmp(uri, "sqlite:", 7) == 0) {
        target = uri + 7;
    }
    vg_store *st = calloc(1, sizeof(*st));
    if (!st)
        return vg_err(errbuf, VG_ENOMEM, "store: out of memory");
    st->ops = ops;
    int rc = ops->open(st, target, errbuf);
    if (rc != VG_OK) {
        free(st);
        return rc;
    }
    if ((rc = vg_store_ddl(st, findings_ddl, errbuf)) != VG_OK) {
        vg_store_close(st);
        return rc;
    }
    *out = st;
    return VG_OK;
}

void vg_store_close(vg_store *st)
{
    if (!st)
        return;
    st->ops->close(st);
    free(st);
}

const char *vg_store_backend(const vg_store *st) { return st->ops->name; }

int vg_store_insert_events_flags(vg_store *st, const vg_store_event *ev, size_t n,
                                 size_t *inserted, uint8_t *is_new, char *errbuf)
{
    for (size_t i = 0; i < n; i++)
        if (!ev[i].event_id || !ev[i].event_id[0] || !ev[i].json)
            return vg_err(errbuf, VG_EINVAL, "event %zu: event_id and json are required", i);
    return st->ops->insert_events(st, ev, n, inserted, is_new, errbuf);
}

int vg_store_insert_events(vg_store *st, const vg_store_event *ev, size_t n, size_t *inserted,
                           char *errbuf)
{
    return vg_store_insert_events_flags(st, ev, n, inserted, NULL, errbuf);
}

static bool text_is_ip(const char *t)
{
    unsigned char a[16];
    return t && (inet_pton(AF_INET, t, a) == 1 || inet_pton(AF_INET6, t, a) == 1);
}

static void max_id_row(void *arg, int n, const char *const *v)
{
    if (n > 0 && v[0])
        *(int64_t *)arg = strtoll(v[0], NULL, 10);
}

int vg_store_query_events(vg_store *st, const vg_store_filter *f,
                          void (*cb)(int64_t, const char *, void *), void *arg,
                          int64_t *next_before, char *errbuf)
{
    if (!f->text || !f->text[0] || text_is_ip(f->text))
        return st->ops->query_events(st, f, cb, arg, next_before, errbuf);
    /* A bounded window of ids for the substring scan (store.h). */
    int64_t hi = f->before_id;
    if (!hi) {
        int64_t mx = 0;
        int rc = vg_store_exec(st, "SELECT max(id) FROM events", NULL, 0, max_id_row, &mx, NULL,
                               errbuf);
        if (rc != VG_OK)
            return rc;
        hi = mx + 1;
    }
    vg_store_filter g = *f;
    g.before_id = hi;
    int64_t low = hi - (f->text_window > 0 ? f->text_window : VG_STORE_TEXT_WINDOW);
    if (low > 1 && low > f->after_id)
        g.after_id = low;
    int rc = st->ops->query_events(st, &g, cb, arg, next_before, errbuf);
    if (rc == VG_OK && *next_before == 0 && g.after_id > 1 && g.after_id > f->after_id)
        *next_before = g.after_id; /* the window is done; older ids remain */
    return rc;
}

int vg_store_count_events(vg_store *st, const vg_store_filter *f, int64_t *count, char *errbuf)
{
    return st->ops->count_events(st, f, count, errbuf);
}

int vg_store_prune(vg_store *st, const char *unit, int64_t cutoff_us, int64_t *deleted,
                   char *errbuf)
{
    return st->ops->prune(st, unit, cutoff_us, deleted, errbuf);
}

int vg_store_partitions_maintain(vg_store *st, int64_t now_us, char *errbuf)
{
    return st->ops->part_maintain ? st->ops->part_maintain(st, now_us, errbuf) : VG_OK;
}

int vg_store_partitions_drop(vg_store *st, int64_t cutoff_us, int64_t *parts, int64_t *rows,
                             char *errbuf)
{
    *parts = *rows = 0;
    return st->ops->part_drop ? st->ops->part_drop(st, cutoff_us, parts, rows, errbuf) : VG_OK;
}

int vg_store_user_put(vg_store *st, const vg_store_user *u, char *errbuf)
{
    return st->ops->user_put(st, u, errbuf);
}

int vg_store_user_get(vg_store *st, const char *name, vg_store_user *out)
{
    return st->ops->user_get(st, name, out);
}

int vg_store_user_count(vg_store *st, int64_t *count)
{
    return st->ops->user_count(st, count);
}

int vg_store_token_put(vg_store *st, const char *hash, const char *user, char *errbuf)
{
    return st->ops->token_put(st, hash, user, errbuf);
}

int vg_store_token_user(vg_store *st, const char *hash, vg_store_user *out)
{
    return st->ops->token_user(st, hash, out);
}

int vg_store_exec(vg_store *st, const char *sql, const char *const *params, int nparams,
                  vg_store_row_cb row, void *arg, int64_t *changes, char *errbuf)
{
    return st->ops->exec(st, sql, params, nparams, row, arg, changes, errbuf);
}

/* The core tables, one text for both backends (%PK% expanded per backend). */
const char vg_store_core_ddl[] =
    "CREATE TABLE IF NOT EXISTS events ("
    " id %PK%,"
    " event_id TEXT NOT NULL UNIQUE,"
    " ts BIGINT NOT NULL,"
    " received BIGINT NOT NULL,"
    " event_type TEXT NOT NULL,"
    " sensor TEXT NOT NULL DEFAULT '',"
    " unit TEXT NOT NULL DEFAULT '',"
    " src_ip TEXT, dest_ip TEXT,"
    " signature_id BIGINT NOT NULL DEFAULT 0,"
    " severity INTEGER NOT NULL DEFAULT 0,"
    " signature TEXT,"
    " json TEXT NOT NULL);"
    "CREATE INDEX IF NOT EXISTS events_ts ON events(ts);"
    "CREATE INDEX IF NOT EXISTS events_type_id ON events(event_type, id);"
    "CREATE INDEX IF NOT EXISTS events_src ON events(src_ip, id);"
    "CREATE INDEX IF NOT EXISTS events_dest ON events(dest_ip, id);"
    /* Only alerts carry a signature id: a partial index spares the other
     * 95 % of rows an index insert (stores made before it are converted). */
    "DROP INDEX IF EXISTS events_sig;"
    "CREATE INDEX IF NOT EXISTS events_sig_alerts ON events(signature_id, id)"
    " WHERE signature_id <> 0;"
    "CREATE INDEX IF NOT EXISTS events_unit ON events(unit, id);"
    "CREATE INDEX IF NOT EXISTS events_sensor_ts ON events(sensor, ts);"
    "CREATE TABLE IF NOT EXISTS users ("
    " id %PK%, name TEXT NOT NULL UNIQUE,"
    " role TEXT NOT NULL, unit TEXT NOT NULL DEFAULT '', pwhash TEXT NOT NULL);"
    "CREATE TABLE IF NOT EXISTS tokens ("
    " hash TEXT PRIMARY KEY, user_name TEXT NOT NULL, created BIGINT NOT NULL);"
    "CREATE TABLE IF NOT EXISTS audit ("
    " id %PK%, ts BIGINT NOT NULL, user_name TEXT NOT NULL,"
    " action TEXT NOT NULL, detail TEXT);";

int vg_store_ddl_expand(const char *ddl, const char *pk, char *out, size_t cap)
{
    size_t o = 0, pkl = strlen(pk);
    for (const char *p = ddl; *p; p++) {
        const char *piece = p;
        size_t n = 1;
        if (strncmp(p, "%PK%", 4) == 0) {
            piece = pk;
            n = pkl;
            p += 3;
        }
        if (o + n + 1 > cap)
            return VG_ELIMIT;
        memcpy(out + o, piece, n);
        o += n;
    }
    out[o] = '\0';
    return VG_OK;
}

int vg_store_ddl(vg_store *st, const char *ddl, char *errbuf)
{
    const char *p = ddl;
    while (*p) {
        const char *end = strchr(p, ';');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        char stmt[2048];
        size_t o = 0;
        for (size_t i = 0; i < n && o + 40 < sizeof stmt; i++) {
            if (strncmp(p + i, "%PK%", 4) == 0) {
                o += (size_t)snprintf(stmt + o, sizeof stmt - o, "%s", st->ops->pk);
                i += 3;
            } else if (strncmp(p + i, "%WITHOUT_ROWID%", 15) == 0) {
                o += (size_t)snprintf(stmt + o, sizeof stmt - o, "%s", st->ops->without_rowid);
                i += 14;
            } else {
                stmt[o++] = p[i];
            }
        }
        stmt[o] = '\0';
        bool blank = true;
        for (size_t i = 0; i < o; i++)
            if (stmt[i] != ' ' && stmt[i] != '\n')
                blank = false;
        if (!blank) {
            int rc = vg_store_exec(st, stmt, NULL, 0, NULL, NULL, NULL, errbuf);
            if (rc != VG_OK)
                return rc;
        }
        p = end ? end + 1 : p + n;
    }
    return VG_OK;
}

int vg_store_begin(vg_store *st)
{
    return st->ops->exec(st, "BEGIN", NULL, 0, NULL, NULL, NULL, NULL);
}

int vg_store_commit(vg_store *st)
{
    return st->ops->exec(st, "COMMIT", NULL, 0, NULL, NULL, NULL, NULL);
}

void vg_store_rollback(vg_store *st)
{
    (void)st->ops->exec(st, "ROLLBACK", NULL, 0, NULL, NULL, NULL, NULL);
}

int vg_store_set_durable(vg_store *st, bool durable)
{
    return st->ops->durable(st, durable);
}

int vg_store_audit(vg_store *st, const char *user, const char *action, const char *detail)
{
    return st->ops->audit(st, user, action, detail);
}

/* Append text to sql, failing when it does not fit. */
static int cat(char *sql, size_t cap, size_t *len, const char *s)
{
    size_t n = strlen(s);
    if (*len + n + 1 > cap)
        return VG_ELIMIT;
    memcpy(sql + *len, s, n + 1);
    *len += n;
    return VG_OK;
}

static int cond(char *sql, size_t cap, size_t *len, bool dollar, int *np, const char *fmt,
                int nph)
{
    /* fmt holds nph '%s' slots, each replaced by a placeholder. */
    char buf[256];
    char ph[4][16];
    for (int i = 0; i < nph; i++) {
        if (dollar)
            snprintf(ph[i], sizeof ph[i], "$%d", ++*np);
        else {
            snprintf(ph[i], sizeof ph[i], "?");
            ++*np;
        }
    }
    switch (nph) {
    case 1: snprintf(buf, sizeof buf, fmt, ph[0]); break;
    case 2: snprintf(buf, sizeof buf, fmt, ph[0], ph[1]); break;
    case 4: snprintf(buf, sizeof buf, fmt, ph[0], ph[1], ph[2], ph[3]); break;
    default: return VG_EINVAL;
    }
    if (cat(sql, cap, len, " AND ") != VG_OK)
        return VG_ELIMIT;
    return cat(sql, cap, len, buf);
}

int vg_store_where(const vg_store_filter *f, bool dollar, char *sql, size_t cap,
                   char params[][64], int *nparams)
{
    size_t len = 0;
    int np = 0;
    sql[0] = '\0';
    if (cat(sql, cap, &len, "WHERE 1=1") != VG_OK)
        return VG_ELIMIT;
#define PARAM(v) snprintf(params[np - 1], 64, "%s", (v))
#define PARAMI(v) snprintf(params[np - 1], 64, "%" PRId64, (int64_t)(v))
    if (f->event_type) {
        if (cond(sql, cap, &len, dollar, &np, "event_type = %s", 1)) return VG_ELIMIT;
        PARAM(f->event_type);
    }
    if (f->src_ip) {
        if (cond(sql, cap, &len, dollar, &np, "src_ip = %s", 1)) return VG_ELIMIT;
        PARAM(f->src_ip);
    }
    if (f->dest_ip) {
        if (cond(sql, cap, &len, dollar, &np, "dest_ip = %s", 1)) return VG_ELIMIT;
        PARAM(f->dest_ip);
    }
    if (f->signature_id) {
        /* The literal term lets both planners use the partial index
         * events_sig_alerts (the filter is never 0 here). */
        if (cond(sql, cap, &len, dollar, &np, "signature_id <> 0 AND signature_id = %s", 1))
            return VG_ELIMIT;
        PARAMI(f->signature_id);
    }
    if (f->since_us) {
        if (cond(sql, cap, &len, dollar, &np, "ts >= %s", 1)) return VG_ELIMIT;
        PARAMI(f->since_us);
    }
    if (f->until_us) {
        if (cond(sql, cap, &len, dollar, &np, "ts < %s", 1)) return VG_ELIMIT;
        PARAMI(f->until_us);
    }
    if (f->before_id) {
        if (cond(sql, cap, &len, dollar, &np, "id < %s", 1)) return VG_ELIMIT;
        PARAMI(f->before_id);
    }
    if (f->after_id) {
        if (cond(sql, cap, &len, dollar, &np, "id >= %s", 1)) return VG_ELIMIT;
        PARAMI(f->after_id);
    }
    if (f->text && f->text[0] && text_is_ip(f->text)) {
        /* An address: exact match on either side, through the indexes. */
        if (cond(sql, cap, &len, dollar, &np, "(src_ip = %s OR dest_ip = %s)", 2))
            return VG_ELIMIT;
        snprintf(params[np - 2], 64, "%s", f->text);
        snprintf(params[np - 1], 64, "%s", f->text);
    } else if (f->text && f->text[0]) {
        /* Substring over the key fields; LIKE wildcards in the text are escaped. */
        char pat[64];
        size_t o = 0;
        pat[o++] = '%';
        for (const char *t = f->text; *t && o < sizeof pat - 3; t++) {
            if (*t == '%' || *t == '_' || *t == '\\')
                pat[o++] = '\\';
            pat[o++] = *t;
        }
        pat[o++] = '%';
        pat[o] = '\0';
        if (cond(sql, cap, &len, dollar, &np,
                 "(signature LIKE %s ESCAPE '\\' OR src_ip LIKE %s ESCAPE '\\' OR "
                 "dest_ip LIKE %s ESCAPE '\\' OR sensor LIKE %s ESCAPE '\\')", 4))
            return VG_ELIMIT;
        for (int k = 4; k >= 1; k--)
            snprintf(params[np - k], 64, "%s", pat);
    }
    if (f->excepted > 0) {
        if (cat(sql, cap, &len, " AND id IN (SELECT event_rowid FROM event_exceptions)") != VG_OK)
            return VG_ELIMIT;
    } else if (f->excepted < 0) {
        if (cat(sql, cap, &len, " AND NOT EXISTS (SELECT 1 FROM event_exceptions x"
                                " WHERE x.event_rowid = events.id)") != VG_OK)
            return VG_ELIMIT;
    }
    if (f->units) {
        /* Strict: a user scoped to units sees only those units' events. */
        if (!f->units[0])
            return cat(sql, cap, &len, " AND 1=0") == VG_OK ? (*nparams = np, VG_OK) : VG_ELIMIT;
        if (cat(sql, cap, &len, " AND unit IN (") != VG_OK)
            return VG_ELIMIT;
        for (const char *const *u = f->units; *u; u++) {
            if (np >= VG_STORE_MAX_PARAMS)
                return VG_ELIMIT;
            char ph[16];
            const char *sep = u == f->units ? "" : ",";
            if (dollar)
                snprintf(ph, sizeof ph, "%s$%d", sep, ++np);
            else {
                snprintf(ph, sizeof ph, "%s?", sep);
                ++np;
            }
            if (cat(sql, cap, &len, ph) != VG_OK)
                return VG_ELIMIT;
            PARAM(*u);
        }
        if (cat(sql, cap, &len, ")") != VG_OK)
            return VG_ELIMIT;
    }
#undef PARAM
#undef PARAMI
    *nparams = np;
    return VG_OK;
}
