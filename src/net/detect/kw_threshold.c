/*
 * kw_threshold.c: threshold and detection_filter keywords, threshold.config
 * (threshold / event_filter / suppress / rate_filter) and the run-time
 * check applied when a rule matched, before its alert is queued.
 *
 * Semantics (Suricata's):
 *   limit N/T      alert on the first N matches of each T-second window
 *   threshold N/T  alert on every Nth match within the window
 *   both N/T       alert once per window, on the Nth match
 *   detection_filter N/T  alert on every match after the first N in the window
 *   rate_filter    past count matches in the window the rule's action becomes
 *                  new_action for timeout seconds (the alert is kept)
 * Tracking: by_src, by_dst, by_both (address pair, either order), by_rule,
 * by_flow (kept in the flow's state).  Entries other than by_flow live in a
 * per-thread open-addressing table of VG_THR_MAX entries; when a probe run
 * finds no free or expired slot the match alerts (fails open) and a counter
 * is bumped.  A threshold from threshold.config for a gid:sid replaces the
 * rule's own; suppress entries drop the alert (the rule's side effects such
 * as flowbits still happen).
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "net/detect/detect_int.h"

#define VG_THR_MAX 65536
#define VG_THR_FLOW_MAX 64

struct vg_thr_entry {
    uint32_t gid, sid;
    uint8_t track;
    bool used;
    vg_addr a, b;
    double first;
    double expires;
    uint32_t count;
    uint64_t next;                  /* backoff: the match count that alerts next */
    double until;                   /* rate_filter: new_action applies until then */
};

struct vg_thr_table {
    vg_thr_entry *e;
    uint32_t cap;
    uint64_t full;
};

vg_thr_table *vg_thr_table_new(uint32_t cap)
{
    vg_thr_table *t = calloc(1, sizeof(*t));
    if (!t)
        return NULL;
    uint32_t c = 64;
    while (c < cap)
        c *= 2;
    t->e = calloc(c, sizeof(vg_thr_entry));
    if (!t->e) {
        free(t);
        return NULL;
    }
    t->cap = c;
    return t;
}

void vg_thr_table_free(vg_thr_table *t)
{
    if (!t)
        return;
    free(t->e);
    free(t);
}

/* ---- parsing ----------------------------------------------------------- */

static char *trimw(char *t)
{
    while (isspace((unsigned char)*t))
        t++;
    char *e = t + strlen(t);
    while (e > t && isspace((unsigned char)e[-1]))
        *--e = 0;
    return t;
}

static int parse_track(const char *v, uint8_t *out)
{
    static const struct { const char *n; uint8_t t; } tr[] = {
        {"by_src", VG_TRACK_SRC}, {"by_dst", VG_TRACK_DST}, {"by_rule", VG_TRACK_RULE},
        {"by_both", VG_TRACK_BOTH}, {"by_flow", VG_TRACK_FLOW}, {"by_either", VG_TRACK_EITHER},
    };
    for (size_t i = 0; i < VG_ARRAY_LEN(tr); i++)
        if (strcmp(v, tr[i].n) == 0) {
            *out = tr[i].t;
            return 0;
        }
    return -1;
}

static int parse_num32(const char *v, uint32_t *out)
{
    if (!isdigit((unsigned char)*v))
        return -1;
    char *end;
    errno = 0;
    unsigned long long n = strtoull(v, &end, 10);
    if (*end || errno || n > UINT32_MAX)
        return -1;
    *out = (uint32_t)n;
    return 0;
}

