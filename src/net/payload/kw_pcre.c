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
 * (vg_payload_set_pcre_buffer); before that, and for capture-to-variable
 * suffixes, the rule fails to load as unsupported rather than match the
 * wrong buffer.
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <ctype.h>
#include <pcre2.h>
#include <stdlib.h>
#include <string.h>

#include "net/payload/payload_int.h"

#define PCRE_MATCH_LIMIT 3500
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
            return vg_err(errbuf, VG_ENOTSUP,
                          "capture into pkt/flow/alert variables is not supported");
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
    pl_pcre *pe = calloc(1, sizeof *pe);
    if (!pe) {
        pcre2_code_free(re);
        return vg_err(errbuf, VG_ENOMEM, "out of memory");
    }
    pe->h.kind = PL_PCRE;
    pe->flags = flags;
    pe->re = re;
    vg_sm *sm = buf ? append_to(s, buf, &vg_pl_kw_pcre, pe)
                    : vg_sig_append_buf(rp, s, &vg_pl_kw_pcre, pe);
    if (!sm) {
        pcre_free_ctx(pe);
        return vg_err(errbuf, VG_ENOMEM, "cannot append");
    }
    if (flags & PLP_RELATIVE)
        pl_mark_anchor(sm, PL_NEXT_DISTANCE | PL_NEXT_WITHIN);
    return VG_OK;
}

int pl_pcre_exec(vg_inspect_ctx *ic, const pl_pcre *pe, const uint8_t *subj, uint32_t len,
                 uint32_t start, uint32_t *mstart, uint32_t *mend)
{
    static const uint8_t empty[1];
    if (start > len)
        return 0;
    if (!ic->pcre_md) {
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
            return -1;
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
    }
    pcre2_match_data *md = ic->pcre_md;
    pcre2_match_context *mc = ic->pcre_mctx[(pe->flags & PLP_NOLIMIT) ? 1 : 0];
    int rc = pcre2_match(pe->re, subj ? subj : empty, len, start, 0, md, mc);
    if (rc == PCRE2_ERROR_NOMATCH)
        return 0;
    if (rc == PCRE2_ERROR_MATCHLIMIT || rc == PCRE2_ERROR_DEPTHLIMIT ||
        rc == PCRE2_ERROR_HEAPLIMIT || rc == PCRE2_ERROR_JIT_STACKLIMIT) {
        ic->pcre_limit_hits++;
        return -1;
    }
    if (rc < 0)
        return -1;
    PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
    if (ov[0] > len || ov[1] > len || ov[1] < ov[0])
        return -1; /* \K tricks can put the start after the end */
    *mstart = (uint32_t)ov[0];
    *mend = (uint32_t)ov[1];
    return 1;
}

void vg_inspect_ctx_release(vg_inspect_ctx *ic)
{
    if (!ic)
        return;
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

