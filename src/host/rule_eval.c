/* rule_eval.c: sessions: pre-decoding, decoding, the rule tree walk and
 * correlation (frequency/timeframe, if_matched_*, same_/different_, ignore,
 * first time seen). */
#include "host/ruleset_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* A remembered event: a compact copy of the fields correlation compares. */
typedef struct hmem {
    double t;
    int matched;                /* level of the correlation rule that used it */
    uint64_t seq;               /* position in its list, from 1 */
    uint64_t prev_same;         /* previous entry with the same srcip bucket, 0 none */
    uint32_t srcip_h;           /* hash of srcip (0: none) */
    hfield *fields;
    int nfields;
    char *pool;
    char *program, *hostname, *location, *pid;
} hmem;

#define SRC_BUCKETS 256

typedef struct hmemlist {
    hmem *items;                /* ring: oldest at head */
    int cap, head, n;
    uint64_t next_seq;          /* seq of the next entry (first is 1) */
    uint64_t last[SRC_BUCKETS]; /* newest seq per srcip bucket */
} hmemlist;

static uint32_t src_hash(const char *v, size_t n)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)v[i]) * 16777619u;
    return h ? h : 1;
}

static hmem *ring_at(const hmemlist *l, int k) /* k = 0 oldest */
{
    return &l->items[(l->head + k) % l->cap];
}

typedef struct hgrouplist {
    char *name;
    hmemlist l;
} hgrouplist;

#define FTS_MAX 65536
#define PROG_CACHE 64

typedef struct hprogcache {
    char name[64];              /* "" empty slot */
    uint8_t *bits;              /* per top decoder: program_name matches */
} hprogcache;
#define CARRY_SLOTS 4096

typedef struct hcarry {
    char *key;                  /* decoder id | process key */
    char *val;
} hcarry;

struct vg_hsession {
    const vg_hruleset *rs;
    vg_hevent ev;
    hmemlist *by_rule;          /* per rule index, for tracked rules */
    hgrouplist *groups;         /* groups some if_matched_group names */
    int ngroups;
    double *ignored_at;         /* per rule */
    char **fts;                 /* first-time-seen keys (open addressing) */
    int nfts, fts_slots;
    bool fts_off;
    int log_year;               /* >0: time events by their own stamps */
    hcarry *carry;              /* CARRY_SLOTS, direct-mapped, overwritten on collision */
    hprogcache prog[PROG_CACHE];
};

static const uint8_t *progbits(vg_hsession *s, const char *program)
{
    if (!program)
        return NULL;
    size_t n = strlen(program);
    if (n >= sizeof(s->prog[0].name))
        return NULL;
    uint32_t h = 5381;
    for (size_t i = 0; i < n; i++)
        h = h * 33 + (unsigned char)program[i];
    hprogcache *c = &s->prog[h % PROG_CACHE];
    if (c->bits && strcmp(c->name, program) == 0)
        return c->bits;
    if (!c->bits && !(c->bits = malloc(((size_t)s->rs->ntops + 7) / 8 + 1)))
        return NULL;
    memcpy(c->name, program, n + 1);
    vg_hdecode_progbits(s->rs, program, c->bits);
    return c->bits;
}

void vg_hsession_set_fts(vg_hsession *s, bool on) { s->fts_off = !on; }
void vg_hsession_use_log_time(vg_hsession *s, int year) { s->log_year = year; }

/* ---- event fields ---- */

static int pool_add(vg_hevent *e, const char *s, size_t n, uint32_t *off)
{
    if (e->plen + n + 1 > HEV_POOL_MAX)
        return VG_ELIMIT;
    if (e->plen + n + 1 > e->pcap) {
        size_t nc = e->pcap ? e->pcap : 4096;
        while (nc < e->plen + n + 1)
            nc *= 2;
        char *np = realloc(e->pool, nc);
        if (!np)
            return VG_ENOMEM;
        e->pool = np;
        e->pcap = nc;
    }
    memcpy(e->pool + e->plen, s, n);
    e->pool[e->plen + n] = '\0';
    *off = (uint32_t)e->plen;
    e->plen += n + 1;
    return VG_OK;
}

