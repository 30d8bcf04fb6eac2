/*
 * sca_int.h: the SCA engine's internal structures, shared by sca.c (policy
 * loading, rule compilation) and sca_eval.c (evaluation).  Not a public
 * interface: use sca.h.
 */
#ifndef VG_INSPECT_SCA_INT_H
#define VG_INSPECT_SCA_INT_H

#include <stdarg.h>
#include <stddef.h>

#include "inspect/osregex.h"
#include "inspect/sca.h"
#include "inspect/ytree.h"

enum { NF = 0, FOUND = 1, INV = 2, ERR = 3, DEFECT_INV = 4 };

#define MAX_LINE (64u << 10)
#define MAX_FILE_BYTES (64u << 20)
#define MAX_DIR_DEPTH 16
#define MAX_DIR_ENTRIES 200000
#define MAX_CMD_LINES 256 /* as Wazuh: the last piece keeps the rest */
#define REASON_MAX 512

enum { OP_LT, OP_LE, OP_EQ, OP_NE, OP_GE, OP_GT };
enum { MT_REGEX, MT_NUM, MT_LIT };
/* R_DEV (m:TARGET -> PATH,...) is vigil-only: third-party policies get the
 * unknown-rule-type error for 'm' as before. */
enum { R_FILE, R_DIR, R_CMD, R_PROC, R_REG, R_DEV };
enum { COND_ALL, COND_ANY, COND_NONE };

struct minterm {
    bool neg;
    int kind;
    vg_osre *re;        /* NULL when the regex did not compile (defect) */
    char *text;         /* literal, or the regex source */
    int op;
    long value;
    char *defect;       /* Wazuh would return "invalid" here: reason */
};

struct pattern {
    struct minterm *m;
    size_t n;
};

struct rule {
    bool neg;
    int type;
    char *raw;
    char *location;
    char *file_pat;     /* d: file-name part; m: the comma-separated paths */
    vg_osre *file_re;   /* when file_pat starts with r: */
    struct pattern *pat;
    char *error;        /* load-time engine error */
    bool shell;         /* c: runs a shell */
};

struct check {
    vg_sca_check pub;
    char *load_error;   /* the check cannot be evaluated (reported on every run) */
    int cond;
    struct rule *rules;
    size_t nrules;
};

struct cmd_entry {
    char *cmd;
    int status;         /* enum vg_run_status, or -1 for "not recorded" */
    int exit_code;
    char *output;
    struct cmd_entry *next;
};

struct proc {
    char *comm, *argv0, *base;
};

struct vg_sca_policy {
    char *path, *id, *name;
    bool vigil;
    bool shell_ok;
    char *root;         /* NULL = live */
    vg_sca_opts opts;
    struct check req;
    bool has_req;
    char *req_reason;
    struct check *checks;
    size_t n;
    vg_sca_threshold *thr;
    size_t nthr;
    char **vars_name, **vars_value;  /* "$name" -> value, longest name first */
    size_t nvars;
    char **defects;
    size_t ndefects;
    struct cmd_entry *cache;
    vg_yt *fixture;     /* ROOT/.vigil-commands.yaml */
    struct proc *procs;
    size_t nprocs;
    vg_sca_progress_fn progress;
    void *progress_ctx;
    bool procs_loaded;
    size_t commands_run;
};

struct ctx {
    vg_sca_policy *p;
    char reason[REASON_MAX];
    bool has_reason;
    bool defect;        /* the error comes from a malformed rule in the policy */
};

/* sca.c */
int vg_sca_compile_rule(vg_sca_policy *p, int line, const char *text, struct rule *r);
void vg_sca_free_rule(struct rule *r);

#endif
