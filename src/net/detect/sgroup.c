/*
 * sgroup.c: building a loaded rule set: signature order and groups.
 *
 * Order (also the alert order): action order (action-order, default pass,
 * drop, reject, alert), then flowbits setters before readers, then
 * priority, then file order.  IP-only sigs go to the ip-only index
 * (iponly.c); the others are grouped per protocol bucket (tcp, udp, icmp,
 * icmpv6, sctp, other) and direction (to server / to client): sigs whose
 * destination ports are a small set go to one group per port (ports with
 * fewer than PORT_GROUP_MIN_SIGS sigs, and identical port groups, are
 * merged), the rest to the bucket's "any" group.  Each group gets one
 * Hyperscan database per packet-level buffer holding its sigs' fast
 * patterns (vg_mpm_build), compiled in parallel; sigs without such a fast
 * pattern are the group's "always" candidates (split by whether they need
 * app-layer state).  Such sigs of a merged small port stay candidates of
 * their port only (vg_bucket.by_dp): ET Open's port scan sigs (flags:S to
 * 5432, 4333, ...) would otherwise be evaluated on every packet; those
 * with any destination port but a few source ports (flags:SA from 3389)
 * are candidates on those source ports only (vg_bucket.by_sp).  An
 * "ip_proto:N" sig is in protocol N's bucket only.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/detect/detect_int.h"
#include "net/app/app_detect.h" /* app-layer hook: prefilter eligibility */

int vg_app_match_dir(const vg_keyword *kw); /* app-layer hook (app_match.c) */

#define PORT_GROUP_MAX_PORTS 64
#define PORT_GROUP_MIN_SIGS 16   /* smaller port groups merge into the any group */
#define PKT_BOUND_LIMIT 1024     /* dsize or pattern end bounds up to this file a packet
                                    sig as small or prefix */

void vg_sgroup_free(vg_sgroup *g)
{
    if (!g)
        return;
    for (int b = 0; b < VG_MPM_SLOTS; b++)
        vg_mpm_free(g->mpm[b]);
    free(g->sigs);
    for (int k = 0; k < VG_PKT_KINDS; k++)
        free(g->pkt_sigs[k]);
    for (uint32_t i = 0; i < g->npkt_shadows; i++)
        free(g->pkt_shadows[i]);
    free(g->pkt_shadows);
    free(g->always);
    free(g->always_app);
    free(g->app_pf_bits);
    free(g);
}

/* ---- build ------------------------------------------------------------------ */

static int primary_action_bit(const vg_sig *s)
{
    if (s->action & VG_ACTION_PASS)
        return 3;
    if (s->action & VG_ACTION_REJECT)
        return 2;
    if (s->action & VG_ACTION_DROP)
        return 1;
    return 0;
}

typedef struct { vg_sig *s; uint32_t key0, key1, key2, idx; } order_ent;

static int order_cmp(const void *a, const void *b)
{
    const order_ent *x = a, *y = b;
    if (x->key0 != y->key0)
        return x->key0 < y->key0 ? -1 : 1;
    if (x->key1 != y->key1)
        return x->key1 < y->key1 ? -1 : 1;
    if (x->key2 != y->key2)
        return x->key2 < y->key2 ? -1 : 1;
    return x->idx < y->idx ? -1 : x->idx > y->idx;
}

static bool is_iponly(const vg_sig *s)
{
    extern const vg_keyword vg_kw_flowbits, vg_kw_threshold, vg_kw_detection_filter, vg_kw_tag;
    if (s->flags & (VG_SIGX_CONFIG | VG_SIG_TOSERVER | VG_SIG_TOCLIENT | VG_SIG_STREAM_ONLY |
                    VG_SIG_PKT_ONLY | VG_SIG_APPLAYER))
        return false;
    if (s->hdr_proto == VG_HDRPROTO_TCP_PKT || s->hdr_proto == VG_HDRPROTO_TCP_STREAM ||
        s->hdr_proto == VG_HDRPROTO_APP)
        return false;
    if (!(s->flags & VG_SIG_SP_ANY) || !(s->flags & VG_SIG_DP_ANY))
        return false;
    if (s->nbufs || s->lists[VG_LIST_MATCH] || s->alproto)
        return false;
    for (const vg_sm *sm = s->lists[VG_LIST_POSTMATCH]; sm; sm = sm->next)
        if (sm->kw != &vg_kw_flowbits && sm->kw != &vg_kw_threshold &&
            sm->kw != &vg_kw_detection_filter && sm->kw != &vg_kw_tag)
            return false;
    return true;
}

