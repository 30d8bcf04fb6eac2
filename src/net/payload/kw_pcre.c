/*
 * kw_pcre.c: the pcre keyword: [!]"/regex/flags", compiled with PCRE2 (JIT
 * when the platform has it) and run with Suricata's default match limits
 * (match-limit 3500, match-limit-recursion 1500) unless the O flag is given.
 * Match data, match contexts and the JIT stack (32 KB to 512 KB, as
 * Suricata) are per thread, in vg_inspect_ctx; compiled patterns are shared.
 *
 * Flags: i s m x (Perl), A (anchored), E (dollar end only), G (ungreedy),
 * R (relative to the previous match), B (rawbytes: accepted, no effect),
 * O (no match limits).  The HTTP buffer flags (U I P Q H D M C S Y V W Z)
 * put the pcre in that HTTP buffer's list (without changing the current
 * sticky buffer) once the app-layer has registered the buffer ids
 * (vg_payload_set_pcre_buffer); before that the rule fails to load as
 * unsupported rather than match the wrong buffer.
 *
 * Captures into variables, as Suricata: named groups (?P<flow_NAME>...) and
 * (?P<pkt_NAME>...), and a list after the flags, ", flow:a, pkt:b" (the
 * n-th name takes group n; "pkt:key, pkt:value" makes one packet variable
 * named by the first group), at most VG_PCRE_MAX_CAPS per pcre.  Each match
 * of a capturing pcre copies its groups (up to VG_PCRE_CAP_MAX bytes each)
 * into a per-thread slot of its own; the rule's capture store (kw_vars.c)
 * commits them once the whole rule matched.  Every pl_pcre is allocated
 * here as the head of a pcre_kw, which carries the capture groups.
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <ctype.h>
#include <pcre2.h>
#include <stdlib.h>
#include <string.h>

#include "net/payload/payload_int.h"

#define PCRE_MATCH_LIMIT 3500
#define CAP_SLOTS 8          /* capturing pcres whose last match a thread keeps */
#define CAP_GROUP_MAX 63     /* highest group number a capture may name */

/* A pcre with its capture groups (every pl_pcre is the head of one). */
typedef struct pcre_kw {
    pl_pcre pl;
    uint8_t ncap;
    uint8_t group[VG_PCRE_MAX_CAPS]; /* capture slot i takes this group */
} pcre_kw;

/* The last match of one capturing pcre on this thread. */
typedef struct cap_slot {
    const void *owner;
    uint8_t n;
    uint8_t state[VG_PCRE_MAX_CAPS]; /* 0 unset, 1 kept, 2 too long */
    uint32_t off[VG_PCRE_MAX_CAPS], len[VG_PCRE_MAX_CAPS];
    uint8_t *buf;
    uint32_t cap;
} cap_slot;

struct vg_pcre_caps {
    pcre2_match_data *md;    /* room for every group up to CAP_GROUP_MAX */
    cap_slot slot[CAP_SLOTS];
    uint32_t next;           /* round-robin victim */
};
#define PCRE_DEPTH_LIMIT 1500
#define PCRE_MAX_LEN 65536

/* Buffer ids behind the HTTP modifiers, registered by the app-layer at
 * start-up (written before any rule is loaded, read-only afterwards). */
static const char http_flags[] = "UIPQHDMCSYVWZ";
static uint16_t http_flag_buf[sizeof http_flags - 1];

int vg_payload_set_pcre_buffer(char flag, uint16_t buf_id)
{
    const char *f = flag ? strchr(http_flags, flag) : NULL;
    if (!f || buf_id < VG_BUF_APP_FIRST || buf_id >= VG_BUF_MAX)
        return VG_EINVAL;
    http_flag_buf[f - http_flags] = buf_id;
    return VG_OK;
}

/* Append sm to the list of buffer id in s, creating the list if needed,
 * without touching the parser's current buffer. */
