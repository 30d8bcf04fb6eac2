/* sca.c: SCA policy loading and rule compilation (see sca.h). */
#include "inspect/sca_int.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "inspect/run.h"
const char *vg_sca_result_name(int r)
{
    switch (r) {
    case VG_SCA_PASSED: return "passed";
    case VG_SCA_FAILED: return "failed";
    case VG_SCA_NA: return "not applicable";
    case VG_SCA_ERROR: return "error";
    case VG_SCA_SKIPPED: return "not required";
    }
    return "?";
}

/* ------------------------------------------------------------------ */
/* loading                                                             */

static char *xstrdup_or_null(const char *s)
{
    return s ? strdup(s) : NULL;
}

static void add_defect(vg_sca_policy *p, int line, const char *fmt, ...) VG_PRINTF(3, 4);
static void add_defect(vg_sca_policy *p, int line, const char *fmt, ...)
{
    char msg[VG_ERRBUF_SIZE];
    int k = snprintf(msg, sizeof msg, "%s:%d: ", p->path, line);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg + k, sizeof msg - (size_t)k, fmt, ap);
    va_end(ap);
    char **nd = realloc(p->defects, (p->ndefects + 1) * sizeof(char *));
    if (!nd)
        return;
    p->defects = nd;
    p->defects[p->ndefects] = strdup(msg);
    if (p->defects[p->ndefects])
        p->ndefects++;
}

static void free_pattern(struct pattern *pt)
{
    if (!pt)
        return;
    for (size_t i = 0; i < pt->n; i++) {
        vg_osre_free(pt->m[i].re);
        free(pt->m[i].text);
        free(pt->m[i].defect);
    }
    free(pt->m);
    free(pt);
}

void vg_sca_free_rule(struct rule *r)
{
    free(r->raw);
    free(r->location);
    free(r->file_pat);
    vg_osre_free(r->file_re);
    free_pattern(r->pat);
    free(r->error);
}

static void free_check(struct check *c)
{
    vg_sca_check *k = &c->pub;
    free(k->id); free(k->title); free(k->title_vi); free(k->description);
    free(k->rationale); free(k->remediation); free(k->remediation_vi);
    free(k->control); free(k->clause); free(k->group); free(k->condition);
    free(k->reason);
    free(c->load_error);
    for (size_t i = 0; i < c->nrules; i++)
        vg_sca_free_rule(&c->rules[i]);
    free(c->rules);
}

/* Parse "OP VALUE" the way Wazuh's SCA does: the first integer in the text
 * is the value; the operator is '=' if the text starts with '=', else the
 * first of != <= >= < > found.  Non-documented spellings ("=>", "=<", "=")
 * are evaluated that way and reported as defects. */
static int parse_compare(const char *s, int *op, long *value, bool *odd)
{
    while (*s == ' ')
        s++;
    *odd = false;
    if (*s == '=') {
        *op = OP_EQ;
        *odd = strncmp(s, "==", 2) != 0;
    } else if (strstr(s, "!=")) {
        *op = OP_NE;
    } else if (strstr(s, "<=")) {
        *op = OP_LE;
    } else if (strstr(s, ">=")) {
        *op = OP_GE;
    } else if (strstr(s, "<")) {
        *op = OP_LT;
    } else if (strstr(s, ">")) {
        *op = OP_GT;
    } else {
        return -1;
    }
    const char *d = s;
    while (*d && !(*d >= '0' && *d <= '9'))
        d++;
    if (!*d)
        return -2;
    errno = 0;
    *value = strtol(d, NULL, 10);
    if (errno)
        return -2;
    return 0;
}

