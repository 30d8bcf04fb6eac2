/*
 * kw_vars.c: flow and packet variables: the store behind pcre captures
 * (`pcre:"/(?P<flow_ua>.*)/"`, `pcre:"/(.*)/, pkt:x"`, the key-value pair
 * `pkt:key,pkt:value`), the `flowvar` and `pktvar` keywords that test them,
 * and their EVE form (metadata.flowvars / metadata.pktvars).
 *
 * A capturing pcre keeps the groups of its last match on the thread
 * (kw_pcre.c); the rule's capture store, a postmatch step, copies them into
 * the flow's variables once the whole rule matched, as Suricata does.
 * Flow variables keep the order in which they were first set; setting one
 * again replaces its value in place.  Packet variables are kept on the flow
 * too, tagged with the packet they were captured on, and dropped as soon as
 * a variable is set for another packet; a packet without a flow keeps none.
 *
 * Limits: VG_VARS_MAX variables and VG_VARS_BYTES bytes of keys and values
 * per flow, VG_PCRE_CAP_MAX bytes per value; a capture that does not fit is
 * not stored and counted (dt->vars_capped).  The store lives at the end of
 * the flow state's `ints` allocation (after the flowints), so that the
 * flow state's single free releases it.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "net/detect/detect_int.h"

enum { VK_FLOW = 1, VK_PKT = 2 };
#define KEY_MAX 256                 /* bytes of a key-value variable's key */
#define CONTENT_MAX 1024            /* flowvar/pktvar content */

typedef struct var_ent {
    uint8_t kind;                   /* VK_* */
    int32_t id;                     /* interned name; -1: key-value (key bytes first) */
    uint32_t off;                   /* key then value, in data[] */
    uint32_t klen, vlen;
} var_ent;

struct vg_varstore {
    uint32_t n;                     /* entries in e[] */
    uint32_t used, cap;             /* data bytes written / allocated (used includes garbage) */
    const void *pkt;                /* the packet the packet variables belong to */
    uint64_t pkt_cnt;
    int64_t pkt_sec, pkt_usec;
    var_ent e[VG_VARS_MAX];
    uint8_t data[];
};

/* ---- the store ------------------------------------------------------------ */

static size_t ints_bytes(const vg_det_flow *df)
{
    return (size_t)df->nints * sizeof(int64_t);
}

bool vg_det_ints_block(vg_det_flow *df)
{
    if (df->ints)
        return true;
    /* at least one slot: calloc(0) may give NULL */
    df->ints = calloc(1, ints_bytes(df) + sizeof(int64_t));
    return df->ints != NULL;
}

/* The store with room for `need` more data bytes (compacting or growing the
 * block); NULL when that would pass VG_VARS_BYTES or memory is short. */
static struct vg_varstore *store_room(vg_det_flow *df, uint32_t need)
{
    struct vg_varstore *vs = df->vars;
    if (vs && vs->used + need <= vs->cap)
        return vs;
    if (vs) {
        /* compact: live bytes to the front, in entry order */
        uint32_t live = 0;
        for (uint32_t i = 0; i < vs->n; i++)
            live += vs->e[i].klen + vs->e[i].vlen;
        if (live + need > VG_VARS_BYTES)
            return NULL;
        if (live < vs->used) {
            uint8_t *tmp = malloc(live ? live : 1);
            if (!tmp)
                return NULL;
            uint32_t o = 0;
            for (uint32_t i = 0; i < vs->n; i++) {
                uint32_t l = vs->e[i].klen + vs->e[i].vlen;
                memcpy(tmp + o, vs->data + vs->e[i].off, l);
                vs->e[i].off = o;
                o += l;
            }
            memcpy(vs->data, tmp, live);
            free(tmp);
            vs->used = live;
        }
        if (vs->used + need <= vs->cap)
            return vs;
    } else if (need > VG_VARS_BYTES) {
        return NULL;
    }
    uint32_t cap = vs ? vs->cap : 0, want = (vs ? vs->used : 0) + need;
    uint32_t ncap = cap ? cap : 256;
    while (ncap < want)
        ncap *= 2;
    if (ncap > VG_VARS_BYTES)
        ncap = VG_VARS_BYTES;
    bool fresh = !df->ints;
    size_t ib = ints_bytes(df);
    uint8_t *blk = realloc(df->ints, ib + sizeof(struct vg_varstore) + ncap);
    if (!blk)
        return NULL;
    if (fresh)
        memset(blk, 0, ib);
    df->ints = (int64_t *)(void *)blk;
    df->vars = (struct vg_varstore *)(void *)(blk + ib);
    if (!vs)
        memset(df->vars, 0, sizeof(struct vg_varstore));
    df->vars->cap = ncap;
    return df->vars;
}

