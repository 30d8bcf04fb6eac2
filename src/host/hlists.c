/* hlists.c: Wazuh CDB-style key lists, read from their text form
 * ("key:value" per line, either side optionally in double quotes).  A list
 * is loaded once per ruleset and shared by the rules naming it; lookups are
 * a hash probe.  address_match_key also tries the address's network
 * prefixes ("10.1.2.3", "10.1.2", "10.1", "10"), as Wazuh does.  Caps: 4
 * million entries per list, 4 KiB per line. */
#include "host/ruleset_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define HLIST_MAX_ENTRIES (4u << 20)

struct hlist {
    char *path;                 /* as the rules name it */
    char **keys, **vals;
    uint32_t n, slots;          /* slots: power of two */
    uint32_t *tab;              /* index+1 */
};

static uint32_t hash(const char *s, size_t n)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)s[i]) * 16777619u;
    return h;
}

void vg_hlist_free(hlist *l)
{
    if (!l)
        return;
    for (uint32_t i = 0; i < l->n; i++) {
        free(l->keys[i]);
        free(l->vals[i]);
    }
    free(l->keys);
    free(l->vals);
    free(l->tab);
    free(l->path);
    free(l);
}

static const char *lookup(const hlist *l, const char *k, size_t n)
{
    if (!l->slots)
        return NULL;
    uint32_t h = hash(k, n) & (l->slots - 1);
    while (l->tab[h]) {
        const char *key = l->keys[l->tab[h] - 1];
        if (strncmp(key, k, n) == 0 && key[n] == '\0')
            return l->vals[l->tab[h] - 1];
        h = (h + 1) & (l->slots - 1);
    }
    return NULL;
}

static int add(hlist *l, const char *k, size_t kn, const char *v, size_t vn)
{
    if (lookup(l, k, kn))
        return VG_OK;
    if (l->n >= HLIST_MAX_ENTRIES)
        return VG_ELIMIT;
    if ((l->n + 1) * 2 > l->slots) {
        uint32_t ns = l->slots ? l->slots * 2 : 64;
        uint32_t *nt = calloc(ns, sizeof(uint32_t));
        char **nk = realloc(l->keys, sizeof(char *) * ns / 2);
        if (nk)
            l->keys = nk;
        char **nv = realloc(l->vals, sizeof(char *) * ns / 2);
        if (nv)
            l->vals = nv;
        if (!nt || !nk || !nv) {
            free(nt);
            return VG_ENOMEM;
        }
        for (uint32_t i = 0; i < l->n; i++) {
            uint32_t h = hash(l->keys[i], strlen(l->keys[i])) & (ns - 1);
            while (nt[h])
                h = (h + 1) & (ns - 1);
            nt[h] = i + 1;
        }
        free(l->tab);
        l->tab = nt;
        l->slots = ns;
    }
    char *ks = strndup(k, kn), *vs = strndup(v, vn);
    if (!ks || !vs) {
        free(ks);
        free(vs);
        return VG_ENOMEM;
    }
    l->keys[l->n] = ks;
    l->vals[l->n] = vs;
    uint32_t h = hash(ks, kn) & (l->slots - 1);
    while (l->tab[h])
        h = (h + 1) & (l->slots - 1);
    l->tab[h] = ++l->n;
    return VG_OK;
}

static void unquote(const char **s, size_t *n)
{
    while (*n > 0 && (**s == ' ' || **s == '\t')) {
        (*s)++;
        (*n)--;
    }
    while (*n > 0 && ((*s)[*n - 1] == ' ' || (*s)[*n - 1] == '\t' || (*s)[*n - 1] == '\r'))
        (*n)--;
    if (*n >= 2 && **s == '"' && (*s)[*n - 1] == '"') {
        (*s)++;
        *n -= 2;
    }
}

