/* exceptions.c: finding exceptions and acknowledgements (see exceptions.h). */
#include "server/exceptions.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <inttypes.h>
#include <openssl/rand.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "server/ingest.h"

/* Kinds of match field, in the order an exception is filed under (the
 * most selective first). */
enum { K_SIG, K_CHECK, K_SRC, K_DST, K_HOST, K_SYS, K_N };

static void i64s(char *b, size_t n, int64_t v) { snprintf(b, n, "%" PRId64, v); }

static void first_int(void *arg, int n, const char *const *v)
{
    if (n > 0 && v[0])
        *(int64_t *)arg = strtoll(v[0], NULL, 10);
}

/* ---- matching at ingest ----------------------------------------------- */

typedef struct exc {
    int64_t id, sig;
    int64_t expires;        /* 0: never */
    char *unit, *type, *check, *host, *src, *dst, *sys;
    int kind;
} exc;

typedef struct exc_set {
    exc *v;
    size_t n, cap;
    bool failed;            /* out of memory while loading */
    struct { uint64_t h; uint32_t idx; bool used; } *slot;
    size_t nslot;           /* power of two */
    unsigned mask;          /* kinds in use (1 << K_*) */
} exc_set;

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
    const uint8_t *b = p;
    for (size_t i = 0; i < n; i++)
        h = (h ^ b[i]) * 1099511628211ull;
    return h;
}

static uint64_t key_hash(int kind, const char *type, const char *s, int64_t i)
{
    uint8_t k = (uint8_t)kind;
    uint64_t h = fnv(14695981039346656037ull, &k, 1);
    h = fnv(h, type, strlen(type) + 1);
    return s ? fnv(h, s, strlen(s)) : fnv(h, &i, sizeof i);
}

static char *dup_or_null(const char *s)
{
    return s ? strdup(s) : NULL;
}

static void set_row(void *arg, int n, const char *const *v)
{
    exc_set *s = arg;
    if (n < 10 || s->failed || !v[0] || !v[2])
        return;
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 16;
        exc *nv = realloc(s->v, cap * sizeof(*nv));
        if (!nv) {
            s->failed = true;
            return;
        }
        s->v = nv;
        s->cap = cap;
    }
    exc *x = &s->v[s->n];
    memset(x, 0, sizeof(*x));
    x->id = strtoll(v[0], NULL, 10);
    x->unit = strdup(v[1] ? v[1] : "");
    x->type = strdup(v[2]);
    x->sig = v[3] ? strtoll(v[3], NULL, 10) : 0;
    x->check = dup_or_null(v[4]);
    x->host = dup_or_null(v[5]);
    x->src = dup_or_null(v[6]);
    x->dst = dup_or_null(v[7]);
    x->sys = dup_or_null(v[8]);
    x->expires = v[9] ? strtoll(v[9], NULL, 10) : 0;
    s->n++;
    if (!x->unit || !x->type || (v[4] && !x->check) || (v[5] && !x->host) ||
        (v[6] && !x->src) || (v[7] && !x->dst) || (v[8] && !x->sys))
        s->failed = true;
}

static void set_free(exc_set *s)
{
    for (size_t i = 0; i < s->n; i++) {
        exc *x = &s->v[i];
        free(x->unit);
        free(x->type);
        free(x->check);
        free(x->host);
        free(x->src);
        free(x->dst);
        free(x->sys);
    }
    free(s->v);
    free(s->slot);
    memset(s, 0, sizeof(*s));
}

static const char *exc_value(const exc *x, int kind)
{
    switch (kind) {
    case K_CHECK: return x->check;
    case K_SRC: return x->src;
    case K_DST: return x->dst;
    case K_HOST: return x->host;
    case K_SYS: return x->sys;
    default: return NULL;
    }
}

/* File every exception under its most selective field. */
static int set_index(exc_set *s)
{
    size_t ns = 16;
    while (ns < s->n * 2)
        ns *= 2;
    s->slot = calloc(ns, sizeof(*s->slot));
    if (!s->slot)
        return VG_ENOMEM;
    s->nslot = ns;
    for (size_t i = 0; i < s->n; i++) {
        exc *x = &s->v[i];
        x->kind = -1;
        for (int k = 0; k < K_N && x->kind < 0; k++)
            if (k == K_SIG ? x->sig != 0 : exc_value(x, k) != NULL)
                x->kind = k;
        if (x->kind < 0)
            continue; /* refused at creation; never matches */
        uint64_t h = key_hash(x->kind, x->type, exc_value(x, x->kind), x->sig);
        size_t j = h & (ns - 1);
        while (s->slot[j].used)
            j = (j + 1) & (ns - 1);
        s->slot[j].h = h;
        s->slot[j].idx = (uint32_t)i;
        s->slot[j].used = true;
        s->mask |= 1u << x->kind;
    }
    return VG_OK;
}

/* The values of one event that an exception may test. */
typedef struct ev_vals {
    const vg_store_event *e;
    int64_t now;            /* expired exceptions do not match */
    const char *check;      /* sca.check.id, when needed */
    const char *sys;        /* the host's system, when needed */
} ev_vals;

