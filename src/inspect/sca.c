/* sca.c: SCA policy loading and evaluation (see sca.h). */
#include "inspect/sca.h"

#include <dirent.h>
#include <stdarg.h>
#include <errno.h>
#include <glob.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "inspect/osregex.h"
#include "inspect/run.h"
#include "inspect/ytree.h"

/* rule/pattern outcomes */
enum { NF = 0, FOUND = 1, INV = 2, ERR = 3, DEFECT_INV = 4 };

#define MAX_LINE (64u << 10)
#define MAX_FILE_BYTES (64u << 20)
#define MAX_DIR_DEPTH 16
#define MAX_DIR_ENTRIES 200000
#define MAX_CMD_LINES 256 /* as Wazuh: the last piece keeps the rest */
#define REASON_MAX 512

enum { OP_LT, OP_LE, OP_EQ, OP_NE, OP_GE, OP_GT };
enum { MT_REGEX, MT_NUM, MT_LIT };
enum { R_FILE, R_DIR, R_CMD, R_PROC, R_REG };
enum { COND_ALL, COND_ANY, COND_NONE };

struct minterm {
    bool neg;
    int kind;
    vg_osre *re;        /* NULL when the regex did not compile (defect) */
    char *text;         /* literal, or the regex source */
    int op;
    long value;
    char *defect;       /* Wazuh would return "invalid" here: reason */
};

struct pattern {
    struct minterm *m;
    size_t n;
};

struct rule {
    bool neg;
    int type;
    char *raw;
    char *location;
    char *file_pat;     /* d: file-name part */
    vg_osre *file_re;   /* when file_pat starts with r: */
    struct pattern *pat;
    char *error;        /* load-time engine error */
    bool shell;         /* c: runs a shell */
};

struct check {
    vg_sca_check pub;
    int cond;
    struct rule *rules;
    size_t nrules;
};

struct cmd_entry {
    char *cmd;
    int status;         /* enum vg_run_status, or -1 for "not recorded" */
    int exit_code;
    char *output;
    struct cmd_entry *next;
};

struct proc {
    char *comm, *argv0, *base;
};

struct vg_sca_policy {
    char *path, *id, *name;
    bool vigil;
    bool shell_ok;
    char *root;         /* NULL = live */
    vg_sca_opts opts;
    struct check req;
    bool has_req;
    char *req_reason;
    struct check *checks;
    size_t n;
    vg_sca_threshold *thr;
    size_t nthr;
    char **vars_name, **vars_value;  /* "$name" -> value, longest name first */
    size_t nvars;
    char **defects;
    size_t ndefects;
    struct cmd_entry *cache;
    vg_yt *fixture;     /* ROOT/.vigil-commands.yaml */
    struct proc *procs;
    size_t nprocs;
    vg_sca_progress_fn progress;
    void *progress_ctx;
    bool procs_loaded;
    size_t commands_run;
};

struct ctx {
    vg_sca_policy *p;
    char reason[REASON_MAX];
    bool has_reason;
    bool defect;        /* the error comes from a malformed rule in the policy */
};

static void set_reason(struct ctx *c, const char *fmt, ...) VG_PRINTF(2, 3);
static void set_reason(struct ctx *c, const char *fmt, ...)
{
    if (c->has_reason)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->reason, sizeof c->reason, fmt, ap);
    va_end(ap);
    c->has_reason = true;
}

/* An engine error always wins over an earlier "not applicable" reason. */
static void set_error(struct ctx *c, const char *fmt, ...) VG_PRINTF(2, 3);
static void set_error(struct ctx *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->reason, sizeof c->reason, fmt, ap);
    va_end(ap);
    c->has_reason = true;
}

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

static void free_rule(struct rule *r)
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
    for (size_t i = 0; i < c->nrules; i++)
        free_rule(&c->rules[i]);
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

static int compile_rule(vg_sca_policy *p, int line, const char *text, struct rule *r)
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

