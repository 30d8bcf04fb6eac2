/*
 * dpkg.h: the installed-package inventory of a Debian-family system, read
 * from ROOT/var/lib/dpkg/status (no dpkg run), with each binary package's
 * source package and source version (the `Source:` field, "src (ver)" when
 * they differ), and the release from ROOT/etc/os-release.
 *
 * Limits: the status file is read up to 256 MiB and 200,000 packages;
 * malformed paragraphs are skipped and counted, never fatal.
 */
#ifndef VG_INSPECT_DPKG_H
#define VG_INSPECT_DPKG_H

#include <stddef.h>

#include "core/vg.h"

typedef struct vg_pkg {
    char *name, *version, *arch;
    char *source;          /* source package (= name when no Source field) */
    char *source_version;  /* version of the source (= version unless given) */
    bool rpm;              /* from rpm (rpm.h): RPM version ordering, no Debian tracker */
} vg_pkg;

typedef struct vg_pkglist {
    vg_pkg *v;
    size_t n;
    size_t skipped;        /* malformed paragraphs */
} vg_pkglist;

/* root NULL or "/" = this system. */
int vg_dpkg_load(const char *root, vg_pkglist *out, char *errbuf) VG_WARN_UNUSED;
int vg_dpkg_parse(const char *buf, size_t len, vg_pkglist *out) VG_WARN_UNUSED;
void vg_pkglist_free(vg_pkglist *l);

typedef struct vg_osrel {
    char id[32];           /* "debian", "ubuntu" */
    char version_id[32];   /* "12" */
    char codename[32];     /* "bookworm" */
} vg_osrel;

/* Reads ROOT/etc/os-release (falls back to etc/debian_version). */
int vg_osrel_load(const char *root, vg_osrel *out) VG_WARN_UNUSED;

#endif