static bool eq_or_unset(const char *want, const char *have)
{
    return !want || (have && strcmp(want, have) == 0);
}

static bool exc_matches(const exc *x, const ev_vals *v)
{
    const vg_store_event *e = v->e;
    return (!x->expires || x->expires > v->now) &&
           (!x->unit[0] || strcmp(x->unit, e->unit ? e->unit : "") == 0) &&
           strcmp(x->type, e->event_type) == 0 && (!x->sig || x->sig == e->signature_id) &&
           eq_or_unset(x->check, v->check) && eq_or_unset(x->host, e->sensor) &&
           eq_or_unset(x->src, e->src_ip) && eq_or_unset(x->dst, e->dest_ip) &&
           eq_or_unset(x->sys, v->sys);
}

/* The index of the matching exception with the lowest id, or -1. */
static long set_match(const exc_set *s, const ev_vals *v)
{
    long best = -1;
    for (int k = 0; k < K_N; k++) {
        if (!(s->mask & (1u << k)))
            continue;
        const char *sv = NULL;
        switch (k) {
        case K_SIG: if (!v->e->signature_id) continue; break;
        case K_CHECK: sv = v->check; break;
        case K_SRC: sv = v->e->src_ip; break;
        case K_DST: sv = v->e->dest_ip; break;
        case K_HOST: sv = v->e->sensor; break;
        case K_SYS: sv = v->sys; break;
        }
        if (k != K_SIG && !sv)
            continue;
        uint64_t h = key_hash(k, v->e->event_type, sv, v->e->signature_id);
        for (size_t j = h & (s->nslot - 1); s->slot[j].used; j = (j + 1) & (s->nslot - 1)) {
            if (s->slot[j].h != h)
                continue;
            const exc *x = &s->v[s->slot[j].idx];
            if (x->kind == k && exc_matches(x, v) && (best < 0 || x->id < s->v[best].id))
                best = (long)s->slot[j].idx;
        }
    }
    return best;
}

/* sca.check.id of an sca event (string or integer), into buf. */
static const char *sca_check_id(const vg_store_event *e, char *buf, size_t cap)
{
    if (strcmp(e->event_type, "sca") != 0 || !e->json)
        return NULL;
    json_error_t je;
    json_t *root = json_loads(e->json, 0, &je);
    json_t *id = json_object_get(json_object_get(json_object_get(root, "sca"), "check"), "id");
    const char *out = NULL;
    if (json_is_string(id) && strlen(json_string_value(id)) < cap) {
        snprintf(buf, cap, "%s", json_string_value(id));
        out = buf;
    } else if (json_is_integer(id)) {
        snprintf(buf, cap, "%" JSON_INTEGER_FORMAT, json_integer_value(id));
        out = buf;
    }
    json_decref(root);
    return out;
}

static void first_str(void *arg, int n, const char *const *v)
{
    char *out = arg;
    if (n > 0 && v[0])
        snprintf(out, VG_EXC_MAX_FIELD + 1, "%s", v[0]);
}

/* The active set, indexed, kept between batches while the store's
 * exceptions token (a random value every create and revoke writes, table
 * exceptions_meta) is unchanged: a batch then costs one single-row query
 * before matching.  Expiry is checked per event, so time needs no reload.
 * One cache per process, shared by the stores it serves under its lock. */
static struct {
    pthread_mutex_t lock;
    char token[40];         /* "" = nothing cached */
    exc_set set;
} cache = {.lock = PTHREAD_MUTEX_INITIALIZER};

static void token_row(void *arg, int n, const char *const *v)
{
    if (n > 0 && v[0])
        snprintf(arg, 40, "%s", v[0]);
}

/* A new token for the exceptions of st (inside the caller's transaction). */
static int bump_token(vg_store *st, char *errbuf)
{
    uint8_t r[16];
    char tok[40];
    if (RAND_bytes(r, sizeof r) != 1)
        return vg_err(errbuf, VG_EIO, "exceptions: no randomness");
    for (size_t i = 0; i < sizeof r; i++)
        snprintf(tok + 2 * i, 3, "%02x", r[i]);
    const char *p[] = {tok};
    return vg_store_exec(st, "INSERT INTO exceptions_meta(k, token) VALUES(1, ?) "
                             "ON CONFLICT (k) DO UPDATE SET token = excluded.token",
                         p, 1, NULL, NULL, NULL, errbuf);
}