static bool same_pkt(const struct vg_varstore *vs, const vg_packet *p)
{
    return p && vs->pkt == (const void *)p && vs->pkt_cnt == p->pcap_cnt &&
           vs->pkt_sec == (int64_t)p->ts.tv_sec && vs->pkt_usec == (int64_t)p->ts.tv_usec;
}

/* Drop the packet variables of another packet than p. */
static void pkt_vars_for(struct vg_varstore *vs, const vg_packet *p)
{
    if (same_pkt(vs, p))
        return;
    uint32_t k = 0;
    for (uint32_t i = 0; i < vs->n; i++)
        if (vs->e[i].kind != VK_PKT)
            vs->e[k++] = vs->e[i];
    vs->n = k;
    vs->pkt = p;
    vs->pkt_cnt = p->pcap_cnt;
    vs->pkt_sec = (int64_t)p->ts.tv_sec;
    vs->pkt_usec = (int64_t)p->ts.tv_usec;
}

static var_ent *find(struct vg_varstore *vs, uint8_t kind, int32_t id, const uint8_t *key,
                     uint32_t klen)
{
    for (uint32_t i = 0; vs && i < vs->n; i++) {
        var_ent *e = &vs->e[i];
        if (e->kind != kind || e->id != id)
            continue;
        if (id >= 0 || (e->klen == klen && memcmp(vs->data + e->off, key, klen) == 0))
            return e;
    }
    return NULL;
}

/* Set a variable (id >= 0: by name; id < 0: key-value with key bytes).
 * false when a cap refused it. */
static bool var_set(vg_det_flow *df, const vg_packet *p, uint8_t kind, int32_t id,
                    const uint8_t *key, uint32_t klen, const uint8_t *v, uint32_t vlen)
{
    if (vlen > VG_PCRE_CAP_MAX || klen > KEY_MAX)
        return false;
    if (df->vars) /* another packet's variables never take a slot */
        pkt_vars_for(df->vars, p);
    var_ent *e = find(df->vars, kind, id, key, klen);
    if (!e && df->vars && df->vars->n >= VG_VARS_MAX)
        return false;
    /* the key is copied before room is made: it may point into the store */
    uint8_t kbuf[KEY_MAX];
    if (klen)
        memcpy(kbuf, key, klen);
    ptrdiff_t ei = e ? e - df->vars->e : -1;
    struct vg_varstore *vs = store_room(df, klen + vlen);
    if (!vs)
        return false;
    pkt_vars_for(vs, p);
    e = ei >= 0 ? &vs->e[ei] : &vs->e[vs->n++];
    e->kind = kind;
    e->id = id;
    e->off = vs->used;
    e->klen = klen;
    e->vlen = vlen;
    if (klen)
        memcpy(vs->data + vs->used, kbuf, klen);
    if (vlen)
        memcpy(vs->data + vs->used + klen, v, vlen);
    vs->used += klen + vlen;
    return true;
}

/* ---- pcre capture store (postmatch) ----------------------------------------- */

typedef struct cap_ctx {
    const void *owner;              /* the pcre whose captures these are */
    int n;
    char kinds[VG_PCRE_MAX_CAPS];   /* 'f', 'p', 'k' (slot i key, i + 1 value), 'v' */
    int32_t ids[VG_PCRE_MAX_CAPS];
} cap_ctx;

static int capture_store(const vg_match_ctx *mc, const vg_sm *sm)
{
    const cap_ctx *c = sm->ctx;
    vg_det_flow *df = vg_det_flow_get(mc);
    if (!df)
        return 1; /* no flow: nothing to keep the variables on */
    for (int i = 0; i < c->n; i++) {
        const uint8_t *v, *k = NULL;
        uint32_t vlen, klen = 0;
        if (c->kinds[i] == 'v')
            continue;
        int r = vg_pcre_caps_get(&mc->dt->ic, c->owner, i, &v, &vlen);
        if (c->kinds[i] == 'k') {
            k = v;
            klen = vlen;
            if (r == 1)
                r = i + 1 < c->n ? vg_pcre_caps_get(&mc->dt->ic, c->owner, i + 1, &v, &vlen) : 0;
        }
        if (r == 0)
            continue;
        bool ok = r == 1 && var_set(df, mc->p, c->kinds[i] == 'f' ? VK_FLOW : VK_PKT,
                                    c->kinds[i] == 'k' ? -1 : c->ids[i], k, klen, v, vlen);
        if (!ok)
            mc->dt->vars_capped++;
    }
    return 1;
}