/* Split on " && " and compile each minterm. */
static struct pattern *compile_pattern(vg_sca_policy *p, int line, const char *src, char **err)
{
    struct pattern *pt = calloc(1, sizeof(*pt));
    if (!pt)
        return NULL;
    const char *s = src;
    for (;;) {
        const char *e = strstr(s, " && ");
        size_t n = e ? (size_t)(e - s) : strlen(s);
        struct minterm *nm = realloc(pt->m, (pt->n + 1) * sizeof(*nm));
        if (!nm) {
            free_pattern(pt);
            return NULL;
        }
        pt->m = nm;
        struct minterm *m = &pt->m[pt->n++];
        memset(m, 0, sizeof(*m));
        char *t = strndup(s, n);
        if (!t) {
            free_pattern(pt);
            return NULL;
        }
        char *q = t;
        if (*q == '!') {
            m->neg = true;
            q++;
        }
        char eb[VG_ERRBUF_SIZE];
        if (strncasecmp(q, "r:", 2) == 0) {
            m->kind = MT_REGEX;
            m->text = strdup(q + 2);
            if (vg_osre_compile(q + 2, &m->re, eb) != VG_OK) {
                /* Wazuh: a regex that does not compile never matches */
                add_defect(p, line, "regex '%s' does not compile (%s); evaluated as no match, as Wazuh does",
                           q + 2, eb);
                m->re = NULL;
            }
        } else if (strncasecmp(q, "n:", 2) == 0) {
            m->kind = MT_NUM;
            char *cmp = strstr(q + 2, " compare ");
            if (!cmp) {
                m->text = strdup(q + 2);
                m->defect = strdup("numeric rule without ' compare OP VALUE'");
                add_defect(p, line, "'n:%s': keyword 'compare' not found", q + 2);
            } else {
                *cmp = '\0';
                m->text = strdup(q + 2);
                bool odd = false;
                int prc = parse_compare(cmp + 9, &m->op, &m->value, &odd);
                if (prc == -1) {
                    m->defect = strdup("unrecognised numeric comparison operator");
                    add_defect(p, line, "'n:%s': unrecognised comparison '%s'", q + 2, cmp + 9);
                } else if (prc == -2) {
                    m->defect = strdup("no integer in the numeric comparison");
                    add_defect(p, line, "'n:%s': no integer in comparison '%s'", q + 2, cmp + 9);
                } else if (odd) {
                    add_defect(p, line, "'n:%s': operator '%s' is not documented; evaluated as '==' as Wazuh does",
                               q + 2, cmp + 9);
                }
                if (vg_osre_compile(m->text ? m->text : "", &m->re, eb) != VG_OK) {
                    m->re = NULL;
                    if (!m->defect)
                        m->defect = strdup("numeric rule regex does not compile");
                    add_defect(p, line, "regex '%s' does not compile (%s)", m->text ? m->text : "", eb);
                }
            }
        } else {
            m->kind = MT_LIT;
            m->text = strdup(q);
        }
        free(t);
        if (!m->text) {
            free_pattern(pt);
            return NULL;
        }
        if (!e)
            break;
        s = e + 4;
    }
    (void)err;
    return pt;
}

static bool is_shell(const char *prog)
{
    const char *b = strrchr(prog, '/');
    b = b ? b + 1 : prog;
    static const char *const shells[] = {"sh", "bash", "dash", "zsh", "ksh", "mksh", "ash",
                                         "busybox", "csh", "tcsh", "fish", NULL};
    for (int i = 0; shells[i]; i++)
        if (strcmp(b, shells[i]) == 0)
            return true;
    return false;
}

/* Replace $variables (longest names first). Returns malloc'd string. */
static char *subst_vars(const vg_sca_policy *p, const char *s)
{
    char *cur = strdup(s);
    if (!cur)
        return NULL;
    for (size_t i = 0; i < p->nvars; i++) {
        const char *name = p->vars_name[i];
        size_t nl = strlen(name);
        const char *val = p->vars_value[i];
        size_t vl = strlen(val);
        char *hit;
        size_t from = 0;
        while ((hit = strstr(cur + from, name))) {
            size_t off = (size_t)(hit - cur);
            size_t cl = strlen(cur);
            if (cl - nl + vl > 65536)
                break; /* refuse runaway growth */
            char *nb = malloc(cl - nl + vl + 1);
            if (!nb)
                break;
            memcpy(nb, cur, off);
            memcpy(nb + off, val, vl);
            memcpy(nb + off + vl, hit + nl, cl - off - nl + 1);
            free(cur);
            cur = nb;
            from = off + vl;
        }
    }
    return cur;
}

static void rule_error(struct rule *r, const char *fmt, ...) VG_PRINTF(2, 3);
static void rule_error(struct rule *r, const char *fmt, ...)
{
    if (r->error)
        return;
    char msg[VG_ERRBUF_SIZE];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    r->error = strdup(msg);
}