static int load(hlist *l, const char *file, char *errbuf)
{
    FILE *fp = fopen(file, "r");
    if (!fp)
        return vg_err(errbuf, VG_EIO, "list %s: %s", file, strerror(errno));
    char line[4096];
    int rc = VG_OK, lineno = 0;
    while (fgets(line, sizeof(line), fp)) {
        lineno++;
        size_t n = strlen(line);
        while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
            line[--n] = '\0';
        if (n == 0 || line[0] == '#')
            continue;
        /* the key ends at the first ':' outside quotes */
        size_t c = 0;
        bool q = false;
        for (; c < n; c++) {
            if (line[c] == '"')
                q = !q;
            else if (line[c] == ':' && !q)
                break;
        }
        const char *k = line, *v = c < n ? line + c + 1 : "";
        size_t kn = c, vn = c < n ? n - c - 1 : 0;
        unquote(&k, &kn);
        unquote(&v, &vn);
        if (kn == 0)
            continue;
        if ((rc = add(l, k, kn, v, vn)) < 0) {
            vg_err(errbuf, rc, "list %s:%d: %s", file, lineno, vg_strerror(rc));
            break;
        }
    }
    fclose(fp);
    return rc;
}

static bool is_file(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

hlist *vg_hlist_get(vg_hruleset *rs, const char *path, char *errbuf)
{
    for (int i = 0; i < rs->nlists; i++)
        if (strcmp(rs->lists[i]->path, path) == 0)
            return rs->lists[i];
    /* Wazuh names lists "etc/lists/NAME[.cdb]"; look NAME up in the list dirs. */
    char rel[1024];
    const char *p = path;
    if (strncmp(p, "etc/lists/", 10) == 0)
        p += 10;
    snprintf(rel, sizeof(rel), "%s", p);
    size_t rl = strlen(rel);
    if (rl > 4 && strcmp(rel + rl - 4, ".cdb") == 0)
        rel[rl - 4] = '\0';
    char file[4096] = "";
    bool found = false;
    if (path[0] == '/' && is_file(path)) {
        snprintf(file, sizeof(file), "%s", path);
        found = true;
    }
    for (int i = 0; i < rs->nlist_dirs && !found; i++) {
        snprintf(file, sizeof(file), "%s/%s", rs->list_dirs[i], rel);
        found = is_file(file);
        if (!found) {
            const char *base = strrchr(rel, '/');
            if (base) {
                snprintf(file, sizeof(file), "%s/%s", rs->list_dirs[i], base + 1);
                found = is_file(file);
            }
        }
    }
    if (!found) {
        vg_err(errbuf, VG_ENOENT, "list '%s' not found in the list directories", path);
        return NULL;
    }
    hlist *l = calloc(1, sizeof(*l));
    if (!l || !(l->path = strdup(path))) {
        free(l);
        vg_err(errbuf, VG_ENOMEM, "out of memory");
        return NULL;
    }
    if (load(l, file, errbuf) < 0) {
        vg_hlist_free(l);
        return NULL;
    }
    hlist **nl = realloc(rs->lists, sizeof(hlist *) * (size_t)(rs->nlists + 1));
    if (!nl) {
        vg_hlist_free(l);
        vg_err(errbuf, VG_ENOMEM, "out of memory");
        return NULL;
    }
    rs->lists = nl;
    rs->lists[rs->nlists++] = l;
    return l;
}

static const char *addr_lookup(const hlist *l, const char *v, size_t len)
{
    const char *r = lookup(l, v, len);
    /* strip octets from the right: "a.b.c.d" -> "a.b.c" -> ... */
    while (!r && len > 0) {
        size_t k = len;
        while (k > 0 && v[k - 1] != '.')
            k--;
        if (k == 0)
            break;
        len = k - 1;
        r = lookup(l, v, len);
        if (!r)
            r = lookup(l, v, len + 1); /* keys written with the trailing dot */
    }
    return r;
}

bool vg_hlist_check(const hlistcond *c, const char *v, size_t len)
{
    const char *val;
    switch (c->lookup) {
    case LK_MATCH_KEY:
        return lookup(c->list, v, len) != NULL;
    case LK_NOT_MATCH_KEY:
        return lookup(c->list, v, len) == NULL;
    case LK_MATCH_KEY_VALUE:
        val = lookup(c->list, v, len);
        return val && (!c->check_value || vg_hpat_match(c->check_value, val, strlen(val), NULL));
    case LK_ADDRESS_MATCH_KEY:
        return addr_lookup(c->list, v, len) != NULL;
    case LK_NOT_ADDRESS_MATCH_KEY:
        return addr_lookup(c->list, v, len) == NULL;
    case LK_ADDRESS_MATCH_KEY_VALUE:
        val = addr_lookup(c->list, v, len);
        return val && (!c->check_value || vg_hpat_match(c->check_value, val, strlen(val), NULL));
    default:
        return false;
    }
}