/* "key value, key value, ..." into t; `df` for detection_filter (no type). */
static int parse_thr_fields(char *list, vg_threshold *t, bool df, bool rate, char *errbuf)
{
    memset(t, 0, sizeof(*t));
    bool have_type = df || rate, have_track = false, have_count = false, have_secs = false;
    if (df)
        t->type = VG_THR_DETECTION_FILTER;
    if (rate)
        t->type = VG_THR_RATE_FILTER;
    char *save = NULL;
    for (char *item = strtok_r(list, ",", &save); item; item = strtok_r(NULL, ",", &save)) {
        item = trimw(item);
        char *sp = item;
        while (*sp && !isspace((unsigned char)*sp))
            sp++;
        if (!*sp)
            return vg_err(errbuf, VG_EINVAL, "expected \"key value\" at \"%.32s\"", item);
        *sp = 0;
        char *val = trimw(sp + 1);
        if (strcmp(item, "type") == 0 && !df && !rate) {
            if (strcmp(val, "threshold") == 0)
                t->type = VG_THR_THRESHOLD;
            else if (strcmp(val, "limit") == 0)
                t->type = VG_THR_LIMIT;
            else if (strcmp(val, "both") == 0)
                t->type = VG_THR_BOTH;
            else if (strcmp(val, "backoff") == 0)
                t->type = VG_THR_BACKOFF;
            else
                return vg_err(errbuf, VG_EINVAL, "type must be threshold, limit, both or backoff");
            have_type = true;
        } else if (strcmp(item, "track") == 0) {
            if (parse_track(val, &t->track) != 0 || t->track == VG_TRACK_EITHER)
                return vg_err(errbuf, VG_EINVAL, "bad track \"%.16s\"", val);
            have_track = true;
        } else if (strcmp(item, "count") == 0) {
            if (parse_num32(val, &t->count) != 0)
                return vg_err(errbuf, VG_EINVAL, "bad count \"%.16s\"", val);
            have_count = true;
        } else if (strcmp(item, "seconds") == 0) {
            if (parse_num32(val, &t->seconds) != 0)
                return vg_err(errbuf, VG_EINVAL, "bad seconds \"%.16s\"", val);
            have_secs = true;
        } else if (strcmp(item, "multiplier") == 0 && !df && !rate) {
            if (parse_num32(val, &t->multiplier) != 0 || t->multiplier < 1)
                return vg_err(errbuf, VG_EINVAL, "bad multiplier \"%.16s\"", val);
        } else if (rate && strcmp(item, "new_action") == 0) {
            if (strcmp(val, "alert") == 0)
                t->new_action = VG_ACTION_ALERT;
            else if (strcmp(val, "drop") == 0)
                t->new_action = VG_ACTION_DROP;
            else if (strcmp(val, "pass") == 0)
                t->new_action = VG_ACTION_PASS;
            else if (strncmp(val, "reject", 6) == 0)
                t->new_action = VG_ACTION_REJECT;
            else
                return vg_err(errbuf, VG_EINVAL, "bad new_action \"%.16s\"", val);
        } else if (rate && strcmp(item, "timeout") == 0) {
            if (parse_num32(val, &t->timeout) != 0)
                return vg_err(errbuf, VG_EINVAL, "bad timeout \"%.16s\"", val);
        } else {
            return vg_err(errbuf, VG_EINVAL, "unknown field \"%.16s\"", item);
        }
    }
    if (!have_type || !have_track || !have_count)
        return vg_err(errbuf, VG_EINVAL, "needs %strack and count", df || rate ? "" : "type, ");
    if (t->type == VG_THR_BACKOFF) {
        if (have_secs || !t->multiplier)
            return vg_err(errbuf, VG_EINVAL, "backoff takes count and multiplier, not seconds");
        if (t->track != VG_TRACK_FLOW)
            return vg_err(errbuf, VG_EINVAL, "backoff is only supported with track by_flow");
    } else if (t->multiplier) {
        return vg_err(errbuf, VG_EINVAL, "multiplier is only for type backoff");
    } else if (!have_secs) {
        if (df || rate)
            return vg_err(errbuf, VG_EINVAL, "needs seconds");
        t->seconds = UINT32_MAX; /* no time window */
    }
    if (t->count == 0 && t->type != VG_THR_DETECTION_FILTER)
        return vg_err(errbuf, VG_EINVAL, "count must be at least 1");
    return VG_OK;
}