static int load_check(vg_sca_policy *p, const vg_yt *n, struct check *c, bool is_req, char *errbuf)
{
    memset(c, 0, sizeof(*c));
    c->pub.line = n->line;
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
        c->pub.result = VG_SCA_ERROR;
        char msg[VG_ERRBUF_SIZE];
        snprintf(msg, sizeof msg, "%s:%d: condition: '%s' is not all, any or none", p->path,
                 n->line, cond ? cond : "(missing)");
        c->pub.reason = strdup(msg);
    }
    if (!rules || rules->type != VG_YT_SEQ || rules->n == 0) {
        if (is_req)
            return vg_err(errbuf, VG_EINVAL, "%s:%d: requirements: rules: missing", p->path, n->line);
        if (!c->pub.reason) {
            char msg[VG_ERRBUF_SIZE];
            snprintf(msg, sizeof msg, "%s:%d: check %s: rules: missing or empty", p->path, n->line,
                     c->pub.id);
            c->pub.reason = strdup(msg);
            c->pub.result = VG_SCA_ERROR;
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
        int rc = compile_rule(p, r->line, r->value, ru);
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
        if (rc != VG_OK)
            goto fail;
        p->has_req = true;
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

/* ------------------------------------------------------------------ */
/* evaluation                                                          */

static void full_path(const vg_sca_policy *p, const char *path, char *out, size_t n)
{
    int k;
    if (p->root)
        k = snprintf(out, n, "%s%s%s", p->root, path[0] == '/' ? "" : "/", path);
    else
        k = snprintf(out, n, "%s", path);
    if (k < 0 || (size_t)k >= n)
        out[n - 1] = '\0'; /* truncated: the lookup fails as "not found" */
}

static int minterm_positive(struct ctx *c, const struct minterm *m, const char *line)
{
    switch (m->kind) {
    case MT_LIT:
        return strcasecmp(m->text, line) == 0 ? FOUND : NF;
    case MT_REGEX: {
        if (!m->re)
            return NF;
        int r = vg_osre_match(m->re, line, NULL, NULL);
        if (r < 0) {
            set_error(c, "engine error: regex '%s' exceeded its work limit", m->text);
            return ERR;
        }
        return r ? FOUND : NF;
    }
    case MT_NUM: {
        if (m->defect) {
            set_reason(c, "%s: 'n:%s'", m->defect, m->text);
            return DEFECT_INV;
        }
        const char *cap;
        size_t caplen;
        int r = vg_osre_match(m->re, line, &cap, &caplen);
        if (r < 0) {
            set_error(c, "engine error: regex '%s' exceeded its work limit", m->text);
            return ERR;
        }
        if (r == 0)
            return NF;
        if (!cap) {
            set_reason(c, "Regex '%s' matched, but no string was captured by it", m->text);
            return DEFECT_INV;
        }
        char num[32];
        size_t l = VG_MIN(caplen, sizeof num - 1);
        memcpy(num, cap, l);
        num[l] = '\0';
        char *end;
        errno = 0;
        long v = strtol(num, &end, 10);
        if (errno || end == num) {
            set_reason(c, "Conversion error. Cannot convert '%s' to integer.", num);
            return INV;
        }
        bool ok;
        switch (m->op) {
        case OP_LT: ok = v < m->value; break;
        case OP_LE: ok = v <= m->value; break;
        case OP_EQ: ok = v == m->value; break;
        case OP_NE: ok = v != m->value; break;
        case OP_GE: ok = v >= m->value; break;
        default: ok = v > m->value; break;
        }
        return ok ? FOUND : NF;
    }
    }
    return NF;
}

/* One line against a pattern: product of the minterms, as Wazuh computes it. */
static int pattern_line(struct ctx *c, const struct pattern *pt, const char *line)
{
    bool inv = false, defect = false;
    for (size_t i = 0; i < pt->n; i++) {
        const struct minterm *m = &pt->m[i];
        int r = minterm_positive(c, m, line);
        if (r == ERR)
            return ERR;
        if (r == FOUND || r == NF) {
            if (m->neg)
                r = r == FOUND ? NF : FOUND;
        }
        if (r == NF)
            return NF;
        if (r == INV)
            inv = true;
        if (r == DEFECT_INV)
            defect = true;
    }
    if (defect) {
        char why[REASON_MAX];
        snprintf(why, sizeof why, "%s", c->reason);
        set_error(c, "policy defect: the rule cannot be evaluated (Wazuh reports it as invalid): %s", why);
        c->defect = true;
        return ERR;
    }
    return inv ? INV : FOUND;
}

static int file_exists(struct ctx *c, const char *shown, const char *path)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        if (errno == ENOENT || errno == ENOTDIR)
            return NF;
        set_reason(c, "Could not open '%s': %s", shown, strerror(errno));
        return INV;
    }
    if (S_ISREG(st.st_mode))
        return FOUND;
    set_reason(c, "FILE_EXISTS(%s) -> RETURN_INVALID: Not a regular file.", shown);
    return INV;
}

