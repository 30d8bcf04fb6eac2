/*
 * rule_parse.c: Suricata rule text to vg_sig.
 *
 *   action proto src sp -> dst dp (name:value; name; ...)
 *
 * Actions alert, pass, drop, reject, rejectsrc, rejectdst, rejectboth,
 * config; protocols ip/any, tcp, udp, icmp, icmpv6, sctp, ipv4, ipv6,
 * tcp-pkt, tcp-stream and app-layer names (recorded in s->alproto).
 * Option values end at the first ';' not escaped by a backslash; the value
 * is handed to the keyword trimmed but otherwise as written (sig.h).  A
 * keyword vigil does not know fails the whole rule (VG_ENOTSUP): a rule is
 * never loaded with a keyword ignored.  Limits: VG_RULE_MAX_LEN bytes per
 * rule, VG_RULE_MAX_OPTS options.  Files are read line by line; a line
 * ending in '\' continues on the next one; '#' starts a comment line.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/log.h"
#include "net/detect/detect_int.h"

/* ---- helpers exported to keyword setup() -------------------------------- */

vg_sm *vg_sig_append(vg_sig *s, int list, const vg_keyword *kw, void *ctx)
{
    if (list != VG_LIST_MATCH && list != VG_LIST_POSTMATCH)
        return NULL;
    vg_sm *sm = calloc(1, sizeof(*sm));
    if (!sm)
        return NULL;
    sm->kw = kw;
    sm->ctx = ctx;
    vg_sm *t = s->lists[list];
    if (!t) {
        s->lists[list] = sm;
    } else {
        while (t->next)
            t = t->next;
        t->next = sm;
        sm->prev = t;
    }
    return sm;
}

static vg_sig_buf *cur_buf(vg_rule_parser *rp, vg_sig *s, bool create)
{
    if (rp->cur_buf_idx >= 0)
        return &s->bufs[rp->cur_buf_idx];
    for (int i = 0; i < s->nbufs; i++)
        if (s->bufs[i].id == rp->cur_buf) {
            rp->cur_buf_idx = i;
            return &s->bufs[i];
        }
    if (!create || s->nbufs >= VG_SIG_MAX_BUFS)
        return NULL;
    vg_sig_buf *b = &s->bufs[s->nbufs];
    b->id = rp->cur_buf;
    b->head = b->tail = NULL;
    rp->cur_buf_idx = s->nbufs++;
    return b;
}

vg_sm *vg_sig_append_buf(vg_rule_parser *rp, vg_sig *s, const vg_keyword *kw, void *ctx)
{
    vg_sig_buf *b = cur_buf(rp, s, true);
    if (!b)
        return NULL;
    vg_sm *sm = calloc(1, sizeof(*sm));
    if (!sm)
        return NULL;
    sm->kw = kw;
    sm->ctx = ctx;
    if (!b->tail) {
        b->head = b->tail = sm;
    } else {
        b->tail->next = sm;
        sm->prev = b->tail;
        b->tail = sm;
    }
    if (b->id == VG_BUF_PAYLOAD)
        s->flags |= VG_SIG_HAS_PAYLOAD;
    return sm;
}

vg_sm *vg_rule_parser_last_payload(vg_rule_parser *rp, vg_sig *s)
{
    vg_sig_buf *b = cur_buf(rp, s, false);
    return b ? b->tail : NULL;
}

bool vg_rule_parser_by_modifier(const vg_rule_parser *rp)
{
    return rp->cur_by_modifier;
}

void vg_rule_parser_set_by_modifier(vg_rule_parser *rp, bool on)
{
    rp->cur_by_modifier = on;
}