int vg_sca_compile_rule(vg_sca_policy *p, int line, const char *text, struct rule *r)
{
    memset(r, 0, sizeof(*r));
    r->raw = subst_vars(p, text);
    if (!r->raw)
        return VG_ENOMEM;
    const char *s = r->raw;
    while (*s == ' ')
        s++;
    if (strncmp(s, "not ", 4) == 0) {
        r->neg = true;
        s += 4;
        while (*s == ' ')
            s++;
    }
    if (*s == '!') {
        r->neg = !r->neg;
        s++;
    }
    const char *colon = strchr(s, ':');
    if (!colon || colon - s != 1) {
        rule_error(r, "%s:%d: rule '%s': expected TYPE:target with TYPE one of f d c p r",
                   p->path, line, text);
        return VG_OK;
    }
    switch (*s) {
    case 'f': r->type = R_FILE; break;
    case 'd': r->type = R_DIR; break;
    case 'c': r->type = R_CMD; break;
    case 'p': r->type = R_PROC; break;
    case 'r': r->type = R_REG; break;
    case 'm':
        if (!p->vigil) {
            rule_error(r, "%s:%d: rule '%s': unknown rule type '%c'", p->path, line, text, *s);
            return VG_OK;
        }
        r->type = R_DEV; /* vigil's own policies only: same device as */
        break;
    default:
        rule_error(r, "%s:%d: rule '%s': unknown rule type '%c'", p->path, line, text, *s);
        return VG_OK;
    }
    const char *val = colon + 1;
    const char *arrow = strstr(val, " -> ");
    r->location = arrow ? strndup(val, (size_t)(arrow - val)) : strdup(val);
    if (!r->location)
        return VG_ENOMEM;
    const char *rest = arrow ? arrow + 4 : NULL;
    if (r->type == R_DEV) {
        if (!r->location[0] || !rest || !*rest || strstr(rest, " -> ")) {
            rule_error(r, "%s:%d: rule '%s': expected m:TARGET -> PATH[,PATH...]", p->path, line, text);
            return VG_OK;
        }
        r->file_pat = strdup(rest);
        return r->file_pat ? VG_OK : VG_ENOMEM;
    }
    if (r->type == R_DIR && rest) {
        const char *a2 = strstr(rest, " -> ");
        r->file_pat = a2 ? strndup(rest, (size_t)(a2 - rest)) : strdup(rest);
        if (!r->file_pat)
            return VG_ENOMEM;
        rest = a2 ? a2 + 4 : NULL;
        if (strncasecmp(r->file_pat, "r:", 2) == 0) {
            char eb[VG_ERRBUF_SIZE];
            if (vg_osre_compile(r->file_pat + 2, &r->file_re, eb) != VG_OK) {
                add_defect(p, line, "file-name regex '%s' does not compile (%s); matches nothing",
                           r->file_pat + 2, eb);
                r->file_re = NULL;
            }
        } else if (strchr(r->file_pat, ' ')) {
            add_defect(p, line, "file-name pattern '%s' is matched literally (OS_Match), as Wazuh does",
                       r->file_pat);
        }
    } else if (r->type == R_CMD && rest && strstr(rest, " -> ")) {
        add_defect(p, line, "command rule with a second ' -> ': the rest is one pattern, as Wazuh reads it");
    }
    if (r->type == R_PROC && rest) {
        rule_error(r, "%s:%d: rule '%s': process rules only check existence", p->path, line, text);
        return VG_OK;
    }
    if (rest) {
        r->pat = compile_pattern(p, line, rest, NULL);
        if (!r->pat)
            return VG_ENOMEM;
    }
    if (r->type == R_CMD) {
        char **argv = NULL;
        int rc = vg_run_split(r->location, &argv);
        if (rc != VG_OK) {
            rule_error(r, "%s:%d: command '%s': %s", p->path, line, r->location,
                       rc == VG_ELIMIT ? "too many words" : "unterminated quote or empty command");
            return VG_OK;
        }
        r->shell = is_shell(argv[0]);
        vg_run_argv_free(argv);
        if (r->shell && p->vigil) {
            rule_error(r, "%s:%d: command '%s': vigil's own policies may not use a shell",
                       p->path, line, r->location);
        }
    }
    return VG_OK;
}

