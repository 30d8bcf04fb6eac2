/*
 * flow_table.c: the bidirectional flow table.
 *
 * Job: find or create the flow of each packet, set its direction, count it,
 * run TCP session tracking, and end flows on timeout, eviction, reuse or
 * shutdown (handing them to the caller's callback once, then freeing them).
 *
 * Invariants: a node is in the hash and in exactly one timeout list
 * (protocol class x flow state), ordered by last-seen time, so expiry walks
 * each list from its head and stops at the first live flow; or it is on the
 * pending list (ended, callback not yet run); or in the spare pool.
 *
 * Limits: flow.memcap bounds the nodes; when a new flow would pass it the
 * table enters emergency mode (shorter timeouts) and evicts the least
 * recently seen flow ("forced"); without any evictable flow the packet gets
 * no flow and flow.memcap is counted.  No allocation per packet: nodes are
 * recycled through a spare pool.
 */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/flow/flow_int.h"

/* ---- configuration ---- */

static const uint32_t dflt_tmo[4][4] = {
    /* new, established, closed, bypassed */
    {30, 300, 0, 100},   /* default (other protocols) */
    {60, 600, 60, 100},  /* tcp */
    {30, 300, 0, 100},   /* udp */
    {30, 300, 0, 100},   /* icmp */
};
static const uint32_t dflt_etmo[4][4] = {
    {10, 100, 0, 50},
    {5, 100, 10, 50},
    {10, 100, 0, 50},
    {10, 100, 0, 50},
};

static int parse_exc_policy(const char *s, uint8_t dflt)
{
    if (!s)
        return dflt;
    static const struct { const char *name; uint8_t v; } t[] = {
        {"ignore", EXC_IGNORE}, {"drop-packet", EXC_DROP_PACKET}, {"drop-flow", EXC_DROP_FLOW},
        {"reject", EXC_REJECT}, {"bypass", EXC_BYPASS}, {"pass-packet", EXC_PASS_PACKET},
        {"pass-flow", EXC_PASS_FLOW}, {"auto", EXC_AUTO},
    };
    for (size_t i = 0; i < VG_ARRAY_LEN(t); i++)
        if (strcmp(s, t[i].name) == 0)
            return t[i].v;
    return -1;
}

static int parse_policy_name(const char *s)
{
    static const char *const names[] = {
        "bsd", "bsd-right", "old-linux", "linux", "old-solaris", "solaris", "hpux10",
        "hpux11", "irix", "macos", "windows", "vista", "windows2k3", "first", "last",
    };
    for (size_t i = 0; i < VG_ARRAY_LEN(names); i++)
        if (strcmp(s, names[i]) == 0)
            return (int)i;
    return -1;
}

/* "10.0.0.0/8", "2.2.2.2", "::/0" -> one host-os-policy entry. */
static int add_host_policy(flow_cfg *c, const char *v, uint8_t pol)
{
    char buf[64];
    snprintf(buf, sizeof buf, "%s", v);
    char *slash = strchr(buf, '/');
    int bits = -1;
    if (slash) {
        *slash = 0;
        char *end;
        long b = strtol(slash + 1, &end, 10);
        if (*end || b < 0 || b > 128)
            return VG_EINVAL;
        bits = (int)b;
    }
    struct host_pol h = {0};
    h.policy = pol;
    if (inet_pton(AF_INET, buf, h.a) == 1) {
        h.family = 4;
        if (bits < 0)
            bits = 32;
        if (bits > 32)
            return VG_EINVAL;
    } else if (inet_pton(AF_INET6, buf, h.a) == 1) {
        h.family = 6;
        if (bits < 0)
            bits = 128;
    } else {
        return VG_EINVAL;
    }
    h.bits = (uint8_t)bits;
    if (c->nhostpol >= 65536)
        return VG_ELIMIT;
    struct host_pol *nh = realloc(c->hostpol, (c->nhostpol + 1) * sizeof *nh);
    if (!nh)
        return VG_ENOMEM;
    c->hostpol = nh;
    c->hostpol[c->nhostpol++] = h;
    return VG_OK;
}

static bool prefix_match(const uint8_t *a, const uint8_t *b, unsigned bits)
{
    unsigned full = bits / 8, rest = bits % 8;
    if (memcmp(a, b, full) != 0)
        return false;
    if (rest) {
        uint8_t m = (uint8_t)(0xff << (8 - rest));
        return (a[full] & m) == (b[full] & m);
    }
    return true;
}

uint8_t vg_flow_host_policy(const vg_flow_table *ft, const vg_addr *a)
{
    int best = -1;
    uint8_t pol = ft->cfg.default_policy;
    for (uint32_t i = 0; i < ft->cfg.nhostpol; i++) {
        const struct host_pol *h = &ft->cfg.hostpol[i];
        if (h->family != a->family || (int)h->bits <= best)
            continue;
        if (prefix_match(h->a, a->a, h->bits)) {
            best = h->bits;
            pol = h->policy;
        }
    }
    return pol;
}

static int conf_exc(const vg_conf *conf, const char *key, uint8_t master, uint8_t *out,
                    char *errbuf)
{
    const char *v = conf ? vg_conf_get(conf, key) : NULL;
    int r = parse_exc_policy(v, master);
    if (r < 0) {
        char where[300];
        vg_conf_node_where(vg_conf_node_get(conf, key), where, sizeof where);
        return vg_err(errbuf, VG_EINVAL, "%s: %s: unknown exception policy \"%s\"", where, key,
                      v);
    }
    *out = (uint8_t)r;
    return VG_OK;
}

/* Typed settings with Suricata's defaults; a value that does not parse is
 * an error naming the key and its file:line (never silently the default). */
static int bad_value(const vg_conf *conf, const char *key, const char *what, char *errbuf)
{
    char where[300];
    vg_conf_node_where(vg_conf_node_get(conf, key), where, sizeof where);
    return vg_err(errbuf, VG_EINVAL, "%s: %s: \"%s\" is not %s", where, key,
                  vg_conf_get(conf, key), what);
}

