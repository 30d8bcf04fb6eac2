/*
 * appraise.h: pre-deployment appraisal of a system's design dossier (the
 * owner's self-assessment before the competent authority's appraisal,
 * thẩm định).  A dossier (YAML, format in docs/inspect.md) describes the
 * system: owner, level, zones, components, exposed services, planned
 * controls with their evidence, people.  Each requirement of the level
 * (from the research notes vn-requirements.md, with its reference) is
 * reported as met, missing or needing evidence.
 *
 * Malformed dossiers are rejected with "file:line: field: reason"; unknown
 * keys are errors too (a typo must not silently drop a control).
 */
#ifndef VG_INSPECT_APPRAISE_H
#define VG_INSPECT_APPRAISE_H

#include <stddef.h>

#include "core/jbuf.h"
#include "core/vg.h"

enum vg_appr_status { VG_APPR_MET, VG_APPR_MISSING, VG_APPR_EVIDENCE };

typedef struct vg_appr_item {
    const char *id;          /* stable requirement id, e.g. "LOG-02" */
    const char *control;     /* control id in vn-requirements.md */
    const char *group;       /* network | host | application | data | management */
    const char *title, *title_vi;
    const char *reference;   /* legal text / standard clause and source flag */
    int min_level;
    int status;              /* enum vg_appr_status */
    char detail[256];        /* what was found, or what is missing */
} vg_appr_item;

typedef struct vg_appraisal vg_appraisal;

/* Load and validate a dossier; level_override 0 keeps the dossier's level
 * (a different override is noted as a warning in the result). */
int vg_appr_load(const char *path, int level_override, vg_appraisal **out, char *errbuf) VG_WARN_UNUSED;
int vg_appr_load_buffer(const char *buf, size_t len, const char *name, int level_override,
                        vg_appraisal **out, char *errbuf) VG_WARN_UNUSED;
void vg_appr_free(vg_appraisal *a);

int vg_appr_level(const vg_appraisal *a);
int vg_appr_dossier_level(const vg_appraisal *a);
const char *vg_appr_system(const vg_appraisal *a);
const char *vg_appr_owner(const vg_appraisal *a);
const char *vg_appr_warning(const vg_appraisal *a); /* NULL or the override warning */
size_t vg_appr_count(const vg_appraisal *a);
const vg_appr_item *vg_appr_item_at(const vg_appraisal *a, size_t i);
void vg_appr_counts(const vg_appraisal *a, size_t *met, size_t *missing, size_t *evidence);

/* Total requirements in the table whose minimum level is <= level. */
size_t vg_appr_requirements_at(int level);

/* The requirement table itself (for the inspection report's evidence
 * register): fills up to max entries for `level` (group NULL = any group)
 * and returns how many there are. */
typedef struct vg_appr_req_info {
    const char *id, *control, *group, *title, *title_vi, *reference;
    int min_level;
} vg_appr_req_info;
size_t vg_appr_requirements(int level, const char *group, vg_appr_req_info *out, size_t max);

/* The evidence items of an inspection at `level`: the management
 * requirements, and the parts of host and data controls that no host check
 * can see (off-site copies and restore tests of backups, EDR connected to
 * the SIEM, logs kept in a separate zone).  Fills up to max, returns how many. */
size_t vg_appr_evidence_items(int level, vg_appr_req_info *out, size_t max);

void vg_appr_json(vg_jb *jb, const vg_appraisal *a);
/* Standalone bilingual HTML report. Returns VG_OK or VG_EIO. */
int vg_appr_html(const vg_appraisal *a, const char *path) VG_WARN_UNUSED;

const char *vg_appr_status_name(int s); /* "met", "missing", "needs evidence" */

#endif
