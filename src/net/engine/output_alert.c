/*
 * output_alert.c: the EVE alert record and its settings, in Suricata 8.0's
 * shape: the packet header, tx_id, the alert object {action, gid,
 * signature_id, rev, signature, category, severity, source/target,
 * metadata {key: [values]}, rule, references}, the tunnel object for
 * decapsulated packets, app_proto, direction and the flow object, then the
 * optional payload / payload_printable / stream / payload_length, packet /
 * packet_info and verdict.
 *
 * xff (HTTP flows, when enabled): the address of the configured header of
 * the alert's transaction is written as alert.xff (extra-data) or replaces
 * the client side's address in the record (overwrite: dest_ip on a packet
 * to the client, src_ip otherwise), as Suricata does.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "core/log.h"
#include "net/app/app.h"
#include "net/app/app_feat.h"
#include "net/detect.h"
#include "net/engine/output.h"
#include "net/engine/out_mb.h"
#include "net/flow.h"

void vg_alert_cfg_default(vg_alert_cfg *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    /* Suricata 8: "metadata" absent means app-layer, flow and rule metadata on */
    cfg->flow = true;
    cfg->app_layer = true;
    cfg->rule_metadata = true;
    cfg->payload_buffer_size = 4096;
}

bool vg_output_child_bool(const vg_conf_node *n, const char *key, bool dflt)
{
    const vg_conf_node *c = vg_conf_node_child(n, key);
    bool b;
    if (c && c->value && vg_conf_parse_bool(c->value, &b) == VG_OK)
        return b;
    return dflt;
}

static void xff_warn(const vg_conf_node *n, const char *what, const char *v, const char *dflt)
{
    char where[300];
    vg_warn("%s: xff %s '%s' is not valid; using %s", vg_conf_node_where(n, where, sizeof where),
            what, v, dflt);
}

/* An xff settings node (enabled, mode, deployment, header). */
static void xff_node(vg_alert_cfg *cfg, const vg_conf_node *x)
{
    cfg->xff_mode = VG_XFF_OFF;
    if (!x || !vg_output_child_bool(x, "enabled", false))
        return;
    const vg_conf_node *m = vg_conf_node_child(x, "mode");
    cfg->xff_mode = VG_XFF_EXTRA_DATA;
    if (m && m->value && strcasecmp(m->value, "overwrite") == 0)
        cfg->xff_mode = VG_XFF_OVERWRITE;
    else if (m && m->value && strcasecmp(m->value, "extra-data") != 0)
        xff_warn(m, "mode", m->value, "extra-data");
    const vg_conf_node *d = vg_conf_node_child(x, "deployment");
    cfg->xff_last = true;
    if (d && d->value && strcasecmp(d->value, "forward") == 0)
        cfg->xff_last = false;
    else if (d && d->value && strcasecmp(d->value, "reverse") != 0)
        xff_warn(d, "deployment", d->value, "reverse");
    const vg_conf_node *h = vg_conf_node_child(x, "header");
    const char *hv = h && h->value && *h->value ? h->value : "X-Forwarded-For";
    if (strlen(hv) >= sizeof cfg->xff_header || strpbrk(hv, ": \t\r\n")) {
        xff_warn(h, "header", hv, "X-Forwarded-For");
        hv = "X-Forwarded-For";
    }
    snprintf(cfg->xff_header, sizeof cfg->xff_header, "%s", hv);
}

/* xff settings: the alert type's own, else the eve-log's (alert is the
 * settings node of `- alert:` inside eve-log.types). */
static void xff_load(vg_alert_cfg *cfg, const vg_conf_node *alert)
{
    const vg_conf_node *x = vg_conf_node_child(alert, "xff");
    const vg_conf_node *eve = alert->parent && alert->parent->parent ? alert->parent->parent->parent
                                                                      : NULL;
    if (!x && eve)
        x = vg_conf_node_child(eve, "xff");
    xff_node(cfg, x);
}

