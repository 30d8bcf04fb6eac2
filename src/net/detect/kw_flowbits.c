/*
 * kw_flowbits.c: flowbits, flowint (per flow) and xbits (per host or host
 * pair, with expiry).
 *
 * Names are interned in the rule set (vg_detect_name_id); a flow's state is
 * a bit array and an int array sized by the rule set, allocated on first
 * use and freed with the flow (vg_detect_flow_free).  Set-type commands
 * (set, unset, toggle, flowint =, +, -) run in POSTMATCH, i.e. only when
 * the whole rule matched; tests (isset, isnotset, comparisons) in MATCH.
 * xbits live in a per-thread table capped at VG_XBITS_MAX entries; expired
 * entries are reused first and a full table refuses new bits (counted).
 * The flow's EVE metadata (flowbits, flowints, then kw_vars.c's flowvars
 * and pktvars) is written here.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "net/detect/detect_int.h"

#define VG_XBITS_MAX 65536
#define MAX_NAMES_PER_KW 16

/* ---- interned names ------------------------------------------------------ */

static uint32_t name_hash(const char *s)
{
    uint32_t h = 2166136261u;
    for (; *s; s++)
        h = (h ^ (uint8_t)*s) * 16777619u;
    return h;
}

int vg_detect_name_id(vg_detect *de, int kind, const char *name)
{
    vg_names *t = &de->names[kind];
    if (t->hcap) {
        for (uint32_t i = name_hash(name) & (t->hcap - 1);; i = (i + 1) & (t->hcap - 1)) {
            if (!t->hash[i])
                break;
            if (strcmp(t->v[t->hash[i] - 1], name) == 0)
                return (int)t->hash[i] - 1;
        }
    }
    if (t->n >= VG_MAX_NAMES)
        return -1;
    if (t->n + 1 > t->hcap / 2) {
        uint32_t nh = t->hcap ? t->hcap * 2 : 64;
        uint32_t *h = calloc(nh, sizeof(*h));
        if (!h)
            return -1;
        for (uint32_t k = 0; k < t->n; k++) {
            uint32_t i = name_hash(t->v[k]) & (nh - 1);
            while (h[i])
                i = (i + 1) & (nh - 1);
            h[i] = k + 1;
        }
        free(t->hash);
        t->hash = h;
        t->hcap = nh;
    }
    if (t->n == t->cap) {
        uint32_t nc = t->cap ? t->cap * 2 : 32;
        char **v = realloc(t->v, nc * sizeof(*v));
        if (!v)
            return -1;
        t->v = v;
        t->cap = nc;
    }
    char *copy = strdup(name);
    if (!copy)
        return -1;
    t->v[t->n] = copy;
    uint32_t i = name_hash(name) & (t->hcap - 1);
    while (t->hash[i])
        i = (i + 1) & (t->hcap - 1);
    t->hash[i] = t->n + 1;
    return (int)t->n++;
}

/* ---- per-flow state ------------------------------------------------------ */

vg_det_flow *vg_det_flow_get(const vg_match_ctx *mc)
{
    vg_flow *f = mc->p->flow;
    if (!f)
        return NULL;
    if (f->detect_state)
        return f->detect_state;
    const vg_detect *de = mc->dt->de;
    vg_det_flow *df = calloc(1, sizeof(*df));
    if (!df)
        return NULL;
    /* the bit and int arrays are allocated when first written: most flows
     * never set a flowbit */
    df->de = de;
    df->nbits = de->names[VG_NAME_FLOWBIT].n;
    df->nints = de->names[VG_NAME_FLOWINT].n;
    f->detect_state = df;
    return df;
}

static bool bits_alloc(vg_det_flow *df)
{
    if (!df->bits && df->nbits)
        df->bits = calloc((df->nbits + 63) / 64, sizeof(uint64_t));
    return df->bits != NULL;
}

