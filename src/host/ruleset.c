/* ruleset.c: the ruleset object: field names, files, directories, rule tree. */
#include "host/ruleset_int.h"

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const char *static_names[HF_NSTATIC] = {
    "srcip", "dstip", "srcport", "dstport", "protocol", "action", "srcuser",
    "dstuser", "id", "status", "url", "data", "extra_data", "system_name",
};

static uint32_t hash(const char *s, size_t n)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)s[i]) * 16777619u;
    return h;
}

static int intern_grow(hintern *t)
{
    int ns = t->nslots ? t->nslots * 2 : 256;
    int *slots = calloc((size_t)ns, sizeof(int));
    if (!slots)
        return VG_ENOMEM;
    for (int i = 0; i < t->n; i++) {
        uint32_t h = hash(t->names[i], strlen(t->names[i])) & (uint32_t)(ns - 1);
        while (slots[h])
            h = (h + 1) & (uint32_t)(ns - 1);
        slots[h] = i + 1;
    }
    free(t->slots);
    t->slots = slots;
    t->nslots = ns;
    return VG_OK;
}

int vg_hfield_lookup(const vg_hruleset *rs, const char *name, size_t len)
{
    const hintern *t = &rs->fields;
    if (!t->nslots)
        return -1;
    uint32_t h = hash(name, len) & (uint32_t)(t->nslots - 1);
    while (t->slots[h]) {
        const char *s = t->names[t->slots[h] - 1];
        if (strncmp(s, name, len) == 0 && s[len] == '\0')
            return t->slots[h] - 1;
        h = (h + 1) & (uint32_t)(t->nslots - 1);
    }
    return -1;
}

int vg_hfield_intern(vg_hruleset *rs, const char *name)
{
    /* Wazuh's aliases */
    if (strcmp(name, "user") == 0)
        name = "dstuser";
    else if (strcmp(name, "systemname") == 0)
        name = "system_name";
    int id = vg_hfield_lookup(rs, name, strlen(name));
    if (id >= 0)
        return id;
    hintern *t = &rs->fields;
    if ((t->n + 1) * 2 > t->nslots && intern_grow(t) < 0)
        return -1;
    if (t->n == t->cap) {
        int nc = t->cap ? t->cap * 2 : 64;
        char **nn = realloc(t->names, sizeof(char *) * (size_t)nc);
        if (!nn)
            return -1;
        t->names = nn;
        t->cap = nc;
    }
    char *s = strdup(name);
    if (!s)
        return -1;
    t->names[t->n] = s;
    uint32_t h = hash(s, strlen(s)) & (uint32_t)(t->nslots - 1);
    while (t->slots[h])
        h = (h + 1) & (uint32_t)(t->nslots - 1);
    t->slots[h] = t->n + 1;
    return t->n++;
}

const char *vg_hfield_name(const vg_hruleset *rs, int id)
{
    if (id >= 0 && id < rs->fields.n)
        return rs->fields.names[id];
    switch (id) {
    case HF_PROGRAM: return "program_name";
    case HF_HOSTNAME: return "hostname";
    case HF_LOCATION: return "location";
    case HF_PID: return "pid";
    default: return "?";
    }
}

const char *vg_hruleset_keep_file(vg_hruleset *rs, const char *path)
{
    for (int i = 0; i < rs->nfiles; i++)
        if (strcmp(rs->files[i], path) == 0)
            return rs->files[i];
    char **nf = realloc(rs->files, sizeof(char *) * (size_t)(rs->nfiles + 1));
    if (!nf)
        return NULL;
    rs->files = nf;
    char *s = strdup(path);
    if (!s)
        return NULL;
    rs->files[rs->nfiles++] = s;
    return s;
}

static void default_warn(void *ctx, const char *msg)
{
    (void)ctx;
    fprintf(stderr, "vigil host: %s\n", msg);
}

void vg_hruleset_warn(vg_hruleset *rs, const char *fmt, ...)
{
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    if (rs->warn)
        rs->warn(rs->warn_ctx, buf);
}

void vg_hruleset_set_warn(vg_hruleset *rs, void (*fn)(void *ctx, const char *msg), void *ctx)
{
    rs->warn = fn;
    rs->warn_ctx = ctx;
}

int vg_hruleset_new(vg_hruleset **out)
{
    vg_hruleset *rs = calloc(1, sizeof(*rs));
    if (!rs)
        return VG_ENOMEM;
    rs->warn = default_warn;
    rs->next_dec_id = 1;
    for (int i = 0; i < HF_NSTATIC; i++)
        if (vg_hfield_intern(rs, static_names[i]) != i) {
            vg_hruleset_free(rs);
            return VG_ENOMEM;
        }
    *out = rs;
    return VG_OK;
}