/* Make the cache hold st's active exceptions; the cache lock is held. */
static int cache_load(vg_store *st, int64_t now_us, char *errbuf)
{
    char tok[40] = "";
    int rc = vg_store_exec(st, "SELECT token FROM exceptions_meta WHERE k = 1", NULL, 0,
                           token_row, tok, NULL, errbuf);
    if (rc != VG_OK)
        return rc;
    if (tok[0] && strcmp(tok, cache.token) == 0)
        return VG_OK;
    set_free(&cache.set);
    cache.token[0] = '\0';
    if (!tok[0])
        return VG_OK; /* no exception was ever made in this store */
    char now[24];
    i64s(now, sizeof now, now_us);
    const char *p[] = {now};
    exc_set s = {0};
    rc = vg_store_exec(st,
                       "SELECT id, unit, event_type, signature_id, check_id, host, src_ip, "
                       "dest_ip, system, expires_at FROM exceptions WHERE revoked_at IS NULL AND "
                       "(expires_at IS NULL OR expires_at > ?) ORDER BY id LIMIT 5000",
                       p, 1, set_row, &s, NULL, errbuf);
    if (rc == VG_OK && s.failed)
        rc = vg_err(errbuf, VG_ENOMEM, "exceptions: out of memory");
    if (rc == VG_OK && s.n && set_index(&s) != VG_OK)
        rc = vg_err(errbuf, VG_ENOMEM, "exceptions: out of memory");
    if (rc != VG_OK) {
        set_free(&s);
        return rc;
    }
    cache.set = s;
    snprintf(cache.token, sizeof cache.token, "%s", tok);
    return VG_OK;
}

static int ingest_locked(vg_store *st, const vg_store_event *ev, size_t n, const uint8_t *is_new,
                         int64_t now_us, const vg_store_event **keep, size_t *nkeep,
                         char *errbuf);

int vg_exceptions_ingest(vg_store *st, const vg_store_event *ev, size_t n, const uint8_t *is_new,
                         int64_t now_us, const vg_store_event **keep, size_t *nkeep,
                         char *errbuf)
{
    *keep = ev;
    *nkeep = n;
    if (!n)
        return VG_OK;
    pthread_mutex_lock(&cache.lock);
    int rc = cache_load(st, now_us, errbuf);
    if (rc == VG_OK && cache.set.n)
        rc = ingest_locked(st, ev, n, is_new, now_us, keep, nkeep, errbuf);
    pthread_mutex_unlock(&cache.lock);
    return rc;
}

static int ingest_locked(vg_store *st, const vg_store_event *ev, size_t n, const uint8_t *is_new,
                         int64_t now_us, const vg_store_event **keep, size_t *nkeep,
                         char *errbuf)
{
    const exc_set *sp = &cache.set;
    int rc = VG_OK;
    char now[24];
    i64s(now, sizeof now, now_us);
    int32_t *hit = malloc(n * sizeof(*hit));
    uint32_t *hits = calloc(sp->n, sizeof(*hits)); /* new events per exception */
    if (!hit || !hits) {
        free(hit);
        free(hits);
        return vg_err(errbuf, VG_ENOMEM, "exceptions: out of memory");
    }
    size_t matched = 0;
    char sys[VG_EXC_MAX_FIELD + 1] = "", sys_of[VG_EXC_MAX_FIELD + 1] = "";
    bool sys_known = false;
    for (size_t i = 0; i < n; i++) {
        const vg_store_event *e = &ev[i];
        ev_vals v = {.e = e, .now = now_us};
        char chk[VG_EXC_MAX_FIELD + 1];
        hit[i] = -1;
        if (!e->event_type)
            continue;
        if (sp->mask & (1u << K_CHECK))
            v.check = sca_check_id(e, chk, sizeof chk);
        if ((sp->mask & (1u << K_SYS)) && e->sensor && strlen(e->sensor) <= VG_EXC_MAX_FIELD) {
            /* A batch comes from one sender: one look-up per sender. */
            if (!sys_known || strcmp(sys_of, e->sensor) != 0) {
                const char *q[] = {e->sensor};
                sys[0] = '\0';
                if (vg_store_exec(st, "SELECT system FROM hosts WHERE name = ?", q, 1, first_str,
                                  sys, NULL, NULL) != VG_OK)
                    sys[0] = '\0'; /* no inventory: no system */
                snprintf(sys_of, sizeof sys_of, "%s", e->sensor);
                sys_known = true;
            }
            v.sys = sys[0] ? sys : NULL;
        }
        long m = set_match(sp, &v);
        if (m >= 0) {
            hit[i] = (int32_t)m;
            matched++;
        }
    }
    if (matched) {
        rc = vg_store_begin(st) == VG_OK ? VG_OK : vg_err(errbuf, VG_EIO, "exceptions: cannot begin");
        for (size_t i = 0; rc == VG_OK && i < n; i++) {
            if (hit[i] < 0 || (is_new && !is_new[i]))
                continue;
            const exc *x = &sp->v[hit[i]];
            char xid[24], ts[24];
            i64s(xid, sizeof xid, x->id);
            i64s(ts, sizeof ts, ev[i].ts_us);
            /* (event_id, ts) is the events' unique key on every backend
             * (PostgreSQL partitions by ts). */
            const char *q[] = {xid, ts, ev[i].event_id, ts};
            int64_t added = 0;
            rc = vg_store_exec(st,
                               "INSERT INTO event_exceptions(event_rowid, event_id, exception_id, ts) "
                               "SELECT id, event_id, ?, ? FROM events WHERE event_id = ? AND ts = ? "
                               "ON CONFLICT DO NOTHING", q, 4, NULL, NULL, &added, errbuf);
            if (rc == VG_OK && added)
                hits[hit[i]]++;
        }
        for (size_t k = 0; rc == VG_OK && k < sp->n; k++) {
            if (!hits[k])
                continue;
            char xid[24], cnt[24];
            i64s(xid, sizeof xid, sp->v[k].id);
            i64s(cnt, sizeof cnt, (int64_t)hits[k]);
            const char *q[] = {cnt, now, xid};
            rc = vg_store_exec(st, "UPDATE exceptions SET hits = hits + ?, last_hit = ? WHERE id = ?",
                               q, 3, NULL, NULL, NULL, errbuf);
        }
        /* Flags of events that retention pruned. */
        if (rc == VG_OK)
            rc = vg_store_exec(st, "DELETE FROM event_exceptions WHERE event_rowid < "
                                   "(SELECT min(id) FROM events)", NULL, 0, NULL, NULL, NULL,
                               errbuf);
        if (rc == VG_OK)
            rc = vg_store_commit(st) == VG_OK ? VG_OK : vg_err(errbuf, VG_EIO, "exceptions: commit");
        else
            vg_store_rollback(st);
    }
    if (rc == VG_OK && matched) {
        vg_store_event *k = malloc((n - matched ? n - matched : 1) * sizeof(*k));
        if (!k) {
            rc = vg_err(errbuf, VG_ENOMEM, "exceptions: out of memory");
        } else {
            size_t o = 0;
            for (size_t i = 0; i < n; i++)
                if (hit[i] < 0)
                    k[o++] = ev[i];
            *keep = k;
            *nkeep = o;
        }
    }
    free(hit);
    free(hits);
    return rc;
}