static bool ints_alloc(vg_det_flow *df)
{
    if (!df->nints)
        return false;
    /* the ints are the head of a block that may also hold the flow's
     * variables (kw_vars.c), so they may exist before ints_set */
    if (!df->ints_set)
        df->ints_set = calloc((df->nints + 63) / 64, sizeof(uint64_t));
    return df->ints_set && vg_det_ints_block(df);
}

static bool bit_get(const vg_det_flow *df, int id)
{
    return df && df->bits && (uint32_t)id < df->nbits && (df->bits[id / 64] >> (id % 64)) & 1;
}

static void bit_put(vg_det_flow *df, int id, int how /* 1 set, 0 unset, 2 toggle */)
{
    if (!df || (uint32_t)id >= df->nbits || (how == 0 && !df->bits) || !bits_alloc(df))
        return;
    uint64_t m = 1ull << (id % 64);
    if (how == 1)
        df->bits[id / 64] |= m;
    else if (how == 0)
        df->bits[id / 64] &= ~m;
    else
        df->bits[id / 64] ^= m;
}

/* ---- flowbits -------------------------------------------------------------- */

enum { FB_SET, FB_UNSET, FB_TOGGLE, FB_ISSET, FB_ISNOTSET };

typedef struct {
    uint8_t cmd;
    bool any;              /* '|': any of the names; otherwise all */
    uint8_t n;
    int ids[MAX_NAMES_PER_KW];
} fb_ctx;

extern const vg_keyword vg_kw_flowbits;

static int split_names(vg_detect *de, int kind, char *list, int *ids, uint8_t *n, bool *any,
                       char *errbuf)
{
    bool has_or = strchr(list, '|') != NULL, has_and = strchr(list, '&') != NULL;
    if (has_or && has_and)
        return vg_err(errbuf, VG_EINVAL, "cannot mix | and & in one list");
    *any = has_or;
    *n = 0;
    char *save = NULL;
    for (char *t = strtok_r(list, "|&", &save); t; t = strtok_r(NULL, "|&", &save)) {
        while (isspace((unsigned char)*t))
            t++;
        char *e = t + strlen(t);
        while (e > t && isspace((unsigned char)e[-1]))
            *--e = 0;
        if (!*t)
            return vg_err(errbuf, VG_EINVAL, "empty name");
        for (char *c = t; *c; c++)
            if (isspace((unsigned char)*c) || *c == ',')
                return vg_err(errbuf, VG_EINVAL, "bad name \"%.40s\"", t);
        if (*n >= MAX_NAMES_PER_KW)
            return vg_err(errbuf, VG_ELIMIT, "more than %d names", MAX_NAMES_PER_KW);
        int id = de ? vg_detect_name_id(de, kind, t) : 0;
        if (id < 0)
            return vg_err(errbuf, VG_ELIMIT, "too many distinct names");
        ids[(*n)++] = id;
    }
    if (*n == 0)
        return vg_err(errbuf, VG_EINVAL, "no name given");
    return VG_OK;
}