int vg_rule_parser_set_buf(vg_rule_parser *rp, vg_sig *s, uint16_t buf_id, char *errbuf)
{
    (void)s;
    if (buf_id >= VG_BUF_MAX)
        return vg_err(errbuf, VG_EINVAL, "bad buffer id");
    rp->cur_buf = buf_id;
    rp->cur_buf_idx = -1;
    rp->cur_by_modifier = false;
    for (int i = 0; i < s->nbufs; i++)
        if (s->bufs[i].id == buf_id)
            rp->cur_buf_idx = i;
    if (rp->cur_buf_idx < 0 && s->nbufs >= VG_SIG_MAX_BUFS)
        return vg_err(errbuf, VG_ELIMIT, "too many buffers in one rule (max %d)", VG_SIG_MAX_BUFS);
    return VG_OK;
}

int vg_rule_parser_var(vg_rule_parser *rp, const char *name, bool create)
{
    for (int i = 0; i < rp->nvars; i++)
        if (strcmp(rp->vars[i], name) == 0)
            return i;
    if (!create || rp->nvars >= VG_MAX_BYTE_VARS)
        return -1;
    rp->vars[rp->nvars] = strdup(name);
    if (!rp->vars[rp->nvars])
        return -1;
    return rp->nvars++;
}

int vg_rule_unquote(const char *in, char *out, size_t outsz)
{
    size_t n = strlen(in);
    while (n && isspace((unsigned char)*in)) {
        in++;
        n--;
    }
    while (n && isspace((unsigned char)in[n - 1]))
        n--;
    if (n && in[0] == '"') {
        if (n < 2 || in[n - 1] != '"')
            return VG_EINVAL;
        size_t bs = 0; /* backslashes escaping the closing quote? */
        while (bs + 2 < n && in[n - 2 - bs] == '\\')
            bs++;
        if (bs % 2)
            return VG_EINVAL;
        in++;
        n -= 2;
    }
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        char c = in[i];
        if (c == '\\' && i + 1 < n && (in[i + 1] == '"' || in[i + 1] == ';' || in[i + 1] == '\\'))
            c = in[++i];
        else if (c == '"')
            return VG_EINVAL; /* unescaped quote inside */
        if (o + 1 >= outsz)
            return VG_EINVAL;
        out[o++] = c;
    }
    if (outsz == 0)
        return VG_EINVAL;
    out[o] = 0;
    return VG_OK;
}

/* ---- app-layer protocol names ---------------------------------------------- */

/* Ids are the index in this table; src/net/app uses the same numbers for
 * f->alproto (0 = unknown).  Append only.  ipmask: 1 tcp, 2 udp. */
static const struct { const char *name; uint8_t ipmask; } alprotos[] = {
    {NULL, 0},
    {"http", 1}, {"http1", 1}, {"http2", 1}, {"ftp", 1}, {"ftp-data", 1}, {"smtp", 1},
    {"tls", 1}, {"ssh", 1}, {"imap", 1}, {"pop3", 1}, {"smb", 1}, {"dcerpc", 3},
    {"dns", 3}, {"modbus", 1}, {"enip", 3}, {"dnp3", 1}, {"nfs", 3}, {"ntp", 2},
    {"tftp", 2}, {"ike", 2}, {"krb5", 3}, {"dhcp", 2}, {"snmp", 2}, {"sip", 3},
    {"rfb", 1}, {"mqtt", 1}, {"rdp", 1}, {"quic", 2}, {"websocket", 1}, {"ldap", 3},
    {"pgsql", 1}, {"telnet", 1}, {"bittorrent-dht", 2}, {"mdns", 2}, {"doh2", 1},
    {"template", 1}, {"ikev2", 2}, {"irc", 1}, {"jabber", 1}, {"msn", 1},
    {"sdp", 3},
    /* 42: "failed" (detection gave up), as net/app's VG_ALPROTO_FAILED */
    {"failed", 3},
};

int vg_alproto_lookup(const char *name)
{
    for (size_t i = 1; i < VG_ARRAY_LEN(alprotos); i++)
        if (strcasecmp(alprotos[i].name, name) == 0)
            return (int)i;
    return -1;
}

