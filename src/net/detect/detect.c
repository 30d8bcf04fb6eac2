/*
 * detect.c: loading a rule set, grouping signatures, and the per-packet
 * detection loop.
 *
 * Load: classification/reference/threshold files, rule files (-S files, or
 * default-rule-path + rule-files), then build (sgroup.c): order the sigs (action order,
 * flowbits setters before readers, priority, file order: Suricata's order,
 * which is also the alert order), choose each sig's fast pattern, split off
 * ip-only sigs, and group the rest by protocol (tcp, udp, icmp, icmpv6,
 * sctp, other), direction (to server / to client) and destination port:
 * sigs with a small set of destination ports go to per-port groups, the
 * others to the bucket's "any" group.  Each group has one Hyperscan
 * database per packet-level buffer holding its sigs' fast patterns; sigs
 * without one are "always" candidates of the group.
 *
 * Per packet: ip-only sigs are candidates on the first packet of each flow
 * direction (and every packet without a flow); the bucket's any group and
 * the port group of p->dp are scanned over the packet payload and over the
 * stream chunk; candidates are evaluated in sig order: header, MATCH list,
 * buffer lists (vg_payload_inspect), then POSTMATCH side effects; a pass
 * sig stops the packet (and the flow); thresholds and suppressions gate the
 * alert; alerts go to p->alerts sorted by sig order, at most
 * VG_PKT_MAX_ALERTS (the rest are counted in p->alerts_dropped).
 *
 * Stream vs packet (Suricata's rules): tcp-pkt / dsize / flow:no_stream
 * sigs inspect the packet payload only; tcp-stream and flow:only_stream
 * sigs the stream only; other TCP sigs inspect the stream chunk first and
 * fall back to the packet payload only when the packet was not added to a
 * reassembled stream.  A match on the stream sets VG_ALERT_STREAM and the
 * alert carries a copy of the chunk's data.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <time.h>

#include "core/log.h"
#include "net/detect/detect_int.h"
#include "net/app/app_detect.h" /* app-layer hook: per-transaction inspection */

#define STREAM_COPY_MAX (1u << 20)
#define PKT_PRECHECK_MAX 16 /* packet kinds this small are checked sig by sig before a scan */

/* ---- rule set ----------------------------------------------------------- */

int vg_detect_new(vg_detect **out, const vg_conf *conf)
{
    vg_detect *de = calloc(1, sizeof(*de));
    if (!de)
        return VG_ENOMEM;
    de->conf = conf;
    /* default action order: pass, drop, reject, alert */
    de->action_rank[0] = 3; /* alert  (bit 0) */
    de->action_rank[1] = 1; /* drop   (bit 1) */
    de->action_rank[2] = 2; /* reject (bit 2) */
    de->action_rank[3] = 0; /* pass   (bit 3) */
    *out = de;
    return VG_OK;
}

void vg_detect_note_failure(vg_detect *de, const char *reason)
{
    for (uint32_t i = 0; i < de->nfail_reasons; i++)
        if (strcmp(de->fail_reasons[i].reason, reason) == 0) {
            de->fail_reasons[i].count++;
            return;
        }
    if (de->nfail_reasons >= 4096)
        return;
    if (de->nfail_reasons == de->cap_fail_reasons) {
        uint32_t nc = de->cap_fail_reasons ? de->cap_fail_reasons * 2 : 32;
        void *n = realloc(de->fail_reasons, nc * sizeof(*de->fail_reasons));
        if (!n)
            return;
        de->fail_reasons = n;
        de->cap_fail_reasons = nc;
    }
    char *r = strdup(reason);
    if (!r)
        return;
    de->fail_reasons[de->nfail_reasons].reason = r;
    de->fail_reasons[de->nfail_reasons].count = 1;
    de->nfail_reasons++;
}

static uint32_t key_hash(uint64_t k)
{
    k ^= k >> 33;
    k *= 0xff51afd7ed558ccdull;
    k ^= k >> 33;
    return (uint32_t)k;
}

static int sid_index_grow(vg_detect *de)
{
    uint32_t nc = de->sidcap ? de->sidcap * 2 : 1024;
    uint64_t *nk = calloc(nc, sizeof(*nk));
    uint32_t *ni = calloc(nc, sizeof(*ni));
    if (!nk || !ni) {
        free(nk);
        free(ni);
        return VG_ENOMEM;
    }
    for (uint32_t i = 0; i < de->sidcap; i++) {
        if (!de->sidkey[i])
            continue;
        uint32_t j = key_hash(de->sidkey[i]) & (nc - 1);
        while (nk[j])
            j = (j + 1) & (nc - 1);
        nk[j] = de->sidkey[i];
        ni[j] = de->sididx[i];
    }
    free(de->sidkey);
    free(de->sididx);
    de->sidkey = nk;
    de->sididx = ni;
    de->sidcap = nc;
    return VG_OK;
}

/* Slot for gid:sid (existing or empty). */
static uint32_t sid_slot(const vg_detect *de, uint64_t key)
{
    uint32_t j = key_hash(key) & (de->sidcap - 1);
    while (de->sidkey[j] && de->sidkey[j] != key)
        j = (j + 1) & (de->sidcap - 1);
    return j;
}

void vg_detect_reindex(vg_detect *de)
{
    if (!de->sidcap)
        return;
    memset(de->sidkey, 0, de->sidcap * sizeof(*de->sidkey));
    for (uint32_t i = 0; i < de->nsigs; i++) {
        uint64_t key = ((uint64_t)de->sigs[i]->gid << 32) | de->sigs[i]->sid | (1ull << 63);
        uint32_t slot = sid_slot(de, key);
        de->sidkey[slot] = key;
        de->sididx[slot] = i;
    }
}

