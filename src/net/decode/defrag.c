/*
 * defrag.c: IPv4 and IPv6 fragment reassembly.
 *
 * Fragments are kept per tracker, keyed on (family, source, destination,
 * identification, IPv4 protocol, VLAN ids, tunnel depth), each holding a
 * copy of its data in a list sorted by offset.  When the last fragment has
 * been seen and the fragments cover the datagram without a hole, the
 * datagram is rebuilt as a pseudo packet (VG_PKT_SRC_DEFRAG): the link
 * header and IP header of the first fragment (offset 0), with the IPv4
 * total length, flags/offset and checksum rewritten, or for IPv6 the
 * unfragmentable part with the fragment header removed and the payload
 * length rewritten; then it is decoded from its IP header down to L4.
 *
 * Overlaps follow Suricata's default policy "bsd": where fragments overlap,
 * the one with the lower offset wins, and at equal offsets the one that
 * arrived first.  "first", "last" and "linux" are there too (vigil's own key
 * defrag.policy).  An overlap raises ipv4/ipv6.frag_overlap on the fragment
 * that caused it; a datagram past 65,535 bytes raises frag_pkt_too_large and
 * the fragment is dropped.
 *
 * Limits (Suricata's keys and defaults): defrag.memcap (32 MiB, all stored
 * bytes and trackers), defrag.trackers (65,535), defrag.max-frags (65,535
 * stored fragments), defrag.timeout (60 s since a tracker's last fragment).
 * At the tracker or memory limit the least recently used tracker is dropped
 * (tracker_hard_reuse); if that is not enough the fragment is ignored
 * (frag_ignored, max_trackers_reached / max_frags_reached).  A tracker holds
 * at most 1,024 fragments.
 */
#include <stdlib.h>
#include <string.h>

#include "net/decode/decode_int.h"

#define MAX_FRAGS_PER_TRACKER 1024
#define MAX_DATAGRAM 65535u

enum { POL_BSD, POL_FIRST, POL_LAST, POL_LINUX };

typedef struct frag {
    struct frag *next; /* sorted by offset, then arrival */
    uint32_t off, len; /* bytes of the fragmentable part */
    uint32_t seq;      /* arrival order */
    uint8_t data[];
} frag;

typedef struct tracker {
    struct tracker *hnext;         /* hash chain */
    struct tracker *older, *newer; /* LRU list */
    uint32_t hash;
    uint8_t af, proto, depth, vlan_n;
    uint16_t vlan[3];
    uint32_t id;
    uint8_t src[16], dst[16];
    struct timeval last;
    frag *frags;
    uint32_t nfrags, seq;
    bool seen_last;
    uint32_t total;   /* end of the last fragment */
    uint8_t *hdr;     /* first fragment: link header + IP header / unfragmentable part */
    uint32_t hdr_len, link_len;
    uint32_t prev_nh_off; /* IPv6: offset (from the IP header) of the byte naming the FH */
    uint8_t nh;           /* IPv6: header after the fragment header */
    uint64_t mem;
} tracker;

struct vg_defrag {
    tracker **buckets;
    uint32_t nbuckets;
    tracker *oldest, *newest;
    uint64_t memuse, memcap;
    uint32_t ntrackers, max_trackers;
    uint32_t nfrags, max_frags;
    uint32_t timeout;
    int policy;
    /* counters */
    uint64_t frags4, frags6, reasm4, reasm6;
    uint64_t max_trackers_reached, max_frags_reached, hard_reuse, soft_reuse;
    uint64_t wrk_timeout, mgr_timeout;
};

/* A size or count setting: absent keeps *v; present must parse (sizes take
 * Suricata's units, "32 MiB", "64kb") and lie in [lo, hi]. */