const char *vg_alproto_name(int id)
{
    if (id <= 0 || (size_t)id >= VG_ARRAY_LEN(alprotos))
        return NULL;
    return alprotos[id].name;
}

/* ---- the header ---------------------------------------------------------- */

static int parse_action(const char *a, uint8_t *action, uint32_t *flags)
{
    if (strcmp(a, "alert") == 0)
        *action = VG_ACTION_ALERT;
    else if (strcmp(a, "pass") == 0)
        *action = VG_ACTION_PASS;
    else if (strcmp(a, "drop") == 0)
        *action = VG_ACTION_DROP | VG_ACTION_ALERT;
    else if (strcmp(a, "reject") == 0 || strcmp(a, "rejectsrc") == 0 ||
             strcmp(a, "rejectdst") == 0 || strcmp(a, "rejectboth") == 0)
        *action = VG_ACTION_REJECT | VG_ACTION_DROP | VG_ACTION_ALERT;
    else if (strcmp(a, "config") == 0) {
        *action = 0;
        *flags |= VG_SIGX_CONFIG;
    } else
        return -1;
    return 0;
}

static int parse_proto(vg_sig *s, const char *p, char *errbuf)
{
    static const struct { const char *n; uint8_t proto; uint16_t hdr; } tbl[] = {
        {"ip", 0, VG_HDRPROTO_IP}, {"any", 0, VG_HDRPROTO_IP}, {"pkthdr", 0, VG_HDRPROTO_IP},
        {"tcp", 6, VG_HDRPROTO_TCP}, {"udp", 17, VG_HDRPROTO_UDP},
        /* "icmp" is ICMPv4 and ICMPv6 (proto 0 with the icmp header
         * protocol), "icmpv4" ICMPv4 only, as in Suricata */
        {"icmp", 0, VG_HDRPROTO_ICMP}, {"icmpv4", 1, VG_HDRPROTO_ICMP},
        {"icmpv6", 58, VG_HDRPROTO_ICMPV6}, {"sctp", 132, VG_HDRPROTO_SCTP},
        {"ipv4", 0, VG_HDRPROTO_IPV4}, {"ip4", 0, VG_HDRPROTO_IPV4},
        {"ipv6", 0, VG_HDRPROTO_IPV6}, {"ip6", 0, VG_HDRPROTO_IPV6},
        {"tcp-pkt", 6, VG_HDRPROTO_TCP_PKT}, {"tcp-stream", 6, VG_HDRPROTO_TCP_STREAM},
    };
    for (size_t i = 0; i < VG_ARRAY_LEN(tbl); i++) {
        if (strcasecmp(tbl[i].n, p) == 0) {
            s->proto = tbl[i].proto;
            s->hdr_proto = tbl[i].hdr;
            if (tbl[i].hdr == VG_HDRPROTO_TCP_PKT)
                s->flags |= VG_SIG_PKT_ONLY | VG_SIGX_REQUIRE_PACKET;
            if (tbl[i].hdr == VG_HDRPROTO_TCP_STREAM)
                s->flags |= VG_SIG_STREAM_ONLY;
            if (tbl[i].hdr == VG_HDRPROTO_IPV4)
                s->flags |= VG_SIGX_IPV4;
            if (tbl[i].hdr == VG_HDRPROTO_IPV6)
                s->flags |= VG_SIGX_IPV6;
            return VG_OK;
        }
    }
    int al = vg_alproto_lookup(p);
    if (al > 0) {
        s->alproto = (uint16_t)al;
        s->hdr_proto = VG_HDRPROTO_APP;
        s->proto = alprotos[al].ipmask == 1 ? 6 : alprotos[al].ipmask == 2 ? 17 : 0;
        s->flags |= VG_SIG_APPLAYER | VG_SIG_NEED_FLOW;
        return VG_OK;
    }
    return vg_err(errbuf, VG_EINVAL, "unknown protocol \"%s\"", p);
}

