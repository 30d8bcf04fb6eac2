/*
 * report.h: the inspection report of `vigil inspect --level N`: a score per
 * group (network, host, application, data, management), charts, every
 * finding with its remediation in Vietnamese and English, vulnerable
 * packages, and the management controls that no machine can check (with
 * the parts of host controls no check sees: vg_appr_evidence_items), listed
 * as evidence items (never silently dropped).  Standalone HTML (inline CSS
 * and SVG; prints to PDF from a browser) and JSON.
 *
 * A policy whose requirements were not met (vg_sca_requirements_reason) is
 * not applicable: its checks count as "not applicable" in the groups, never
 * as passed or failed, and the findings show it as one "not applicable" row
 * with the reason (not one row per check).
 */
#ifndef VG_INSPECT_REPORT_H
#define VG_INSPECT_REPORT_H

#include "core/jbuf.h"
#include "inspect/malware.h"
#include "inspect/sca.h"
#include "inspect/schedule.h"
#include "inspect/webmon.h"
#include "inspect/vulndb.h"

#define VG_REPORT_GROUPS 5

typedef struct vg_report_in {
    int level;                 /* 1-5 */
    const char *host;
    const char *root;          /* NULL = live */
    vg_sca_policy *const *pols;
    size_t npols;
    bool pkgs_scanned;
    const char *pkgs_note;     /* why packages were not scanned, or NULL */
    size_t npkgs;
    const vg_vuln *vulns;
    size_t nvulns;
    bool mal_scanned;
    size_t mal_files;
    const vg_mal_hit *mal;
    size_t nmal;
    const vg_web_result *web;
    size_t nweb;
    bool scheduled;            /* recorded in the register (--state) */
    int cadence_months;
    int64_t next_due;
    const vg_evidence *evidence; /* the register's items, or NULL */
    size_t nevidence;
    double elapsed_ms;
} vg_report_in;

typedef struct vg_report_group {
    const char *name, *name_vi;
    size_t passed, failed, na, errors;
    int score;                 /* passed*100/(passed+failed), -1 without data */
    size_t evidence_items;     /* requirements needing evidence (vg_appr_evidence_items) */
} vg_report_group;

/* Scores per group; vulnerable packages and malware hits count as failed
 * host findings. */
void vg_report_groups(const vg_report_in *in, vg_report_group out[VG_REPORT_GROUPS]);
int vg_report_html(const vg_report_in *in, const char *path) VG_WARN_UNUSED;
/* "level", "groups", "evidence_items" members of the JSON document. */
void vg_report_json_members(vg_jb *jb, const vg_report_in *in);

#endif
