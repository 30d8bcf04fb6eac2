/*
 * privdrop.h: `vigil host --user USER` drops root once everything that needs
 * root is open (log files, journal, FIM watches, the syslog sockets on ports
 * below 1024, the state databases).  The process then runs as USER (and
 * GROUP, default USER's primary group) with no supplementary groups, keeps
 * one capability, CAP_DAC_READ_SEARCH, so that rotated logs and FIM rescans
 * can still read root-only files (it can read, never write, kill, bind or
 * trace), and sets no_new_privs.  The state directory and the files in it,
 * and the EVE file, are given to USER first so the databases stay writable.
 *
 * Not root, or no USER, or USER root: nothing changes (VG_OK).  Any failure
 * is fatal to the caller (never run on half-dropped privileges); success is
 * checked by trying to get root back.
 */
#ifndef VG_HOST_PRIVDROP_H
#define VG_HOST_PRIVDROP_H

#include "core/vg.h"

/* own: NULL-terminated paths handed to USER (a directory: it and the files
 * directly in it; symlinks are never followed). */
int vg_host_drop_privileges(const char *user, const char *group, const char *const *own,
                            char *errbuf) VG_WARN_UNUSED;

#endif
