/* pl_parse.c: see pl_parse.h. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pl_parse.h"

struct vg_rule_parser {
    uint16_t cur;
    char names[VG_MAX_BYTE_VARS][32];
    int nvars;
};

static vg_sig_buf *buf_of(vg_sig *s, uint16_t id, bool create)
{
    for (unsigned i = 0; i < s->nbufs; i++)
        if (s->bufs[i].id == id)
            return &s->bufs[i];
    if (!create || s->nbufs >= VG_SIG_MAX_BUFS)
        return NULL;
    vg_sig_buf *b = &s->bufs[s->nbufs++];
    memset(b, 0, sizeof *b);
    b->id = id;
    return b;
}

vg_sm *vg_sig_append_buf(vg_rule_parser *rp, vg_sig *s, const vg_keyword *kw, void *ctx)
{
    vg_sig_buf *b = buf_of(s, rp->cur, true);
    if (!b)
        return NULL;
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

vg_sm *vg_rule_parser_last_payload(vg_rule_parser *rp, vg_sig *s)
{
    vg_sig_buf *b = buf_of(s, rp->cur, false);
    return b ? b->tail : NULL;
}

int vg_rule_parser_set_buf(vg_rule_parser *rp, vg_sig *s, uint16_t buf_id, char *errbuf)
{
    (void)s;
    (void)errbuf;
    rp->cur = buf_id;
    return VG_OK;
}

int vg_rule_parser_var(vg_rule_parser *rp, const char *name, bool create)
{
    for (int i = 0; i < rp->nvars; i++)
        if (strcmp(rp->names[i], name) == 0)
            return i;
    if (!create || rp->nvars >= VG_MAX_BYTE_VARS || strlen(name) >= sizeof rp->names[0])
        return -1;
    strcpy(rp->names[rp->nvars], name);
    return rp->nvars++;
}

/* Capture targets are the detect engine's (kw_vars.c): accepted here, the
 * payload tests read the captures with vg_pcre_caps_get(). */
int vg_rule_parser_captures(vg_rule_parser *rp, vg_sig *s, const void *owner, int n,
                            const char *kinds, char *const *names, char *errbuf)
{
    (void)rp, (void)s, (void)owner, (void)kinds, (void)names, (void)errbuf;
    return n > 0 && n <= VG_PCRE_MAX_CAPS ? VG_OK : VG_EINVAL;
}

static const vg_keyword *find_kw(const char *name)
{
    for (const vg_keyword *const *k = vg_payload_keywords; *k; k++)
        if (strcmp((*k)->name, name) == 0)
            return *k;
    return NULL;
}

int pl_parse_options(vg_sig *s, const char *opts, bool skip_unknown, char *errbuf)
{
    vg_rule_parser rp = { .cur = VG_BUF_PAYLOAD };
    size_t n = strlen(opts);
    char *copy = malloc(n + 1);
    if (!copy)
        return vg_err(errbuf, VG_ENOMEM, "out of memory");
    memcpy(copy, opts, n + 1);
    int rc = VG_OK;
    char *p = copy;
    while (*p && rc == VG_OK) {
        /* one option: up to an unquoted, unescaped ';' */
        char *start = p;
        bool q = false;
        while (*p) {
            if (*p == '\\' && p[1]) {
                p += 2;
                continue;
            }
            if (*p == '"')
                q = !q;
            else if (*p == ';' && !q)
                break;
            p++;
        }
        if (*p)
            *p++ = '\0';
        char *colon = strchr(start, ':');
        char *arg = NULL;
        if (colon) {
            *colon = '\0';
            arg = colon + 1;
            while (isspace((unsigned char)*arg))
                arg++;
        }
        char *name = start;
        while (isspace((unsigned char)*name))
            name++;
        size_t nl = strlen(name);
        while (nl && isspace((unsigned char)name[nl - 1]))
            name[--nl] = '\0';
        if (!*name)
            continue;
        const vg_keyword *kw = find_kw(name);
        if (!kw && skip_unknown && !arg && (strchr(name, '.') || strcmp(name, "file_data") == 0)) {
            /* an app-layer sticky buffer: give it a stable id of its own */
            static char seen[VG_BUF_MAX - VG_BUF_APP_FIRST][40];
            unsigned i = 0;
            while (i < VG_ARRAY_LEN(seen) && seen[i][0] && strcmp(seen[i], name) != 0)
                i++;
            if (i == VG_ARRAY_LEN(seen)) {
                rc = vg_err(errbuf, VG_ELIMIT, "too many sticky buffers");
                continue;
            }
            if (!seen[i][0])
                snprintf(seen[i], sizeof seen[i], "%s", name);
            rp.cur = (uint16_t)(VG_BUF_APP_FIRST + i);
            continue;
        }
        if (!kw && skip_unknown && !arg && strcmp(name, "pkt_data") == 0) {
            rp.cur = VG_BUF_PAYLOAD;
            continue;
        }
        if (!kw) {
            if (!skip_unknown) {
                rc = vg_err(errbuf, VG_ENOTSUP, "unknown keyword '%s'", name);
            } else if (strcmp(name, "sid") == 0 && arg) {
                s->sid = (uint32_t)strtoul(arg, NULL, 10);
            }
            continue;
        }
        if ((kw->flags & VG_KW_NOOPT) && arg) {
            rc = vg_err(errbuf, VG_EINVAL, "%s: takes no argument", name);
            continue;
        }
        rc = kw->setup(&rp, s, arg, errbuf);
    }
    free(copy);
    return rc;
}

void pl_sig_clear(vg_sig *s)
{
    for (unsigned i = 0; i < s->nbufs; i++) {
        vg_sm *sm = s->bufs[i].head;
        while (sm) {
            vg_sm *nx = sm->next;
            if (sm->kw && sm->kw->free)
                sm->kw->free(sm->ctx);
            free(sm);
            sm = nx;
        }
        s->bufs[i].head = s->bufs[i].tail = NULL;
    }
    s->nbufs = 0;
    s->fast_pattern = NULL;
}
