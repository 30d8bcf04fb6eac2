/*
 * vulndb.h: the offline vulnerability database for `vigil inspect`.
 *
 * Feeds are imported by a command into a local SQLite file, so matching
 * works air-gapped:
 *  - the Debian Security Tracker JSON: an object keyed by source package,
 *    then by CVE id, each with `description`, `scope` and `releases`
 *    objects such as `bookworm: {status, fixed_version, urgency}`;
 *  - OSV JSON (one record, an array of records, or {"vulns": [...]}):
 *    `affected[].package {ecosystem, name}`, `ranges[]` of type ECOSYSTEM
 *    with introduced/fixed/last_affected events, and `versions`.
 * Matching maps each installed binary package to its source package and
 * compares the source version with Debian's ordering (debver.h).
 *
 * Limits: a feed file is read up to 512 MiB; each record's strings are
 * capped; malformed records are skipped and counted, a malformed file is an
 * error naming file:line:column.
 */
#ifndef VG_INSPECT_VULNDB_H
#define VG_INSPECT_VULNDB_H

#include <stddef.h>

#include "core/jbuf.h"
#include "core/vg.h"
#include "inspect/dpkg.h"

typedef struct vg_vulndb vg_vulndb;

typedef struct vg_feed_stats {
    const char *format;      /* "debian-tracker" or "osv" */
    size_t records;          /* rows stored */
    size_t packages;         /* source packages (tracker) or advisories (OSV) */
    size_t skipped;          /* malformed entries */
} vg_feed_stats;

typedef struct vg_vuln {
    char *id;                /* CVE or OSV id */
    char *package, *version; /* installed binary package and version */
    char *source, *source_version;
    char *fixed;             /* fixed version, or NULL when no fix exists */
    char *severity;          /* urgency (tracker) or OSV severity */
    char *feed;              /* "debian-tracker" or "osv" */
    char *description;
} vg_vuln;

/* Open (creating when needed) the database; ":memory:" works. */
int vg_vulndb_open(const char *path, vg_vulndb **out, char *errbuf) VG_WARN_UNUSED;
void vg_vulndb_close(vg_vulndb *db);
/* Import only these Debian tracker releases ("bookworm,trixie"); NULL or
 * "" imports all.  OSV records are not filtered. */
void vg_vulndb_set_releases(vg_vulndb *db, const char *list);

int vg_feed_import_file(vg_vulndb *db, const char *path, vg_feed_stats *st, char *errbuf) VG_WARN_UNUSED;
int vg_feed_import_buffer(vg_vulndb *db, const char *buf, size_t len, const char *name,
                          vg_feed_stats *st, char *errbuf) VG_WARN_UNUSED;

/* Match installed packages for release (tracker codename, e.g. "bookworm")
 * and OSV ecosystem (e.g. "Debian:12").  *out is malloc'd (free with
 * vg_vulns_free).  Results are sorted by package then id. */
int vg_vuln_match(vg_vulndb *db, const vg_pkglist *pkgs, const char *release,
                  const char *ecosystem, vg_vuln **out, size_t *n, char *errbuf) VG_WARN_UNUSED;
void vg_vulns_free(vg_vuln *v, size_t n);

/* {"id":..,"package":..,...} */
void vg_vuln_json(vg_jb *jb, const vg_vuln *v);

#endif