int vg_hev_set(vg_hevent *e, int id, const char *name, const char *val, size_t len)
{
    uint32_t voff;
    int rc = pool_add(e, val, len, &voff);
    if (rc < 0) {
        e->truncated = true;
        return rc;
    }
    if (id >= 0) {
        for (int i = 0; i < e->nfields; i++)
            if (e->fields[i].id == id) {
                e->fields[i].val_off = voff;
                e->fields[i].val_len = (uint32_t)len;
                return VG_OK;
            }
    }
    if (e->nfields >= HEV_MAX_FIELDS) {
        e->truncated = true;
        return VG_ELIMIT;
    }
    hfield *f = &e->fields[e->nfields];
    f->id = id;
    f->name_off = 0;
    if (id < 0) {
        uint32_t noff;
        if ((rc = pool_add(e, name, strlen(name), &noff)) < 0) {
            e->truncated = true;
            return rc;
        }
        f->name_off = noff;
    }
    f->val_off = voff;
    f->val_len = (uint32_t)len;
    e->nfields++;
    return VG_OK;
}

static const char *fields_get(const hfield *fs, int n, const char *pool, int id, size_t *len)
{
    for (int i = 0; i < n; i++)
        if (fs[i].id == id) {
            if (len)
                *len = fs[i].val_len;
            return pool + fs[i].val_off;
        }
    return NULL;
}

const char *vg_hev_get_id(const vg_hevent *e, int id, size_t *len)
{
    const char *v = NULL;
    switch (id) {
    case HF_PROGRAM: v = e->program; break;
    case HF_PID:
        /* the process id: decoded, else from the syslog header */
        if (e->rs->pid_field >= 0 && (v = fields_get(e->fields, e->nfields, e->pool, e->rs->pid_field, len)))
            return v;
        v = e->pid;
        break;
    case HF_HOSTNAME: v = e->hostname; break;
    case HF_LOCATION: v = e->location; break;
    case HF_LOG:
        if (len)
            *len = e->loglen;
        return e->log;
    case HF_FULL_LOG:
        if (len)
            *len = e->linelen;
        return e->line;
    case HF_USER_ANY:
        v = fields_get(e->fields, e->nfields, e->pool, HF_DSTUSER, len);
        if (!v)
            v = fields_get(e->fields, e->nfields, e->pool, HF_SRCUSER, len);
        return v;
    default:
        return fields_get(e->fields, e->nfields, e->pool, id, len);
    }
    if (v && len)
        *len = strlen(v);
    return v;
}

static const char *mem_get(const hmem *m, int id, size_t *len)
{
    const char *v = NULL;
    switch (id) {
    case HF_PROGRAM: v = m->program; break;
    case HF_HOSTNAME: v = m->hostname; break;
    case HF_LOCATION: v = m->location; break;
    case HF_PID: v = m->pid; break;
    default: return fields_get(m->fields, m->nfields, m->pool, id, len);
    }
    if (v && len)
        *len = strlen(v);
    return v;
}

/* ---- sessions ---- */

int vg_hsession_new(vg_hsession **out, const vg_hruleset *rs)
{
    *out = NULL;
    if (!rs->finished)
        return VG_EINVAL;
    vg_hsession *s = calloc(1, sizeof(*s));
    if (!s)
        return VG_ENOMEM;
    s->rs = rs;
    s->ev.rs = rs;
    s->ev.linebuf = malloc(VG_HLOG_MAX + 1);
    s->ev.lcbuf = malloc(VG_HLOG_MAX + 1);
    s->by_rule = calloc((size_t)rs->nrules + 1, sizeof(hmemlist));
    s->ignored_at = calloc((size_t)rs->nrules + 1, sizeof(double));
    if (!s->ev.linebuf || !s->ev.lcbuf || !s->by_rule || !s->ignored_at) {
        vg_hsession_free(s);
        return VG_ENOMEM;
    }
    for (int i = 0; i < rs->nrules; i++) {
        const char *g = rs->rules[i]->if_matched_group;
        if (!g)
            continue;
        bool have = false;
        for (int k = 0; k < s->ngroups; k++)
            if (strcmp(s->groups[k].name, g) == 0)
                have = true;
        if (have)
            continue;
        hgrouplist *ng = realloc(s->groups, sizeof(*ng) * (size_t)(s->ngroups + 1));
        if (!ng) {
            vg_hsession_free(s);
            return VG_ENOMEM;
        }
        s->groups = ng;
        memset(&s->groups[s->ngroups], 0, sizeof(*ng));
        if (!(s->groups[s->ngroups].name = strdup(g))) {
            vg_hsession_free(s);
            return VG_ENOMEM;
        }
        s->ngroups++;
    }
    *out = s;
    return VG_OK;
}

