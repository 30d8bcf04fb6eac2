/*
 * addrport.c: address and port sets of rule headers.
 *
 * Both are unions of inclusive ranges (IPv4 and IPv6 kept apart), sorted
 * and merged after parsing, so matching is a binary search.  Expressions
 * follow Suricata: "any", single values, CIDR (a/len or a/dotted-mask),
 * ranges (a-b for addresses, a:b, a:, :b for ports), $VARS from
 * vars.address-groups / vars.port-groups, [lists] nested up to
 * VG_VAR_DEPTH_MAX, and '!' negation: a list is the union of its positive
 * items (everything when it has none) minus the union of its negated ones.
 * An empty result, "!any" or an unknown variable is an error.  Parsed sets
 * are cached by their text in the rule set and shared between rules.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/detect/detect_int.h"

#define V4_MAX ((vg_u128)0xffffffffu)
#define V6_MAX (~(vg_u128)0)
#define PORT_MAX ((vg_u128)65535)
#define EXPR_MAX 8192

/* ---- range sets --------------------------------------------------------- */

static int rset_add(vg_rset *s, vg_u128 lo, vg_u128 hi)
{
    if (s->n == s->cap) {
        uint32_t nc = s->cap ? s->cap * 2 : 4;
        if (nc > (1u << 20))
            return VG_ELIMIT;
        vg_range *r = realloc(s->r, nc * sizeof(*r));
        if (!r)
            return VG_ENOMEM;
        s->r = r;
        s->cap = nc;
    }
    s->r[s->n].lo = lo;
    s->r[s->n].hi = hi;
    s->n++;
    return VG_OK;
}

static int range_cmp(const void *a, const void *b)
{
    const vg_range *x = a, *y = b;
    return x->lo < y->lo ? -1 : x->lo > y->lo ? 1 : 0;
}

static void rset_normalize(vg_rset *s)
{
    if (s->n < 2)
        return;
    qsort(s->r, s->n, sizeof(vg_range), range_cmp);
    uint32_t o = 0;
    for (uint32_t i = 1; i < s->n; i++) {
        vg_range *cur = &s->r[o];
        if (s->r[i].lo <= cur->hi || (cur->hi != V6_MAX && s->r[i].lo == cur->hi + 1)) {
            if (s->r[i].hi > cur->hi)
                cur->hi = s->r[i].hi;
        } else {
            s->r[++o] = s->r[i];
        }
    }
    s->n = o + 1;
}

static void rset_free(vg_rset *s)
{
    free(s->r);
    s->r = NULL;
    s->n = s->cap = 0;
}

static int rset_union(vg_rset *dst, const vg_rset *src)
{
    for (uint32_t i = 0; i < src->n; i++) {
        int rc = rset_add(dst, src->r[i].lo, src->r[i].hi);
        if (rc)
            return rc;
    }
    rset_normalize(dst);
    return VG_OK;
}

/* dst = a - b (both normalized). */
static int rset_sub(vg_rset *dst, const vg_rset *a, const vg_rset *b)
{
    uint32_t j = 0;
    for (uint32_t i = 0; i < a->n; i++) {
        vg_u128 lo = a->r[i].lo, hi = a->r[i].hi;
        bool done = false;
        while (j < b->n && b->r[j].hi < lo)
            j++;
        for (uint32_t k = j; k < b->n && b->r[k].lo <= hi; k++) {
            if (b->r[k].lo > lo) {
                int rc = rset_add(dst, lo, b->r[k].lo - 1);
                if (rc)
                    return rc;
            }
            if (b->r[k].hi >= hi) {
                done = true;
                break;
            }
            lo = b->r[k].hi + 1;
        }
        if (!done) {
            int rc = rset_add(dst, lo, hi);
            if (rc)
                return rc;
        }
    }
    return VG_OK;
}

static bool rset_has(const vg_rset *s, vg_u128 v)
{
    uint32_t lo = 0, hi = s->n;
    while (lo < hi) {
        uint32_t mid = (lo + hi) / 2;
        if (s->r[mid].hi < v)
            lo = mid + 1;
        else if (s->r[mid].lo > v)
            hi = mid;
        else
            return true;
    }
    return false;
}

/* ---- addresses ------------------------------------------------------------ */

typedef struct aset {
    vg_rset v4, v6;
} aset;

static void aset_free(aset *a)
{
    rset_free(&a->v4);
    rset_free(&a->v6);
}

static int aset_fill_any(aset *a)
{
    int rc = rset_add(&a->v4, 0, V4_MAX);
    if (!rc)
        rc = rset_add(&a->v6, 0, V6_MAX);
    return rc;
}

