/* Unit tests: Debian version ordering, dpkg inventory, feed import and matching. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "inspect/debver.h"
#include "inspect/dpkg.h"
#include "inspect/vulndb.h"
#include "vg_test.h"

#define FX VG_SRCDIR "/tests/unit/inspect/fixtures"

static int sgn(int x) { return (x > 0) - (x < 0); }

static void t_debver_policy(void)
{
    /* Debian Policy 5.6.12 and dpkg's documented cases */
    static const struct { const char *a, *b; int r; } c[] = {
        {"1.0", "1.0", 0},
        {"1.0-1", "1.0-2", -1},
        {"1:0.5", "2.0", 1},            /* epoch wins */
        {"0:1.0", "1.0", 0},            /* epoch 0 is the default */
        {"1.0~rc1", "1.0", -1},         /* tilde sorts before the end */
        {"1.0~~", "1.0~~a", -1},
        {"1.0~~a", "1.0~", -1},
        {"1.0~", "1.0", -1},
        {"1.0", "1.0a", -1},            /* end before a letter */
        {"1.0a", "1.0+", -1},           /* letters before non-letters */
        {"1.0+", "1.0.", -1},           /* by ASCII among non-letters */
        {"1.0", "1.0-0", 0},            /* missing revision == 0 */
        {"1.0-", "1.0-0", 0},
        {"1.01", "1.1", 0},             /* numerically */
        {"1.10", "1.9", 1},
        {"3.0.11-1~deb12u1", "3.0.13-1~deb12u1", -1},
        {"3.0.11-1~deb12u1", "3.0.11-1", -1},
        {"7.88.1-10+deb12u5", "7.88.1-10+deb12u6", -1},
        {"5.2.15-2+b2", "5.2.15-2", 1},
        {"1.9.13p3-1+deb12u1", "1.9.13p3-1+deb12u1", 0},
        {"2:1.0", "10:0.1", -1},
        {"1.2.3-4-5", "1.2.3-4-6", -1}, /* the last hyphen starts the revision */
        {"a", "b", -1},
    };
    for (size_t i = 0; i < VG_ARRAY_LEN(c); i++) {
        int r = sgn(vg_debver_cmp(c[i].a, c[i].b));
        if (r != c[i].r)
            fprintf(stderr, "  %s vs %s: got %d want %d\n", c[i].a, c[i].b, r, c[i].r);
        VG_CHECK_EQ(r, c[i].r);
        VG_CHECK_EQ(sgn(vg_debver_cmp(c[i].b, c[i].a)), -c[i].r);
    }
    const char *why;
    VG_CHECK_EQ(vg_debver_valid("1:2.3-4", &why), VG_OK);
    VG_CHECK_EQ(vg_debver_valid("x1.0", &why), VG_EINVAL);
    VG_CHECK_EQ(vg_debver_valid("a:1.0", &why), VG_EINVAL);
    VG_CHECK_EQ(vg_debver_valid("1.0-", &why), VG_EINVAL);
}

static void t_dpkg(void)
{
    char e[VG_ERRBUF_SIZE];
    vg_pkglist pl;
    VG_CHECK_EQ(vg_dpkg_load(FX "/pkgs_root", &pl, e), VG_OK);
    VG_CHECK_EQ(pl.n, 7);       /* vim is not installed */
    VG_CHECK_EQ(pl.skipped, 1); /* "broken" has no Version */
    for (size_t i = 0; i < pl.n; i++) {
        if (strcmp(pl.v[i].name, "bash") == 0) {
            VG_CHECK_STR(pl.v[i].source, "bash");
            VG_CHECK_STR(pl.v[i].source_version, "5.2.15-2");
            VG_CHECK_STR(pl.v[i].version, "5.2.15-2+b2");
        }
        if (strcmp(pl.v[i].name, "libssl3") == 0) {
            VG_CHECK_STR(pl.v[i].source, "openssl");
            VG_CHECK_STR(pl.v[i].source_version, "3.0.11-1~deb12u1");
        }
    }
    vg_pkglist_free(&pl);
    vg_osrel r;
    VG_CHECK_EQ(vg_osrel_load(FX "/pkgs_root", &r), VG_OK);
    VG_CHECK_STR(r.id, "debian");
    VG_CHECK_STR(r.version_id, "12");
    VG_CHECK_STR(r.codename, "bookworm");
    VG_CHECK_EQ(vg_dpkg_load(FX "/nonexistent", &pl, e), VG_ENOENT);
}