static void mem_free(hmem *m)
{
    free(m->fields); /* the pool lives in the same block */
    free(m->program);
    free(m->pid);
    free(m->hostname);
    free(m->location);
}

static void memlist_free(hmemlist *l)
{
    for (int i = 0; i < l->n; i++)
        mem_free(ring_at(l, i));
    free(l->items);
}

void vg_hsession_free(vg_hsession *s)
{
    if (!s)
        return;
    if (s->by_rule)
        for (int i = 0; i < s->rs->nrules; i++)
            memlist_free(&s->by_rule[i]);
    free(s->by_rule);
    for (int i = 0; i < s->ngroups; i++) {
        free(s->groups[i].name);
        memlist_free(&s->groups[i].l);
    }
    free(s->groups);
    free(s->ignored_at);
    for (int i = 0; i < s->fts_slots; i++)
        free(s->fts[i]);
    free(s->fts);
    free(s->ev.pool);
    free(s->ev.linebuf);
    free(s->ev.lcbuf);
    free(s->ev.desc);
    if (s->carry)
        for (int i = 0; i < CARRY_SLOTS; i++) {
            free(s->carry[i].key);
            free(s->carry[i].val);
        }
    free(s->carry);
    for (int i = 0; i < PROG_CACHE; i++)
        free(s->prog[i].bits);
    free(s);
    vg_hpat_thread_cleanup();
}

/* Carry a field (the client address) between the lines of one process. */
static void carry(vg_hsession *s)
{
    vg_hevent *e = &s->ev;
    const hdecoder *t = e->top;
    if (!t || t->carry_field < 0)
        return;
    size_t kl;
    const char *kv;
    kv = t->carry_key >= 0 ? vg_hev_get_id(e, t->carry_key, &kl) : NULL;
    if (!kv) {
        kv = e->hdr.pid.len ? e->line + e->hdr.pid.off : NULL;
        kl = e->hdr.pid.len;
    }
    if (!kv || kl == 0)
        return;
    /* key: decoder id, process key, host name */
    char key[200];
    size_t hl = e->hostname ? strlen(e->hostname) : 0;
    kl = VG_MIN(kl, 64);
    hl = VG_MIN(hl, 64);
    size_t n = 0;
    memcpy(key + n, &t->id, sizeof(int));
    n += sizeof(int);
    memcpy(key + n, kv, kl);
    n += kl;
    key[n++] = '|';
    if (hl)
        memcpy(key + n, e->hostname, hl);
    n += hl;
    key[n] = '\0';
    for (size_t i = 0; i < sizeof(int); i++)
        if (!key[i])
            key[i] = 1; /* keep it a C string */
    if (!s->carry && !(s->carry = calloc(CARRY_SLOTS, sizeof(hcarry))))
        return;
    uint32_t h = 5381;
    for (size_t i = 0; i < n; i++)
        h = h * 33 + (unsigned char)key[i];
    hcarry *c = &s->carry[h % CARRY_SLOTS];
    size_t vl;
    const char *v = vg_hev_get_id(e, t->carry_field, &vl);
    if (v) {
        char *nk = strdup(key), *nv = strndup(v, vl);
        if (!nk || !nv) {
            free(nk);
            free(nv);
            return;
        }
        free(c->key);
        free(c->val);
        c->key = nk;
        c->val = nv;
    } else if (c->key && strcmp(c->key, key) == 0) {
        (void)vg_hev_set(e, t->carry_field, NULL, c->val, strlen(c->val));
    }
}

static char *dupz(const char *s)
{
    return s ? strdup(s) : NULL;
}

