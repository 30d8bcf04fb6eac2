/* response.c: allow-list, blocks on the server side, nft command lines (see response.h). */
#include "server/response.h"

#include <arpa/inet.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- allow-list ---------------------------------------------------------- */

bool vg_ip_canonical(const char *ip, char out[64], int *family)
{
    uint8_t a[16];
    if (!ip || strlen(ip) > 45)
        return false;
    if (inet_pton(AF_INET, ip, a) == 1) {
        *family = AF_INET;
        return inet_ntop(AF_INET, a, out, 64) != NULL;
    }
    if (inet_pton(AF_INET6, ip, a) == 1) {
        *family = AF_INET6;
        return inet_ntop(AF_INET6, a, out, 64) != NULL;
    }
    return false;
}

int vg_allow_add(vg_allowlist *a, const char *cidr, char *errbuf)
{
    if (a->n >= VG_ALLOW_MAX)
        return vg_err(errbuf, VG_ELIMIT, "allow-list: more than %d networks", VG_ALLOW_MAX);
    char buf[64];
    if (!cidr || strlen(cidr) >= sizeof buf)
        return vg_err(errbuf, VG_EINVAL, "allow-list: bad network");
    snprintf(buf, sizeof buf, "%s", cidr);
    char *slash = strchr(buf, '/');
    int prefix = -1;
    if (slash) {
        *slash = '\0';
        char *end;
        long p = strtol(slash + 1, &end, 10);
        if (!slash[1] || *end || p < 0 || p > 128)
            return vg_err(errbuf, VG_EINVAL, "allow-list: %s: bad prefix length", cidr);
        prefix = (int)p;
    }
    vg_net *n = &a->nets[a->n];
    memset(n, 0, sizeof(*n));
    if (inet_pton(AF_INET, buf, n->addr) == 1) {
        n->family = AF_INET;
        if (prefix > 32)
            return vg_err(errbuf, VG_EINVAL, "allow-list: %s: prefix over 32", cidr);
        n->prefix = prefix < 0 ? 32 : prefix;
    } else if (inet_pton(AF_INET6, buf, n->addr) == 1) {
        n->family = AF_INET6;
        n->prefix = prefix < 0 ? 128 : prefix;
    } else {
        return vg_err(errbuf, VG_EINVAL, "allow-list: %s: not an address or network", cidr);
    }
    a->n++;
    return VG_OK;
}

void vg_allow_init(vg_allowlist *a)
{
    memset(a, 0, sizeof(*a));
    static const char *const builtin[] = {"127.0.0.0/8", "::1/128", "0.0.0.0/32",
                                          "255.255.255.255/32", "::/128"};
    for (size_t i = 0; i < VG_ARRAY_LEN(builtin); i++)
        (void)!vg_allow_add(a, builtin[i], NULL);
}

static bool in_net(const vg_net *n, const uint8_t *addr, int family)
{
    if (n->family != family)
        return false;
    int full = n->prefix / 8, rest = n->prefix % 8;
    if (memcmp(n->addr, addr, (size_t)full) != 0)
        return false;
    if (rest) {
        uint8_t mask = (uint8_t)(0xff << (8 - rest));
        if ((n->addr[full] & mask) != (addr[full] & mask))
            return false;
    }
    return true;
}

bool vg_allow_contains(const vg_allowlist *a, const char *ip)
{
    uint8_t addr[16] = {0};
    int family;
    if (inet_pton(AF_INET, ip, addr) == 1)
        family = AF_INET;
    else if (inet_pton(AF_INET6, ip, addr) == 1) {
        family = AF_INET6;
        /* IPv4-mapped addresses are judged as IPv4. */
        static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
        if (memcmp(addr, mapped, 12) == 0) {
            memmove(addr, addr + 12, 4);
            family = AF_INET;
        }
    } else
        return true; /* not an address: never blockable */
    for (int i = 0; i < a->n; i++)
        if (in_net(&a->nets[i], addr, family))
            return true;
    return false;
}

/* ---- blocks --------------------------------------------------------------- */

