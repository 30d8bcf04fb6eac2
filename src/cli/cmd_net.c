/*
 * cmd_net.c: `vigil net`, the network monitor's command line.
 *
 * Accepts Suricata's options as suricata-verify passes them (-r, -i, -S,
 * -s, -c, -l, -k, --set, --simulate-ips, --init-errors-fatal, -T,
 * --runmode, -v) plus --user/--group; the words left over form the BPF
 * filter.  `--set` keys vigil does not read are accepted and ignored, as
 * Suricata does.  Exit status: 0 ok, 1 failure, 2 usage.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/commands.h"
#include "core/log.h"
#include "net/engine/engine.h"
#include "net/engine/net_conf.h"

static void usage(FILE *fp)
{
    fprintf(fp,
            "usage: vigil net -r FILE | -i IFACE  [options] [BPF filter words]\n"
            "\n"
            "  -r FILE             read a pcap or pcapng file\n"
            "  -i IFACE            capture live on IFACE (root, or CAP_NET_RAW)\n"
            "  -S FILE             load rules from FILE only (repeatable)\n"
            "  -s FILE             load rules from FILE in addition to the configured ones (repeatable)\n"
            "  -c FILE             Suricata-style YAML configuration (over the built-in default)\n"
            "  -l DIR              write eve.json, fast.log here (default: default-log-dir, \".\")\n"
            "  -k none|all|auto    checksum checks: none disables them, all forces them\n"
            "  --set KEY=VALUE     override a configuration key (repeatable)\n"
            "  --simulate-ips      IPS semantics: drop/reject rules block the packet and its flow\n"
            "  --init-errors-fatal a rule that fails to load is fatal\n"
            "  -T                  test the rules (and configuration) and exit\n"
            "  --dump-config       print the merged configuration (key = value  # file:line)\n"
            "  --runmode single    accepted (vigil net runs one packet thread)\n"
            "  --user USER         live capture as root: run as USER once the capture is open\n"
            "                      (default when root: nobody; --user root keeps root)\n"
            "  --group GROUP       with --user: the group to run as\n"
            "  -F FILE             read the BPF filter from FILE\n"
            "  -v                  print the alerts found (also when stdout is a terminal)\n"
            "  -q                  only errors on stderr\n"
            "  -h, --help          this text\n");
}

#define MAX_LIST 256

typedef struct args {
    vg_engine_opts o;
    const char *rules_excl[MAX_LIST + 1];
    int nrules_excl;
    const char *rules_add[MAX_LIST + 1];
    int nrules_add;
    const char *sets[MAX_LIST + 2];
    int nsets;
    const char *config;
    bool test;
    bool dump;
    bool quiet;
    char *bpf;              /* owned */
    char *bpf_file_text;    /* owned */
} args;

/* Option value: "--opt=value" or the next argument. */
static const char *optval(int argc, char **argv, int *i, const char *eq)
{
    if (eq)
        return eq + 1;
    if (*i + 1 >= argc)
        return NULL;
    return argv[++*i];
}

static int add(const char **list, int *n, const char *v)
{
    if (*n >= MAX_LIST) {
        fprintf(stderr, "vigil net: too many values (at most %d)\n", MAX_LIST);
        return -1;
    }
    list[(*n)++] = v;
    list[*n] = NULL;
    return 0;
}

static char *read_small_file(const char *path)
{
    FILE *fp = fopen(path, "r");
    if (!fp)
        return NULL;
    char *buf = calloc(1, 65537);
    size_t n = buf ? fread(buf, 1, 65536, fp) : 0;
    fclose(fp);
    if (buf) {
        buf[n] = '\0';
        for (size_t i = 0; i < n; i++)
            if (buf[i] == '\n' || buf[i] == '\r' || buf[i] == '\t')
                buf[i] = ' ';
    }
    return buf;
}