/* Split the header into tokens on whitespace, keeping [..] together. */
static int header_tokens(char *h, char **tok, int max)
{
    int n = 0;
    char *p = h;
    while (*p) {
        while (isspace((unsigned char)*p))
            p++;
        if (!*p)
            break;
        if (n == max)
            return -1;
        tok[n++] = p;
        int depth = 0;
        while (*p && (depth > 0 || !isspace((unsigned char)*p))) {
            if (*p == '[')
                depth++;
            else if (*p == ']')
                depth--;
            p++;
        }
        if (*p)
            *p++ = 0;
    }
    return n;
}

/* ---- option keywords ---------------------------------------------------- */

void vg_sig_free(vg_sig *s)
{
    if (!s)
        return;
    for (int l = 0; l < VG_LIST_BUF; l++) {
        vg_sm *sm = s->lists[l];
        while (sm) {
            vg_sm *nx = sm->next;
            if (sm->kw && sm->kw->free && sm->ctx)
                sm->kw->free(sm->ctx);
            free(sm);
            sm = nx;
        }
    }
    for (int b = 0; b < s->nbufs; b++) {
        vg_sm *sm = s->bufs[b].head;
        while (sm) {
            vg_sm *nx = sm->next;
            if (sm->kw && sm->kw->free && sm->ctx)
                sm->kw->free(sm->ctx);
            free(sm);
            sm = nx;
        }
    }
    free(s->msg);
    free(s->class_name);
    free(s->class_msg);
    if (s->metadata)
        for (char **m = s->metadata; *m; m++)
            free(*m);
    free(s->metadata);
    if (s->references)
        for (char **m = s->references; *m; m++)
            free(*m);
    free(s->references);
    free(s->file);
    free(s->raw);
    free(s);
}

/* Find the end of an option value: the first ';' not escaped. */
static char *value_end(char *p)
{
    for (; *p; p++) {
        if (*p == '\\' && p[1]) {
            p++;
            continue;
        }
        if (*p == ';')
            return p;
    }
    return NULL;
}

static char *trim_inplace(char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    size_t n = strlen(s);
    while (n && isspace((unsigned char)s[n - 1]))
        s[--n] = 0;
    return s;
}

static int parse_options(vg_rule_parser *rp, vg_sig *s, char *opts, char *errbuf)
{
    char *p = opts;
    int nopts = 0;
    char kerr[VG_ERRBUF_SIZE];
    while (1) {
        while (isspace((unsigned char)*p))
            p++;
        if (!*p)
            break;
        if (++nopts > VG_RULE_MAX_OPTS)
            return vg_err(errbuf, VG_ELIMIT, "more than %d options", VG_RULE_MAX_OPTS);
        char *name = p;
        while (*p && *p != ':' && *p != ';')
            p++;
        if (!*p)
            return vg_err(errbuf, VG_EINVAL, "option \"%.40s\" is not terminated by ';'", name);
        char *arg = NULL;
        if (*p == ':') {
            *p++ = 0;
            char *end = value_end(p);
            if (!end)
                return vg_err(errbuf, VG_EINVAL, "value of \"%.40s\" is not terminated by ';'",
                              trim_inplace(name));
            *end = 0;
            arg = trim_inplace(p);
            p = end + 1;
        } else {
            *p++ = 0;
        }
        name = trim_inplace(name);
        if (!*name)
            return vg_err(errbuf, VG_EINVAL, "empty option name");
        const vg_keyword *kw = vg_keyword_find(name);
        if (!kw) {
            if (rp->de)
                vg_detect_note_failure(rp->de, name);
            return vg_err(errbuf, VG_ENOTSUP, "unknown or unsupported keyword \"%.60s\"", name);
        }
        if (arg && !*arg)
            arg = NULL;
        bool optarg = (kw->flags & VG_KW_OPTARG) || strcmp(kw->name, "fast_pattern") == 0 ||
                      strcmp(kw->name, "base64_decode") == 0;
        if ((kw->flags & VG_KW_NOOPT) && arg)
            return vg_err(errbuf, VG_EINVAL, "keyword \"%s\" takes no value", name);
        if (!(kw->flags & VG_KW_NOOPT) && !optarg && !arg)
            return vg_err(errbuf, VG_EINVAL, "keyword \"%s\" needs a value", name);
        if (kw->setup) {
            kerr[0] = 0;
            if (rp->cur_by_modifier &&
                (strcmp(kw->name, "content") == 0 || strcmp(kw->name, "pcre") == 0 ||
                 strcmp(kw->name, "uricontent") == 0))
                vg_rule_parser_set_buf(rp, s, VG_BUF_PAYLOAD, kerr);
            int rc = kw->setup(rp, s, arg, kerr);
            if (rc < 0) {
                if (rc == VG_ENOTSUP && rp->de) {
                    char r[96];
                    snprintf(r, sizeof(r), "%s (unsupported form)", name);
                    vg_detect_note_failure(rp->de, r);
                }
                return vg_err(errbuf, rc, "%s: %s", name, kerr[0] ? kerr : vg_strerror(rc));
            }
        }
    }
    return VG_OK;
}