static int cfg_size(const vg_conf *conf, const char *key, uint64_t dflt, uint64_t *out,
                    char *errbuf)
{
    const char *v = conf ? vg_conf_get(conf, key) : NULL;
    *out = dflt;
    if (v && vg_conf_parse_size(v, out) != VG_OK)
        return bad_value(conf, key, "a size", errbuf);
    return VG_OK;
}

static int cfg_int(const vg_conf *conf, const char *key, int64_t dflt, int64_t *out,
                   char *errbuf)
{
    const char *v = conf ? vg_conf_get(conf, key) : NULL;
    *out = dflt;
    if (v && vg_conf_parse_int(v, out) != VG_OK)
        return bad_value(conf, key, "an integer", errbuf);
    return VG_OK;
}

static int cfg_bool(const vg_conf *conf, const char *key, bool dflt, bool *out, char *errbuf)
{
    const char *v = conf ? vg_conf_get(conf, key) : NULL;
    *out = dflt;
    if (v && vg_conf_parse_bool(v, out) != VG_OK)
        return bad_value(conf, key, "a boolean", errbuf);
    return VG_OK;
}

#define TRY(x) do { int rc_ = (x); if (rc_ != VG_OK) return rc_; } while (0)

static int load_cfg(flow_cfg *c, const vg_conf *conf, char *errbuf)
{
    memset(c, 0, sizeof *c);
    TRY(cfg_size(conf, "flow.memcap", 128ull << 20, &c->flow_memcap, errbuf));
    int64_t hs;
    TRY(cfg_int(conf, "flow.hash-size", 65536, &hs, errbuf));
    if (hs < 1 || hs > (1 << 26))
        return vg_err(errbuf, VG_EINVAL, "flow.hash-size: %lld out of range", (long long)hs);
    uint32_t sz = 1;
    while (sz < (uint32_t)hs)
        sz <<= 1;
    c->hash_size = sz;
    int64_t er;
    TRY(cfg_int(conf, "flow.emergency-recovery", 30, &er, errbuf));
    c->emergency_recovery = (uint32_t)(er < 0 ? 0 : er > 100 ? 100 : er);
    memcpy(c->tmo, dflt_tmo, sizeof c->tmo);
    memcpy(c->etmo, dflt_etmo, sizeof c->etmo);
    if (conf) {
        static const char *const pn[4] = {"default", "tcp", "udp", "icmp"};
        static const char *const sn[4] = {"new", "established", "closed", "bypassed"};
        char key[96];
        for (int p = 0; p < 4; p++) {
            for (int s = 0; s < 4; s++) {
                /* a missing key keeps that protocol's built-in default */
                snprintf(key, sizeof key, "flow-timeouts.%s.%s", pn[p], sn[s]);
                int64_t v;
                TRY(cfg_int(conf, key, dflt_tmo[p][s], &v, errbuf));
                c->tmo[p][s] = (uint32_t)(v < 0 ? 0 : v);
                snprintf(key, sizeof key, "flow-timeouts.%s.emergency-%s", pn[p], sn[s]);
                TRY(cfg_int(conf, key, dflt_etmo[p][s], &v, errbuf));
                c->etmo[p][s] = (uint32_t)(v < 0 ? 0 : v);
            }
        }
    }
    TRY(cfg_bool(conf, "stream.midstream", false, &c->midstream, errbuf));
    TRY(cfg_bool(conf, "stream.async-oneside", false, &c->async_oneside, errbuf));
    uint8_t master = EXC_AUTO;
    int rc = conf_exc(conf, "exception-policy", EXC_AUTO, &master, errbuf);
    if (rc)
        return rc;
    if ((rc = conf_exc(conf, "stream.midstream-policy", master, &c->midstream_policy, errbuf)) ||
        (rc = conf_exc(conf, "flow.memcap-policy", master, &c->flow_memcap_policy, errbuf)) ||
        (rc = conf_exc(conf, "stream.memcap-policy", master, &c->stream_memcap_policy, errbuf)) ||
        (rc = conf_exc(conf, "stream.reassembly.memcap-policy", master, &c->reasm_memcap_policy,
                       errbuf)))
        return rc;
    TRY(cfg_size(conf, "stream.memcap", 64ull << 20, &c->stream_memcap, errbuf));
    TRY(cfg_size(conf, "stream.reassembly.memcap", 256ull << 20, &c->reasm_memcap, errbuf));
    TRY(cfg_size(conf, "stream.reassembly.depth", 1ull << 20, &c->depth, errbuf));
    uint64_t cts, ctc;
    TRY(cfg_size(conf, "stream.reassembly.toserver-chunk-size", 2560, &cts, errbuf));
    TRY(cfg_size(conf, "stream.reassembly.toclient-chunk-size", 2560, &ctc, errbuf));
    c->chunk_ts = (uint32_t)VG_MIN(cts, 1u << 30);
    c->chunk_tc = (uint32_t)VG_MIN(ctc, 1u << 30);
    c->default_policy = POL_BSD;
    if (conf) {
        const vg_conf_node *hp = vg_conf_node_get(conf, "host-os-policy");
        for (const vg_conf_node *pn = hp ? hp->child : NULL; pn; pn = pn->next) {
            int pol = parse_policy_name(pn->name);
            char where[300];
            vg_conf_node_where(pn, where, sizeof where);
            if (pol < 0)
                return vg_err(errbuf, VG_EINVAL, "%s: host-os-policy: unknown policy \"%s\"",
                              where, pn->name);
            for (const vg_conf_node *e = pn->child; e; e = e->next) {
                if (!e->value)
                    continue;
                int rc = add_host_policy(c, e->value, (uint8_t)pol);
                vg_conf_node_where(e, where, sizeof where);
                if (rc)
                    return vg_err(errbuf, rc, "%s: host-os-policy.%s: bad address \"%s\"",
                                  where, pn->name, e->value);
            }
        }
    }
    TRY(cfg_bool(conf, "stream.reassembly.raw", true, &c->raw, errbuf));
    /* TCP checksums: stream.checksum-validation, and the capture's
     * checksum-checks (auto: validate, but stop when more than 10% of the
     * first 1000 TCP packets are wrong -- offloading, as Suricata decides) */
    bool csv;
    TRY(cfg_bool(conf, "stream.checksum-validation", true, &csv, errbuf));
    const char *cc = conf ? vg_conf_get(conf, "pcap-file.checksum-checks") : NULL;
    bool ccb = true;
    if (cc && strcmp(cc, "auto") != 0)
        TRY(cfg_bool(conf, "pcap-file.checksum-checks", true, &ccb, errbuf));
    c->csum_mode = !csv || !ccb ? 0 : (cc && strcmp(cc, "auto") != 0) ? 1 : 2;
    TRY(cfg_bool(conf, "stream.bypass", false, &c->bypass_on_depth, errbuf));
    const char *il = conf ? vg_conf_get(conf, "stream.inline") : NULL;
    c->inline_conf = 2;
    if (il) {
        if (strcmp(il, "auto") == 0)
            c->inline_conf = 2;
        else {
            bool on;
            TRY(cfg_bool(conf, "stream.inline", false, &on, errbuf));
            c->inline_conf = on ? 1 : 0;
        }
    }
    c->inline_mode = c->inline_conf == 1;
    TRY(cfg_bool(conf, "vlan.use-for-tracking", true, &c->vlan_tracking, errbuf));
    c->log_exception_policy =
        conf ? vg_conf_get_bool(conf, "outputs.eve-log.types.flow.exception-policy", false)
             : false;
    return VG_OK;
}

