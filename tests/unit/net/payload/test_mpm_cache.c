/* test_mpm_cache.c: compiled prefilter databases on disk: a second build
 * of the same patterns loads instead of compiling, different patterns get
 * a different file, a damaged file is replaced, and a directory others can
 * write to is refused. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <dirent.h>

#include "net/payload/payload_int.h"
#include "../../vg_test.h"

static const char *const exprs[] = {"evil.example", "cmd.exe", "/etc/passwd", "union select",
                                    "<script", "base64_decode"};
static const unsigned flags[] = {0, HS_FLAG_CASELESS, 0, HS_FLAG_CASELESS, 0, 0};
static const unsigned ids[] = {0, 1, 2, 3, 4, 5};
static size_t lens[6];

static int matches;
static int on_match(unsigned id, unsigned long long from, unsigned long long to, unsigned fl,
                    void *ctx)
{
    (void)id, (void)from, (void)to, (void)fl, (void)ctx;
    matches++;
    return 0;
}

static int scan(hs_database_t *db, const char *text)
{
    hs_scratch_t *sc = NULL;
    matches = 0;
    if (hs_alloc_scratch(db, &sc) == HS_SUCCESS) {
        hs_scan(db, text, (unsigned)strlen(text), 0, sc, on_match, NULL);
        hs_free_scratch(sc);
    }
    return matches;
}

static int nfiles(const char *dir)
{
    DIR *d = opendir(dir);
    int n = 0;
    for (struct dirent *e; d && (e = readdir(d));)
        n += strstr(e->d_name, ".hsdb") != NULL;
    if (d)
        closedir(d);
    return n;
}

static void round_trip(void)
{
    char dir[] = "/tmp/vg-mpmcache-XXXXXX", why[256], err[VG_ERRBUF_SIZE];
    VG_CHECK(mkdtemp(dir) != NULL);
    for (int i = 0; i < 6; i++)
        lens[i] = strlen(exprs[i]);
    VG_CHECK(vg_mpm_cache_set_dir(dir, why, sizeof why));
    vg_mpm_cache_stats s0 = vg_mpm_cache_get_stats();
    hs_database_t *a = NULL, *b = NULL, *c = NULL;
    VG_CHECK_EQ(vg_mpm_cache_compile(exprs, flags, ids, lens, 6, &a, err), VG_OK);
    vg_mpm_cache_stats s1 = vg_mpm_cache_get_stats();
    VG_CHECK_EQ(s1.compiled - s0.compiled, 1);
    VG_CHECK_EQ(s1.stored - s0.stored, 1);
    VG_CHECK_EQ(nfiles(dir), 1);
    /* the same patterns again: loaded, and it finds what the compiled one does */
    VG_CHECK_EQ(vg_mpm_cache_compile(exprs, flags, ids, lens, 6, &b, err), VG_OK);
    vg_mpm_cache_stats s2 = vg_mpm_cache_get_stats();
    VG_CHECK_EQ(s2.hits - s1.hits, 1);
    VG_CHECK_EQ(s2.compiled, s1.compiled);
    const char *text = "GET /x?q=1 UNION SELECT * -- <script>CMD.EXE";
    VG_CHECK_EQ(scan(a, text), 3);
    VG_CHECK_EQ(scan(b, text), 3);
    /* one flag different: another database, another file */
    unsigned f2[6];
    memcpy(f2, flags, sizeof f2);
    f2[1] = 0;
    VG_CHECK_EQ(vg_mpm_cache_compile(exprs, f2, ids, lens, 6, &c, err), VG_OK);
    VG_CHECK_EQ(nfiles(dir), 2);
    VG_CHECK_EQ(scan(c, text), 2); /* CMD.EXE no longer matches */
    hs_free_database(a);
    hs_free_database(b);
    hs_free_database(c);
    /* damage every file: it is refused, removed, compiled and written again */
    char cmd[512];
    snprintf(cmd, sizeof cmd, "for f in %s/*.hsdb; do printf 'garbage' > $f; done", dir);
    VG_CHECK_EQ(system(cmd), 0);
    vg_mpm_cache_stats s3 = vg_mpm_cache_get_stats();
    VG_CHECK_EQ(vg_mpm_cache_compile(exprs, flags, ids, lens, 6, &a, err), VG_OK);
    vg_mpm_cache_stats s4 = vg_mpm_cache_get_stats();
    VG_CHECK_EQ(s4.compiled - s3.compiled, 1);
    VG_CHECK_EQ(s4.hits, s3.hits);
    VG_CHECK_EQ(scan(a, text), 3);
    hs_free_database(a);
    /* a directory others may write to is not trusted */
    VG_CHECK_EQ(chmod(dir, 0777), 0);
    VG_CHECK(!vg_mpm_cache_set_dir(dir, why, sizeof why));
    VG_CHECK(strstr(why, "closed to others") != NULL);
    vg_mpm_cache_stats s5 = vg_mpm_cache_get_stats();
    VG_CHECK_EQ(vg_mpm_cache_compile(exprs, flags, ids, lens, 6, &a, err), VG_OK);
    VG_CHECK_EQ(vg_mpm_cache_get_stats().hits, s5.hits); /* off: compiled */
    hs_free_database(a);
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    VG_CHECK_EQ(system(cmd), 0);
}

static const vg_test tests[] = {
    {"round_trip", round_trip},
    {NULL, NULL},
};

VG_TEST_MAIN(tests)