void vg_alert_cfg_eve_xff(vg_alert_cfg *cfg, const vg_conf_node *eve_log)
{
    xff_node(cfg, eve_log ? vg_conf_node_child(eve_log, "xff") : NULL);
}

void vg_alert_cfg_load(vg_alert_cfg *cfg, const vg_conf_node *alert)
{
    vg_alert_cfg_default(cfg);
    if (!alert)
        return;
    xff_load(cfg, alert);
    cfg->payload = vg_output_child_bool(alert, "payload", false);
    cfg->payload_printable = vg_output_child_bool(alert, "payload-printable", false);
    cfg->payload_length = vg_output_child_bool(alert, "payload-length", false);
    cfg->packet = vg_output_child_bool(alert, "packet", false);
    cfg->verdict = vg_output_child_bool(alert, "verdict", false);
    cfg->tagged_packets = vg_output_child_bool(alert, "tagged-packets", false);
    const vg_conf_node *sz = vg_conf_node_child(alert, "payload-buffer-size");
    uint64_t v;
    if (sz && sz->value && vg_conf_parse_size(sz->value, &v) == VG_OK && v > 0)
        cfg->payload_buffer_size = v > (1u << 24) ? (1u << 24) : (uint32_t)v;
    const vg_conf_node *md = vg_conf_node_child(alert, "metadata");
    if (!md)
        return;
    bool b;
    if (md->value) {
        /* metadata: yes|no switches app-layer, flow and rule metadata together */
        if (vg_conf_parse_bool(md->value, &b) == VG_OK)
            cfg->flow = cfg->app_layer = cfg->rule_metadata = b;
        return;
    }
    cfg->app_layer = vg_output_child_bool(md, "app-layer", true);
    cfg->flow = vg_output_child_bool(md, "flow", true);
    cfg->rule_metadata = vg_output_child_bool(md, "rule.metadata", true);
    cfg->rule_raw = vg_output_child_bool(md, "rule.raw", false);
    cfg->references = vg_output_child_bool(md, "rule.reference", false);
}

const char *vg_alert_action(const vg_alert *a, bool ips)
{
    uint8_t act = a->sig ? a->sig->action : 0;
    if (act & VG_ACTION_REJECT)
        return "blocked";
    /* a drop only blocks inline (IPS); in IDS mode the packet went through */
    if (ips && ((a->flags & VG_ALERT_DROP) || (act & VG_ACTION_DROP)))
        return "blocked";
    return "allowed";
}

/* Trimmed [s, e) of a metadata item's key or value. */
static void trim(const char **s, const char **e)
{
    while (*s < *e && isspace((unsigned char)**s))
        (*s)++;
    while (*e > *s && isspace((unsigned char)(*e)[-1]))
        (*e)--;
}

typedef struct md_item {
    const char *k, *ke, *v, *ve;
} md_item;

#define MD_MAX 64

/* Split the rule's metadata ("key value" strings, possibly several per
 * string separated by commas) into items; returns the count. */
static int md_split(char *const *md, md_item *items)
{
    int n = 0;
    for (int i = 0; md && md[i] && n < MD_MAX; i++) {
        const char *s = md[i];
        while (*s && n < MD_MAX) {
            const char *end = strchr(s, ',');
            if (!end)
                end = s + strlen(s);
            const char *k = s, *ke = end;
            trim(&k, &ke);
            if (k < ke) {
                const char *sp = k;
                while (sp < ke && !isspace((unsigned char)*sp))
                    sp++;
                md_item it = {k, sp, sp, ke};
                trim(&it.v, &it.ve);
                items[n++] = it;
            }
            s = *end ? end + 1 : end;
        }
    }
    return n;
}

