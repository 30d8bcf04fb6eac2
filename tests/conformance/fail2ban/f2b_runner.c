/*
 * f2b_runner.c: detection quality of vigil's default ruleset on fail2ban's
 * sample logs (../shared/conformance/fail2ban/logs; format in
 * ../shared/README.md).
 *
 *   f2b_runner LOGS_DIR RULES_DIR [--baseline FILE] [--write-baseline FILE]
 *              [--verbose FILTER] [--all]
 *
 * Each filter's log is one session, lines in order.  A line preceded by a
 * failJSON comment with "match": true must raise an alert of level >= 5
 * whose srcip is the comment's "host"; any other line (match false, or no
 * comment) must not raise an alert of level >= 5.  Prints a per-filter
 * table (detected/expected, false alerts/negatives) and totals; with
 * --baseline exits 1 if a filter detects fewer lines or raises more false
 * alerts than its committed baseline; exits 77 when the logs are absent.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "host/host.h"
#include "host/ruleset.h"

static const char *targets[] = {
    "sshd", "sshd-journal", "dropbear", "pam-generic", "selinux-ssh", "apache-auth",
    "apache-badbots", "apache-botsearch", "apache-noscript", "apache-overflows", "apache-nohome",
    "apache-shellshock", "apache-modsecurity", "nginx-http-auth", "nginx-botsearch",
    "nginx-bad-request", "nginx-forbidden", "nginx-limit-req", "lighttpd-auth",
    "haproxy-http-auth", "php-url-fopen", "phpmyadmin-syslog", "drupal-auth", "roundcube-auth",
    "postfix", "dovecot", "sendmail-auth", "courier-auth", "mysqld-auth", "mongodb-auth",
    "proftpd", "pure-ftpd", "vsftpd", "named-refused", "xinetd-fail", "webmin-auth", NULL,
};

typedef struct score {
    int tp, pos, fp, neg;
} score;

/* Value of "key" in a failJSON comment (strings only; "match" as true/false). */
static bool json_get(const char *s, const char *key, char *out, size_t outsz)
{
    char pat[64];
    snprintf(pat, sizeof(pat), "\"%s\"", key);
    const char *p = strstr(s, pat);
    if (!p)
        return false;
    p += strlen(pat);
    while (*p == ' ' || *p == ':')
        p++;
    if (*p == '"') {
        p++;
        size_t n = 0;
        while (*p && *p != '"' && n + 1 < outsz)
            out[n++] = *p++;
        out[n] = '\0';
        return true;
    }
    size_t n = 0;
    while (*p && *p != ',' && *p != ' ' && *p != '}' && n + 1 < outsz)
        out[n++] = *p++;
    out[n] = '\0';
    return true;
}

static score score_file(const vg_hruleset *rs, const char *path, const char *verbose, const char *name)
{
    score sc = {0, 0, 0, 0};
    FILE *fp = fopen(path, "r");
    if (!fp)
        return sc;
    vg_hsession *s;
    if (vg_hsession_new(&s, rs) < 0) {
        fclose(fp);
        return sc;
    }
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    int expect = 0; /* 0: none (must not match), 1: match, -1: must not match */
    char host[256] = "";
    double now = (double)time(NULL);
    bool vb = verbose && strcmp(verbose, name) == 0;
    while ((n = getline(&line, &cap, fp)) > 0) {
        while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
            line[--n] = '\0';
        if (n == 0)
            continue;
        if (line[0] == '#') {
            char *j = strstr(line, "failJSON:");
            if (j) {
                char m[16];
                expect = json_get(j, "match", m, sizeof(m)) && strcmp(m, "true") == 0 ? 1 : -1;
                if (!json_get(j, "host", host, sizeof(host)))
                    host[0] = '\0';
            }
            continue;
        }
        const vg_hevent *e = vg_hsession_process(s, line, (size_t)n, name, now);
        now += 1.0;
        bool alert = vg_hevent_alerts(e) && vg_hevent_rule_level(e) >= 5;
        const char *src = vg_hevent_get(e, "srcip");
        if (expect == 1) {
            sc.pos++;
            bool ok = alert && src && strcmp(src, host) == 0;
            if (ok)
                sc.tp++;
            else if (vb)
                printf("MISS [%s] rule=%d level=%d srcip=%s decoder=%s: %s\n", host,
                       vg_hevent_rule_id(e), vg_hevent_rule_level(e), src ? src : "-",
                       vg_hevent_decoder(e) ? vg_hevent_decoder(e) : "-", line);
        } else {
            sc.neg++;
            if (alert) {
                sc.fp++;
                if (vb)
                    printf("FALSE rule=%d level=%d srcip=%s: %s\n", vg_hevent_rule_id(e),
                           vg_hevent_rule_level(e), src ? src : "-", line);
            }
        }
        expect = 0;
    }
    free(line);
    fclose(fp);
    vg_hsession_free(s);
    return sc;
}