static int conf_size(const vg_conf *conf, const char *key, uint64_t lo, uint64_t hi, uint64_t *v,
                     char *errbuf)
{
    const vg_conf_node *n = vg_conf_node_get(conf, key);
    if (!n || !n->value)
        return VG_OK;
    uint64_t x;
    if (vg_conf_parse_size(n->value, &x) != VG_OK || x < lo || x > hi) {
        char where[256];
        return vg_err(errbuf, VG_EINVAL, "%s: %s: \"%s\" is not a number between %llu and %llu",
                      vg_conf_node_where(n, where, sizeof where), key, n->value,
                      (unsigned long long)lo, (unsigned long long)hi);
    }
    *v = x;
    return VG_OK;
}

int vg_defrag_new(vg_defrag **out, const vg_conf *conf, char *errbuf)
{
    vg_defrag *df = calloc(1, sizeof *df);
    if (!df)
        return vg_err(errbuf, VG_ENOMEM, "defrag: out of memory");
    df->memcap = 32u << 20;
    df->max_trackers = 65535;
    df->max_frags = 65535;
    df->timeout = 60;
    df->nbuckets = 65536;
    df->policy = POL_BSD;
    if (conf) {
        int rc = conf_size(conf, "defrag.memcap", 1024, UINT64_MAX, &df->memcap, errbuf);
        uint64_t v = df->max_trackers;
        if (rc == VG_OK && (rc = conf_size(conf, "defrag.trackers", 1, UINT32_MAX, &v, errbuf)) == VG_OK)
            df->max_trackers = (uint32_t)v;
        v = df->max_frags;
        if (rc == VG_OK && (rc = conf_size(conf, "defrag.max-frags", 1, UINT32_MAX, &v, errbuf)) == VG_OK)
            df->max_frags = (uint32_t)v;
        v = df->timeout;
        if (rc == VG_OK && (rc = conf_size(conf, "defrag.timeout", 1, 86400, &v, errbuf)) == VG_OK)
            df->timeout = (uint32_t)v;
        v = df->nbuckets;
        if (rc == VG_OK && (rc = conf_size(conf, "defrag.hash-size", 16, 1 << 24, &v, errbuf)) == VG_OK)
            df->nbuckets = (uint32_t)v;
        if (rc != VG_OK) {
            free(df);
            return rc;
        }
        const char *pol = vg_conf_get(conf, "defrag.policy");
        if (pol) {
            if (strcmp(pol, "bsd") == 0)
                df->policy = POL_BSD;
            else if (strcmp(pol, "first") == 0)
                df->policy = POL_FIRST;
            else if (strcmp(pol, "last") == 0)
                df->policy = POL_LAST;
            else if (strcmp(pol, "linux") == 0)
                df->policy = POL_LINUX;
            else {
                char where[256];
                free(df);
                return vg_err(errbuf, VG_EINVAL,
                              "%s: defrag.policy: \"%s\" is not bsd, first, last or linux",
                              vg_conf_node_where(vg_conf_node_get(conf, "defrag.policy"), where,
                                                 sizeof where),
                              pol);
            }
        }
    }
    df->buckets = calloc(df->nbuckets, sizeof *df->buckets);
    if (!df->buckets) {
        free(df);
        return vg_err(errbuf, VG_ENOMEM, "defrag: out of memory");
    }
    *out = df;
    return VG_OK;
}

static void tracker_unlink(vg_defrag *df, tracker *t)
{
    tracker **pp = &df->buckets[t->hash % df->nbuckets];
    while (*pp && *pp != t)
        pp = &(*pp)->hnext;
    if (*pp)
        *pp = t->hnext;
    if (t->older)
        t->older->newer = t->newer;
    else
        df->oldest = t->newer;
    if (t->newer)
        t->newer->older = t->older;
    else
        df->newest = t->older;
}

static void tracker_free(vg_defrag *df, tracker *t)
{
    tracker_unlink(df, t);
    for (frag *f = t->frags, *n; f; f = n) {
        n = f->next;
        free(f);
    }
    df->nfrags -= t->nfrags;
    df->memuse -= t->mem;
    df->ntrackers--;
    free(t->hdr);
    free(t);
}

void vg_defrag_free(vg_defrag *df)
{
    if (!df)
        return;
    while (df->oldest)
        tracker_free(df, df->oldest);
    free(df->buckets);
    free(df);
}

