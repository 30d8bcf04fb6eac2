/*
 * sca.h: the configuration assessment engine.  Runs policies written in
 * Wazuh's SCA YAML format (policy, requirements, variables, checks with
 * condition all/any/none; rules f: d: c: p: r: with `not`, content
 * operators r: n: and literal, `!` negation, ` && ` chains, ` -> ` targets),
 * and vigil's own policies, which add a `vigil:` section (thresholds per
 * security level) and per-check fields (levels, control, clause, group,
 * title_vi, remediation_vi).
 *
 * Results follow Wazuh's documentation and its SCA module: a content rule
 * whose target (file, directory, command) cannot be read is "not
 * applicable" with the reason; an existence rule on a missing file or
 * directory is simply not found; registry rules are not applicable on Linux.
 * Rule syntax the engine cannot evaluate is an engine error ("error"),
 * reported with file:line and counted, never "not applicable".  Defects that
 * Wazuh itself evaluates to a definite result (a regex OS_Regex cannot
 * compile, a numeric operator such as "=>") are evaluated as Wazuh does and
 * listed as policy defects with file:line.
 *
 * Commands never go through a shell unless the policy is third-party (no
 * `vigil:` section), owned by root and writable by no one else: then
 * `sh -c ...` runs as written; otherwise such a rule is not applicable with
 * the reason (as Wazuh does for remote policies).  vigil's own policies may
 * not use a shell at all (load error).  Command output is cached per run,
 * capped, and each command has a timeout.
 *
 * Requirements (Wazuh: "if the requirements aren't satisfied ... the scan
 * for that file won't start"): when a policy's `requirements` block does not
 * pass, the policy is not applicable to the host.  No check is evaluated;
 * every check is "not applicable" with the requirements' reason (those not
 * required at the selected level stay "not required"), so a not-applicable
 * policy adds nothing to the passed or failed counts or to any score, and its
 * summary says so (vg_sca_summary.policy_na).  Before vg_sca_run() a check
 * is "not applicable" with the reason VG_SCA_NOT_RUN, never "passed".
 *
 * With a root other than "/", files, directories and processes are read
 * under that tree and commands are not run: their output comes from
 * ROOT/.vigil-commands.yaml (a list of {cmd, output}) when recorded there,
 * else the rule is not applicable with the reason.
 */
#ifndef VG_INSPECT_SCA_H
#define VG_INSPECT_SCA_H

#include <stddef.h>

#include "core/vg.h"

enum vg_sca_result {
    VG_SCA_PASSED,
    VG_SCA_FAILED,
    VG_SCA_NA,          /* "not applicable", with a reason */
    VG_SCA_ERROR,       /* engine error, with a reason */
    VG_SCA_SKIPPED,     /* not required at the selected level (vigil policies) */
};

const char *vg_sca_result_name(int r); /* "passed", "failed", "not applicable", ... */

/* The reason of a check that no run has evaluated yet. */
#define VG_SCA_NOT_RUN "not evaluated: the policy has not run"

typedef struct vg_sca_opts {
    const char *root;            /* NULL or "/" = the live system */
    int cmd_timeout_ms;          /* default 10000 */
    size_t cmd_max_output;       /* default 1 MiB */
    int level;                   /* 1-5 selects a level (vigil policies); 0 = every check */
    const char *const *overrides;/* "name=value" threshold overrides */
    size_t noverrides;
    bool force_no_shell;         /* refuse sh -c even for root-owned third-party policies */
} vg_sca_opts;

typedef struct vg_sca_threshold {
    char *name;          /* without '$' */
    char *value;         /* effective value for the selected level */
    char *source;        /* where the figure comes from */
    bool verified;       /* checked against the official text */
    bool overridden;
} vg_sca_threshold;

typedef struct vg_sca_check {
    char *id;
    char *title, *title_vi;
    char *description, *rationale, *remediation, *remediation_vi;
    char *control, *clause, *group;  /* vigil fields (may be NULL) */
    unsigned levels;                  /* bit n set: applies at level n; 0 = all */
    char *condition;
    int line;                         /* line in the policy file */
    /* filled by vg_sca_run() */
    int result;                       /* enum vg_sca_result */
    char *reason;                     /* for NA and ERROR, else NULL */
    bool defect;                      /* ERROR caused by a malformed rule (policy defect) */
    double elapsed_ms;
} vg_sca_check;

typedef struct vg_sca_summary {
    size_t passed, failed, na, errors, skipped, total;
    size_t policy_errors;             /* errors caused by malformed rules (of errors) */
    size_t defects;                   /* policy defects found at load */
    int score;                        /* passed * 100 / (passed + failed), -1 if none */
    bool policy_na;                   /* requirements not met: the policy is not applicable,
                                         nothing was evaluated (passed = failed = 0, score -1;
                                         vg_sca_requirements_reason() says why) */
} vg_sca_summary;

typedef struct vg_sca_policy vg_sca_policy;

/* Load and compile a policy.  Structural errors are fatal (errbuf gets
 * "file:line: field: reason"); a bad rule only marks its check as an error. */
int vg_sca_load(const char *path, const vg_sca_opts *opts, vg_sca_policy **out,
                char *errbuf) VG_WARN_UNUSED;
void vg_sca_free(vg_sca_policy *p);

/* Called after each check with (ctx, done, total, check id) - for a
 * progress display; NULL disables. */
typedef void (*vg_sca_progress_fn)(void *ctx, size_t done, size_t total, const char *id);
void vg_sca_set_progress(vg_sca_policy *p, vg_sca_progress_fn fn, void *ctx);

/* Evaluate the requirements, then (if met) every check.  Returns VG_OK, or
 * VG_DECLINED when the requirements are not met: no check is evaluated,
 * each is "not applicable" with vg_sca_requirements_reason() as its reason
 * (checks not required at the level stay "not required").  A policy can be
 * run again. */
int vg_sca_run(vg_sca_policy *p);

const char *vg_sca_policy_id(const vg_sca_policy *p);
const char *vg_sca_policy_name(const vg_sca_policy *p);
const char *vg_sca_policy_file(const vg_sca_policy *p);
bool vg_sca_is_vigil(const vg_sca_policy *p);
bool vg_sca_shell_allowed(const vg_sca_policy *p);
/* NULL unless the last run found the requirements not met:
 * "requirements not met (TITLE): failed|not applicable|error[: reason]". */
const char *vg_sca_requirements_reason(const vg_sca_policy *p);
size_t vg_sca_count(const vg_sca_policy *p);
const vg_sca_check *vg_sca_check_at(const vg_sca_policy *p, size_t i);
size_t vg_sca_threshold_count(const vg_sca_policy *p);
const vg_sca_threshold *vg_sca_threshold_at(const vg_sca_policy *p, size_t i);
/* Policy defects ("file:line: ...") found at load. */
size_t vg_sca_defect_count(const vg_sca_policy *p);
const char *vg_sca_defect_at(const vg_sca_policy *p, size_t i);
void vg_sca_summarise(const vg_sca_policy *p, vg_sca_summary *s);
/* Commands actually executed (cache misses) in the last run. */
size_t vg_sca_commands_run(const vg_sca_policy *p);

/* Evaluate one rule string on its own (tests, fuzzing): returns 1 found,
 * 0 not found, 2 not applicable, -1 engine error; reason/err get text. */
int vg_sca_eval_rule(const char *rule, const vg_sca_opts *opts, char *reason, size_t reasonlen);

#endif