static int file_contents(struct ctx *c, const char *shown, const char *path, const struct pattern *pt)
{
    FILE *fp = fopen(path, "r");
    if (!fp) {
        set_reason(c, "Could not open file '%s': %s", shown, strerror(errno));
        return INV;
    }
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    int result = NF;
    size_t total = 0;
    while ((n = getline(&line, &cap, fp)) >= 0) {
        total += (size_t)n;
        if (total > MAX_FILE_BYTES) {
            set_reason(c, "File '%s' is larger than %u bytes", shown, MAX_FILE_BYTES);
            result = INV;
            break;
        }
        if ((size_t)n > MAX_LINE)
            line[MAX_LINE] = '\0';
        size_t l = strlen(line);
        while (l && (line[l - 1] == '\n' || line[l - 1] == '\r'))
            line[--l] = '\0';
        int r = pattern_line(c, pt, line);
        if (r != NF) {
            result = r;
            break;
        }
    }
    free(line);
    fclose(fp);
    return result;
}

/* f:list, optionally with a content pattern. */
static int check_file_list(struct ctx *c, const char *list, const struct pattern *pt)
{
    char *copy = strdup(list);
    if (!copy)
        return ERR;
    int acc = NF;
    char *save = NULL;
    for (char *f = strtok_r(copy, ",", &save); f; f = strtok_r(NULL, ",", &save)) {
        char path[PATH_MAX];
        full_path(c->p, f, path, sizeof path);
        int r = file_exists(c, f, path);
        if (!pt) {
            if (r == FOUND) {
                acc = FOUND;
                break;
            }
            if (r == INV)
                acc = INV;
            continue;
        }
        if (r != FOUND) {
            set_reason(c, "Could not open file '%s'", f);
            acc = INV;
            continue;
        }
        r = file_contents(c, f, path, pt);
        if (r == FOUND || r == ERR) {
            acc = r;
            break;
        }
        if (r == INV)
            acc = INV;
    }
    free(copy);
    return acc;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Walk a directory (shown = path without root). */
static int check_dir(struct ctx *c, const struct rule *r, const char *shown, int depth, size_t *budget)
{
    char path[PATH_MAX];
    full_path(c->p, shown, path, sizeof path);
    DIR *dp = opendir(path);
    if (!dp) {
        set_reason(c, "Could not open '%s': %s", shown, strerror(errno));
        return INV;
    }
    char **names = NULL;
    size_t nn = 0, cn = 0;
    struct dirent *de;
    while ((de = readdir(dp))) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        if (nn == cn) {
            cn = cn ? cn * 2 : 32;
            char **nb = realloc(names, cn * sizeof(char *));
            if (!nb)
                break;
            names = nb;
        }
        names[nn] = strdup(de->d_name);
        if (names[nn])
            nn++;
    }
    closedir(dp);
    if (nn)
        qsort(names, nn, sizeof(char *), cmp_str);
    int acc = NF;
    for (size_t i = 0; i < nn; i++) {
        if (acc == FOUND || acc == ERR)
            break;
        if (*budget == 0) {
            set_reason(c, "Directory walk of '%s' stopped after %d entries", shown, MAX_DIR_ENTRIES);
            acc = INV;
            break;
        }
        (*budget)--;
        char sub[PATH_MAX], subfull[PATH_MAX];
        snprintf(sub, sizeof sub, "%s%s%s", shown, shown[strlen(shown) - 1] == '/' ? "" : "/", names[i]);
        full_path(c->p, sub, subfull, sizeof subfull);
        struct stat st;
        int res;
        if (lstat(subfull, &st) != 0) {
            set_reason(c, "Cannot check directory entry '%s'", sub);
            acc = INV;
            continue;
        }
        if (S_ISDIR(st.st_mode)) {
            if (depth >= MAX_DIR_DEPTH) {
                set_reason(c, "Directory '%s' is deeper than %d levels", sub, MAX_DIR_DEPTH);
                acc = INV;
                continue;
            }
            res = check_dir(c, r, sub, depth + 1, budget);
        } else {
            bool match;
            if (r->file_re) {
                int m = vg_osre_match(r->file_re, names[i], NULL, NULL);
                if (m < 0) {
                    set_error(c, "engine error: file-name regex exceeded its work limit");
                    acc = ERR;
                    continue;
                }
                match = m == 1;
            } else if (strncasecmp(r->file_pat, "r:", 2) == 0) {
                match = false; /* did not compile: Wazuh matches nothing */
            } else {
                match = vg_osmatch(r->file_pat, names[i]) == 1;
            }
            if (!match)
                continue;
            res = check_file_list(c, sub, r->pat);
        }
        if (res == FOUND || res == ERR)
            acc = res;
        else if (res == INV)
            acc = INV;
    }
    for (size_t i = 0; i < nn; i++)
        free(names[i]);
    free(names);
    return acc;
}