static bool expired(const vg_defrag *df, const tracker *t, const struct timeval *now)
{
    return now->tv_sec > t->last.tv_sec + (time_t)df->timeout ||
           (now->tv_sec == t->last.tv_sec + (time_t)df->timeout && now->tv_usec > t->last.tv_usec);
}

void vg_defrag_expire(vg_defrag *df, const struct timeval *now)
{
    while (df->oldest && expired(df, df->oldest, now)) {
        df->mgr_timeout++;
        tracker_free(df, df->oldest);
    }
}

static uint32_t hash_key(uint8_t af, const uint8_t *src, const uint8_t *dst, uint32_t id,
                         uint8_t proto)
{
    /* FNV-1a over the key; the table is per thread and trackers are capped,
     * so chains stay short even under a crafted flood. */
    uint32_t h = 2166136261u;
    int n = af == 4 ? 4 : 16;
    for (int i = 0; i < n; i++)
        h = (h ^ src[i]) * 16777619u;
    for (int i = 0; i < n; i++)
        h = (h ^ dst[i]) * 16777619u;
    for (int i = 0; i < 4; i++)
        h = (h ^ (uint8_t)(id >> (8 * i))) * 16777619u;
    h = (h ^ proto) * 16777619u;
    return h ^ af;
}

/* Make room for `need` more bytes (and one more tracker when `tracker`):
 * drop least recently used trackers other than `keep`. */
static bool make_room(vg_defrag *df, uint64_t need, bool new_tracker, const tracker *keep)
{
    while (df->memuse + need > df->memcap ||
           (new_tracker && df->ntrackers >= df->max_trackers)) {
        tracker *victim = df->oldest;
        if (victim == keep)
            victim = victim ? victim->newer : NULL;
        if (!victim)
            return false;
        df->hard_reuse++;
        tracker_free(df, victim);
    }
    return true;
}

static void touch(vg_defrag *df, tracker *t, const struct timeval *now)
{
    t->last = *now;
    if (df->newest == t)
        return;
    /* move to the newest end */
    if (t->older)
        t->older->newer = t->newer;
    else
        df->oldest = t->newer;
    if (t->newer)
        t->newer->older = t->older;
    t->older = df->newest;
    t->newer = NULL;
    if (df->newest)
        df->newest->newer = t;
    df->newest = t;
    if (!df->oldest)
        df->oldest = t;
}

static tracker *lookup(vg_defrag *df, const vg_packet *p, uint32_t id, uint8_t proto,
                       bool *ignored)
{
    uint8_t af = p->ipver;
    uint32_t h = hash_key(af, p->src.a, p->dst.a, id, proto);
    tracker **pp = &df->buckets[h % df->nbuckets];
    int n = af == 4 ? 4 : 16;
    for (tracker *t = *pp; t; t = t->hnext) {
        if (t->hash == h && t->af == af && t->id == id && t->proto == proto &&
            t->depth == p->depth && t->vlan_n == p->vlan_n &&
            memcmp(t->vlan, p->vlan_id, sizeof t->vlan) == 0 && memcmp(t->src, p->src.a, n) == 0 &&
            memcmp(t->dst, p->dst.a, n) == 0) {
            if (expired(df, t, &p->ts)) {
                df->wrk_timeout++;
                tracker_free(df, t);
                break;
            }
            return t;
        }
    }
    if (!make_room(df, sizeof(tracker), true, NULL)) {
        df->max_trackers_reached++;
        *ignored = true;
        return NULL;
    }
    tracker *t = calloc(1, sizeof *t);
    if (!t) {
        *ignored = true;
        return NULL;
    }
    t->hash = h;
    t->af = af;
    t->id = id;
    t->proto = proto;
    t->depth = p->depth;
    t->vlan_n = p->vlan_n;
    memcpy(t->vlan, p->vlan_id, sizeof t->vlan);
    memcpy(t->src, p->src.a, 16);
    memcpy(t->dst, p->dst.a, 16);
    t->mem = sizeof *t;
    df->memuse += t->mem;
    df->ntrackers++;
    pp = &df->buckets[h % df->nbuckets];
    t->hnext = *pp;
    *pp = t;
    t->older = df->newest;
    if (df->newest)
        df->newest->newer = t;
    df->newest = t;
    if (!df->oldest)
        df->oldest = t;
    return t;
}