static void write_metadata(vg_jb *jb, char *const *md)
{
    md_item items[MD_MAX];
    int n = md_split(md, items);
    if (n == 0)
        return;
    bool done[MD_MAX] = {false};
    vg_jb_open_obj(jb, "metadata");
    for (int i = 0; i < n; i++) {
        if (done[i])
            continue;
        size_t klen = (size_t)(items[i].ke - items[i].k);
        char key[128];
        if (klen >= sizeof key)
            klen = sizeof key - 1;
        memcpy(key, items[i].k, klen);
        key[klen] = '\0';
        vg_jb_open_arr(jb, key);
        for (int j = i; j < n; j++) {
            size_t kl = (size_t)(items[j].ke - items[j].k);
            if (done[j] || kl != (size_t)(items[i].ke - items[i].k) ||
                memcmp(items[j].k, items[i].k, kl) != 0)
                continue;
            done[j] = true;
            vg_jb_strn(jb, NULL, items[j].v, (size_t)(items[j].ve - items[j].v));
        }
        vg_jb_close_arr(jb);
    }
    vg_jb_close_obj(jb);
}

static bool has_ports(uint8_t proto)
{
    return proto == 6 || proto == 17 || proto == 132 || proto == 136;
}

static void write_endpoint(vg_jb *jb, const char *key, const vg_addr *a, uint16_t port,
                           uint8_t proto)
{
    char s[48];
    vg_eve_addr_str(a, s);
    vg_jb_open_obj(jb, key);
    vg_mb m;
    mb_begin(&m, jb);
    MB_TEXT(&m, "ip", s);
    if (has_ports(proto))
        MB_U64(&m, "port", port);
    mb_end(&m);
    vg_jb_close_obj(jb);
}

static void write_tunnel(vg_jb *jb, const vg_packet *p)
{
    const vg_packet *r = vg_packet_root(p);
    if (r == p || !(r->ipver == 4 || r->ipver == 6))
        return;
    char a[48], buf[8];
    int depth = p->depth;
    if (!depth)
        for (const vg_packet *q = p; q->root && q->root != q && depth < 8; q = q->root)
            depth++;
    vg_jb_open_obj(jb, "tunnel");
    vg_eve_addr_str(&r->src, a);
    vg_jb_str(jb, "src_ip", a);
    vg_jb_u64(jb, "src_port", r->sp);
    vg_eve_addr_str(&r->dst, a);
    vg_jb_str(jb, "dest_ip", a);
    vg_jb_u64(jb, "dest_port", r->dp);
    vg_jb_str(jb, "proto", vg_eve_proto_name(r->proto, buf));
    vg_jb_u64(jb, "depth", (uint64_t)depth);
    if (r->pcap_cnt)
        vg_jb_u64(jb, "pcap_cnt", r->pcap_cnt);
    vg_jb_str(jb, "pkt_src", vg_eve_pkt_src(r));
    vg_jb_close_obj(jb);
}

static void write_flow(vg_jb *jb, const vg_packet *p)
{
    const vg_flow *f = p->flow;
    char ts[40], a[48];
    vg_jb_open_obj(jb, "flow");
    vg_mb m;
    mb_begin(&m, jb);
    MB_U64(&m, "pkts_toserver", f->pkts_toserver);
    MB_U64(&m, "pkts_toclient", f->pkts_toclient);
    MB_U64(&m, "bytes_toserver", f->bytes_toserver);
    MB_U64(&m, "bytes_toclient", f->bytes_toclient);
    vg_eve_timestamp(&f->start, ts);
    MB_TEXT(&m, "start", ts);
    vg_eve_addr_str(&f->src, a);
    MB_TEXT(&m, "src_ip", a);
    vg_eve_addr_str(&f->dst, a);
    MB_TEXT(&m, "dest_ip", a);
    if (has_ports(f->proto)) {
        MB_U64(&m, "src_port", f->sp);
        MB_U64(&m, "dest_port", f->dp);
    }
    mb_end(&m);
    vg_jb_close_obj(jb);
}

/* Whom a reject answers: rejectdst the server, rejectboth both, reject and
 * rejectsrc the client (the action word as the rule wrote it). */