int vg_bucket_of_proto(uint8_t proto)
{
    switch (proto) {
    case 6: return VG_PB_TCP;
    case 17: return VG_PB_UDP;
    case 1: return VG_PB_ICMP;
    case 58: return VG_PB_ICMPV6;
    case 132: return VG_PB_SCTP;
    default: return VG_PB_OTHER;
    }
}

static bool sig_in_bucket(const vg_sig *s, int pb)
{
    if (s->proto)
        return vg_bucket_of_proto(s->proto) == pb;
    int ipp = vg_sig_ip_proto_exact(s); /* "ip ... ip_proto:41": only protocol 41 meets it */
    if (ipp >= 0)
        return vg_bucket_of_proto((uint8_t)ipp) == pb;
    if (s->hdr_proto == VG_HDRPROTO_ICMP) /* "icmp": both versions */
        return pb == VG_PB_ICMP || pb == VG_PB_ICMPV6;
    if (s->hdr_proto == VG_HDRPROTO_APP)
        return pb == VG_PB_TCP || pb == VG_PB_UDP;
    return true;
}

static int add_group(vg_detect *de, vg_sgroup *g)
{
    if (de->nall_groups == de->cap_all_groups) {
        uint32_t nc = de->cap_all_groups ? de->cap_all_groups * 2 : 32;
        vg_sgroup **n = realloc(de->all_groups, nc * sizeof(*n));
        if (!n)
            return VG_ENOMEM;
        de->all_groups = n;
        de->cap_all_groups = nc;
    }
    de->all_groups[de->nall_groups++] = g;
    return VG_OK;
}

static int add_mpm(vg_detect *de, struct vg_mpm *m, uint32_t *idx)
{
    if (de->nmpms == de->capmpms) {
        uint32_t nc = de->capmpms ? de->capmpms * 2 : 32;
        struct vg_mpm **n = realloc(de->mpms, nc * sizeof(*n));
        if (!n)
            return VG_ENOMEM;
        de->mpms = n;
        de->capmpms = nc;
    }
    *idx = de->nmpms;
    de->mpms[de->nmpms++] = m;
    return VG_OK;
}

static bool prefilter_buf(uint16_t b)
{
    return b < VG_BUF_APP_FIRST && b != VG_BUF_BASE64_DATA;
}

/* Can the sig only match with app-layer state (an app protocol in the
 * header or app-layer-protocol, or an app-layer buffer)? */
static bool sig_needs_app(const vg_sig *s)
{
    if (s->alproto)
        return true;
    for (int b = 0; b < s->nbufs; b++)
        if (s->bufs[b].id >= VG_BUF_APP_FIRST)
            return true;
    return false;
}

static int alproto_cmp(const void *a, const void *b)
{
    const vg_sig *x = *(const vg_sig *const *)a, *y = *(const vg_sig *const *)b;
    if (x->alproto != y->alproto)
        return x->alproto < y->alproto ? -1 : 1;
    return x->id < y->id ? -1 : x->id > y->id;
}

typedef struct { uint32_t *v; uint32_t n, cap; } idvec;

/* Does s become a candidate without any prefilter, whatever the packet's
 * app-layer state (group_build's plain "always" list)? */
static bool sig_unfiltered(const vg_sig *s)
{
    return !(s->fast_pattern && prefilter_buf(s->fast_pattern_buf)) && !sig_needs_app(s);
}