typedef struct base {
    char name[64];
    int tp, fp;
} base;

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: f2b_runner LOGS_DIR RULES_DIR [--baseline FILE] "
                        "[--write-baseline FILE] [--verbose FILTER] [--all]\n");
        return 2;
    }
    const char *logs = argv[1], *rules = argv[2], *baseline = NULL, *wbase = NULL, *verbose = NULL;
    bool all = false;
    for (int i = 3; i < argc; i++) {
        if (strcmp(argv[i], "--baseline") == 0 && i + 1 < argc)
            baseline = argv[++i];
        else if (strcmp(argv[i], "--write-baseline") == 0 && i + 1 < argc)
            wbase = argv[++i];
        else if (strcmp(argv[i], "--verbose") == 0 && i + 1 < argc)
            verbose = argv[++i];
        else if (strcmp(argv[i], "--all") == 0)
            all = true;
    }
    struct stat st;
    if (stat(logs, &st) != 0) {
        printf("fail2ban logs not found at %s: skipped\n", logs);
        return 77;
    }
    char errbuf[VG_ERRBUF_SIZE];
    vg_hruleset *rs;
    if (vg_host_load_ruleset(&rs, rules, errbuf) < 0) {
        fprintf(stderr, "%s\n", errbuf);
        return 1;
    }
    if (vg_hruleset_errors(rs)) {
        fprintf(stderr, "%d errors in the default ruleset\n", vg_hruleset_errors(rs));
        vg_hruleset_free(rs);
        return 1;
    }
    base bases[256];
    int nb = 0;
    FILE *bf = baseline ? fopen(baseline, "r") : NULL;
    char bl[256];
    while (bf && fgets(bl, sizeof(bl), bf) && nb < 256) {
        if (bl[0] == '#')
            continue;
        if (sscanf(bl, "%63s %d %*d %d", bases[nb].name, &bases[nb].tp, &bases[nb].fp) == 3)
            nb++;
    }
    if (bf)
        fclose(bf);
    FILE *wb = wbase ? fopen(wbase, "w") : NULL;
    if (wb)
        fprintf(wb, "# filter detected expected false_alerts negatives (baseline: detected may not "
                    "drop, false alerts may not rise)\n");
    /* the filter list: the targets, or every log with --all */
    char *names[512];
    int nn = 0;
    if (all) {
        DIR *d = opendir(logs);
        struct dirent *de;
        while (d && (de = readdir(d)) && nn < 512)
            if (de->d_name[0] != '.')
                names[nn++] = strdup(de->d_name);
        if (d)
            closedir(d);
    } else {
        for (int i = 0; targets[i]; i++)
            names[nn++] = strdup(targets[i]);
    }
    printf("%-22s %9s %9s %7s %9s %7s\n", "filter", "detected", "expected", "rate", "false", "rate");
    score tot = {0, 0, 0, 0};
    int regress = 0;
    for (int i = 0; i < nn; i++) {
        char path[4096];
        snprintf(path, sizeof(path), "%s/%s", logs, names[i]);
        score sc = score_file(rs, path, verbose, names[i]);
        tot.tp += sc.tp;
        tot.pos += sc.pos;
        tot.fp += sc.fp;
        tot.neg += sc.neg;
        const char *mark = "";
        for (int b = 0; b < nb; b++)
            if (strcmp(bases[b].name, names[i]) == 0 && (sc.tp < bases[b].tp || sc.fp > bases[b].fp)) {
                mark = "  REGRESSION";
                regress++;
            }
        printf("%-22s %9d %9d %6.1f%% %9d/%-5d %5.1f%%%s\n", names[i], sc.tp, sc.pos,
               sc.pos ? 100.0 * sc.tp / sc.pos : 100.0, sc.fp, sc.neg,
               sc.neg ? 100.0 * sc.fp / sc.neg : 0.0, mark);
        if (wb)
            fprintf(wb, "%s %d %d %d %d\n", names[i], sc.tp, sc.pos, sc.fp, sc.neg);
        free(names[i]);
    }
    if (wb)
        fclose(wb);
    printf("TOTAL detected %d/%d (%.1f%%), false alerts %d/%d (%.2f%%)\n", tot.tp, tot.pos,
           tot.pos ? 100.0 * tot.tp / tot.pos : 0.0, tot.fp, tot.neg,
           tot.neg ? 100.0 * tot.fp / tot.neg : 0.0);
    printf("%d passed, %d failed\n", nn - regress, regress);
    vg_hruleset_free(rs);
    return regress ? 1 : 0;
}