static const char ddl[] =
    "CREATE TABLE IF NOT EXISTS blocks ("
    " id %PK%, unit TEXT NOT NULL DEFAULT '', ip TEXT NOT NULL, host TEXT NOT NULL DEFAULT '',"
    " reason TEXT NOT NULL DEFAULT '', created_by TEXT NOT NULL, created BIGINT NOT NULL,"
    " expires BIGINT NOT NULL, revoked BIGINT NOT NULL DEFAULT 0);"
    "CREATE INDEX IF NOT EXISTS blocks_active ON blocks(unit, expires);"
    "CREATE TABLE IF NOT EXISTS block_acks ("
    " block_id BIGINT NOT NULL, host TEXT NOT NULL, ts BIGINT NOT NULL, ok INTEGER NOT NULL,"
    " detail TEXT, PRIMARY KEY (block_id, host))";

int vg_response_schema(vg_store *st, char *errbuf) { return vg_store_ddl(st, ddl, errbuf); }

static void first_int(void *arg, int n, const char *const *v)
{
    if (n > 0 && v[0])
        *(int64_t *)arg = strtoll(v[0], NULL, 10);
}

static void i64s(char *b, size_t cap, int64_t v) { snprintf(b, cap, "%" PRId64, v); }

int vg_block_create(vg_store *st, const vg_allowlist *allow, const char *unit, const char *ip,
                    const char *host, int duration_s, const char *reason, const char *user,
                    int64_t now_us, int64_t *id, char *errbuf)
{
    char canon[64], detail[512];
    int family;
    unit = unit ? unit : "";
    host = host ? host : "";
    reason = reason ? reason : "";
    if (!vg_ip_canonical(ip, canon, &family))
        return vg_err(errbuf, VG_EINVAL, "not an IPv4 or IPv6 address");
    if (duration_s == 0)
        duration_s = VG_BLOCK_DEFAULT_S;
    if (duration_s < VG_BLOCK_MIN_S || duration_s > VG_BLOCK_MAX_S)
        return vg_err(errbuf, VG_EINVAL, "duration must be %d-%d seconds", VG_BLOCK_MIN_S,
                      VG_BLOCK_MAX_S);
    if (strlen(host) > 127 || strlen(reason) > 1000)
        return vg_err(errbuf, VG_EINVAL, "host or reason too long");
    if (vg_allow_contains(allow, canon)) {
        snprintf(detail, sizeof detail, "%s (unit %s): on the allow-list", canon, unit);
        vg_store_audit(st, user, "block.refused", detail);
        return vg_err(errbuf, VG_EINVAL, "%s is on the allow-list and can never be blocked", canon);
    }
    char now[24], exp[24];
    i64s(now, sizeof now, now_us);
    i64s(exp, sizeof exp, now_us + (int64_t)duration_s * 1000000);
    int64_t cur = 0;
    const char *q[] = {unit, canon, host, now};
    int rc = vg_store_exec(st,
                           "SELECT id FROM blocks WHERE unit = ? AND ip = ? AND host = ? AND "
                           "revoked = 0 AND expires > ? ORDER BY id DESC LIMIT 1",
                           q, 4, first_int, &cur, NULL, errbuf);
    if (rc != VG_OK)
        return rc;
    if (cur) {
        char ids[24];
        i64s(ids, sizeof ids, cur);
        const char *u[] = {exp, exp, ids};
        rc = vg_store_exec(st,
                           "UPDATE blocks SET expires = CASE WHEN expires < ? THEN ? ELSE expires END "
                           "WHERE id = ?", u, 3, NULL, NULL, NULL, errbuf);
        /* Agents re-apply with the new timeout. */
        if (rc == VG_OK)
            rc = vg_store_exec(st, "DELETE FROM block_acks WHERE block_id = ?",
                               (const char *const[]){ids}, 1, NULL, NULL, NULL, errbuf);
        *id = cur;
        snprintf(detail, sizeof detail, "#%s %s (unit %s, host %s) extended to %d s: %.300s", ids,
                 canon, unit, host[0] ? host : "*", duration_s, reason);
        vg_store_audit(st, user, "block.extend", detail);
        return rc;
    }
    const char *p[] = {unit, canon, host, reason, user, now, exp};
    *id = 0;
    rc = vg_store_exec(st,
                       "INSERT INTO blocks(unit, ip, host, reason, created_by, created, expires) "
                       "VALUES(?,?,?,?,?,?,?) RETURNING id", p, 7, first_int, id, NULL, errbuf);
    if (rc == VG_OK) {
        snprintf(detail, sizeof detail, "#%" PRId64 " %s (unit %s, host %s) for %d s: %.300s", *id,
                 canon, unit, host[0] ? host : "*", duration_s, reason);
        vg_store_audit(st, user, "block.create", detail);
    }
    return rc;
}