/* ---- lifecycle ---- */

int vg_flow_table_new(vg_flow_table **out, const vg_conf *conf, char *errbuf)
{
    *out = NULL;
    vg_flow_table *ft = calloc(1, sizeof *ft);
    if (!ft)
        return vg_err(errbuf, VG_ENOMEM, "flow table: out of memory");
    int rc = load_cfg(&ft->cfg, conf, errbuf);
    if (rc) {
        free(ft->cfg.hostpol);
        free(ft);
        return rc;
    }
    ft->buckets = calloc(ft->cfg.hash_size, sizeof *ft->buckets);
    if (!ft->buckets) {
        uint32_t hs = ft->cfg.hash_size;
        free(ft->cfg.hostpol);
        free(ft);
        return vg_err(errbuf, VG_ENOMEM, "flow table: out of memory for %u buckets", hs);
    }
    ft->mask = ft->cfg.hash_size - 1;
    ft->flow_memuse = (uint64_t)ft->cfg.hash_size * sizeof(fnode *);
    *out = ft;
    return VG_OK;
}

void vg_flow_table_set_ips(vg_flow_table *ft, bool ips)
{
    ft->cfg.ips = ips;
    ft->cfg.inline_mode = ft->cfg.inline_conf == 1 || (ft->cfg.inline_conf == 2 && ips);
}

static void node_release(vg_flow_table *ft, fnode *n)
{
    if (n->f.tcp) {
        vg_tcp_session_release(ft, n->f.tcp);
        n->f.tcp = NULL;
        ft->tcp_memuse -= sizeof(struct vg_tcp_session);
    }
    if (n->f.detect_state) {
        vg_detect_flow_free(n->f.detect_state);
        n->f.detect_state = NULL;
    }
}

static void free_list(vg_flow_table *ft, fnode *n)
{
    while (n) {
        fnode *nx = n->next;
        node_release(ft, n);
        free(n);
        n = nx;
    }
}

void vg_flow_table_free(vg_flow_table *ft)
{
    if (!ft)
        return;
    ft->ndropq = 0; /* the streams are freed below */
    for (int i = 0; i < NTLISTS; i++)
        free_list(ft, ft->lhead[i]);
    free_list(ft, ft->pend_head);
    free_list(ft, ft->spare);
    vg_reasm_pool_free(ft);
    free(ft->buckets);
    free(ft->cfg.hostpol);
    free(ft->logbuf[0]);
    free(ft->logbuf[1]);
    free(ft);
}

uint64_t vg_flow_table_memuse(const vg_flow_table *ft)
{
    return ft->flow_memuse + ft->tcp_memuse + ft->reasm_memuse;
}

/* ---- TCP checksum ---- */

static uint64_t sum_bytes(uint64_t acc, const uint8_t *d, uint32_t n)
{
    while (n >= 8) {
        uint32_t a, b;
        memcpy(&a, d, 4);
        memcpy(&b, d + 4, 4);
        acc += (uint64_t)a + b;
        d += 8;
        n -= 8;
    }
    while (n >= 2) {
        uint16_t a;
        memcpy(&a, d, 2);
        acc += a;
        d += 2;
        n -= 2;
    }
    if (n) {
        uint8_t last[2] = {d[0], 0};
        uint16_t a;
        memcpy(&a, last, 2);
        acc += a;
    }
    return acc;
}

/* true when the TCP checksum is right, or cannot be checked (truncated). */
static bool tcp_csum_ok(const vg_packet *p)
{
    if (!p->ip || !p->l4 || p->l4 < p->ip)
        return true;
    uint32_t declared, hl = (uint32_t)(p->l4 - p->ip);
    if (p->ipver == 4) {
        if (p->ip_len < 20)
            return true;
        declared = (uint32_t)(p->ip[2] << 8 | p->ip[3]);
    } else if (p->ipver == 6) {
        if (p->ip_len < 40)
            return true;
        declared = 40u + (uint32_t)(p->ip[4] << 8 | p->ip[5]);
    } else {
        return true;
    }
    if (declared > p->ip_len || declared < hl + 20)
        return true; /* truncated capture or odd length: not ours to judge */
    uint32_t tcp_len = declared - hl;
    uint64_t acc = 0;
    uint8_t ph[40] = {0};
    if (p->ipver == 4) {
        memcpy(ph, p->ip + 12, 8); /* src, dst */
        ph[9] = 6;
        ph[10] = (uint8_t)(tcp_len >> 8);
        ph[11] = (uint8_t)tcp_len;
        acc = sum_bytes(acc, ph, 12);
    } else {
        memcpy(ph, p->ip + 8, 32); /* src, dst */
        acc = sum_bytes(acc, ph, 32);
        uint8_t l[8] = {(uint8_t)(tcp_len >> 24), (uint8_t)(tcp_len >> 16),
                        (uint8_t)(tcp_len >> 8), (uint8_t)tcp_len, 0, 0, 0, 6};
        acc = sum_bytes(acc, l, 8);
    }
    acc = sum_bytes(acc, p->l4, tcp_len);
    while (acc >> 16)
        acc = (acc & 0xffff) + (acc >> 16);
    return acc == 0xffff;
}

