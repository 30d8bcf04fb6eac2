/*
 * cmd_forward.c: `vigil forward`: follow an EVE file and deliver its events
 * to vigil server through the on-disk spool (see src/core/forward.h).
 *
 *   vigil forward --eve FILE --server URL --state DIR [--token-file F] [--sensor NAME] [--once]
 *
 * The token is read from --token-file or $VIGIL_TOKEN, never from the
 * command line (where other users could read it in the process list).
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "core/forward.h"

static volatile int stop;

static void on_signal(int sig)
{
    (void)sig;
    stop = 1;
}

static void usage(FILE *fp)
{
    fprintf(fp,
            "usage: vigil forward --eve FILE --server URL --state DIR [--token-file F]\n"
            "                     [--sensor NAME] [--spool-max BYTES] [--batch N] [--once]\n"
            "  Follows FILE, spools each event on disk (DIR/spool.db) and posts it to\n"
            "  URL/api/v1/events; an event leaves the spool only after the server stored it.\n"
            "  The API token comes from --token-file or $VIGIL_TOKEN.\n");
}

int vg_cmd_forward(int argc, char **argv)
{
    vg_forward_opts o = {0};
    const char *token_file = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--eve") == 0 && v) o.eve_path = argv[++i];
        else if (strcmp(a, "--server") == 0 && v) o.server_url = argv[++i];
        else if (strcmp(a, "--state") == 0 && v) o.state_dir = argv[++i];
        else if (strcmp(a, "--token-file") == 0 && v) token_file = argv[++i];
        else if (strcmp(a, "--sensor") == 0 && v) o.sensor = argv[++i];
        else if (strcmp(a, "--spool-max") == 0 && v) o.spool_max_bytes = strtoull(argv[++i], NULL, 10);
        else if (strcmp(a, "--batch") == 0 && v) o.batch = (unsigned)strtoul(argv[++i], NULL, 10);
        else if (strcmp(a, "--once") == 0) o.once = true;
        else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            return 0;
        } else {
            fprintf(stderr, "vigil forward: unknown or incomplete option %s\n", a);
            usage(stderr);
            return 2;
        }
    }
    if (!o.eve_path || !o.server_url || !o.state_dir) {
        usage(stderr);
        return 2;
    }
    char token[256] = "";
    if (token_file) {
        FILE *fp = fopen(token_file, "r");
        if (!fp || !fgets(token, sizeof token, fp)) {
            fprintf(stderr, "vigil forward: cannot read token file %s\n", token_file);
            if (fp)
                fclose(fp);
            return 1;
        }
        fclose(fp);
        token[strcspn(token, "\r\n")] = '\0';
    } else if (getenv("VIGIL_TOKEN")) {
        snprintf(token, sizeof token, "%s", getenv("VIGIL_TOKEN"));
    }
    o.token = token;
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    vg_forward_stats st;
    char err[VG_ERRBUF_SIZE];
    int rc = vg_forward_run(&o, &stop, &st, err);
    fprintf(stderr, "vigil forward: %llu spooled, %llu sent, %llu waiting, %llu failed posts\n",
            (unsigned long long)st.lines_spooled, (unsigned long long)st.lines_sent,
            (unsigned long long)st.spool_lines, (unsigned long long)st.posts_failed);
    if (rc != VG_OK) {
        fprintf(stderr, "vigil forward: %s\n", err);
        return 1;
    }
    return 0;
}
