/*
 * main.c: vigil's multi-call entry point.  `vigil SUBCOMMAND ...` dispatches
 * through one table; `vigil help`, `vigil --version`.
 */
#include <stdio.h>
#include <string.h>

#include "cli/commands.h"

struct command {
    const char *name;
    int (*fn)(int argc, char **argv);
    const char *summary;
};

static const struct command commands[] = {
    {"up", vg_cmd_up, "run everything on this host (server, agent, inspection, sensor)"},
    {"net", vg_cmd_net, "network monitoring: Suricata-compatible signatures, EVE output"},
    {"host", vg_cmd_host, "host monitoring: logs (Wazuh/OSSEC rules), file integrity"},
    {"inspect", vg_cmd_inspect, "inspection: configuration, vulnerable packages, malware, websites"},
    {"appraise", vg_cmd_appraise, "pre-deployment appraisal of a system's design dossier"},
    {"server", vg_cmd_server, "central server: event store, incidents, API and dashboard"},
    {"forward", vg_cmd_forward, "deliver an EVE file's events to a server through a disk spool"},
    {NULL, NULL, NULL},
};

static void usage(FILE *fp)
{
    fprintf(fp, "usage: vigil COMMAND [ARGS...]\n\ncommands:\n");
    for (const struct command *c = commands; c->name; c++)
        fprintf(fp, "  %-9s %s\n", c->name, c->summary);
    fprintf(fp, "  %-9s %s\n", "help", "this text; `vigil help COMMAND` for a command's options");
    fprintf(fp, "\n`vigil --version` prints the version.\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    const char *name = argv[1];
    if (strcmp(name, "--version") == 0 || strcmp(name, "-V") == 0 || strcmp(name, "version") == 0) {
        printf("vigil %s\n", VG_VERSION);
        return 0;
    }
    if (strcmp(name, "help") == 0 || strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0) {
        if (argc > 2) {
            for (const struct command *c = commands; c->name; c++)
                if (strcmp(c->name, argv[2]) == 0) {
                    char *hargv[] = {argv[2], "--help", NULL};
                    return c->fn(2, hargv);
                }
            fprintf(stderr, "vigil: no such command '%s'\n", argv[2]);
            return 2;
        }
        usage(stdout);
        return 0;
    }
    for (const struct command *c = commands; c->name; c++)
        if (strcmp(c->name, name) == 0)
            return c->fn(argc - 1, argv + 1);
    fprintf(stderr, "vigil: no such command '%s'\n\n", name);
    usage(stderr);
    return 2;
}