/* Stream validation of p's checksum, with the auto mode's sampling. */
static bool csum_accept(vg_flow_table *ft, const vg_packet *p)
{
    if (!ft->cfg.csum_mode)
        return true;
    bool ok = tcp_csum_ok(p);
    if (!ok)
        ft->st.invalid_checksum++;
    return ok;
}

/* ---- keys and hashing ---- */

static inline uint64_t mix64(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdull;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ull;
    x ^= x >> 33;
    return x;
}

static inline uint64_t load64(const uint8_t *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
}

/* A few multiplies over the meaningful parts of the key (IPv4 uses the
 * first 4 bytes of each address; the rest is zero), then one final mix. */
static uint32_t key_hash(const flow_key *k)
{
    uint64_t h = load64(k->a) * 0x9e3779b97f4a7c15ull;
    h ^= load64(k->b) * 0xc2b2ae3d27d4eb4full;
    h ^= ((uint64_t)k->pa << 48 | (uint64_t)k->pb << 32 | (uint64_t)k->proto << 24 |
          (uint64_t)k->depth << 16 | k->family) * 0x165667b19e3779f9ull;
    if (k->family == 6)
        h ^= load64(k->a + 8) * 0xd6e8feb86659fd93ull ^ load64(k->b + 8) * 0x94d049bb133111ebull;
    if (k->vlan[0] | k->vlan[1] | k->vlan[2])
        h ^= ((uint64_t)k->vlan[0] | (uint64_t)k->vlan[1] << 16 | (uint64_t)k->vlan[2] << 32) *
             0xbf58476d1ce4e5b9ull;
    h = mix64(h);
    return (uint32_t)(h ^ (h >> 32));
}

/* Normalise (src, sp) / (dst, dp) so both directions give the same key. */
static void make_key(flow_key *k, const vg_flow_table *ft, uint8_t proto, uint8_t family,
                     const uint8_t *sa, uint16_t sp, const uint8_t *da, uint16_t dp,
                     const vg_packet *p)
{
    memset(k, 0, sizeof *k);
    int c = memcmp(sa, da, 16);
    if (c < 0 || (c == 0 && sp <= dp)) {
        memcpy(k->a, sa, 16);
        memcpy(k->b, da, 16);
        k->pa = sp;
        k->pb = dp;
    } else {
        memcpy(k->a, da, 16);
        memcpy(k->b, sa, 16);
        k->pa = dp;
        k->pb = sp;
    }
    k->proto = proto;
    k->family = family;
    k->depth = p->depth;
    if (ft->cfg.vlan_tracking) {
        for (int i = 0; i < p->vlan_n && i < 3; i++)
            k->vlan[i] = p->vlan_id[i];
    }
}

static int proto_class(uint8_t proto)
{
    switch (proto) {
    case 6: return 1;
    case 17: return 2;
    case 1: case 58: return 3;
    default: return 0;
    }
}

/* ---- timeout lists ---- */

static inline int tlist_of(const fnode *n)
{
    return proto_class(n->f.proto) * 4 + n->state;
}

static void list_unlink(vg_flow_table *ft, fnode *n)
{
    int l = n->tlist;
    if (n->prev)
        n->prev->next = n->next;
    else
        ft->lhead[l] = n->next;
    if (n->next)
        n->next->prev = n->prev;
    else
        ft->ltail[l] = n->prev;
    n->prev = n->next = NULL;
}

static void list_append(vg_flow_table *ft, fnode *n)
{
    int l = tlist_of(n);
    n->tlist = (uint8_t)l;
    n->qsec = n->f.last.tv_sec;
    n->next = NULL;
    n->prev = ft->ltail[l];
    if (ft->ltail[l])
        ft->ltail[l]->next = n;
    else
        ft->lhead[l] = n;
    ft->ltail[l] = n;
}

void vg_flow_set_state(vg_flow_table *ft, fnode *n, uint8_t state)
{
    if (n->state == state || n->state == FST_BYPASSED)
        return;
    n->state = state;
    if (state == FST_ESTABLISHED)
        n->f.flags |= VG_FLOW_ESTABLISHED;
    if (n->in_hash) {
        list_unlink(ft, n);
        list_append(ft, n);
    }
}

static void hash_unlink(vg_flow_table *ft, fnode *n)
{
    fnode **pp = &ft->buckets[n->hash & ft->mask];
    while (*pp && *pp != n)
        pp = &(*pp)->hnext;
    if (*pp)
        *pp = n->hnext;
    n->hnext = NULL;
}

/* Take n out of the hash and its timeout list and queue it for the end
 * callback (run by the next expire call). */
static void flow_end(vg_flow_table *ft, fnode *n, vg_flow_end why, const struct timeval *now)
{
    if (!n->in_hash)
        return;
    hash_unlink(ft, n);
    list_unlink(ft, n);
    n->in_hash = false;
    n->end_reason = why;
    n->end_ts = *now;
    n->emergency = ft->emergency;
    ft->active--;
    n->prev = ft->pend_tail;
    n->next = NULL;
    if (ft->pend_tail)
        ft->pend_tail->next = n;
    else
        ft->pend_head = n;
    ft->pend_tail = n;
    ft->npending++;
}