static int parse(args *a, int argc, char **argv)
{
    size_t bpflen = 0;
    for (int i = 1; i < argc; i++) {
        char *arg = argv[i];
        if (arg[0] != '-' || arg[1] == '\0') {
            /* a BPF word */
            size_t l = strlen(arg);
            char *nb = realloc(a->bpf, bpflen + l + 2);
            if (!nb)
                return 1;
            a->bpf = nb;
            if (bpflen)
                a->bpf[bpflen++] = ' ';
            memcpy(a->bpf + bpflen, arg, l + 1);
            bpflen += l;
            continue;
        }
        if (strcmp(arg, "--") == 0) {
            for (i++; i < argc; i++) {
                size_t l = strlen(argv[i]);
                char *nb = realloc(a->bpf, bpflen + l + 2);
                if (!nb)
                    return 1;
                a->bpf = nb;
                if (bpflen)
                    a->bpf[bpflen++] = ' ';
                memcpy(a->bpf + bpflen, argv[i], l + 1);
                bpflen += l;
            }
            break;
        }
        const char *eq = arg[1] == '-' ? strchr(arg, '=') : NULL;
        size_t nlen = eq ? (size_t)(eq - arg) : strlen(arg);
#define IS(s) (nlen == strlen(s) && strncmp(arg, s, nlen) == 0)
        /* short options may carry their value attached: -lDIR, -kall */
        if (arg[1] != '-' && arg[2] != '\0' && strchr("rSsclkiF", arg[1])) {
            static char opt[3];
            opt[0] = '-';
            opt[1] = arg[1];
            opt[2] = '\0';
            eq = arg + 1; /* value starts at arg + 2 */
            arg = opt;
            nlen = 2;
        }
        const char *v = NULL;
        bool need = IS("-r") || IS("-i") || IS("-S") || IS("-s") || IS("-c") || IS("-l") ||
                    IS("-k") || IS("--set") || IS("--runmode") || IS("--user") ||
                    IS("--group") || IS("-F") || IS("--pcap") || IS("--af-packet") ||
                    IS("--pidfile") || IS("--data-dir");
        if (need) {
            v = optval(argc, argv, &i, eq);
            if (!v) {
                fprintf(stderr, "vigil net: %.*s needs a value\n", (int)nlen, arg);
                return 2;
            }
        }
        if (IS("-h") || IS("--help")) {
            usage(stdout);
            return -1;
        } else if (IS("-r")) {
            a->o.pcap_file = v;
        } else if (IS("-i") || IS("--pcap") || IS("--af-packet")) {
            a->o.iface = v;
        } else if (IS("-S")) {
            if (add(a->rules_excl, &a->nrules_excl, v))
                return 2;
        } else if (IS("-s")) {
            if (add(a->rules_add, &a->nrules_add, v))
                return 2;
        } else if (IS("-c")) {
            a->config = v;
        } else if (IS("-l")) {
            a->o.log_dir = v;
        } else if (IS("-k")) {
            const char *val = strcmp(v, "none") == 0 ? "no"
                              : strcmp(v, "all") == 0 ? "yes"
                              : strcmp(v, "auto") == 0 ? "auto" : NULL;
            if (!val) {
                fprintf(stderr, "vigil net: -k %s: expected none, all or auto\n", v);
                return 2;
            }
            /* Suricata's -k: the capture's checksum checks and stream validation */
            static char kv[3][64];
            snprintf(kv[0], sizeof kv[0], "pcap-file.checksum-checks=%s", val);
            snprintf(kv[1], sizeof kv[1], "pcap.checksum-checks=%s", val);
            snprintf(kv[2], sizeof kv[2], "stream.checksum-validation=%s",
                     strcmp(val, "no") == 0 ? "no" : "yes");
            for (int k = 0; k < 3; k++)
                if (add(a->sets, &a->nsets, kv[k]))
                    return 2;
        } else if (IS("--set")) {
            if (add(a->sets, &a->nsets, v))
                return 2;
        } else if (IS("--simulate-ips")) {
            a->o.simulate_ips = true;
        } else if (IS("--init-errors-fatal")) {
            a->o.errors_fatal = true;
        } else if (IS("-T") || IS("--test")) {
            a->test = true;
        } else if (IS("--dump-config")) {
            a->dump = true;
        } else if (IS("--runmode")) {
            if (strcmp(v, "single") != 0 && strcmp(v, "autofp") != 0 && strcmp(v, "workers") != 0)
                fprintf(stderr, "vigil net: --runmode %s: running one packet thread\n", v);
        } else if (IS("--user")) {
            a->o.user = v;
        } else if (IS("--group")) {
            a->o.group = v;
        } else if (IS("-F")) {
            free(a->bpf_file_text);
            a->bpf_file_text = read_small_file(v);
            if (!a->bpf_file_text) {
                fprintf(stderr, "vigil net: -F %s: cannot read the filter file\n", v);
                return 1;
            }
        } else if (IS("-q")) {
            a->quiet = true;
        } else if (arg[1] == 'v' && strspn(arg + 1, "v") == strlen(arg + 1)) {
            a->o.verbose += (int)strlen(arg + 1);
        } else if (IS("--pidfile") || IS("--data-dir") || IS("--no-random") ||
                   IS("--strict-rule-keywords") || IS("--disable-detection") ||
                   IS("--pcap-file-continuous") || IS("--pcap-file-recursive")) {
            /* accepted, no effect in vigil */
        } else {
            fprintf(stderr, "vigil net: unknown option %s (see vigil net --help)\n", argv[i]);
            return 2;
        }
#undef IS
    }
    return 0;
}