static void memlist_push(hmemlist *l, const vg_hevent *e, double keep_after)
{
    /* Drop expired entries (oldest first) and keep the ring bounded. */
    while (l->n > 0 && (ring_at(l, 0)->t < keep_after || l->n >= VG_HSESSION_MAX_EVENTS)) {
        mem_free(ring_at(l, 0));
        l->head = (l->head + 1) % l->cap;
        l->n--;
    }
    if (l->n == l->cap) {
        int nc = l->cap ? l->cap * 2 : 16;
        hmem *ni = malloc(sizeof(hmem) * (size_t)nc);
        if (!ni)
            return;
        for (int i = 0; i < l->n; i++)
            ni[i] = *ring_at(l, i);
        free(l->items);
        l->items = ni;
        l->cap = nc;
        l->head = 0;
    }
    /* Keep only what correlation compares: the fields some rule names in
     * same_/different_ constraints, in one block. */
    const vg_hruleset *rs = e->rs;
    hmem m = {0};
    m.t = e->now;
    size_t need = 0;
    int nf = 0;
    for (int i = 0; i < e->nfields; i++)
        if (e->fields[i].id >= 0 && e->fields[i].id < rs->fields.n && rs->corr[e->fields[i].id]) {
            need += e->fields[i].val_len + 1;
            nf++;
        }
    m.fields = malloc(sizeof(hfield) * (size_t)(nf ? nf : 1) + need + 1);
    if (!m.fields)
        return;
    m.pool = (char *)(m.fields + (nf ? nf : 1));
    size_t off = 0;
    for (int i = 0; i < e->nfields; i++) {
        const hfield *f = &e->fields[i];
        if (!(f->id >= 0 && f->id < rs->fields.n && rs->corr[f->id]))
            continue;
        m.fields[m.nfields].id = f->id;
        m.fields[m.nfields].name_off = 0;
        m.fields[m.nfields].val_off = (uint32_t)off;
        m.fields[m.nfields].val_len = f->val_len;
        memcpy(m.pool + off, e->pool + f->val_off, f->val_len);
        m.pool[off + f->val_len] = '\0';
        off += f->val_len + 1;
        m.nfields++;
    }
    if (rs->corr_pseudo) {
        m.program = dupz(e->program);
        size_t pl;
        const char *pv = vg_hev_get_id(e, HF_PID, &pl);
        m.pid = pv ? strndup(pv, pl) : NULL;
        m.hostname = dupz(e->hostname);
        m.location = dupz(e->location);
    }
    size_t sl;
    const char *sv = fields_get(e->fields, e->nfields, e->pool, HF_SRCIP, &sl);
    m.srcip_h = sv ? src_hash(sv, sl) : 0;
    if (l->next_seq == 0)
        l->next_seq = 1;
    m.seq = l->next_seq++;
    uint32_t b = m.srcip_h % SRC_BUCKETS;
    m.prev_same = l->last[b];
    l->last[b] = m.seq;
    *ring_at(l, l->n) = m;
    l->n++;
}

/* ---- conditions ---- */

static bool cond_ok(const vg_hevent *e, const hcond *c)
{
    size_t len;
    if (c->field == HF_LOG)
        return vg_hpat_match_lc(c->pat, e->log, e->loglen, e->loglc, NULL);
    const char *v = vg_hev_get_id(e, c->field, &len);
    if (!v)
        return false;
    return vg_hpat_match(c->pat, v, len, NULL);
}

static bool same_ok(const hrule *r, const vg_hevent *e, const hmem *m)
{
    for (int i = 0; i < r->nsame; i++) {
        size_t la, lb;
        const char *a = vg_hev_get_id(e, r->same[i].field, &la);
        const char *b = mem_get(m, r->same[i].field, &lb);
        bool eq = a && b && la == lb && memcmp(a, b, la) == 0;
        if (r->same[i].different) {
            if (!a || !b || eq)
                return false;
        } else if (!eq) {
            return false;
        }
    }
    return true;
}

static bool same_srcip_rule(const hrule *r)
{
    for (int i = 0; i < r->nsame; i++)
        if (r->same[i].field == HF_SRCIP && !r->same[i].different)
            return true;
    return false;
}

static bool search_list(hmemlist *l, const hrule *r, const vg_hevent *e, int need, int *count,
                        hmem **used, int *nused)
{
    if (l->n > 0 && same_srcip_rule(r)) {
        /* only the entries of this source address's bucket, newest first */
        size_t sl;
        const char *sv = vg_hev_get_id(e, HF_SRCIP, &sl);
        if (!sv)
            return false;
        uint32_t h = src_hash(sv, sl);
        uint64_t oldest = ring_at(l, 0)->seq;
        uint64_t seq = l->last[h % SRC_BUCKETS];
        while (seq >= oldest && seq > 0) {
            hmem *m = ring_at(l, (int)(seq - oldest));
            if (r->timeframe > 0 && e->now - m->t > r->timeframe)
                break;
            if (r->frequency > 1 && m->matched >= r->level && r->level > 0)
                break;
            if (m->srcip_h == h && same_ok(r, e, m)) {
                if (*nused < VG_HSESSION_MAX_EVENTS)
                    used[(*nused)++] = m;
                if (++*count >= need)
                    return true;
            }
            seq = m->prev_same;
        }
        return false;
    }
    for (int i = l->n - 1; i >= 0; i--) {
        hmem *m = ring_at(l, i);
        if (r->timeframe > 0 && e->now - m->t > r->timeframe)
            break;
        /* events a frequency rule already counted are spent for it */
        if (r->frequency > 1 && m->matched >= r->level && r->level > 0)
            break;
        if (!same_ok(r, e, m))
            continue;
        if (*nused < VG_HSESSION_MAX_EVENTS)
            used[(*nused)++] = m;
        if (++*count >= need)
            return true;
    }
    return false;
}

