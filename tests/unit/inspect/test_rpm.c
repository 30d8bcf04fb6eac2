/*
 * test_rpm.c: RPM version ordering (vg_rpmver_cmp) on rpm's documented
 * cases and against rpm itself (`rpm --eval` with Lua's rpm.vercmp) on
 * generated pairs when rpm is installed (VG_RPMVER_PAIRS, default 3000);
 * the rpm inventory (the query command's argv, parsing, the recorded
 * output of a prepared tree) and vulnerability matching with RPM ordering.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "inspect/dpkg.h"
#include "inspect/rpm.h"
#include "inspect/rpmver.h"
#include "inspect/run.h"
#include "inspect/vulndb.h"
#include "vg_test.h"

#define FX VG_SRCDIR "/tests/unit/inspect/fixtures"

static int sgn(int x) { return x < 0 ? -1 : x > 0; }

static void t_known(void)
{
    static const struct { const char *a, *b; int want; } c[] = {
        {"1.0", "1.0", 0}, {"1.0", "2.0", -1}, {"2.0.1", "2.0", 1}, {"2.0", "2.0.1", -1},
        {"5.5p1", "5.5p2", -1}, {"5.5p10", "5.5p1", 1}, {"10xyz", "10.1xyz", -1},
        {"xyz10", "xyz10.1", -1}, {"1.0a", "1.0", 1}, {"1.0a", "1.0.1", -1}, /* numbers beat letters */
        {"1.0.a", "1.0", 1}, {"1.0_1", "1.0.1", 0}, {"1.0", "1.0_", 0},     /* separators only split */
        {"010", "10", 0}, {"1.0~rc1", "1.0", -1}, {"1.0~rc1", "1.0~rc2", -1}, {"1.0~rc1~git", "1.0~rc1", -1},
        {"1.0^", "1.0", 1}, {"1.0^git1", "1.0", 1}, {"1.0^git1", "1.01", -1}, {"1.0^20160101", "1.0.1", -1},
        {"1.0~rc1^git1", "1.0~rc1", 1}, {"a", "1", -1}, {"FC5", "fc4", -1},
    };
    for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
        int got = sgn(vg_rpmvercmp(c[i].a, c[i].b));
        if (got != c[i].want)
            fprintf(stderr, "rpmvercmp(%s, %s) = %d, want %d\n", c[i].a, c[i].b, got, c[i].want);
        VG_CHECK_EQ(got, c[i].want);
        VG_CHECK_EQ(sgn(vg_rpmvercmp(c[i].b, c[i].a)), -c[i].want);
    }
    /* epoch, then version, then release (a missing one is older) */
    VG_CHECK_EQ(sgn(vg_rpmver_cmp("1:1.0-1", "2.0-1")), 1);
    VG_CHECK_EQ(sgn(vg_rpmver_cmp("0:1.0-1", "1.0-1")), 0);
    VG_CHECK_EQ(sgn(vg_rpmver_cmp("1.0-1.el9", "1.0-1.el9_4")), -1);
    VG_CHECK_EQ(sgn(vg_rpmver_cmp("2.34-100.el9_4.2", "2.34-100.el9_4.10")), -1);
    VG_CHECK_EQ(sgn(vg_rpmver_cmp("1.0", "1.0-5")), -1);
    VG_CHECK_EQ(sgn(vg_rpmver_cmp("1.0-5", "1.0-5")), 0);
}

static unsigned long long rs = 0x2545f4914f6cdd1dULL;
static unsigned rnd(unsigned n)
{
    rs ^= rs << 13;
    rs ^= rs >> 7;
    rs ^= rs << 17;
    return (unsigned)(rs % n);
}

static void part(char *o, size_t *l, size_t cap)
{
    static const char *seg[] = {"0", "1", "2", "9", "10", "010", "100", "a", "b", "rc", "Z", "p", "el", "git"};
    static const char *sep[] = {".", ".", "_", "+", "~", "^", ""};
    int n = 1 + (int)rnd(4);
    for (int i = 0; i < n && *l + 8 < cap; i++) {
        if (i)
            *l += (size_t)snprintf(o + *l, cap - *l, "%s", sep[rnd(7)]);
        *l += (size_t)snprintf(o + *l, cap - *l, "%s", seg[rnd(14)]);
    }
}

static void gen(char *o, size_t cap)
{
    size_t l = 0;
    if (rnd(5) == 0)
        l += (size_t)snprintf(o, cap, "%u:", rnd(3));
    part(o, &l, cap);
    if (rnd(4)) {
        l += (size_t)snprintf(o + l, cap - l, "-");
        part(o, &l, cap);
    }
}

