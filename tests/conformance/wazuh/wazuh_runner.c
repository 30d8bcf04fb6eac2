/*
 * wazuh_runner.c: scores vigil host against the Wazuh ruleset tests in
 * ../shared/conformance/wazuh-ruleset (format: ../shared/README.md).
 *
 *   wazuh_runner SHARED_RULESET_DIR [--baseline FILE] [--write-baseline FILE]
 *                [--verbose FILE.ini] [--only FILE.ini]
 *
 * Loads the ruleset (decoders/, rules/, lists/) plus test-ruleset/ extras,
 * then for every `log N pass|fail` key of every section feeds its lines as
 * one session and checks the last event: `pass` must give exactly the
 * expected rule, level and decoder; `fail` must not.  Prints a table per
 * file and "N passed, M failed".  With --baseline, exits 1 only if a file
 * scores below its committed baseline; exits 77 when the ruleset is absent.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "host/ruleset.h"

#define MAX_LINES 64

typedef struct run {
    char key[64];
    char *lines[MAX_LINES];
    int nlines;
} run;

typedef struct section {
    char name[512];
    run runs[64];
    int nruns;
    char rule[32], alert[32], decoder[128];
} section;

static void warn_quiet(void *ctx, const char *msg)
{
    int *verbose = ctx;
    if (*verbose)
        fprintf(stderr, "%s\n", msg);
}

static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' || s[n - 1] == '\n'))
        s[--n] = '\0';
    return s;
}

static int verbose_file_match(const char *verbose, const char *file)
{
    return verbose && strstr(file, verbose) != NULL;
}

/* Run one section; returns passes, adds to *total. */
static int run_section(const vg_hruleset *rs, section *sec, const char *file, const char *verbose,
                       int *total)
{
    int passed = 0;
    for (int r = 0; r < sec->nruns; r++) {
        run *ru = &sec->runs[r];
        vg_hsession *s;
        if (vg_hsession_new(&s, rs) < 0)
            continue;
        const vg_hevent *e = NULL;
        double now = (double)time(NULL);
        for (int i = 0; i < ru->nlines; i++)
            e = vg_hsession_process(s, ru->lines[i], strlen(ru->lines[i]), "stdin", now);
        bool want_pass = strstr(ru->key, "pass") != NULL;
        char got_rule[32] = "", got_level[32] = "";
        if (vg_hevent_has_rule(e)) {
            snprintf(got_rule, sizeof(got_rule), "%d", vg_hevent_rule_id(e));
            snprintf(got_level, sizeof(got_level), "%d", vg_hevent_rule_level(e));
        }
        const char *dn = vg_hevent_decoder(e);
        bool same = strcmp(got_rule, sec->rule) == 0 && strcmp(got_level, sec->alert) == 0 &&
                    strcmp(dn ? dn : "", sec->decoder) == 0;
        bool ok = want_pass ? same : strcmp(got_rule, sec->rule) != 0;
        (*total)++;
        if (ok)
            passed++;
        else if (verbose_file_match(verbose, file))
            printf("FAIL %s [%s] %s: want rule=%s level=%s decoder=%s, got rule=%s level=%s decoder=%s\n   %s\n",
                   file, sec->name, ru->key, sec->rule, sec->alert, sec->decoder, got_rule, got_level,
                   dn ? dn : "", ru->lines[ru->nlines - 1]);
        vg_hsession_free(s);
    }
    return passed;
}

static void section_clear(section *sec)
{
    for (int r = 0; r < sec->nruns; r++)
        for (int i = 0; i < sec->runs[r].nlines; i++)
            free(sec->runs[r].lines[i]);
    memset(sec, 0, sizeof(*sec));
}