static bool context_ok(vg_hsession *s, const hrule *r)
{
    const vg_hevent *e = &s->ev;
    /* a same_ field this event lacks can never be equal: nothing to search */
    for (int i = 0; i < r->nsame; i++)
        if (!r->same[i].different && !vg_hev_get_id(e, r->same[i].field, NULL))
            return false;
    int need = r->frequency > 1 ? r->frequency - 1 : 1;
    int count = 0, nused = 0;
    hmem **used = malloc(sizeof(hmem *) * (size_t)VG_MIN(need, VG_HSESSION_MAX_EVENTS));
    if (!used)
        return false;
    bool ok = false;
    for (int k = 0; k < r->nif_matched_sid && !ok && r->if_matched_idx; k++)
        if (r->if_matched_idx[k] >= 0)
            ok = search_list(&s->by_rule[r->if_matched_idx[k]], r, e, need, &count, used, &nused);
    if (!ok && r->if_matched_group)
        for (int g = 0; g < s->ngroups && !ok; g++)
            if (strcmp(s->groups[g].name, r->if_matched_group) == 0)
                ok = search_list(&s->groups[g].l, r, e, need, &count, used, &nused);
    if (ok) {
        if (r->frequency > 1)
            for (int i = 0; i < nused; i++)
                used[i]->matched = r->level;
        s->ev.firedtimes = count;
    }
    free(used);
    return ok;
}

static bool list_ok(const vg_hevent *e, const hlistcond *c)
{
    size_t len;
    const char *v = vg_hev_get_id(e, c->field, &len);
    if (!v)
        return false;
    return vg_hlist_check(c, v, len);
}

static bool time_ok(const hrule *r, double now)
{
    time_t t = (time_t)now;
    struct tm tm;
    localtime_r(&t, &tm);
    if (r->weekdays && !(r->weekdays & (1u << tm.tm_wday)))
        return false;
    if (r->time_start >= 0) {
        int m = tm.tm_hour * 60 + tm.tm_min;
        if (r->time_start <= r->time_end) {
            if (m < r->time_start || m >= r->time_end)
                return false;
        } else if (m < r->time_start && m >= r->time_end) {
            return false;
        }
    }
    return true;
}

/* First time seen: the decoder's fts fields as one key. */
static bool fts_first(vg_hsession *s)
{
    const vg_hevent *e = &s->ev;
    const hdecoder *d = e->dec;
    if (!d || d->nfts == 0)
        return false;
    char key[1024];
    size_t kl = (size_t)snprintf(key, sizeof(key), "%s", e->top->name);
    for (int i = 0; i < d->nfts && kl < sizeof(key); i++) {
        size_t l;
        const char *v = vg_hev_get_id(e, d->fts[i], &l);
        kl += (size_t)snprintf(key + kl, sizeof(key) - kl, "|%.*s", v ? (int)VG_MIN(l, 200) : 0, v ? v : "");
    }
    if (s->nfts * 2 + 2 > s->fts_slots) {
        if (s->nfts >= FTS_MAX)
            return false;
        int ns = s->fts_slots ? s->fts_slots * 2 : 64;
        char **nt = calloc((size_t)ns, sizeof(char *));
        if (!nt)
            return false;
        for (int i = 0; i < s->fts_slots; i++) {
            if (!s->fts[i])
                continue;
            uint32_t h = 5381;
            for (const char *p = s->fts[i]; *p; p++)
                h = h * 33 + (unsigned char)*p;
            h &= (uint32_t)(ns - 1);
            while (nt[h])
                h = (h + 1) & (uint32_t)(ns - 1);
            nt[h] = s->fts[i];
        }
        free(s->fts);
        s->fts = nt;
        s->fts_slots = ns;
    }
    uint32_t h = 5381;
    for (const char *p = key; *p; p++)
        h = h * 33 + (unsigned char)*p;
    h &= (uint32_t)(s->fts_slots - 1);
    while (s->fts[h]) {
        if (strcmp(s->fts[h], key) == 0)
            return false;
        h = (h + 1) & (uint32_t)(s->fts_slots - 1);
    }
    s->fts[h] = strdup(key);
    if (s->fts[h])
        s->nfts++;
    return true;
}