static vg_sm *append_to(vg_sig *s, uint16_t id, const vg_keyword *kw, void *ctx)
{
    vg_sig_buf *b = NULL;
    for (unsigned i = 0; i < s->nbufs && i < VG_SIG_MAX_BUFS; i++)
        if (s->bufs[i].id == id)
            b = &s->bufs[i];
    if (!b) {
        if (s->nbufs >= VG_SIG_MAX_BUFS)
            return NULL;
        b = &s->bufs[s->nbufs++];
        b->id = id;
        b->head = b->tail = NULL;
    }
    vg_sm *sm = calloc(1, sizeof *sm);
    if (!sm)
        return NULL;
    sm->kw = kw;
    sm->ctx = ctx;
    sm->prev = b->tail;
    if (b->tail)
        b->tail->next = sm;
    else
        b->head = sm;
    b->tail = sm;
    return sm;
}

static void pcre_free_ctx(void *ctx)
{
    pl_pcre *pe = ctx;
    if (!pe)
        return;
    pcre2_code_free(pe->re);
    free(pe);
}

/* Capture group of a named group or list item. */
static int add_cap(pcre_kw *pk, char kind, const char *name, size_t nlen, uint32_t group,
                   char *kinds, char names[][72], char *errbuf)
{
    if (pk->ncap >= VG_PCRE_MAX_CAPS)
        return vg_err(errbuf, VG_ELIMIT, "more than %d captures", VG_PCRE_MAX_CAPS);
    uint32_t ngroups = 0;
    pcre2_pattern_info(pk->pl.re, PCRE2_INFO_CAPTURECOUNT, &ngroups);
    if (group == 0 || group > CAP_GROUP_MAX)
        return vg_err(errbuf, VG_ELIMIT, "capture group %u out of range", group);
    if (group > ngroups)
        return vg_err(errbuf, VG_EINVAL, "capture %.64s: the pattern has %u group(s)", name,
                      ngroups);
    if (nlen == 0 || nlen > 64)
        return vg_err(errbuf, VG_EINVAL, "bad capture variable name");
    kinds[pk->ncap] = kind;
    memcpy(names[pk->ncap], name, nlen);
    names[pk->ncap][nlen] = 0;
    pk->group[pk->ncap++] = (uint8_t)group;
    return VG_OK;
}

/* The named groups flow_NAME / pkt_NAME (in the order they appear), then
 * the list "type:name, ..." (len bytes at list; NULL for none). */