static const char *reject_target(const vg_packet *p)
{
    for (int i = 0; i < p->nalerts && i < VG_PKT_MAX_ALERTS; i++) {
        const vg_sig *s = p->alerts[i].sig;
        if (!s || !(s->action & VG_ACTION_REJECT) || !s->raw)
            continue;
        const char *r = s->raw;
        while (*r == ' ' || *r == '\t')
            r++;
        if (strncmp(r, "rejectdst", 9) == 0)
            return "to_server";
        if (strncmp(r, "rejectboth", 10) == 0)
            return "both";
        return "to_client";
    }
    return "to_client";
}

void vg_eve_verdict(vg_jb *jb, const vg_packet *p, bool ips)
{
    vg_jb_open_obj(jb, "verdict");
    if (p->action & VG_ACTION_REJECT) {
        vg_jb_str(jb, "action", ips ? "drop" : "alert");
        vg_jb_str(jb, "reject-target", reject_target(p));
        vg_jb_open_arr(jb, "reject");
        if (p->proto == 6)
            vg_jb_str(jb, NULL, "tcp-reset");
        else if (p->proto == 17 || p->proto == 1 || p->proto == 58)
            vg_jb_str(jb, NULL, "icmp-prohib");
        vg_jb_close_arr(jb);
    } else if ((p->action & VG_ACTION_DROP) && ips) {
        vg_jb_str(jb, "action", "drop");
    } else if (p->action & VG_ACTION_PASS) {
        vg_jb_str(jb, "action", "pass");
    } else {
        vg_jb_str(jb, "action", "alert");
    }
    vg_jb_close_obj(jb);
}

static void write_packet(vg_jb *jb, const vg_packet *p)
{
    vg_jb_b64(jb, "packet", p->raw, p->raw_len);
    vg_jb_open_obj(jb, "packet_info");
    vg_jb_u64(jb, "linktype", (uint64_t)(p->datalink < 0 ? 0 : p->datalink));
    vg_jb_str(jb, "linktype_name", vg_eve_linktype_name(p->datalink));
    vg_jb_close_obj(jb);
}

bool vg_eve_tagged_packet(vg_jb *jb, const vg_alert_cfg *cfg, const vg_packet *p)
{
    if (!p->raw || !p->raw_len)
        return false;
    vg_eve_packet_header(jb, p, "packet", cfg->in_iface);
    write_packet(jb, p);
    vg_jb_close_obj(jb);
    return true;
}

/* gid, signature_id, rev, signature, category and severity. */
static void write_sig_ids(vg_jb *jb, const vg_sig *s)
{
    vg_jb_u64(jb, "gid", s ? s->gid : 1);
    vg_jb_u64(jb, "signature_id", s ? s->sid : 0);
    vg_jb_u64(jb, "rev", s ? s->rev : 0);
    vg_jb_str(jb, "signature", s && s->msg ? s->msg : "");
    vg_jb_str(jb, "category", s && s->class_msg ? s->class_msg : "");
    vg_jb_u64(jb, "severity", s && s->prio > 0 ? (uint64_t)s->prio : 3);
}

/* ---- per-signature pieces (see output.h) ---- */

typedef struct frag_ent {
    const vg_sig *sig;
    char *text;          /* the value of "gid" up to the end of severity's, then the
                          * metadata object (md_len 0: the rule writes none) */
    uint32_t ids_len, md_len;
} frag_ent;

struct vg_alert_frags {
    frag_ent *slots;
    size_t cap, used;
    vg_jb scratch;
};

vg_alert_frags *vg_alert_frags_new(void)
{
    vg_alert_frags *fc = calloc(1, sizeof *fc);
    if (fc)
        vg_jb_init(&fc->scratch);
    return fc;
}

void vg_alert_frags_free(vg_alert_frags *fc)
{
    if (!fc)
        return;
    for (size_t i = 0; i < fc->cap; i++)
        free(fc->slots[i].text);
    free(fc->slots);
    vg_jb_free(&fc->scratch);
    free(fc);
}

static size_t frag_hash(const vg_sig *s, size_t cap)
{
    return (size_t)(((uint64_t)(uintptr_t)s * 0x9e3779b97f4a7c15ull) >> 20) & (cap - 1);
}

