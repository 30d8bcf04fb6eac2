/* Unit tests: dossier validation and requirements by level (appraise.c). */
#include <stdio.h>
#include <string.h>

#include "inspect/appraise.h"
#include "vg_test.h"

static const char *status_of(const vg_appraisal *a, const char *id)
{
    for (size_t i = 0; i < vg_appr_count(a); i++)
        if (strcmp(vg_appr_item_at(a, i)->id, id) == 0)
            return vg_appr_status_name(vg_appr_item_at(a, i)->status);
    return "absent";
}

static void t_example_levels(void)
{
    char errbuf[VG_ERRBUF_SIZE];
    vg_appraisal *l2, *l3, *l4;
    const char *path = VG_SRCDIR "/data/appraise/example-dossier.yaml";
    VG_CHECK_EQ(vg_appr_load(path, 2, &l2, errbuf), VG_OK);
    VG_CHECK_EQ(vg_appr_load(path, 0, &l3, errbuf), VG_OK);
    VG_CHECK_EQ(vg_appr_load(path, 4, &l4, errbuf), VG_OK);
    if (!l2 || !l3 || !l4)
        return;
    size_t met, missing, ev;
    /* level 2: every requirement of the level met */
    VG_CHECK_EQ(vg_appr_count(l2), vg_appr_requirements_at(2));
    vg_appr_counts(l2, &met, &missing, &ev);
    VG_CHECK_EQ(missing + ev, 0);
    VG_CHECK(vg_appr_warning(l2) != NULL);
    VG_CHECK(vg_appr_warning(l3) == NULL);
    VG_CHECK_EQ(vg_appr_level(l3), 3);
    /* level 3: NAC is planned without evidence */
    VG_CHECK_STR(status_of(l3, "NET-08c"), "needs evidence");
    VG_CHECK_STR(status_of(l3, "LOG-02"), "met");          /* 3 months >= 3 */
    VG_CHECK_STR(status_of(l3, "MON-01b"), "absent");      /* a level-4 requirement */
    /* level 4 adds what the requirements say, and the example lacks it */
    VG_CHECK_EQ(vg_appr_count(l4), vg_appr_requirements_at(4));
    VG_CHECK(vg_appr_count(l4) > vg_appr_count(l2));
    static const char *const l4_missing[] = {"NET-04d", "NET-05b", "NET-10a", "HOST-08b", "LOG-02",
                                             "LOG-04", "MON-01b", "APP-03a", "APP-03b", "APP-05",
                                             "DATA-01f", "DATA-04", NULL};
    for (int i = 0; l4_missing[i]; i++)
        VG_CHECK_STR(status_of(l4, l4_missing[i]), "missing");
    vg_appr_counts(l4, &met, &missing, &ev);
    VG_CHECK_EQ(missing, 12);
    VG_CHECK_STR(status_of(l2, "LOG-02"), "met");          /* 3 months >= 1 */
    vg_appr_free(l2);
    vg_appr_free(l3);
    vg_appr_free(l4);
}

static int load_err(const char *yaml, char *errbuf)
{
    vg_appraisal *a = NULL;
    int rc = vg_appr_load_buffer(yaml, strlen(yaml), "d.yaml", 0, &a, errbuf);
    vg_appr_free(a);
    return rc;
}

static void t_errors(void)
{
    char e[VG_ERRBUF_SIZE];
    VG_CHECK_EQ(load_err("system: s\nowner: o\nlevel: 7\n", e), VG_EINVAL);
    VG_CHECK_STR(e, "d.yaml:3: level: expected 1 to 5, got '7'");
    VG_CHECK_EQ(load_err("system: s\nlevel: 2\n", e), VG_EINVAL);
    VG_CHECK(strstr(e, "owner: missing") != NULL);
    VG_CHECK_EQ(load_err("system: s\nowner: o\nlevel: 2\ncontrols:\n  firewal: yes\n", e), VG_EINVAL);
    VG_CHECK_STR(e, "d.yaml:5: controls.firewal: unknown control");
    VG_CHECK_EQ(load_err("system: s\nowner: o\nlevel: 2\ncontrols:\n  waf:\n    present: maybe\n", e), VG_EINVAL);
    VG_CHECK_STR(e, "d.yaml:6: controls.waf.present: expected yes or no, got 'maybe'");
    VG_CHECK_EQ(load_err("system: s\nowner: o\nlevel: 2\ncontrols:\n  backups: {present: yes, restore_test: soon}\n", e), VG_EINVAL);
    VG_CHECK(strstr(e, "d.yaml:5: controls.backups.restore_test: expected a date") != NULL);
    VG_CHECK_EQ(load_err("system: s\nowner: o\nlevel: 2\npeople:\n  - {name: x, role: boss}\n", e), VG_EINVAL);
    VG_CHECK(strstr(e, "d.yaml:5: people[].role: unknown role 'boss'") != NULL);
    VG_CHECK_EQ(load_err("system: s\nowner: o\nlevel: 2\nzone: []\n", e), VG_EINVAL);
    VG_CHECK_STR(e, "d.yaml:4: zone: unknown field");
    VG_CHECK_EQ(load_err("system: [s\n", e), VG_EINVAL);
    VG_CHECK(strncmp(e, "d.yaml:", 7) == 0);
}

static void t_evidence(void)
{
    char e[VG_ERRBUF_SIZE];
    const char *y = "system: s\nowner: o\nlevel: 1\ncontrols:\n  firewall: yes\n"
                    "  ids_ips: {present: yes, evidence: \"doc 1\"}\n  vpn: no\n";
    vg_appraisal *a;
    VG_CHECK_EQ(vg_appr_load_buffer(y, strlen(y), "d.yaml", 0, &a, e), VG_OK);
    if (!a)
        return;
    VG_CHECK_STR(status_of(a, "NET-02a"), "needs evidence");
    VG_CHECK_STR(status_of(a, "NET-02b"), "met");
    VG_CHECK_STR(status_of(a, "NET-04a"), "missing");
    VG_CHECK_STR(status_of(a, "MGMT-03"), "missing");
    VG_CHECK_STR(status_of(a, "LOG-02"), "absent");        /* from level 2 */
    vg_appr_free(a);
}

static const vg_test tests[] = {{"example_levels", t_example_levels}, {"errors", t_errors},
                                {"evidence", t_evidence}, {NULL, NULL}};
VG_TEST_MAIN(tests)
