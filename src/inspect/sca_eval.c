/* sca_eval.c: evaluation of SCA rules and checks (see sca.h). */
#include "inspect/sca_int.h"

#include <dirent.h>
#include <errno.h>
#include <glob.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include "inspect/run.h"

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

/* ------------------------------------------------------------------ */
/* evaluation                                                          */

/* Resolve `path` inside the tree `root` as if root were "/": symbolic links
 * are followed with absolute targets taken relative to the tree and ".."
 * stopping at its top, so that an image's /etc/localtime -> /usr/share/...
 * or a hostile link to /etc/shadow never reaches the host.  At most 40 links. */
static void root_resolve(const char *root, const char *path, char *out, size_t n)
{
    char cur[PATH_MAX] = "";    /* resolved part, "/a/b" */
    char rest[PATH_MAX];
    snprintf(rest, sizeof rest, "%s", path);
    int links = 0;
    size_t rl = strlen(root);
    char *p = rest;
    for (;;) {
        while (*p == '/')
            p++;
        if (!*p)
            break;
        char *e = strchr(p, '/');
        size_t cl = e ? (size_t)(e - p) : strlen(p);
        char comp[NAME_MAX + 1];
        if (cl > NAME_MAX) {
            cur[0] = '\0';
            break;
        }
        memcpy(comp, p, cl);
        comp[cl] = '\0';
        p += cl;
        if (strcmp(comp, ".") == 0)
            continue;
        if (strcmp(comp, "..") == 0) {
            char *slash = strrchr(cur, '/');
            if (slash)
                *slash = '\0';
            continue;
        }
        size_t curl = strlen(cur);
        if (curl + 1 + cl + 1 > sizeof cur)
            break;
        cur[curl] = '/';
        memcpy(cur + curl + 1, comp, cl + 1);
        char full[PATH_MAX * 2];
        snprintf(full, sizeof full, "%s%s", root, cur);
        struct stat st;
        if (lstat(full, &st) != 0 || !S_ISLNK(st.st_mode))
            continue;
        char target[PATH_MAX];
        ssize_t tl = readlink(full, target, sizeof target - 1);
        if (tl <= 0 || ++links > 40) {
            break; /* unreadable or looping: leave it to the caller's stat */
        }
        target[tl] = '\0';
        /* the link's target replaces it, followed by what was left */
        char next[PATH_MAX];
        if ((size_t)snprintf(next, sizeof next, "%s/%s", target, p) >= sizeof next)
            break;
        if (target[0] == '/') {
            cur[0] = '\0';
        } else {
            char *slash = strrchr(cur, '/');
            if (slash)
                *slash = '\0';
        }
        snprintf(rest, sizeof rest, "%s", next);
        p = rest;
    }
    if (rl + strlen(cur) + 2 > n) {
        out[0] = '\0';
        return;
    }
    snprintf(out, n, "%s%s", root, cur[0] ? cur : "/");
}