/* Per-port lists of unfiltered sigs (per_port[port] holds them once each). */
static int port_sigs_build(vg_port_sigs *ps, vg_detect *de, const idvec *per_port)
{
    uint32_t total = 0;
    for (uint32_t port = 0; port < 65536; port++)
        total += per_port[port].n;
    if (!total)
        return VG_OK;
    ps->off = calloc(65537, sizeof(uint32_t));
    ps->sigs = malloc(total * sizeof(vg_sig *));
    if (!ps->off || !ps->sigs)
        return VG_ENOMEM;
    uint32_t k = 0;
    for (uint32_t port = 0; port < 65536; port++) {
        ps->off[port] = k;
        for (uint32_t i = 0; i < per_port[port].n; i++)
            ps->sigs[k++] = de->sigs[per_port[port].v[i]];
    }
    ps->off[65536] = k;
    return VG_OK;
}

/* Does s need the packet itself, with its fast pattern in the payload? */
static bool sig_packet_fp(const vg_sig *s)
{
    return s->fast_pattern && s->fast_pattern_buf == VG_BUF_PAYLOAD &&
           (s->flags & VG_SIGX_REQUIRE_PACKET);
}

/* File a sig that needs the packet by how much of it can hold its match
 * (vg_sgroup.pkt_sigs). */
static int pkt_sig_add(vg_sgroup *g, vg_sig *s)
{
    uint32_t bound = vg_sig_dsize_upper(s);
    int k = VG_PKT_SMALL;
    if (bound > PKT_BOUND_LIMIT) {
        k = VG_PKT_PREFIX;
        bound = vg_payload_fp_end(s);
        uint32_t aend;
        vg_sm *a = bound > PKT_BOUND_LIMIT ? vg_payload_anchor(s, &aend) : NULL;
        if (a && aend <= PKT_BOUND_LIMIT) {
            /* a content anchored near the start ("MZ"; startswith) stands in
             * for a fast pattern that can be anywhere: a copy of the sig
             * (same id) whose prefilter pattern it is */
            vg_sig *sh = malloc(sizeof *sh);
            if (!sh)
                return VG_ENOMEM;
            *sh = *s;
            sh->fast_pattern = a;
            g->pkt_shadows[g->npkt_shadows++] = sh;
            s = sh;
            bound = aend;
        } else if (bound > PKT_BOUND_LIMIT) {
            k = VG_PKT_ANY;
        }
    }
    g->pkt_sigs[k][g->npkt_sigs[k]++] = s;
    if (k != VG_PKT_ANY && bound > g->pkt_max[k])
        g->pkt_max[k] = bound;
    return VG_OK;
}

/* Build a group from sig list (takes ownership of sigs[]); a pkt_only
 * group holds only the databases of its sigs that need the packet (the
 * bucket's packet sets: vg_bucket.pk_any). */