static int dir_exists(struct ctx *c, const char *shown)
{
    char path[PATH_MAX];
    full_path(c->p, shown, path, sizeof path);
    DIR *dp = opendir(path);
    if (dp) {
        closedir(dp);
        return FOUND;
    }
    if (errno == ENOENT || errno == ENOTDIR)
        return NF;
    set_reason(c, "Could not check directory existence for '%s': %s", shown, strerror(errno));
    return INV;
}

/* Expand one directory item: glob when it has wildcards (under the root). */
static int eval_dir_item(struct ctx *c, const struct rule *r, const char *item, size_t *budget)
{
    if (!strpbrk(item, "*?[")) {
        if (!r->file_pat)
            return dir_exists(c, item);
        return check_dir(c, r, item, 0, budget);
    }
    char pat[PATH_MAX];
    full_path(c->p, item, pat, sizeof pat);
    glob_t g;
    int gr = glob(pat, GLOB_NOSORT | GLOB_ONLYDIR, NULL, &g);
    if (gr == GLOB_NOMATCH) {
        if (!r->file_pat)
            return NF;
        set_reason(c, "Could not open '%s': No such file or directory", item);
        return INV;
    }
    if (gr != 0) {
        set_reason(c, "Could not expand '%s'", item);
        return INV;
    }
    qsort(g.gl_pathv, g.gl_pathc, sizeof(char *), cmp_str);
    size_t rl = c->p->root ? strlen(c->p->root) : 0;
    int acc = NF;
    for (size_t i = 0; i < g.gl_pathc; i++) {
        const char *shown = g.gl_pathv[i] + rl;
        int res = r->file_pat ? check_dir(c, r, shown, 0, budget) : dir_exists(c, shown);
        if (res == FOUND || res == ERR) {
            acc = res;
            break;
        }
        if (res == INV)
            acc = INV;
    }
    globfree(&g);
    return acc;
}