void vg_hruleset_free(vg_hruleset *rs)
{
    if (!rs)
        return;
    for (int i = 0; i < rs->ndecs; i++)
        vg_hdecoder_free(rs->decs[i]);
    free(rs->decs);
    free(rs->tops);
    for (int i = 0; i < rs->nrules; i++)
        vg_hrule_free(rs->rules[i]);
    free(rs->rules);
    free(rs->roots);
    free(rs->corr);
    for (int i = 0; i < rs->fields.n; i++)
        free(rs->fields.names[i]);
    free(rs->fields.names);
    free(rs->fields.slots);
    for (int i = 0; i < rs->nvars; i++) {
        free(rs->var_names[i]);
        free(rs->var_values[i]);
    }
    free(rs->var_names);
    free(rs->var_values);
    for (int i = 0; i < rs->nlist_dirs; i++)
        free(rs->list_dirs[i]);
    free(rs->list_dirs);
    for (int i = 0; i < rs->nlists; i++)
        vg_hlist_free(rs->lists[i]);
    free(rs->lists);
    for (int i = 0; i < rs->nfiles; i++)
        free(rs->files[i]);
    free(rs->files);
    for (int i = 0; i < rs->nexcluded; i++)
        free(rs->excluded[i]);
    free(rs->excluded);
    free(rs);
}

int vg_hruleset_ndecoders(const vg_hruleset *rs) { return rs->ndecs; }
int vg_hruleset_nrules(const vg_hruleset *rs) { return rs->nrules; }
int vg_hruleset_errors(const vg_hruleset *rs) { return rs->errors; }

int vg_hruleset_add_list_dir(vg_hruleset *rs, const char *dir, char *errbuf)
{
    char **nd = realloc(rs->list_dirs, sizeof(char *) * (size_t)(rs->nlist_dirs + 1));
    if (!nd)
        return vg_err(errbuf, VG_ENOMEM, "out of memory");
    rs->list_dirs = nd;
    if (!(rs->list_dirs[rs->nlist_dirs] = strdup(dir)))
        return vg_err(errbuf, VG_ENOMEM, "out of memory");
    rs->nlist_dirs++;
    return VG_OK;
}