static int parse_cond(const char *s)
{
    if (!s)
        return -1;
    if (strcmp(s, "all") == 0 || strcmp(s, "all required") == 0)
        return COND_ALL;
    if (strcmp(s, "any") == 0 || strcmp(s, "any required") == 0)
        return COND_ANY;
    if (strcmp(s, "none") == 0)
        return COND_NONE;
    return -1;
}

static char *scalar_dup(const vg_yt *n)
{
    if (!n)
        return NULL;
    if (n->type == VG_YT_SCALAR)
        return strdup(n->value);
    return NULL;
}

static unsigned parse_levels(const vg_yt *n)
{
    unsigned m = 0;
    if (!n)
        return 0;
    if (n->type == VG_YT_SCALAR) {
        long v = strtol(n->value, NULL, 10);
        if (v >= 1 && v <= 5)
            m |= 1u << v;
        return m;
    }
    for (const vg_yt *c = n->child; c; c = c->next)
        if (c->type == VG_YT_SCALAR) {
            long v = strtol(c->value, NULL, 10);
            if (v >= 1 && v <= 5)
                m |= 1u << v;
        }
    return m;
}

/* A check that cannot be evaluated at all (no valid condition, no rules):
 * an engine error on every run of the policy (unless its requirements are
 * not met: then, like every check, it is not applicable). */
static void set_load_error(struct check *c, const char *msg)
{
    free(c->pub.reason);
    free(c->load_error);
    c->pub.result = VG_SCA_ERROR;
    c->pub.reason = strdup(msg);
    c->load_error = strdup(msg);
}

static int load_check(vg_sca_policy *p, const vg_yt *n, struct check *c, bool is_req, char *errbuf)
{
    memset(c, 0, sizeof(*c));
    c->pub.line = n->line;
    if (!is_req) {
        /* Until vg_sca_run() evaluates it, a check is no result: never the
         * zero value "passed". */
        c->pub.result = VG_SCA_NA;
        c->pub.reason = strdup(VG_SCA_NOT_RUN);
    }
    if (n->type != VG_YT_MAP)
        return vg_err(errbuf, VG_EINVAL, "%s:%d: %s: expected a mapping", p->path, n->line,
                      is_req ? "requirements" : "checks[]");
    const char *cond = vg_yt_str(n, "condition");
    c->cond = parse_cond(cond);
    const vg_yt *rules = vg_yt_get(n, "rules");
    if (!is_req) {
        const vg_yt *id = vg_yt_get(n, "id");
        if (!id || id->type != VG_YT_SCALAR)
            return vg_err(errbuf, VG_EINVAL, "%s:%d: checks[]: id: missing", p->path, n->line);
        c->pub.id = strdup(id->value);
        if (!vg_yt_str(n, "title"))
            return vg_err(errbuf, VG_EINVAL, "%s:%d: check %s: title: missing", p->path, n->line,
                          id->value);
    }
    c->pub.title = scalar_dup(vg_yt_get(n, "title"));
    /* vigil policies show the effective thresholds in their texts */
#define VG_SUBST(f) do { if (p->vigil && (f)) { char *t_ = subst_vars(p, (f)); if (t_) { free(f); (f) = t_; } } } while (0)
    c->pub.title_vi = scalar_dup(vg_yt_get(n, "title_vi"));
    c->pub.description = scalar_dup(vg_yt_get(n, "description"));
    c->pub.rationale = scalar_dup(vg_yt_get(n, "rationale"));
    c->pub.remediation = scalar_dup(vg_yt_get(n, "remediation"));
    c->pub.remediation_vi = scalar_dup(vg_yt_get(n, "remediation_vi"));
    c->pub.control = scalar_dup(vg_yt_get(n, "control"));
    c->pub.clause = scalar_dup(vg_yt_get(n, "clause"));
    c->pub.group = scalar_dup(vg_yt_get(n, "group"));
    c->pub.levels = parse_levels(vg_yt_get(n, "levels"));
    c->pub.condition = xstrdup_or_null(cond);
    VG_SUBST(c->pub.title);
    VG_SUBST(c->pub.title_vi);
    VG_SUBST(c->pub.description);
    VG_SUBST(c->pub.remediation);
    VG_SUBST(c->pub.remediation_vi);
#undef VG_SUBST
    if (c->cond < 0) {
        /* the check is kept and reported as an engine error */
        char msg[VG_ERRBUF_SIZE];
        snprintf(msg, sizeof msg, "%s:%d: condition: '%s' is not all, any or none", p->path,
                 n->line, cond ? cond : "(missing)");
        set_load_error(c, msg);
    }
    if (!rules || rules->type != VG_YT_SEQ || rules->n == 0) {
        if (is_req)
            return vg_err(errbuf, VG_EINVAL, "%s:%d: requirements: rules: missing", p->path, n->line);
        if (!c->load_error) {
            char msg[VG_ERRBUF_SIZE];
            snprintf(msg, sizeof msg, "%s:%d: check %s: rules: missing or empty", p->path, n->line,
                     c->pub.id);
            set_load_error(c, msg);
        }
        return VG_OK;
    }
    c->rules = calloc(rules->n, sizeof(struct rule));
    if (!c->rules)
        return vg_err(errbuf, VG_ENOMEM, "out of memory");
    for (const vg_yt *r = rules->child; r; r = r->next) {
        struct rule *ru = &c->rules[c->nrules];
        if (r->type != VG_YT_SCALAR) {
            memset(ru, 0, sizeof(*ru));
            c->nrules++;
            rule_error(ru, "%s:%d: rules[]: expected a string", p->path, r->line);
            continue;
        }
        int rc = vg_sca_compile_rule(p, r->line, r->value, ru);
        c->nrules++;
        if (rc != VG_OK)
            return vg_err(errbuf, rc, "out of memory");
    }
    return VG_OK;
}