static void full_path(const vg_sca_policy *p, const char *path, char *out, size_t n)
{
    if (p->root) {
        root_resolve(p->root, path, out, n);
        return;
    }
    int k = snprintf(out, n, "%s", path);
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
    /* Wazuh takes directory names literally; vigil's own policies may use globs */
    if (!c->p->vigil || !strpbrk(item, "*?[")) {
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

/* ------------------------------------------------------------------ */
/* m:TARGET -> PATH[,PATH...] (vigil's own policies only)              */

#define MAX_MOUNTINFO_LINES 20000

/* Decode mountinfo's octal escapes (\040 for a space) in place. */
static void mi_unescape(char *s)
{
    char *o = s;
    for (char *i = s; *i; i++) {
        if (i[0] == '\\' && i[1] >= '0' && i[1] <= '3' && i[2] >= '0' && i[2] <= '7' &&
            i[3] >= '0' && i[3] <= '7') {
            *o++ = (char)((i[1] - '0') * 64 + (i[2] - '0') * 8 + (i[3] - '0'));
            i += 3;
        } else {
            *o++ = *i;
        }
    }
    *o = '\0';
}

/* The device ("major:minor") of the mount holding `path` (a resolved
 * absolute path inside the tree): the longest mount point that is `path`
 * or a directory above it in ROOT/proc/self/mountinfo.  Returns FOUND, or
 * INV with the reason when the table cannot be read or has no match. */
static int mi_device(struct ctx *c, const char *path, char *dev, size_t devlen)
{
    char mi[PATH_MAX];
    snprintf(mi, sizeof mi, "%s/proc/self/mountinfo", c->p->root);
    FILE *f = fopen(mi, "r");
    if (!f) {
        set_reason(c, "Could not open the mount table '/proc/self/mountinfo' of the tree: %s",
                   strerror(errno));
        return INV;
    }
    char line[4096];
    size_t best = 0;
    bool have = false;
    for (int n = 0; n < MAX_MOUNTINFO_LINES && fgets(line, sizeof line, f); n++) {
        /* ID PARENT MAJ:MIN ROOT MOUNTPOINT ... */
        char *save = NULL;
        char *fld[5];
        int k = 0;
        for (char *t = strtok_r(line, " \n", &save); t && k < 5; t = strtok_r(NULL, " \n", &save))
            fld[k++] = t;
        if (k < 5 || !strchr(fld[2], ':') || fld[4][0] != '/')
            continue;
        mi_unescape(fld[4]);
        size_t ml = strlen(fld[4]);
        while (ml > 1 && fld[4][ml - 1] == '/')
            fld[4][--ml] = '\0';
        bool under = ml == 1 || (strncmp(path, fld[4], ml) == 0 && (path[ml] == '/' || path[ml] == '\0'));
        if (under && (!have || ml >= best)) {
            best = ml;
            have = true;
            snprintf(dev, devlen, "%s", fld[2]);
        }
    }
    fclose(f);
    if (!have) {
        set_reason(c, "No mount of the tree's /proc/self/mountinfo holds '%s'", path);
        return INV;
    }
    return FOUND;
}

/* The device of `shown`: st_dev on a live host, the mount table's
 * major:minor under --root.  NF when the path does not exist. */
static int path_device(struct ctx *c, const char *shown, char *dev, size_t devlen)
{
    char path[PATH_MAX];
    full_path(c->p, shown, path, sizeof path);
    struct stat st;
    if (stat(path, &st) != 0) {
        if (errno == ENOENT || errno == ENOTDIR)
            return NF;
        set_reason(c, "Could not stat '%s': %s", shown, strerror(errno));
        return INV;
    }
    if (!c->p->root) {
        snprintf(dev, devlen, "%u:%u", major(st.st_dev), minor(st.st_dev));
        return FOUND;
    }
    size_t rl = strlen(c->p->root);
    const char *inside = strncmp(path, c->p->root, rl) == 0 ? path + rl : path;
    return mi_device(c, inside[0] ? inside : "/", dev, devlen);
}

/* Found when TARGET is on the same device as one of the paths.  A missing
 * TARGET, or no existing path, is not applicable (so that `not m:` cannot
 * pass on a backup target that is not there); missing paths are skipped. */
static int eval_dev(struct ctx *c, const struct rule *r)
{
    char tdev[64];
    int res = path_device(c, r->location, tdev, sizeof tdev);
    if (res == NF) {
        set_reason(c, "'%s' does not exist", r->location);
        return INV;
    }
    if (res != FOUND)
        return res;
    char *list = strdup(r->file_pat);
    if (!list)
        return ERR;
    int out = INV;
    char *save = NULL;
    for (char *t = strtok_r(list, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        while (*t == ' ')
            t++;
        size_t tl = strlen(t);
        while (tl && t[tl - 1] == ' ')
            t[--tl] = '\0';
        if (!*t)
            continue;
        char dev[64];
        int pr = path_device(c, t, dev, sizeof dev);
        if (pr == NF)
            continue;
        if (pr != FOUND) {
            out = pr;
            break;
        }
        if (strcmp(dev, tdev) == 0) {
            out = FOUND;
            break;
        }
        out = NF;
    }
    free(list);
    if (out == INV && !c->has_reason)
        set_reason(c, "None of '%s' exists", r->file_pat);
    return out;
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
    case R_DEV: res = eval_dev(c, r); break;
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

static bool level_skips(const vg_sca_policy *p, const vg_sca_check *pub)
{
    return p->opts.level >= 1 && p->opts.level <= 5 && pub->levels &&
           !(pub->levels & (1u << p->opts.level));
}

/* Requirements not met: the policy is not applicable, nothing is evaluated.
 * Every check says so with the reason (none keeps an earlier run's result). */
static void mark_not_applicable(vg_sca_policy *p)
{
    for (size_t i = 0; i < p->n; i++) {
        vg_sca_check *pub = &p->checks[i].pub;
        free(pub->reason);
        pub->reason = NULL;
        pub->defect = false;
        pub->elapsed_ms = 0;
        if (level_skips(p, pub)) {
            pub->result = VG_SCA_SKIPPED;
            continue;
        }
        pub->result = VG_SCA_NA;
        pub->reason = strdup(p->req_reason ? p->req_reason : "requirements not met");
    }
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
            const char *why = c.has_reason ? c.reason : p->req.load_error;
            char msg[VG_ERRBUF_SIZE + REASON_MAX + 256];
            snprintf(msg, sizeof msg, "requirements not met (%s): %s%s%s",
                     p->req.pub.title ? p->req.pub.title : "requirements",
                     r == VG_SCA_FAILED ? "failed" : r == VG_SCA_NA ? "not applicable" : "error",
                     why ? ": " : "", why ? why : "");
            p->req_reason = strdup(msg);
            if (!p->req_reason)
                p->req_reason = strdup("requirements not met");
            mark_not_applicable(p);
            return VG_DECLINED;
        }
    }
    for (size_t i = 0; i < p->n; i++) {
        struct check *k = &p->checks[i];
        vg_sca_check *pub = &k->pub;
        free(pub->reason);
        pub->reason = NULL;
        pub->defect = false;
        pub->elapsed_ms = 0;
        if (k->load_error) {
            /* cannot be evaluated at all: an engine error on every run */
            pub->result = VG_SCA_ERROR;
            pub->reason = strdup(k->load_error);
            continue;
        }
        if (level_skips(p, pub)) {
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
    /* Requirements not met: every check is "not applicable" (or not required
     * at the level), so nothing counts as passed or failed. */
    s->policy_na = p->req_reason != NULL;
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
    int rc = vg_sca_compile_rule(&p, 1, rule, &r);
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
    vg_sca_free_rule(&r);
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