static int thr_setup_common(vg_rule_parser *rp, vg_sig *s, const char *arg, bool df,
                            const vg_keyword *kw, char *errbuf)
{
    char tmp[256];
    if (vg_rule_unquote(arg, tmp, sizeof(tmp)) != VG_OK)
        return vg_err(errbuf, VG_EINVAL, "bad value");
    if (rp->has_threshold)
        return vg_err(errbuf, VG_EINVAL, "only one threshold or detection_filter per rule");
    vg_threshold *t = calloc(1, sizeof(*t));
    if (!t)
        return vg_err(errbuf, VG_ENOMEM, "out of memory");
    int rc = parse_thr_fields(tmp, t, df, false, errbuf);
    if (rc) {
        free(t);
        return rc;
    }
    if (!vg_sig_append(s, VG_LIST_POSTMATCH, kw, t)) {
        free(t);
        return vg_err(errbuf, VG_ENOMEM, "out of memory");
    }
    rp->has_threshold = true;
    s->flags |= VG_SIGX_HAS_THRESHOLD;
    return VG_OK;
}

extern const vg_keyword vg_kw_threshold, vg_kw_detection_filter;
static int threshold_setup(vg_rule_parser *rp, vg_sig *s, const char *arg, char *errbuf)
{
    return thr_setup_common(rp, s, arg, false, &vg_kw_threshold, errbuf);
}
static int detection_filter_setup(vg_rule_parser *rp, vg_sig *s, const char *arg, char *errbuf)
{
    return thr_setup_common(rp, s, arg, true, &vg_kw_detection_filter, errbuf);
}
/* The check itself runs at alert time (vg_threshold_check). */
static int thr_noop_match(const vg_match_ctx *mc, const vg_sm *sm)
{
    (void)mc;
    (void)sm;
    return 1;
}

const vg_keyword vg_kw_threshold = {"threshold", NULL, 0, threshold_setup, thr_noop_match, free};
const vg_keyword vg_kw_detection_filter = {"detection_filter", NULL, 0, detection_filter_setup,
                                           thr_noop_match, free};

/* ---- threshold.config ---------------------------------------------------- */