static bool rule_ok(vg_hsession *s, const hrule *r)
{
    const vg_hevent *e = &s->ev;
    if (r->unsupported)
        return false;
    if (r->maxsize && e->linelen <= (size_t)r->maxsize)
        return false;
    if (r->decoded_as >= 0 && (!e->dec || e->dec->id != r->decoded_as))
        return false;
    if (r->category) {
        const char *t = e->type ? e->type : "syslog";
        if (t[0] != r->category[0] || strcmp(t, r->category) != 0)
            return false;
    }
    for (int i = 0; i < r->nconds; i++)
        if (!cond_ok(e, &r->conds[i]))
            return false;
    for (int i = 0; i < r->nipconds; i++) {
        const hipcond *c = &r->ipconds[i];
        size_t len;
        const char *v = vg_hev_get_id(e, c->field, &len);
        if (!v)
            return false;
        bool in = false;
        for (int k = 0; k < c->nnets && !in; k++)
            in = vg_hip_in(&c->nets[k], v, len);
        if (in == c->negate)
            return false;
    }
    if ((r->time_start >= 0 || r->weekdays) && !time_ok(r, e->now))
        return false;
    for (int i = 0; i < r->nlists; i++)
        if (!list_ok(e, &r->lists[i]))
            return false;
    if ((r->nif_matched_sid || r->if_matched_group) && !context_ok(s, r))
        return false;
    if (r->if_fts && (s->fts_off || !fts_first(s)))
        return false;
    return true;
}

static const hrule *check(vg_hsession *s, const hrule *r, int depth)
{
    if (depth > 64 || !rule_ok(s, r))
        return NULL;
    for (int i = 0; i < r->nchildren; i++) {
        const hrule *c = check(s, r->children[i], depth + 1);
        if (c)
            return c;
    }
    if (r->ignore_time) {
        double *at = &s->ignored_at[r->idx];
        if (*at != 0 && s->ev.now - *at < r->ignore_time)
            return NULL;
        *at = s->ev.now;
    }
    return r;
}

static void predecode(vg_hevent *e)
{
    vg_syslog_predecode(e->line, e->linelen, &e->hdr);
    e->log = e->line + e->hdr.msg_off;
    e->loglen = e->linelen - e->hdr.msg_off;
    for (size_t i = 0; i < e->linelen; i++) {
        unsigned char c = (unsigned char)e->line[i];
        e->lcbuf[i] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
    }
    e->lcbuf[e->linelen] = '\0';
    e->loglc = e->lcbuf + e->hdr.msg_off;
    e->program = e->hostname = e->timestamp = e->pid = NULL;
    const vg_slice *sl[4] = {&e->hdr.program, &e->hdr.host, &e->hdr.time, &e->hdr.pid};
    char *bufs[4] = {e->program_buf, e->hostname_buf, e->timestamp_buf, e->pid_buf};
    size_t caps[4] = {sizeof(e->program_buf), sizeof(e->hostname_buf), sizeof(e->timestamp_buf), sizeof(e->pid_buf)};
    char **outs[4] = {&e->program, &e->hostname, &e->timestamp, &e->pid};
    for (int i = 0; i < 4; i++) {
        if (!sl[i]->len)
            continue;
        size_t n = VG_MIN(sl[i]->len, caps[i] - 1);
        memcpy(bufs[i], e->line + sl[i]->off, n);
        bufs[i][n] = '\0';
        *outs[i] = bufs[i];
    }
}