/* ---- creation and listing --------------------------------------------- */

static bool valid_type(const char *t)
{
    size_t n = strlen(t);
    if (n == 0 || n > 32)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!islower((unsigned char)t[i]) && !isdigit((unsigned char)t[i]) && t[i] != '_')
            return false;
    return true;
}

static bool valid_field(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > VG_EXC_MAX_FIELD)
        return false;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
            return false;
    return true;
}

static bool valid_ip(const char *s)
{
    unsigned char a[16];
    return strlen(s) < 64 && (inet_pton(AF_INET, s, a) == 1 || inet_pton(AF_INET6, s, a) == 1);
}

/* A reason: a string with something besides blanks, at most the cap. */
static const char *reason_of(json_t *v, char *errbuf)
{
    const char *r = json_string_value(v);
    if (!r) {
        vg_err(errbuf, VG_EINVAL, "a reason (text) is required");
        return NULL;
    }
    if (strlen(r) > VG_EXC_MAX_REASON) {
        vg_err(errbuf, VG_EINVAL, "reason longer than %d bytes", VG_EXC_MAX_REASON);
        return NULL;
    }
    for (const char *c = r; *c; c++)
        if (!isspace((unsigned char)*c))
            return r;
    vg_err(errbuf, VG_EINVAL, "the reason must not be empty");
    return NULL;
}

/* A reason given as a C string, by reason_of's rules: VG_OK, else
 * VG_EINVAL with why in errbuf. */
static int reason_given(const char *reason, char *errbuf)
{
    if (!reason)
        return vg_err(errbuf, VG_EINVAL, "a reason (text) is required");
    json_t *rv = json_string(reason);
    const char *r = reason_of(rv, errbuf);
    json_decref(rv);
    return r ? VG_OK : VG_EINVAL;
}

static int count_active(vg_store *st, const char *now, int64_t *n, char *errbuf)
{
    const char *p[] = {now};
    return vg_store_exec(st, "SELECT count(*) FROM exceptions WHERE revoked_at IS NULL AND "
                             "(expires_at IS NULL OR expires_at > ?)", p, 1, first_int, n, NULL,
                         errbuf);
}