static int add_var(vg_sca_policy *p, const char *name, const char *value)
{
    char **nn = realloc(p->vars_name, (p->nvars + 1) * sizeof(char *));
    if (!nn)
        return VG_ENOMEM;
    p->vars_name = nn;
    char **nv = realloc(p->vars_value, (p->nvars + 1) * sizeof(char *));
    if (!nv)
        return VG_ENOMEM;
    p->vars_value = nv;
    p->vars_name[p->nvars] = strdup(name);
    p->vars_value[p->nvars] = strdup(value);
    if (!p->vars_name[p->nvars] || !p->vars_value[p->nvars])
        return VG_ENOMEM;
    p->nvars++;
    /* keep longest first so "$a_b" is replaced before "$a" */
    for (size_t i = p->nvars - 1; i > 0 && strlen(p->vars_name[i]) > strlen(p->vars_name[i - 1]); i--) {
        char *t = p->vars_name[i]; p->vars_name[i] = p->vars_name[i - 1]; p->vars_name[i - 1] = t;
        t = p->vars_value[i]; p->vars_value[i] = p->vars_value[i - 1]; p->vars_value[i - 1] = t;
    }
    return VG_OK;
}

/* vigil: thresholds: NAME: {default: V, levels: {N: V}, source: S, verified: B} */
static int load_thresholds(vg_sca_policy *p, const vg_yt *vig, char *errbuf)
{
    const vg_yt *th = vg_yt_get(vig, "thresholds");
    if (!th)
        return VG_OK;
    if (th->type != VG_YT_MAP)
        return vg_err(errbuf, VG_EINVAL, "%s:%d: vigil.thresholds: expected a mapping", p->path, th->line);
    p->thr = calloc(th->n ? th->n : 1, sizeof(vg_sca_threshold));
    if (!p->thr)
        return vg_err(errbuf, VG_ENOMEM, "out of memory");
    for (const vg_yt *t = th->child; t; t = t->next) {
        if (t->type != VG_YT_MAP)
            return vg_err(errbuf, VG_EINVAL, "%s:%d: vigil.thresholds.%s: expected a mapping", p->path,
                          t->line, t->key);
        const char *val = vg_yt_str(t, "default");
        const vg_yt *lv = vg_yt_get(t, "levels");
        if (p->opts.level >= 1 && p->opts.level <= 5 && lv) {
            char k[4];
            snprintf(k, sizeof k, "%d", p->opts.level);
            const char *lvv = vg_yt_str(lv, k);
            if (lvv)
                val = lvv;
        }
        if (!val)
            return vg_err(errbuf, VG_EINVAL, "%s:%d: vigil.thresholds.%s: default: missing", p->path,
                          t->line, t->key);
        const char *src = vg_yt_str(t, "source");
        if (!src)
            return vg_err(errbuf, VG_EINVAL, "%s:%d: vigil.thresholds.%s: source: missing", p->path,
                          t->line, t->key);
        const char *ver = vg_yt_str(t, "verified");
        vg_sca_threshold *x = &p->thr[p->nthr++];
        x->name = strdup(t->key);
        x->source = strdup(src);
        x->verified = ver && (strcmp(ver, "true") == 0 || strcmp(ver, "yes") == 0);
        size_t nl = strlen(t->key);
        for (size_t i = 0; i < p->opts.noverrides; i++) {
            const char *o = p->opts.overrides[i];
            if (o[0] == '$')
                o++;
            if (strncmp(o, t->key, nl) == 0 && o[nl] == '=') {
                val = o + nl + 1;
                x->overridden = true;
            }
        }
        x->value = strdup(val);
        if (!x->name || !x->source || !x->value)
            return vg_err(errbuf, VG_ENOMEM, "out of memory");
        char vn[256];
        snprintf(vn, sizeof vn, "$%s", t->key);
        if (add_var(p, vn, x->value) != VG_OK)
            return vg_err(errbuf, VG_ENOMEM, "out of memory");
    }
    for (size_t i = 0; i < p->opts.noverrides; i++) {
        const char *o = p->opts.overrides[i];
        if (o[0] == '$')
            o++;
        const char *eq = strchr(o, '=');
        bool known = false;
        for (size_t j = 0; eq && j < p->nthr; j++)
            if (strlen(p->thr[j].name) == (size_t)(eq - o) && strncmp(p->thr[j].name, o, (size_t)(eq - o)) == 0)
                known = true;
        if (!known)
            return vg_err(errbuf, VG_EINVAL, "%s: override '%s': no such threshold in this policy",
                          p->path, p->opts.overrides[i]);
    }
    return VG_OK;
}