static int flowbits_setup(vg_rule_parser *rp, vg_sig *s, const char *arg, char *errbuf)
{
    char tmp[512];
    if (vg_rule_unquote(arg, tmp, sizeof(tmp)) != VG_OK)
        return vg_err(errbuf, VG_EINVAL, "bad flowbits");
    char *cmd = tmp, *names = strchr(tmp, ',');
    if (names)
        *names++ = 0;
    while (isspace((unsigned char)*cmd))
        cmd++;
    char *e = cmd + strlen(cmd);
    while (e > cmd && isspace((unsigned char)e[-1]))
        *--e = 0;
    if (strcmp(cmd, "noalert") == 0) {
        if (names)
            return vg_err(errbuf, VG_EINVAL, "noalert takes no name");
        s->flags |= VG_SIG_NOALERT;
        return VG_OK;
    }
    static const char *const cmds[] = {"set", "unset", "toggle", "isset", "isnotset"};
    int c;
    for (c = 0; c < 5; c++)
        if (strcmp(cmd, cmds[c]) == 0)
            break;
    if (c == 5)
        return vg_err(errbuf, VG_EINVAL, "unknown flowbits command \"%.16s\"", cmd);
    if (!names)
        return vg_err(errbuf, VG_EINVAL, "flowbits %s needs a name", cmd);
    fb_ctx *fc = calloc(1, sizeof(*fc));
    if (!fc)
        return vg_err(errbuf, VG_ENOMEM, "out of memory");
    fc->cmd = (uint8_t)c;
    int rc = split_names(rp->de, VG_NAME_FLOWBIT, names, fc->ids, &fc->n, &fc->any, errbuf);
    if (rc) {
        free(fc);
        return rc;
    }
    if (fc->any && c < FB_ISSET) {
        free(fc);
        return vg_err(errbuf, VG_EINVAL, "'|' is only allowed with isset and isnotset");
    }
    int list = c < FB_ISSET ? VG_LIST_POSTMATCH : VG_LIST_MATCH;
    rp->flowbits_type |= c < FB_ISSET ? 2 : 1;
    if (!vg_sig_append(s, list, &vg_kw_flowbits, fc)) {
        free(fc);
        return vg_err(errbuf, VG_ENOMEM, "out of memory");
    }
    return VG_OK;
}

static int flowbits_match(const vg_match_ctx *mc, const vg_sm *sm)
{
    const fb_ctx *fc = sm->ctx;
    vg_det_flow *df = NULL;
    if (mc->p->flow)
        df = fc->cmd < FB_ISSET ? vg_det_flow_get(mc) : mc->p->flow->detect_state;
    switch (fc->cmd) {
    case FB_SET:
    case FB_UNSET:
    case FB_TOGGLE:
        for (int i = 0; i < fc->n; i++)
            bit_put(df, fc->ids[i], fc->cmd == FB_SET ? 1 : fc->cmd == FB_UNSET ? 0 : 2);
        return 1;
    case FB_ISSET:
    case FB_ISNOTSET: {
        if (!mc->p->flow)
            return 0;
        bool want = fc->cmd == FB_ISSET;
        for (int i = 0; i < fc->n; i++) {
            bool ok = bit_get(df, fc->ids[i]) == want;
            if (fc->any && ok)
                return 1;
            if (!fc->any && !ok)
                return 0;
        }
        return fc->any ? 0 : 1;
    }
    }
    return 0;
}

/* ---- flowint ------------------------------------------------------------- */

enum { FI_SET, FI_ADD, FI_SUB, FI_EQ, FI_NE, FI_LT, FI_GT, FI_LE, FI_GE, FI_ISSET, FI_NOTSET };

typedef struct {
    uint8_t op;
    int id;
    int var_id;           /* value taken from another flowint, or -1 */
    int64_t value;
} fi_ctx;

extern const vg_keyword vg_kw_flowint;

