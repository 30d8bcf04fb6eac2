/*
 * cmd_host.c: `vigil host`: host monitoring.
 *
 *   vigil host logtest [--rules-dir DIR] [--json] [--location NAME]
 *       reads log lines on stdin as one session and prints, for each, the
 *       decoder, the fields and the rule (like wazuh-logtest).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include "cli/commands.h"
#include "core/jbuf.h"
#include "host/host.h"
#include "host/ruleset.h"

static void usage(FILE *fp)
{
    fprintf(fp,
            "usage: vigil host logtest [--rules-dir DIR] [--json] [--location NAME]\n"
            "       vigil host -c vigil.yaml [--set key=value]...\n"
            "\n"
            "logtest reads log lines on stdin (one session, in order) and prints the\n"
            "decoder, the decoded fields and the rule each line fires.  --rules-dir takes\n"
            "a Wazuh-style tree (decoders/, rules/, lists/) or a directory of .xml files;\n"
            "the default is vigil's own ruleset (%s).\n",
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

int vg_cmd_host(int argc, char **argv)
{
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