static int eval_dir(struct ctx *c, const struct rule *r)
{
    char *copy = strdup(r->location);
    if (!copy)
        return ERR;
    size_t budget = MAX_DIR_ENTRIES;
    int acc = NF;
    char *save = NULL;
    for (char *d = strtok_r(copy, ",", &save); d; d = strtok_r(NULL, ",", &save)) {
        int res = eval_dir_item(c, r, d, &budget);
        if (res == FOUND || res == ERR) {
            acc = res;
            break;
        }
        if (res == INV)
            acc = INV;
    }
    free(copy);
    return acc;
}

static void load_procs(vg_sca_policy *p)
{
    p->procs_loaded = true;
    char procdir[PATH_MAX];
    full_path(p, "/proc", procdir, sizeof procdir);
    DIR *dp = opendir(procdir);
    if (!dp)
        return;
    struct dirent *de;
    size_t cap = 0;
    while ((de = readdir(dp))) {
        if (de->d_name[0] < '0' || de->d_name[0] > '9')
            continue;
        if (p->nprocs == cap) {
            cap = cap ? cap * 2 : 256;
            if (cap > 1000000)
                break;
            struct proc *np = realloc(p->procs, cap * sizeof(*np));
            if (!np)
                break;
            p->procs = np;
        }
        char f[PATH_MAX];
        struct proc pr = {0};
        char *buf;
        size_t len;
        if (snprintf(f, sizeof f, "%s/%s/comm", procdir, de->d_name) >= (int)sizeof f)
            continue;
        if (vg_read_file(f, 4096, &buf, &len) == VG_OK) {
            while (len && buf[len - 1] == '\n')
                buf[--len] = '\0';
            pr.comm = buf;
        }
        if (snprintf(f, sizeof f, "%s/%s/cmdline", procdir, de->d_name) >= (int)sizeof f)
            f[0] = '\0';
        if (f[0] && vg_read_file(f, 65536, &buf, &len) == VG_OK) {
            if (len == 0) {
                free(buf);
            } else {
                pr.argv0 = buf; /* first NUL-terminated word */
                const char *b = strrchr(buf, '/');
                pr.base = strdup(b ? b + 1 : buf);
            }
        }
        if (!pr.comm && !pr.argv0)
            continue;
        p->procs[p->nprocs++] = pr;
    }
    closedir(dp);
}

static int eval_proc(struct ctx *c, const struct rule *r)
{
    vg_sca_policy *p = c->p;
    if (!p->procs_loaded)
        load_procs(p);
    if (p->nprocs == 0) {
        set_reason(c, "Process list is empty.");
        return INV;
    }
    /* the process name is tested as a pattern (literal unless r:) */
    struct pattern one = {0};
    struct minterm m = {0};
    char eb[VG_ERRBUF_SIZE];
    if (strncasecmp(r->location, "r:", 2) == 0) {
        m.kind = MT_REGEX;
        m.text = r->location + 2;
        if (vg_osre_compile(m.text, &m.re, eb) != VG_OK)
            m.re = NULL;
    } else {
        m.kind = MT_LIT;
        m.text = r->location;
    }
    one.m = &m;
    one.n = 1;
    int res = NF;
    for (size_t i = 0; i < p->nprocs && res == NF; i++) {
        const char *cand[3] = {p->procs[i].comm, p->procs[i].argv0, p->procs[i].base};
        for (int k = 0; k < 3 && res == NF; k++)
            if (cand[k]) {
                int x = pattern_line(c, &one, cand[k]);
                if (x == FOUND || x == ERR)
                    res = x;
            }
    }
    vg_osre_free(m.re);
    return res;
}

