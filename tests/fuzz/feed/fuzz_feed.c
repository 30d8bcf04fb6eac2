/*
 * fuzz_feed.c: the vulnerability feed importer (Debian Security Tracker and
 * OSV JSON) into an in-memory database, then matching against a dpkg status
 * parsed from the same input, and against the same bytes read as `rpm -qa`
 * output (rpm.h) with RPM version ordering, which must be antisymmetric;
 * the first byte picks the split point.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "inspect/debver.h"
#include "inspect/dpkg.h"
#include "inspect/rpm.h"
#include "inspect/rpmver.h"
#include "inspect/vulndb.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > 262144)
        return 0;
    size_t split = 1 + (size - 1) * data[0] / 255;
    char errbuf[VG_ERRBUF_SIZE] = "";
    vg_vulndb *db;
    if (vg_vulndb_open(":memory:", &db, errbuf) != VG_OK)
        return 0;
    vg_feed_stats st;
    if (vg_feed_import_buffer(db, (const char *)data + 1, split - 1, "fuzz.json", &st, errbuf) < 0 &&
        !errbuf[0])
        abort(); /* a refusal says why */
    vg_pkglist pl;
    if (vg_dpkg_parse((const char *)data + split, size - split, &pl) == VG_OK) {
        vg_vuln *v;
        size_t n;
        if (vg_vuln_match(db, &pl, "bookworm", "Debian:12", &v, &n, errbuf) == VG_OK)
            vg_vulns_free(v, n);
        for (size_t i = 0; i + 1 < pl.n; i++)
            (void)vg_debver_cmp(pl.v[i].version, pl.v[i + 1].version);
    }
    vg_pkglist_free(&pl);
    if (vg_rpm_parse((const char *)data + split, size - split, &pl) == VG_OK) {
        vg_vuln *v;
        size_t n;
        if (vg_vuln_match(db, &pl, NULL, "AlmaLinux:9", &v, &n, errbuf) == VG_OK)
            vg_vulns_free(v, n);
        for (size_t i = 0; i + 1 < pl.n; i++) {
            int a = vg_rpmver_cmp(pl.v[i].version, pl.v[i + 1].version);
            int b = vg_rpmver_cmp(pl.v[i + 1].version, pl.v[i].version);
            if ((a < 0) != (b > 0) || (a == 0) != (b == 0))
                abort();
        }
        vg_pkglist_free(&pl);
    }
    vg_vulndb_close(db);
    return 0;
}