static void score_file(const vg_hruleset *rs, const char *path, const char *name, const char *verbose,
                       int *passed, int *total)
{
    FILE *fp = fopen(path, "r");
    *passed = *total = 0;
    if (!fp)
        return;
    static section sec;
    memset(&sec, 0, sizeof(sec));
    bool in = false;
    size_t cap = 1 << 20;
    char *line = malloc(cap);
    if (!line) {
        fclose(fp);
        return;
    }
    while (fgets(line, (int)cap, fp)) {
        char *t = trim(line);
        if (*t == ';' || *t == '#' || *t == '\0')
            continue;
        if (*t == '[') {
            if (in)
                *passed += run_section(rs, &sec, name, verbose, total);
            section_clear(&sec);
            char *e = strrchr(t, ']');
            if (e)
                *e = '\0';
            snprintf(sec.name, sizeof(sec.name), "%s", t + 1);
            in = true;
            continue;
        }
        char *eq = strchr(t, '=');
        if (!eq || !in)
            continue;
        *eq = '\0';
        char *k = trim(t), *v = eq + 1;
        if (*v == ' ')
            v++;
        size_t vl = strlen(v);
        while (vl > 0 && (v[vl - 1] == '\r' || v[vl - 1] == '\n'))
            v[--vl] = '\0';
        if (strncmp(k, "log", 3) == 0) {
            run *ru = NULL;
            for (int r = 0; r < sec.nruns; r++)
                if (strcmp(sec.runs[r].key, k) == 0)
                    ru = &sec.runs[r];
            if (!ru && sec.nruns < 64) {
                ru = &sec.runs[sec.nruns++];
                snprintf(ru->key, sizeof(ru->key), "%s", k);
            }
            if (ru && ru->nlines < MAX_LINES)
                ru->lines[ru->nlines++] = strdup(v);
        } else if (strcmp(k, "rule") == 0) {
            snprintf(sec.rule, sizeof(sec.rule), "%s", trim(v));
        } else if (strcmp(k, "alert") == 0) {
            snprintf(sec.alert, sizeof(sec.alert), "%s", trim(v));
        } else if (strcmp(k, "decoder") == 0) {
            snprintf(sec.decoder, sizeof(sec.decoder), "%s", trim(v));
        }
    }
    if (in)
        *passed += run_section(rs, &sec, name, verbose, total);
    section_clear(&sec);
    free(line);
    fclose(fp);
}

