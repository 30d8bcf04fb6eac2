/* Unit tests: inspection cadence and the evidence register (schedule.c). */
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <unistd.h>

#include "inspect/appraise.h"
#include "inspect/schedule.h"
#include "vg_test.h"

#define DAY 86400LL
#define T0 1767225600LL /* 2026-01-01T00:00:00Z */

static void t_months(void)
{
    VG_CHECK_EQ(vg_sched_add_months(T0, 12), T0 + 365 * DAY);          /* 2027-01-01 */
    VG_CHECK_EQ(vg_sched_add_months(T0, 6), T0 + 181 * DAY);           /* 2026-07-01 */
    int64_t jan31 = T0 + 30 * DAY;
    VG_CHECK_EQ(vg_sched_add_months(jan31, 1), T0 + 58 * DAY);         /* 2026-02-28 */
    VG_CHECK_EQ(vg_sched_cadence(3), 12);
    VG_CHECK_EQ(vg_sched_cadence(4), 12);
    VG_CHECK_EQ(vg_sched_cadence(5), 6);
}

static void t_register(void)
{
    char e[VG_ERRBUF_SIZE];
    vg_sched *s;
    VG_CHECK_EQ(vg_sched_open(":memory:", &s, e), VG_OK);
    if (!s)
        return;
    vg_sched_status st;
    VG_CHECK_EQ(vg_sched_status_get(s, 5, 0, T0, &st, e), VG_OK);
    VG_CHECK_EQ(st.last, 0);                       /* never inspected: due now */
    VG_CHECK_EQ(vg_sched_record(s, T0, 5, "h", 10, 2, 1, 0, e), VG_OK);
    VG_CHECK_EQ(vg_sched_status_get(s, 5, 0, T0 + 100 * DAY, &st, e), VG_OK);
    VG_CHECK(!st.overdue);
    VG_CHECK_EQ(st.due, T0 + 181 * DAY);
    VG_CHECK_EQ(vg_sched_status_get(s, 5, 0, T0 + 200 * DAY, &st, e), VG_OK);
    VG_CHECK(st.overdue);
    VG_CHECK_EQ(st.days_overdue, 19);
    VG_CHECK_EQ(vg_sched_status_get(s, 3, 0, T0 + 200 * DAY, &st, e), VG_OK);
    VG_CHECK(!st.overdue);                          /* a level-5 inspection covers level 3 */
    VG_CHECK_EQ(vg_sched_status_get(s, 5, 12, T0 + 200 * DAY, &st, e), VG_OK);
    VG_CHECK(!st.overdue);                          /* cadence overridden */

    int added = vg_sched_evidence_sync(s, 3, T0, 30, e);
    /* the management requirements, plus the parts of host controls no check
     * sees: at level 3 the off-site copy (DATA-01e) and EDR (HOST-10b) */
    VG_CHECK_EQ(added, (int)vg_appr_requirements(3, "management", NULL, 0) + 2);
    VG_CHECK_EQ(vg_appr_evidence_items(4, NULL, 0), vg_appr_requirements(4, "management", NULL, 0) + 4);
    VG_CHECK_EQ(vg_appr_evidence_items(5, NULL, 0), vg_appr_requirements(5, "management", NULL, 0) + 5);
    VG_CHECK_EQ(vg_sched_evidence_sync(s, 3, T0, 30, e), 0);   /* never duplicated */
    VG_CHECK(vg_sched_evidence_sync(s, 4, T0, 30, e) >= 0);
    vg_evidence *ev;
    size_t n;
    VG_CHECK_EQ(vg_sched_evidence_list(s, 3, &ev, &n, e), VG_OK);
    VG_CHECK_EQ(n, (size_t)added);
    VG_CHECK_STR(ev[0].status, "open");
    VG_CHECK_EQ(ev[0].due, T0 + 30 * DAY);
    free(ev);
    VG_CHECK_EQ(vg_sched_evidence_provide(s, "MGMT-01", "QĐ 123/QĐ-SKHCN, 2026-03-01", T0 + 40 * DAY, e), VG_OK);
    VG_CHECK_EQ(vg_sched_evidence_provide(s, "NOPE-1", "x", T0, e), VG_ENOENT);
    VG_CHECK_EQ(vg_sched_evidence_provide(s, "MGMT-02", "", T0, e), VG_EINVAL);
    VG_CHECK_EQ(vg_sched_evidence_list(s, 3, &ev, &n, e), VG_OK);
    bool found = false;
    for (size_t i = 0; i < n; i++)
        if (strcmp(ev[i].id, "MGMT-01") == 0) {
            found = true;
            VG_CHECK_STR(ev[i].status, "provided");
            VG_CHECK_EQ(ev[i].due, vg_sched_add_months(T0 + 40 * DAY, 12));
            VG_CHECK(strstr(ev[i].ref, "QĐ 123") != NULL);
        }
    VG_CHECK(found);
    free(ev);
    vg_sched_close(s);
}

static const vg_test tests[] = {{"months", t_months}, {"register", t_register}, {NULL, NULL}};
VG_TEST_MAIN(tests)
