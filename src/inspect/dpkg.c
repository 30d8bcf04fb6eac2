/* dpkg.c: dpkg status inventory (see dpkg.h). */
#include "inspect/dpkg.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "inspect/ytree.h"

#define MAX_STATUS (256u << 20)
#define MAX_PKGS 200000

void vg_pkglist_free(vg_pkglist *l)
{
    for (size_t i = 0; i < l->n; i++) {
        free(l->v[i].name);
        free(l->v[i].version);
        free(l->v[i].arch);
        free(l->v[i].source);
        free(l->v[i].source_version);
    }
    free(l->v);
    memset(l, 0, sizeof(*l));
}

struct para {
    const char *pkg, *ver, *arch, *src, *status;
    size_t pkgl, verl, archl, srcl, statusl;
};

static char *dupn(const char *s, size_t n)
{
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        n--;
    return strndup(s, n);
}

static int flush(const struct para *p, vg_pkglist *out, size_t *cap)
{
    if (!p->pkg && !p->ver && !p->status)
        return VG_OK;
    if (!p->pkg || !p->ver || !p->status || p->pkgl == 0 || p->verl == 0) {
        out->skipped++;
        return VG_OK;
    }
    /* "install ok installed", "hold ok installed": the last word is the state */
    const char *st = p->status;
    size_t sl = p->statusl;
    static const char inst[] = " installed";
    if (sl < sizeof inst - 1 || memcmp(st + sl - (sizeof inst - 1), inst, sizeof inst - 1) != 0)
        return VG_OK;
    if (out->n >= MAX_PKGS)
        return VG_ELIMIT;
    if (out->n == *cap) {
        size_t nc = *cap ? *cap * 2 : 256;
        vg_pkg *nv = realloc(out->v, nc * sizeof(vg_pkg));
        if (!nv)
            return VG_ENOMEM;
        out->v = nv;
        *cap = nc;
    }
    vg_pkg *k = &out->v[out->n];
    memset(k, 0, sizeof(*k));
    k->name = dupn(p->pkg, p->pkgl);
    k->version = dupn(p->ver, p->verl);
    k->arch = p->arch ? dupn(p->arch, p->archl) : strdup("");
    if (p->src && p->srcl) {
        /* "src" or "src (version)" */
        const char *paren = memchr(p->src, '(', p->srcl);
        if (paren) {
            k->source = dupn(p->src, (size_t)(paren - p->src));
            const char *end = memchr(paren, ')', p->srcl - (size_t)(paren - p->src));
            k->source_version = end ? dupn(paren + 1, (size_t)(end - paren - 1)) : strdup(k->version);
        } else {
            k->source = dupn(p->src, p->srcl);
            k->source_version = strdup(k->version);
        }
    } else {
        k->source = strdup(k->name);
        k->source_version = strdup(k->version);
    }
    out->n++;
    if (!k->name || !k->version || !k->arch || !k->source || !k->source_version)
        return VG_ENOMEM;
    return VG_OK;
}

int vg_dpkg_parse(const char *buf, size_t len, vg_pkglist *out)
{
    memset(out, 0, sizeof(*out));
    size_t cap = 0;
    struct para p = {0};
    const char *s = buf, *end = buf + len;
    while (s < end) {
        const char *nl = memchr(s, '\n', (size_t)(end - s));
        const char *le = nl ? nl : end;
        size_t ll = (size_t)(le - s);
        if (ll && s[ll - 1] == '\r')
            ll--;
        if (ll == 0) {
            int rc = flush(&p, out, &cap);
            if (rc != VG_OK)
                return rc;
            memset(&p, 0, sizeof(p));
        } else if (s[0] != ' ' && s[0] != '\t') {
            const char *colon = memchr(s, ':', ll);
            if (colon) {
                size_t kl = (size_t)(colon - s);
                const char *v = colon + 1;
                while (v < s + ll && (*v == ' ' || *v == '\t'))
                    v++;
                size_t vl = (size_t)(s + ll - v);
#define FIELD(name, ptr, l) if (kl == sizeof(name) - 1 && strncasecmp(s, name, kl) == 0) { p.ptr = v; p.l = vl; }
                FIELD("Package", pkg, pkgl)
                else FIELD("Version", ver, verl)
                else FIELD("Architecture", arch, archl)
                else FIELD("Source", src, srcl)
                else FIELD("Status", status, statusl)
#undef FIELD
            }
        }
        s = nl ? nl + 1 : end;
    }
    return flush(&p, out, &cap);
}