/* Store one fragment; returns false when it was ignored. */
static bool insert(vg_defrag *df, tracker *t, uint32_t off, const uint8_t *data, uint32_t len,
                   bool last, bool *overlap)
{
    if (t->nfrags >= MAX_FRAGS_PER_TRACKER || df->nfrags >= df->max_frags) {
        df->max_frags_reached++;
        return false;
    }
    if (!make_room(df, sizeof(frag) + len, false, t))
        return false;
    frag *f = malloc(sizeof *f + len);
    if (!f)
        return false;
    f->off = off;
    f->len = len;
    f->seq = t->seq++;
    memcpy(f->data, data, len);
    frag **pp = &t->frags;
    while (*pp && (*pp)->off <= off)
        pp = &(*pp)->next;
    f->next = *pp;
    *pp = f;
    for (frag *g = t->frags; g; g = g->next)
        if (g != f && g->off < off + len && off < g->off + g->len)
            *overlap = true;
    t->nfrags++;
    df->nfrags++;
    t->mem += sizeof *f + len;
    df->memuse += sizeof *f + len;
    if (last && !t->seen_last) {
        t->seen_last = true;
        t->total = off + len;
    }
    return true;
}

static bool complete(const tracker *t)
{
    if (!t->seen_last || !t->hdr)
        return false;
    uint32_t covered = 0;
    for (const frag *f = t->frags; f; f = f->next) {
        if (f->off > covered)
            return false;
        if (f->off + f->len > covered)
            covered = f->off + f->len;
        if (covered >= t->total)
            return true;
    }
    return covered >= t->total;
}

/* Lower rank is written later, i.e. wins. */
static int policy_cmp(int policy, const frag *a, const frag *b)
{
    switch (policy) {
    case POL_FIRST: return a->seq < b->seq ? -1 : 1;
    case POL_LAST: return a->seq > b->seq ? -1 : 1;
    case POL_LINUX:
        if (a->off != b->off)
            return a->off < b->off ? -1 : 1;
        return a->seq > b->seq ? -1 : 1;
    default: /* bsd */
        if (a->off != b->off)
            return a->off < b->off ? -1 : 1;
        return a->seq < b->seq ? -1 : 1;
    }
}

static int frag_rank_desc(const void *x, const void *y, void *arg)
{
    const frag *a = *(const frag *const *)x, *b = *(const frag *const *)y;
    return -policy_cmp(*(const int *)arg, a, b);
}

static uint16_t ip_csum(const uint8_t *h, uint32_t len)
{
    uint32_t sum = 0;
    for (uint32_t i = 0; i + 1 < len; i += 2)
        if (i != 10)
            sum += (uint32_t)(h[i] << 8 | h[i + 1]);
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)~sum;
}

/* Rebuild, decode and queue the datagram of a complete tracker; the
 * tracker is freed.  It is freed before the datagram is decoded: decoding
 * may reach the defragmenter again (fragments inside the datagram) and
 * evict trackers. */
