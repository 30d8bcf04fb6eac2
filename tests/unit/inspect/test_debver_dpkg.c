/*
 * test_debver_dpkg.c: vg_debver_cmp() against `dpkg --compare-versions` on
 * generated pairs (epochs, tildes, revisions, letters, leading zeros).  For
 * each pair the relation vigil computes is asked of dpkg, which must agree.
 * Skips (77) where dpkg is not installed.  VG_DEBVER_PAIRS overrides the
 * number of pairs (default 3000).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "inspect/debver.h"
#include "inspect/run.h"

static unsigned long long rs = 0x9e3779b97f4a7c15ULL;

static unsigned rnd(unsigned n)
{
    rs ^= rs << 13;
    rs ^= rs >> 7;
    rs ^= rs << 17;
    return (unsigned)(rs % n);
}

static void piece(char *out, size_t *len, bool rev)
{
    static const char alnum[] = "abcxyzABZ";
    static const char sep[] = ".+~";
    int parts = 1 + (int)rnd(4);
    for (int i = 0; i < parts; i++) {
        int kind = (int)rnd(10);
        if (kind < 5) {
            int v = (int)rnd(rnd(2) ? 12 : 200);
            *len += (size_t)sprintf(out + *len, rnd(6) == 0 ? "0%d" : "%d", v);
        } else if (kind < 7) {
            out[(*len)++] = alnum[rnd(sizeof alnum - 1)];
        } else {
            char c = sep[rnd(sizeof sep - 1)];
            if (!rev || c != '-')
                out[(*len)++] = c;
        }
    }
    out[*len] = '\0';
}

static void gen(char *out)
{
    size_t len = 0;
    if (rnd(5) == 0)
        len += (size_t)sprintf(out, "%u:", rnd(3));
    len += (size_t)sprintf(out + len, "%u", rnd(20)); /* upstream starts with a digit */
    piece(out, &len, false);
    if (rnd(3)) {
        out[len++] = '-';
        len += (size_t)sprintf(out + len, "%u", rnd(10));
        piece(out, &len, true);
    }
}

/* A variant of a: same prefix, one small change, so that comparisons are close. */
static void near(const char *a, char *out)
{
    strcpy(out, a);
    size_t l = strlen(out);
    switch (rnd(5)) {
    case 0: strcat(out, "~"); break;
    case 1: strcat(out, rnd(2) ? "a" : "+b1"); break;
    case 2: if (l > 2) out[l - 1] = (char)('0' + rnd(10)); break;
    case 3: if (!strchr(out, '-')) strcat(out, "-0"); else strcat(out, ".1"); break;
    default: gen(out); break;
    }
}

#define WORKERS 8
#define MAXPAIRS 20000

struct pair {
    char a[128], b[128];
    const char *op;
    bool bad;
};

static struct pair *pv;
static int npairs;

static void *worker(void *arg)
{
    long w = (long)arg;
    for (int i = (int)w; i < npairs; i += WORKERS) {
        struct pair *p = &pv[i];
        char *argv[] = {"dpkg", "--compare-versions", p->a, (char *)p->op, p->b, NULL};
        vg_run_result rr;
        if (vg_run(argv, 10000, 4096, &rr) != VG_OK || rr.status != VG_RUN_OK || rr.exit_code != 0)
            p->bad = true;
        vg_run_result_free(&rr);
    }
    return NULL;
}

int main(void)
{
    if (access("/usr/bin/dpkg", X_OK) != 0) {
        printf("skip: no dpkg\n");
        return 77;
    }
    npairs = getenv("VG_DEBVER_PAIRS") ? atoi(getenv("VG_DEBVER_PAIRS")) : 3000;
    if (npairs < 1 || npairs > MAXPAIRS)
        npairs = 3000;
    pv = calloc((size_t)npairs, sizeof(*pv));
    int lt = 0, eq = 0, gt = 0, bad = 0;
    for (int i = 0; i < npairs; i++) {
        gen(pv[i].a);
        if (rnd(2))
            near(pv[i].a, pv[i].b);
        else
            gen(pv[i].b);
        int r = vg_debver_cmp(pv[i].a, pv[i].b);
        pv[i].op = r < 0 ? "lt" : r > 0 ? "gt" : "eq";
        lt += r < 0;
        eq += r == 0;
        gt += r > 0;
    }
    pthread_t th[WORKERS];
    for (long w = 0; w < WORKERS; w++)
        pthread_create(&th[w], NULL, worker, (void *)w);
    for (int w = 0; w < WORKERS; w++)
        pthread_join(th[w], NULL);
    for (int i = 0; i < npairs; i++)
        if (pv[i].bad) {
            fprintf(stderr, "disagree: vigil says '%s' %s '%s', dpkg does not\n", pv[i].a, pv[i].op, pv[i].b);
            bad++;
        }
    free(pv);
    printf("%d pairs (%d lt, %d eq, %d gt): %d disagreements with dpkg --compare-versions\n",
           npairs, lt, eq, gt, bad);
    printf("%d passed, %d failed\n", bad ? 0 : 1, bad ? 1 : 0);
    return bad ? 1 : 0;
}