static int parse_captures(pcre_kw *pk, const char *list, size_t len, char *kinds,
                          char names[][72], char *errbuf)
{
    uint32_t count = 0, esz = 0;
    PCRE2_SPTR table = NULL;
    pcre2_code *re = pk->pl.re;
    if (pcre2_pattern_info(re, PCRE2_INFO_NAMECOUNT, &count) == 0 && count > 0 &&
        pcre2_pattern_info(re, PCRE2_INFO_NAMEENTRYSIZE, &esz) == 0 &&
        pcre2_pattern_info(re, PCRE2_INFO_NAMETABLE, &table) == 0 && table && esz > 2) {
        /* the table is sorted by name: walk it by group number instead */
        uint32_t last = 0;
        for (;;) {
            uint32_t best = UINT32_MAX;
            const char *bn = NULL;
            for (uint32_t k = 0; k < count; k++) {
                const uint8_t *e = table + (size_t)k * esz;
                uint32_t g = (uint32_t)e[0] << 8 | e[1];
                if (g > last && g < best) {
                    best = g;
                    bn = (const char *)e + 2;
                }
            }
            if (!bn)
                break;
            last = best;
            char kind = 0;
            const char *nm = NULL;
            if (strncmp(bn, "flow_", 5) == 0)
                kind = 'f', nm = bn + 5;
            else if (strncmp(bn, "pkt_", 4) == 0)
                kind = 'p', nm = bn + 4;
            if (!kind)
                continue; /* an ordinary named group */
            int rc = add_cap(pk, kind, nm, strnlen(nm, esz), best, kinds, names, errbuf);
            if (rc != VG_OK)
                return rc;
        }
    }
    if (!list)
        return VG_OK;
    uint32_t group = 0;
    size_t i = 0;
    for (;;) {
        while (i < len && (list[i] == ' ' || list[i] == '\t'))
            i++;
        size_t b = i;
        while (i < len && list[i] != ',')
            i++;
        size_t e = i;
        while (e > b && (list[e - 1] == ' ' || list[e - 1] == '\t'))
            e--;
        const char *it = list + b;
        size_t il = e - b;
        char kind;
        size_t skip;
        if (il > 4 && memcmp(it, "pkt:", 4) == 0)
            kind = 'p', skip = 4;
        else if (il > 5 && memcmp(it, "flow:", 5) == 0)
            kind = 'f', skip = 5;
        else
            return vg_err(errbuf, il > 6 && memcmp(it, "alert:", 6) == 0 ? VG_ENOTSUP : VG_EINVAL,
                          "capture \"%.*s\": expected pkt:NAME or flow:NAME",
                          (int)VG_MIN(il, 64), it);
        const char *nm = it + skip;
        size_t nl = il - skip;
        for (size_t k = 0; k < nl; k++)
            if (!isalnum((unsigned char)nm[k]) && !strchr("_.-/", nm[k]))
                return vg_err(errbuf, VG_EINVAL, "bad capture variable name \"%.*s\"",
                              (int)VG_MIN(nl, 64), nm);
        int rc = add_cap(pk, kind, nm, nl, ++group, kinds, names, errbuf);
        if (rc != VG_OK)
            return rc;
        int at = pk->ncap - 1;
        /* pkt:key, pkt:value: one variable named by the first group */
        if (kind == 'p' && strcmp(names[at], "value") == 0 && at > 0 && kinds[at - 1] == 'p' &&
            strcmp(names[at - 1], "key") == 0 && pk->group[at - 1] == group - 1) {
            kinds[at - 1] = 'k';
            kinds[at] = 'v';
        }
        if (i >= len)
            break;
        i++; /* the comma */
    }
    return VG_OK;
}