static void reassemble(vg_decoder *d, vg_defrag *df, tracker *t, vg_packet *p)
{
    uint32_t ip_hdr = t->hdr_len - t->link_len; /* IPv4 header / IPv6 unfragmentable part */
    uint32_t total = t->hdr_len + t->total;
    uint32_t link_len = t->link_len, payload_len = t->total;
    uint8_t af = t->af;
    vg_packet *rp = NULL;
    frag **order = NULL;
    if (d->qn >= VG_DEC_QMAX) {
        vg_dec_count(d, VG_C_TOO_MANY_LAYERS);
        goto fail;
    }
    rp = vg_dec_pseudo_new(d, p, total);
    order = malloc(t->nfrags * sizeof *order);
    if (!rp || !order)
        goto fail;
    uint8_t *buf = rp->owned;
    memcpy(buf, t->hdr, t->hdr_len);
    uint8_t *pay = buf + t->hdr_len;
    uint32_t n = 0;
    for (frag *f = t->frags; f; f = f->next)
        order[n++] = f;
    qsort_r(order, n, sizeof *order, frag_rank_desc, &df->policy);
    for (uint32_t i = 0; i < n; i++) {
        const frag *f = order[i];
        if (f->off >= t->total)
            continue;
        uint32_t l = VG_MIN(f->len, t->total - f->off);
        memcpy(pay + f->off, f->data, l);
    }
    uint8_t *ip = buf + link_len;
    if (af == 4) {
        uint32_t iplen = ip_hdr + payload_len;
        ip[2] = (uint8_t)(iplen >> 8);
        ip[3] = (uint8_t)iplen;
        ip[6] = ip[7] = 0;
        uint16_t c = ip_csum(ip, ip_hdr);
        ip[10] = (uint8_t)(c >> 8);
        ip[11] = (uint8_t)c;
    } else {
        uint32_t plen = ip_hdr - 40 + payload_len;
        ip[4] = (uint8_t)(plen >> 8);
        ip[5] = (uint8_t)plen;
        ip[t->prev_nh_off] = t->nh;
    }
    free(order);
    tracker_free(df, t);
    t = NULL;

    rp->raw = buf;
    rp->raw_len = total;
    rp->pkt_src = VG_PKT_SRC_DEFRAG;
    rp->pkt_src_name = "defrag";
    rp->vlan_n = p->vlan_n;
    memcpy(rp->vlan_id, p->vlan_id, sizeof rp->vlan_id);
    rp->ethertype = p->ethertype;
    if (af == 4)
        df->reasm4++;
    else
        df->reasm6++;

    int slot = d->qn;
    d->q[d->qn++] = NULL;
    if (af == 4)
        vg_dec_ipv4(d, rp, ip, ip_hdr + payload_len);
    else
        vg_dec_ipv6(d, rp, ip, ip_hdr + payload_len);
    vg_dec_finish(d, rp);
    d->q[slot] = rp;
    return;
fail:
    free(order);
    vg_packet_free(rp);
    tracker_free(df, t);
}

/* Shared tail of the IPv4/IPv6 entry points.  hdr/hdr_len: what the first
 * fragment contributes (link header + IP header / unfragmentable part). */
static void handle(vg_decoder *d, vg_packet *p, uint32_t id, uint8_t proto, uint32_t off,
                   const uint8_t *data, uint32_t len, bool more, const uint8_t *hdr,
                   uint32_t hdr_len, uint32_t link_len, uint32_t prev_nh_off, uint8_t nh)
{
    vg_defrag *df = d->defrag;
    bool v4 = p->ipver == 4;
    if (v4)
        df->frags4++;
    else
        df->frags6++;
    if (off + len + (hdr_len - link_len) > MAX_DATAGRAM) {
        vg_dec_event(d, p, v4 ? VG_EV_IPV4_FRAG_PKT_TOO_LARGE : VG_EV_IPV6_FRAG_PKT_TOO_LARGE);
        return;
    }
    bool ignored = false, overlap = false;
    tracker *t = lookup(df, p, id, proto, &ignored);
    if (!t) {
        vg_dec_event(d, p, v4 ? VG_EV_IPV4_FRAG_IGNORED : VG_EV_IPV6_FRAG_IGNORED);
        return;
    }
    touch(df, t, &p->ts);
    if (off == 0 && !t->hdr) {
        if (!make_room(df, hdr_len, false, t) || !(t->hdr = malloc(hdr_len))) {
            vg_dec_event(d, p, v4 ? VG_EV_IPV4_FRAG_IGNORED : VG_EV_IPV6_FRAG_IGNORED);
            return;
        }
        memcpy(t->hdr, hdr, hdr_len);
        t->hdr_len = hdr_len;
        t->link_len = link_len;
        t->prev_nh_off = prev_nh_off;
        t->nh = nh;
        t->mem += hdr_len;
        df->memuse += hdr_len;
    }
    if (!insert(df, t, off, data, len, !more, &overlap)) {
        vg_dec_event(d, p, v4 ? VG_EV_IPV4_FRAG_IGNORED : VG_EV_IPV6_FRAG_IGNORED);
        return;
    }
    if (overlap)
        vg_dec_event(d, p, v4 ? VG_EV_IPV4_FRAG_OVERLAP : VG_EV_IPV6_FRAG_OVERLAP);
    if (t->seen_last && t->total + (t->hdr ? t->hdr_len - t->link_len : 0) > MAX_DATAGRAM) {
        vg_dec_event(d, p, v4 ? VG_EV_IPV4_FRAG_PKT_TOO_LARGE : VG_EV_IPV6_FRAG_PKT_TOO_LARGE);
        tracker_free(df, t);
        return;
    }
    if (complete(t))
        reassemble(d, df, t, p);
}