static int cmpstr(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int load_test_ruleset(vg_hruleset *rs, const char *dir, char *errbuf)
{
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    char *names[256];
    int n = 0;
    struct dirent *de;
    while ((de = readdir(d)) && n < 256)
        if (strstr(de->d_name, ".xml"))
            names[n++] = strdup(de->d_name);
    closedir(d);
    qsort(names, (size_t)n, sizeof(char *), cmpstr);
    int rc = 0;
    char path[8192];
    for (int pass = 0; pass < 2; pass++)
        for (int i = 0; i < n && rc >= 0; i++) {
            bool dec = strstr(names[i], "decoders") != NULL;
            if (dec != (pass == 0))
                continue;
            snprintf(path, sizeof(path), "%.4000s/%.1000s", dir, names[i]);
            rc = dec ? vg_hruleset_load_decoders(rs, path, errbuf) : vg_hruleset_load_rules(rs, path, errbuf);
        }
    for (int i = 0; i < n; i++)
        free(names[i]);
    return rc;
}

typedef struct base {
    char name[128];
    int passed;
} base;

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: wazuh_runner RULESET_DIR [--baseline FILE] [--write-baseline FILE] "
                        "[--verbose NAME] [--only NAME]\n");
        return 2;
    }
    const char *dir = argv[1], *baseline = NULL, *write_baseline = NULL, *verbose = NULL, *only = NULL;
    for (int i = 2; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--baseline") == 0)
            baseline = argv[i + 1];
        else if (strcmp(argv[i], "--write-baseline") == 0)
            write_baseline = argv[i + 1];
        else if (strcmp(argv[i], "--verbose") == 0)
            verbose = argv[i + 1];
        else if (strcmp(argv[i], "--only") == 0)
            only = argv[i + 1];
    }
    char path[4096];
    snprintf(path, sizeof(path), "%s/tests", dir);
    struct stat st;
    if (stat(path, &st) != 0) {
        printf("wazuh ruleset not found at %s: skipped\n", dir);
        return 77;
    }
    vg_hruleset *rs;
    char errbuf[VG_ERRBUF_SIZE];
    if (vg_hruleset_new(&rs) < 0)
        return 1;
    int vq = getenv("VG_WAZUH_WARN") != NULL;
    vg_hruleset_set_warn(rs, warn_quiet, &vq);
    snprintf(path, sizeof(path), "%s/test-ruleset", dir);
    /* Wazuh's default ossec.conf excludes the policy rules (their time of
     * day rules would make the scores depend on the clock) */
    if (vg_hruleset_exclude(rs, "0215-policy_rules.xml") < 0 || vg_hruleset_load_dir(rs, dir, errbuf) < 0 || load_test_ruleset(rs, path, errbuf) < 0 ||
        vg_hruleset_finish(rs, errbuf) < 0) {
        fprintf(stderr, "%s\n", errbuf);
        vg_hruleset_free(rs);
        return 1;
    }
    printf("loaded %d decoders, %d rules (%d skipped with errors)\n", vg_hruleset_ndecoders(rs),
           vg_hruleset_nrules(rs), vg_hruleset_errors(rs));
    snprintf(path, sizeof(path), "%s/tests", dir);
    DIR *d = opendir(path);
    char *names[512];
    int n = 0;
    struct dirent *de;
    while (d && (de = readdir(d)) && n < 512) {
        size_t l = strlen(de->d_name);
        if (l > 4 && strcmp(de->d_name + l - 4, ".ini") == 0)
            names[n++] = strdup(de->d_name);
    }
    if (d)
        closedir(d);
    qsort(names, (size_t)n, sizeof(char *), cmpstr);
    base bases[512];
    int nb = 0;
    if (baseline) {
        FILE *bf = fopen(baseline, "r");
        char bl[256];
        while (bf && fgets(bl, sizeof(bl), bf) && nb < 512) {
            if (bl[0] == '#')
                continue;
            int p, t;
            char nm[128];
            if (sscanf(bl, "%127s %d %d", nm, &p, &t) == 3) {
                snprintf(bases[nb].name, sizeof(bases[nb].name), "%s", nm);
                bases[nb++].passed = p;
            }
        }
        if (bf)
            fclose(bf);
    }
    FILE *wb = write_baseline ? fopen(write_baseline, "w") : NULL;
    if (wb)
        fprintf(wb, "# file passed total (wazuh ruleset conformance baseline; a drop below fails)\n");
    int allp = 0, allt = 0, regressions = 0;
    printf("%-44s %7s %7s %6s\n", "file", "passed", "runs", "score");
    for (int i = 0; i < n; i++) {
        if (only && strcmp(only, names[i]) != 0)
            continue;
        snprintf(path, sizeof(path), "%s/tests/%s", dir, names[i]);
        int p, t;
        score_file(rs, path, names[i], verbose, &p, &t);
        allp += p;
        allt += t;
        const char *mark = "";
        for (int b = 0; b < nb; b++)
            if (strcmp(bases[b].name, names[i]) == 0 && p < bases[b].passed) {
                mark = "  REGRESSION";
                regressions++;
            }
        printf("%-44s %7d %7d %5.1f%%%s\n", names[i], p, t, t ? 100.0 * p / t : 0.0, mark);
        if (wb)
            fprintf(wb, "%s %d %d\n", names[i], p, t);
    }
    if (wb)
        fclose(wb);
    printf("%d passed, %d failed\n", allp, allt - allp);
    for (int i = 0; i < n; i++)
        free(names[i]);
    vg_hruleset_free(rs);
    if (regressions) {
        printf("%d file(s) below the baseline\n", regressions);
        return 1;
    }
    return 0;
}