int vg_exception_create(vg_store *st, const char *unit, const char *user, json_t *body,
                        int64_t now_us, int64_t *id, char *errbuf)
{
    static const char *const keys[] = {"event_type", "signature_id", "check_id", "host", "src_ip",
                                       "dest_ip", "system", "reason", "expires_at", "unit"};
    if (!json_is_object(body))
        return vg_err(errbuf, VG_EINVAL, "expected a JSON object");
    const char *key;
    json_t *val;
    json_object_foreach(body, key, val) {
        bool known = false;
        for (size_t i = 0; i < VG_ARRAY_LEN(keys); i++)
            known |= strcmp(key, keys[i]) == 0;
        if (!known)
            return vg_err(errbuf, VG_EINVAL, "unknown field '%.64s'", key);
    }
    const char *type = json_string_value(json_object_get(body, "event_type"));
    if (!type || !valid_type(type))
        return vg_err(errbuf, VG_EINVAL, "event_type is required (lower-case word, 1-32 bytes)");
    json_t *sigv = json_object_get(body, "signature_id");
    int64_t sig = 0;
    if (sigv && !json_is_null(sigv)) {
        if (!json_is_integer(sigv) || json_integer_value(sigv) <= 0)
            return vg_err(errbuf, VG_EINVAL, "signature_id must be a positive integer");
        sig = json_integer_value(sigv);
    }
    char checkbuf[32];
    const char *check = NULL;
    json_t *cv = json_object_get(body, "check_id");
    if (json_is_integer(cv)) {
        snprintf(checkbuf, sizeof checkbuf, "%" JSON_INTEGER_FORMAT, json_integer_value(cv));
        check = checkbuf;
    } else if (cv && !json_is_null(cv)) {
        check = json_string_value(cv);
        if (!check || !valid_field(check))
            return vg_err(errbuf, VG_EINVAL, "check_id must be 1-%d bytes", VG_EXC_MAX_FIELD);
    }
    if (check && strcmp(type, "sca") != 0)
        return vg_err(errbuf, VG_EINVAL, "check_id applies to event_type \"sca\" only");
    const char *str[4] = {NULL}; /* host, src_ip, dest_ip, system */
    static const char *const skeys[] = {"host", "src_ip", "dest_ip", "system"};
    for (int i = 0; i < 4; i++) {
        json_t *v = json_object_get(body, skeys[i]);
        if (!v || json_is_null(v))
            continue;
        str[i] = json_string_value(v);
        if (!str[i] || !valid_field(str[i]) || ((i == 1 || i == 2) && !valid_ip(str[i])))
            return vg_err(errbuf, VG_EINVAL, "%s: invalid value", skeys[i]);
    }
    if (!sig && !check && !str[0] && !str[1] && !str[2] && !str[3])
        return vg_err(errbuf, VG_EINVAL, "an exception needs at least one of signature_id, "
                                         "check_id, host, src_ip, dest_ip, system");
    const char *reason = reason_of(json_object_get(body, "reason"), errbuf);
    if (!reason)
        return VG_EINVAL;
    json_t *exv = json_object_get(body, "expires_at");
    int64_t expires = 0;
    if (exv && !json_is_null(exv)) {
        if (!json_is_string(exv) || vg_ingest_parse_ts(json_string_value(exv), &expires) != VG_OK)
            return vg_err(errbuf, VG_EINVAL, "expires_at must be a timestamp (YYYY-MM-DDTHH:MM:SSZ)");
        if (expires <= now_us)
            return vg_err(errbuf, VG_EINVAL, "expires_at is in the past");
    }
    json_t *uv = json_object_get(body, "unit");
    const char *xunit = unit;
    if (uv && !json_is_null(uv)) {
        const char *u = json_string_value(uv);
        if (!u || strlen(u) > 63)
            return vg_err(errbuf, VG_EINVAL, "unit: invalid value");
        if (unit[0] && strcmp(u, unit) != 0)
            return vg_err(errbuf, VG_ENOTSUP, "unit '%.63s' is not visible to you", u);
        xunit = u;
    }
    char now[24], sigs[24], exps[24];
    i64s(now, sizeof now, now_us);
    i64s(sigs, sizeof sigs, sig);
    i64s(exps, sizeof exps, expires);
    if (str[3]) {
        int64_t found = 0;
        const char *q[] = {str[3], xunit};
        int rc = vg_store_exec(st, xunit[0] ? "SELECT count(*) FROM systems WHERE name = ? AND unit = ?"
                                            : "SELECT count(*) FROM systems WHERE name = ?",
                               q, xunit[0] ? 2 : 1, first_int, &found, NULL, errbuf);
        if (rc != VG_OK)
            return rc;
        if (!found)
            return vg_err(errbuf, VG_EINVAL, "no such system '%.127s' in the unit", str[3]);
    }
    if (vg_store_begin(st) != VG_OK)
        return vg_err(errbuf, VG_EIO, "exceptions: cannot begin");
    int64_t active = 0;
    int rc = count_active(st, now, &active, errbuf);
    if (rc == VG_OK && active >= VG_EXC_MAX_ACTIVE)
        rc = vg_err(errbuf, VG_ELIMIT, "%d exceptions are active already; revoke some first",
                    VG_EXC_MAX_ACTIVE);
    int64_t newid = 0;
    if (rc == VG_OK) {
        const char *q[] = {xunit, type, sigs, check, str[0], str[1], str[2], str[3], reason, user,
                           now, expires ? exps : NULL};
        rc = vg_store_exec(st,
                           "INSERT INTO exceptions(unit, event_type, signature_id, check_id, host, "
                           "src_ip, dest_ip, system, reason, created_by, created_at, expires_at) "
                           "VALUES(?,?,?,?,?,?,?,?,?,?,?,?) RETURNING id",
                           q, 12, first_int, &newid, NULL, errbuf);
    }
    if (rc == VG_OK) {
        char detail[1400];
        snprintf(detail, sizeof detail,
                 "exception %" PRId64 " unit=%s event_type=%s%s%s%s%s%s%s%s%s%s%s%s%s%s%s: %s",
                 newid, xunit[0] ? xunit : "(all)", type, sig ? " signature_id=" : "",
                 sig ? sigs : "", check ? " check_id=" : "", check ? check : "",
                 str[0] ? " host=" : "", str[0] ? str[0] : "", str[1] ? " src_ip=" : "",
                 str[1] ? str[1] : "", str[2] ? " dest_ip=" : "", str[2] ? str[2] : "",
                 str[3] ? " system=" : "", str[3] ? str[3] : "", expires ? " expires=" : "",
                 expires ? exps : "", reason);
        rc = vg_store_audit(st, user, "exception.create", detail) == VG_OK
                 ? VG_OK : vg_err(errbuf, VG_EIO, "exceptions: audit failed");
    }
    if (rc == VG_OK)
        rc = bump_token(st, errbuf);
    if (rc == VG_OK)
        rc = vg_store_commit(st) == VG_OK ? VG_OK : vg_err(errbuf, VG_EIO, "exceptions: commit");
    else
        vg_store_rollback(st);
    if (rc == VG_OK)
        *id = newid;
    return rc;
}

