/*
 * run.h: run a command for an inspection check, without a shell.
 *
 * The command line is split into argv the way Wazuh's SCA module does
 * (spaces separate words; double quotes group and are removed; a backslash
 * escapes the next character), then run with execve() in its own process
 * group; a bare program name is searched in a fixed PATH (/usr/local/sbin,
 * /usr/local/bin, /usr/sbin, /usr/bin, /sbin, /bin), never the caller's, so
 * cron and interactive runs agree; the environment is PATH and LC_ALL=C, stdin from /dev/null, stdout and
 * stderr merged into one capped buffer.  Past the timeout the whole group is
 * killed.  Whether a shell (`sh -c ...`) may be the program is the caller's
 * decision (see sca.h); this module only runs what it is given.
 */
#ifndef VG_INSPECT_RUN_H
#define VG_INSPECT_RUN_H

#include <stddef.h>

#include "core/vg.h"

#define VG_RUN_MAX_ARGS 256

enum vg_run_status {
    VG_RUN_OK,         /* the program ran and exited; exit_code is set */
    VG_RUN_NOEXEC,     /* the program could not be executed (not found, denied) */
    VG_RUN_TIMEOUT,    /* killed after the timeout */
    VG_RUN_FAILED,     /* fork/pipe failure, or killed by a signal */
};

typedef struct vg_run_result {
    enum vg_run_status status;
    int exit_code;
    char *output;        /* NUL-terminated, malloc'd (may be empty) */
    size_t len;
    bool truncated;      /* output cap reached */
} vg_run_result;

/* Split `cmd` into a NULL-terminated argv (malloc'd; free with
 * vg_run_argv_free).  Returns VG_EINVAL on an unterminated quote or an empty
 * command, VG_ELIMIT past VG_RUN_MAX_ARGS words. */
int vg_run_split(const char *cmd, char ***argv_out) VG_WARN_UNUSED;
void vg_run_argv_free(char **argv);

/* Run argv; timeout in milliseconds; output capped at max_output bytes. */
int vg_run(char *const argv[], int timeout_ms, size_t max_output, vg_run_result *res) VG_WARN_UNUSED;
void vg_run_result_free(vg_run_result *res);

#endif