static int conf_line(vg_detect *de, char *line, char *errbuf)
{
    char *kind = line;
    char *sp = line;
    while (*sp && !isspace((unsigned char)*sp))
        sp++;
    if (!*sp)
        return vg_err(errbuf, VG_EINVAL, "incomplete line");
    *sp = 0;
    char *rest = trimw(sp + 1);
    bool suppress = strcmp(kind, "suppress") == 0;
    bool rate = strcmp(kind, "rate_filter") == 0;
    if (!suppress && !rate && strcmp(kind, "threshold") && strcmp(kind, "event_filter"))
        return vg_err(errbuf, VG_EINVAL, "unknown directive \"%.20s\"", kind);
    /* gen_id N, sig_id N first */
    uint32_t gid = 0, sid = 0;
    bool have_gid = false, have_sid = false;
    for (int k = 0; k < 2; k++) {
        char *comma = strchr(rest, ',');
        char *item = rest;
        if (comma)
            *comma = 0;
        item = trimw(item);
        char *v = item;
        while (*v && !isspace((unsigned char)*v))
            v++;
        if (*v)
            *v++ = 0;
        v = trimw(v);
        if (strcmp(item, "gen_id") == 0 && parse_num32(v, &gid) == 0)
            have_gid = true;
        else if (strcmp(item, "sig_id") == 0 && parse_num32(v, &sid) == 0)
            have_sid = true;
        else
            return vg_err(errbuf, VG_EINVAL, "expected gen_id N, sig_id N");
        rest = comma ? comma + 1 : rest + strlen(rest);
    }
    if (!have_gid || !have_sid)
        return vg_err(errbuf, VG_EINVAL, "expected gen_id N, sig_id N");
    rest = trimw(rest);
    if (suppress) {
        vg_suppress sp_ent;
        memset(&sp_ent, 0, sizeof(sp_ent));
        sp_ent.gid = gid;
        sp_ent.sid = sid;
        sp_ent.track = VG_TRACK_NONE;
        if (*rest) {
            /* track by_x, ip LIST */
            if (strncmp(rest, "track", 5) != 0)
                return vg_err(errbuf, VG_EINVAL, "suppress: expected track");
            char *comma = strchr(rest, ',');
            if (!comma)
                return vg_err(errbuf, VG_EINVAL, "suppress: track needs an ip");
            *comma = 0;
            char *tv = trimw(rest + 5);
            if (parse_track(tv, &sp_ent.track) != 0 ||
                (sp_ent.track != VG_TRACK_SRC && sp_ent.track != VG_TRACK_DST &&
                 sp_ent.track != VG_TRACK_EITHER))
                return vg_err(errbuf, VG_EINVAL, "suppress: track must be by_src, by_dst or by_either");
            char *ip = trimw(comma + 1);
            if (strncmp(ip, "ip", 2) != 0 || !isspace((unsigned char)ip[2]))
                return vg_err(errbuf, VG_EINVAL, "suppress: expected ip <list>");
            ip = trimw(ip + 2);
            vg_addrset *as;
            char aerr[VG_ERRBUF_SIZE];
            if (vg_addr_parse(de, ip, &as, aerr) != VG_OK)
                return vg_err(errbuf, VG_EINVAL, "suppress: %s", aerr);
            /* deep copy: the cache owns the parsed set */
            sp_ent.addrs.v4.r = malloc((as->v4.n + 1) * sizeof(vg_range));
            sp_ent.addrs.v6.r = malloc((as->v6.n + 1) * sizeof(vg_range));
            if (!sp_ent.addrs.v4.r || !sp_ent.addrs.v6.r) {
                vg_addrset_clear(&sp_ent.addrs);
                return vg_err(errbuf, VG_ENOMEM, "out of memory");
            }
            if (as->v4.n)
                memcpy(sp_ent.addrs.v4.r, as->v4.r, as->v4.n * sizeof(vg_range));
            if (as->v6.n)
                memcpy(sp_ent.addrs.v6.r, as->v6.r, as->v6.n * sizeof(vg_range));
            sp_ent.addrs.v4.n = sp_ent.addrs.v4.cap = as->v4.n;
            sp_ent.addrs.v6.n = sp_ent.addrs.v6.cap = as->v6.n;
            sp_ent.addrs.any = as->any;
        }
        vg_suppress *ns = realloc(de->suppress, (de->nsuppress + 1) * sizeof(*ns));
        if (!ns) {
            vg_addrset_clear(&sp_ent.addrs);
            return vg_err(errbuf, VG_ENOMEM, "out of memory");
        }
        de->suppress = ns;
        de->suppress[de->nsuppress++] = sp_ent;
        return VG_OK;
    }
    vg_thr_conf tc = {.gid = gid, .sid = sid};
    int rc = parse_thr_fields(rest, &tc.t, false, rate, errbuf);
    if (rc)
        return rc;
    vg_thr_conf *nt = realloc(de->thr_conf, (de->nthr_conf + 1) * sizeof(*nt));
    if (!nt)
        return vg_err(errbuf, VG_ENOMEM, "out of memory");
    de->thr_conf = nt;
    de->thr_conf[de->nthr_conf++] = tc;
    return VG_OK;
}

int vg_threshold_conf_load(vg_detect *de, const char *path, char *errbuf)
{
    FILE *fp = fopen(path, "r");
    if (!fp)
        return vg_err(errbuf, VG_EIO, "%s: cannot open threshold file: %s", path, strerror(errno));
    char *line = NULL;
    size_t cap = 0;
    int lineno = 0, rc = VG_OK;
    while (getline(&line, &cap, fp) >= 0) {
        lineno++;
        char *l = trimw(line);
        if (!*l || *l == '#')
            continue;
        char err[VG_ERRBUF_SIZE];
        if (conf_line(de, l, err) != VG_OK) {
            vg_error("%s:%d: %s", path, lineno, err);
            if (de->errors_fatal) {
                rc = vg_err(errbuf, VG_EINVAL, "%s:%d: %s", path, lineno, err);
                break;
            }
        }
    }
    free(line);
    fclose(fp);
    return rc;
}

