/* rpm.c: RPM inventory from `rpm -qa --qf ...` (see rpm.h). */
#include "inspect/rpm.h"

#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "inspect/run.h"
#include "inspect/ytree.h"

#define MAX_OUTPUT (64u << 20)
#define MAX_PKGS 200000
#define MAX_LINE 4096

static void pkg_free(vg_pkg *p)
{
    free(p->name);
    free(p->version);
    free(p->arch);
    free(p->source);
    free(p->source_version);
    memset(p, 0, sizeof(*p));
}

/* name|epochnum|version|release|arch|sourcerpm */
static int parse_line(const char *line, size_t n, vg_pkg *p)
{
    char buf[MAX_LINE];
    if (n >= sizeof buf)
        return VG_EINVAL;
    memcpy(buf, line, n);
    buf[n] = '\0';
    char *f[6];
    int k = 0;
    char *s = buf;
    for (; k < 6; k++) {
        f[k] = s;
        char *bar = strchr(s, '|');
        if (!bar)
            break;
        *bar = '\0';
        s = bar + 1;
    }
    if (k != 5 || !f[0][0] || !f[2][0] || !f[3][0])
        return VG_EINVAL;
    for (const char *e = f[1]; *e; e++)
        if (*e < '0' || *e > '9')
            return VG_EINVAL;
    bool epoch = f[1][0] && strcmp(f[1], "0") != 0;
    char ver[MAX_LINE];
    snprintf(ver, sizeof ver, "%s%s%s-%s", epoch ? f[1] : "", epoch ? ":" : "", f[2], f[3]);
    memset(p, 0, sizeof(*p));
    p->rpm = true;
    p->name = strdup(f[0]);
    p->version = strdup(ver);
    p->arch = strdup(f[4]);
    /* openssl-3.0.7-27.el9.src.rpm -> openssl, 3.0.7-27.el9 */
    char *src = f[5];
    size_t sl = strlen(src);
    const char *suffixes[] = {".src.rpm", ".nosrc.rpm"};
    bool have_src = false;
    for (size_t i = 0; i < 2 && !have_src; i++) {
        size_t xl = strlen(suffixes[i]);
        if (sl > xl && strcmp(src + sl - xl, suffixes[i]) == 0) {
            src[sl - xl] = '\0';
            char *d2 = strrchr(src, '-');
            if (d2 && d2 > src) {
                *d2 = '\0';
                char *d1 = strrchr(src, '-');
                *d2 = '-';
                if (d1 && d1 > src && d1[1] != '-') {
                    *d1 = '\0';
                    char sv[MAX_LINE];
                    snprintf(sv, sizeof sv, "%s%s%s", epoch ? f[1] : "", epoch ? ":" : "", d1 + 1);
                    p->source = strdup(src);
                    p->source_version = strdup(sv);
                    have_src = true;
                }
            }
        }
    }
    if (!have_src) { /* "(none)": gpg-pubkey and the like */
        p->source = strdup(p->name);
        p->source_version = strdup(p->version);
    }
    if (!p->name || !p->version || !p->arch || !p->source || !p->source_version) {
        pkg_free(p);
        return VG_ENOMEM;
    }
    return VG_OK;
}

int vg_rpm_parse(const char *buf, size_t len, vg_pkglist *out)
{
    memset(out, 0, sizeof(*out));
    size_t cap = 0;
    const char *s = buf, *end = buf + len;
    while (s < end) {
        const char *nl = memchr(s, '\n', (size_t)(end - s));
        size_t n = nl ? (size_t)(nl - s) : (size_t)(end - s);
        const char *line = s;
        s = nl ? nl + 1 : end;
        while (n && (line[n - 1] == '\r' || line[n - 1] == ' '))
            n--;
        if (!n)
            continue;
        if (out->n >= MAX_PKGS) {
            vg_pkglist_free(out);
            return VG_ELIMIT;
        }
        vg_pkg p;
        int rc = parse_line(line, n, &p);
        if (rc == VG_EINVAL) {
            out->skipped++;
            continue;
        }
        if (rc != VG_OK) {
            vg_pkglist_free(out);
            return rc;
        }
        if (out->n == cap) {
            size_t nc = cap ? cap * 2 : 256;
            vg_pkg *nv = realloc(out->v, nc * sizeof(vg_pkg));
            if (!nv) {
                pkg_free(&p);
                vg_pkglist_free(out);
                return VG_ENOMEM;
            }
            out->v = nv;
            cap = nc;
        }
        out->v[out->n++] = p;
    }
    return VG_OK;
}