static bool frags_grow(vg_alert_frags *fc)
{
    size_t ncap = fc->cap ? fc->cap * 2 : 256;
    frag_ent *ns = calloc(ncap, sizeof *ns);
    if (!ns)
        return false;
    for (size_t i = 0; i < fc->cap; i++) {
        if (!fc->slots[i].sig)
            continue;
        size_t h = frag_hash(fc->slots[i].sig, ncap);
        while (ns[h].sig)
            h = (h + 1) & (ncap - 1);
        ns[h] = fc->slots[i];
    }
    free(fc->slots);
    fc->slots = ns;
    fc->cap = ncap;
    return true;
}

/* Serialise the pieces of s with the same writers alert_object uses
 * without the cache, so the bytes are the same; false when they could not
 * be (the caller then writes the fields itself). */
static bool frag_build(vg_alert_frags *fc, const vg_sig *s, frag_ent *fe)
{
    static const char ids_key[] = "{\"gid\":", md_key[] = "{\"metadata\":";
    vg_jb *jb = &fc->scratch;
    vg_jb_reset(jb);
    vg_jb_open_obj(jb, NULL);
    write_sig_ids(jb, s);
    if (!vg_jb_ok(jb) || jb->len < sizeof ids_key - 1 || jb->len - (sizeof ids_key - 1) > UINT32_MAX / 2)
        return false;
    size_t ids_len = jb->len - (sizeof ids_key - 1);
    char *ids = malloc(ids_len);
    if (!ids)
        return false;
    memcpy(ids, jb->buf + sizeof ids_key - 1, ids_len);
    vg_jb_reset(jb);
    vg_jb_open_obj(jb, NULL);
    if (s->metadata)
        write_metadata(jb, s->metadata);
    size_t md_len = jb->len > sizeof md_key - 1 ? jb->len - (sizeof md_key - 1) : 0;
    if (!vg_jb_ok(jb) || md_len > UINT32_MAX / 2) {
        free(ids);
        return false;
    }
    char *text = realloc(ids, ids_len + md_len + 1);
    if (!text) {
        free(ids);
        return false;
    }
    memcpy(text + ids_len, jb->buf + sizeof md_key - 1, md_len);
    text[ids_len + md_len] = '\0';
    fe->sig = s;
    fe->text = text;
    fe->ids_len = (uint32_t)ids_len;
    fe->md_len = (uint32_t)md_len;
    return true;
}

/* The pieces of s, built at its first alert; NULL when they cannot be kept. */
static const frag_ent *frags_get(vg_alert_frags *fc, const vg_sig *s)
{
    if (fc->cap) {
        size_t h = frag_hash(s, fc->cap);
        while (fc->slots[h].sig) {
            if (fc->slots[h].sig == s)
                return &fc->slots[h];
            h = (h + 1) & (fc->cap - 1);
        }
    }
    if (fc->used >= VG_ALERT_FRAGS_MAX)
        return NULL;
    if ((fc->used + 1) * 2 > fc->cap && !frags_grow(fc))
        return NULL;
    size_t h = frag_hash(s, fc->cap);
    while (fc->slots[h].sig)
        h = (h + 1) & (fc->cap - 1);
    if (!frag_build(fc, s, &fc->slots[h]))
        return NULL;
    fc->used++;
    return &fc->slots[h];
}