int vg_block_revoke(vg_store *st, const char *unit, int64_t id, const char *user, int64_t now_us,
                    char *errbuf)
{
    char ids[24], now[24];
    i64s(ids, sizeof ids, id);
    i64s(now, sizeof now, now_us);
    unit = unit ? unit : "";
    int64_t changed = 0;
    const char *p[] = {now, ids, unit, unit};
    int rc = vg_store_exec(st,
                           "UPDATE blocks SET revoked = ? WHERE id = ? AND revoked = 0 AND "
                           "(? = '' OR unit = ?)", p, 4, NULL, NULL, &changed, errbuf);
    if (rc != VG_OK)
        return rc;
    if (!changed)
        return vg_err(errbuf, VG_ENOENT, "no such active block");
    (void)!vg_store_exec(st, "DELETE FROM block_acks WHERE block_id = ?",
                         (const char *const[]){ids}, 1, NULL, NULL, NULL, NULL);
    char detail[64];
    snprintf(detail, sizeof detail, "#%s", ids);
    vg_store_audit(st, user, "block.revoke", detail);
    return VG_OK;
}

typedef struct blist {
    json_t *arr;
    int64_t now;
} blist;

static void block_row(void *arg, int n, const char *const *v)
{
    blist *b = arg;
    if (n < 9)
        return;
    int64_t created = strtoll(v[6], NULL, 10), expires = strtoll(v[7], NULL, 10);
    int64_t revoked = strtoll(v[8], NULL, 10);
    const char *state = revoked ? "revoked" : expires <= b->now ? "expired" : "active";
    json_array_append_new(b->arr, json_pack("{sI ss ss ss ss ss sI sI sI ss}", "id",
        (json_int_t)strtoll(v[0], NULL, 10), "unit", v[1] ? v[1] : "", "ip", v[2] ? v[2] : "",
        "host", v[3] ? v[3] : "", "reason", v[4] ? v[4] : "", "created_by", v[5] ? v[5] : "",
        "created_us", (json_int_t)created, "expires_us", (json_int_t)expires, "revoked_us",
        (json_int_t)revoked, "state", state));
}

static void ack_row(void *arg, int n, const char *const *v)
{
    json_t *arr = arg;
    if (n < 4)
        return;
    json_array_append_new(arr, json_pack("{ss sI sb ss}", "host", v[0] ? v[0] : "", "ts_us",
                                         (json_int_t)strtoll(v[1], NULL, 10), "ok",
                                         v[2] && atoi(v[2]) != 0, "detail", v[3] ? v[3] : ""));
}

json_t *vg_block_list(vg_store *st, const char *unit, int64_t now_us, char *errbuf)
{
    blist b = {json_array(), now_us};
    bool scoped = unit && unit[0];
    const char *p[] = {unit};
    int rc = vg_store_exec(st, scoped
        ? "SELECT id, unit, ip, host, reason, created_by, created, expires, revoked FROM blocks "
          "WHERE unit = ? ORDER BY id DESC LIMIT 1000"
        : "SELECT id, unit, ip, host, reason, created_by, created, expires, revoked FROM blocks "
          "ORDER BY id DESC LIMIT 1000", p, scoped ? 1 : 0, block_row, &b, NULL, errbuf);
    if (rc != VG_OK) {
        json_decref(b.arr);
        return NULL;
    }
    size_t i;
    json_t *o;
    json_array_foreach(b.arr, i, o) {
        char ids[24];
        i64s(ids, sizeof ids, json_integer_value(json_object_get(o, "id")));
        json_t *acks = json_array();
        (void)!vg_store_exec(st, "SELECT host, ts, ok, detail FROM block_acks WHERE block_id = ? "
                             "ORDER BY host", (const char *const[]){ids}, 1, ack_row, acks, NULL, NULL);
        json_object_set_new(o, "applied", acks);
    }
    return b.arr;
}