int vg_detect_add_sig(vg_detect *de, vg_sig *s, int flowbits_type, char *errbuf)
{
    if ((de->nsigs + 1) * 2 > de->sidcap && sid_index_grow(de) != VG_OK) {
        vg_sig_free(s);
        return vg_err(errbuf, VG_ENOMEM, "out of memory");
    }
    uint64_t key = ((uint64_t)s->gid << 32) | s->sid | (1ull << 63);
    uint32_t slot = sid_slot(de, key);
    /* stash the flowbits type in the sig's id until build() assigns ids */
    s->id = (uint32_t)flowbits_type;
    if (de->sidkey[slot]) {
        vg_sig *old = de->sigs[de->sididx[slot]];
        if (s->rev > old->rev) {
            vg_warn("%s:%d: gid %u sid %u rev %u replaces rev %u (%s:%d)", s->file ? s->file : "",
                    s->line, s->gid, s->sid, s->rev, old->rev, old->file ? old->file : "",
                    old->line);
            de->sigs[de->sididx[slot]] = s;
            vg_sig_free(old);
            de->stats.rules_failed++;
            return VG_OK;
        }
        uint32_t g = s->gid, id = s->sid;
        vg_sig_free(s);
        return vg_err(errbuf, VG_EINVAL, "duplicate signature gid %u sid %u", g, id);
    }
    if (de->nsigs == de->capsigs) {
        uint32_t nc = de->capsigs ? de->capsigs * 2 : 256;
        vg_sig **ns = realloc(de->sigs, nc * sizeof(*ns));
        if (!ns) {
            vg_sig_free(s);
            return vg_err(errbuf, VG_ENOMEM, "out of memory");
        }
        de->sigs = ns;
        de->capsigs = nc;
    }
    de->sidkey[slot] = key;
    de->sididx[slot] = de->nsigs;
    de->sigs[de->nsigs++] = s;
    de->stats.rules_loaded++;
    return VG_OK;
}

int vg_detect_add_rule(vg_detect *de, const char *text, char *errbuf)
{
    vg_sig *s;
    int fbt = 0;
    int rc = vg_rule_parse(de, text, "(rule)", 1, &s, &fbt, errbuf);
    if (rc) {
        de->stats.rules_failed++;
        return rc;
    }
    rc = vg_detect_add_sig(de, s, fbt, errbuf);
    if (rc)
        de->stats.rules_failed++;
    return rc;
}

const vg_sig *vg_detect_sig_by_sid(const vg_detect *de, uint32_t sid)
{
    for (uint32_t i = 0; i < de->nsigs; i++)
        if (de->sigs[i]->sid == sid)
            return de->sigs[i];
    return NULL;
}

const vg_detect_stats *vg_detect_get_stats(const vg_detect *de)
{
    return &de->stats;
}

void vg_detect_free(vg_detect *de)
{
    if (!de)
        return;
    for (uint32_t i = 0; i < de->nsigs; i++)
        vg_sig_free(de->sigs[i]);
    free(de->sigs);
    for (int k = 0; k < VG_NAME_KINDS; k++) {
        for (uint32_t i = 0; i < de->names[k].n; i++)
            free(de->names[k].v[i]);
        free(de->names[k].v);
        free(de->names[k].hash);
    }
    for (uint32_t i = 0; i < de->nclasses; i++) {
        free(de->classes[i].name);
        free(de->classes[i].desc);
    }
    free(de->classes);
    for (uint32_t i = 0; i < de->nrefs; i++) {
        free(de->refs[i].name);
        free(de->refs[i].url);
    }
    free(de->refs);
    free(de->thr_conf);
    for (uint32_t i = 0; i < de->nsuppress; i++)
        vg_addrset_clear(&de->suppress[i].addrs);
    free(de->suppress);
    vg_addr_cache_free(de);
    for (uint32_t i = 0; i < de->nall_groups; i++)
        vg_sgroup_free(de->all_groups[i]);
    free(de->all_groups);
    for (int p = 0; p < VG_PB_MAX; p++)
        for (int d = 0; d < 2; d++) {
            free(de->buckets[p][d].port_group);
            free(de->buckets[p][d].groups);
            free(de->buckets[p][d].by_dp.off);
            free(de->buckets[p][d].by_dp.sigs);
            free(de->buckets[p][d].by_sp.off);
            free(de->buckets[p][d].by_sp.sigs);
            free(de->buckets[p][d].pk_port);
            free(de->buckets[p][d].pk_groups);
        }
    free(de->sig_thr);
    free(de->sidkey);
    free(de->sididx);
    vg_iponly_free(de);
    free(de->iponly_sigs);
    free(de->event_sigs);
    free(de->mpms);
    for (uint32_t i = 0; i < de->nfail_reasons; i++)
        free(de->fail_reasons[i].reason);
    free(de->fail_reasons);
    free(de);
}

/* ---- load ------------------------------------------------------------------- */

static void load_action_order(vg_detect *de)
{
    const vg_conf_node *n = de->conf ? vg_conf_node_get(de->conf, "action-order") : NULL;
    if (!n || !n->child)
        return;
    uint8_t rank[4];
    bool seen[4] = {false};
    int r = 0;
    for (const vg_conf_node *c = n->child; c && r < 4; c = c->next) {
        if (!c->value)
            continue;
        int bit = strcmp(c->value, "alert") == 0    ? 0
                  : strcmp(c->value, "drop") == 0   ? 1
                  : strcmp(c->value, "reject") == 0 ? 2
                  : strcmp(c->value, "pass") == 0   ? 3
                                                    : -1;
        if (bit < 0 || seen[bit]) {
            vg_warn("%s:%d: action-order: ignoring \"%s\"", c->file ? c->file : "", c->line,
                    c->value);
            continue;
        }
        seen[bit] = true;
        rank[bit] = (uint8_t)r++;
    }
    if (r == 4)
        memcpy(de->action_rank, rank, 4);
    else
        vg_warn("action-order must list pass, drop, reject and alert; using the default");
}

static int load_rule_file(vg_detect *de, const char *path, bool must_exist, char *errbuf)
{
    int rc = vg_rule_load_file(de, path, errbuf);
    if (rc == VG_EIO && !must_exist) {
        vg_warn("%s", errbuf);
        return VG_OK;
    }
    return rc;
}

static int fail_cmp(const void *a, const void *b)
{
    const struct vg_fail_reason *x = a, *y = b;
    return x->count < y->count ? 1 : x->count > y->count ? -1 : strcmp(x->reason, y->reason);
}