static void alert_object(vg_jb *jb, const vg_alert_cfg *cfg, const vg_packet *p,
                         const vg_alert *a, const char *xff)
{
    const vg_sig *s = a->sig;
    const frag_ent *fe = s && cfg->frags ? frags_get(cfg->frags, s) : NULL;
    vg_jb_open_obj(jb, "alert");
    vg_mb m;
    mb_begin(&m, jb);
    MB_STR(&m, "action", vg_alert_action(a, cfg->ips));
    if (fe) {
        MB_RAW(&m, "gid", fe->text, fe->ids_len);
        mb_end(&m);
    } else {
        mb_end(&m);
        write_sig_ids(jb, s);
    }
    if (s && (s->target == 1 || s->target == 2) && (p->ipver == 4 || p->ipver == 6)) {
        bool dst_is_target = s->target == 2;
        write_endpoint(jb, "source", dst_is_target ? &p->src : &p->dst,
                       dst_is_target ? p->sp : p->dp, p->proto);
        write_endpoint(jb, "target", dst_is_target ? &p->dst : &p->src,
                       dst_is_target ? p->dp : p->sp, p->proto);
    }
    if (s && cfg->rule_metadata && s->metadata) {
        if (!fe)
            write_metadata(jb, s->metadata);
        else if (fe->md_len)
            vg_jb_raw(jb, "metadata", fe->text + fe->ids_len, fe->md_len);
    }
    if (s && cfg->rule_raw && s->raw)
        vg_jb_str(jb, "rule", s->raw);
    if (s && cfg->references && s->references && s->references[0]) {
        vg_jb_open_arr(jb, "references");
        for (int i = 0; s->references[i]; i++)
            vg_jb_str(jb, NULL, s->references[i]);
        vg_jb_close_arr(jb);
    }
    if (xff)
        vg_jb_str(jb, "xff", xff);
    vg_jb_close_obj(jb);
}

void vg_eve_alert_object(vg_jb *jb, const vg_alert_cfg *cfg, const vg_packet *p,
                         const vg_alert *a)
{
    alert_object(jb, cfg, p, a, NULL);
}

/* Replace the string value of the first "key" in jb with v (a validated
 * address: no characters to escape). */
static void splice_value(vg_jb *jb, const char *key, const char *v)
{
    char pat[24];
    snprintf(pat, sizeof pat, "\"%s\":\"", key);
    char *at = jb->buf ? strstr(jb->buf, pat) : NULL;
    if (!at)
        return;
    size_t vb = (size_t)(at - jb->buf) + strlen(pat);
    char *q = strchr(jb->buf + vb, '"');
    if (!q)
        return;
    size_t ve = (size_t)(q - jb->buf), nl = strlen(v);
    size_t len = jb->len - (ve - vb) + nl;
    if (len + 1 > jb->cap) {
        char *nb = realloc(jb->buf, len + 1);
        if (!nb) {
            jb->overflow = true;
            return;
        }
        jb->buf = nb;
        jb->cap = len + 1;
    }
    memmove(jb->buf + vb + nl, jb->buf + ve, jb->len - ve + 1);
    memcpy(jb->buf + vb, v, nl);
    jb->len = len;
}