static vg_u128 be_to_u128(const uint8_t *b, int n)
{
    vg_u128 v = 0;
    for (int i = 0; i < n; i++)
        v = (v << 8) | b[i];
    return v;
}

static int parse_ip(const char *s, int *fam, vg_u128 *v)
{
    uint8_t b[16];
    if (strchr(s, ':')) {
        if (inet_pton(AF_INET6, s, b) != 1)
            return -1;
        *fam = 6;
        *v = be_to_u128(b, 16);
    } else {
        if (inet_pton(AF_INET, s, b) != 1)
            return -1;
        *fam = 4;
        *v = be_to_u128(b, 4);
    }
    return 0;
}

/* One address atom: ip, ip/len, ip/mask, ip-ip. */
static int addr_atom(const char *s, aset *out, char *errbuf)
{
    char buf[128];
    size_t n = strlen(s);
    if (n == 0 || n >= sizeof(buf))
        return vg_err(errbuf, VG_EINVAL, "bad address \"%.64s\"", s);
    memcpy(buf, s, n + 1);
    int fam, fam2;
    vg_u128 lo, hi;
    char *slash = strchr(buf, '/');
    char *dash = strchr(buf, '-');
    if (slash) {
        *slash = 0;
        if (parse_ip(buf, &fam, &lo) != 0)
            return vg_err(errbuf, VG_EINVAL, "bad address \"%s\"", s);
        int bits = fam == 4 ? 32 : 128;
        const char *m = slash + 1;
        int len;
        if (strchr(m, '.') && fam == 4) {
            vg_u128 mv;
            int mf;
            if (parse_ip(m, &mf, &mv) != 0)
                return vg_err(errbuf, VG_EINVAL, "bad netmask in \"%s\"", s);
            uint32_t mask = (uint32_t)mv;
            len = 0;
            while (len < 32 && (mask & (0x80000000u >> len)))
                len++;
            if (len < 32 && (uint32_t)(mask << len) != 0)
                return vg_err(errbuf, VG_EINVAL, "non-contiguous netmask in \"%s\"", s);
        } else {
            char *end;
            if (!isdigit((unsigned char)*m))
                return vg_err(errbuf, VG_EINVAL, "bad prefix length in \"%s\"", s);
            long l = strtol(m, &end, 10);
            if (*end || l < 0 || l > bits)
                return vg_err(errbuf, VG_EINVAL, "bad prefix length in \"%s\"", s);
            len = (int)l;
        }
        vg_u128 full = fam == 4 ? V4_MAX : V6_MAX;
        vg_u128 host = len >= bits ? 0 : (len == 0 ? full : (full >> len));
        lo &= ~host & full;
        hi = lo | host;
    } else if (dash) {
        *dash = 0;
        if (parse_ip(buf, &fam, &lo) != 0 || parse_ip(dash + 1, &fam2, &hi) != 0 || fam != fam2)
            return vg_err(errbuf, VG_EINVAL, "bad address range \"%s\"", s);
        if (hi < lo)
            return vg_err(errbuf, VG_EINVAL, "address range \"%s\" is reversed", s);
    } else {
        if (parse_ip(buf, &fam, &lo) != 0)
            return vg_err(errbuf, VG_EINVAL, "bad address \"%s\"", s);
        hi = lo;
    }
    return rset_add(fam == 4 ? &out->v4 : &out->v6, lo, hi);
}

/* Suricata's defaults for the variables its default configuration defines,
 * used when no configuration defines them. */
static const char *const default_addr_vars[][2] = {
    {"HOME_NET", "[192.168.0.0/16,10.0.0.0/8,172.16.0.0/12]"},
    {"EXTERNAL_NET", "!$HOME_NET"},
    {"HTTP_SERVERS", "$HOME_NET"}, {"SMTP_SERVERS", "$HOME_NET"},
    {"SQL_SERVERS", "$HOME_NET"}, {"DNS_SERVERS", "$HOME_NET"},
    {"TELNET_SERVERS", "$HOME_NET"}, {"AIM_SERVERS", "$EXTERNAL_NET"},
    {"DC_SERVERS", "$HOME_NET"}, {"DNP3_SERVER", "$HOME_NET"},
    {"DNP3_CLIENT", "$HOME_NET"}, {"MODBUS_CLIENT", "$HOME_NET"},
    {"MODBUS_SERVER", "$HOME_NET"}, {"ENIP_CLIENT", "$HOME_NET"},
    {"ENIP_SERVER", "$HOME_NET"},
};
static const char *const default_port_vars[][2] = {
    {"HTTP_PORTS", "80"}, {"SHELLCODE_PORTS", "!80"}, {"ORACLE_PORTS", "1521"},
    {"SSH_PORTS", "22"}, {"DNP3_PORTS", "20000"}, {"MODBUS_PORTS", "502"},
    {"FILE_DATA_PORTS", "[$HTTP_PORTS,110,143]"}, {"FTP_PORTS", "21"},
    {"GENEVE_PORTS", "6081"}, {"VXLAN_PORTS", "4789"}, {"TEREDO_PORTS", "3544"},
    {"SIP_PORTS", "[5060, 5061]"},
};