/* Memory of flows still in the hash (pending ones are on their way out). */
static inline uint64_t live_memuse(const vg_flow_table *ft)
{
    return ft->flow_memuse - ft->npending * sizeof(fnode);
}

static fnode *node_get(vg_flow_table *ft)
{
    fnode *n = ft->spare;
    if (n) {
        ft->spare = n->next;
        ft->nspare--;
    } else {
        n = malloc(sizeof *n);
        if (!n)
            return NULL;
    }
    memset(n, 0, offsetof(fnode, ssn_storage));
    return n;
}

static void node_put(vg_flow_table *ft, fnode *n)
{
    node_release(ft, n);
    ft->flow_memuse -= sizeof(fnode);
    if (ft->nspare < 1024) {
        n->next = ft->spare;
        ft->spare = n;
        ft->nspare++;
    } else {
        free(n);
    }
}

static bool timed_out(const vg_flow_table *ft, const fnode *n, const struct timeval *now)
{
    int pc = proto_class(n->f.proto);
    uint32_t t = ft->emergency ? ft->cfg.etmo[pc][n->state] : ft->cfg.tmo[pc][n->state];
    int64_t age_us = ((int64_t)now->tv_sec - n->f.last.tv_sec) * 1000000 +
                     ((int64_t)now->tv_usec - n->f.last.tv_usec);
    return age_us > (int64_t)t * 1000000;
}

/* Lists are ordered by queue second; within the first live second, every
 * flow is checked, after it none can be timed out (they were seen later). */
static void expire_scan(vg_flow_table *ft, const struct timeval *now)
{
    for (int l = 0; l < NTLISTS; l++) {
        uint32_t t = ft->emergency ? ft->cfg.etmo[l / 4][l % 4] : ft->cfg.tmo[l / 4][l % 4];
        int64_t stop = INT64_MIN;
        for (fnode *n = ft->lhead[l], *nx; n; n = nx) {
            nx = n->next;
            if (stop != INT64_MIN && n->qsec != stop)
                break;
            /* last >= qsec: this one and all after it are still live */
            if ((int64_t)now->tv_sec + 1 - n->qsec <= (int64_t)t)
                break;
            if (timed_out(ft, n, now))
                flow_end(ft, n, VG_FLOW_END_TIMEOUT, now);
            else if (stop == INT64_MIN)
                stop = n->qsec;
        }
    }
}

static void check_emergency_over(vg_flow_table *ft)
{
    if (ft->emergency &&
        live_memuse(ft) <= ft->cfg.flow_memcap / 100 * (100 - ft->cfg.emergency_recovery)) {
        ft->emergency = false;
        ft->st.emerg_over++;
    }
}

/* Evict the least recently seen flow (emergency).  Returns false if none. */
static bool evict_one(vg_flow_table *ft, const struct timeval *now)
{
    fnode *best = NULL;
    for (int l = 0; l < NTLISTS; l++) {
        fnode *h = ft->lhead[l];
        if (h && (!best || timercmp(&h->f.last, &best->f.last, <)))
            best = h;
    }
    if (!best)
        return false;
    ft->st.get_used++;
    ft->st.wrk_evicted++;
    flow_end(ft, best, VG_FLOW_END_FORCED, now);
    return true;
}

static void run_pending(vg_flow_table *ft, vg_flow_end_cb cb, void *arg);

/* ---- exception policies ---- */

void vg_flow_apply_exception(vg_flow_table *ft, fnode *n, vg_packet *p, int target_bit,
                             uint8_t policy)
{
    /* auto: fail closed inline (drop-flow), ignore in IDS mode; the midstream
     * policy with midstream pickup enabled resolves auto to ignore (caller) */
    if (policy == EXC_AUTO)
        policy = ft->cfg.ips ? EXC_DROP_FLOW : EXC_IGNORE;
    /* drop policies only make sense inline; in IDS mode they are ignored */
    if (!ft->cfg.ips && (policy == EXC_DROP_PACKET || policy == EXC_DROP_FLOW))
        policy = EXC_IGNORE;
    if (n && target_bit) { /* target 0: not an exception (e.g. stream.bypass) */
        int idx = __builtin_ctz((unsigned)target_bit);
        n->exc_targets |= (uint8_t)target_bit;
        n->exc_policy[idx & 3] = policy;
    }
    /* reject in IDS mode: nothing is dropped, the flow is not marked */
    if (policy == EXC_REJECT && !ft->cfg.ips)
        return;
    switch (policy) {
    case EXC_DROP_FLOW:
    case EXC_REJECT:
        if (n)
            n->f.flags |= VG_FLOW_DROP;
        /* fall through */
    case EXC_DROP_PACKET:
        if (p)
            p->flags |= VG_PKT_WANT_DROP;
        break;
    case EXC_PASS_FLOW:
        if (n)
            n->f.flags |= VG_FLOW_PASS | VG_FLOW_NOPAYLOAD_INSPECT | VG_FLOW_NOPACKET_INSPECT;
        if (p)
            p->flags |= VG_PKT_NOPAYLOAD_INSPECT;
        break;
    case EXC_BYPASS:
        /* Suricata: bypass, then everything pass-flow does (action "pass") */
        if (n) {
            n->f.flags |= VG_FLOW_PASS | VG_FLOW_NOPAYLOAD_INSPECT | VG_FLOW_NOPACKET_INSPECT;
            if (n->state != FST_BYPASSED) {
                n->state = FST_BYPASSED;
                if (n->in_hash) {
                    list_unlink(ft, n);
                    list_append(ft, n);
                }
            }
        }
        if (p)
            p->flags |= VG_PKT_NOPAYLOAD_INSPECT;
        break;
    case EXC_PASS_PACKET:
        if (p)
            p->flags |= VG_PKT_NOPAYLOAD_INSPECT;
        break;
    default:
        break;
    }
}

/* ---- direction ---- */

