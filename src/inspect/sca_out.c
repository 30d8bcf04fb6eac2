/* sca_out.c: JSON for SCA results (see sca_out.h). */
#include "inspect/sca_out.h"

#include "core/eve.h"

static void opt_str(vg_jb *jb, const char *key, const char *v)
{
    if (v)
        vg_jb_str(jb, key, v);
}

static void levels(vg_jb *jb, unsigned mask)
{
    if (!mask)
        return; /* not a level-based check */
    vg_jb_open_arr(jb, "levels");
    for (int l = 1; l <= 5; l++)
        if (mask & (1u << l))
            vg_jb_u64(jb, NULL, (uint64_t)l);
    vg_jb_close_arr(jb);
}

static void check_body(vg_jb *jb, const vg_sca_check *c)
{
    vg_jb_str(jb, "id", c->id);
    opt_str(jb, "title", c->title);
    opt_str(jb, "title_vi", c->title_vi);
    vg_jb_str(jb, "result", vg_sca_result_name(c->result));
    opt_str(jb, "reason", c->reason);
    if (c->result == VG_SCA_ERROR)
        vg_jb_str(jb, "error_kind", c->defect ? "policy" : "engine");
    levels(jb, c->levels);
    opt_str(jb, "control", c->control);
    opt_str(jb, "source", c->clause);
    opt_str(jb, "group", c->group);
}

void vg_sca_event(vg_jb *jb, const struct timeval *tv, const char *host,
                  const vg_sca_policy *p, const vg_sca_check *c)
{
    vg_eve_begin(jb, tv, "sca");
    if (host)
        vg_jb_str(jb, "host", host);
    vg_jb_open_obj(jb, "sca");
    vg_jb_str(jb, "policy", vg_sca_policy_id(p));
    vg_jb_str(jb, "policy_name", vg_sca_policy_name(p));
    vg_jb_open_obj(jb, "check");
    check_body(jb, c);
    opt_str(jb, "remediation", c->remediation);
    vg_jb_close_obj(jb);
    vg_jb_close_obj(jb);
    vg_jb_close_obj(jb);
}

void vg_sca_json_policy(vg_jb *jb, const char *key, const vg_sca_policy *p, double elapsed_ms)
{
    vg_sca_summary s;
    vg_sca_summarise(p, &s);
    vg_jb_open_obj(jb, key);
    vg_jb_str(jb, "id", vg_sca_policy_id(p));
    vg_jb_str(jb, "name", vg_sca_policy_name(p));
    vg_jb_str(jb, "file", vg_sca_policy_file(p));
    vg_jb_bool(jb, "shell_allowed", vg_sca_shell_allowed(p));
    /* requirements not met: not applicable, nothing evaluated (Wazuh skips
     * the policy); every check below is "not applicable" with the reason */
    vg_jb_bool(jb, "applicable", !s.policy_na);
    if (vg_sca_requirements_reason(p))
        vg_jb_str(jb, "requirements", vg_sca_requirements_reason(p));
    vg_jb_open_obj(jb, "summary");
    vg_jb_u64(jb, "total", s.total);
    vg_jb_u64(jb, "passed", s.passed);
    vg_jb_u64(jb, "failed", s.failed);
    vg_jb_u64(jb, "not_applicable", s.na);
    vg_jb_u64(jb, "errors", s.errors);
    vg_jb_u64(jb, "engine_errors", s.errors - s.policy_errors);
    vg_jb_u64(jb, "policy_errors", s.policy_errors);
    vg_jb_u64(jb, "not_required", s.skipped);
    vg_jb_u64(jb, "defects", s.defects);
    vg_jb_i64(jb, "score", s.score);
    vg_jb_dbl(jb, "elapsed_ms", elapsed_ms);
    vg_jb_u64(jb, "commands_run", vg_sca_commands_run(p));
    vg_jb_close_obj(jb);
    if (vg_sca_threshold_count(p)) {
        vg_jb_open_arr(jb, "thresholds");
        for (size_t i = 0; i < vg_sca_threshold_count(p); i++) {
            const vg_sca_threshold *t = vg_sca_threshold_at(p, i);
            vg_jb_open_obj(jb, NULL);
            vg_jb_str(jb, "name", t->name);
            vg_jb_str(jb, "value", t->value);
            vg_jb_str(jb, "source", t->source);
            vg_jb_bool(jb, "verified", t->verified);
            vg_jb_bool(jb, "overridden", t->overridden);
            vg_jb_close_obj(jb);
        }
        vg_jb_close_arr(jb);
    }
    vg_jb_open_arr(jb, "defects");
    for (size_t i = 0; i < vg_sca_defect_count(p); i++)
        vg_jb_str(jb, NULL, vg_sca_defect_at(p, i));
    vg_jb_close_arr(jb);
    vg_jb_open_arr(jb, "checks");
    for (size_t i = 0; i < vg_sca_count(p); i++) {
        const vg_sca_check *c = vg_sca_check_at(p, i);
        vg_jb_open_obj(jb, NULL);
        check_body(jb, c);
        opt_str(jb, "remediation", c->remediation);
        opt_str(jb, "remediation_vi", c->remediation_vi);
        vg_jb_u64(jb, "line", (uint64_t)c->line);
        vg_jb_close_obj(jb);
    }
    vg_jb_close_arr(jb);
    vg_jb_close_obj(jb);
}