static const char *var_value(const vg_detect *de, bool port, const char *name)
{
    if (de && de->conf) {
        char key[256];
        snprintf(key, sizeof(key), "vars.%s.%.200s", port ? "port-groups" : "address-groups", name);
        const char *v = vg_conf_get(de->conf, key);
        if (v)
            return v;
        /* a node that exists but is not a scalar is an error below */
    }
    if (port) {
        for (size_t i = 0; i < VG_ARRAY_LEN(default_port_vars); i++)
            if (strcmp(default_port_vars[i][0], name) == 0)
                return default_port_vars[i][1];
    } else {
        for (size_t i = 0; i < VG_ARRAY_LEN(default_addr_vars); i++)
            if (strcmp(default_addr_vars[i][0], name) == 0)
                return default_addr_vars[i][1];
    }
    return NULL;
}

/* Generic expression walker shared by addresses and ports.  `pos` receives
 * the (positive) set the expression denotes. */
typedef struct pctx {
    vg_detect *de;
    bool port;
    char *errbuf;
} pctx;

static int expr_parse(pctx *c, const char *s, size_t n, int depth, aset *out);

static void trim(const char **s, size_t *n)
{
    while (*n && isspace((unsigned char)**s)) {
        (*s)++;
        (*n)--;
    }
    while (*n && isspace((unsigned char)(*s)[*n - 1]))
        (*n)--;
}

static int set_complement(pctx *c, aset *a, aset *out)
{
    aset all = {0};
    int rc = c->port ? rset_add(&all.v4, 0, PORT_MAX) : aset_fill_any(&all);
    if (!rc)
        rc = rset_sub(&out->v4, &all.v4, &a->v4);
    if (!rc)
        rc = rset_sub(&out->v6, &all.v6, &a->v6);
    aset_free(&all);
    return rc;
}

static int port_atom(const char *s, aset *out, char *errbuf)
{
    const char *colon = strchr(s, ':');
    char *end;
    long lo, hi;
    if (colon) {
        if (colon == s) {
            lo = 0;
        } else {
            if (!isdigit((unsigned char)*s))
                return vg_err(errbuf, VG_EINVAL, "bad port \"%s\"", s);
            lo = strtol(s, &end, 10);
            while (isspace((unsigned char)*end))
                end++;
            if (end != colon)
                return vg_err(errbuf, VG_EINVAL, "bad port range \"%s\"", s);
        }
        const char *h = colon + 1;
        while (isspace((unsigned char)*h))
            h++;
        if (*h == 0) {
            hi = 65535;
        } else {
            if (!isdigit((unsigned char)*h))
                return vg_err(errbuf, VG_EINVAL, "bad port range \"%s\"", s);
            hi = strtol(h, &end, 10);
            if (*end)
                return vg_err(errbuf, VG_EINVAL, "bad port range \"%s\"", s);
        }
    } else {
        if (!isdigit((unsigned char)*s))
            return vg_err(errbuf, VG_EINVAL, "bad port \"%s\"", s);
        lo = hi = strtol(s, &end, 10);
        if (*end)
            return vg_err(errbuf, VG_EINVAL, "bad port \"%s\"", s);
    }
    if (lo < 0 || hi > 65535 || lo > 65535 || hi < lo)
        return vg_err(errbuf, VG_EINVAL, "port out of range or reversed in \"%s\"", s);
    return rset_add(&out->v4, (vg_u128)lo, (vg_u128)hi);
}