#define EXC_COLS "id, unit, event_type, signature_id, check_id, host, src_ip, dest_ip, system, " \
                 "reason, created_by, created_at, expires_at, revoked_at, revoked_by, " \
                 "revoke_reason, hits, last_hit"

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

static json_t *str_json(const char *v) { return v ? json_string(v) : json_null(); }

typedef struct list_ctx {
    json_t *arr;
    int64_t now;
} list_ctx;

static void exc_row(void *arg, int n, const char *const *v)
{
    list_ctx *c = arg;
    if (n < 18)
        return;
    json_t *o = json_object();
    int64_t sig = v[3] ? strtoll(v[3], NULL, 10) : 0;
    json_object_set_new(o, "id", json_integer(strtoll(v[0], NULL, 10)));
    json_object_set_new(o, "unit", str_json(v[1]));
    json_object_set_new(o, "event_type", str_json(v[2]));
    json_object_set_new(o, "signature_id", sig ? json_integer(sig) : json_null());
    json_object_set_new(o, "check_id", str_json(v[4]));
    json_object_set_new(o, "host", str_json(v[5]));
    json_object_set_new(o, "src_ip", str_json(v[6]));
    json_object_set_new(o, "dest_ip", str_json(v[7]));
    json_object_set_new(o, "system", str_json(v[8]));
    json_object_set_new(o, "reason", str_json(v[9]));
    json_object_set_new(o, "created_by", str_json(v[10]));
    json_object_set_new(o, "created_at", ts_json(v[11]));
    json_object_set_new(o, "expires_at", ts_json(v[12]));
    json_object_set_new(o, "revoked_at", ts_json(v[13]));
    json_object_set_new(o, "revoked_by", str_json(v[14]));
    json_object_set_new(o, "revoke_reason", str_json(v[15]));
    json_object_set_new(o, "hits", json_integer(v[16] ? strtoll(v[16], NULL, 10) : 0));
    json_object_set_new(o, "last_hit", ts_json(v[17]));
    const char *state = v[13] ? "revoked"
                        : v[12] && strtoll(v[12], NULL, 10) <= c->now ? "expired" : "active";
    json_object_set_new(o, "state", json_string(state));
    json_array_append_new(c->arr, o);
}

json_t *vg_exceptions_list(vg_store *st, const char *unit, const char *state, int64_t before,
                           int limit, int64_t now_us, char *errbuf)
{
    char sql[640], now[24], b[24];
    const char *p[4];
    int np = 0;
    i64s(now, sizeof now, now_us);
    snprintf(sql, sizeof sql, "SELECT " EXC_COLS " FROM exceptions WHERE 1=1");
    if (unit && unit[0]) {
        strcat(sql, " AND (unit = ? OR unit = '')");
        p[np++] = unit;
    }
    if (state && strcmp(state, "active") == 0) {
        strcat(sql, " AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > ?)");
        p[np++] = now;
    } else if (state && strcmp(state, "expired") == 0) {
        strcat(sql, " AND revoked_at IS NULL AND expires_at IS NOT NULL AND expires_at <= ?");
        p[np++] = now;
    } else if (state && strcmp(state, "revoked") == 0) {
        strcat(sql, " AND revoked_at IS NOT NULL");
    } else if (state && strcmp(state, "all") != 0) {
        vg_err(errbuf, VG_EINVAL, "state must be active, expired, revoked or all");
        return NULL;
    }
    if (before > 0) {
        i64s(b, sizeof b, before);
        strcat(sql, " AND id < ?");
        p[np++] = b;
    }
    char tail[48];
    snprintf(tail, sizeof tail, " ORDER BY id DESC LIMIT %d", limit > 0 && limit <= 500 ? limit : 100);
    strcat(sql, tail);
    list_ctx c = {json_array(), now_us};
    if (vg_store_exec(st, sql, p, np, exc_row, &c, NULL, errbuf) != VG_OK) {
        json_decref(c.arr);
        return NULL;
    }
    return c.arr;
}

json_t *vg_exception_get(vg_store *st, const char *unit, int64_t id, int64_t now_us, char *errbuf)
{
    char ids[24];
    i64s(ids, sizeof ids, id);
    const char *p[] = {ids, unit};
    bool scoped = unit && unit[0];
    list_ctx c = {json_array(), now_us};
    if (vg_store_exec(st, scoped ? "SELECT " EXC_COLS " FROM exceptions WHERE id = ? AND "
                                   "(unit = ? OR unit = '')"
                                 : "SELECT " EXC_COLS " FROM exceptions WHERE id = ?",
                      p, scoped ? 2 : 1, exc_row, &c, NULL, errbuf) != VG_OK ||
        json_array_size(c.arr) != 1) {
        json_decref(c.arr);
        return NULL;
    }
    json_t *o = json_incref(json_array_get(c.arr, 0));
    json_decref(c.arr);
    return o;
}

