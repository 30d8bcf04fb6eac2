/*
 * cmd_host.c: `vigil host`: host monitoring.
 *
 *   vigil host logtest [--rules-dir DIR] [--json] [--location NAME]
 *       reads log lines on stdin as one session and prints, for each, the
 *       decoder, the fields and the rule (like wazuh-logtest).
 *   vigil host replay [--rules-dir DIR] [-l DIR | --eve FILE] [--min-level N]
 *                     [--stats] FILE...
 *       runs log files through the rules and writes the alerts as `log`
 *       events (one session per run, lines in order).
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "cli/commands.h"
#include "core/eve.h"
#include "core/jbuf.h"
#include "host/log_event.h"
#include "host/fim.h"
#include "host/host.h"
#include "host/ruleset.h"

static void usage(FILE *fp)
{
    fprintf(fp,
            "usage: vigil host logtest [--rules-dir DIR] [--json] [--location NAME]\n"
            "       vigil host replay [--rules-dir DIR] [-l DIR | --eve FILE] [--min-level N]\n"
            "                         [--stats] FILE...\n"
            "       vigil host fim-scan [--db FILE] [--threads N] [--ignore PATTERN]... [--eve FILE] PATH...\n"
            "       vigil host -c vigil.yaml [--set key=value]... [--user USER [--group GROUP]]\n"
            "\n"
            "logtest reads log lines on stdin (one session, in order) and prints the\n"
            "decoder, the decoded fields and the rule each line fires.  --rules-dir takes\n"
            "a Wazuh-style tree (decoders/, rules/, lists/) or a directory of .xml files;\n"
            "the default is vigil's own ruleset (%s).\n"
            "Started as root, -c with --user USER (host.user) runs as USER once logs,\n"
            "FIM and the syslog ports are open, keeping only CAP_DAC_READ_SEARCH.\n",
            vg_host_default_rules_dir());
}

static void print_text(const vg_hevent *e, const char *line)
{
    printf("**Phase 1: Completed pre-decoding.\n");
    printf("       full event: '%s'\n", line);
    if (vg_hevent_timestamp(e))
        printf("       timestamp: '%s'\n", vg_hevent_timestamp(e));
    if (vg_hevent_hostname(e))
        printf("       hostname: '%s'\n", vg_hevent_hostname(e));
    if (vg_hevent_program(e))
        printf("       program_name: '%s'\n", vg_hevent_program(e));
    if (vg_hevent_decoder(e)) {
        printf("\n**Phase 2: Completed decoding.\n");
        printf("       name: '%s'\n", vg_hevent_decoder(e));
        if (vg_hevent_decoder_parent(e))
            printf("       parent: '%s'\n", vg_hevent_decoder_parent(e));
        for (int i = 0; i < vg_hevent_nfields(e); i++) {
            const char *n, *v;
            vg_hevent_field(e, i, &n, &v);
            printf("       %s: '%s'\n", n, v);
        }
    } else {
        printf("\n**Phase 2: Completed decoding.\n       No decoder matched.\n");
    }
    if (vg_hevent_has_rule(e)) {
        printf("\n**Phase 3: Completed filtering (rules).\n");
        printf("       id: '%d'\n", vg_hevent_rule_id(e));
        printf("       level: '%d'\n", vg_hevent_rule_level(e));
        printf("       description: '%s'\n", vg_hevent_rule_description(e));
        printf("       groups: [");
        for (int i = 0; i < vg_hevent_rule_ngroups(e); i++)
            printf("%s'%s'", i ? ", " : "", vg_hevent_rule_group(e, i));
        printf("]\n");
        if (vg_hevent_rule_nmitre(e)) {
            printf("       mitre.id: [");
            for (int i = 0; i < vg_hevent_rule_nmitre(e); i++)
                printf("%s'%s'", i ? ", " : "", vg_hevent_rule_mitre(e, i));
            printf("]\n");
        }
        if (vg_hevent_alerts(e))
            printf("**Alert to be generated.\n");
    }
    printf("\n");
}

static int logtest(int argc, char **argv)
{
    const char *dir = NULL, *location = "stdin";
    bool json = false;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--rules-dir") == 0 && i + 1 < argc)
            dir = argv[++i];
        else if (strcmp(argv[i], "--location") == 0 && i + 1 < argc)
            location = argv[++i];
        else if (strcmp(argv[i], "--json") == 0)
            json = true;
        else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage(stdout);
            return 0;
        } else {
            fprintf(stderr, "vigil host logtest: unknown argument '%s'\n", argv[i]);
            usage(stderr);
            return 2;
        }
    }
    char errbuf[VG_ERRBUF_SIZE];
    vg_hruleset *rs;
    if (vg_host_load_ruleset(&rs, dir, errbuf) < 0) {
        fprintf(stderr, "vigil host: %s\n", errbuf);
        return 1;
    }
    vg_hsession *s;
    if (vg_hsession_new(&s, rs) < 0) {
        vg_hruleset_free(rs);
        return 1;
    }
    size_t cap = 0;
    char *line = NULL;
    ssize_t n;
    vg_jb jb;
    vg_jb_init(&jb);
    while ((n = getline(&line, &cap, stdin)) > 0) {
        while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
            line[--n] = '\0';
        if (n == 0)
            continue;
        struct timeval tv;
        gettimeofday(&tv, NULL);
        const vg_hevent *e = vg_hsession_process(s, line, (size_t)n, location,
                                                 (double)tv.tv_sec + tv.tv_usec / 1e6);
        if (json) {
            vg_jb_reset(&jb);
            vg_jb_open_obj(&jb, NULL);
            vg_hevent_to_json(e, &jb);
            vg_jb_close_obj(&jb);
            if (vg_jb_ok(&jb))
                printf("%.*s\n", (int)jb.len, jb.buf);
        } else {
            print_text(e, line);
        }
    }
    fflush(stdout);
    vg_jb_free(&jb);
    free(line);
    vg_hsession_free(s);
    vg_hruleset_free(rs);
    return 0;
}

static double cpu(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static double mono(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int replay(int argc, char **argv)
{
    const char *dir = NULL, *eve_path = NULL, *outdir = NULL;
    int min_level = 1;
    bool stats = false;
    int first = argc;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--rules-dir") == 0 && i + 1 < argc)
            dir = argv[++i];
        else if (strcmp(argv[i], "--eve") == 0 && i + 1 < argc)
            eve_path = argv[++i];
        else if (strcmp(argv[i], "-l") == 0 && i + 1 < argc)
            outdir = argv[++i];
        else if (strcmp(argv[i], "--min-level") == 0 && i + 1 < argc)
            min_level = atoi(argv[++i]);
        else if (strcmp(argv[i], "--stats") == 0)
            stats = true;
        else if (argv[i][0] == '-' && argv[i][1]) {
            fprintf(stderr, "vigil host replay: unknown option '%s'\n", argv[i]);
            return 2;
        } else {
            first = i;
            break;
        }
    }
    if (first >= argc) {
        usage(stderr);
        return 2;
    }
    char errbuf[VG_ERRBUF_SIZE];
    double t0 = mono();
    vg_hruleset *rs;
    if (vg_host_load_ruleset(&rs, dir, errbuf) < 0) {
        fprintf(stderr, "vigil host: %s\n", errbuf);
        return 1;
    }
    double t_load = mono() - t0;
    vg_eve *eve = NULL;
    char pathbuf[4096];
    if (outdir) {
        snprintf(pathbuf, sizeof(pathbuf), "%s/eve.json", outdir);
        eve_path = pathbuf;
    }
    if (eve_path && vg_eve_open(&eve, eve_path, false, errbuf) < 0) {
        fprintf(stderr, "vigil host: %s\n", errbuf);
        vg_hruleset_free(rs);
        return 1;
    }
    vg_hsession *s;
    if (vg_hsession_new(&s, rs) < 0) {
        vg_eve_close(eve);
        vg_hruleset_free(rs);
        return 1;
    }
    {
        time_t now = time(NULL);
        struct tm tm;
        localtime_r(&now, &tm);
        vg_hsession_use_log_time(s, tm.tm_year + 1900);
    }
    vg_jb jb;
    vg_jb_init(&jb);
    uint64_t lines = 0, alerts = 0;
    int rc = 0;
    double t1 = mono(), c1 = cpu();
    char host[256] = "";
    gethostname(host, sizeof(host) - 1);
    for (int f = first; f < argc; f++) {
        int fd = strcmp(argv[f], "-") == 0 ? 0 : open(argv[f], O_RDONLY);
        struct stat st;
        if (fd < 0 || fstat(fd, &st) < 0) {
            fprintf(stderr, "vigil host replay: %s: cannot open\n", argv[f]);
            rc = 1;
            continue;
        }
        const char *map = NULL;
        size_t size = (size_t)st.st_size;
        char *buf = NULL;
        if (S_ISREG(st.st_mode) && size > 0) {
            map = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
            if (map == MAP_FAILED)
                map = NULL;
            else
                madvise((void *)map, size, MADV_SEQUENTIAL);
        }
        if (!map) {
            /* a pipe or an empty file: read it whole (capped at 1 GiB) */
            size_t cap = 0;
            size = 0;
            ssize_t n;
            do {
                if (size + 65536 > cap) {
                    cap = cap ? cap * 2 : 1 << 20;
                    if (cap > (1u << 30))
                        break;
                    char *nb = realloc(buf, cap);
                    if (!nb)
                        break;
                    buf = nb;
                }
                n = read(fd, buf + size, cap - size);
                if (n > 0)
                    size += (size_t)n;
            } while (n > 0);
            map = buf;
        }
        const char *p = map, *end = map ? map + size : NULL;
        struct timeval tv;
        gettimeofday(&tv, NULL);
        while (p && p < end) {
            const char *nl = memchr(p, '\n', (size_t)(end - p));
            size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
            if (len > 0) {
                lines++;
                const vg_hevent *e = vg_hsession_process(s, p, len, argv[f],
                                                         (double)tv.tv_sec + (double)lines * 1e-4);
                if (vg_hevent_alerts(e) && vg_hevent_rule_level(e) >= min_level) {
                    alerts++;
                    if (eve) {
                        vg_host_log_event(&jb, e, &tv, host, argv[f], p, len);
                        (void)vg_eve_write(eve, &jb);
                    }
                }
            }
            p = nl ? nl + 1 : end;
        }
        if (buf)
            free(buf);
        else if (map)
            munmap((void *)map, size);
        if (fd > 0)
            close(fd);
    }
    double secs = mono() - t1, csecs = cpu() - c1;
    if (stats)
        fprintf(stderr, "rules loaded in %.3f s (%d decoders, %d rules); %llu lines, %llu alerts in %.3f s "
                "(%.3f s CPU): %.0f lines/s, %.0f lines per CPU second\n",
                t_load, vg_hruleset_ndecoders(rs), vg_hruleset_nrules(rs), (unsigned long long)lines,
                (unsigned long long)alerts, secs, csecs, secs > 0 ? (double)lines / secs : 0.0,
                csecs > 0 ? (double)lines / csecs : 0.0);
    vg_jb_free(&jb);
    vg_hsession_free(s);
    vg_eve_close(eve);
    vg_hruleset_free(rs);
    return rc;
}