static void rootpath(const char *root, const char *rel, char *out, size_t n)
{
    if (!root || !*root || strcmp(root, "/") == 0)
        snprintf(out, n, "%s", rel);
    else if (snprintf(out, n, "%s%s", root, rel) >= (int)n)
        out[0] = '\0';
}

int vg_dpkg_load(const char *root, vg_pkglist *out, char *errbuf)
{
    char path[PATH_MAX];
    memset(out, 0, sizeof(*out));
    rootpath(root, "/var/lib/dpkg/status", path, sizeof path);
    char *buf;
    size_t len;
    int rc = vg_read_file(path, MAX_STATUS, &buf, &len);
    if (rc != VG_OK)
        return vg_err(errbuf, rc, "%s: cannot read (%s)", path, vg_strerror(rc));
    rc = vg_dpkg_parse(buf, len, out);
    free(buf);
    if (rc != VG_OK) {
        vg_pkglist_free(out);
        return vg_err(errbuf, rc, "%s: %s", path, rc == VG_ELIMIT ? "more than 200000 packages" : "out of memory");
    }
    return VG_OK;
}

static void unquote(char *dst, size_t n, const char *v)
{
    size_t l = strlen(v);
    while (l && (v[l - 1] == '\n' || v[l - 1] == '\r'))
        l--;
    if (l >= 2 && (v[0] == '"' || v[0] == '\'') && v[l - 1] == v[0]) {
        v++;
        l -= 2;
    }
    snprintf(dst, n, "%.*s", (int)VG_MIN(l, n - 1), v);
}

int vg_osrel_load(const char *root, vg_osrel *out)
{
    memset(out, 0, sizeof(*out));
    char path[PATH_MAX];
    rootpath(root, "/etc/os-release", path, sizeof path);
    FILE *fp = fopen(path, "r");
    if (!fp) {
        rootpath(root, "/usr/lib/os-release", path, sizeof path);
        fp = fopen(path, "r");
    }
    if (fp) {
        char line[512];
        while (fgets(line, sizeof line, fp)) {
            if (strncmp(line, "ID=", 3) == 0)
                unquote(out->id, sizeof out->id, line + 3);
            else if (strncmp(line, "VERSION_ID=", 11) == 0)
                unquote(out->version_id, sizeof out->version_id, line + 11);
            else if (strncmp(line, "VERSION_CODENAME=", 17) == 0)
                unquote(out->codename, sizeof out->codename, line + 17);
        }
        fclose(fp);
    }
    if (!out->version_id[0]) {
        rootpath(root, "/etc/debian_version", path, sizeof path);
        fp = fopen(path, "r");
        if (fp) {
            char line[64] = "";
            if (fgets(line, sizeof line, fp)) {
                char *dot = strchr(line, '.');
                if (dot)
                    *dot = '\0';
                unquote(out->version_id, sizeof out->version_id, line);
                snprintf(out->id, sizeof out->id, "debian");
            }
            fclose(fp);
        }
    }
    if (!out->codename[0] && strcmp(out->id, "debian") == 0) {
        static const char *const names[][2] = {{"10", "buster"}, {"11", "bullseye"}, {"12", "bookworm"},
                                               {"13", "trixie"}, {"14", "forky"}};
        for (size_t i = 0; i < VG_ARRAY_LEN(names); i++)
            if (strcmp(out->version_id, names[i][0]) == 0)
                snprintf(out->codename, sizeof out->codename, "%s", names[i][1]);
    }
    return out->id[0] ? VG_OK : VG_ENOENT;
}
