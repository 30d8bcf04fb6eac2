/*
 * kw_tag.c: the tag keyword (Suricata's "tagging of the current and future
 * packets"): tag:<session|host>[,<count>,<packets|bytes|seconds>[,<src|dst>]].
 *
 * When a sig with tag matches, the packets that follow it are tagged:
 * session tags count the later packets of the same flow, host tags the
 * later packets from or to one address (the packet's destination unless
 * the rule says src).  Without a count the default is 256 packets.  The
 * matching packet itself is not tagged (its alert already logs it); each
 * tagged packet gets VG_PKT_TAGGED and the outputs log it as an EVE
 * `packet` record when the alert output's tagged-packets is on.
 *
 * State: one session tag per flow (in vg_det_flow; a sig that matches again
 * while the flow is tagged does not extend it) and a capped per-thread
 * table of host tags (VG_TAG_HOSTS entries; when full the oldest entry is
 * replaced and counted).
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "net/detect/detect_int.h"

enum { TAG_SESSION = 0, TAG_HOST = 1 };

typedef struct tag_ctx {
    uint8_t scope;      /* TAG_SESSION, TAG_HOST */
    uint8_t metric;     /* VG_TAG_PACKETS, VG_TAG_BYTES, VG_TAG_SECONDS */
    bool src;           /* host: tag the source address (default destination) */
    uint32_t count;
} tag_ctx;

extern const vg_keyword vg_kw_tag;

static int tag_setup(vg_rule_parser *rp, vg_sig *s, const char *arg, char *errbuf)
{
    (void)rp;
    char tmp[128];
    if (vg_rule_unquote(arg, tmp, sizeof(tmp)) != VG_OK)
        return vg_err(errbuf, VG_EINVAL, "bad tag");
    char *f[5];
    int nf = vg_rule_split(tmp, f, 5);
    if (nf < 0)
        return vg_err(errbuf, VG_EINVAL, "too many tag fields");
    if (nf == 0)
        return vg_err(errbuf, VG_EINVAL, "empty tag");
    tag_ctx c = {TAG_SESSION, VG_TAG_PACKETS, false, 256};
    if (strcmp(f[0], "host") == 0)
        c.scope = TAG_HOST;
    else if (strcmp(f[0], "session") != 0)
        return vg_err(errbuf, VG_EINVAL, "tag type must be session or host");
    if (nf >= 2) {
        char *end;
        unsigned long n = strtoul(f[1], &end, 10);
        if (!isdigit((unsigned char)f[1][0]) || *end || n > UINT32_MAX)
            return vg_err(errbuf, VG_EINVAL, "tag count must be a number");
        if (nf < 3)
            return vg_err(errbuf, VG_EINVAL, "tag count needs a unit");
        if (strcmp(f[2], "packets") == 0)
            c.metric = VG_TAG_PACKETS;
        else if (strcmp(f[2], "bytes") == 0)
            c.metric = VG_TAG_BYTES;
        else if (strcmp(f[2], "seconds") == 0)
            c.metric = VG_TAG_SECONDS;
        else
            return vg_err(errbuf, VG_EINVAL, "tag unit must be packets, seconds or bytes");
        c.count = (uint32_t)n;
    }
    if (nf >= 4) {
        if (c.scope != TAG_HOST || (strcmp(f[3], "src") && strcmp(f[3], "dst")))
            return vg_err(errbuf, VG_EINVAL, "tag direction must be src or dst (host only)");
        c.src = strcmp(f[3], "src") == 0;
    }
    if (nf == 5)
        return vg_err(errbuf, VG_EINVAL, "too many tag fields");
    tag_ctx *ctx = malloc(sizeof *ctx);
    if (!ctx)
        return vg_err(errbuf, VG_ENOMEM, "out of memory");
    *ctx = c;
    if (!vg_sig_append(s, VG_LIST_POSTMATCH, &vg_kw_tag, ctx)) {
        free(ctx);
        return vg_err(errbuf, VG_ENOMEM, "out of memory");
    }
    return VG_OK;
}

static void tag_start(vg_tag *t, const tag_ctx *c, const vg_packet *p)
{
    t->active = true;
    t->skip_first = true; /* the matching packet is logged by its alert */
    t->metric = c->metric;
    t->left = c->count;
    t->start = p->ts.tv_sec;
}

/* Postmatch: start the tag (once: an active tag is not extended). */
static int tag_match(const vg_match_ctx *mc, const vg_sm *sm)
{
    const tag_ctx *c = sm->ctx;
    const vg_packet *p = mc->p;
    if (c->scope == TAG_SESSION) {
        vg_det_flow *df = vg_det_flow_get(mc);
        if (df && !df->tag.active)
            tag_start(&df->tag, c, p);
        return 1;
    }
    if (p->ipver != 4 && p->ipver != 6)
        return 1;
    vg_det_thread *dt = mc->dt;
    const vg_addr *a = c->src ? &p->src : &p->dst;
    vg_host_tag *slot = NULL, *oldest = NULL;
    for (uint32_t i = 0; i < dt->nhost_tags; i++) {
        vg_host_tag *h = &dt->host_tags[i];
        if (h->tag.active && memcmp(&h->addr, a, sizeof *a) == 0)
            return 1; /* already tagged */
        if (!h->tag.active && !slot)
            slot = h;
        if (!oldest || h->tag.start < oldest->tag.start)
            oldest = h;
    }
    if (!slot && dt->nhost_tags < VG_TAG_HOSTS)
        slot = &dt->host_tags[dt->nhost_tags++];
    if (!slot) {
        slot = oldest;
        dt->host_tags_replaced++;
    }
    if (!slot)
        return 1;
    memset(slot, 0, sizeof *slot);
    slot->addr = *a;
    tag_start(&slot->tag, c, p);
    return 1;
}

/* One packet against one tag: true when p is tagged by it (the tag may end). */
static bool tag_step(vg_tag *t, const vg_packet *p)
{
    if (!t->active)
        return false;
    if (t->skip_first) {
        t->skip_first = false;
        return false;
    }
    switch (t->metric) {
    case VG_TAG_PACKETS:
        if (t->left == 0) {
            t->active = false;
            return false;
        }
        t->left--;
        return true;
    case VG_TAG_BYTES: {
        uint32_t n = p->raw_len ? p->raw_len : p->ip_len;
        if (t->left == 0) {
            t->active = false;
            return false;
        }
        t->left = n >= t->left ? 0 : t->left - n;
        return true;
    }
    default: /* seconds */
        if ((int64_t)p->ts.tv_sec - t->start > (int64_t)t->left) {
            t->active = false;
            return false;
        }
        return true;
    }
}

void vg_tag_packet(vg_det_thread *dt, vg_packet *p)
{
    bool tagged = false;
    vg_det_flow *df = p->flow ? p->flow->detect_state : NULL;
    if (df && df->tag.active)
        tagged = tag_step(&df->tag, p);
    for (uint32_t i = 0; i < dt->nhost_tags && (p->ipver == 4 || p->ipver == 6); i++) {
        vg_host_tag *h = &dt->host_tags[i];
        if (h->tag.active && (memcmp(&h->addr, &p->src, sizeof p->src) == 0 ||
                              memcmp(&h->addr, &p->dst, sizeof p->dst) == 0))
            tagged |= tag_step(&h->tag, p);
    }
    while (dt->nhost_tags && !dt->host_tags[dt->nhost_tags - 1].tag.active)
        dt->nhost_tags--;
    if (tagged)
        p->flags |= VG_PKT_TAGGED;
}

const vg_keyword vg_kw_tag = {"tag", NULL, 0, tag_setup, tag_match, free};