int vg_rule_split(char *s, char **f, int max)
{
    int n = 0;
    char *save = NULL;
    for (char *t = strtok_r(s, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        if (n == max)
            return -1;
        while (isspace((unsigned char)*t))
            t++;
        char *e = t + strlen(t);
        while (e > t && isspace((unsigned char)e[-1]))
            *--e = 0;
        f[n++] = t;
    }
    return n;
}

/* Packet header keywords make a sig inspect the packet, not the stream
 * (Suricata's SIG_FLAG_REQUIRE_PACKET, set by flags, window, seq, ack, ttl,
 * tos, id, fragbits, fragoffset, ipopts, itype, icode, icmp_id, icmp_seq
 * as by dsize): its content is matched on the packet payload even when the
 * payload also went into the reassembled stream (e.g. data on a SYN). */
static void require_packet(vg_sig *s)
{
    extern const vg_keyword vg_kw_flags, vg_kw_window, vg_kw_seq, vg_kw_ack, vg_kw_ttl,
        vg_kw_tos, vg_kw_id, vg_kw_fragbits, vg_kw_fragoffset, vg_kw_ipopts, vg_kw_itype,
        vg_kw_icode, vg_kw_icmp_id, vg_kw_icmp_seq;
    static const vg_keyword *const pkt[] = {
        &vg_kw_flags, &vg_kw_window, &vg_kw_seq, &vg_kw_ack, &vg_kw_ttl,
        &vg_kw_tos, &vg_kw_id, &vg_kw_fragbits, &vg_kw_fragoffset, &vg_kw_ipopts,
        &vg_kw_itype, &vg_kw_icode, &vg_kw_icmp_id, &vg_kw_icmp_seq,
    };
    for (const vg_sm *sm = s->lists[VG_LIST_MATCH]; sm; sm = sm->next)
        for (size_t i = 0; i < VG_ARRAY_LEN(pkt); i++)
            if (sm->kw == pkt[i]) {
                s->flags |= VG_SIGX_REQUIRE_PACKET;
                return;
            }
}

int vg_rule_parse(vg_detect *de, const char *text, const char *file, int line, vg_sig **out,
                  int *flowbits_type, char *errbuf)
{
    *out = NULL;
    size_t len = strlen(text);
    if (len > VG_RULE_MAX_LEN)
        return vg_err(errbuf, VG_ELIMIT, "rule longer than %d bytes", VG_RULE_MAX_LEN);
    char *buf = malloc(len + 1);
    vg_sig *s = calloc(1, sizeof(*s));
    if (!buf || !s) {
        free(buf);
        free(s);
        return vg_err(errbuf, VG_ENOMEM, "out of memory");
    }
    memcpy(buf, text, len + 1);
    s->gid = 1;
    s->prio = -1;
    s->line = line;
    s->file = file ? strdup(file) : NULL;
    s->raw = strdup(text);
    int rc = VG_OK;

    char *open = strchr(buf, '(');
    char *close = strrchr(buf, ')');
    if (!open || !close || close < open) {
        rc = vg_err(errbuf, VG_EINVAL, "no option list in parentheses");
        goto fail;
    }
    for (char *q = close + 1; *q; q++)
        if (!isspace((unsigned char)*q)) {
            rc = vg_err(errbuf, VG_EINVAL, "text after the closing parenthesis");
            goto fail;
        }
    *open = 0;
    *close = 0;
    char *tok[8];
    int nt = header_tokens(buf, tok, 8);
    if (nt != 7) {
        rc = vg_err(errbuf, VG_EINVAL, "header must be: action proto src sport -> dst dport "
                    "(got %d fields)", nt < 0 ? 8 : nt);
        goto fail;
    }
    if (parse_action(tok[0], &s->action, &s->flags) != 0) {
        rc = vg_err(errbuf, VG_EINVAL, "unknown action \"%.32s\"", tok[0]);
        goto fail;
    }
    if ((rc = parse_proto(s, tok[1], errbuf)))
        goto fail;
    if (strcmp(tok[4], "<>") == 0) {
        s->flags |= VG_SIG_BIDIR;
    } else if (strcmp(tok[4], "->") != 0) {
        rc = vg_err(errbuf, VG_EINVAL, "bad direction \"%.8s\" (expected -> or <>)", tok[4]);
        goto fail;
    }
    char aerr[VG_ERRBUF_SIZE];
    if ((rc = vg_addr_parse(de, tok[2], &s->src, aerr)) ||
        (rc = vg_addr_parse(de, tok[5], &s->dst, aerr))) {
        vg_err(errbuf, rc, "address: %s", aerr);
        goto fail;
    }
    if ((rc = vg_port_parse(de, tok[3], &s->sp, aerr)) ||
        (rc = vg_port_parse(de, tok[6], &s->dp, aerr))) {
        vg_err(errbuf, rc, "port: %s", aerr);
        goto fail;
    }
    bool has_ports = s->hdr_proto == VG_HDRPROTO_TCP || s->hdr_proto == VG_HDRPROTO_UDP ||
                     s->hdr_proto == VG_HDRPROTO_SCTP || s->hdr_proto == VG_HDRPROTO_TCP_PKT ||
                     s->hdr_proto == VG_HDRPROTO_TCP_STREAM || s->hdr_proto == VG_HDRPROTO_APP;
    if (!has_ports && (!s->sp->any || !s->dp->any) && s->hdr_proto != VG_HDRPROTO_IP &&
        s->hdr_proto != VG_HDRPROTO_IPV4 && s->hdr_proto != VG_HDRPROTO_IPV6) {
        rc = vg_err(errbuf, VG_EINVAL, "ports given for protocol \"%s\", which has none", tok[1]);
        goto fail;
    }
    if (s->src->any)
        s->flags |= VG_SIG_SRC_ANY;
    if (s->dst->any)
        s->flags |= VG_SIG_DST_ANY;
    if (s->sp->any)
        s->flags |= VG_SIG_SP_ANY;
    if (s->dp->any)
        s->flags |= VG_SIG_DP_ANY;

    vg_rule_parser rp = {.de = de, .file = file, .line = line, .cur_buf = VG_BUF_PAYLOAD,
                         .cur_buf_idx = -1};
    rc = parse_options(&rp, s, open + 1, errbuf);
    for (int i = 0; i < rp.nvars; i++)
        free(rp.vars[i]);
    if (rc)
        goto fail;
    if (s->sid == 0) {
        rc = vg_err(errbuf, VG_EINVAL, "rule has no sid");
        goto fail;
    }
    if (s->prio < 0)
        s->prio = 3;
    require_packet(s);
    if (flowbits_type)
        *flowbits_type = rp.flowbits_type;
    free(buf);
    *out = s;
    return VG_OK;
fail:
    free(buf);
    vg_sig_free(s);
    return rc;
}

/* ---- files ------------------------------------------------------------------ */

static bool looks_like_rule(const char *p)
{
    static const char *const acts[] = {"alert", "drop", "pass", "reject", "rejectsrc",
                                       "rejectdst", "rejectboth", "config"};
    for (size_t i = 0; i < VG_ARRAY_LEN(acts); i++) {
        size_t l = strlen(acts[i]);
        if (strncmp(p, acts[i], l) == 0 && isspace((unsigned char)p[l]))
            return true;
    }
    return false;
}

int vg_rule_load_file(vg_detect *de, const char *path, char *errbuf)
{
    FILE *fp = fopen(path, "r");
    if (!fp)
        return vg_err(errbuf, VG_EIO, "%s: cannot open rules file: %s", path, strerror(errno));
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    int lineno = 0, start_line = 0;
    char *acc = NULL;
    size_t acc_len = 0;
    int rc = VG_OK;
    while ((n = getline(&line, &cap, fp)) >= 0) {
        lineno++;
        while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
            line[--n] = 0;
        if (!acc) {
            char *p = line;
            while (isspace((unsigned char)*p))
                p++;
            if (*p == 0)
                continue;
            if (*p == '#') {
                p++;
                while (isspace((unsigned char)*p))
                    p++;
                if (looks_like_rule(p))
                    de->stats.rules_skipped++;
                continue;
            }
            start_line = lineno;
        }
        bool cont = n > 0 && line[n - 1] == '\\';
        if (cont)
            line[--n] = 0;
        if (acc_len + (size_t)n + 1 > VG_RULE_MAX_LEN) {
            vg_error("%s:%d: rule longer than %d bytes", path, start_line, VG_RULE_MAX_LEN);
            de->stats.rules_failed++;
            free(acc);
            acc = NULL;
            acc_len = 0;
            if (de->errors_fatal) {
                rc = vg_err(errbuf, VG_ELIMIT, "%s:%d: rule too long", path, start_line);
                break;
            }
            continue;
        }
        char *na = realloc(acc, acc_len + (size_t)n + 1);
        if (!na) {
            rc = vg_err(errbuf, VG_ENOMEM, "out of memory");
            break;
        }
        acc = na;
        memcpy(acc + acc_len, line, (size_t)n);
        acc_len += (size_t)n;
        acc[acc_len] = 0;
        if (cont)
            continue;
        char err[VG_ERRBUF_SIZE];
        vg_sig *s = NULL;
        int fbt = 0;
        int prc = vg_rule_parse(de, acc, path, start_line, &s, &fbt, err);
        if (prc == VG_OK) {
            rc = vg_detect_add_sig(de, s, fbt, err);
            if (rc != VG_OK) {
                prc = rc;
                rc = VG_OK;
            }
        }
        if (prc != VG_OK) {
            de->stats.rules_failed++;
            vg_error("%s:%d: %s", path, start_line, err);
            if (de->errors_fatal) {
                rc = vg_err(errbuf, prc == VG_ENOMEM ? VG_ENOMEM : VG_EINVAL, "%s:%d: %s", path,
                            start_line, err);
                free(acc);
                acc = NULL;
                break;
            }
        }
        free(acc);
        acc = NULL;
        acc_len = 0;
    }
    if (acc) {
        /* a final line ending in '\' */
        de->stats.rules_failed++;
        vg_error("%s:%d: rule continues past the end of the file", path, start_line);
        free(acc);
        if (de->errors_fatal && rc == VG_OK)
            rc = vg_err(errbuf, VG_EINVAL, "%s:%d: rule continues past the end of the file",
                        path, start_line);
    }
    free(line);
    fclose(fp);
    return rc;
}