static void print_alerts(const vg_engine_result *r, FILE *fp)
{
    if (r->nsigs == 0) {
        fprintf(fp, "no alerts\n");
        return;
    }
    fprintf(fp, "%8s  %-22s %s\n", "alerts", "[gid:sid:rev]", "signature");
    size_t show = r->nsigs > 50 ? 50 : r->nsigs;
    for (size_t i = 0; i < show; i++) {
        const vg_engine_sigcount *s = &r->sigs[i];
        char id[48];
        snprintf(id, sizeof id, "[%u:%u:%u]", s->gid, s->sid, s->rev);
        fprintf(fp, "%8llu  %-22s %s\n", (unsigned long long)s->count, id, s->msg);
    }
    if (r->nsigs > show)
        fprintf(fp, "          ... and %zu more signatures (see eve.json)\n", r->nsigs - show);
}

int vg_cmd_net(int argc, char **argv)
{
    args a;
    memset(&a, 0, sizeof a);
    int rc = parse(&a, argc, argv);
    if (rc != 0) {
        free(a.bpf);
        free(a.bpf_file_text);
        if (rc == 2)
            usage(stderr);
        return rc < 0 ? 0 : rc;
    }
    if (a.quiet)
        vg_log_set_level(VG_LOG_ERROR);
    else if (a.o.verbose >= 2)
        vg_log_set_level(VG_LOG_INFO + (a.o.verbose > 2));
    a.o.bpf = a.bpf_file_text ? a.bpf_file_text : a.bpf;
    /* -S replaces the configured rule files; -s adds to them */
    if (a.nrules_excl) {
        for (int i = 0; i < a.nrules_add; i++)
            if (add(a.rules_excl, &a.nrules_excl, a.rules_add[i]))
                return 2;
        a.o.rule_files = a.rules_excl;
    }

    char err[VG_ERRBUF_SIZE] = "";
    vg_conf *conf = NULL;
    if (vg_net_conf_load(&conf, a.config, a.sets, err) != VG_OK) {
        fprintf(stderr, "vigil net: %s\n", err);
        free(a.bpf);
        free(a.bpf_file_text);
        return 1;
    }
    if (a.nrules_excl) {
        /* with -S the configuration's rule-files are not loaded (Suricata's -S) */
        (void)vg_conf_set(conf, "rule-files", "");
    } else if (a.nrules_add) {
        /* -s: the configured rule files (those that exist), then these */
        static char paths[MAX_LIST][1024];
        const char *merged[MAX_LIST + 1];
        int n = 0;
        const char *dir = vg_conf_get(conf, "default-rule-path");
        const vg_conf_node *rf = vg_conf_node_get(conf, "rule-files");
        for (const vg_conf_node *c = rf ? rf->child : NULL; c && n < MAX_LIST; c = c->next) {
            if (!c->value || !*c->value)
                continue;
            if (c->value[0] == '/' || !dir)
                snprintf(paths[n], sizeof paths[n], "%s", c->value);
            else
                snprintf(paths[n], sizeof paths[n], "%s/%s", dir, c->value);
            if (access(paths[n], R_OK) == 0)
                merged[n] = paths[n], n++;
            else
                vg_warn("rule file %s (rule-files) not found; loading the -s files", paths[n]);
        }
        for (int i = 0; i < a.nrules_add && n < MAX_LIST; i++)
            merged[n++] = a.rules_add[i];
        merged[n] = NULL;
        memcpy(a.rules_add, merged, sizeof(const char *) * (size_t)(n + 1));
        a.nrules_add = n;
        a.o.rule_files = a.rules_add;
    }

    int status = 0;
    if (a.dump) {
        vg_conf_dump(conf, stdout);
    } else if (a.test) {
        uint32_t loaded = 0, failed = 0;
        rc = vg_engine_test_rules(conf, &a.o, &loaded, &failed, err);
        if (rc == VG_OK)
            printf("%u rules successfully loaded, %u rules failed\n", loaded, failed);
        if (rc != VG_OK) {
            fprintf(stderr, "vigil net: %s\n", err);
            status = 1;
        } else if (failed && a.o.errors_fatal) {
            status = 1;
        }
    } else if (!a.o.pcap_file == !a.o.iface) {
        fprintf(stderr, "vigil net: give -r FILE or -i IFACE\n\n");
        usage(stderr);
        status = 2;
    } else {
        vg_engine_result res;
        rc = vg_engine_run(conf, &a.o, &res, err);
        if (rc != VG_OK) {
            fprintf(stderr, "vigil net: %s\n", err);
            status = 1;
        }
        if (rc == VG_OK || res.packets) {
            if (a.o.verbose || isatty(STDOUT_FILENO))
                print_alerts(&res, stdout);
            if (!a.quiet)
                fprintf(stderr,
                        "vigil net: %llu packets, %llu alerts, %llu flows, %u rules loaded "
                        "(%u failed), %.2f s (rules %.2f s)\n",
                        (unsigned long long)res.packets, (unsigned long long)res.alerts,
                        (unsigned long long)res.flows, res.rules_loaded, res.rules_failed,
                        res.elapsed, res.rules_seconds);
        }
        vg_engine_result_free(&res);
    }
    vg_conf_free(conf);
    free(a.bpf);
    free(a.bpf_file_text);
    return status;
}
