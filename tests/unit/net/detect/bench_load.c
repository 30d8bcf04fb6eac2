/*
 * bench_load.c: load rule files the way `vigil net -T` does and report the
 * time, the loaded/failed counts and the most common failure reasons.
 *   bench_load FILE...   (or a directory: every *.rules in it)
 * Not a test: it makes no timed assertion.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "core/log.h"
#include "net/detect/detect_int.h"

static int cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(int argc, char **argv)
{
    char *files[1024];
    int n = 0;
    for (int i = 1; i < argc && n < 1023; i++) {
        DIR *d = opendir(argv[i]);
        if (!d) {
            files[n++] = strdup(argv[i]);
            continue;
        }
        struct dirent *e;
        while ((e = readdir(d)) && n < 1023) {
            size_t l = strlen(e->d_name);
            if (l > 6 && strcmp(e->d_name + l - 6, ".rules") == 0) {
                char *p = malloc(strlen(argv[i]) + l + 2);
                sprintf(p, "%s/%s", argv[i], e->d_name);
                files[n++] = p;
            }
        }
        closedir(d);
    }
    qsort(files, (size_t)n, sizeof(char *), cmp);
    files[n] = NULL;
    vg_log_set_level(getenv("BENCH_VERBOSE") ? VG_LOG_INFO : VG_LOG_NOTICE - 2);
    vg_detect *de;
    char err[VG_ERRBUF_SIZE];
    if (getenv("BENCH_PHASES")) {
        /* parse and build separately, to see where the time goes */
        struct timespec t0, t1, t2;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        vg_detect_new(&de, NULL);
        vg_class_load_builtin(de);
        for (int i = 0; i < n; i++)
            (void)vg_rule_load_file(de, files[i], err);
        clock_gettime(CLOCK_MONOTONIC, &t1);
        if (vg_detect_build(de, err) != VG_OK)
            fprintf(stderr, "build: %s\n", err);
        clock_gettime(CLOCK_MONOTONIC, &t2);
        printf("parse %.3f s, build %.3f s\n",
               (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9,
               (t2.tv_sec - t1.tv_sec) + (t2.tv_nsec - t1.tv_nsec) / 1e9);
        vg_detect_free(de);
        return 0;
    }
    int rc = vg_detect_load(&de, NULL, (const char *const *)files, false, err);
    if (rc) {
        fprintf(stderr, "load failed: %s\n", err);
        return 1;
    }
    const vg_detect_stats *st = vg_detect_get_stats(de);
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("%u rules successfully loaded, %u rules failed (%u commented out)\n", st->rules_loaded,
           st->rules_failed, st->rules_skipped);
    printf("load+compile: %.3f s, peak RSS %ld MB, %u prefilter databases, %u groups, %u ip-only\n",
           st->load_seconds, ru.ru_maxrss / 1024, de->nmpms, de->nall_groups, de->niponly);
    printf("top failure reasons (keyword: rules):\n");
    for (uint32_t i = 0; i < de->nfail_reasons && i < 15; i++)
        printf("  %-32s %u\n", de->fail_reasons[i].reason, de->fail_reasons[i].count);
    vg_detect_free(de);
    for (int i = 0; i < n; i++)
        free(files[i]);
    return 0;
}