static int group_build(vg_detect *de, vg_sig **sigs, uint32_t n, bool pkt_only, vg_sgroup **out,
                       char *errbuf)
{
    vg_sgroup *g = calloc(1, sizeof(*g));
    if (!g) {
        free(sigs);
        return vg_err(errbuf, VG_ENOMEM, "out of memory");
    }
    g->sigs = sigs;
    g->nsigs = n;
    g->always = calloc(n ? n : 1, sizeof(vg_sig *));
    g->always_app = calloc(n ? n : 1, sizeof(vg_sig *));
    g->pkt_shadows = pkt_only ? calloc(n ? n : 1, sizeof(vg_sig *)) : NULL;
    bool ok = g->always && g->always_app && (!pkt_only || g->pkt_shadows);
    for (int k = 0; k < VG_PKT_KINDS; k++)
        ok = ok && (g->pkt_sigs[k] = calloc(n ? n : 1, sizeof(vg_sig *)));
    if (!ok || add_group(de, g) != VG_OK) {
        vg_sgroup_free(g);
        return vg_err(errbuf, VG_ENOMEM, "out of memory");
    }
    bool used[VG_BUF_APP_FIRST] = {false};
    for (uint32_t i = 0; i < n; i++) {
        const vg_sig *s = sigs[i];
        if (pkt_only) {
            if (sig_packet_fp(s) && pkt_sig_add(g, sigs[i]) != VG_OK) {
                vg_sgroup_free(g);
                return vg_err(errbuf, VG_ENOMEM, "out of memory");
            }
            continue;
        }
        if (s->fast_pattern && prefilter_buf(s->fast_pattern_buf))
            used[s->fast_pattern_buf] = true;
        else if (sig_needs_app(s) && vg_app_sig_pf_eligible(s) && s->id < de->nsigs) {
            if (!g->app_pf_bits && !(g->app_pf_bits = calloc((de->nsigs + 63) / 64, sizeof(uint64_t)))) {
                vg_sgroup_free(g);
                return vg_err(errbuf, VG_ENOMEM, "out of memory");
            }
            g->app_pf_bits[s->id / 64] |= 1ull << (s->id % 64);
            g->has_app_pf = true;
        } else if (sig_needs_app(s))
            g->always_app[g->nalways_app++] = sigs[i];
        else
            g->always[g->nalways++] = sigs[i];
    }
    if (g->nalways_app > 1)
        qsort(g->always_app, g->nalways_app, sizeof(vg_sig *), alproto_cmp);
    /* databases are compiled later, in parallel (compile_mpms) */
    for (int b = 0; b < VG_BUF_APP_FIRST; b++)
        g->want_mpm[b] = used[b];
    for (int k = 0; k < VG_PKT_KINDS; k++)
        g->want_mpm[VG_MPM_PKT + k] = g->npkt_sigs[k] > 0;
    *out = g;
    return VG_OK;
}

typedef struct mpm_job {
    vg_sgroup *g;
    uint16_t buf;
    int rc;
    char err[VG_ERRBUF_SIZE];
} mpm_job;

static int job_cmp(const void *a, const void *b)
{
    const mpm_job *x = *(mpm_job *const *)a, *y = *(mpm_job *const *)b;
    if (x->g->nsigs != y->g->nsigs)
        return x->g->nsigs > y->g->nsigs ? -1 : 1;
    return x < y ? -1 : x > y;
}

/* Build job order[i] (a vg_mpm_build_parallel step). */
static void mpm_build_job(void *arg, uint32_t i)
{
    mpm_job *j = ((mpm_job **)arg)[i];
    if (j->buf >= VG_MPM_PKT)
        j->rc = vg_mpm_build(&j->g->mpm[j->buf], j->g->pkt_sigs[j->buf - VG_MPM_PKT],
                             j->g->npkt_sigs[j->buf - VG_MPM_PKT], VG_BUF_PAYLOAD, j->err);
    else
        j->rc = vg_mpm_build(&j->g->mpm[j->buf], j->g->sigs, j->g->nsigs, j->buf, j->err);
}

/* Compile every wanted database, largest groups first, on up to 4 threads
 * (Hyperscan compilation is thread-safe); indexes are assigned in group
 * order afterwards, so the result does not depend on scheduling. */
static int compile_mpms(vg_detect *de, char *errbuf)
{
    uint32_t n = 0;
    for (uint32_t i = 0; i < de->nall_groups; i++)
        for (int b = 0; b < VG_MPM_SLOTS; b++)
            n += de->all_groups[i]->want_mpm[b];
    if (n == 0)
        return VG_OK;
    mpm_job *jobs = calloc(n, sizeof(mpm_job));
    if (!jobs)
        return vg_err(errbuf, VG_ENOMEM, "out of memory");
    uint32_t k = 0;
    for (uint32_t i = 0; i < de->nall_groups; i++)
        for (int b = 0; b < VG_MPM_SLOTS; b++)
            if (de->all_groups[i]->want_mpm[b]) {
                jobs[k].g = de->all_groups[i];
                jobs[k].buf = (uint16_t)b;
                k++;
            }
    /* the biggest databases first, so the threads finish together; the
     * order of indexes below stays the group order */
    mpm_job **order = malloc(n * sizeof(*order));
    if (!order) {
        free(jobs);
        return vg_err(errbuf, VG_ENOMEM, "out of memory");
    }
    for (uint32_t i = 0; i < n; i++)
        order[i] = &jobs[i];
    qsort(order, n, sizeof(*order), job_cmp);
    vg_mpm_build_parallel(n, mpm_build_job, order);
    int rc = VG_OK;
    for (uint32_t i = 0; i < n && !rc; i++) {
        mpm_job *j = &jobs[i];
        if (j->rc) {
            rc = vg_err(errbuf, j->rc, "%s", j->err);
            break;
        }
        if ((rc = add_mpm(de, j->g->mpm[j->buf], &j->g->mpm_idx[j->buf])))
            vg_err(errbuf, rc, "out of memory");
    }
    free(order);
    free(jobs);
    return rc;
}