void vg_flow_swap_dir(fnode *n)
{
    vg_flow *f = &n->f;
    vg_addr a = f->src;
    f->src = f->dst;
    f->dst = a;
    uint16_t pt = f->sp;
    f->sp = f->dp;
    f->dp = pt;
    uint64_t t = f->pkts_toserver;
    f->pkts_toserver = f->pkts_toclient;
    f->pkts_toclient = t;
    t = f->bytes_toserver;
    f->bytes_toserver = f->bytes_toclient;
    f->bytes_toclient = t;
    uint32_t seen = f->flags & (VG_FLOW_TOSERVER_SEEN | VG_FLOW_TOCLIENT_SEEN);
    f->flags &= ~(uint32_t)(VG_FLOW_TOSERVER_SEEN | VG_FLOW_TOCLIENT_SEEN);
    if (seen & VG_FLOW_TOSERVER_SEEN)
        f->flags |= VG_FLOW_TOCLIENT_SEEN;
    if (seen & VG_FLOW_TOCLIENT_SEEN)
        f->flags |= VG_FLOW_TOSERVER_SEEN;
    bool hi = n->has_icmp;
    uint8_t ty = n->icmp_type, co = n->icmp_code;
    n->has_icmp = n->has_resp_icmp;
    n->icmp_type = n->resp_icmp_type;
    n->icmp_code = n->resp_icmp_code;
    n->has_resp_icmp = hi;
    n->resp_icmp_type = ty;
    n->resp_icmp_code = co;
}

static bool addr_eq(const vg_addr *a, const uint8_t *b)
{
    return memcmp(a->a, b, 16) == 0;
}

/* ICMPv4 destination unreachable quoting an IPv4 packet: the quoted tuple,
 * read with bounds checks from the ICMP payload (embedded IP header + 8). */
static bool icmp_error_tuple(const vg_packet *p, uint8_t *proto, uint8_t src[16],
                             uint8_t dst[16], uint16_t *sp, uint16_t *dp)
{
    if (p->proto != 1 || p->icmp_type != 3 || !p->payload || p->payload_len < 20)
        return false;
    const uint8_t *e = p->payload;
    if ((e[0] >> 4) != 4)
        return false;
    uint32_t hl = (uint32_t)(e[0] & 0x0f) * 4;
    if (hl < 20 || p->payload_len < hl)
        return false;
    memset(src, 0, 16);
    memset(dst, 0, 16);
    memcpy(src, e + 12, 4);
    memcpy(dst, e + 16, 4);
    *proto = e[9];
    *sp = *dp = 0;
    if (*proto == 6 || *proto == 17) {
        if (p->payload_len < hl + 4)
            return false;
        *sp = (uint16_t)(e[hl] << 8 | e[hl + 1]);
        *dp = (uint16_t)(e[hl + 2] << 8 | e[hl + 3]);
    }
    return true;
}

static fnode *lookup(vg_flow_table *ft, const flow_key *k, uint32_t h)
{
    for (fnode *n = ft->buckets[h & ft->mask]; n; n = n->hnext)
        if (n->hash == h && memcmp(&n->key, k, sizeof *k) == 0)
            return n;
    return NULL;
}

static uint64_t make_flow_id(vg_flow_table *ft, uint32_t h, const struct timeval *ts)
{
    uint64_t x = mix64(((uint64_t)h << 32) ^ (uint64_t)ts->tv_sec * 1000000u ^
                       (uint64_t)ts->tv_usec ^ mix64(++ft->id_counter));
    /* < 2^51 so JSON readers that use doubles keep it exact */
    x &= (1ull << 51) - 1;
    return x ? x : 1;
}

/* TCP session reuse: a SYN on a tuple whose session is closing or closed
 * starts a new flow; the old one ends with reason "tcp_reuse". */
static bool tcp_reuse(const fnode *n, const vg_packet *p)
{
    const struct vg_tcp_session *s = n->f.tcp;
    if (!s || (p->tcp_flags & (TH_SYN | TH_ACK | TH_RST)) != TH_SYN)
        return false;
    if (s->state < TCPS_TIME_WAIT && s->state != TCPS_CLOSED)
        return false;
    if (s->state == TCPS_LAST_ACK || s->state == TCPS_CLOSE_WAIT || s->state == TCPS_CLOSING)
        return false;
    /* same SYN retransmitted: not a reuse */
    bool from_client = addr_eq(&n->f.src, p->src.a) && n->f.sp == p->sp;
    if (from_client && p->tcp_seq == s->client.isn)
        return false;
    return true;
}