static struct cmd_entry *cmd_lookup(struct ctx *c, const char *cmd, bool shell)
{
    vg_sca_policy *p = c->p;
    for (struct cmd_entry *e = p->cache; e; e = e->next)
        if (strcmp(e->cmd, cmd) == 0)
            return e;
    struct cmd_entry *e = calloc(1, sizeof(*e));
    if (!e)
        return NULL;
    e->cmd = strdup(cmd);
    e->status = -1;
    if (p->root) {
        /* recorded output for a prepared tree */
        const vg_yt *list = vg_yt_get(p->fixture, "commands");
        for (const vg_yt *it = list ? list->child : NULL; it; it = it->next) {
            const char *fc = vg_yt_str(it, "cmd");
            if (fc && strcmp(fc, cmd) == 0) {
                const char *out = vg_yt_str(it, "output");
                const char *st = vg_yt_str(it, "status");
                e->output = strdup(out ? out : "");
                e->status = VG_RUN_OK;
                if (st && strcmp(st, "noexec") == 0)
                    e->status = VG_RUN_NOEXEC;
                else if (st && strcmp(st, "timeout") == 0)
                    e->status = VG_RUN_TIMEOUT;
                break;
            }
        }
    } else if (!shell || p->shell_ok) {
        char **argv = NULL;
        if (vg_run_split(cmd, &argv) == VG_OK) {
            vg_run_result rr;
            if (vg_run(argv, p->opts.cmd_timeout_ms, p->opts.cmd_max_output, &rr) == VG_OK) {
                e->status = (int)rr.status;
                e->exit_code = rr.exit_code;
                e->output = rr.output;
                rr.output = NULL;
                p->commands_run++;
            }
            vg_run_result_free(&rr);
            vg_run_argv_free(argv);
        }
    }
    e->next = p->cache;
    p->cache = e;
    return e;
}

static int eval_cmd(struct ctx *c, const struct rule *r)
{
    if (!r->pat)
        return FOUND; /* Wazuh: a command rule without a pattern is found */
    vg_sca_policy *p = c->p;
    if (r->shell && !p->shell_ok && !p->root) {
        set_reason(c, "Ignoring check for running command '%s': shell commands run only from "
                      "third-party policies owned by root and writable by no one else", r->location);
        return INV;
    }
    struct cmd_entry *e = cmd_lookup(c, r->location, r->shell);
    if (!e)
        return ERR;
    if (e->status == -1) {
        if (p->root)
            set_reason(c, "Command '%s' not run: evaluating the tree %s (no recorded output)",
                       r->location, p->root);
        else
            set_reason(c, "Failed to run command '%s'", r->location);
        return INV;
    }
    if (e->status == VG_RUN_NOEXEC) {
        set_reason(c, "Invalid path or wrong permissions to run command '%s'", r->location);
        return INV;
    }
    if (e->status == VG_RUN_TIMEOUT) {
        set_reason(c, "Timeout overtaken running command '%s'", r->location);
        return INV;
    }
    if (e->status == VG_RUN_FAILED) {
        set_reason(c, "Failed to run command '%s'. Returned code %d", r->location, e->exit_code);
        return INV;
    }
    /* Lines as Wazuh splits them: every '\n' ends a piece, the piece after
     * the last '\n' (possibly empty) is tested too, at most 256 pieces. */
    char *out = e->output ? e->output : (char *)"";
    size_t olen = strlen(out);
    char *buf = malloc(olen + 1);
    if (!buf)
        return ERR;
    int res = NF;
    const char *s = out;
    for (int piece = 0;; piece++) {
        const char *nl = piece < MAX_CMD_LINES - 1 ? strchr(s, '\n') : NULL;
        size_t n = nl ? (size_t)(nl - s) : strlen(s);
        memcpy(buf, s, n);
        buf[n] = '\0';
        while (n && (buf[n - 1] == '\r' || buf[n - 1] == '\n'))
            buf[--n] = '\0';
        res = pattern_line(c, r->pat, buf);
        if (res == FOUND || res == ERR || !nl)
            break;
        s = nl + 1;
    }
    free(buf);
    return res;
}

