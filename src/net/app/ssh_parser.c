/*
 * ssh_parser.c: SSH banners ("SSH-<proto>-<software> [comments]\r\n") of
 * both sides, as one transaction per flow; the EVE `ssh` record
 * (client/server proto_version and software_version, Suricata 8's shape)
 * once both banners are in; the ssh.proto and ssh.software sticky buffers
 * (the client's in a to_server rule, the server's in a to_client one).
 *
 * Limits: a banner line is looked for in at most SSH_LINE_MAX bytes per
 * line and SSH_LINES_MAX lines per side (servers may send text first);
 * after the banner the rest of the side's stream (key exchange, encrypted
 * data) is ignored.
 */
#include <stdlib.h>
#include <string.h>

#include "net/app/app_int.h"

#define SSH_LINE_MAX 255
#define SSH_LINES_MAX 8

typedef struct ssh_side {
    char line[SSH_LINE_MAX + 1];
    uint32_t len;
    uint32_t lines;
    bool done, gave_up, overlong;
    char proto[SSH_LINE_MAX + 1], soft[SSH_LINE_MAX + 1];
    uint32_t proto_len, soft_len;
} ssh_side;

typedef struct ssh_tx {
    ssh_side side[2];           /* 0 client, 1 server */
} ssh_tx;

/* One side's SSH binary packets after its banner: uint32 length, padding
 * length, message code; only the code is looked at. */
typedef struct ssh_rec {
    uint8_t hdr[6];
    uint32_t have;              /* header bytes collected */
    uint32_t skip;              /* rest of the current packet */
    bool newkeys, bad;
} ssh_rec;

#define SSH_PACKET_MAX 35000u   /* RFC 4253 6.1: at least 35000 must be accepted */
#define SSH_MSG_NEWKEYS 21

/* No pointer to the flow's transaction is kept: app.c may log and free it
 * before both banners are in (a side cut by a gap or the reassembly depth
 * completes it), so it is looked up as the flow's first (and only) one. */
typedef struct ssh_state {
    ssh_rec rec[2];             /* 0 client, 1 server */
    bool started;               /* the transaction was created */
    bool finished;              /* both banners in, or the tx gone: app.c's to log and free */
} ssh_state;

int vg_ssh_parse_banner(const char *line, uint32_t n, const char **proto, uint32_t *plen,
                        const char **soft, uint32_t *slen);

/* Split "SSH-2.0-OpenSSH_9.2p1 Debian" into "2.0" and "OpenSSH_9.2p1";
 * 0 on success, -1 when the line is no banner. */
int vg_ssh_parse_banner(const char *line, uint32_t n, const char **proto, uint32_t *plen,
                        const char **soft, uint32_t *slen)
{
    if (n < 4 || memcmp(line, "SSH-", 4) != 0)
        return -1;
    const char *p = line + 4, *end = line + n;
    const char *dash = memchr(p, '-', (size_t)(end - p));
    if (!dash || dash == p)
        return -1;
    const char *s = dash + 1, *e = s;
    while (e < end && *e != ' ' && *e != '\r' && *e != '\n')
        e++;
    *proto = p;
    *plen = (uint32_t)(dash - p);
    *soft = s;
    *slen = (uint32_t)(e - s);
    return 0;
}

static void *ssh_state_new(vg_app_ctx *ctx, app_flow *af)
{
    (void)ctx;
    (void)af;
    return calloc(1, sizeof(ssh_state));
}

static void ssh_state_free(void *st)
{
    free(st);
}

static void ssh_tx_free(void *p)
{
    free(p);
}

static void line_done(ssh_side *sd)
{
    const char *pr, *so;
    uint32_t pl, sl;
    sd->lines++;
    if (!sd->overlong && vg_ssh_parse_banner(sd->line, sd->len, &pr, &pl, &so, &sl) == 0) {
        memcpy(sd->proto, pr, pl);
        sd->proto[pl] = 0;
        sd->proto_len = pl;
        memcpy(sd->soft, so, sl);
        sd->soft[sl] = 0;
        sd->soft_len = sl;
        sd->done = true;
    } else if (sd->lines >= SSH_LINES_MAX) {
        sd->gave_up = true;
    }
    sd->len = 0;
    sd->overlong = false;
}