vg_flow *vg_flow_table_handle(vg_flow_table *ft, vg_packet *p)
{
    p->flow = NULL;
    p->nstream_events = 0;
    if (ft->ndropq)
        vg_reasm_dropq_run(ft);
    if (!p->wants_flow || (p->flags & VG_PKT_INVALID) || p->ipver == 0)
        return NULL;
    if (timercmp(&p->ts, &ft->last_ts, >))
        ft->last_ts = p->ts;
    /* checksum-checks auto: at the 1000th packet, more than one in ten TCP
     * checksums wrong means offloading: stop validating (Suricata's rule) */
    if (ft->cfg.csum_mode == 2 && ++ft->st.csum_checked == 1000 &&
        ft->st.invalid_checksum && ft->st.csum_checked / ft->st.invalid_checksum < 10)
        ft->cfg.csum_mode = 0;

    flow_key k;
    uint32_t h;
    fnode *n = NULL;
    bool icmp_err = false;
    uint8_t eproto, es[16], ed[16];
    uint16_t esp, edp;
    if (icmp_error_tuple(p, &eproto, es, ed, &esp, &edp)) {
        make_key(&k, ft, eproto, 4, es, esp, ed, edp, p);
        h = key_hash(&k);
        n = lookup(ft, &k, h);
        icmp_err = n != NULL;
    }
    if (!n) {
        uint16_t sp = p->sp, dp = p->dp;
        if (p->proto != 6 && p->proto != 17 && p->proto != 132)
            sp = dp = 0; /* ICMP and others: one flow per address pair */
        make_key(&k, ft, p->proto, p->src.family, p->src.a, sp, p->dst.a, dp, p);
        h = key_hash(&k);
        n = lookup(ft, &k, h);
    }

    if (n && p->proto == 6 && !icmp_err && tcp_reuse(n, p)) {
        ft->st.tcp_reuse++;
        flow_end(ft, n, VG_FLOW_END_TCP_REUSE, &p->ts);
        n = NULL;
    }

    bool first = false;
    if (!n) {
        /* new flow: charge it, evicting under pressure.  Ended flows wait
         * for their callback (pending) and still hold memory; they are
         * bounded by PENDING_MAX, beyond which the last callback given to
         * expire() runs here. */
        if (live_memuse(ft) + sizeof(fnode) > ft->cfg.flow_memcap) {
            if (!ft->emergency) {
                ft->emergency = true;
                ft->st.emerg_entered++;
            }
            expire_scan(ft, &p->ts);
            if (ft->npending >= PENDING_MAX && ft->last_cb)
                run_pending(ft, ft->last_cb, ft->last_cb_arg);
            while (live_memuse(ft) + sizeof(fnode) > ft->cfg.flow_memcap &&
                   ft->npending < PENDING_MAX && evict_one(ft, &p->ts))
                ;
        }
        if (live_memuse(ft) + sizeof(fnode) > ft->cfg.flow_memcap) {
            ft->st.memcap_drop++;
            vg_flow_apply_exception(ft, NULL, p, EXT_FLOW_MEMCAP, ft->cfg.flow_memcap_policy);
            return NULL;
        }
        n = node_get(ft);
        if (!n) {
            ft->st.memcap_drop++;
            return NULL;
        }
        ft->flow_memuse += sizeof(fnode);
        n->key = k;
        n->hash = h;
        vg_flow *f = &n->f;
        f->src = p->src;
        f->dst = p->dst;
        f->sp = p->sp;
        f->dp = p->dp;
        f->proto = p->proto;
        if (p->proto == 1 || p->proto == 58) {
            f->sp = f->dp = 0;
            n->has_icmp = true;
            n->icmp_type = p->icmp_type;
            n->icmp_code = p->icmp_code;
        }
        f->vlan_n = p->vlan_n > 3 ? 3 : p->vlan_n;
        memcpy(f->vlan_id, p->vlan_id, sizeof f->vlan_id);
        f->start = f->last = p->ts;
        f->flow_id = make_flow_id(ft, h, &p->ts);
        n->hnext = ft->buckets[h & ft->mask];
        ft->buckets[h & ft->mask] = n;
        n->in_hash = true;
        n->state = FST_NEW;
        n->log_exc = ft->cfg.log_exception_policy;
        list_append(ft, n);
        ft->active++;
        ft->st.total++;
        switch (p->proto) {
        case 6: ft->st.tcp++; break;
        case 17: ft->st.udp++; break;
        case 1: ft->st.icmpv4++; break;
        case 58: ft->st.icmpv6++; break;
        default: break;
        }
        first = true;
    }

    vg_flow *f = &n->f;
    /* direction: ports first (when they differ), else addresses */
    bool toserver;
    if (icmp_err) {
        toserver = addr_eq(&f->src, p->src.a);
    } else if ((p->proto == 6 || p->proto == 17 || p->proto == 132) && p->sp != p->dp) {
        toserver = f->sp == p->sp;
    } else {
        toserver = addr_eq(&f->src, p->src.a);
    }

    p->flow = f;
    f->last = p->ts;
    /* requeue at most once per second of packet time (lists are ordered
     * by that second; expiry checks the exact time) */
    if (f->last.tv_sec > n->qsec) {
        list_unlink(ft, n);
        list_append(ft, n);
    }
    if (first)
        p->flags |= VG_PKT_FIRST_IN_FLOW;

    /* ICMP: remember the reply's type/code */
    if (!icmp_err && (p->proto == 1 || p->proto == 58) && !toserver && !n->has_resp_icmp) {
        n->has_resp_icmp = true;
        n->resp_icmp_type = p->icmp_type;
        n->resp_icmp_code = p->icmp_code;
    }

    bool swap = false;
    if (p->proto == 6 && !icmp_err && csum_accept(ft, p)) {
        p->flags |= toserver ? VG_PKT_TOSERVER : VG_PKT_TOCLIENT;
        vg_tcp_track(ft, n, p, &swap);
        if (f->tcp) {
            vg_reasm_settle(ft, f->tcp, &f->tcp->client);
            vg_reasm_settle(ft, f->tcp, &f->tcp->server);
        }
        if (swap) {
            /* the session was picked up from a SYN/ACK: its sender is the server */
            vg_flow_swap_dir(n);
            toserver = !toserver;
        }
        p->flags &= ~(uint32_t)(VG_PKT_TOSERVER | VG_PKT_TOCLIENT);
    }
    p->flags |= toserver ? VG_PKT_TOSERVER : VG_PKT_TOCLIENT;
    uint64_t bytes = p->raw_len ? p->raw_len : p->ip_len; /* whole frame, as Suricata counts */
    if (toserver) {
        f->pkts_toserver++;
        f->bytes_toserver += bytes;
        if (!icmp_err)
            f->flags |= VG_FLOW_TOSERVER_SEEN;
    } else {
        f->pkts_toclient++;
        f->bytes_toclient += bytes;
        if (!icmp_err)
            f->flags |= VG_FLOW_TOCLIENT_SEEN;
    }

    if (n->state == FST_ESTABLISHED || (n->state == FST_BYPASSED && (f->flags & VG_FLOW_ESTABLISHED))) {
        p->flags |= VG_PKT_ESTABLISHED;
    } else if (p->proto == 6) {
        if (f->tcp && f->tcp->state >= TCPS_ESTABLISHED)
            p->flags |= VG_PKT_ESTABLISHED;
    } else if ((f->flags & (VG_FLOW_TOSERVER_SEEN | VG_FLOW_TOCLIENT_SEEN)) ==
               (VG_FLOW_TOSERVER_SEEN | VG_FLOW_TOCLIENT_SEEN)) {
        p->flags |= VG_PKT_ESTABLISHED;
        vg_flow_set_state(ft, n, FST_ESTABLISHED);
    }
    if (f->tcp && f->tcp->state >= TCPS_ESTABLISHED)
        p->flags |= VG_PKT_STREAM_EST;
    if (f->flags & VG_FLOW_NOPAYLOAD_INSPECT)
        p->flags |= VG_PKT_NOPAYLOAD_INSPECT;
    return f;
}