static void t_feeds(void)
{
    char e[VG_ERRBUF_SIZE];
    vg_vulndb *db;
    VG_CHECK_EQ(vg_vulndb_open(":memory:", &db, e), VG_OK);
    if (!db)
        return;
    vg_feed_stats st;
    VG_CHECK_EQ(vg_feed_import_file(db, FX "/debian-tracker.json", &st, e), VG_OK);
    VG_CHECK_STR(st.format, "debian-tracker");
    VG_CHECK_EQ(st.packages, 4);
    VG_CHECK_EQ(st.records, 9);
    VG_CHECK_EQ(vg_feed_import_file(db, FX "/osv-curl.json", &st, e), VG_OK);
    VG_CHECK_STR(st.format, "osv");
    VG_CHECK_EQ(st.records, 2);
    VG_CHECK_EQ(vg_feed_import_file(db, FX "/osv-list.json", &st, e), VG_OK);
    VG_CHECK_EQ(st.packages, 3);
    VG_CHECK_EQ(st.skipped, 1);
    const char *bad = "{\"openssl\": {\"CVE-1\": {\"releases\": {\"bookworm\": {}}}},\n\"x\": [1,}";
    VG_CHECK_EQ(vg_feed_import_buffer(db, bad, strlen(bad), "bad.json", &st, e), VG_EINVAL);
    VG_CHECK(strncmp(e, "bad.json:2:", 11) == 0);
    VG_CHECK_EQ(vg_feed_import_buffer(db, "[1]", 3, "n.json", &st, e), VG_OK);
    VG_CHECK_EQ(st.skipped, 1);
    VG_CHECK_EQ(vg_feed_import_buffer(db, "{\"a\": 1}", 8, "w.json", &st, e), VG_EINVAL);

    vg_pkglist pl;
    VG_CHECK_EQ(vg_dpkg_load(FX "/pkgs_root", &pl, e), VG_OK);
    vg_vuln *v;
    size_t n;
    VG_CHECK_EQ(vg_vuln_match(db, &pl, "bookworm", "Debian:12", &v, &n, e), VG_OK);
    static const char *const want[][4] = {
        {"bash", "CVE-2024-0004", NULL, "debian-tracker"},
        {"curl", "DEBIAN-CVE-2024-5555", "7.88.1-10+deb12u6", "osv"},
        {"libcurl4", "DEBIAN-CVE-2024-5555", "7.88.1-10+deb12u6", "osv"},
        {"libssl3", "CVE-2024-0001", "3.0.13-1~deb12u1", "debian-tracker"},
        {"openssl", "CVE-2024-0001", "3.0.13-1~deb12u1", "debian-tracker"},
        {"sudo", "CVE-2025-32463", "1.9.13p3-1+deb12u2", "debian-tracker"},
        {"zlib1g", "OSV-ZLIB-EXACT", NULL, "osv"},
    };
    VG_CHECK_EQ(n, VG_ARRAY_LEN(want));
    for (size_t i = 0; i < n && i < VG_ARRAY_LEN(want); i++) {
        VG_CHECK_STR(v[i].package, want[i][0]);
        VG_CHECK_STR(v[i].id, want[i][1]);
        if (want[i][2])
            VG_CHECK_STR(v[i].fixed, want[i][2]);
        else
            VG_CHECK(v[i].fixed == NULL);
        VG_CHECK_STR(v[i].feed, want[i][3]);
    }
    VG_CHECK_STR(v[0].severity, "unimportant");
    VG_CHECK_STR(v[1].severity, "high");
    vg_vulns_free(v, n);
    /* Matched as bullseye: the bullseye zlib fix and the Debian:11 curl fix are
     * older than what is installed, and bookworm rows do not apply. */
    VG_CHECK_EQ(vg_vuln_match(db, &pl, "bullseye", "Debian:11", &v, &n, e), VG_OK);
    VG_CHECK_EQ(n, 0);
    vg_vulns_free(v, n);
    vg_pkglist_free(&pl);
    /* OSV's Ubuntu ecosystems carry a suffix ("Ubuntu:22.04:LTS") */
    const char *ub = "{\"id\": \"UBUNTU-CVE-1\", \"affected\": [{\"package\": {\"ecosystem\": "
                     "\"Ubuntu:22.04:LTS\", \"name\": \"curl\"}, \"ranges\": [{\"type\": \"ECOSYSTEM\", "
                     "\"events\": [{\"introduced\": \"0\"}, {\"fixed\": \"7.81.0-1ubuntu1.16\"}]}]}]}";
    VG_CHECK_EQ(vg_feed_import_buffer(db, ub, strlen(ub), "ub.json", &st, e), VG_OK);
    const char *status = "Package: curl\nStatus: install ok installed\nVersion: 7.81.0-1ubuntu1.15\n";
    VG_CHECK_EQ(vg_dpkg_parse(status, strlen(status), &pl), VG_OK);
    VG_CHECK_EQ(vg_vuln_match(db, &pl, NULL, "Ubuntu:22.04", &v, &n, e), VG_OK);
    VG_CHECK_EQ(n, 1);
    if (n == 1)
        VG_CHECK_STR(v[0].id, "UBUNTU-CVE-1");
    vg_vulns_free(v, n);
    VG_CHECK_EQ(vg_vuln_match(db, &pl, NULL, "Ubuntu:22.0", &v, &n, e), VG_OK);
    VG_CHECK_EQ(n, 0); /* a prefix of the version is not the same release */
    vg_vulns_free(v, n);
    vg_pkglist_free(&pl);
    vg_vulndb_close(db);
}

static const vg_test tests[] = {{"debver_policy", t_debver_policy}, {"dpkg", t_dpkg},
                                {"feeds", t_feeds}, {NULL, NULL}};
VG_TEST_MAIN(tests)