typedef struct pend {
    json_t *blocks, *revoked;
    int64_t now;
} pend;

static void pend_row(void *arg, int n, const char *const *v)
{
    pend *p = arg;
    if (n < 4)
        return;
    int64_t id = strtoll(v[0], NULL, 10), exp = strtoll(v[2], NULL, 10), rev = strtoll(v[3], NULL, 10);
    if (rev)
        json_array_append_new(p->revoked, json_pack("{sI ss}", "id", (json_int_t)id, "ip", v[1]));
    else if (exp > p->now)
        json_array_append_new(p->blocks, json_pack("{sI ss sI}", "id", (json_int_t)id, "ip", v[1],
                                                   "expires_in", (json_int_t)((exp - p->now) / 1000000)));
}

json_t *vg_block_pending(vg_store *st, const char *host, const char *unit, int64_t now_us,
                         char *errbuf)
{
    pend p = {json_array(), json_array(), now_us};
    char now[24], day[24];
    i64s(now, sizeof now, now_us);
    i64s(day, sizeof day, now_us - (int64_t)86400 * 1000000);
    unit = unit ? unit : "";
    const char *q[] = {host, unit, unit, now, day};
    int rc = vg_store_exec(st,
                           "SELECT id, ip, expires, revoked FROM blocks WHERE (host = '' OR host = ?) "
                           "AND (? = '' OR unit = '' OR unit = ?) AND ((revoked = 0 AND expires > ?) OR revoked > ?) "
                           "ORDER BY id LIMIT 4096", q, 5, pend_row, &p, NULL, errbuf);
    if (rc != VG_OK) {
        json_decref(p.blocks);
        json_decref(p.revoked);
        return NULL;
    }
    return json_pack("{so so}", "blocks", p.blocks, "revoked", p.revoked);
}

int vg_block_ack(vg_store *st, const char *host, const char *unit, int64_t id, bool ok,
                 const char *detail, int64_t now_us, char *errbuf)
{
    char ids[24], now[24];
    i64s(ids, sizeof ids, id);
    i64s(now, sizeof now, now_us);
    unit = unit ? unit : "";
    int64_t found = 0;
    const char *q[] = {ids, host, unit, unit};
    int rc = vg_store_exec(st, "SELECT count(*) FROM blocks WHERE id = ? AND (host = '' OR host = ?) "
                           "AND (? = '' OR unit = '' OR unit = ?)", q, 4, first_int, &found, NULL, errbuf);
    if (rc != VG_OK)
        return rc;
    if (!found)
        return vg_err(errbuf, VG_ENOENT, "no such block for this host");
    char d[300];
    snprintf(d, sizeof d, "%.280s", detail ? detail : "");
    const char *p[] = {ids, host, now, ok ? "1" : "0", d};
    rc = vg_store_exec(st,
                       "INSERT INTO block_acks(block_id, host, ts, ok, detail) VALUES(?,?,?,?,?) "
                       "ON CONFLICT (block_id, host) DO UPDATE SET ts = excluded.ts, ok = excluded.ok, "
                       "detail = excluded.detail", p, 5, NULL, NULL, NULL, errbuf);
    if (rc == VG_OK) {
        char a[400];
        snprintf(a, sizeof a, "#%s on %s: %s", ids, host, d);
        vg_store_audit(st, host, ok ? "block.applied" : "block.failed", a);
    }
    return rc;
}