void vg_eve_alert(vg_jb *jb, const vg_alert_cfg *cfg, const vg_packet *p, const vg_alert *a)
{
    char xff[48];
    bool have_xff = cfg->xff_mode != VG_XFF_OFF && p->flow &&
                    vg_app_xff(p->flow, (a->flags & VG_ALERT_TX) ? a->tx_id : UINT64_MAX,
                               cfg->xff_header, cfg->xff_last, xff, sizeof xff);
    vg_eve_packet_header(jb, p, "alert", cfg->in_iface);
    if (have_xff && cfg->xff_mode == VG_XFF_OVERWRITE)
        splice_value(jb, (p->flags & VG_PKT_TOCLIENT) ? "dest_ip" : "src_ip", xff);
    if (a->flags & VG_ALERT_TX)
        vg_jb_u64(jb, "tx_id", a->tx_id);

    alert_object(jb, cfg, p, a, have_xff && cfg->xff_mode == VG_XFF_EXTRA_DATA ? xff : NULL);

    if (p->root && p->root != p && p->pkt_src == VG_PKT_SRC_TUNNEL)
        write_tunnel(jb, p);

    if (p->flow) {
        if ((a->flags & VG_ALERT_TX) && cfg->app_layer) {
            /* the transaction's app-layer fields ("http": {...}) */
            for (const vg_app_tx *tx = vg_app_tx_first(p->flow); tx; tx = vg_app_tx_next(tx))
                if (vg_app_tx_id(tx) == a->tx_id) {
                    vg_app_tx_eve(p->flow, tx, jb);
                    break;
                }
        }
        const char *ap = p->flow->alproto ? vg_app_proto_name(p->flow->alproto) : NULL;
        vg_mb m;
        mb_begin(&m, jb);
        if (ap)
            MB_STR(&m, "app_proto", ap);
        MB_STR(&m, "direction", (p->flags & VG_PKT_TOCLIENT) ? "to_client" : "to_server");
        mb_end(&m);
        if (cfg->flow)
            write_flow(jb, p);
        /* flowbits/flowints ("metadata") and traffic id/label, as Suricata
         * adds them to every event about a flow */
        vg_detect_vars_eve(p->flow, p, jb);
    }

    if (cfg->payload || cfg->payload_printable) {
        bool stream = p->proto == 6 && (a->flags & VG_ALERT_STREAM);
        const uint8_t *d = p->payload;
        uint32_t n = p->payload_len;
        bool log = true;
        if (stream && a->stream_data && a->stream_len) {
            d = a->stream_data;
            n = a->stream_len;
            if (n > cfg->payload_buffer_size)
                n = cfg->payload_buffer_size;
        } else if (stream) {
            log = p->payload_len > 0; /* no stream data: the packet's, if any */
        }
        if (!d)
            n = 0;
        if (log && cfg->payload)
            vg_jb_b64(jb, "payload", d ? d : (const uint8_t *)"", n);
        if (log && cfg->payload_printable)
            vg_jb_printable(jb, "payload_printable", d ? d : (const uint8_t *)"", n);
        vg_jb_u64(jb, "stream", stream ? 1 : 0);
    }
    if (cfg->payload_length)
        vg_jb_u64(jb, "payload_length", (a->flags & VG_ALERT_STREAM) ? a->stream_len
                                                                      : p->payload_len);
    if (cfg->packet && p->raw && p->raw_len)
        write_packet(jb, p);
    if (cfg->verdict)
        vg_eve_verdict(jb, p, cfg->ips);
    vg_jb_close_obj(jb);
}

/* fast.log: "MM/DD/YYYY-HH:MM:SS.uuuuuu  [**] [gid:sid:rev] msg [**]
 * [Classification: c] [Priority: n] {PROTO} src:port -> dst:port" */
size_t vg_fast_line(char *out, size_t outlen, const vg_packet *p, const vg_alert *a, bool ips)
{
    const vg_sig *s = a->sig;
    struct tm tm;
    time_t t = p->ts.tv_sec;
    localtime_r(&t, &tm);
    const char *action = "";
    if (s && (s->action & VG_ACTION_DROP))
        action = ips ? "[Drop] " : "[wDrop] ";
    char src[48], dst[48], buf[8];
    vg_eve_addr_str(&p->src, src);
    vg_eve_addr_str(&p->dst, dst);
    unsigned sp = p->sp, dp = p->dp;
    if (p->proto == 1 || p->proto == 58) {
        sp = p->icmp_type;
        dp = p->icmp_code;
    }
    int n = snprintf(out, outlen,
                     "%02d/%02d/%04d-%02d:%02d:%02d.%06ld  %s[**] [%u:%u:%u] %s [**] "
                     "[Classification: %s] [Priority: %d] {%s} %s:%u -> %s:%u\n",
                     tm.tm_mon + 1, tm.tm_mday, tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
                     tm.tm_sec, (long)p->ts.tv_usec, action, s ? s->gid : 1, s ? s->sid : 0,
                     s ? s->rev : 0, s && s->msg ? s->msg : "",
                     s && s->class_msg ? s->class_msg : "(null)", s ? s->prio : 3,
                     vg_eve_proto_name(p->proto, buf), src, sp, dst, dp);
    if (n < 0)
        return 0;
    if ((size_t)n >= outlen) {
        /* truncated: keep the line a line */
        if (outlen >= 2) {
            out[outlen - 2] = '\n';
            out[outlen - 1] = '\0';
        }
        return outlen ? outlen - 1 : 0;
    }
    return (size_t)n;
}
