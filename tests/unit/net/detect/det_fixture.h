/*
 * det_fixture.h: what the detection unit tests share: a rule set built from
 * rule texts (every rule must load, or the test fails with the parser's
 * reason) and "did this packet alert for sid".  Static functions: each test
 * program includes it once.
 */
#ifndef VG_TESTS_NET_DETECT_DET_FIXTURE_H
#define VG_TESTS_NET_DETECT_DET_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>

#include "net/detect/detect_int.h"
#include "tests/unit/vg_test.h"

/* An empty rule set with the built-in classifications. */
static vg_detect *mk_de(void)
{
    vg_detect *de;
    if (vg_detect_new(&de, NULL) != VG_OK)
        abort();
    vg_class_load_builtin(de);
    return de;
}

/* A rule set from rule texts (NULL-terminated); every rule must load. */
static vg_detect *mk_rules(const char *const *rules)
{
    vg_detect *de = mk_de();
    char err[VG_ERRBUF_SIZE];
    for (const char *const *r = rules; *r; r++) {
        int rc = vg_detect_add_rule(de, *r, err);
        if (rc != VG_OK)
            fprintf(stderr, "rule failed: %s\n  %s\n", err, *r);
        VG_CHECK_EQ(rc, VG_OK);
    }
    VG_CHECK_EQ(vg_detect_build(de, err), VG_OK);
    return de;
}

static bool alerted(const vg_packet *p, uint32_t sid)
{
    for (int i = 0; i < p->nalerts; i++)
        if (p->alerts[i].sig->sid == sid)
            return true;
    return false;
}

#endif