/* Follow one side's packets up to its NEWKEYS; when both sides sent it the
 * rest is encrypted: no more payload inspection of the flow, as Suricata
 * 7.0 sets NO_INSPECTION/NO_REASSEMBLY then (raw data not yet inspected,
 * the banners included, is not inspected at all). */
static void rec_feed(ssh_state *ss, app_flow *af, bool toserver, const uint8_t *d, uint32_t n)
{
    ssh_rec *r = &ss->rec[toserver ? 0 : 1];
    uint32_t i = 0;
    while (i < n && !r->bad && !r->newkeys) {
        if (r->skip) {
            uint32_t k = n - i < r->skip ? n - i : r->skip;
            r->skip -= k;
            i += k;
            continue;
        }
        r->hdr[r->have++] = d[i++];
        if (r->have < sizeof r->hdr)
            continue;
        uint32_t len = (uint32_t)r->hdr[0] << 24 | (uint32_t)r->hdr[1] << 16 |
                       (uint32_t)r->hdr[2] << 8 | r->hdr[3];
        if (len < 2 || len > SSH_PACKET_MAX) {
            r->bad = true; /* not SSH framing (or not any more): stop following */
            break;
        }
        r->newkeys = r->hdr[5] == SSH_MSG_NEWKEYS;
        r->skip = len + 4 - (uint32_t)sizeof r->hdr;
        r->have = 0;
    }
    if (ss->rec[0].newkeys && ss->rec[1].newkeys && af->flow)
        af->flow->flags |= VG_FLOW_NOPAYLOAD_INSPECT;
}

static void ssh_parse(vg_app_ctx *ctx, app_flow *af, bool toserver, const uint8_t *d, uint32_t n,
                      const struct timeval *ts)
{
    (void)ts;
    ssh_state *ss = af->pstate;
    if (ss->finished) {
        rec_feed(ss, af, toserver, d, n); /* key exchange and encrypted data */
        return;
    }
    vg_app_tx *tx = af->head;
    if (!tx && ss->started) { /* logged and freed already: only the framing is left */
        ss->finished = true;
        rec_feed(ss, af, toserver, d, n);
        return;
    }
    if (!tx) {
        ssh_tx *nt = calloc(1, sizeof(ssh_tx));
        if (!nt)
            return;
        tx = vg_app_tx_new(ctx, af, nt);
        if (!tx) {
            free(nt);
            return;
        }
        ss->started = true;
    }
    ssh_tx *t = tx->data;
    ssh_side *sd = &t->side[toserver ? 0 : 1];
    bool was_done = sd->done;
    uint32_t i = 0;
    for (; i < n && !sd->done && !sd->gave_up; i++) {
        char c = (char)d[i];
        if (c == '\n') {
            if (sd->len && sd->line[sd->len - 1] == '\r')
                sd->len--;
            sd->line[sd->len] = 0;
            line_done(sd);
            continue;
        }
        if (sd->len < SSH_LINE_MAX)
            sd->line[sd->len++] = c;
        else
            sd->overlong = true;
    }
    if (sd->done) /* what follows the banner line */
        rec_feed(ss, af, toserver, d + (was_done ? 0 : i), n - (was_done ? 0 : i));
    if (sd->done)
        tx->progress |= toserver ? (TX_REQ_HDRS | TX_REQ_DONE) : (TX_RES_HDRS | TX_RES_DONE);
    if (t->side[0].done && t->side[1].done) {
        tx->progress |= TX_LOG_NOW;
        ss->finished = true; /* logged and freed by app.c from now on: never touched again */
    }
}

static void ssh_flow_end(vg_app_ctx *ctx, app_flow *af)
{
    (void)ctx;
    ssh_state *ss = af->pstate;
    if (!ss->finished && af->head)
        af->head->progress |= TX_LOG_NOW;
}