static int pcre_setup(vg_rule_parser *rp, vg_sig *s, const char *arg, char *errbuf)
{
    if (!arg)
        return vg_err(errbuf, VG_EINVAL, "needs an argument");
    const char *p = arg;
    while (isspace((unsigned char)*p))
        p++;
    uint32_t flags = 0;
    if (*p == '!') {
        flags |= PLP_NEGATED;
        p++;
        while (isspace((unsigned char)*p))
            p++;
    }
    size_t n = strlen(p);
    while (n > 0 && isspace((unsigned char)p[n - 1]))
        n--;
    if (n > 0 && p[0] == '"') {
        if (n < 2 || p[n - 1] != '"')
            return vg_err(errbuf, VG_EINVAL, "unbalanced quotes");
        p++;
        n -= 2;
    }
    if (n > PCRE_MAX_LEN)
        return vg_err(errbuf, VG_ELIMIT, "expression too long");
    if (n < 2 || p[0] != '/')
        return vg_err(errbuf, VG_EINVAL, "expected \"/regex/flags\"");
    size_t last = n - 1;
    while (last > 0 && p[last] != '/')
        last--;
    if (last == 0)
        return vg_err(errbuf, VG_EINVAL, "missing closing '/'");
    uint32_t opts = 0;
    uint16_t buf = 0; /* buffer chosen by an HTTP modifier, 0 = the current one */
    size_t caps_at = 0; /* start of the ", flow:x, pkt:y" list, 0 = none */
    for (size_t i = last + 1; i < n; i++) {
        char c = p[i];
        switch (c) {
        case 'i': opts |= PCRE2_CASELESS; break;
        case 's': opts |= PCRE2_DOTALL; break;
        case 'm': opts |= PCRE2_MULTILINE; break;
        case 'x': opts |= PCRE2_EXTENDED; break;
        case 'A': opts |= PCRE2_ANCHORED; break;
        case 'E': opts |= PCRE2_DOLLAR_ENDONLY; break;
        case 'G': opts |= PCRE2_UNGREEDY; break;
        case 'R': flags |= PLP_RELATIVE; break;
        case 'B': flags |= PLP_RAWBYTES; break;
        case 'O': flags |= PLP_NOLIMIT; break;
        case 'U': case 'I': case 'P': case 'Q': case 'H': case 'D': case 'M':
        case 'C': case 'S': case 'Y': case 'V': case 'W': case 'Z': {
            uint16_t id = http_flag_buf[strchr(http_flags, c) - http_flags];
            if (!id)
                return vg_err(errbuf, VG_ENOTSUP,
                              "modifier '%c' selects an HTTP buffer (not supported yet)", c);
            if (buf && buf != id)
                return vg_err(errbuf, VG_EINVAL, "only one buffer modifier is allowed");
            buf = id;
            break;
        }
        case ',':
            caps_at = i + 1;
            i = n; /* the rest is the capture list */
            break;
        case ' ': case '\t':
            break;
        default:
            return vg_err(errbuf, VG_EINVAL, "unknown modifier '%c'", c);
        }
    }
    int ec;
    PCRE2_SIZE eo;
    pcre2_code *re = pcre2_compile((PCRE2_SPTR)(p + 1), last - 1, opts, &ec, &eo, NULL);
    if (!re) {
        PCRE2_UCHAR msg[160];
        pcre2_get_error_message(ec, msg, sizeof msg);
        return vg_err(errbuf, VG_EINVAL, "compile error at offset %zu: %s", (size_t)eo,
                      (const char *)msg);
    }
    (void)pcre2_jit_compile(re, PCRE2_JIT_COMPLETE); /* interpreter fallback when no JIT */
    pcre_kw *pk = calloc(1, sizeof *pk);
    if (!pk) {
        pcre2_code_free(re);
        return vg_err(errbuf, VG_ENOMEM, "out of memory");
    }
    pl_pcre *pe = &pk->pl;
    pe->h.kind = PL_PCRE;
    pe->flags = flags;
    pe->re = re;
    char kinds[VG_PCRE_MAX_CAPS];
    char names[VG_PCRE_MAX_CAPS][72];
    int rc = parse_captures(pk, caps_at ? p + caps_at : NULL, caps_at ? n - caps_at : 0, kinds,
                            names, errbuf);
    if (rc == VG_OK && pk->ncap && (flags & PLP_NEGATED))
        rc = vg_err(errbuf, VG_EINVAL, "a negated pcre cannot capture");
    if (rc != VG_OK) {
        pcre_free_ctx(pe);
        return rc;
    }
    vg_sm *sm = buf ? append_to(s, buf, &vg_pl_kw_pcre, pe)
                    : vg_sig_append_buf(rp, s, &vg_pl_kw_pcre, pe);
    if (!sm) {
        pcre_free_ctx(pe);
        return vg_err(errbuf, VG_ENOMEM, "cannot append");
    }
    if (pk->ncap) {
        char *np[VG_PCRE_MAX_CAPS];
        for (int i = 0; i < pk->ncap; i++)
            np[i] = names[i];
        rc = vg_rule_parser_captures(rp, s, pe, pk->ncap, kinds, np, errbuf);
        if (rc != VG_OK)
            return rc; /* pe is the sig's now */
    }
    if (flags & PLP_RELATIVE)
        pl_mark_anchor(sm, PL_NEXT_DISTANCE | PL_NEXT_WITHIN);
    return VG_OK;
}