static int flowint_setup(vg_rule_parser *rp, vg_sig *s, const char *arg, char *errbuf)
{
    char tmp[256];
    if (vg_rule_unquote(arg, tmp, sizeof(tmp)) != VG_OK)
        return vg_err(errbuf, VG_EINVAL, "bad flowint");
    char *f[3];
    int n = vg_rule_split(tmp, f, 3);
    if (n < 0)
        return vg_err(errbuf, VG_EINVAL, "flowint takes name, operator[, value]");
    if (n < 2)
        return vg_err(errbuf, VG_EINVAL, "flowint takes name, operator[, value]");
    static const char *const ops[] = {"=", "+", "-", "==", "!=", "<", ">", "<=", ">=",
                                      "isset", "notset"};
    int op = -1;
    for (int i = 0; i < (int)VG_ARRAY_LEN(ops); i++)
        if (strcmp(f[1], ops[i]) == 0)
            op = i;
    if (strcmp(f[1], "isnotset") == 0)
        op = FI_NOTSET;
    if (op < 0)
        return vg_err(errbuf, VG_EINVAL, "unknown flowint operator \"%.8s\"", f[1]);
    bool needs_val = op != FI_ISSET && op != FI_NOTSET;
    if (needs_val != (n == 3))
        return vg_err(errbuf, VG_EINVAL, "flowint %s %s a value", f[1],
                      needs_val ? "needs" : "takes no");
    fi_ctx *c = calloc(1, sizeof(*c));
    if (!c)
        return vg_err(errbuf, VG_ENOMEM, "out of memory");
    c->op = (uint8_t)op;
    c->var_id = -1;
    c->id = rp->de ? vg_detect_name_id(rp->de, VG_NAME_FLOWINT, f[0]) : 0;
    if (c->id < 0 || !f[0][0]) {
        free(c);
        return vg_err(errbuf, VG_EINVAL, "bad flowint name");
    }
    if (needs_val) {
        if (isdigit((unsigned char)f[2][0])) {
            char *end;
            unsigned long long v = strtoull(f[2], &end, 10);
            if (*end || v > UINT32_MAX) {
                free(c);
                return vg_err(errbuf, VG_EINVAL, "bad flowint value \"%.32s\"", f[2]);
            }
            c->value = (int64_t)v;
        } else {
            c->var_id = rp->de ? vg_detect_name_id(rp->de, VG_NAME_FLOWINT, f[2]) : 0;
            if (c->var_id < 0) {
                free(c);
                return vg_err(errbuf, VG_EINVAL, "bad flowint variable");
            }
        }
    }
    int list = op <= FI_SUB ? VG_LIST_POSTMATCH : VG_LIST_MATCH;
    if (!vg_sig_append(s, list, &vg_kw_flowint, c)) {
        free(c);
        return vg_err(errbuf, VG_ENOMEM, "out of memory");
    }
    s->flags |= VG_SIG_NEED_FLOW;
    return VG_OK;
}

static bool int_get(const vg_det_flow *df, int id, int64_t *v)
{
    if (!df || !df->ints || !df->ints_set || (uint32_t)id >= df->nints ||
        !((df->ints_set[id / 64] >> (id % 64)) & 1))
        return false;
    *v = df->ints[id];
    return true;
}

static int flowint_match(const vg_match_ctx *mc, const vg_sm *sm)
{
    const fi_ctx *c = sm->ctx;
    if (!mc->p->flow)
        return 0;
    vg_det_flow *df = c->op <= FI_SUB ? vg_det_flow_get(mc) : mc->p->flow->detect_state;
    int64_t val = c->value, cur = 0;
    if (c->var_id >= 0 && !int_get(df, c->var_id, &val))
        return 0;
    bool set = int_get(df, c->id, &cur);
    switch (c->op) {
    case FI_SET:
    case FI_ADD:
    case FI_SUB:
        if (!df || (uint32_t)c->id >= df->nints || !ints_alloc(df))
            return 1;
        if (c->op == FI_ADD)
            val = cur + val;
        else if (c->op == FI_SUB)
            val = cur - val;
        df->ints[c->id] = val;
        df->ints_set[c->id / 64] |= 1ull << (c->id % 64);
        return 1;
    case FI_ISSET: return set;
    case FI_NOTSET: return !set;
    case FI_EQ: return set && cur == val;
    case FI_NE: return set && cur != val;
    case FI_LT: return set && cur < val;
    case FI_GT: return set && cur > val;
    case FI_LE: return set && cur <= val;
    case FI_GE: return set && cur >= val;
    }
    return 0;
}

/* ---- xbits ---------------------------------------------------------------- */

enum { XT_SRC, XT_DST, XT_PAIR };

typedef struct {
    uint8_t cmd;          /* FB_* */
    uint8_t track;
    bool any;
    uint8_t n;
    int ids[MAX_NAMES_PER_KW];
    uint32_t expire;      /* seconds; 0 = default 30 */
} xb_ctx;