static const vg_keyword kw_capture = {"pcre capture", NULL, 0, NULL, capture_store, free};

/* Names: what Suricata's capture names allow, plus '.', '-' and '/'. */
static bool name_ok(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 64)
        return false;
    for (; *s; s++)
        if (!isalnum((unsigned char)*s) && !strchr("_.-/", *s))
            return false;
    return true;
}

int vg_rule_parser_captures(vg_rule_parser *rp, vg_sig *s, const void *owner, int n,
                            const char *kinds, char *const *names, char *errbuf)
{
    if (n <= 0 || n > VG_PCRE_MAX_CAPS)
        return vg_err(errbuf, VG_ELIMIT, "more than %d captures", VG_PCRE_MAX_CAPS);
    cap_ctx *c = calloc(1, sizeof(*c));
    if (!c)
        return vg_err(errbuf, VG_ENOMEM, "out of memory");
    c->owner = owner;
    c->n = n;
    for (int i = 0; i < n; i++) {
        char k = kinds[i];
        c->kinds[i] = k;
        c->ids[i] = -1;
        if (k == 'k') {
            if (i + 1 >= n || kinds[i + 1] != 'v') {
                free(c);
                return vg_err(errbuf, VG_EINVAL, "pkt:key must be followed by pkt:value");
            }
            continue;
        }
        if (k == 'v')
            continue;
        if ((k != 'f' && k != 'p') || !names[i] || !name_ok(names[i])) {
            free(c);
            return vg_err(errbuf, VG_EINVAL, "bad capture variable \"%.64s\"",
                          names[i] ? names[i] : "");
        }
        c->ids[i] = rp->de ? vg_detect_name_id(rp->de, k == 'f' ? VG_NAME_FLOWVAR
                                                                : VG_NAME_PKTVAR, names[i])
                           : 0;
        if (c->ids[i] < 0) {
            free(c);
            return vg_err(errbuf, VG_ELIMIT, "too many distinct variable names");
        }
    }
    if (!vg_sig_append(s, VG_LIST_POSTMATCH, &kw_capture, c)) {
        free(c);
        return vg_err(errbuf, VG_ENOMEM, "out of memory");
    }
    return VG_OK;
}

/* ---- flowvar / pktvar keywords ------------------------------------------------ */

typedef struct var_match {
    int32_t id;
    uint32_t len;
    uint8_t content[];
} var_match;