static int eval_rule(struct ctx *c, const struct rule *r)
{
    if (r->error) {
        set_error(c, "engine error: %s", r->error);
        return ERR;
    }
    int res;
    switch (r->type) {
    case R_FILE: res = check_file_list(c, r->location, r->pat); break;
    case R_DIR: res = eval_dir(c, r); break;
    case R_CMD: res = eval_cmd(c, r); break;
    case R_PROC: res = eval_proc(c, r); break;
    default:
        set_reason(c, "Registry rules apply to Windows only: '%s'", r->location);
        return INV;
    }
    if (res == ERR || res == INV)
        return res;
    return r->neg ? (res == FOUND ? NF : FOUND) : res;
}

/* Aggregate as Wazuh documents it (truth table in the SCA docs). */
static int eval_check(struct ctx *c, const struct check *k)
{
    int g = k->cond == COND_ALL ? FOUND : NF;
    bool inv = false;
    for (size_t i = 0; i < k->nrules; i++) {
        int r = eval_rule(c, &k->rules[i]);
        if (r == ERR)
            return ERR;
        if (r == INV) {
            inv = true;
            continue;
        }
        if (k->cond == COND_ALL && r == NF)
            return VG_SCA_FAILED;
        if (k->cond == COND_ANY && r == FOUND)
            return VG_SCA_PASSED;
        if (k->cond == COND_NONE && r == FOUND)
            return VG_SCA_FAILED;
        (void)g;
    }
    if (inv)
        return VG_SCA_NA;
    if (k->cond == COND_ALL)
        return VG_SCA_PASSED;
    if (k->cond == COND_ANY)
        return VG_SCA_FAILED;
    return VG_SCA_PASSED;
}

static double ms_since(const struct timespec *t0)
{
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (double)(t1.tv_sec - t0->tv_sec) * 1e3 + (double)(t1.tv_nsec - t0->tv_nsec) / 1e6;
}

int vg_sca_run(vg_sca_policy *p)
{
    p->commands_run = 0;
    free(p->req_reason);
    p->req_reason = NULL;
    if (p->has_req) {
        struct ctx c = {.p = p};
        int r = p->req.cond < 0 ? ERR : eval_check(&c, &p->req);
        if (r != VG_SCA_PASSED) {
            char msg[VG_ERRBUF_SIZE + REASON_MAX + 256];
            snprintf(msg, sizeof msg, "requirements not met (%s): %s%s%s",
                     p->req.pub.title ? p->req.pub.title : "requirements",
                     r == VG_SCA_FAILED ? "failed" : r == VG_SCA_NA ? "not applicable" : "error",
                     c.has_reason ? ": " : "", c.has_reason ? c.reason : "");
            p->req_reason = strdup(msg);
            return VG_DECLINED;
        }
    }
    for (size_t i = 0; i < p->n; i++) {
        struct check *k = &p->checks[i];
        vg_sca_check *pub = &k->pub;
        if (pub->reason && pub->result == VG_SCA_ERROR && (k->cond < 0 || k->nrules == 0))
            continue; /* load-time error stays */
        free(pub->reason);
        pub->reason = NULL;
        if (p->opts.level >= 1 && p->opts.level <= 5 && pub->levels &&
            !(pub->levels & (1u << p->opts.level))) {
            pub->result = VG_SCA_SKIPPED;
            continue;
        }
        struct timespec t0;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        struct ctx c = {.p = p};
        int r = eval_check(&c, k);
        pub->elapsed_ms = ms_since(&t0);
        if (r == ERR)
            r = VG_SCA_ERROR;
        pub->result = r;
        if (r == VG_SCA_NA || r == VG_SCA_ERROR)
            pub->reason = strdup(c.has_reason ? c.reason : "Unknown reason");
        pub->defect = r == VG_SCA_ERROR && c.defect;
        if (p->progress)
            p->progress(p->progress_ctx, i + 1, p->n, pub->id);
    }
    return VG_OK;
}

void vg_sca_set_progress(vg_sca_policy *p, vg_sca_progress_fn fn, void *ctx)
{
    p->progress = fn;
    p->progress_ctx = ctx;
}