/* Bytes of the frame before the IP header, when ip lies inside raw. */
static uint32_t link_len_of(const vg_packet *p, const uint8_t *ip)
{
    if (p->raw && ip >= p->raw && ip < p->raw + p->raw_len)
        return (uint32_t)(ip - p->raw);
    return 0;
}

void vg_defrag_ipv4(vg_decoder *d, vg_packet *p, const uint8_t *ip, uint32_t len)
{
    uint32_t hlen = p->ip_hlen;
    uint32_t link = link_len_of(p, ip);
    handle(d, p, p->ip_id, p->proto, (uint32_t)p->frag_off * 8, ip + hlen, len - hlen,
           p->frag_mf, ip - link, link + hlen, link, 0, 0);
}

void vg_defrag_ipv6(vg_decoder *d, vg_packet *p, const uint8_t *ip, uint32_t len,
                    uint32_t fh_off, uint32_t prev_nh_off)
{
    uint32_t link = link_len_of(p, ip);
    uint32_t data_off = fh_off + 8;
    handle(d, p, p->ip6_frag_id, 0, (uint32_t)p->frag_off * 8, ip + data_off, len - data_off,
           p->frag_mf, ip - link, link + fh_off, link, prev_nh_off, ip[fh_off]);
}

void vg_defrag_stats_eve(const vg_defrag *df, vg_jb *jb)
{
    vg_jb_open_obj(jb, "defrag");
    vg_jb_open_obj(jb, "ipv4");
    vg_jb_u64(jb, "fragments", df->frags4);
    vg_jb_u64(jb, "reassembled", df->reasm4);
    vg_jb_close_obj(jb);
    vg_jb_open_obj(jb, "ipv6");
    vg_jb_u64(jb, "fragments", df->frags6);
    vg_jb_u64(jb, "reassembled", df->reasm6);
    vg_jb_close_obj(jb);
    vg_jb_u64(jb, "max_trackers_reached", df->max_trackers_reached);
    vg_jb_u64(jb, "max_frags_reached", df->max_frags_reached);
    vg_jb_u64(jb, "tracker_soft_reuse", df->soft_reuse);
    vg_jb_u64(jb, "tracker_hard_reuse", df->hard_reuse);
    vg_jb_open_obj(jb, "wrk");
    vg_jb_u64(jb, "tracker_timeout", df->wrk_timeout);
    vg_jb_close_obj(jb);
    vg_jb_open_obj(jb, "mgr");
    vg_jb_u64(jb, "tracker_timeout", df->mgr_timeout);
    vg_jb_close_obj(jb);
    vg_jb_u64(jb, "memuse", df->memuse);
    vg_jb_close_obj(jb);
}

uint64_t vg_defrag_memuse(const vg_defrag *df) { return df->memuse; }
uint32_t vg_defrag_trackers(const vg_defrag *df) { return df->ntrackers; }