int vg_sca_load(const char *path, const vg_sca_opts *opts, vg_sca_policy **out, char *errbuf)
{
    *out = NULL;
    vg_yt *doc = NULL;
    int rc = vg_yt_load(path, &doc, errbuf);
    if (rc != VG_OK)
        return rc;
    vg_sca_policy *p = calloc(1, sizeof(*p));
    if (!p) {
        vg_yt_free(doc);
        return vg_err(errbuf, VG_ENOMEM, "out of memory");
    }
    p->path = strdup(path);
    if (opts)
        p->opts = *opts;
    if (p->opts.cmd_timeout_ms <= 0)
        p->opts.cmd_timeout_ms = 10000;
    if (p->opts.cmd_max_output == 0)
        p->opts.cmd_max_output = 1u << 20;
    if (p->opts.root && strcmp(p->opts.root, "/") != 0 && p->opts.root[0]) {
        p->root = strdup(p->opts.root);
        size_t l = strlen(p->root);
        while (l > 1 && p->root[l - 1] == '/')
            p->root[--l] = '\0';
    }
    p->opts.root = NULL; /* not owned */
    if (!doc || doc->type != VG_YT_MAP) {
        rc = vg_err(errbuf, VG_EINVAL, "%s:%d: expected a mapping with policy and checks", path,
                    doc ? doc->line : 1);
        goto fail;
    }
    const vg_yt *pol = vg_yt_get(doc, "policy");
    if (!pol || pol->type != VG_YT_MAP) {
        rc = vg_err(errbuf, VG_EINVAL, "%s:%d: policy: missing", path, doc->line);
        goto fail;
    }
    if (!vg_yt_str(pol, "id")) {
        rc = vg_err(errbuf, VG_EINVAL, "%s:%d: policy.id: missing", path, pol->line);
        goto fail;
    }
    p->id = strdup(vg_yt_str(pol, "id"));
    p->name = strdup(vg_yt_str(pol, "name") ? vg_yt_str(pol, "name") : p->id);
    const vg_yt *vig = vg_yt_get(doc, "vigil");
    p->vigil = vig != NULL;
    /* Shell: only third-party policies owned by root, writable by no one else. */
    struct stat st;
    if (!p->vigil && !p->opts.force_no_shell && stat(path, &st) == 0 && st.st_uid == 0 &&
        !(st.st_mode & (S_IWGRP | S_IWOTH)))
        p->shell_ok = true;
    const vg_yt *vars = vg_yt_get(doc, "variables");
    if (vars) {
        if (vars->type != VG_YT_MAP) {
            rc = vg_err(errbuf, VG_EINVAL, "%s:%d: variables: expected a mapping", path, vars->line);
            goto fail;
        }
        for (const vg_yt *v = vars->child; v; v = v->next) {
            if (v->key[0] != '$' || v->type != VG_YT_SCALAR) {
                rc = vg_err(errbuf, VG_EINVAL, "%s:%d: variables.%s: names start with '$' and values are strings",
                            path, v->line, v->key);
                goto fail;
            }
            if (add_var(p, v->key, v->value) != VG_OK) {
                rc = vg_err(errbuf, VG_ENOMEM, "out of memory");
                goto fail;
            }
        }
    }
    if (vig) {
        rc = load_thresholds(p, vig, errbuf);
        if (rc != VG_OK)
            goto fail;
    } else if (p->opts.noverrides) {
        rc = vg_err(errbuf, VG_EINVAL, "%s: threshold overrides apply to vigil policies only", path);
        goto fail;
    }
    const vg_yt *req = vg_yt_get(doc, "requirements");
    if (req) {
        rc = load_check(p, req, &p->req, true, errbuf);
        p->has_req = true; /* even half-loaded: freed with the policy */
        if (rc != VG_OK)
            goto fail;
    }
    const vg_yt *checks = vg_yt_get(doc, "checks");
    if (!checks || checks->type != VG_YT_SEQ) {
        rc = vg_err(errbuf, VG_EINVAL, "%s:%d: checks: missing or not a list", path, doc->line);
        goto fail;
    }
    p->checks = calloc(checks->n ? checks->n : 1, sizeof(struct check));
    if (!p->checks) {
        rc = vg_err(errbuf, VG_ENOMEM, "out of memory");
        goto fail;
    }
    for (const vg_yt *c = checks->child; c; c = c->next) {
        rc = load_check(p, c, &p->checks[p->n], false, errbuf);
        p->n++;
        if (rc != VG_OK)
            goto fail;
        for (size_t i = 0; i + 1 < p->n; i++)
            if (strcmp(p->checks[i].pub.id, p->checks[p->n - 1].pub.id) == 0) {
                rc = vg_err(errbuf, VG_EINVAL, "%s:%d: checks[]: id %s: duplicate (first at line %d)",
                            path, c->line, p->checks[i].pub.id, p->checks[i].pub.line);
                goto fail;
            }
    }
    if (p->root) {
        char fx[PATH_MAX];
        snprintf(fx, sizeof fx, "%s/.vigil-commands.yaml", p->root);
        if (access(fx, R_OK) == 0) {
            rc = vg_yt_load(fx, &p->fixture, errbuf);
            if (rc != VG_OK)
                goto fail;
        }
    }
    vg_yt_free(doc);
    *out = p;
    return VG_OK;
fail:
    vg_yt_free(doc);
    vg_sca_free(p);
    return rc;
}

void vg_sca_free(vg_sca_policy *p)
{
    if (!p)
        return;
    if (p->has_req)
        free_check(&p->req);
    for (size_t i = 0; i < p->n; i++)
        free_check(&p->checks[i]);
    free(p->checks);
    for (size_t i = 0; i < p->nthr; i++) {
        free(p->thr[i].name);
        free(p->thr[i].value);
        free(p->thr[i].source);
    }
    free(p->thr);
    for (size_t i = 0; i < p->nvars; i++) {
        free(p->vars_name[i]);
        free(p->vars_value[i]);
    }
    free(p->vars_name);
    free(p->vars_value);
    for (size_t i = 0; i < p->ndefects; i++)
        free(p->defects[i]);
    free(p->defects);
    for (struct cmd_entry *e = p->cache, *n; e; e = n) {
        n = e->next;
        free(e->cmd);
        free(e->output);
        free(e);
    }
    for (size_t i = 0; i < p->nprocs; i++) {
        free(p->procs[i].comm);
        free(p->procs[i].argv0);
        free(p->procs[i].base);
    }
    free(p->procs);
    vg_yt_free(p->fixture);
    free(p->req_reason);
    free(p->root);
    free(p->path);
    free(p->id);
    free(p->name);
    free(p);
}