static void describe(vg_hevent *e)
{
    const char *d = e->rule && e->rule->description ? e->rule->description : "";
    size_t need = strlen(d) + 1;
    size_t len = 0;
    for (const char *p = d; *p;) {
        const char *val = NULL;
        size_t vl = 0, skip = 1;
        if (p[0] == '$' && p[1] == '(') {
            const char *q = strchr(p + 2, ')');
            if (q) {
                size_t nl = (size_t)(q - p - 2);
                int id = -1;
                if (nl == 12 && strncmp(p + 2, "program_name", 12) == 0)
                    id = HF_PROGRAM;
                else if (nl == 8 && strncmp(p + 2, "hostname", 8) == 0)
                    id = HF_HOSTNAME;
                else if (nl == 8 && strncmp(p + 2, "location", 8) == 0)
                    id = HF_LOCATION;
                else if (nl == 4 && strncmp(p + 2, "user", 4) == 0)
                    id = HF_USER_ANY;
                else
                    id = vg_hfield_lookup(e->rs, p + 2, nl);
                if (id >= 0 || id >= HF_PROGRAM)
                    val = vg_hev_get_id(e, id, &vl);
                if (!val) {
                    /* a JSON field unknown to the rules */
                    for (int i = 0; i < e->nfields && !val; i++)
                        if (e->fields[i].id < 0 &&
                            strncmp(e->pool + e->fields[i].name_off, p + 2, nl) == 0 &&
                            e->pool[e->fields[i].name_off + nl] == '\0') {
                            val = e->pool + e->fields[i].val_off;
                            vl = e->fields[i].val_len;
                        }
                }
                if (val)
                    skip = nl + 3;
            }
        }
        size_t add = val ? vl : 1;
        if (len + add + need > e->desc_cap) {
            size_t nc = (len + add + need) * 2;
            char *nd = realloc(e->desc, nc);
            if (!nd)
                return;
            e->desc = nd;
            e->desc_cap = nc;
        }
        memcpy(e->desc + len, val ? val : p, add);
        len += add;
        p += skip;
    }
    if (!e->desc) {
        e->desc = malloc(1);
        if (!e->desc)
            return;
        e->desc_cap = 1;
    }
    e->desc[len] = '\0';
}

const vg_hevent *vg_hsession_process(vg_hsession *s, const char *line, size_t len,
                                     const char *location, double now)
{
    vg_hevent *e = &s->ev;
    e->plen = 0;
    e->nfields = 0;
    e->dec = e->top = NULL;
    e->type = NULL;
    e->rule = NULL;
    e->firedtimes = 0;
    e->truncated = false;
    e->now = now;
    e->location = location ? location : "stdin";
    /* strip the line terminator; cap the length */
    while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
        len--;
    if (len > VG_HLOG_MAX) {
        len = VG_HLOG_MAX;
        e->truncated = true;
    }
    memcpy(e->linebuf, line, len);
    e->linebuf[len] = '\0';
    e->line = e->linebuf;
    e->linelen = len;
    predecode(e);
    if (s->log_year > 0) {
        double lt = vg_syslog_time(e->line, &e->hdr, s->log_year);
        if (lt >= 0)
            e->now = lt;
    }
    vg_hdecode(s->rs, e, progbits(s, e->program));
    if (e->top && e->top->json && s->rs->win_field >= 0 && vg_hev_get_id(e, s->rs->win_field, NULL))
        e->type = "ossec"; /* a Windows EventChannel record, as Wazuh routes them */
    carry(s);
    const hrule *fired = NULL;
    for (int i = 0; i < s->rs->nroots && !fired; i++)
        fired = check(s, s->rs->roots[i], 0);
    e->rule = fired;
    if (fired) {
        describe(e);
        if (fired->level > 0) {
            double keep = now - 86400.0;
            if (fired->tracked) {
                hmemlist *l = &s->by_rule[fired->idx];
                /* keep entries for the longest timeframe that could use them */
                memlist_push(l, e, keep);
            }
            for (int g = 0; g < s->ngroups; g++)
                for (int k = 0; k < fired->ngroups; k++)
                    if (strcmp(fired->groups[k], s->groups[g].name) == 0) {
                        memlist_push(&s->groups[g].l, e, keep);
                        break;
                    }
        }
    }
    return e;
}

/* ---- accessors ---- */

const char *vg_hevent_decoder(const vg_hevent *e)
{
    if (!e->dec)
        return NULL;
    return e->dec->use_own_name ? e->dec->name : e->top->name;
}

const char *vg_hevent_decoder_parent(const vg_hevent *e)
{
    return e->top ? e->top->name : NULL;
}

int vg_hevent_nfields(const vg_hevent *e) { return e->nfields; }

void vg_hevent_field(const vg_hevent *e, int i, const char **name, const char **value)
{
    const hfield *f = &e->fields[i];
    *name = f->id >= 0 ? vg_hfield_name(e->rs, f->id) : e->pool + f->name_off;
    *value = e->pool + f->val_off;
}