int vg_block_from_alerts(vg_store *st, const vg_allowlist *allow, const vg_block_rules *r,
                         const vg_store_event *ev, size_t n, int64_t now_us, int *created,
                         char *errbuf)
{
    *created = 0;
    if (!r || (!r->nsids && r->max_severity <= 0))
        return VG_OK;
    for (size_t i = 0; i < n; i++) {
        const vg_store_event *e = &ev[i];
        if (!e->event_type || strcmp(e->event_type, "alert") != 0 || !e->src_ip)
            continue;
        bool hit = r->max_severity > 0 && e->severity >= 1 && e->severity <= r->max_severity;
        for (int k = 0; !hit && k < r->nsids; k++)
            hit = r->sids[k] == e->signature_id;
        if (!hit)
            continue;
        char who[48], reason[400];
        snprintf(who, sizeof who, "rule:%" PRId64, e->signature_id);
        snprintf(reason, sizeof reason, "alert %" PRId64 " (severity %d): %.300s", e->signature_id,
                 e->severity, e->signature ? e->signature : "");
        int64_t id;
        char err[VG_ERRBUF_SIZE];
        int rc = vg_block_create(st, allow, e->unit, e->src_ip, "",
                                 r->duration_s ? r->duration_s : VG_BLOCK_DEFAULT_S, reason, who,
                                 now_us, &id, err);
        if (rc == VG_OK)
            (*created)++;
        else if (rc != VG_EINVAL)
            return vg_err(errbuf, rc, "%s", err);
    }
    return VG_OK;
}

/* ---- nft command lines ---------------------------------------------------- */

int vg_nft_setup_argv(int step, const char *argv[16])
{
    static const char *const steps[][10] = {
        {"nft", "add", "table", "inet", "vigil", NULL},
        {"nft", "add", "set", "inet", "vigil", "blocked4", "{ type ipv4_addr ; flags timeout ; }", NULL},
        {"nft", "add", "set", "inet", "vigil", "blocked6", "{ type ipv6_addr ; flags timeout ; }", NULL},
        {"nft", "add", "chain", "inet", "vigil", "input",
         "{ type filter hook input priority -10 ; policy accept ; }", NULL},
        {"nft", "add", "chain", "inet", "vigil", "forward",
         "{ type filter hook forward priority -10 ; policy accept ; }", NULL},
        {"nft", "flush", "chain", "inet", "vigil", "input", NULL},
        {"nft", "flush", "chain", "inet", "vigil", "forward", NULL},
        {"nft", "add", "rule", "inet", "vigil", "input", "ip", "saddr", "@blocked4", "drop"},
        {"nft", "add", "rule", "inet", "vigil", "input", "ip6", "saddr", "@blocked6", "drop"},
        {"nft", "add", "rule", "inet", "vigil", "forward", "ip", "saddr", "@blocked4", "drop"},
        {"nft", "add", "rule", "inet", "vigil", "forward", "ip6", "saddr", "@blocked6", "drop"},
    };
    if (step < 0 || step >= (int)VG_ARRAY_LEN(steps))
        return VG_DECLINED;
    int k = 0;
    for (; k < 10 && steps[step][k]; k++)
        argv[k] = steps[step][k];
    argv[k] = NULL;
    return VG_OK;
}

int vg_nft_element_argv(bool add, const char *ip, int family, int timeout_s, char *buf, size_t cap,
                        const char *argv[16])
{
    char canon[64];
    int fam;
    if (!vg_ip_canonical(ip, canon, &fam) || fam != family)
        return VG_EINVAL;
    int n = add && timeout_s > 0 ? snprintf(buf, cap, "{ %s timeout %ds }", canon, timeout_s)
                                 : snprintf(buf, cap, "{ %s }", canon);
    if (n < 0 || (size_t)n >= cap)
        return VG_ELIMIT;
    int k = 0;
    argv[k++] = "nft";
    argv[k++] = add ? "add" : "delete";
    argv[k++] = "element";
    argv[k++] = "inet";
    argv[k++] = "vigil";
    argv[k++] = family == AF_INET ? "blocked4" : "blocked6";
    argv[k++] = buf;
    argv[k] = NULL;
    return VG_OK;
}