/* The thread's match data, match contexts and JIT stack, made once. */
static int thread_init(vg_inspect_ctx *ic)
{
    if (ic->pcre_md)
        return VG_OK;
    /* per-thread state, made once: match data, a JIT stack, and two match
     * contexts (Suricata's default limits, and none for the O flag) */
    pcre2_match_data *md = pcre2_match_data_create(1, NULL);
    pcre2_jit_stack *js = pcre2_jit_stack_create(32 * 1024, 512 * 1024, NULL);
    pcre2_match_context *lim = pcre2_match_context_create(NULL);
    pcre2_match_context *nolim = pcre2_match_context_create(NULL);
    if (!md || !lim || !nolim) {
        pcre2_match_data_free(md);
        pcre2_jit_stack_free(js);
        pcre2_match_context_free(lim);
        pcre2_match_context_free(nolim);
        return VG_ENOMEM;
    }
    pcre2_set_match_limit(lim, PCRE_MATCH_LIMIT);
    pcre2_set_depth_limit(lim, PCRE_DEPTH_LIMIT);
    if (js) {
        pcre2_jit_stack_assign(lim, NULL, js);
        pcre2_jit_stack_assign(nolim, NULL, js);
    }
    ic->pcre_md = md;
    ic->pcre_jit_stack = js;
    ic->pcre_mctx[0] = lim;
    ic->pcre_mctx[1] = nolim;
    return VG_OK;
}

/* pcre2_match of pe on subj from start into md, with the thread's limits:
 * 1 match, 0 none, -1 error (a limit reached is counted). */
static int run_match(vg_inspect_ctx *ic, const pl_pcre *pe, const uint8_t *subj, uint32_t len,
                     uint32_t start, pcre2_match_data *md)
{
    static const uint8_t empty[1];
    pcre2_match_context *mc = ic->pcre_mctx[(pe->flags & PLP_NOLIMIT) ? 1 : 0];
    int rc = pcre2_match(pe->re, subj ? subj : empty, len, start, 0, md, mc);
    if (rc == PCRE2_ERROR_NOMATCH)
        return 0;
    if (rc == PCRE2_ERROR_MATCHLIMIT || rc == PCRE2_ERROR_DEPTHLIMIT ||
        rc == PCRE2_ERROR_HEAPLIMIT || rc == PCRE2_ERROR_JIT_STACKLIMIT) {
        ic->pcre_limit_hits++;
        return -1;
    }
    return rc < 0 ? -1 : 1;
}

static int pl_pcre_exec_plain(vg_inspect_ctx *ic, const pl_pcre *pe, const uint8_t *subj,
                              uint32_t len, uint32_t start, uint32_t *mstart, uint32_t *mend)
{
    if (start > len)
        return 0;
    if (thread_init(ic) != VG_OK)
        return -1;
    pcre2_match_data *md = ic->pcre_md;
    int rc = run_match(ic, pe, subj, len, start, md);
    if (rc <= 0)
        return rc;
    PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
    if (ov[0] > len || ov[1] > len || ov[1] < ov[0])
        return -1; /* \K tricks can put the start after the end */
    *mstart = (uint32_t)ov[0];
    *mend = (uint32_t)ov[1];
    return 1;
}