static int hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = tolower(c);
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* The quoted content of a flowvar/pktvar ("abc|0d 0a|", escapes \" \; \\ \:)
 * decoded into out (capacity CONTENT_MAX). */
static int decode_content(const char *in, uint8_t *out, uint32_t *outlen, char *errbuf)
{
    size_t n = strlen(in);
    if (n < 2 || in[0] != '"' || in[n - 1] != '"')
        return vg_err(errbuf, VG_EINVAL, "content must be quoted");
    uint32_t o = 0;
    bool hex = false;
    int nib = -1;
    for (size_t i = 1; i + 1 < n; i++) {
        unsigned char ch = (unsigned char)in[i];
        if (o >= CONTENT_MAX)
            return vg_err(errbuf, VG_ELIMIT, "content longer than %d bytes", CONTENT_MAX);
        if (hex) {
            if (ch == '|') {
                if (nib >= 0)
                    return vg_err(errbuf, VG_EINVAL, "odd number of hex digits");
                hex = false;
            } else if (ch != ' ') {
                int v = hexval(ch);
                if (v < 0)
                    return vg_err(errbuf, VG_EINVAL, "invalid hex character");
                if (nib < 0) {
                    nib = v;
                } else {
                    out[o++] = (uint8_t)(nib << 4 | v);
                    nib = -1;
                }
            } else if (nib >= 0) {
                return vg_err(errbuf, VG_EINVAL, "hex byte split by a space");
            }
        } else if (ch == '|') {
            hex = true;
        } else if (ch == '\\') {
            if (i + 2 >= n || !strchr("\";\\:", in[i + 1]))
                return vg_err(errbuf, VG_EINVAL, "bad escape");
            out[o++] = (uint8_t)in[++i];
        } else if (ch == '"') {
            return vg_err(errbuf, VG_EINVAL, "unescaped '\"' inside the content");
        } else {
            out[o++] = ch;
        }
    }
    if (hex)
        return vg_err(errbuf, VG_EINVAL, "unterminated |hex| block");
    if (o == 0)
        return vg_err(errbuf, VG_EINVAL, "empty content");
    *outlen = o;
    return VG_OK;
}

static int var_kw_setup(vg_rule_parser *rp, vg_sig *s, const char *arg, const vg_keyword *kw,
                        int kind, char *errbuf)
{
    if (!arg)
        return vg_err(errbuf, VG_EINVAL, "needs name, \"content\"");
    const char *comma = strchr(arg, ',');
    if (!comma)
        return vg_err(errbuf, VG_EINVAL, "needs name, \"content\"");
    char name[72];
    const char *a = arg, *e = comma;
    while (a < e && isspace((unsigned char)*a))
        a++;
    while (e > a && isspace((unsigned char)e[-1]))
        e--;
    if ((size_t)(e - a) >= sizeof name)
        return vg_err(errbuf, VG_EINVAL, "variable name too long");
    memcpy(name, a, (size_t)(e - a));
    name[e - a] = 0;
    if (!name_ok(name))
        return vg_err(errbuf, VG_EINVAL, "bad variable name \"%.64s\"", name);
    const char *c = comma + 1;
    while (isspace((unsigned char)*c))
        c++;
    char *ctext = strdup(c);
    if (!ctext)
        return vg_err(errbuf, VG_ENOMEM, "out of memory");
    size_t cl = strlen(ctext);
    while (cl > 0 && isspace((unsigned char)ctext[cl - 1]))
        ctext[--cl] = 0;
    var_match *m = calloc(1, sizeof(*m) + CONTENT_MAX);
    if (!m) {
        free(ctext);
        return vg_err(errbuf, VG_ENOMEM, "out of memory");
    }
    int rc = decode_content(ctext, m->content, &m->len, errbuf);
    free(ctext);
    if (rc != VG_OK) {
        free(m);
        return rc;
    }
    m->id = rp->de ? vg_detect_name_id(rp->de, kind, name) : 0;
    if (m->id < 0) {
        free(m);
        return vg_err(errbuf, VG_ELIMIT, "too many distinct variable names");
    }
    if (!vg_sig_append(s, VG_LIST_MATCH, kw, m)) {
        free(m);
        return vg_err(errbuf, VG_ENOMEM, "out of memory");
    }
    s->flags |= VG_SIG_NEED_FLOW;
    return VG_OK;
}

static int var_kw_match(const vg_match_ctx *mc, const vg_sm *sm, uint8_t kind)
{
    const var_match *m = sm->ctx;
    const vg_det_flow *df = mc->p->flow ? mc->p->flow->detect_state : NULL;
    struct vg_varstore *vs = df ? df->vars : NULL;
    if (!vs || (kind == VK_PKT && !same_pkt(vs, mc->p)))
        return 0;
    const var_ent *e = find(vs, kind, m->id, NULL, 0);
    return e && e->vlen >= m->len &&
           memmem(vs->data + e->off + e->klen, e->vlen, m->content, m->len) != NULL;
}

extern const vg_keyword vg_kw_flowvar, vg_kw_pktvar;

static int flowvar_setup(vg_rule_parser *rp, vg_sig *s, const char *arg, char *errbuf)
{
    return var_kw_setup(rp, s, arg, &vg_kw_flowvar, VG_NAME_FLOWVAR, errbuf);
}

static int pktvar_setup(vg_rule_parser *rp, vg_sig *s, const char *arg, char *errbuf)
{
    return var_kw_setup(rp, s, arg, &vg_kw_pktvar, VG_NAME_PKTVAR, errbuf);
}

static int flowvar_match(const vg_match_ctx *mc, const vg_sm *sm)
{
    return var_kw_match(mc, sm, VK_FLOW);
}

static int pktvar_match(const vg_match_ctx *mc, const vg_sm *sm)
{
    return var_kw_match(mc, sm, VK_PKT);
}

const vg_keyword vg_kw_flowvar = {"flowvar", NULL, VG_KW_QUOTES_OK, flowvar_setup,
                                  flowvar_match, free};
const vg_keyword vg_kw_pktvar = {"pktvar", NULL, VG_KW_QUOTES_OK, pktvar_setup, pktvar_match,
                                 free};

/* ---- EVE -------------------------------------------------------------------------- */

bool vg_vars_have(const vg_det_flow *df, const vg_packet *p, bool *flowvars, bool *pktvars)
{
    const struct vg_varstore *vs = df ? df->vars : NULL;
    *flowvars = *pktvars = false;
    for (uint32_t i = 0; vs && i < vs->n; i++) {
        if (vs->e[i].kind == VK_FLOW)
            *flowvars = true;
        else if (same_pkt(vs, p))
            *pktvars = true;
    }
    return *flowvars || *pktvars;
}

static bool utf8_ok(const uint8_t *s, uint32_t n)
{
    for (uint32_t i = 0; i < n;) {
        uint8_t c = s[i];
        uint32_t k = c < 0x80 ? 0 : (c & 0xe0) == 0xc0 ? 1 : (c & 0xf0) == 0xe0 ? 2
                   : (c & 0xf8) == 0xf0 ? 3 : 4;
        if (k == 4 || (k == 1 && c < 0xc2) || i + k >= n + (k ? 0 : 1))
            return false;
        for (uint32_t j = 1; j <= k; j++)
            if ((s[i + j] & 0xc0) != 0x80)
                return false;
        i += k + 1;
    }
    return true;
}

/* Bytes as Suricata writes a variable: valid UTF-8 as it is, otherwise
 * ASCII kept and every other byte as the text \xNN. */
static void put_bytes(vg_jb *jb, const char *key, const uint8_t *s, uint32_t n)
{
    if (utf8_ok(s, n)) {
        vg_jb_strn(jb, key, s, n);
        return;
    }
    char *t = malloc((size_t)n * 4 + 1);
    if (!t) {
        jb->overflow = true;
        return;
    }
    size_t o = 0;
    static const char hx[] = "0123456789abcdef";
    for (uint32_t i = 0; i < n; i++) {
        if (s[i] < 0x80) {
            t[o++] = (char)s[i];
        } else {
            t[o++] = '\\';
            t[o++] = 'x';
            t[o++] = hx[s[i] >> 4];
            t[o++] = hx[s[i] & 15];
        }
    }
    vg_jb_strn(jb, key, t, o);
    free(t);
}

static void put_key(vg_jb *jb, const vg_names *nm, const struct vg_varstore *vs,
                    const var_ent *e)
{
    char key[KEY_MAX * 4 + 1];
    const char *k = key;
    if (e->id >= 0) {
        k = (uint32_t)e->id < nm->n ? nm->v[e->id] : "";
    } else {
        /* a captured key: printable ASCII kept, other bytes '.' */
        const uint8_t *b = vs->data + e->off;
        uint32_t i;
        for (i = 0; i < e->klen; i++)
            key[i] = b[i] >= 0x20 && b[i] < 0x7f ? (char)b[i] : '.';
        key[i] = 0;
    }
    vg_jb_open_obj(jb, NULL);
    put_bytes(jb, k, vs->data + e->off + e->klen, e->vlen);
    vg_jb_close_obj(jb);
}

void vg_vars_eve(const vg_det_flow *df, const vg_packet *p, bool flowvars, bool pktvars,
                 vg_jb *jb)
{
    const struct vg_varstore *vs = df ? df->vars : NULL;
    if (!vs || !df->de)
        return;
    for (int pass = 0; pass < 2; pass++) {
        uint8_t kind = pass ? VK_PKT : VK_FLOW;
        if (!(pass ? pktvars && same_pkt(vs, p) : flowvars))
            continue;
        const vg_names *nm = &df->de->names[pass ? VG_NAME_PKTVAR : VG_NAME_FLOWVAR];
        vg_jb_open_arr(jb, pass ? "pktvars" : "flowvars");
        for (uint32_t i = 0; i < vs->n; i++)
            if (vs->e[i].kind == kind)
                put_key(jb, nm, vs, &vs->e[i]);
        vg_jb_close_arr(jb);
    }
}