typedef struct xb_ent {
    uint32_t id;
    uint8_t track;
    bool used;
    vg_addr a, b;
    time_t expires;
} xb_ent;

struct vg_xbit_table {
    xb_ent *e;
    uint32_t cap;
    uint64_t full_drops;
};

vg_xbit_table *vg_xbit_table_new(uint32_t cap)
{
    vg_xbit_table *t = calloc(1, sizeof(*t));
    if (!t)
        return NULL;
    uint32_t c = 64;
    while (c < cap)
        c *= 2;
    t->e = calloc(c, sizeof(xb_ent));
    if (!t->e) {
        free(t);
        return NULL;
    }
    t->cap = c;
    return t;
}

void vg_xbit_table_free(vg_xbit_table *t)
{
    if (!t)
        return;
    free(t->e);
    free(t);
}

static uint32_t xb_hash(uint32_t id, uint8_t track, const vg_addr *a, const vg_addr *b)
{
    uint32_t h = 2166136261u ^ id ^ ((uint32_t)track << 24);
    for (int i = 0; i < 16; i++)
        h = (h ^ a->a[i]) * 16777619u;
    if (b)
        for (int i = 0; i < 16; i++)
            h = (h ^ b->a[i]) * 16777619u;
    return h;
}

/* Find (create) the entry; returns NULL when absent and !create or full. */
static xb_ent *xb_find(vg_xbit_table *t, uint32_t id, uint8_t track, const vg_addr *a,
                       const vg_addr *b, time_t now, bool create)
{
    vg_addr zero = {0};
    if (!b)
        b = &zero;
    uint32_t h = xb_hash(id, track, a, b);
    xb_ent *freeslot = NULL;
    for (uint32_t k = 0; k < 64 && k < t->cap; k++) {
        xb_ent *e = &t->e[(h + k) & (t->cap - 1)];
        if (!e->used) {
            if (!freeslot)
                freeslot = e;
            break;
        }
        if (e->expires < now) {
            if (!freeslot)
                freeslot = e;
            continue;
        }
        if (e->id == id && e->track == track && memcmp(&e->a, a, sizeof(*a)) == 0 &&
            memcmp(&e->b, b, sizeof(*b)) == 0)
            return e;
    }
    if (!create)
        return NULL;
    if (!freeslot) {
        t->full_drops++;
        return NULL;
    }
    freeslot->used = true;
    freeslot->id = id;
    freeslot->track = track;
    freeslot->a = *a;
    freeslot->b = *b;
    freeslot->expires = 0;
    return freeslot;
}

extern const vg_keyword vg_kw_xbits;

