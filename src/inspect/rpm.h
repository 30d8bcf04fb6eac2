/*
 * rpm.h: the installed-package inventory of an RPM-based system (or of the
 * RPM database beside dpkg on a mixed one), from the output of one command,
 * VG_RPM_QUERY, run by execve without a shell, with a timeout and an output
 * cap (run.h).  vigil never reads the rpmdb itself (Berkeley DB, NDB or
 * SQLite by version).  Under --root the command is never run: its output
 * comes from ROOT/.vigil-commands.yaml, as for SCA command rules.
 *
 * Each package gets its source package from %{SOURCERPM}
 * ("openssl-3.0.7-27.el9.src.rpm" -> openssl, 3.0.7-27.el9, with the
 * binary's epoch) and rpm = true, so that matching uses RPM's version
 * ordering (rpmver.h) and the OSV ecosystem of the release, never the
 * Debian tracker.
 *
 * Limits: 64 MiB of output, 200,000 packages, lines of 4 KiB; malformed
 * lines are skipped and counted.
 */
#ifndef VG_INSPECT_RPM_H
#define VG_INSPECT_RPM_H

#include <stddef.h>

#include "core/vg.h"
#include "inspect/dpkg.h"

/* The command line as split by run.h: "\\n" reaches rpm as the two
 * characters '\' 'n', which rpm's query format turns into a newline. */
#define VG_RPM_QUERY \
    "rpm -qa --qf \"%{NAME}|%{EPOCHNUM}|%{VERSION}|%{RELEASE}|%{ARCH}|%{SOURCERPM}\\\\n\""

/* Parse VG_RPM_QUERY output into *out (fresh list). */
int vg_rpm_parse(const char *buf, size_t len, vg_pkglist *out) VG_WARN_UNUSED;

/* Inventory of root (NULL or "/" = this system).  VG_DECLINED when there is
 * no RPM database (live: none of /var/lib/rpm, /usr/lib/sysimage/rpm holds
 * one) or, under a root, no recorded output; an error when rpm cannot be
 * run, times out or fails (errbuf says which). */
int vg_rpm_load(const char *root, int timeout_ms, vg_pkglist *out, char *errbuf) VG_WARN_UNUSED;

/* Move every package of src to the end of dst (src is left empty). */
int vg_pkglist_take(vg_pkglist *dst, vg_pkglist *src) VG_WARN_UNUSED;

#endif
