/*
 * pl_etbench.c: measures the payload keywords and the prefilter on a real
 * rule set (not a test: it reads ../shared).  For every enabled rule in the
 * files given, the options are parsed with the payload keywords (other
 * keywords skipped), the fast pattern is chosen, and Hyperscan databases are
 * built: one per buffer over all rules, and one per (protocol, buffer,
 * destination port text) group as a stand-in for the detect engine's
 * grouping.  Prints counts and times.
 *   pl_etbench ../shared/rules/et-open-2024-04/emerging-*.rules (and the rest)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pl_parse.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts); /* CPU time: robust to a busy machine */
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void count_cand(const vg_sig *s, void *arg)
{
    (void)s;
    ++*(unsigned long *)arg;
}

typedef struct rule {
    vg_sig s;
    char group[96];
} rule;

static int cmp_group(const void *a, const void *b)
{
    const rule *x = *(rule *const *)a, *y = *(rule *const *)b;
    int c = strcmp(x->group, y->group);
    if (c)
        return c;
    return (int)x->s.fast_pattern_buf - (int)y->s.fast_pattern_buf;
}

int main(int argc, char **argv)
{
    size_t cap = 32768, n = 0, failed = 0, nofp = 0;
    rule *rules = calloc(cap, sizeof *rules);
    double t0 = now();
    char line[65536], err[VG_ERRBUF_SIZE];
    char reasons[8][96] = { { 0 } };
    int nreasons = 0;
    for (int f = 1; f < argc; f++) {
        FILE *fp = fopen(argv[f], "r");
        if (!fp)
            continue;
        while (fgets(line, sizeof line, fp)) {
            if (strncmp(line, "alert", 5) && strncmp(line, "drop", 4) && strncmp(line, "pass", 4) &&
                strncmp(line, "reject", 6))
                continue;
            char *o = strchr(line, '('), *c = strrchr(line, ')');
            if (!o || !c || n == cap)
                continue;
            *c = '\0';
            rule *r = &rules[n];
            char proto[16] = "", dp[64] = "";
            sscanf(line, "%*s %15s %*s %*s %*s %*s %63s", proto, dp);
            if (pl_parse_options(&r->s, o + 1, true, err) != VG_OK) {
                failed++;
                if (nreasons < 8)
                    snprintf(reasons[nreasons++], sizeof reasons[0], "%.40s / %.50s", err, strstr(o + 1, "fast_pattern") ? strstr(o + 1, "fast_pattern") - 40 : o + 1);
                pl_sig_clear(&r->s);
                continue;
            }
            vg_payload_choose_fast_pattern(&r->s);
            if (!r->s.fast_pattern)
                nofp++;
            snprintf(r->group, sizeof r->group, "%s %s", proto, dp);
            n++;
        }
        fclose(fp);
    }
    double t1 = now();
    printf("rules parsed: %zu ok, %zu failed, %zu without fast pattern; parse+pcre JIT %.3f s\n",
           n, failed, nofp, t1 - t0);
    for (int i = 0; i < nreasons; i++)
        printf("  e.g. %s\n", reasons[i]);

    /* one database per buffer over all rules */
    vg_sig **ptrs = malloc(n * sizeof *ptrs);
    for (size_t i = 0; i < n; i++)
        ptrs[i] = &rules[i].s;
    double t2 = now();
    uint32_t pats = 0, dbs = 0;
    for (int b = 0; b < VG_BUF_MAX; b++) {
        vg_mpm *m = NULL;
        if (vg_mpm_build(&m, ptrs, (uint32_t)n, (uint16_t)b, err) != VG_OK) {
            printf("build failed: %s\n", err);
            return 1;
        }
        if (vg_mpm_patterns(m)) {
            pats += vg_mpm_patterns(m);
            dbs++;
        }
        vg_mpm_free(m);
    }
    double t3 = now();
    printf("one database per buffer: %u databases, %u distinct patterns, compile %.3f s\n", dbs,
           pats, t3 - t2);

    /* per (proto, dst port, buffer) group */
    rule **rp = malloc(n * sizeof *rp);
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (rules[i].s.fast_pattern)
            rp[k++] = &rules[i];
    qsort(rp, k, sizeof *rp, cmp_group);
    double t4 = now();
    uint32_t groups = 0, hist[6] = { 0 };
    pats = 0;
    for (size_t i = 0; i < k;) {
        size_t j = i;
        while (j < k && strcmp(rp[j]->group, rp[i]->group) == 0 &&
               rp[j]->s.fast_pattern_buf == rp[i]->s.fast_pattern_buf)
            j++;
        for (size_t x = i; x < j; x++)
            ptrs[x - i] = &rp[x]->s;
        vg_mpm *m = NULL;
        if (vg_mpm_build(&m, ptrs, (uint32_t)(j - i), rp[i]->s.fast_pattern_buf, err) != VG_OK) {
            printf("build failed: %s\n", err);
            return 1;
        }
        pats += vg_mpm_patterns(m);
        groups++;
        uint32_t np = vg_mpm_patterns(m);
        hist[np <= 1 ? 0 : np <= 4 ? 1 : np <= 16 ? 2 : np <= 64 ? 3 : np <= 256 ? 4 : 5]++;
        vg_mpm_free(m);
        i = j;
    }
    double t5 = now();
    printf("per group (proto, dst port text, buffer): %u databases, %u patterns, compile %.3f s\n",
           groups, pats, t5 - t4);
    printf("group sizes (patterns): 1:%u 2-4:%u 5-16:%u 17-64:%u 65-256:%u >256:%u\n", hist[0],
           hist[1], hist[2], hist[3], hist[4], hist[5]);
    /* Optional: scan a file in 1460-byte segments with the payload database
     * (PL_SCAN_FILE=path), counting candidate signatures. */
    const char *sf = getenv("PL_SCAN_FILE");
    FILE *in = sf ? fopen(sf, "rb") : NULL;
    if (in) {
        for (size_t i = 0; i < n; i++)
            ptrs[i] = &rules[i].s;
        vg_mpm *m = NULL;
        vg_mpm_scratch *sc = NULL;
        if (vg_mpm_build(&m, ptrs, (uint32_t)n, VG_BUF_PAYLOAD, err) == VG_OK &&
            vg_mpm_scratch_alloc(m, &sc) == VG_OK) {
            static uint8_t seg[1460];
            size_t got, bytes = 0;
            unsigned long cands = 0;
            double s0 = now();
            while ((got = fread(seg, 1, sizeof seg, in)) > 0) {
                bytes += got;
                (void)vg_mpm_scan(m, sc, seg, (uint32_t)got, count_cand, &cands);
            }
            double s1 = now();
            printf("scan %s: %zu bytes, %lu candidates, %.1f MB/s (CPU)\n", sf, bytes, cands,
                   bytes / 1e6 / (s1 - s0));
        }
        vg_mpm_scratch_free(sc);
        vg_mpm_free(m);
        fclose(in);
    }
    for (size_t i = 0; i < n; i++)
        pl_sig_clear(&rules[i].s);
    free(rp);
    free(ptrs);
    free(rules);
    return 0;
}