/* ---- run time -------------------------------------------------------------- */

static double pkt_time(const vg_packet *p)
{
    return (double)p->ts.tv_sec + (double)p->ts.tv_usec / 1e6;
}

/* Apply t to entry e at time now; returns 1 to alert. */
static int thr_apply(const vg_threshold *t, vg_thr_entry *e, bool fresh, double now)
{
    if (t->type == VG_THR_RATE_FILTER) {
        /* more than count matches within seconds: new_action for timeout
         * seconds (the alert itself is kept); returns 2 while it applies */
        if (fresh) {
            e->first = now;
            e->count = 0;
            e->until = 0;
        }
        if (now - e->first > (double)t->seconds) {
            e->first = now;
            e->count = 0;
        }
        e->count++;
        if (e->count > t->count)
            e->until = now + (double)t->timeout;
        return now < e->until ? 2 : 1;
    }
    if (t->type == VG_THR_BACKOFF) {
        /* alerts at match count, count*M, count*M^2, ... */
        if (fresh) {
            e->count = 0;
            e->next = t->count ? t->count : 1;
        }
        e->count++;
        if (e->count == e->next) {
            e->next = e->next > UINT64_MAX / t->multiplier ? UINT64_MAX : e->next * t->multiplier;
            return 1;
        }
        return 0;
    }
    bool within = !fresh && now - e->first <= (double)t->seconds;
    if (!within) {
        e->first = now;
        e->count = 1;
        switch (t->type) {
        case VG_THR_LIMIT: return 1;
        case VG_THR_THRESHOLD:
            if (t->count <= 1) {
                e->count = 0;
                return 1;
            }
            return 0;
        case VG_THR_BOTH: return t->count <= 1;
        case VG_THR_DETECTION_FILTER: return t->count == 0;
        default: return 1;
        }
    }
    e->count++;
    switch (t->type) {
    case VG_THR_LIMIT: return e->count <= t->count;
    case VG_THR_THRESHOLD:
        if (e->count >= t->count) {
            e->count = 0;
            return 1;
        }
        return 0;
    case VG_THR_BOTH: return e->count == t->count;
    case VG_THR_DETECTION_FILTER: return e->count > t->count;
    default: return 1;
    }
}

static uint32_t thr_hash(uint32_t gid, uint32_t sid, uint8_t track, const vg_addr *a,
                         const vg_addr *b)
{
    uint32_t h = (2166136261u ^ sid) * 16777619u;
    h = (h ^ gid ^ ((uint32_t)track << 24)) * 16777619u;
    for (int i = 0; i < 16; i++)
        h = (h ^ a->a[i] ^ ((uint32_t)b->a[i] << 8)) * 16777619u;
    return h;
}

static vg_thr_entry *thr_find(vg_thr_table *t, const vg_sig *s, uint8_t track, const vg_addr *a,
                              const vg_addr *b, double now, double ttl, bool *fresh)
{
    uint32_t h = thr_hash(s->gid, s->sid, track, a, b);
    vg_thr_entry *slot = NULL;
    for (uint32_t k = 0; k < 64; k++) {
        vg_thr_entry *e = &t->e[(h + k) & (t->cap - 1)];
        if (!e->used) {
            if (!slot)
                slot = e;
            break;
        }
        if (e->gid == s->gid && e->sid == s->sid && e->track == track &&
            memcmp(&e->a, a, sizeof(*a)) == 0 && memcmp(&e->b, b, sizeof(*b)) == 0) {
            *fresh = false;
            e->expires = now + ttl;
            return e;
        }
        if (e->expires < now && !slot)
            slot = e;
    }
    if (!slot) {
        t->full++;
        return NULL;
    }
    memset(slot, 0, sizeof(*slot));
    slot->used = true;
    slot->gid = s->gid;
    slot->sid = s->sid;
    slot->track = track;
    slot->a = *a;
    slot->b = *b;
    slot->expires = now + ttl;
    *fresh = true;
    return slot;
}

