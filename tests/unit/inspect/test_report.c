/* Unit tests: the level inspection report (report.c) with a policy whose
 * requirements are not met (vigil's Debian baseline on a non-Debian tree):
 * not applicable, counted neither passed nor failed, shown with the reason. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "inspect/report.h"
#include "inspect/sca.h"
#include "vg_test.h"

#define BASELINE VG_SRCDIR "/data/policies/debian_baseline.yml"

static char tree[64];

static void put(const char *rel, const char *content)
{
    char p[512];
    snprintf(p, sizeof p, "%s/%s", tree, rel);
    for (char *s = p + strlen(tree) + 1; (s = strchr(s, '/')); s++) {
        *s = '\0';
        mkdir(p, 0755);
        *s = '/';
    }
    FILE *fp = fopen(p, "w");
    if (fp) {
        fputs(content, fp);
        fclose(fp);
    }
}

static char *slurp(const char *path)
{
    FILE *fp = fopen(path, "r");
    if (!fp)
        return NULL;
    size_t cap = 1 << 16, len = 0;
    char *b = malloc(cap + 1);
    size_t k;
    while (b && (k = fread(b + len, 1, cap - len, fp)) > 0) {
        len += k;
        if (len == cap) {
            char *nb = realloc(b, cap * 2 + 1);
            if (!nb) {
                free(b);
                b = NULL;
                break;
            }
            b = nb;
            cap *= 2;
        }
    }
    fclose(fp);
    if (b)
        b[len] = '\0';
    return b;
}

static size_t count(const char *hay, const char *needle)
{
    size_t n = 0;
    for (const char *s = hay; (s = strstr(s, needle)); s += strlen(needle))
        n++;
    return n;
}

/* A third-party policy without requirements: one passed, one failed. */
static const char plain_policy[] =
    "policy: {id: plain_t, name: Plain test}\n"
    "checks:\n"
    "  - id: P-1\n    title: present\n    condition: all\n    rules: ['f:/etc/present']\n"
    "  - id: P-2\n    title: absent\n    condition: all\n    rules: ['f:/etc/absent']\n";

static void t_not_applicable_policy(void)
{
    snprintf(tree, sizeof tree, "/tmp/vigil-report-%d", (int)getpid());
    mkdir(tree, 0755);
    put("etc/present", "x\n"); /* no /etc/debian_version: not a Debian tree */
    put("plain.yml", plain_policy);
    char plain[256], html[256];
    snprintf(plain, sizeof plain, "%s/plain.yml", tree);
    snprintf(html, sizeof html, "%s/report.html", tree);

    vg_sca_opts o = {.root = tree, .level = 3};
    vg_sca_policy *pols[2] = {NULL, NULL};
    char eb[VG_ERRBUF_SIZE];
    VG_CHECK_EQ(vg_sca_load(BASELINE, &o, &pols[0], eb), VG_OK);
    VG_CHECK_EQ(vg_sca_load(plain, &o, &pols[1], eb), VG_OK);
    if (!pols[0] || !pols[1])
        goto out;
    VG_CHECK_EQ(vg_sca_run(pols[0]), VG_DECLINED);
    VG_CHECK_EQ(vg_sca_run(pols[1]), VG_OK);
    const char *why = vg_sca_requirements_reason(pols[0]);
    VG_CHECK_STR(why, "requirements not met (Debian or Ubuntu): failed");

    vg_sca_summary s;
    vg_sca_summarise(pols[0], &s);
    size_t n = vg_sca_count(pols[0]);
    VG_CHECK(n >= 10);
    VG_CHECK(s.policy_na);
    VG_CHECK_EQ(s.passed, 0);
    VG_CHECK_EQ(s.failed, 0);
    VG_CHECK_EQ(s.errors, 0);
    VG_CHECK_EQ(s.na + s.skipped, n);
    VG_CHECK(s.na > 0);
    VG_CHECK_EQ(s.score, -1);

    /* groups: only the plain policy's two results count */
    vg_report_in in = {.level = 3, .host = "testhost", .root = tree, .pols = pols, .npols = 2};
    vg_report_group g[VG_REPORT_GROUPS];
    vg_report_groups(&in, g);
    size_t P = 0, F = 0, NA = 0, E = 0;
    for (int i = 0; i < VG_REPORT_GROUPS; i++) {
        P += g[i].passed;
        F += g[i].failed;
        NA += g[i].na;
        E += g[i].errors;
    }
    VG_CHECK_EQ(P, 1);
    VG_CHECK_EQ(F, 1);
    VG_CHECK_EQ(NA, s.na);
    VG_CHECK_EQ(E, 0);
    VG_CHECK_EQ(g[1].score, 50); /* host: P-1 passed, P-2 failed */
    VG_CHECK_EQ(g[0].score, -1); /* network: only the baseline's checks */

    /* JSON members agree */
    vg_jb jb;
    vg_jb_init(&jb);
    vg_jb_open_obj(&jb, NULL);
    vg_report_json_members(&jb, &in);
    vg_jb_close_obj(&jb);
    char *js = strndup(jb.buf ? jb.buf : "", jb.len);
    VG_CHECK(js && strstr(js, "{\"group\":\"host\",\"passed\":1,\"failed\":1,"));
    VG_CHECK(js && strstr(js, "{\"group\":\"network\",\"passed\":0,\"failed\":0,"));
    free(js);
    vg_jb_free(&jb);

    /* HTML: the policy is one "not applicable" row with the reason */
    VG_CHECK_EQ(vg_report_html(&in, html), VG_OK);
    char *doc = slurp(html);
    VG_CHECK(doc != NULL);
    if (doc) {
        VG_CHECK(strstr(doc, "<b class=\"passed\">1</b>"));
        VG_CHECK(strstr(doc, "<b class=\"failed\">1</b>"));
        char na_card[64];
        snprintf(na_card, sizeof na_card, "<b class=\"na\">%zu</b>", s.na);
        VG_CHECK(strstr(doc, na_card));
        VG_CHECK_EQ(count(doc, "Policy not applicable to this host"), 1);
        VG_CHECK(strstr(doc, "requirements not met (Debian or Ubuntu): failed"));
        /* no per-check rows for the baseline */
        VG_CHECK(!strstr(doc, "<tr><td>BASE-"));
        VG_CHECK(strstr(doc, "<tr><td>P-2</td>"));
        char li[160];
        snprintf(li, sizeof li, "); %zu checks not evaluated (0 passed, 0 failed)</li>", s.na);
        VG_CHECK(strstr(doc, li));
        VG_CHECK(strstr(doc, "Plain test: 1 passed, 1 failed, 0 n/a"));
        free(doc);
    }

    /* control: on a Debian tree the baseline is evaluated and listed per check */
    put("etc/debian_version", "12.5\n");
    VG_CHECK_EQ(vg_sca_run(pols[0]), VG_OK);
    vg_sca_summarise(pols[0], &s);
    VG_CHECK(!s.policy_na);
    VG_CHECK(s.passed + s.failed > 0);
    VG_CHECK_EQ(vg_report_html(&in, html), VG_OK);
    doc = slurp(html);
    VG_CHECK(doc && !strstr(doc, "Policy not applicable to this host"));
    VG_CHECK(doc && strstr(doc, "<tr><td>BASE-"));
    free(doc);
out:
    vg_sca_free(pols[0]);
    vg_sca_free(pols[1]);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", tree);
    VG_CHECK_EQ(system(cmd), 0);
}

static const vg_test tests[] = {{"not_applicable_policy", t_not_applicable_policy}, {NULL, NULL}};
VG_TEST_MAIN(tests)