static bool has_rpmdb(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return false;
    bool found = false;
    struct dirent *e;
    while (!found && (e = readdir(d)))
        found = strcmp(e->d_name, "Packages") == 0 || strcmp(e->d_name, "rpmdb.sqlite") == 0 ||
                strcmp(e->d_name, "Packages.db") == 0;
    closedir(d);
    return found;
}

static int load_recorded(const char *root, char **out, char *errbuf)
{
    char fx[PATH_MAX];
    snprintf(fx, sizeof fx, "%.4000s/.vigil-commands.yaml", root);
    if (access(fx, R_OK) != 0)
        return VG_DECLINED;
    vg_yt *doc = NULL;
    int rc = vg_yt_load(fx, &doc, errbuf);
    if (rc != VG_OK)
        return rc;
    rc = VG_DECLINED;
    const vg_yt *list = vg_yt_get(doc, "commands");
    for (const vg_yt *it = list ? list->child : NULL; it; it = it->next) {
        const char *c = vg_yt_str(it, "cmd");
        if (c && strcmp(c, VG_RPM_QUERY) == 0) {
            const char *st = vg_yt_str(it, "status");
            if (st) {
                rc = vg_err(errbuf, VG_EIO, "%s: rpm query recorded as '%s'", fx, st);
                break;
            }
            const char *o = vg_yt_str(it, "output");
            *out = strdup(o ? o : "");
            rc = *out ? VG_OK : VG_ENOMEM;
            break;
        }
    }
    vg_yt_free(doc);
    return rc;
}

int vg_rpm_load(const char *root, int timeout_ms, vg_pkglist *out, char *errbuf)
{
    memset(out, 0, sizeof(*out));
    char *text = NULL;
    if (root && strcmp(root, "/") != 0) {
        int rc = load_recorded(root, &text, errbuf);
        if (rc != VG_OK)
            return rc;
    } else {
        if (!has_rpmdb("/var/lib/rpm") && !has_rpmdb("/usr/lib/sysimage/rpm"))
            return VG_DECLINED;
        char **argv = NULL;
        int rc = vg_run_split(VG_RPM_QUERY, &argv);
        if (rc != VG_OK)
            return vg_err(errbuf, rc, "rpm query: cannot split the command");
        vg_run_result rr;
        rc = vg_run(argv, timeout_ms > 0 ? timeout_ms : 60000, MAX_OUTPUT, &rr);
        vg_run_argv_free(argv);
        if (rc != VG_OK)
            return vg_err(errbuf, rc, "rpm query: %s", vg_strerror(rc));
        if (rr.status != VG_RUN_OK || rr.exit_code != 0 || rr.truncated) {
            rc = vg_err(errbuf, VG_EIO, "rpm query: %s",
                        rr.status == VG_RUN_NOEXEC    ? "cannot run rpm"
                        : rr.status == VG_RUN_TIMEOUT ? "timed out"
                        : rr.truncated                ? "output over 64 MiB"
                                                      : "failed");
            vg_run_result_free(&rr);
            return rc;
        }
        text = rr.output;
        rr.output = NULL;
        vg_run_result_free(&rr);
    }
    int rc = vg_rpm_parse(text, strlen(text), out);
    free(text);
    if (rc != VG_OK)
        return vg_err(errbuf, rc, "rpm query: %s", rc == VG_ELIMIT ? "more than 200000 packages" : "out of memory");
    return VG_OK;
}

int vg_pkglist_take(vg_pkglist *dst, vg_pkglist *src)
{
    if (!src->n)
        return VG_OK;
    vg_pkg *nv = realloc(dst->v, (dst->n + src->n) * sizeof(vg_pkg));
    if (!nv)
        return VG_ENOMEM;
    memcpy(nv + dst->n, src->v, src->n * sizeof(vg_pkg));
    dst->v = nv;
    dst->n += src->n;
    dst->skipped += src->skipped;
    free(src->v);
    memset(src, 0, sizeof(*src));
    return VG_OK;
}