int vg_exception_revoke(vg_store *st, const char *unit, int64_t id, const char *user,
                        const char *reason, int64_t now_us, char *errbuf)
{
    json_t *cur = vg_exception_get(st, unit, id, now_us, errbuf);
    if (!cur)
        return vg_err(errbuf, VG_ENOENT, "no such exception");
    const char *xunit = json_string_value(json_object_get(cur, "unit"));
    bool revoked = !json_is_null(json_object_get(cur, "revoked_at"));
    bool global = !xunit || !xunit[0];
    json_decref(cur);
    if (unit[0] && global)
        return vg_err(errbuf, VG_ENOTSUP, "an exception of every unit is revoked by an admin of "
                                          "every unit");
    if (revoked)
        return vg_err(errbuf, VG_ELIMIT, "exception %" PRId64 " is revoked already", id);
    if (reason_given(reason, errbuf) != VG_OK)
        return VG_EINVAL;
    char ids[24], now[24];
    i64s(ids, sizeof ids, id);
    i64s(now, sizeof now, now_us);
    if (vg_store_begin(st) != VG_OK)
        return vg_err(errbuf, VG_EIO, "exceptions: cannot begin");
    const char *p[] = {now, user, reason, ids};
    int64_t changed = 0;
    int rc = vg_store_exec(st, "UPDATE exceptions SET revoked_at = ?, revoked_by = ?, "
                               "revoke_reason = ? WHERE id = ? AND revoked_at IS NULL",
                           p, 4, NULL, NULL, &changed, errbuf);
    if (rc == VG_OK && !changed)
        rc = vg_err(errbuf, VG_ELIMIT, "exception %" PRId64 " is revoked already", id);
    if (rc == VG_OK) {
        char detail[1100];
        snprintf(detail, sizeof detail, "exception %" PRId64 ": %s", id, reason);
        rc = vg_store_audit(st, user, "exception.revoke", detail) == VG_OK
                 ? VG_OK : vg_err(errbuf, VG_EIO, "exceptions: audit failed");
    }
    if (rc == VG_OK)
        rc = bump_token(st, errbuf);
    if (rc == VG_OK)
        rc = vg_store_commit(st) == VG_OK ? VG_OK : vg_err(errbuf, VG_EIO, "exceptions: commit");
    else
        vg_store_rollback(st);
    return rc;
}

/* ---- events: acknowledgement, one event, decoration ------------------- */

typedef struct ev_row {
    char event_id[160];
    char unit[64];
    char sensor[128];
    char *json;
    bool found;
} ev_row;

static void event_row(void *arg, int n, const char *const *v)
{
    ev_row *r = arg;
    if (n < 4 || !v[0])
        return;
    r->found = true;
    snprintf(r->sensor, sizeof r->sensor, "%s", v[3] ? v[3] : "");
    snprintf(r->event_id, sizeof r->event_id, "%s", v[0]);
    snprintf(r->unit, sizeof r->unit, "%s", v[1] ? v[1] : "");
    free(r->json);
    r->json = v[2] ? strdup(v[2]) : NULL;
}

/* The event with store id `rowid` if unit may see it. */
static int event_load(vg_store *st, const char *unit, int64_t rowid, ev_row *r, char *errbuf)
{
    char ids[24];
    i64s(ids, sizeof ids, rowid);
    const char *p[] = {ids};
    memset(r, 0, sizeof(*r));
    int rc = vg_store_exec(st, "SELECT event_id, unit, json, sensor FROM events WHERE id = ?", p, 1,
                           event_row, r, NULL, errbuf);
    if (rc != VG_OK)
        return rc;
    if (!r->found || (unit && unit[0] && strcmp(unit, r->unit) != 0)) {
        free(r->json);
        r->json = NULL;
        return vg_err(errbuf, VG_ENOENT, "no such event");
    }
    return VG_OK;
}

int vg_event_ack(vg_store *st, const char *unit, int64_t rowid, const char *user,
                 const char *reason, int64_t now_us, char *errbuf)
{
    ev_row r;
    int rc = event_load(st, unit, rowid, &r, errbuf);
    free(r.json);
    if (rc != VG_OK)
        return rc;
    if (reason_given(reason, errbuf) != VG_OK)
        return VG_EINVAL;
    char ids[24], now[24];
    i64s(ids, sizeof ids, rowid);
    i64s(now, sizeof now, now_us);
    if (vg_store_begin(st) != VG_OK)
        return vg_err(errbuf, VG_EIO, "exceptions: cannot begin");
    const char *p[] = {ids, r.event_id, r.unit, user, reason, now};
    int64_t added = 0;
    rc = vg_store_exec(st, "INSERT INTO event_acks(event_rowid, event_id, unit, user_name, reason, ts) "
                           "VALUES(?,?,?,?,?,?) ON CONFLICT DO NOTHING", p, 6, NULL, NULL, &added,
                       errbuf);
    if (rc == VG_OK && !added)
        rc = vg_err(errbuf, VG_ELIMIT, "event %" PRId64 " is acknowledged already", rowid);
    if (rc == VG_OK) {
        char detail[1300];
        snprintf(detail, sizeof detail, "event %" PRId64 " (%s): %s", rowid, r.event_id, reason);
        rc = vg_store_audit(st, user, "event.ack", detail) == VG_OK
                 ? VG_OK : vg_err(errbuf, VG_EIO, "exceptions: audit failed");
    }
    /* Acknowledgements of events that retention pruned. */
    if (rc == VG_OK)
        rc = vg_store_exec(st, "DELETE FROM event_acks WHERE event_rowid < "
                               "(SELECT min(id) FROM events)", NULL, 0, NULL, NULL, NULL, errbuf);
    if (rc == VG_OK)
        rc = vg_store_commit(st) == VG_OK ? VG_OK : vg_err(errbuf, VG_EIO, "exceptions: commit");
    else
        vg_store_rollback(st);
    return rc;
}