const char *vg_hevent_get(const vg_hevent *e, const char *name)
{
    if (strcmp(name, "program_name") == 0)
        return e->program;
    if (strcmp(name, "hostname") == 0)
        return e->hostname;
    if (strcmp(name, "user") == 0)
        return vg_hev_get_id(e, HF_USER_ANY, NULL);
    for (int i = 0; i < e->nfields; i++) {
        const char *n, *v;
        vg_hevent_field(e, i, &n, &v);
        if (strcmp(n, name) == 0)
            return v;
    }
    return NULL;
}

const char *vg_hevent_program(const vg_hevent *e) { return e->program; }
const char *vg_hevent_hostname(const vg_hevent *e) { return e->hostname; }
const char *vg_hevent_timestamp(const vg_hevent *e) { return e->timestamp; }
bool vg_hevent_has_rule(const vg_hevent *e) { return e->rule != NULL; }
int vg_hevent_rule_id(const vg_hevent *e) { return e->rule ? e->rule->id : 0; }
int vg_hevent_rule_level(const vg_hevent *e) { return e->rule ? e->rule->level : 0; }
const char *vg_hevent_rule_description(const vg_hevent *e) { return e->rule && e->desc ? e->desc : ""; }
int vg_hevent_rule_ngroups(const vg_hevent *e) { return e->rule ? e->rule->ngroups : 0; }
const char *vg_hevent_rule_group(const vg_hevent *e, int i) { return e->rule->groups[i]; }
int vg_hevent_rule_nmitre(const vg_hevent *e) { return e->rule ? e->rule->nmitre : 0; }
const char *vg_hevent_rule_mitre(const vg_hevent *e, int i) { return e->rule->mitre[i]; }
int vg_hevent_rule_firedtimes(const vg_hevent *e) { return e->firedtimes; }

bool vg_hevent_alerts(const vg_hevent *e)
{
    return e->rule && e->rule->level > 0 && !e->rule->noalert && !e->rule->no_log;
}

bool vg_hevent_no_full_log(const vg_hevent *e) { return e->rule && e->rule->no_full_log; }

void vg_hevent_to_json(const vg_hevent *e, vg_jb *jb)
{
    const char *dn = vg_hevent_decoder(e);
    if (dn)
        vg_jb_str(jb, "decoder", dn);
    else
        vg_jb_null(jb, "decoder");
    if (e->program || e->hostname || e->timestamp) {
        vg_jb_open_obj(jb, "predecoder");
        if (e->timestamp)
            vg_jb_str(jb, "timestamp", e->timestamp);
        if (e->hostname)
            vg_jb_str(jb, "hostname", e->hostname);
        if (e->program)
            vg_jb_str(jb, "program_name", e->program);
        vg_jb_close_obj(jb);
    }
    vg_jb_open_obj(jb, "fields");
    for (int i = 0; i < e->nfields; i++) {
        const char *n, *v;
        vg_hevent_field(e, i, &n, &v);
        vg_jb_strn(jb, n, v, e->fields[i].val_len);
    }
    /* "user": the account the event is about (dstuser, else srcuser), as
     * rules' <user> sees it */
    size_t ul;
    const char *u = vg_hev_get_id(e, HF_USER_ANY, &ul);
    bool have_user = false;
    for (int i = 0; i < e->nfields && !have_user; i++)
        have_user = e->fields[i].id < 0 && strcmp(e->pool + e->fields[i].name_off, "user") == 0;
    if (u && !have_user)
        vg_jb_strn(jb, "user", u, ul);
    vg_jb_close_obj(jb);
    if (!e->rule) {
        vg_jb_null(jb, "rule");
        return;
    }
    vg_jb_open_obj(jb, "rule");
    vg_jb_i64(jb, "id", e->rule->id);
    vg_jb_i64(jb, "level", e->rule->level);
    vg_jb_str(jb, "description", vg_hevent_rule_description(e));
    vg_jb_open_arr(jb, "groups");
    for (int i = 0; i < e->rule->ngroups; i++)
        vg_jb_str(jb, NULL, e->rule->groups[i]);
    vg_jb_close_arr(jb);
    if (e->rule->nmitre) {
        vg_jb_open_obj(jb, "mitre");
        vg_jb_open_arr(jb, "id");
        for (int i = 0; i < e->rule->nmitre; i++)
            vg_jb_str(jb, NULL, e->rule->mitre[i]);
        vg_jb_close_arr(jb);
        vg_jb_close_obj(jb);
    }
    if (e->firedtimes)
        vg_jb_i64(jb, "firedtimes", e->firedtimes + 1);
    vg_jb_bool(jb, "alert", vg_hevent_alerts(e));
    vg_jb_close_obj(jb);
}