/* A capturing pcre's match, with the groups kept in its thread slot. */
static int exec_capture(vg_inspect_ctx *ic, const pcre_kw *pk, const uint8_t *subj,
                        uint32_t len, uint32_t start, uint32_t *mstart, uint32_t *mend)
{
    struct vg_pcre_caps *pc = ic->pcre_caps;
    if (!pc) {
        pc = calloc(1, sizeof *pc);
        if (!pc)
            return -1;
        pc->md = pcre2_match_data_create(CAP_GROUP_MAX + 1, NULL);
        if (!pc->md) {
            free(pc);
            return -1;
        }
        ic->pcre_caps = pc;
    }
    if (start > len)
        return 0;
    if (thread_init(ic) != VG_OK)
        return -1;
    int rc = run_match(ic, &pk->pl, subj, len, start, pc->md);
    if (rc <= 0)
        return rc;
    PCRE2_SIZE *ov = pcre2_get_ovector_pointer(pc->md);
    uint32_t npairs = pcre2_get_ovector_count(pc->md);
    if (ov[0] > len || ov[1] > len || ov[1] < ov[0])
        return -1;
    *mstart = (uint32_t)ov[0];
    *mend = (uint32_t)ov[1];
    cap_slot *sl = NULL;
    for (int k = 0; k < CAP_SLOTS && !sl; k++)
        if (pc->slot[k].owner == pk)
            sl = &pc->slot[k];
    if (!sl)
        sl = &pc->slot[pc->next++ % CAP_SLOTS];
    sl->owner = pk;
    sl->n = pk->ncap;
    uint32_t used = 0;
    for (int i = 0; i < pk->ncap; i++) {
        uint32_t g = pk->group[i];
        sl->state[i] = 0;
        if (g >= npairs || ov[2 * g] == PCRE2_UNSET || ov[2 * g] > ov[2 * g + 1] ||
            ov[2 * g + 1] > len)
            continue;
        uint32_t cl = (uint32_t)(ov[2 * g + 1] - ov[2 * g]);
        if (cl > VG_PCRE_CAP_MAX) {
            sl->state[i] = 2;
            continue;
        }
        if (used + cl > sl->cap) {
            uint32_t nc = sl->cap ? sl->cap : 256;
            while (nc < used + cl)
                nc *= 2;
            uint8_t *nb = realloc(sl->buf, nc);
            if (!nb)
                continue;
            sl->buf = nb;
            sl->cap = nc;
        }
        if (cl)
            memcpy(sl->buf + used, subj + ov[2 * g], cl);
        sl->off[i] = used;
        sl->len[i] = cl;
        sl->state[i] = 1;
        used += cl;
    }
    return 1;
}

int vg_pcre_caps_get(const vg_inspect_ctx *ic, const void *owner, int i, const uint8_t **v,
                     uint32_t *len)
{
    const struct vg_pcre_caps *pc = ic ? ic->pcre_caps : NULL;
    for (int k = 0; pc && k < CAP_SLOTS; k++) {
        const cap_slot *sl = &pc->slot[k];
        if (sl->owner != owner)
            continue;
        if (i < 0 || i >= sl->n || sl->state[i] == 0)
            return 0;
        if (sl->state[i] == 2)
            return 2;
        *v = sl->buf ? sl->buf + sl->off[i] : (const uint8_t *)"";
        *len = sl->len[i];
        return 1;
    }
    return 0;
}

int pl_pcre_exec(vg_inspect_ctx *ic, const pl_pcre *pe, const uint8_t *subj, uint32_t len,
                 uint32_t start, uint32_t *mstart, uint32_t *mend)
{
    const pcre_kw *pk = (const pcre_kw *)pe;
    if (pk->ncap && !(pe->flags & PLP_NEGATED))
        return exec_capture(ic, pk, subj, len, start, mstart, mend);
    return pl_pcre_exec_plain(ic, pe, subj, len, start, mstart, mend);
}

void vg_inspect_ctx_release(vg_inspect_ctx *ic)
{
    if (!ic)
        return;
    if (ic->pcre_caps) {
        for (int k = 0; k < CAP_SLOTS; k++)
            free(ic->pcre_caps->slot[k].buf);
        pcre2_match_data_free(ic->pcre_caps->md);
        free(ic->pcre_caps);
        ic->pcre_caps = NULL;
    }
    pcre2_match_data_free(ic->pcre_md);
    ic->pcre_md = NULL;
    pcre2_match_context_free(ic->pcre_mctx[0]);
    pcre2_match_context_free(ic->pcre_mctx[1]);
    ic->pcre_mctx[0] = ic->pcre_mctx[1] = NULL;
    pcre2_jit_stack_free(ic->pcre_jit_stack);
    ic->pcre_jit_stack = NULL;
    free(ic->b64);
    ic->b64 = NULL;
    free(ic->fold);
    ic->fold = NULL;
    ic->fold_cap = 0;
    ic->b64_len = ic->b64_cap = 0;
}

const vg_keyword vg_pl_kw_pcre = {
    .name = "pcre", .flags = VG_KW_PAYLOAD | VG_KW_QUOTES_OK,
    .setup = pcre_setup, .free = pcre_free_ctx,
};