static void t_against_rpm(void)
{
    if (access("/usr/bin/rpm", X_OK) != 0) {
        printf("rpm not installed: generated pairs skipped\n");
        return;
    }
    int n = getenv("VG_RPMVER_PAIRS") ? atoi(getenv("VG_RPMVER_PAIRS")) : 3000;
    char path[64];
    snprintf(path, sizeof path, "/tmp/vigil-rpmver-%d.txt", (int)getpid());
    FILE *fp = fopen(path, "w");
    VG_CHECK(fp != NULL);
    if (!fp)
        return;
    char (*pairs)[2][96] = calloc((size_t)n, sizeof *pairs);
    for (int i = 0; i < n; i++) {
        gen(pairs[i][0], sizeof pairs[i][0]);
        /* half the pairs differ in one place only, so that ties are exercised */
        if (rnd(2)) {
            snprintf(pairs[i][1], sizeof pairs[i][1], "%s", pairs[i][0]);
            size_t l = strlen(pairs[i][1]);
            pairs[i][1][rnd((unsigned)l)] = "0a.~^_1"[rnd(7)];
            if (strchr(pairs[i][1], ':') != strrchr(pairs[i][1], ':') || pairs[i][1][0] == ':' ||
                strstr(pairs[i][1], "-") == pairs[i][1] + l - 1)
                snprintf(pairs[i][1], sizeof pairs[i][1], "%s", pairs[i][0]);
        } else {
            gen(pairs[i][1], sizeof pairs[i][1]);
        }
        fprintf(fp, "%s %s\n", pairs[i][0], pairs[i][1]);
    }
    fclose(fp);
    char lua[512];
    snprintf(lua, sizeof lua,
             "%%{lua: for l in io.lines(\"%s\") do local i = string.find(l, \" \", 1, true); "
             "io.write(rpm.vercmp(string.sub(l, 1, i - 1), string.sub(l, i + 1)), \"\\n\") end}", path);
    char *argv[] = {"rpm", "--eval", lua, NULL};
    vg_run_result rr;
    VG_CHECK_EQ(vg_run(argv, 60000, 1u << 20, &rr), VG_OK);
    VG_CHECK_EQ(rr.status, VG_RUN_OK);
    int bad = 0, i = 0;
    for (char *s = rr.output, *nl; i < n && (nl = strchr(s, '\n')); s = nl + 1, i++) {
        int want = atoi(s);
        int got = sgn(vg_rpmver_cmp(pairs[i][0], pairs[i][1]));
        if (got != want && bad++ < 10)
            fprintf(stderr, "'%s' vs '%s': vigil %d, rpm %d\n", pairs[i][0], pairs[i][1], got, want);
    }
    printf("%d pairs compared with rpm, %d disagree\n", i, bad);
    VG_CHECK_EQ(i, n);
    VG_CHECK_EQ(bad, 0);
    vg_run_result_free(&rr);
    free(pairs);
    unlink(path);
}