static int xbits_setup(vg_rule_parser *rp, vg_sig *s, const char *arg, char *errbuf)
{
    char tmp[512];
    if (vg_rule_unquote(arg, tmp, sizeof(tmp)) != VG_OK)
        return vg_err(errbuf, VG_EINVAL, "bad xbits");
    char *f[4];
    int n = vg_rule_split(tmp, f, 4);
    if (n < 0)
        return vg_err(errbuf, VG_EINVAL, "too many xbits fields");
    if (n == 1 && strcmp(f[0], "noalert") == 0) {
        s->flags |= VG_SIG_NOALERT;
        return VG_OK;
    }
    if (n < 3)
        return vg_err(errbuf, VG_EINVAL, "xbits needs command, name, track <ip_src|ip_dst|ip_pair>");
    static const char *const cmds[] = {"set", "unset", "toggle", "isset", "isnotset"};
    int c;
    for (c = 0; c < 5; c++)
        if (strcmp(f[0], cmds[c]) == 0)
            break;
    if (c == 5)
        return vg_err(errbuf, VG_EINVAL, "unknown xbits command \"%.16s\"", f[0]);
    xb_ctx *x = calloc(1, sizeof(*x));
    if (!x)
        return vg_err(errbuf, VG_ENOMEM, "out of memory");
    x->cmd = (uint8_t)c;
    int rc = split_names(rp->de, VG_NAME_XBIT, f[1], x->ids, &x->n, &x->any, errbuf);
    if (rc) {
        free(x);
        return rc;
    }
    if (strncmp(f[2], "track", 5) != 0) {
        free(x);
        return vg_err(errbuf, VG_EINVAL, "xbits: expected \"track ip_src|ip_dst|ip_pair\"");
    }
    const char *tr = f[2] + 5;
    while (isspace((unsigned char)*tr))
        tr++;
    if (strcmp(tr, "ip_src") == 0)
        x->track = XT_SRC;
    else if (strcmp(tr, "ip_dst") == 0)
        x->track = XT_DST;
    else if (strcmp(tr, "ip_pair") == 0)
        x->track = XT_PAIR;
    else {
        free(x);
        return vg_err(errbuf, VG_EINVAL, "xbits: track must be ip_src, ip_dst or ip_pair");
    }
    if (n == 4) {
        if (strncmp(f[3], "expire", 6) != 0) {
            free(x);
            return vg_err(errbuf, VG_EINVAL, "xbits: expected \"expire <seconds>\"");
        }
        char *end;
        const char *v = f[3] + 6;
        while (isspace((unsigned char)*v))
            v++;
        unsigned long e = strtoul(v, &end, 10);
        if (!isdigit((unsigned char)*v) || *end || e == 0 || e > 86400 * 365) {
            free(x);
            return vg_err(errbuf, VG_EINVAL, "xbits: bad expire value");
        }
        x->expire = (uint32_t)e;
    }
    if (c >= FB_ISSET)
        x->expire = 0; /* accepted and ignored, as Suricata does */
    int list = c < FB_ISSET ? VG_LIST_POSTMATCH : VG_LIST_MATCH;
    rp->flowbits_type |= c < FB_ISSET ? 2 : 1;
    if (!vg_sig_append(s, list, &vg_kw_xbits, x)) {
        free(x);
        return vg_err(errbuf, VG_ENOMEM, "out of memory");
    }
    return VG_OK;
}

static int xbits_match(const vg_match_ctx *mc, const vg_sm *sm)
{
    const xb_ctx *x = sm->ctx;
    const vg_packet *p = mc->p;
    vg_xbit_table *t = mc->dt ? mc->dt->xbits : NULL;
    if (!t || p->ipver == 0)
        return x->cmd < FB_ISSET ? 1 : 0;
    const vg_addr *a, *b = NULL;
    vg_addr lo, hi;
    if (x->track == XT_SRC) {
        a = &p->src;
    } else if (x->track == XT_DST) {
        a = &p->dst;
    } else {
        /* pair: order-independent */
        if (memcmp(p->src.a, p->dst.a, 16) <= 0) {
            lo = p->src;
            hi = p->dst;
        } else {
            lo = p->dst;
            hi = p->src;
        }
        a = &lo;
        b = &hi;
    }
    time_t now = p->ts.tv_sec;
    switch (x->cmd) {
    case FB_SET:
    case FB_TOGGLE:
    case FB_UNSET:
        for (int i = 0; i < x->n; i++) {
            xb_ent *e = xb_find(t, (uint32_t)x->ids[i], x->track, a, b, now, x->cmd != FB_UNSET);
            if (!e)
                continue;
            bool live = e->expires >= now && e->expires != 0;
            if (x->cmd == FB_UNSET || (x->cmd == FB_TOGGLE && live))
                e->expires = 0; /* stays a tombstone in the probe chain */
            else
                e->expires = now + (x->expire ? x->expire : 30);
        }
        return 1;
    default: {
        bool want = x->cmd == FB_ISSET;
        for (int i = 0; i < x->n; i++) {
            xb_ent *e = xb_find(t, (uint32_t)x->ids[i], x->track, a, b, now, false);
            bool ok = (e && e->expires >= now) == want;
            if (x->any && ok)
                return 1;
            if (!x->any && !ok)
                return 0;
        }
        return x->any ? 0 : 1;
    }
    }
}