static int idvec_push(idvec *v, uint32_t id)
{
    if (v->n == v->cap) {
        uint32_t nc = v->cap ? v->cap * 2 : 8;
        uint32_t *n = realloc(v->v, nc * sizeof(*n));
        if (!n)
            return VG_ENOMEM;
        v->v = n;
        v->cap = nc;
    }
    v->v[v->n++] = id;
    return VG_OK;
}

static uint64_t idvec_hash(const idvec *v)
{
    uint64_t h = 1469598103934665603ull;
    for (uint32_t i = 0; i < v->n; i++)
        h = (h ^ v->v[i]) * 1099511628211ull;
    return h ^ v->n;
}

/* A group of the sigs of v (a port_groups_build maker). */
static int list_group(vg_detect *de, const idvec *v, void *arg, vg_sgroup **out, char *errbuf)
{
    (void)arg;
    vg_sig **sl = malloc(v->n * sizeof(*sl));
    if (!sl)
        return vg_err(errbuf, VG_ENOMEM, "out of memory");
    for (uint32_t k = 0; k < v->n; k++)
        sl[k] = de->sigs[v->v[k]];
    return group_build(de, sl, v->n, false, out, errbuf);
}

typedef int (*group_maker)(vg_detect *de, const idvec *v, void *arg, vg_sgroup **out,
                           char *errbuf);

#define PORT_GROUPS_MAX 511 /* distinct port lists per bucket (a 1,024-slot table) */

/* Groups for per-port sig lists, one per distinct list (made by make):
 * *map gets 65536 indexes into *groups (0: no group; [0] unused).  Past
 * PORT_GROUPS_MAX distinct lists the build fails with VG_ELIMIT. */
static int port_groups_build(vg_detect *de, const idvec *per, uint16_t **map, vg_sgroup ***groups,
                             uint32_t *ngroups, group_maker make, void *arg, const char *what,
                             char *errbuf)
{
    const uint32_t hcap = 1024;
    *map = calloc(65536, sizeof(uint16_t));
    *groups = calloc(PORT_GROUPS_MAX + 1, sizeof(vg_sgroup *));
    uint64_t *hk = calloc(hcap, sizeof(*hk));       /* list hash | 1, 0: free slot */
    uint32_t *hv = calloc(hcap, sizeof(*hv));       /* slot -> group index */
    uint32_t *rep = calloc(PORT_GROUPS_MAX + 1, sizeof(*rep)); /* group -> a port with its list */
    int rc = VG_OK;
    if (!*map || !*groups || !hk || !hv || !rep)
        rc = vg_err(errbuf, VG_ENOMEM, "out of memory");
    *ngroups = 1;
    for (uint32_t port = 0; port < 65536 && !rc; port++) {
        const idvec *v = &per[port];
        if (!v->n)
            continue;
        uint64_t h = idvec_hash(v) | 1;
        uint32_t j = (uint32_t)h & (hcap - 1);
        for (; hk[j]; j = (j + 1) & (hcap - 1))
            if (hk[j] == h && per[rep[hv[j]]].n == v->n &&
                memcmp(per[rep[hv[j]]].v, v->v, v->n * sizeof(uint32_t)) == 0)
                break;
        if (!hk[j]) {
            if (*ngroups > PORT_GROUPS_MAX) {
                rc = vg_err(errbuf, VG_ELIMIT, "too many %s", what);
                break;
            }
            if ((rc = make(de, v, arg, &(*groups)[*ngroups], errbuf)) != VG_OK)
                break;
            hk[j] = h;
            hv[j] = *ngroups;
            rep[(*ngroups)++] = port;
        }
        (*map)[port] = (uint16_t)hv[j];
    }
    free(hk);
    free(hv);
    free(rep);
    return rc;
}