static int list_parse(pctx *c, const char *s, size_t n, int depth, aset *out)
{
    aset pos = {0}, neg = {0};
    bool have_pos = false;
    int rc = VG_OK;
    size_t i = 0;
    while (i <= n && rc == VG_OK) {
        size_t start = i;
        int nest = 0;
        while (i < n && !(s[i] == ',' && nest == 0)) {
            if (s[i] == '[')
                nest++;
            else if (s[i] == ']')
                nest--;
            if (nest < 0)
                break;
            i++;
        }
        if (nest != 0) {
            rc = vg_err(c->errbuf, VG_EINVAL, "unbalanced brackets");
            break;
        }
        const char *item = s + start;
        size_t ilen = i - start;
        trim(&item, &ilen);
        if (ilen == 0) {
            rc = vg_err(c->errbuf, VG_EINVAL, "empty item in list");
            break;
        }
        bool negated = false;
        if (item[0] == '!') {
            negated = true;
            item++;
            ilen--;
            trim(&item, &ilen);
        }
        aset sub = {0};
        rc = expr_parse(c, item, ilen, depth + 1, &sub);
        if (!rc) {
            if (negated) {
                rc = rset_union(&neg.v4, &sub.v4);
                if (!rc)
                    rc = rset_union(&neg.v6, &sub.v6);
            } else {
                have_pos = true;
                rc = rset_union(&pos.v4, &sub.v4);
                if (!rc)
                    rc = rset_union(&pos.v6, &sub.v6);
            }
        }
        aset_free(&sub);
        i++; /* skip ',' */
    }
    if (!rc && !have_pos)
        rc = c->port ? rset_add(&pos.v4, 0, PORT_MAX) : aset_fill_any(&pos);
    if (!rc) {
        rset_normalize(&pos.v4);
        rset_normalize(&pos.v6);
        rc = rset_sub(&out->v4, &pos.v4, &neg.v4);
        if (!rc)
            rc = rset_sub(&out->v6, &pos.v6, &neg.v6);
    }
    aset_free(&pos);
    aset_free(&neg);
    return rc;
}

static int expr_parse(pctx *c, const char *s, size_t n, int depth, aset *out)
{
    if (depth > VG_VAR_DEPTH_MAX)
        return vg_err(c->errbuf, VG_ELIMIT, "variables or lists nested too deeply");
    trim(&s, &n);
    if (n == 0)
        return vg_err(c->errbuf, VG_EINVAL, "empty %s", c->port ? "port" : "address");
    if (n >= EXPR_MAX)
        return vg_err(c->errbuf, VG_ELIMIT, "%s expression too long", c->port ? "port" : "address");
    if (s[0] == '!') {
        aset inner = {0};
        int rc = expr_parse(c, s + 1, n - 1, depth + 1, &inner);
        if (!rc)
            rc = set_complement(c, &inner, out);
        aset_free(&inner);
        return rc;
    }
    if (s[0] == '[') {
        if (s[n - 1] != ']')
            return vg_err(c->errbuf, VG_EINVAL, "unbalanced brackets in \"%.*s\"", (int)VG_MIN(n, 80), s);
        return list_parse(c, s + 1, n - 2, depth, out);
    }
    char tok[EXPR_MAX];
    memcpy(tok, s, n);
    tok[n] = 0;
    if (tok[0] == '$') {
        const char *v = var_value(c->de, c->port, tok + 1);
        if (!v) {
            /* Suricata reports a port var used as an address and vice versa. */
            return vg_err(c->errbuf, VG_EINVAL, "variable \"%s\" is not defined in vars.%s",
                          tok, c->port ? "port-groups" : "address-groups");
        }
        return expr_parse(c, v, strlen(v), depth + 1, out);
    }
    if (strcasecmp(tok, "any") == 0)
        return c->port ? rset_add(&out->v4, 0, PORT_MAX) : aset_fill_any(out);
    if (strpbrk(tok, "[],!$"))
        return vg_err(c->errbuf, VG_EINVAL, "bad %s \"%s\"", c->port ? "port" : "address", tok);
    return c->port ? port_atom(tok, out, c->errbuf) : addr_atom(tok, out, c->errbuf);
}

/* ---- cache ---------------------------------------------------------------- */

struct vg_cache_ent {
    char *text;
    bool port;
    void *set;
    vg_cache_ent *next;
};

static uint32_t str_hash(const char *s, bool port)
{
    uint32_t h = port ? 2166136261u ^ 0x5bd1e995u : 2166136261u;
    for (; *s; s++)
        h = (h ^ (uint8_t)*s) * 16777619u;
    return h;
}

static void *cache_get(vg_detect *de, const char *text, bool port)
{
    if (!de->cache)
        return NULL;
    for (vg_cache_ent *e = de->cache[str_hash(text, port) & (de->cache_cap - 1)]; e; e = e->next)
        if (e->port == port && strcmp(e->text, text) == 0)
            return e->set;
    return NULL;
}