int vg_detect_load(vg_detect **out, const vg_conf *conf, const char *const *rule_files,
                   bool errors_fatal, char *errbuf)
{
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    *out = NULL;
    vg_detect *de;
    if (vg_detect_new(&de, conf) != VG_OK)
        return vg_err(errbuf, VG_ENOMEM, "out of memory");
    de->errors_fatal = errors_fatal;
    int rc = VG_OK;
    char err[VG_ERRBUF_SIZE];

    const char *cf = conf ? vg_conf_get(conf, "classification-file") : NULL;
    /* A missing file (Suricata's default paths on a host without Suricata)
     * falls back to the built-in tables, which equal data/classification.config and data/reference.config. */
    if (!cf || vg_class_load_file(de, cf, err) != VG_OK || de->nclasses == 0) {
        /* Absent (the usual case without Suricata installed) is not worth a
         * warning; present but unreadable or empty is. */
        if (cf && access(cf, F_OK) == 0)
            vg_notice("classification-file %s could not be loaded; using the built-in table", cf);
        else if (cf)
            vg_info("classification-file %s absent; using the built-in table", cf);
        vg_class_load_builtin(de); /* also loads the built-in references */
    }
    const char *rf = conf ? vg_conf_get(conf, "reference-config-file") : NULL;
    if (rf) {
        if (vg_refconf_load_file(de, rf, err) != VG_OK) {
            if (access(rf, F_OK) == 0)
                vg_notice("%s; using the built-in references", err);
            else
                vg_info("%s; using the built-in references", err);
        }
    }
    if (de->nrefs == 0) {
        /* make sure the defaults are there when no file gave any */
        vg_detect *tmp;
        if (vg_detect_new(&tmp, NULL) == VG_OK) {
            vg_class_load_builtin(tmp);
            de->refs = tmp->refs;
            de->nrefs = tmp->nrefs;
            tmp->refs = NULL;
            tmp->nrefs = 0;
            vg_detect_free(tmp);
        }
    }
    const char *tf = conf ? vg_conf_get(conf, "threshold-file") : NULL;
    if (tf) {
        rc = vg_threshold_conf_load(de, tf, err);
        if (rc == VG_EIO) {
            vg_warn("%s", err);
            rc = VG_OK;
        } else if (rc) {
            vg_err(errbuf, rc, "%s", err);
            goto fail;
        }
    }
    load_action_order(de);

    if (rule_files && rule_files[0]) {
        for (const char *const *f = rule_files; *f && !rc; f++)
            rc = load_rule_file(de, *f, true, errbuf);
    } else if (conf) {
        const char *dir = vg_conf_get(conf, "default-rule-path");
        const vg_conf_node *rfn = vg_conf_node_get(conf, "rule-files");
        for (const vg_conf_node *c = rfn ? rfn->child : NULL; c && !rc; c = c->next) {
            if (!c->value)
                continue;
            char path[4096];
            if (c->value[0] == '/' || !dir)
                snprintf(path, sizeof(path), "%s", c->value);
            else
                snprintf(path, sizeof(path), "%s/%s", dir, c->value);
            rc = load_rule_file(de, path, false, errbuf);
        }
    }
    if (rc)
        goto fail;
    if ((rc = vg_detect_build(de, errbuf)))
        goto fail;
    if (de->nfail_reasons) {
        qsort(de->fail_reasons, de->nfail_reasons, sizeof(*de->fail_reasons), fail_cmp);
        char line[512];
        size_t o = 0;
        for (uint32_t i = 0; i < de->nfail_reasons && i < 8 && o < sizeof(line) - 64; i++)
            o += (size_t)snprintf(line + o, sizeof(line) - o, "%s%s (%u)", i ? ", " : "",
                                  de->fail_reasons[i].reason, de->fail_reasons[i].count);
        vg_notice("rules failed on unsupported keywords: %s", line);
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    de->stats.load_seconds = (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
    de->conf = NULL;
    *out = de;
    return VG_OK;
fail:
    vg_detect_free(de);
    return rc;
}

/* ---- threads ------------------------------------------------------------------ */

int vg_detect_thread_new(const vg_detect *de, vg_det_thread **out)
{
    vg_det_thread *dt = calloc(1, sizeof(*dt));
    if (!dt)
        return VG_ENOMEM;
    dt->de = de;
    uint32_t n = de->nsigs ? de->nsigs : 1;
    dt->cwords = (n + 63) / 64;
    dt->cbits = calloc(dt->cwords, sizeof(uint64_t));
    dt->mbits = calloc(dt->cwords, sizeof(uint64_t));
    dt->csum = calloc((dt->cwords + 63) / 64, sizeof(uint64_t));
    dt->app_union = calloc(dt->cwords, sizeof(uint64_t));
    dt->app_ulist = calloc(n, sizeof(uint32_t));
    dt->mlist = calloc(VG_MATCHED_MAX, sizeof(uint32_t));
    dt->scratch = calloc(de->nmpms ? de->nmpms : 1, sizeof(*dt->scratch));
    dt->thr = vg_thr_table_new(65536);
    dt->xbits = vg_xbit_table_new(65536);
    if (!dt->cbits || !dt->csum || !dt->mbits || !dt->app_union || !dt->app_ulist || !dt->mlist || !dt->scratch || !dt->thr ||
        !dt->xbits) {
        vg_detect_thread_free(dt);
        return VG_ENOMEM;
    }
    for (uint32_t i = 0; i < de->nmpms; i++) {
        if (vg_mpm_scratch_alloc(de->mpms[i], &dt->scratch[i]) != VG_OK) {
            vg_detect_thread_free(dt);
            return VG_ENOMEM;
        }
    }
    if (de->nsigs)
        vg_app_prefilter_prepare(dt); /* app-layer hook: its databases, now rather than mid-traffic */
    *out = dt;
    return VG_OK;
}

void vg_detect_thread_free(vg_det_thread *dt)
{
    if (!dt)
        return;
    vg_app_prefilter_free(dt->app_pf); /* app-layer hook */
    if (dt->scratch)
        for (uint32_t i = 0; i < dt->de->nmpms; i++)
            vg_mpm_scratch_free(dt->scratch[i]);
    free(dt->scratch);
    free(dt->cbits);
    free(dt->csum);
    free(dt->mbits);
    free(dt->app_union);
    free(dt->app_ulist);
    free(dt->mlist);
    vg_thr_table_free(dt->thr);
    vg_xbit_table_free(dt->xbits);
    vg_inspect_ctx_release(&dt->ic);
    free(dt);
}

void vg_detect_flow_free(void *detect_state)
{
    vg_det_flow *df = detect_state;
    if (!df)
        return;
    free(df->bits);
    free(df->ints);
    free(df->ints_set);
    free(df->thr);
    free(df);
}

/* ---- per packet -------------------------------------------------------------- */

static void cand_add(vg_det_thread *dt, const vg_sig *s)
{
    uint32_t w = s->id / 64;
    dt->cbits[w] |= 1ull << (s->id % 64);
    dt->csum[w / 64] |= 1ull << (w % 64);
}

static void cand_add_id(void *arg, uint32_t id)
{
    vg_det_thread *dt = arg;
    cand_add(dt, dt->de->sigs[id]);
}

/* Sigs that matched the packet being inspected: a later call for the same
 * packet (another stream chunk) re-evaluates only the others, so side
 * effects (flowbits, flowint) happen once per packet. */
static bool matched_test(const vg_det_thread *dt, uint32_t id)
{
    return (dt->mbits[id / 64] >> (id % 64)) & 1;
}

static void matched_set(vg_det_thread *dt, uint32_t id)
{
    dt->mbits[id / 64] |= 1ull << (id % 64);
    if (dt->mn < VG_MATCHED_MAX)
        dt->mlist[dt->mn++] = id;
    else
        dt->moverflow = true;
}

static void matched_reset(vg_det_thread *dt)
{
    if (dt->moverflow)
        memset(dt->mbits, 0, dt->cwords * sizeof(uint64_t));
    else
        for (uint32_t i = 0; i < dt->mn; i++)
            dt->mbits[dt->mlist[i] / 64] = 0;
    dt->mn = 0;
    dt->moverflow = false;
}

static void mpm_cb(const vg_sig *s, void *arg)
{
    cand_add(arg, s);
}

static bool has_ports(uint8_t proto)
{
    return proto == 6 || proto == 17 || proto == 132;
}

/* "http1"/"http2" rules also run on flows recognised as "http". */
static bool alproto_compatible(const vg_detect *de, uint16_t sig_al, uint16_t flow_al)
{
    return flow_al == de->al_http && (sig_al == de->al_http1 || sig_al == de->al_http2);
}

static bool header_ok(const vg_detect *de, const vg_sig *s, const vg_packet *p)
{
    if (p->ipver == 0) {
        if (!(s->flags & VG_SIGX_NEED_EVENTS) || s->proto || s->hdr_proto == VG_HDRPROTO_ICMP ||
            !s->src->any || !s->dst->any)
            return false;
        return true;
    }
    if ((s->flags & VG_SIGX_IPV4) && p->ipver != 4)
        return false;
    if ((s->flags & VG_SIGX_IPV6) && p->ipver != 6)
        return false;
    if (s->proto && p->proto != s->proto)
        return false;
    if (!s->proto && s->hdr_proto == VG_HDRPROTO_ICMP && p->proto != 1 && p->proto != 58)
        return false; /* "icmp": ICMPv4 or ICMPv6 */
    if (s->hdr_proto == VG_HDRPROTO_APP && p->proto != 6 && p->proto != 17)
        return false;
    if (s->alproto && (!p->flow || (p->flow->alproto != s->alproto &&
                                    !alproto_compatible(de, s->alproto, p->flow->alproto))))
        return false;
    if ((s->flags & VG_SIG_TOSERVER) && !(p->flags & VG_PKT_TOSERVER))
        return false;
    if ((s->flags & VG_SIG_TOCLIENT) && !(p->flags & VG_PKT_TOCLIENT))
        return false;
    bool ports = has_ports(p->proto);
    if (!ports && (!s->sp->any || !s->dp->any))
        return false;
    if (vg_addr_match(s->src, &p->src) && vg_addr_match(s->dst, &p->dst) &&
        (!ports || (vg_port_match(s->sp, p->sp) && vg_port_match(s->dp, p->dp))))
        return true;
    if ((s->flags & VG_SIG_BIDIR) && vg_addr_match(s->src, &p->dst) &&
        vg_addr_match(s->dst, &p->src) &&
        (!ports || (vg_port_match(s->sp, p->dp) && vg_port_match(s->dp, p->sp))))
        return true;
    return false;
}

/* Was this packet's payload queued for stream reassembly (so stream-capable
 * sigs see it as part of a chunk rather than as a packet)? */
static bool stream_added(const vg_packet *p)
{
    return (p->flags & VG_PKT_STREAM_ADD) != 0;
}

static void ic_reset(vg_inspect_ctx *ic, const vg_packet *p)
{
    memset(ic->vars, 0, sizeof(ic->vars));
    ic->p = p;
    ic->b64_len = 0;
    ic->steps = 0;
    ic->stream_offset = 0;
    ic->is_stream = false;
}

static int inspect_payload(vg_det_thread *dt, const vg_sig *s, const vg_sig_buf *b,
                           const vg_packet *p, const vg_stream_chunk *chunk, bool pkt_ok,
                           uint32_t *aflags)
{
    vg_inspect_ctx *ic = &dt->ic;
    if ((p->flags & VG_PKT_NOPAYLOAD_INSPECT) ||
        (p->flow && (p->flow->flags & VG_FLOW_NOPAYLOAD_INSPECT)))
        return 0;
    bool tcp_stream_sig = p->proto == 6 && !(s->flags & VG_SIGX_REQUIRE_PACKET);
    if (!tcp_stream_sig) {
        if (!pkt_ok || p->payload_len == 0)
            return 0;
        return vg_payload_inspect(ic, s, b, p->payload, p->payload_len);
    }
    if (chunk && chunk->len) {
        ic->is_stream = true;
        ic->stream_offset = chunk->offset;
        int r = vg_payload_inspect(ic, s, b, chunk->data, chunk->len);
        ic->is_stream = false;
        ic->stream_offset = 0;
        if (r == 1) {
            *aflags |= VG_ALERT_STREAM;
            return 1;
        }
    }
    if (!pkt_ok || (s->flags & VG_SIG_STREAM_ONLY) || stream_added(p) || p->payload_len == 0)
        return 0;
    return vg_payload_inspect(ic, s, b, p->payload, p->payload_len);
}

static bool hdr_buf(const vg_packet *p, uint16_t id, const uint8_t **d, uint32_t *n)
{
    switch (id) {
    case VG_BUF_IPV4_HDR:
        if (p->ipver != 4 || !p->ip)
            return false;
        *d = p->ip;
        *n = p->ip_hlen;
        return true;
    case VG_BUF_IPV6_HDR:
        /* the fixed header and the extension headers before L4 */
        if (p->ipver != 6 || !p->ip)
            return false;
        *d = p->ip;
        *n = p->ip_hlen >= 40 ? p->ip_hlen : 40;
        return true;
    case VG_BUF_TCP_HDR:
        if (p->proto != 6 || !p->l4)
            return false;
        break;
    case VG_BUF_UDP_HDR:
        if (p->proto != 17 || !p->l4)
            return false;
        break;
    case VG_BUF_ICMPV4_HDR:
        if (p->proto != 1 || !p->l4)
            return false;
        break;
    case VG_BUF_ICMPV6_HDR:
        if (p->proto != 58 || !p->l4)
            return false;
        break;
    default:
        return false;
    }
    *d = p->l4;
    *n = p->l4_hlen;
    return true;
}

static bool match_list_ok(vg_det_thread *dt, const vg_sig *s, vg_packet *p)
{
    vg_match_ctx mc = {dt, p, s};
    for (const vg_sm *sm = s->lists[VG_LIST_MATCH]; sm; sm = sm->next)
        if (!sm->kw->match || !sm->kw->match(&mc, sm))
            return false;
    return true;
}

enum { EVAL_ALL, EVAL_NO_HEADER, EVAL_BUFS }; /* what sig_eval_from still checks */

/* Evaluation of s on p (chunk: stream data in p's direction, or NULL;
 * pkt_ok: the packet payload may be inspected), from the stage given. */
static int sig_eval_from(vg_det_thread *dt, const vg_sig *s, vg_packet *p,
                         const vg_stream_chunk *chunk, bool pkt_ok, uint32_t *aflags, int from)
{
    if (from == EVAL_ALL && !header_ok(dt->de, s, p))
        return 0;
    if (from != EVAL_BUFS && !match_list_ok(dt, s, p))
        return 0;
    if (s->nbufs) {
        ic_reset(&dt->ic, p);
        for (int i = 0; i < s->nbufs; i++) {
            const vg_sig_buf *b = &s->bufs[i];
            int r;
            if (b->id == VG_BUF_PAYLOAD) {
                r = inspect_payload(dt, s, b, p, chunk, pkt_ok, aflags);
            } else if (b->id >= VG_BUF_APP_FIRST) {
                /* app-layer hook: the transaction's sticky buffer */
                r = dt->app_tx ? vg_app_inspect_buf(&dt->ic, s, b, p->flow, dt->app_tx) : 0;
            } else if (b->id == VG_BUF_BASE64_DATA) {
                r = dt->ic.b64_len ? vg_payload_inspect(&dt->ic, s, b, dt->ic.b64, dt->ic.b64_len)
                                   : 0;
            } else {
                const uint8_t *d;
                uint32_t n;
                if (!pkt_ok || !hdr_buf(p, b->id, &d, &n))
                    return 0;
                r = vg_payload_inspect(&dt->ic, s, b, d, n);
            }
            if (r != 1)
                return 0;
        }
    } else if (!pkt_ok && chunk) {
        /* a stream-only pass: sigs without payload were handled on the packet */
        return 0;
    }
    return 1;
}

static int sig_eval(vg_det_thread *dt, const vg_sig *s, vg_packet *p,
                    const vg_stream_chunk *chunk, bool pkt_ok, uint32_t *aflags)
{
    return sig_eval_from(dt, s, p, chunk, pkt_ok, aflags, EVAL_ALL);
}

static void run_postmatch(vg_det_thread *dt, vg_packet *p, const vg_sig *s)
{
    vg_match_ctx mc = {dt, p, s};
    for (const vg_sm *sm = s->lists[VG_LIST_POSTMATCH]; sm; sm = sm->next)
        if (sm->kw->match)
            sm->kw->match(&mc, sm);
}

static bool already_alerted(const vg_det_thread *dt, const vg_packet *p, const vg_sig *s)
{
    for (int i = 0; i < p->nalerts; i++)
        if (p->alerts[i].sig == s)
            return true;
    for (uint32_t i = 0; i < dt->npend; i++)
        if (dt->pend[i].s == s)
            return true;
    return false;
}


/* The group's app sigs without a prefilter whose alproto is al (always_app
 * is ordered by alproto). */
static void add_app_range(vg_det_thread *dt, const vg_sgroup *g, uint16_t al)
{
    uint32_t lo = 0, hi = g->nalways_app;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (g->always_app[mid]->alproto < al)
            lo = mid + 1;
        else
            hi = mid;
    }
    for (; lo < g->nalways_app && g->always_app[lo]->alproto == al; lo++)
        cand_add(dt, g->always_app[lo]);
}

/* May a sig of packet kind k of g match p, as far as its header and match
 * list tell (flow direction, flags, flowbits...)?  Checked before a scan
 * when the kind holds few sigs: one flowbit-gated sig or one sig for a port
 * the packet does not use would otherwise make every stream-added packet
 * of its set scanned. */
static bool pkt_kind_may_match(vg_det_thread *dt, const vg_sgroup *g, int k, vg_packet *p)
{
    if (g->npkt_sigs[k] > PKT_PRECHECK_MAX)
        return true;
    for (uint32_t i = 0; i < g->npkt_sigs[k]; i++) {
        const vg_sig *s = g->pkt_sigs[k][i];
        /* a match list that reads a transaction cannot be judged here */
        if (header_ok(dt->de, s, p) &&
            ((s->flags & (VG_SIGX_APP_TX | VG_SIGX_MATCH_TX)) || match_list_ok(dt, s, p)))
            return true;
    }
    return false;
}

/* A stream-added packet's payload meets the patterns of the sigs that
 * need the packet, as far as each kind of them can match. */
static void scan_pkt_sigs(vg_det_thread *dt, const vg_sgroup *g, vg_packet *p)
{
    for (int k = 0; k < VG_PKT_KINDS; k++) {
        const vg_mpm *m = g->mpm[VG_MPM_PKT + k];
        uint32_t n = p->payload_len;
        if (!m || (k == VG_PKT_SMALL && n > g->pkt_max[k]) || !pkt_kind_may_match(dt, g, k, p))
            continue;
        if (k == VG_PKT_PREFIX && n > g->pkt_max[k])
            n = g->pkt_max[k];
        vg_mpm_scan(m, dt->scratch[g->mpm_idx[VG_MPM_PKT + k]], p->payload, n, mpm_cb, dt);
    }
}

static void scan_group(vg_det_thread *dt, const vg_sgroup *g, const vg_packet *p,
                       const vg_stream_chunk *chunk, bool pkt_ok)
{
    if (!g)
        return;
    for (uint32_t i = 0; i < g->nalways; i++)
        cand_add(dt, g->always[i]);
    /* sigs that need app-layer state are candidates only on flows whose
     * protocol was recognised (and is theirs, when they name one) */
    uint16_t fal = p->flow ? p->flow->alproto : 0;
    const vg_detect *de = dt->de;
    if (g->nalways_app && fal && fal != de->al_failed) {
        add_app_range(dt, g, 0);
        add_app_range(dt, g, fal);
        if (fal == de->al_http) {
            add_app_range(dt, g, de->al_http1);
            add_app_range(dt, g, de->al_http2);
        }
    }
    /* App sigs with an app fast pattern: only those whose pattern occurs in
     * a transaction detection will look at (one union per packet), instead
     * of walking thousands of sigs per packet. */
    if (g->has_app_pf && fal && fal != de->al_failed && p->flow->app_state) {
        if (!dt->app_union_done) {
            dt->app_ulen = 0;
            dt->app_union_ok = vg_app_prefilter_union(dt, p->flow, !(p->flags & VG_PKT_TOCLIENT),
                                                      dt->app_union, dt->app_ulist, &dt->app_ulen);
            dt->app_union_done = true;
        }
        if (dt->app_union_ok) {
            /* few hits: test each against the group */
            for (uint32_t k = 0; k < dt->app_ulen; k++) {
                uint32_t id = dt->app_ulist[k];
                if (!((g->app_pf_bits[id / 64] >> (id % 64)) & 1))
                    continue;
                const vg_sig *s = de->sigs[id];
                if (!s->alproto || s->alproto == fal || alproto_compatible(de, s->alproto, fal))
                    cand_add(dt, s);
            }
        } else {
            for (uint32_t w = 0; w < dt->cwords; w++) {
                uint64_t m = g->app_pf_bits[w];
                while (m) {
                    const vg_sig *s = de->sigs[w * 64 + (uint32_t)__builtin_ctzll(m)];
                    m &= m - 1;
                    if (!s->alproto || s->alproto == fal || alproto_compatible(de, s->alproto, fal))
                        cand_add(dt, s);
                }
            }
        }
    }
    const vg_mpm *m = g->mpm[VG_BUF_PAYLOAD];
    if (m) {
        struct vg_mpm_scratch *sc = dt->scratch[g->mpm_idx[VG_BUF_PAYLOAD]];
        /* a TCP packet whose data went into the stream is inspected as
         * part of a chunk, except by sigs that require the packet (as
         * Suricata's stream prefilter skips PKT_STREAM_ADD packets): only
         * their patterns are looked for in it, by the bucket (run_pass) */
        if (pkt_ok && p->payload_len && (p->proto != 6 || !stream_added(p)))
            vg_mpm_scan(m, sc, p->payload, p->payload_len, mpm_cb, dt);
        if (chunk && chunk->len)
            vg_mpm_scan(m, sc, chunk->data, chunk->len, mpm_cb, dt);
    }
    if (!pkt_ok)
        return;
    for (int b = VG_BUF_IPV4_HDR; b <= VG_BUF_ICMPV6_HDR; b++) {
        if (!g->mpm[b])
            continue;
        const uint8_t *d;
        uint32_t n;
        if (hdr_buf(p, (uint16_t)b, &d, &n))
            vg_mpm_scan(g->mpm[b], dt->scratch[g->mpm_idx[b]], d, n, mpm_cb, dt);
    }
}

/* App-layer hook (src/net/app): a sig with app-layer buffers is evaluated
 * per transaction of p's flow; the first transaction that matches gives one
 * pending alert with its tx id (one alert per rule per transaction).  What
 * does not depend on the transaction (the header; the match list unless a
 * keyword of it reads the transaction) is checked once, before them. */
static void app_tx_eval(vg_det_thread *dt, vg_packet *p, const vg_stream_chunk *chunk,
                        bool pkt_ok, const vg_sig *s)
{
    bool ts = !(p->flags & VG_PKT_TOCLIENT);
    if (!header_ok(dt->de, s, p))
        return;
    int from = EVAL_NO_HEADER;
    if (!(s->flags & VG_SIGX_MATCH_TX)) {
        if (!match_list_ok(dt, s, p))
            return;
        from = EVAL_BUFS;
    }
    for (vg_app_tx *tx = vg_app_detect_next_tx(dt, p->flow, NULL, s, ts); tx;
         tx = vg_app_detect_next_tx(dt, p->flow, tx, s, ts)) {
        uint32_t aflags = 0;
        dt->app_tx = tx;
        int m = sig_eval_from(dt, s, p, chunk, pkt_ok, &aflags, from);
        dt->app_tx = NULL;
        if (!m)
            continue;
        vg_app_tx_set_alerted(tx, s);
        run_postmatch(dt, p, s);
        if (dt->npend < VG_MAX_PENDING) {
            vg_pending *pe = &dt->pend[dt->npend++];
            pe->s = s;
            pe->flags = (aflags & ~(uint32_t)VG_ALERT_STREAM) | VG_ALERT_TX;
            pe->chunk = NULL;
            pe->tx_id = vg_app_tx_id(tx);
        } else {
            dt->pend_dropped++;
        }
        return;
    }
}

static void port_sigs_add(vg_det_thread *dt, const vg_port_sigs *ps, uint16_t port)
{
    if (ps->off)
        for (uint32_t k = ps->off[port]; k < ps->off[port + 1]; k++)
            cand_add(dt, ps->sigs[k]);
}

/* Evaluate candidate sig id on p (a step of run_pass's walk). */
static void eval_cand(vg_det_thread *dt, vg_packet *p, const vg_stream_chunk *chunk, bool pkt_ok,
                      bool iponly_due, uint32_t id)
{
    const vg_sig *s = dt->de->sigs[id];
    if ((s->flags & VG_SIG_IPONLY) && !iponly_due)
        return;
    if (p->flow && p->flow->app_state && (s->flags & VG_SIGX_APP_TX)) { /* app-layer hook */
        if (!already_alerted(dt, p, s))
            app_tx_eval(dt, p, chunk, pkt_ok, s);
        return;
    }
    if (!pkt_ok && !(s->flags & VG_SIG_HAS_PAYLOAD))
        return;
    if (matched_test(dt, id) || already_alerted(dt, p, s))
        return;
    uint32_t aflags = 0;
    if (!sig_eval(dt, s, p, chunk, pkt_ok, &aflags))
        return;
    matched_set(dt, id);
    run_postmatch(dt, p, s);
    if (dt->npend < VG_MAX_PENDING) {
        dt->pend[dt->npend].s = s;
        dt->pend[dt->npend].flags = aflags;
        dt->pend[dt->npend].chunk = (aflags & VG_ALERT_STREAM) ? chunk : NULL;
        dt->npend++;
    } else {
        dt->pend_dropped++;
    }
}

/* One evaluation pass: every candidate is evaluated (a pass sig does not
 * stop evaluation, so side effects of all matching sigs happen, as in
 * Suricata); matches are queued in dt->pend for flush_pending(). */
static void run_pass(vg_det_thread *dt, vg_packet *p, const vg_stream_chunk *chunk, bool pkt_ok,
                     bool iponly_due)
{
    const vg_detect *de = dt->de;
    if (dt->app_union_done) /* the last pass's hits: clear their words */
        for (uint32_t k = 0; k < dt->app_ulen; k++)
            dt->app_union[dt->app_ulist[k] / 64] = 0;
    dt->app_ulen = 0;
    dt->app_union_done = false;
    if (p->ipver == 0) {
        /* not IP (or not decoded that far): only decoder-event sigs apply;
         * an IP packet with a broken L4 header still meets the others */
        if (!pkt_ok)
            return;
        for (uint32_t i = 0; i < de->nevent; i++)
            cand_add(dt, de->event_sigs[i]);
    } else {
        if (iponly_due && de->niponly)
            vg_iponly_candidates(de, p, cand_add_id, dt);
        int pb = vg_bucket_of_proto(p->proto);
        int dir = (p->flags & VG_PKT_TOCLIENT) ? 1 : 0;
        const vg_bucket *bk = &de->buckets[pb][dir];
        scan_group(dt, bk->any, p, chunk, pkt_ok);
        if (bk->port_group && has_ports(p->proto) && bk->port_group[p->dp])
            scan_group(dt, bk->groups[bk->port_group[p->dp]], p, chunk, pkt_ok);
        if (has_ports(p->proto)) {
            port_sigs_add(dt, &bk->by_dp, p->dp);
            port_sigs_add(dt, &bk->by_sp, p->sp);
        }
        if (p->proto == 6 && pkt_ok && p->payload_len && stream_added(p)) {
            uint16_t sport = dir ? p->sp : p->dp; /* the server's side */
            const vg_sgroup *pg = bk->pk_port && bk->pk_port[sport] ? bk->pk_groups[bk->pk_port[sport]]
                                                                      : bk->pk_any;
            if (pg)
                scan_pkt_sigs(dt, pg, p);
        }
    }
    /* evaluate candidates in sig order: walk the bitmap through its summary
     * (a bit per non-empty word), clearing both */
    for (uint32_t sw = 0; sw < (dt->cwords + 63) / 64; sw++) {
        while (dt->csum[sw]) {
            uint32_t w = sw * 64 + (uint32_t)__builtin_ctzll(dt->csum[sw]);
            dt->csum[sw] &= dt->csum[sw] - 1;
            while (dt->cbits[w]) {
                uint32_t id = w * 64 + (uint32_t)__builtin_ctzll(dt->cbits[w]);
                dt->cbits[w] &= dt->cbits[w] - 1;
                eval_cand(dt, p, chunk, pkt_ok, iponly_due, id);
            }
        }
    }
}

static int pend_cmp(const void *a, const void *b)
{
    const vg_pending *x = a, *y = b;
    return x->s->id < y->s->id ? -1 : x->s->id > y->s->id;
}

static int alert_cmp(const void *a, const void *b)
{
    const vg_alert *x = a, *y = b;
    return x->sig->id < y->sig->id ? -1 : x->sig->id > y->sig->id;
}

/* Suricata's alert finalisation: in sig order, thresholds and suppressions
 * gate each match; drop/reject/pass set the packet's action, and act on the
 * flow when the sig is IP-only or app-layer or matched on the stream (a
 * pass only when the packet is not already dropped: the first flow action
 * wins); noalert matches log nothing; once a pass has matched, the next
 * loggable alert (normally the pass itself) ends the list. */
static void flush_pending(vg_det_thread *dt, vg_packet *p)
{
    if (dt->npend > 1)
        qsort(dt->pend, dt->npend, sizeof(vg_pending), pend_cmp);
    for (uint32_t i = 0; i < dt->npend; i++) {
        vg_pending *pe = &dt->pend[i];
        const vg_sig *s = pe->s;
        uint8_t rate_action = 0;
        if (!vg_threshold_check(dt, p, s, &rate_action))
            continue;
        uint8_t action = s->action;
        if (rate_action) /* rate_filter new_action */
            action = rate_action == VG_ACTION_DROP     ? VG_ACTION_DROP | VG_ACTION_ALERT
                     : rate_action == VG_ACTION_REJECT ? VG_ACTION_REJECT | VG_ACTION_DROP |
                                                            VG_ACTION_ALERT
                                                      : rate_action;
        bool flow_scope = (s->flags & VG_SIG_IPONLY) || s->alproto || (pe->flags & VG_ALERT_STREAM);
        if (action & (VG_ACTION_DROP | VG_ACTION_REJECT)) {
            p->action |= action & (VG_ACTION_DROP | VG_ACTION_REJECT);
            pe->flags |= VG_ALERT_DROP;
        } else if (action & VG_ACTION_PASS) {
            if (flow_scope && p->flow && !(p->action & VG_ACTION_DROP) &&
                !(p->flow->flags & (VG_FLOW_PASS | VG_FLOW_DROP)))
                p->flow->flags |= VG_FLOW_PASS;
            p->action |= VG_ACTION_PASS;
        }
        if (s->flags & VG_SIG_NOALERT)
            continue;
        if (p->action & VG_ACTION_PASS)
            break;
        if (p->nalerts >= VG_PKT_MAX_ALERTS) {
            p->alerts_dropped++;
            continue;
        }
        p->action |= VG_ACTION_ALERT;
        vg_alert *a = &p->alerts[p->nalerts++];
        memset(a, 0, sizeof(*a));
        a->sig = s;
        a->flags = pe->flags;
        if (pe->flags & VG_ALERT_TX) /* app-layer hook */
            a->tx_id = pe->tx_id;
        if (pe->chunk) {
            const uint8_t *d = pe->chunk->log_data ? pe->chunk->log_data : pe->chunk->data;
            uint32_t n = pe->chunk->log_data ? pe->chunk->log_len : pe->chunk->len;
            if (n > STREAM_COPY_MAX)
                n = STREAM_COPY_MAX;
            if (n) {
                a->stream_data = malloc(n);
                if (a->stream_data) {
                    memcpy(a->stream_data, d, n);
                    a->stream_len = n;
                }
            }
            if (pe->chunk->flow_end)
                a->flags |= VG_ALERT_FLOW_TIMEOUT;
        }
        dt->alerts_total++;
        if (p->flow)
            p->flow->flags |= VG_FLOW_ALERTED;
    }
    p->alerts_dropped += dt->pend_dropped;
    dt->npend = 0;
    dt->pend_dropped = 0;
    if (p->nalerts > 1) {
        /* keep sig order across repeated calls; a stable insertion sort */
        for (int i = 1; i < p->nalerts; i++) {
            vg_alert tmp = p->alerts[i];
            int j = i - 1;
            while (j >= 0 && alert_cmp(&p->alerts[j], &tmp) > 0) {
                p->alerts[j + 1] = p->alerts[j];
                j--;
            }
            p->alerts[j + 1] = tmp;
        }
    }
}

/* stream_size bookkeeping: initial and next sequence number per side. */
static void track_seq(vg_det_flow *df, const vg_packet *p)
{
    int d = (p->flags & VG_PKT_TOCLIENT) ? 1 : 0;
    bool syn = p->tcp_flags & 0x02, fin = p->tcp_flags & 0x01;
    uint32_t end = p->tcp_seq + p->payload_len + (syn ? 1u : 0u) + (fin ? 1u : 0u);
    if (!(df->seq_seen & (1 << d))) {
        df->isn[d] = syn ? p->tcp_seq : p->tcp_seq - 1;
        df->next_seq[d] = end;
        df->seq_seen |= (uint8_t)(1 << d);
    } else if ((int32_t)(end - df->next_seq[d]) > 0) {
        df->next_seq[d] = end;
    }
}

static void detect_run(vg_det_thread *dt, vg_packet *p, const vg_stream_chunk *chunk,
                       bool force_repeat)
{
    const vg_detect *de = dt->de;
    if (!de || de->nsigs == 0)
        return;
    if (p->flow && (p->flow->flags & (VG_FLOW_PASS | VG_FLOW_NOPACKET_INSPECT)))
        return;
    if (p->action & VG_ACTION_PASS)
        return;
    /* A further chunk for a packet already inspected (the stream engine
     * had several): the caller says so (vg_detect_packet_chunk). */
    bool repeat = force_repeat;
    dt->npend = 0;
    dt->pend_dropped = 0;

    /* The chunk belongs to one direction; when it is not p's, evaluate it
     * on a view of p with the direction swapped. */
    bool pdir_ts = !(p->flags & VG_PKT_TOCLIENT);
    const vg_stream_chunk *same = NULL, *other = NULL;
    if (chunk && chunk->len && p->proto == 6) {
        if (chunk->toserver == pdir_ts)
            same = chunk;
        else
            other = chunk;
    }
    if (!repeat && de->track_seq && p->proto == 6 && p->flow && p->l4 &&
        !(p->flags & VG_PKT_PSEUDO)) {
        vg_match_ctx mc = {dt, p, NULL};
        vg_det_flow *df = vg_det_flow_get(&mc);
        if (df)
            track_seq(df, p);
    }
    bool iponly_due = false;
    if (!repeat && !(p->pkt_src == VG_PKT_SRC_STREAM_FLOW_TIMEOUT)) {
        iponly_due = true;
        if (p->flow && de->niponly) { /* per-flow state only when ip-only sigs exist */
            vg_match_ctx mc = {dt, p, NULL};
            vg_det_flow *df = vg_det_flow_get(&mc);
            uint8_t bit = (p->flags & VG_PKT_TOCLIENT) ? 2 : 1;
            if (df) {
                iponly_due = !(df->iponly_done & bit);
                df->iponly_done |= bit;
            }
        }
    }
    if (!repeat)
        matched_reset(dt);
    /* A further chunk for the same packet: the whole packet is evaluated
     * again with it (sigs that already matched are skipped), so that state
     * set by a stream match (flowbits) is seen by the packet's other sigs,
     * as in Suricata's single pass over packet and stream. */
    if (!repeat || same)
        run_pass(dt, p, same, true, iponly_due);
    if (other) {
        vg_packet *v = malloc(sizeof(*v));
        if (v) {
            *v = *p;
            v->src = p->dst;
            v->dst = p->src;
            v->sp = p->dp;
            v->dp = p->sp;
            v->flags = (p->flags & ~(uint32_t)(VG_PKT_TOSERVER | VG_PKT_TOCLIENT)) |
                       (other->toserver ? VG_PKT_TOSERVER : VG_PKT_TOCLIENT);
            v->nalerts = 0;
            v->action = 0;
            /* pending matches collected on the view are queued on p */
            run_pass(dt, v, other, false, false);
            free(v);
        }
    }
    /* A pass sig stopped evaluation: only the matches ranked before it (none
     * with the default action order, where pass comes first) are queued. */
    flush_pending(dt, p);
    if (!repeat)
        vg_tag_packet(dt, p);
}

void vg_detect_packet(vg_det_thread *dt, vg_packet *p, const vg_stream_chunk *chunk)
{
    detect_run(dt, p, chunk, false);
}

void vg_detect_packet_chunk(vg_det_thread *dt, vg_packet *p, const vg_stream_chunk *chunk)
{
    if (chunk)
        detect_run(dt, p, chunk, true);
}