static void side_eve(vg_jb *jb, const char *key, const ssh_side *sd)
{
    if (!sd->done)
        return;
    vg_jb_open_obj(jb, key);
    vg_jb_strn(jb, "proto_version", sd->proto, sd->proto_len);
    vg_jb_strn(jb, "software_version", sd->soft, sd->soft_len);
    vg_jb_close_obj(jb);
}

static void ssh_tx_eve(vg_app_ctx *ctx, const app_flow *af, const vg_app_tx *tx, vg_jb *jb,
                       const vg_conf_node *settings)
{
    (void)ctx;
    (void)af;
    (void)settings;
    const ssh_tx *t = tx->data;
    vg_jb_open_obj(jb, "ssh");
    if (t) {
        side_eve(jb, "client", &t->side[0]);
        side_eve(jb, "server", &t->side[1]);
    }
    vg_jb_close_obj(jb);
}

static int ssh_get_buffer(const app_flow *af, const vg_app_tx *tx, uint16_t id, uint32_t idx,
                          const uint8_t **d, uint32_t *n)
{
    (void)af;
    const ssh_tx *t = tx->data;
    if (!t || idx > 0)
        return VG_DECLINED;
    const ssh_side *sd;
    bool proto;
    switch (id) {
    case VG_ABUF_SSH_PROTO: sd = &t->side[0]; proto = true; break;
    case VG_ABUF_SSH_SOFTWARE: sd = &t->side[0]; proto = false; break;
    case VG_ABUF_SSH_PROTO_SRV: sd = &t->side[1]; proto = true; break;
    case VG_ABUF_SSH_SOFTWARE_SRV: sd = &t->side[1]; proto = false; break;
    default: return VG_DECLINED;
    }
    if (!sd->done)
        return VG_DECLINED;
    *d = (const uint8_t *)(proto ? sd->proto : sd->soft);
    *n = proto ? sd->proto_len : sd->soft_len;
    return VG_OK;
}

const app_parser vg_app_parser_ssh = {
    .alproto = VG_ALPROTO_SSH,
    .eve_kind = 6, /* ctx->eves kind 6 (files hook in app.c) */
    .detect = vg_app_detect_ssh,
    .state_new = ssh_state_new,
    .state_free = ssh_state_free,
    .parse = ssh_parse,
    .flow_end = ssh_flow_end,
    .tx_free = ssh_tx_free,
    .tx_eve = ssh_tx_eve,
    .get_buffer = ssh_get_buffer,
};

/* ---- keywords ---- */

static int ssh_sticky(vg_rule_parser *rp, vg_sig *s, uint16_t id, const char *name, char *errbuf)
{
    if (s->alproto && s->alproto != VG_ALPROTO_SSH)
        return vg_err(errbuf, VG_EINVAL, "%s conflicts with the rule's protocol", name);
    s->alproto = VG_ALPROTO_SSH;
    s->flags |= VG_SIG_APPLAYER | VG_SIG_NEED_FLOW;
    return vg_rule_parser_set_buf(rp, s, id, errbuf);
}

static int ssh_proto_setup(vg_rule_parser *rp, vg_sig *s, const char *arg, char *errbuf)
{
    (void)arg;
    return ssh_sticky(rp, s, VG_ABUF_SSH_PROTO, "ssh.proto", errbuf);
}

static int ssh_software_setup(vg_rule_parser *rp, vg_sig *s, const char *arg, char *errbuf)
{
    (void)arg;
    return ssh_sticky(rp, s, VG_ABUF_SSH_SOFTWARE, "ssh.software", errbuf);
}

const vg_keyword vg_ssh_kw_proto = {"ssh.proto", "ssh_proto", VG_KW_NOOPT | VG_KW_STICKY,
                                    ssh_proto_setup, NULL, NULL};
const vg_keyword vg_ssh_kw_software = {"ssh.software", "ssh_software", VG_KW_NOOPT | VG_KW_STICKY,
                                       ssh_software_setup, NULL, NULL};