static int bucket_build(vg_detect *de, int pb, int dir, char *errbuf)
{
    vg_bucket *bk = &de->buckets[pb][dir];
    bool ports = pb == VG_PB_TCP || pb == VG_PB_UDP || pb == VG_PB_SCTP;
    idvec any = {0};
    idvec *per_port = NULL, *per_sp = NULL;
    int rc = VG_OK;
    uint16_t plist[PORT_GROUP_MAX_PORTS];
    uint32_t dirflag = dir == 0 ? VG_SIG_TOCLIENT : VG_SIG_TOSERVER; /* excluded */
    for (uint32_t i = 0; i < de->nsigs && !rc; i++) {
        vg_sig *s = de->sigs[i];
        if ((s->flags & (VG_SIG_IPONLY | VG_SIGX_CONFIG)) || !sig_in_bucket(s, pb) ||
            (s->flags & dirflag))
            continue;
        int np = -1;
        if (ports && !(s->flags & VG_SIG_BIDIR))
            np = vg_port_list(s->dp, plist, PORT_GROUP_MAX_PORTS);
        int nsp = -1;
        if (np <= 0 && ports && !(s->flags & VG_SIG_BIDIR) && sig_unfiltered(s))
            nsp = vg_port_list(s->sp, plist, PORT_GROUP_MAX_PORTS);
        if (nsp > 0) { /* any destination, a few sources: on those only */
            if (!per_sp && !(per_sp = calloc(65536, sizeof(idvec)))) {
                rc = VG_ENOMEM;
                break;
            }
            for (int k = 0; k < nsp && !rc; k++)
                rc = idvec_push(&per_sp[plist[k]], i);
            continue;
        }
        if (np <= 0) {
            rc = idvec_push(&any, i);
            continue;
        }
        if (!per_port && !(per_port = calloc(65536, sizeof(idvec)))) {
            rc = VG_ENOMEM;
            break;
        }
        for (int k = 0; k < np && !rc; k++)
            rc = idvec_push(&per_port[plist[k]], i);
    }
    if (!rc && per_sp)
        rc = port_sigs_build(&bk->by_sp, de, per_sp);
    if (rc) {
        free(any.v);
        goto out;
    }
    if (per_port) {
        /* Ports with few sigs are not worth a database of their own: their
         * sigs join the any group (the header check still applies). */
        uint8_t *to_any = calloc(de->nsigs ? de->nsigs : 1, 1);
        if (!to_any) {
            free(any.v);
            rc = vg_err(errbuf, VG_ENOMEM, "out of memory");
            goto out;
        }
        bool moved = false;
        for (uint32_t port = 0; port < 65536 && !rc; port++) {
            idvec *v = &per_port[port];
            if (v->n == 0 || v->n >= PORT_GROUP_MIN_SIGS)
                continue;
            uint32_t keep = 0; /* the unfiltered ones stay on the port */
            for (uint32_t k = 0; k < v->n; k++) {
                if (sig_unfiltered(de->sigs[v->v[k]]))
                    v->v[keep++] = v->v[k];
                else
                    to_any[v->v[k]] = 1;
            }
            v->n = keep;
            moved = true;
        }
        if (moved && !rc) {
            idvec *pa = calloc(65536, sizeof(idvec));
            if (!pa)
                rc = VG_ENOMEM;
            for (uint32_t port = 0; port < 65536 && !rc; port++) {
                idvec *v = &per_port[port];
                if (v->n == 0 || v->n >= PORT_GROUP_MIN_SIGS)
                    continue;
                pa[port] = *v;
                *v = (idvec){0};
            }
            if (!rc)
                rc = port_sigs_build(&bk->by_dp, de, pa);
            for (uint32_t port = 0; pa && port < 65536; port++)
                free(pa[port].v);
            free(pa);
        }
        if (moved) {
            for (uint32_t k = 0; k < any.n; k++)
                to_any[any.v[k]] = 1;
            any.n = 0;
            for (uint32_t i = 0; i < de->nsigs && !rc; i++)
                if (to_any[i])
                    rc = idvec_push(&any, i);
        }
        free(to_any);
        if (rc) {
            free(any.v);
            goto out;
        }
    }
    if (any.n) {
        vg_sig **sl = malloc(any.n * sizeof(*sl));
        if (!sl) {
            free(any.v);
            rc = vg_err(errbuf, VG_ENOMEM, "out of memory");
            goto out;
        }
        for (uint32_t k = 0; k < any.n; k++)
            sl[k] = de->sigs[any.v[k]];
        rc = group_build(de, sl, any.n, false, &bk->any, errbuf);
    }
    free(any.v);
    if (rc || !per_port)
        goto out;
    rc = port_groups_build(de, per_port, &bk->port_group, &bk->groups, &bk->ngroups, list_group,
                           NULL, "port groups", errbuf);
out:
    for (int t = 0; t < 2; t++) {
        idvec *v = t ? per_sp : per_port;
        for (uint32_t port = 0; v && port < 65536; port++)
            free(v[port].v);
        free(v);
    }
    return rc;
}

