/*
 * mpm_cache.c: compiled Hyperscan databases kept on disk between runs.
 *
 * Compiling the prefilter databases is most of the cost of loading a large
 * rule set.  A database is named by the SHA-256 of what it is compiled from
 * (Hyperscan's version, the mode, every pattern's bytes, flags and id), so
 * an unchanged rule group finds its database again after a restart or a
 * rule reload, and any change makes a new name.  Files are written to a
 * temporary name and renamed (readers never see half a file); one that
 * Hyperscan refuses (another platform, truncated) is removed and the
 * database compiled.
 *
 * Trust: deserialised databases are run by Hyperscan without further
 * checks, so the directory must belong to this user and be writable by no
 * one else; otherwise the cache is off (with one warning).  Files are
 * capped at VG_MPM_CACHE_FILE_MAX.  Off unless vg_mpm_cache_set_dir() was
 * given a usable directory.
 */
#include <errno.h>
#include <fcntl.h>
#include <hs/hs.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/log.h"
#include "net/payload/payload_int.h"

#define VG_MPM_CACHE_FILE_MAX (512u << 20)

static char cache_dir[1024];
static bool cache_on;
static pthread_mutex_t cache_mu = PTHREAD_MUTEX_INITIALIZER;
static vg_mpm_cache_stats cache_st;

static int mkdirs(const char *path)
{
    char buf[1024];
    snprintf(buf, sizeof buf, "%s", path);
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = 0;
        if (mkdir(buf, 0700) != 0 && errno != EEXIST)
            return -1;
        *p = '/';
    }
    return mkdir(buf, 0700) != 0 && errno != EEXIST ? -1 : 0;
}

bool vg_mpm_cache_set_dir(const char *dir, char *why, size_t whylen)
{
    cache_on = false;
    cache_dir[0] = 0;
    if (!dir || !*dir)
        return false;
    if (strlen(dir) >= sizeof cache_dir - 80) {
        snprintf(why, whylen, "%s: path too long", dir);
        return false;
    }
    struct stat st;
    if (mkdirs(dir) != 0 || stat(dir, &st) != 0) {
        snprintf(why, whylen, "%s: %s", dir, strerror(errno));
        return false;
    }
    if (!S_ISDIR(st.st_mode) || st.st_uid != geteuid() || (st.st_mode & 022)) {
        snprintf(why, whylen, "%s: not a directory owned by this user and closed to others", dir);
        return false;
    }
    snprintf(cache_dir, sizeof cache_dir, "%s", dir);
    cache_on = true;
    return true;
}

vg_mpm_cache_stats vg_mpm_cache_get_stats(void)
{
    pthread_mutex_lock(&cache_mu);
    vg_mpm_cache_stats s = cache_st;
    pthread_mutex_unlock(&cache_mu);
    return s;
}

static void count(uint64_t *c)
{
    pthread_mutex_lock(&cache_mu);
    (*c)++;
    pthread_mutex_unlock(&cache_mu);
}

static bool cache_name(const char *const *exprs, const unsigned *flags, const unsigned *ids,
                       const size_t *lens, unsigned n, char *path, size_t pathlen)
{
    EVP_MD_CTX *c = EVP_MD_CTX_new();
    if (!c)
        return false;
    const char *v = hs_version();
    bool ok = EVP_DigestInit_ex(c, EVP_sha256(), NULL) && EVP_DigestUpdate(c, v, strlen(v) + 1) &&
              EVP_DigestUpdate(c, "lit-block", 10) && EVP_DigestUpdate(c, &n, sizeof n);
    for (unsigned i = 0; ok && i < n; i++) {
        uint64_t hdr[3] = {flags[i], ids[i], lens[i]};
        ok = EVP_DigestUpdate(c, hdr, sizeof hdr) && EVP_DigestUpdate(c, exprs[i], lens[i]);
    }
    unsigned char h[32];
    unsigned hl = 0;
    ok = ok && EVP_DigestFinal_ex(c, h, &hl) && hl == 32;
    EVP_MD_CTX_free(c);
    if (!ok)
        return false;
    int k = snprintf(path, pathlen, "%s/", cache_dir);
    for (unsigned i = 0; i < 32 && k > 0 && (size_t)k + 3 < pathlen; i++)
        k += snprintf(path + k, pathlen - (size_t)k, "%02x", h[i]);
    snprintf(path + k, pathlen - (size_t)k, ".hsdb");
    return true;
}

static hs_database_t *load(const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return NULL;
    struct stat st;
    hs_database_t *db = NULL;
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0 &&
        (uint64_t)st.st_size <= VG_MPM_CACHE_FILE_MAX) {
        char *buf = malloc((size_t)st.st_size);
        size_t got = 0;
        while (buf && got < (size_t)st.st_size) {
            ssize_t r = read(fd, buf + got, (size_t)st.st_size - got);
            if (r <= 0)
                break;
            got += (size_t)r;
        }
        if (buf && got == (size_t)st.st_size &&
            hs_deserialize_database(buf, got, &db) != HS_SUCCESS)
            db = NULL;
        free(buf);
    }
    close(fd);
    if (!db)
        unlink(path); /* unusable here: compiled again and rewritten */
    return db;
}

static void store(const char *path, const hs_database_t *db)
{
    char *bytes = NULL;
    size_t len = 0;
    if (hs_serialize_database(db, &bytes, &len) != HS_SUCCESS || len > VG_MPM_CACHE_FILE_MAX) {
        free(bytes);
        return;
    }
    char tmp[1200];
    snprintf(tmp, sizeof tmp, "%s.XXXXXX", path);
    int fd = mkstemp(tmp);
    if (fd >= 0) {
        size_t off = 0;
        while (off < len) {
            ssize_t w = write(fd, bytes + off, len - off);
            if (w <= 0)
                break;
            off += (size_t)w;
        }
        if (close(fd) == 0 && off == len && rename(tmp, path) == 0)
            count(&cache_st.stored);
        else
            unlink(tmp);
    }
    free(bytes);
}

int vg_mpm_cache_compile(const char *const *exprs, const unsigned *flags, const unsigned *ids,
                         const size_t *lens, unsigned n, hs_database_t **db, char *errbuf)
{
    char path[1100];
    bool named = cache_on && cache_name(exprs, flags, ids, lens, n, path, sizeof path);
    if (named && (*db = load(path)) != NULL) {
        count(&cache_st.hits);
        return VG_OK;
    }
    hs_compile_error_t *cerr = NULL;
    if (hs_compile_lit_multi(exprs, flags, ids, lens, n, HS_MODE_BLOCK, NULL, db, &cerr) !=
        HS_SUCCESS) {
        int rc = vg_err(errbuf, VG_EINVAL, "mpm: Hyperscan compile failed: %s (pattern %d)",
                        cerr ? cerr->message : "?", cerr ? cerr->expression : -1);
        hs_free_compile_error(cerr);
        return rc;
    }
    count(&cache_st.compiled);
    if (named)
        store(path, *db);
    return VG_OK;
}