typedef struct fimcli {
    vg_eve *eve;
    vg_jb jb;
    uint64_t n;
} fimcli;

static void fim_print(void *ctx, const vg_fim_change *c)
{
    fimcli *fc = ctx;
    fc->n++;
    if (fc->eve) {
        vg_fim_event(&fc->jb, c, NULL);
        (void)vg_eve_write(fc->eve, &fc->jb);
    } else {
        printf("%-10s %s\n", c->change, c->path);
    }
}

static int fim_scan(int argc, char **argv)
{
    const char *db = NULL, *eve_path = NULL;
    const char *paths[256], *ign[256];
    int np = 0, ni = 0, threads = 2;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--db") == 0 && i + 1 < argc)
            db = argv[++i];
        else if (strcmp(argv[i], "--threads") == 0 && i + 1 < argc)
            threads = atoi(argv[++i]);
        else if (strcmp(argv[i], "--ignore") == 0 && i + 1 < argc && ni < 256)
            ign[ni++] = argv[++i];
        else if (strcmp(argv[i], "--eve") == 0 && i + 1 < argc)
            eve_path = argv[++i];
        else if (argv[i][0] == '-') {
            fprintf(stderr, "vigil host fim-scan: unknown option '%s'\n", argv[i]);
            return 2;
        } else if (np < 256)
            paths[np++] = argv[i];
    }
    if (np == 0) {
        usage(stderr);
        return 2;
    }
    char errbuf[VG_ERRBUF_SIZE];
    vg_fim_opts o = {paths, np, ign, ni, 0, threads, false, 0, db, NULL, 0};
    vg_fim *f;
    if (vg_fim_open(&f, &o, errbuf) < 0) {
        fprintf(stderr, "vigil host: %s\n", errbuf);
        return 1;
    }
    fimcli fc = {NULL, {0}, 0};
    vg_jb_init(&fc.jb);
    if (eve_path && vg_eve_open(&fc.eve, eve_path, false, errbuf) < 0) {
        fprintf(stderr, "vigil host: %s\n", errbuf);
        vg_fim_close(f);
        return 1;
    }
    vg_fim_scan_stats st;
    double c0 = cpu();
    int rc = vg_fim_scan(f, fim_print, &fc, &st, errbuf);
    double csecs = cpu() - c0;
    if (rc < 0)
        fprintf(stderr, "vigil host: %s\n", errbuf);
    else
        fprintf(stderr, "%llu files (%llu dirs), %llu hashed (%.1f MB), %llu unchanged, %llu ignored, %llu errors; "
                "%llu added, %llu modified, %llu deleted, %llu attributes; %.2f s (%.2f s CPU)\n",
                (unsigned long long)st.files, (unsigned long long)st.dirs, (unsigned long long)st.hashed,
                st.bytes_hashed / 1e6, (unsigned long long)st.skipped_unchanged, (unsigned long long)st.ignored,
                (unsigned long long)st.errors, (unsigned long long)st.added, (unsigned long long)st.modified,
                (unsigned long long)st.deleted, (unsigned long long)st.attributes, st.seconds, csecs);
    vg_jb_free(&fc.jb);
    vg_eve_close(fc.eve);
    vg_fim_close(f);
    return rc < 0 ? 1 : 0;
}

int vg_cmd_host(int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "fim-scan") == 0)
        return fim_scan(argc - 1, argv + 1);
    if (argc >= 2 && strcmp(argv[1], "replay") == 0)
        return replay(argc - 1, argv + 1);
    if (argc >= 2 && strcmp(argv[1], "logtest") == 0)
        return logtest(argc - 1, argv + 1);
    if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        usage(stdout);
        return 0;
    }
    if (argc >= 2 && (strcmp(argv[1], "-c") == 0 || strncmp(argv[1], "--", 2) == 0))
        return vg_host_daemon_main(argc, argv);
    usage(stderr);
    return 2;
}