void vg_flow_trigger_raw(vg_flow *f, bool toserver)
{
    if (!f || !f->tcp)
        return;
    tcp_stream *st = toserver ? &f->tcp->client : &f->tcp->server;
    st->flags |= STF_TRIGGER_RAW;
}

bool vg_flow_tcp_seq(const vg_flow *f, bool toserver, uint32_t *isn, uint32_t *next_seq)
{
    if (!f || !f->tcp || f->tcp->state == TCPS_NONE)
        return false;
    const tcp_stream *st = toserver ? &f->tcp->client : &f->tcp->server;
    *isn = st->isn;
    *next_seq = st->next_seq;
    return true;
}

const char *vg_flow_tcp_state(const vg_flow *f)
{
    return vg_tcp_state_name(f && f->tcp ? f->tcp->state : TCPS_NONE);
}

bool vg_flow_tcp_closed(const vg_flow *f)
{
    return f && f->tcp && f->tcp->state == TCPS_CLOSED;
}

int vg_flow_table_stream(vg_flow_table *ft, vg_packet *p, vg_stream_chunk *chunks, int max)
{
    vg_flow *f = p->flow;
    if (!f || !f->tcp || max <= 0 || p->proto != 6 || !(p->flags & VG_PKT_STREAM_EST) ||
        !ft->cfg.raw)
        return 0;
    struct vg_tcp_session *s = f->tcp;
    bool toserver = (p->flags & VG_PKT_TOSERVER) != 0;
    tcp_stream *st = toserver ? &s->client : &s->server;
    if (ft->cfg.inline_mode)
        return vg_reasm_raw_inline(ft, st, p, toserver, chunks);
    /* without an app-layer parser nothing else triggers raw inspection: ACKed
     * data is inspected at once, as Suricata does for app-layer-disabled sessions */
    if (!((f->flags & VG_FLOW_APP_DISABLED) && vg_reasm_acked_edge(st) > st->raw_progress &&
          st->nsegs) &&
        !vg_reasm_raw_ready(ft, s, st, toserver))
        return 0;
    uint64_t gaps = ft->st.reasm_gap;
    int n = vg_reasm_raw(ft, s, st, toserver, false, chunks, max, 0);
    if (ft->st.reasm_gap != gaps)
        vg_tcp_set_event(p, STEV_REASSEMBLY_SEQ_GAP); /* data skipped: never seen */
    return n;
}

/* ---- ending flows ---- */

static void run_pending(vg_flow_table *ft, vg_flow_end_cb cb, void *arg)
{
    while (ft->pend_head) {
        fnode *n = ft->pend_head;
        ft->npending--;
        ft->pend_head = n->next;
        if (!ft->pend_head)
            ft->pend_tail = NULL;
        n->next = n->prev = NULL;
        vg_stream_chunk ch[16];
        int nch = 0;
        struct vg_tcp_session *s = n->f.tcp;
        /* inline mode inspects each packet in context: nothing is left at
         * the end (Suricata: the flow timeout packet carries no payload) */
        if (s && n->state != FST_BYPASSED && !(n->f.flags & VG_FLOW_PASS) && ft->cfg.raw &&
            !ft->cfg.inline_mode) {
            int nts = vg_reasm_raw(ft, s, &s->client, true, true, ch, 8, 0);
            bool open = s->state >= TCPS_ESTABLISHED && s->state != TCPS_CLOSED;
            if (!nts && open) {
                memset(&ch[0], 0, sizeof ch[0]);
                ch[0].toserver = true;
                ch[0].flow_end = true;
                nts = 1;
            }
            int ntc = vg_reasm_raw(ft, s, &s->server, false, true, ch + nts, 8, 1);
            if (!ntc && open) {
                memset(&ch[nts], 0, sizeof ch[nts]);
                ch[nts].flow_end = true;
                ntc = 1;
            }
            nch = nts + ntc;
            ft->st.pseudo += (nts > 0) + (ntc > 0); /* one pseudo packet per direction */
        }
        ft->st.end_state[n->state]++;
        if (n->f.proto == 6)
            ft->st.end_tcp_state[s ? s->state : TCPS_NONE]++;
        if (n->end_reason == VG_FLOW_END_TIMEOUT)
            ft->st.mgr_timeout++;
        if (cb)
            cb(&n->f, n->end_reason, ch, nch, arg);
        node_put(ft, n);
    }
    check_emergency_over(ft);
}

void vg_flow_table_expire(vg_flow_table *ft, const struct timeval *now, vg_flow_end_cb cb,
                          void *arg)
{
    ft->last_cb = cb;
    ft->last_cb_arg = arg;
    vg_reasm_dropq_run(ft);
    expire_scan(ft, now);
    run_pending(ft, cb, arg);
}

void vg_flow_table_expire_all(vg_flow_table *ft, vg_flow_end_cb cb, void *arg)
{
    struct timeval now = ft->last_ts;
    vg_reasm_dropq_run(ft);
    /* least recently seen first: a deterministic order */
    for (;;) {
        fnode *best = NULL;
        for (int l = 0; l < NTLISTS; l++) {
            fnode *h = ft->lhead[l];
            if (h && (!best || timercmp(&h->f.last, &best->f.last, <)))
                best = h;
        }
        if (!best)
            break;
        flow_end(ft, best, VG_FLOW_END_SHUTDOWN, &now);
    }
    run_pending(ft, cb, arg);
}