static const vg_threshold *sig_threshold(const vg_detect *de, const vg_sig *s)
{
    const vg_threshold *wild = NULL;
    for (uint32_t i = 0; i < de->nthr_conf; i++) {
        const vg_thr_conf *c = &de->thr_conf[i];
        if (c->sid == s->sid && (c->gid == s->gid || c->gid == 0))
            return &c->t;
        if (c->sid == 0 && (c->gid == 0 || c->gid == s->gid))
            wild = &c->t;
    }
    const vg_threshold *own = de->sig_thr ? de->sig_thr[s->id] : NULL;
    return own ? own : wild;
}

int vg_threshold_check(vg_det_thread *dt, vg_packet *p, const vg_sig *s, uint8_t *new_action)
{
    *new_action = 0;
    const vg_detect *de = dt->de;
    for (uint32_t i = 0; i < de->nsuppress; i++) {
        const vg_suppress *sp = &de->suppress[i];
        if ((sp->sid != 0 && sp->sid != s->sid) || (sp->gid != 0 && sp->gid != s->gid))
            continue;
        switch (sp->track) {
        case VG_TRACK_NONE: return 0;
        case VG_TRACK_SRC:
            if (vg_addr_match(&sp->addrs, &p->src))
                return 0;
            break;
        case VG_TRACK_DST:
            if (vg_addr_match(&sp->addrs, &p->dst))
                return 0;
            break;
        default:
            if (vg_addr_match(&sp->addrs, &p->src) || vg_addr_match(&sp->addrs, &p->dst))
                return 0;
        }
    }
    if (!(s->flags & VG_SIGX_HAS_THRESHOLD) && de->nthr_conf == 0)
        return 1;
    const vg_threshold *t = sig_threshold(de, s);
    if (!t)
        return 1;
    double now = pkt_time(p);
    double ttl = (double)t->seconds + 1;
    vg_addr zero = {0};
    const vg_addr *a = &zero, *b = &zero;
    bool fresh = true;
    vg_thr_entry *e = NULL;
    switch (t->track) {
    case VG_TRACK_SRC: a = &p->src; break;
    case VG_TRACK_DST: a = &p->dst; break;
    case VG_TRACK_BOTH:
        if (memcmp(p->src.a, p->dst.a, 16) <= 0) {
            a = &p->src;
            b = &p->dst;
        } else {
            a = &p->dst;
            b = &p->src;
        }
        break;
    case VG_TRACK_FLOW: {
        vg_match_ctx mc = {dt, p, s};
        vg_det_flow *df = vg_det_flow_get(&mc);
        if (!df)
            return 1;
        for (uint32_t i = 0; i < df->nthr; i++)
            if (df->thr[i].sid == s->sid && df->thr[i].gid == s->gid) {
                e = &df->thr[i];
                fresh = false;
                break;
            }
        if (!e) {
            if (df->nthr >= VG_THR_FLOW_MAX)
                return 1;
            vg_thr_entry *nt = realloc(df->thr, (df->nthr + 1) * sizeof(*nt));
            if (!nt)
                return 1;
            df->thr = nt;
            e = &df->thr[df->nthr++];
            memset(e, 0, sizeof(*e));
            e->gid = s->gid;
            e->sid = s->sid;
            e->used = true;
        }
        int r = thr_apply(t, e, fresh, now);
        if (r == 2)
            *new_action = t->new_action;
        return r ? 1 : 0;
    }
    default: break;
    }
    if (!dt->thr)
        return 1;
    if (t->type == VG_THR_RATE_FILTER)
        ttl = (double)t->seconds + (double)t->timeout + 1;
    e = thr_find(dt->thr, s, t->track, a, b, now, ttl, &fresh);
    if (!e)
        return 1;
    int r = thr_apply(t, e, fresh, now);
    if (r == 2)
        *new_action = t->new_action;
    return r ? 1 : 0;
}