static int cmpstr(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorted .xml files of dir (caller frees). */
static int xml_files(const char *dir, char ***out, int *n)
{
    *out = NULL;
    *n = 0;
    DIR *d = opendir(dir);
    if (!d)
        return VG_EIO;
    struct dirent *de;
    int rc = VG_OK;
    while ((de = readdir(d))) {
        size_t l = strlen(de->d_name);
        if (l < 5 || strcmp(de->d_name + l - 4, ".xml") != 0)
            continue;
        char *p = malloc(strlen(dir) + l + 2);
        if (!p) {
            rc = VG_ENOMEM;
            break;
        }
        sprintf(p, "%s/%s", dir, de->d_name);
        char **nn = realloc(*out, sizeof(char *) * (size_t)(*n + 1));
        if (!nn) {
            free(p);
            rc = VG_ENOMEM;
            break;
        }
        *out = nn;
        (*out)[(*n)++] = p;
    }
    closedir(d);
    if (*n > 1)
        qsort(*out, (size_t)*n, sizeof(char *), cmpstr);
    return rc;
}

int vg_hruleset_exclude(vg_hruleset *rs, const char *basename)
{
    char **n = realloc(rs->excluded, sizeof(char *) * (size_t)(rs->nexcluded + 1));
    if (!n)
        return VG_ENOMEM;
    rs->excluded = n;
    if (!(rs->excluded[rs->nexcluded] = strdup(basename)))
        return VG_ENOMEM;
    rs->nexcluded++;
    return VG_OK;
}

static bool is_excluded(const vg_hruleset *rs, const char *path)
{
    const char *b = strrchr(path, '/');
    b = b ? b + 1 : path;
    for (int i = 0; i < rs->nexcluded; i++)
        if (strcmp(rs->excluded[i], b) == 0)
            return true;
    return false;
}

static void free_list(char **l, int n)
{
    for (int i = 0; i < n; i++)
        free(l[i]);
    free(l);
}

static bool is_dir(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

/* Does the file's first element look like a decoder? */
static bool looks_like_decoders(const char *path)
{
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return false;
    char buf[8192];
    size_t n = fread(buf, 1, sizeof(buf) - 1, fp);
    fclose(fp);
    buf[n] = '\0';
    const char *d = strstr(buf, "<decoder");
    const char *g = strstr(buf, "<group");
    const char *r = strstr(buf, "<rule ");
    if (!d)
        return false;
    return (!g || d < g) && (!r || d < r);
}

int vg_hruleset_load_dir(vg_hruleset *rs, const char *dir, char *errbuf)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/decoders", dir);
    bool tree = is_dir(path);
    char **files = NULL;
    int n = 0, rc = VG_OK;
    /* lists first: rules look them up while loading */
    char lpath[4096];
    snprintf(lpath, sizeof(lpath), "%s/lists", dir);
    if (is_dir(lpath) && (rc = vg_hruleset_add_list_dir(rs, lpath, errbuf)) < 0)
        return rc;
    if (tree) {
        if (xml_files(path, &files, &n) == VG_OK)
            for (int i = 0; i < n && rc >= 0; i++)
                if (!is_excluded(rs, files[i]))
                    rc = vg_hruleset_load_decoders(rs, files[i], errbuf);
        free_list(files, n);
        if (rc < 0)
            return rc;
        snprintf(path, sizeof(path), "%s/rules", dir);
        if (xml_files(path, &files, &n) == VG_OK)
            for (int i = 0; i < n && rc >= 0; i++)
                if (!is_excluded(rs, files[i]))
                    rc = vg_hruleset_load_rules(rs, files[i], errbuf);
        free_list(files, n);
        return rc;
    }
    if (!is_dir(dir))
        return vg_err(errbuf, VG_ENOENT, "%s: not a directory", dir);
    if ((rc = xml_files(dir, &files, &n)) < 0)
        return vg_err(errbuf, rc, "%s: %s", dir, strerror(errno));
    /* decoders first, then rules, each in name order */
    for (int pass = 0; pass < 2 && rc >= 0; pass++)
        for (int i = 0; i < n && rc >= 0; i++) {
            if (is_excluded(rs, files[i]))
                continue;
            bool dec = looks_like_decoders(files[i]);
            if (pass == 0 && dec)
                rc = vg_hruleset_load_decoders(rs, files[i], errbuf);
            else if (pass == 1 && !dec)
                rc = vg_hruleset_load_rules(rs, files[i], errbuf);
        }
    free_list(files, n);
    return rc;
}

/* ---- rule tree ---- */

static int add_child(hrule *parent, hrule *child)
{
    for (int i = 0; i < parent->nchildren; i++)
        if (parent->children[i] == child)
            return VG_OK;
    hrule **nc = realloc(parent->children, sizeof(hrule *) * (size_t)(parent->nchildren + 1));
    if (!nc)
        return VG_ENOMEM;
    parent->children = nc;
    /* Children are kept in load order, except that a rule is placed before
     * the first sibling of lower level only among rules without decoded_as
     * (see docs/host.md, "rule order"). */
    int pos = parent->nchildren;
    parent->children[pos] = child;
    parent->nchildren++;
    return VG_OK;
}

static bool has_group(const hrule *r, const char *g)
{
    for (int i = 0; i < r->ngroups; i++)
        if (strcmp(r->groups[i], g) == 0)
            return true;
    return false;
}

/* if_group may list several groups separated by '|' or ','. */
static bool in_groups(const hrule *r, const char *spec)
{
    char buf[512];
    snprintf(buf, sizeof(buf), "%s", spec);
    char *save = NULL;
    for (char *t = strtok_r(buf, "|, ", &save); t; t = strtok_r(NULL, "|, ", &save))
        if (has_group(r, t))
            return true;
    return false;
}

static int order_mode(void)
{
    const char *e = getenv("VG_HOST_RULE_ORDER");
    return e ? atoi(e) : 6;
}

static int prio(const hrule *r)
{
    return r->decoded_as >= 0 ? 0 : 1;
}

static void sort_children(hrule *p, int mode)
{
    /* stable insertion sort */
    for (int i = 1; i < p->nchildren; i++) {
        hrule *x = p->children[i];
        int j = i - 1;
        for (; j >= 0; j--) {
            hrule *y = p->children[j];
            bool before;
            if (mode == 1)
                before = x->level > y->level;
            else if (mode == 2)
                before = x->level == 0 && y->level != 0;
            else if (mode == 3)
                before = prio(x) < prio(y);
            else if (mode == 4)
                before = prio(x) < prio(y) || (prio(x) == prio(y) && x->level == 0 && y->level != 0);
            else if (mode == 5)
                before = (x->level == 0 && y->level != 0) ||
                         ((x->level == 0) == (y->level == 0) && prio(x) < prio(y));
            else if (mode == 6)
                before = prio(x) < prio(y) || (prio(x) == prio(y) && x->level > y->level);
            else
                before = false;
            if (!before)
                break;
            p->children[j + 1] = y;
        }
        p->children[j + 1] = x;
    }
}

int vg_hruleset_finish(vg_hruleset *rs, char *errbuf)
{
    if (rs->finished)
        return VG_OK;
    /* id -> rule index */
    int maxid = 0;
    for (int i = 0; i < rs->nrules; i++)
        maxid = VG_MAX(maxid, rs->rules[i]->id);
    hrule **byid = calloc((size_t)maxid + 1, sizeof(hrule *));
    if (!byid)
        return vg_err(errbuf, VG_ENOMEM, "out of memory");
    for (int i = 0; i < rs->nrules; i++) {
        rs->rules[i]->idx = i;
        byid[rs->rules[i]->id] = rs->rules[i];
    }
    int rc = VG_OK;
    for (int i = 0; i < rs->nrules && rc >= 0; i++) {
        hrule *r = rs->rules[i];
        free(r->if_matched_idx);
        r->if_matched_idx = r->nif_matched_sid ? malloc(sizeof(int) * (size_t)r->nif_matched_sid) : NULL;
        for (int k = 0; k < r->nif_matched_sid; k++) {
            int sid = r->if_matched_sid[k];
            hrule *t = sid > 0 && sid <= maxid ? byid[sid] : NULL;
            if (t)
                t->tracked = true;
            if (r->if_matched_idx)
                r->if_matched_idx[k] = t ? t->idx : -1;
        }
        if (r->id < 10) {
            hrule **nr = realloc(rs->roots, sizeof(hrule *) * (size_t)(rs->nroots + 1));
            if (!nr) {
                rc = VG_ENOMEM;
                break;
            }
            rs->roots = nr;
            rs->roots[rs->nroots++] = r;
            continue;
        }
        bool placed = false;
        if (r->nif_sid) {
            for (int k = 0; k < r->nif_sid && rc >= 0; k++) {
                int sid = r->if_sid[k];
                if (sid > 0 && sid <= maxid && byid[sid] && byid[sid] != r) {
                    rc = add_child(byid[sid], r);
                    placed = true;
                } else {
                    vg_hruleset_warn(rs, "%s:%d: rule %d: if_sid %d: no such rule", r->file, r->line,
                                     r->id, sid);
                }
            }
        } else if (r->if_level) {
            /* if_level and if_group bind to the rules loaded before (as Wazuh) */
            for (int k = 0; k < i && rc >= 0; k++)
                if (rs->rules[k]->level >= r->if_level) {
                    rc = add_child(rs->rules[k], r);
                    placed = true;
                }
        } else if (r->if_group) {
            for (int k = 0; k < i && rc >= 0; k++)
                if (in_groups(rs->rules[k], r->if_group)) {
                    rc = add_child(rs->rules[k], r);
                    placed = true;
                }
        } else {
            const char *cat = r->category ? r->category : "syslog";
            for (int k = 0; k < rs->nroots && rc >= 0; k++) {
                if (rs->roots[k]->id >= 10)
                    continue; /* only templates (id < 10) adopt by category */
                const char *rc2 = rs->roots[k]->category ? rs->roots[k]->category : "syslog";
                if (strcmp(cat, rc2) == 0) {
                    rc = add_child(rs->roots[k], r);
                    placed = true;
                    break;
                }
            }
            if (!placed) {
                /* No template for this category (a ruleset of our own):
                 * the rule is a root itself. */
                hrule **nr = realloc(rs->roots, sizeof(hrule *) * (size_t)(rs->nroots + 1));
                if (!nr) {
                    rc = VG_ENOMEM;
                    break;
                }
                rs->roots = nr;
                rs->roots[rs->nroots++] = r;
                placed = true;
            }
        }
        if (!placed && rc >= 0) {
            vg_hruleset_warn(rs, "%s:%d: rule %d has no parent; never evaluated", r->file, r->line, r->id);
            rs->errors++;
        }
    }
    free(byid);
    if (rc < 0)
        return vg_err(errbuf, rc, "building the rule tree: %s", vg_strerror(rc));
    rs->corr = calloc((size_t)rs->fields.n + 1, sizeof(bool));
    if (!rs->corr)
        return vg_err(errbuf, VG_ENOMEM, "out of memory");
    for (int i = 0; i < rs->nrules; i++)
        for (int k = 0; k < rs->rules[i]->nsame; k++) {
            int f = rs->rules[i]->same[k].field;
            if (f >= 0 && f < rs->fields.n)
                rs->corr[f] = true;
            else
                rs->corr_pseudo = true;
        }
    rs->win_field = vg_hfield_lookup(rs, "win.system.providerName", strlen("win.system.providerName"));
    rs->pid_field = vg_hfield_lookup(rs, "pid", 3);
    int mode = order_mode();
    for (int i = 0; i < rs->nrules; i++)
        sort_children(rs->rules[i], mode);
    rs->finished = true;
    return VG_OK;
}