static void t_inventory(void)
{
    /* the query command as run.h splits it: the format ends in a literal \n for rpm */
    char **argv = NULL;
    VG_CHECK_EQ(vg_run_split(VG_RPM_QUERY, &argv), VG_OK);
    VG_CHECK_STR(argv[0], "rpm");
    VG_CHECK_STR(argv[1], "-qa");
    VG_CHECK_STR(argv[2], "--qf");
    VG_CHECK_STR(argv[3], "%{NAME}|%{EPOCHNUM}|%{VERSION}|%{RELEASE}|%{ARCH}|%{SOURCERPM}\\n");
    VG_CHECK(argv[4] == NULL);
    /* ... and rpm accepts it: the same format on a package file (-qp) */
    if (access("/usr/bin/rpm", X_OK) == 0) {
        char *q[] = {"rpm", "-qp", "--qf", argv[3], FX "/vigiltest-1.2.3-4.el9.noarch.rpm", NULL};
        vg_run_result rr;
        VG_CHECK_EQ(vg_run(q, 30000, 1u << 16, &rr), VG_OK);
        vg_pkglist l;
        VG_CHECK_EQ(vg_rpm_parse(rr.output, rr.len, &l), VG_OK);
        VG_CHECK_EQ(l.n, 1);
        if (l.n == 1) {
            VG_CHECK_STR(l.v[0].name, "vigiltest");
            VG_CHECK_STR(l.v[0].version, "2:1.2.3-4.el9");
            VG_CHECK_STR(l.v[0].source, "vigiltest");
            VG_CHECK_STR(l.v[0].source_version, "2:1.2.3-4.el9");
        }
        vg_pkglist_free(&l);
        vg_run_result_free(&rr);
    }
    vg_run_argv_free(argv);

    /* a prepared tree: the recorded output */
    char e[VG_ERRBUF_SIZE];
    vg_pkglist l;
    VG_CHECK_EQ(vg_rpm_load(FX "/rpm_root", 1000, &l, e), VG_OK);
    VG_CHECK_EQ(l.n, 6);
    VG_CHECK_EQ(l.skipped, 1);
    if (l.n == 6) {
        VG_CHECK_STR(l.v[0].name, "openssl-libs");
        VG_CHECK_STR(l.v[0].version, "1:3.0.7-27.el9");
        VG_CHECK_STR(l.v[0].source, "openssl");
        VG_CHECK_STR(l.v[0].source_version, "1:3.0.7-27.el9");
        VG_CHECK(l.v[0].rpm);
        VG_CHECK_STR(l.v[4].source, "kernel");
        VG_CHECK_STR(l.v[5].name, "gpg-pubkey");
        VG_CHECK_STR(l.v[5].source, "gpg-pubkey");   /* (none) */
    }
    /* with Alma's OSV records: RPM ordering, binary names too, major release only */
    vg_vulndb *db;
    VG_CHECK_EQ(vg_vulndb_open(":memory:", &db, e), VG_OK);
    vg_feed_stats st;
    VG_CHECK_EQ(vg_feed_import_file(db, FX "/osv-alma.json", &st, e), VG_OK);
    vg_vuln *v = NULL;
    size_t n = 0;
    VG_CHECK_EQ(vg_vuln_match(db, &l, NULL, "AlmaLinux:9", &v, &n, e), VG_OK);
    char got[512] = "";
    for (size_t i = 0; i < n; i++) {
        size_t gl = strlen(got);
        snprintf(got + gl, sizeof got - gl, "%s%s/%s", i ? " " : "", v[i].id, v[i].package);
    }
    printf("rpm matches: %s\n", got);
    VG_CHECK_EQ(n, 4);
    VG_CHECK(strstr(got, "ALSA-2024:0001/openssl-libs") != NULL);
    VG_CHECK(strstr(got, "ALSA-2024:0001/openssl ") || strstr(got, "ALSA-2024:0001/openssl\0"));
    VG_CHECK(strstr(got, "ALSA-2024:0003/glibc") != NULL);
    VG_CHECK(strstr(got, "ALSA-2024:0004/kernel-core") != NULL);
    VG_CHECK(strstr(got, "0002") == NULL); /* el9.3 == el9_3 for rpm */
    VG_CHECK(strstr(got, "0005") == NULL); /* AlmaLinux:8 */
    vg_vulns_free(v, n);
    /* the same packages read as Debian versions would be vulnerable to 0002 */
    for (size_t i = 0; i < l.n; i++)
        l.v[i].rpm = false;
    VG_CHECK_EQ(vg_vuln_match(db, &l, NULL, "AlmaLinux:9", &v, &n, e), VG_OK);
    bool sudo = false;
    for (size_t i = 0; i < n; i++)
        sudo |= strcmp(v[i].id, "ALSA-2024:0002") == 0;
    VG_CHECK(sudo);
    vg_vulns_free(v, n);
    vg_vulndb_close(db);
    vg_pkglist_free(&l);

    /* nothing recorded, malformed input */
    VG_CHECK_EQ(vg_rpm_load(FX "/pkgs_root", 1000, &l, e), VG_DECLINED);
    const char *junk = "|||||\nname|x|1|2|a|b\n\n\nok|0|1|2|noarch|ok-1-2.src.rpm\r\na|0|1|2|x|-1-2.src.rpm\n";
    VG_CHECK_EQ(vg_rpm_parse(junk, strlen(junk), &l), VG_OK);
    VG_CHECK_EQ(l.n, 2);
    VG_CHECK_EQ(l.skipped, 2);
    if (l.n == 2) {
        VG_CHECK_STR(l.v[0].source, "ok");
        VG_CHECK_STR(l.v[1].source, "a");  /* no source name: the binary's */
    }
    vg_pkglist_free(&l);
}

static const vg_test tests[] = {
    {"known", t_known}, {"against_rpm", t_against_rpm}, {"inventory", t_inventory}, {NULL, NULL}};
VG_TEST_MAIN(tests)