/* A packet-only group of the sigs of b and of *arg (an idvec), both
 * ascending, merged (a port_groups_build maker; b may be NULL). */
static int pkt_group_of(vg_detect *de, const idvec *b, void *arg, vg_sgroup **out, char *errbuf)
{
    const idvec *a = arg;
    uint32_t n = a->n + (b ? b->n : 0), i = 0, j = 0, k = 0;
    vg_sig **sl = malloc((n ? n : 1) * sizeof(*sl));
    if (!sl)
        return vg_err(errbuf, VG_ENOMEM, "out of memory");
    while (i < a->n || (b && j < b->n)) {
        uint32_t x = i < a->n ? a->v[i] : UINT32_MAX, y = b && j < b->n ? b->v[j] : UINT32_MAX;
        sl[k++] = de->sigs[x < y ? x : y];
        i += x <= y;
        j += y <= x;
    }
    return group_build(de, sl, k, true, out, errbuf);
}

/* The TCP bucket's packet sets: the sigs that need the packet (they are
 * scanned for in each stream-added packet) by server-side port, each
 * port's set holding the port-independent ones too, so that a packet meets
 * one set.  A server's answers from port 80 are not scanned for the
 * packet sigs of servers on 443, 445 or 53. */
static int pkt_sets_build(vg_detect *de, int dir, char *errbuf)
{
    vg_bucket *bk = &de->buckets[VG_PB_TCP][dir];
    uint32_t dirflag = dir == 0 ? VG_SIG_TOCLIENT : VG_SIG_TOSERVER; /* excluded */
    uint16_t plist[PORT_GROUP_MAX_PORTS];
    idvec any = {0};
    idvec *per = NULL;
    int rc = VG_OK;
    for (uint32_t i = 0; i < de->nsigs && !rc; i++) {
        const vg_sig *s = de->sigs[i];
        if ((s->flags & (VG_SIG_IPONLY | VG_SIGX_CONFIG | dirflag)) || !sig_in_bucket(s, VG_PB_TCP) ||
            !sig_packet_fp(s))
            continue;
        int np = (s->flags & VG_SIG_BIDIR) ? -1
                 : vg_port_list(dir == 0 ? s->dp : s->sp, plist, PORT_GROUP_MAX_PORTS);
        if (np <= 0) {
            rc = idvec_push(&any, i);
            continue;
        }
        if (!per && !(per = calloc(65536, sizeof(idvec))))
            rc = VG_ENOMEM;
        for (int k = 0; k < np && !rc; k++)
            rc = idvec_push(&per[plist[k]], i);
    }
    if (!rc && any.n)
        rc = pkt_group_of(de, NULL, &any, &bk->pk_any, errbuf);
    if (rc || !per)
        goto out;
    rc = port_groups_build(de, per, &bk->pk_port, &bk->pk_groups, &bk->npk_groups, pkt_group_of,
                           &any, "packet sig port sets", errbuf);
out:
    if (rc == VG_ENOMEM)
        vg_err(errbuf, rc, "out of memory");
    free(any.v);
    for (uint32_t port = 0; per && port < 65536; port++)
        free(per[port].v);
    free(per);
    return rc;
}