const vg_keyword vg_kw_flowbits = {"flowbits", NULL, 0, flowbits_setup, flowbits_match, free};
const vg_keyword vg_kw_flowint = {"flowint", NULL, 0, flowint_setup, flowint_match, free};
const vg_keyword vg_kw_xbits = {"xbits", NULL, 0, xbits_setup, xbits_match, free};

/* ---- EVE metadata of a flow ------------------------------------------------ */

static bool fb_set(const vg_det_flow *df, uint32_t id)
{
    return df->bits && id < df->nbits && (df->bits[id / 64] >> (id % 64)) & 1;
}

static bool fi_set(const vg_det_flow *df, uint32_t id)
{
    return df->ints && df->ints_set && id < df->nints && (df->ints_set[id / 64] >> (id % 64)) & 1;
}

/* Which list a set flowbit goes to: 0 metadata.flowbits, 1 traffic.id,
 * 2 traffic.label; *shown is the name as logged. */
static int fb_kind(const char *name, const char **shown)
{
    if (strncmp(name, "traffic/id/", 11) == 0) {
        *shown = name + 11;
        return 1;
    }
    if (strncmp(name, "traffic/label/", 14) == 0) {
        *shown = name + 14;
        return 2;
    }
    *shown = name;
    return 0;
}

static void fb_list(const vg_det_flow *df, const vg_names *nm, int kind, const char *key,
                    vg_jb *jb)
{
    vg_jb_open_arr(jb, key);
    for (uint32_t id = 0; id < df->nbits && id < nm->n; id++) {
        const char *shown;
        if (fb_set(df, id) && fb_kind(nm->v[id], &shown) == kind)
            vg_jb_str(jb, NULL, shown);
    }
    vg_jb_close_arr(jb);
}

void vg_detect_flow_eve(const vg_flow *f, vg_jb *jb)
{
    vg_detect_vars_eve(f, NULL, jb);
}

void vg_detect_vars_eve(const vg_flow *f, const vg_packet *p, vg_jb *jb)
{
    const vg_det_flow *df = f ? f->detect_state : NULL;
    if (!df || !df->de || (!df->bits && !df->ints))
        return;
    bool fvars, pvars;
    vg_vars_have(df, p, &fvars, &pvars);
    const vg_names *fb = &df->de->names[VG_NAME_FLOWBIT];
    const vg_names *fi = &df->de->names[VG_NAME_FLOWINT];
    bool have[3] = {false, false, false}, ints = false;
    for (uint32_t id = 0; id < df->nbits && id < fb->n; id++) {
        const char *shown;
        if (fb_set(df, id))
            have[fb_kind(fb->v[id], &shown)] = true;
    }
    for (uint32_t id = 0; id < df->nints && id < fi->n && !ints; id++)
        ints = fi_set(df, id);
    if (have[0] || ints || fvars || pvars) {
        vg_jb_open_obj(jb, "metadata");
        if (have[0])
            fb_list(df, fb, 0, "flowbits", jb);
        if (ints) {
            vg_jb_open_obj(jb, "flowints");
            for (uint32_t id = 0; id < df->nints && id < fi->n; id++) {
                if (!fi_set(df, id))
                    continue;
                if (df->ints[id] < 0)
                    vg_jb_i64(jb, fi->v[id], df->ints[id]);
                else
                    vg_jb_u64(jb, fi->v[id], (uint64_t)df->ints[id]);
            }
            vg_jb_close_obj(jb);
        }
        vg_vars_eve(df, p, fvars, pvars, jb);
        vg_jb_close_obj(jb);
    }
    if (have[1] || have[2]) {
        vg_jb_open_obj(jb, "traffic");
        if (have[1])
            fb_list(df, fb, 1, "id", jb);
        if (have[2])
            fb_list(df, fb, 2, "label", jb);
        vg_jb_close_obj(jb);
    }
}