json_t *vg_event_get(vg_store *st, const char *unit, int64_t rowid, char *errbuf)
{
    ev_row r;
    if (event_load(st, unit, rowid, &r, errbuf) != VG_OK)
        return NULL;
    json_error_t je;
    json_t *ev = r.json ? json_loads(r.json, 0, &je) : NULL;
    if (!json_is_object(ev)) {
        json_decref(ev);
        ev = json_pack("{ss}", "raw", r.json ? r.json : "");
    }
    free(r.json);
    json_object_set_new(ev, "_id", json_integer(rowid));
    /* The columns an exception matches on besides the event's own fields. */
    json_object_set_new(ev, "_sensor", json_string(r.sensor));
    json_object_set_new(ev, "_unit", json_string(r.unit));
    json_t *arr = json_array();
    json_array_append(arr, ev);
    int rc = vg_exceptions_decorate(st, arr, errbuf);
    json_decref(arr);
    if (rc != VG_OK) {
        json_decref(ev);
        return NULL;
    }
    return ev;
}

/* Ids per query of the decoration: a fixed statement text, so that the
 * backend's statement cache keeps it. */
#define DECO_CHUNK 64

typedef struct deco_ctx {
    json_t *arr;
    const int64_t *ids;
    size_t n;
    bool ack;
} deco_ctx;

static void deco_row(void *arg, int n, const char *const *v)
{
    deco_ctx *c = arg;
    if (n < (c->ack ? 4 : 2) || !v[0] || !v[1])
        return;
    int64_t id = strtoll(v[0], NULL, 10);
    for (size_t i = 0; i < c->n; i++) {
        if (c->ids[i] != id)
            continue;
        json_t *ev = json_array_get(c->arr, i);
        if (c->ack)
            json_object_set_new(ev, "_ack", json_pack("{ss so ss}", "user", v[1], "ts",
                                                      ts_json(v[2]), "reason", v[3] ? v[3] : ""));
        else
            json_object_set_new(ev, "_exception_id", json_integer(strtoll(v[1], NULL, 10)));
    }
}

int vg_exceptions_decorate(vg_store *st, json_t *arr, char *errbuf)
{
    size_t n = json_array_size(arr);
    if (!n)
        return VG_OK;
    int64_t *ids = malloc(n * sizeof(*ids));
    if (!ids)
        return vg_err(errbuf, VG_ENOMEM, "out of memory");
    for (size_t i = 0; i < n; i++)
        ids[i] = json_integer_value(json_object_get(json_array_get(arr, i), "_id"));
    /* "SELECT ... WHERE event_rowid IN (?,?,...)" with DECO_CHUNK slots. */
    char inlist[DECO_CHUNK * 2 + 4];
    size_t o = 0;
    inlist[o++] = '(';
    for (int i = 0; i < DECO_CHUNK; i++) {
        inlist[o++] = '?';
        inlist[o++] = i + 1 < DECO_CHUNK ? ',' : ')';
    }
    inlist[o] = '\0';
    char qx[256], qa[256];
    snprintf(qx, sizeof qx, "SELECT event_rowid, exception_id FROM event_exceptions "
                            "WHERE event_rowid IN %s", inlist);
    snprintf(qa, sizeof qa, "SELECT event_rowid, user_name, ts, reason FROM event_acks "
                            "WHERE event_rowid IN %s", inlist);
    int rc = VG_OK;
    char vals[DECO_CHUNK][24];
    const char *p[DECO_CHUNK];
    for (size_t at = 0; rc == VG_OK && at < n; at += DECO_CHUNK) {
        for (size_t i = 0; i < DECO_CHUNK; i++) {
            /* Unused slots repeat a real id: no extra rows, same text. */
            i64s(vals[i], sizeof vals[i], ids[at + i < n ? at + i : at]);
            p[i] = vals[i];
        }
        deco_ctx c = {arr, ids, n, false};
        rc = vg_store_exec(st, qx, p, DECO_CHUNK, deco_row, &c, NULL, errbuf);
        c.ack = true;
        if (rc == VG_OK)
            rc = vg_store_exec(st, qa, p, DECO_CHUNK, deco_row, &c, NULL, errbuf);
    }
    free(ids);
    return rc;
}