int vg_detect_build(vg_detect *de, char *errbuf)
{
    extern const vg_keyword vg_kw_threshold, vg_kw_detection_filter;
    uint32_t n = de->nsigs;
    order_ent *oe = calloc(n ? n : 1, sizeof(*oe));
    if (!oe)
        return vg_err(errbuf, VG_ENOMEM, "out of memory");
    static const uint32_t fb_rank[4] = {3, 2, 0, 1}; /* none, read, set, set+read */
    for (uint32_t i = 0; i < n; i++) {
        vg_sig *s = de->sigs[i];
        uint32_t fbt = s->id & 3;
        oe[i].s = s;
        oe[i].key0 = (s->flags & VG_SIGX_CONFIG) ? 9 : de->action_rank[primary_action_bit(s)];
        oe[i].key1 = fb_rank[fbt];
        oe[i].key2 = (uint32_t)s->prio;
        oe[i].idx = i;
    }
    qsort(oe, n, sizeof(*oe), order_cmp);
    for (uint32_t i = 0; i < n; i++) {
        de->sigs[i] = oe[i].s;
        de->sigs[i]->id = i;
    }
    free(oe);
    /* the gid:sid index now points at stale positions */
    vg_detect_reindex(de);

    de->sig_thr = calloc(n ? n : 1, sizeof(*de->sig_thr));
    de->iponly_sigs = calloc(n ? n : 1, sizeof(vg_sig *));
    de->event_sigs = calloc(n ? n : 1, sizeof(vg_sig *));
    if (!de->sig_thr || !de->iponly_sigs || !de->event_sigs)
        return vg_err(errbuf, VG_ENOMEM, "out of memory");
    for (uint32_t i = 0; i < n; i++) {
        vg_sig *s = de->sigs[i];
        vg_payload_choose_fast_pattern(s);
        if (vg_app_sig_has_tx(s))
            s->flags |= VG_SIGX_APP_TX;
        for (const vg_sm *sm = s->lists[VG_LIST_MATCH]; sm; sm = sm->next)
            if (vg_app_match_dir(sm->kw) >= 0)
                s->flags |= VG_SIGX_MATCH_TX;
        for (const vg_sm *sm = s->lists[VG_LIST_POSTMATCH]; sm; sm = sm->next)
            if (sm->kw == &vg_kw_threshold || sm->kw == &vg_kw_detection_filter)
                de->sig_thr[i] = sm->ctx;
        if (is_iponly(s)) {
            s->flags |= VG_SIG_IPONLY;
            de->iponly_sigs[de->niponly++] = s;
        }
        if (s->flags & VG_SIGX_NEED_EVENTS)
            de->event_sigs[de->nevent++] = s;
        if (s->flags & VG_SIGX_STREAM_SIZE)
            de->track_seq = true;
    }
    de->al_http = (uint16_t)vg_alproto_lookup("http");
    de->al_http1 = (uint16_t)vg_alproto_lookup("http1");
    de->al_http2 = (uint16_t)vg_alproto_lookup("http2");
    de->al_failed = (uint16_t)vg_alproto_lookup("failed");
    if (vg_iponly_build(de) != VG_OK)
        return vg_err(errbuf, VG_ENOMEM, "out of memory");
    for (int pb = 0; pb < VG_PB_MAX; pb++)
        for (int d = 0; d < 2; d++) {
            int rc = bucket_build(de, pb, d, errbuf);
            if (!rc && pb == VG_PB_TCP)
                rc = pkt_sets_build(de, d, errbuf);
            if (rc)
                return rc;
        }
    return compile_mpms(de, errbuf);
}