const char *vg_sca_policy_id(const vg_sca_policy *p) { return p->id; }
const char *vg_sca_policy_name(const vg_sca_policy *p) { return p->name; }
const char *vg_sca_policy_file(const vg_sca_policy *p) { return p->path; }
bool vg_sca_is_vigil(const vg_sca_policy *p) { return p->vigil; }
bool vg_sca_shell_allowed(const vg_sca_policy *p) { return p->shell_ok; }
const char *vg_sca_requirements_reason(const vg_sca_policy *p) { return p->req_reason; }
size_t vg_sca_count(const vg_sca_policy *p) { return p->n; }
const vg_sca_check *vg_sca_check_at(const vg_sca_policy *p, size_t i) { return i < p->n ? &p->checks[i].pub : NULL; }
size_t vg_sca_threshold_count(const vg_sca_policy *p) { return p->nthr; }
const vg_sca_threshold *vg_sca_threshold_at(const vg_sca_policy *p, size_t i) { return i < p->nthr ? &p->thr[i] : NULL; }
size_t vg_sca_defect_count(const vg_sca_policy *p) { return p->ndefects; }
const char *vg_sca_defect_at(const vg_sca_policy *p, size_t i) { return i < p->ndefects ? p->defects[i] : NULL; }
size_t vg_sca_commands_run(const vg_sca_policy *p) { return p->commands_run; }

void vg_sca_summarise(const vg_sca_policy *p, vg_sca_summary *s)
{
    memset(s, 0, sizeof(*s));
    for (size_t i = 0; i < p->n; i++) {
        switch (p->checks[i].pub.result) {
        case VG_SCA_PASSED: s->passed++; break;
        case VG_SCA_FAILED: s->failed++; break;
        case VG_SCA_NA: s->na++; break;
        case VG_SCA_ERROR:
            s->errors++;
            if (p->checks[i].pub.defect)
                s->policy_errors++;
            break;
        case VG_SCA_SKIPPED: s->skipped++; break;
        }
    }
    s->total = p->n;
    s->defects = p->ndefects;
    s->score = s->passed + s->failed ? (int)(s->passed * 100 / (s->passed + s->failed)) : -1;
}

int vg_sca_eval_rule(const char *rule, const vg_sca_opts *opts, char *reason, size_t reasonlen)
{
    vg_sca_policy p = {0};
    p.path = (char *)"(rule)";
    if (opts)
        p.opts = *opts;
    if (p.opts.cmd_timeout_ms <= 0)
        p.opts.cmd_timeout_ms = 5000;
    if (p.opts.cmd_max_output == 0)
        p.opts.cmd_max_output = 1u << 20;
    if (opts && opts->root && strcmp(opts->root, "/") != 0) {
        p.root = (char *)opts->root;
        char fx[PATH_MAX], eb[VG_ERRBUF_SIZE];
        snprintf(fx, sizeof fx, "%.4000s/.vigil-commands.yaml", p.root);
        if (access(fx, R_OK) == 0 && vg_yt_load(fx, &p.fixture, eb) != VG_OK)
            p.fixture = NULL;
    }
    p.shell_ok = false;
    struct rule r;
    int rc = compile_rule(&p, 1, rule, &r);
    int res;
    struct ctx c = {.p = &p};
    if (rc != VG_OK) {
        res = -1;
    } else {
        res = eval_rule(&c, &r);
        if (res == ERR)
            res = -1;
    }
    if (reason && reasonlen)
        snprintf(reason, reasonlen, "%s", c.has_reason ? c.reason : "");
    free_rule(&r);
    for (size_t i = 0; i < p.ndefects; i++)
        free(p.defects[i]);
    free(p.defects);
    for (struct cmd_entry *e = p.cache, *n; e; e = n) {
        n = e->next;
        free(e->cmd);
        free(e->output);
        free(e);
    }
    for (size_t i = 0; i < p.nprocs; i++) {
        free(p.procs[i].comm);
        free(p.procs[i].argv0);
        free(p.procs[i].base);
    }
    free(p.procs);
    vg_yt_free(p.fixture);
    return res;
}