static void cache_put(vg_detect *de, const char *text, bool port, void *set)
{
    if (!de->cache) {
        de->cache_cap = 4096;
        de->cache = vg_xcalloc(de->cache_cap, sizeof(*de->cache));
    }
    vg_cache_ent *e = vg_xcalloc(1, sizeof(*e));
    e->text = vg_xstrdup(text);
    e->port = port;
    e->set = set;
    uint32_t b = str_hash(text, port) & (de->cache_cap - 1);
    e->next = de->cache[b];
    de->cache[b] = e;
    de->cache_n++;
}

void vg_addrset_clear(vg_addrset *as)
{
    rset_free(&as->v4);
    rset_free(&as->v6);
    as->any = false;
}

void vg_addr_cache_free(vg_detect *de)
{
    if (!de->cache)
        return;
    for (uint32_t i = 0; i < de->cache_cap; i++) {
        vg_cache_ent *e = de->cache[i];
        while (e) {
            vg_cache_ent *nx = e->next;
            if (e->port) {
                vg_portset *ps = e->set;
                rset_free(&ps->r);
                free(ps);
            } else {
                vg_addrset *as = e->set;
                vg_addrset_clear(as);
                free(as);
            }
            free(e->text);
            free(e);
            e = nx;
        }
    }
    free(de->cache);
    de->cache = NULL;
}

int vg_addr_parse(vg_detect *de, const char *text, vg_addrset **out, char *errbuf)
{
    vg_addrset *as = cache_get(de, text, false);
    if (as) {
        *out = as;
        return VG_OK;
    }
    pctx c = {de, false, errbuf};
    aset a = {0};
    int rc = expr_parse(&c, text, strlen(text), 0, &a);
    if (rc) {
        aset_free(&a);
        return rc;
    }
    rset_normalize(&a.v4);
    rset_normalize(&a.v6);
    if (a.v4.n == 0 && a.v6.n == 0) {
        aset_free(&a);
        return vg_err(errbuf, VG_EINVAL, "address \"%.80s\" matches nothing", text);
    }
    as = vg_xcalloc(1, sizeof(*as));
    as->v4 = a.v4;
    as->v6 = a.v6;
    as->any = as->v4.n == 1 && as->v4.r[0].lo == 0 && as->v4.r[0].hi == V4_MAX &&
              as->v6.n == 1 && as->v6.r[0].lo == 0 && as->v6.r[0].hi == V6_MAX;
    cache_put(de, text, false, as);
    *out = as;
    return VG_OK;
}

int vg_port_parse(vg_detect *de, const char *text, vg_portset **out, char *errbuf)
{
    vg_portset *ps = cache_get(de, text, true);
    if (ps) {
        *out = ps;
        return VG_OK;
    }
    pctx c = {de, true, errbuf};
    aset a = {0};
    int rc = expr_parse(&c, text, strlen(text), 0, &a);
    if (rc) {
        aset_free(&a);
        return rc;
    }
    rset_normalize(&a.v4);
    rset_free(&a.v6);
    if (a.v4.n == 0) {
        aset_free(&a);
        return vg_err(errbuf, VG_EINVAL, "port \"%.80s\" matches nothing", text);
    }
    ps = vg_xcalloc(1, sizeof(*ps));
    ps->r = a.v4;
    ps->any = ps->r.n == 1 && ps->r.r[0].lo == 0 && ps->r.r[0].hi == PORT_MAX;
    cache_put(de, text, true, ps);
    *out = ps;
    return VG_OK;
}

int vg_addr_parse_simple(const char *text, vg_addrset *out, char *errbuf)
{
    pctx c = {NULL, false, errbuf};
    aset a = {0};
    int rc = expr_parse(&c, text, strlen(text), 0, &a);
    if (rc) {
        aset_free(&a);
        return rc;
    }
    rset_normalize(&a.v4);
    rset_normalize(&a.v6);
    out->v4 = a.v4;
    out->v6 = a.v6;
    out->any = false;
    return VG_OK;
}

bool vg_addr_match(const vg_addrset *as, const vg_addr *a)
{
    if (as->any)
        return true;
    if (a->family == 4)
        return rset_has(&as->v4, be_to_u128(a->a, 4));
    if (a->family == 6)
        return rset_has(&as->v6, be_to_u128(a->a, 16));
    return false;
}

bool vg_port_match(const vg_portset *ps, uint16_t port)
{
    return ps->any || rset_has(&ps->r, port);
}

int vg_port_list(const vg_portset *ps, uint16_t *out, int max)
{
    if (ps->any)
        return -1;
    int n = 0;
    for (uint32_t i = 0; i < ps->r.n; i++) {
        for (vg_u128 p = ps->r.r[i].lo; p <= ps->r.r[i].hi; p++) {
            if (n >= max)
                return -1;
            out[n++] = (uint16_t)p;
        }
    }
    return n;
}
