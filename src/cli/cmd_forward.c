/*
 * cmd_forward.c: `vigil forward`: follow an EVE file and deliver its events
 * to vigil server through the on-disk spool (see src/core/forward.h).
 *
 *   vigil forward --eve FILE --server URL --state DIR [--token-file F] [--sensor NAME] [--once]
 *   vigil forward ... --respond [--nft-dry-run FILE] [--allow-net CIDR]... [--respond-interval S]
 *
 * With --respond it also enforces the server's blocks on this host with nft
 * (src/server/response.h); --eve may then be omitted (respond only).
 *
 * The token is read from --token-file or $VIGIL_TOKEN, never from the
 * command line (where other users could read it in the process list).
 */
#include <netdb.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "core/forward.h"
#include "server/response.h"

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
            "  The API token comes from --token-file or $VIGIL_TOKEN.\n"
            "  --respond          also apply the server's blocks on this host with nft\n"
            "  --nft-dry-run FILE record the nft commands in FILE instead of running them\n"
            "  --allow-net CIDR   never block this network here (repeatable; 127.0.0.0/8,\n"
            "                     ::1 and the server's address always are)\n"
            "  --respond-interval S  seconds between polls for blocks (default 5)\n");
}

/* The server's own addresses join the agent's allow-list. */
static int allow_server(vg_allowlist *al, const char *url, char *err)
{
    const char *h = strstr(url, "://");
    h = h ? h + 3 : url;
    char host[256];
    size_t n = 0;
    if (*h == '[') {
        h++;
        while (h[n] && h[n] != ']' && n < sizeof host - 1)
            n++;
    } else {
        while (h[n] && h[n] != ':' && h[n] != '/' && n < sizeof host - 1)
            n++;
    }
    memcpy(host, h, n);
    host[n] = '\0';
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *res = NULL;
    if (getaddrinfo(host, NULL, &hints, &res) != 0)
        return vg_err(err, VG_EINVAL, "cannot resolve the server address %s", host);
    int rc = VG_OK;
    for (struct addrinfo *ai = res; ai && rc == VG_OK; ai = ai->ai_next) {
        char ip[64];
        if (getnameinfo(ai->ai_addr, ai->ai_addrlen, ip, sizeof ip, NULL, 0, NI_NUMERICHOST) == 0)
            rc = vg_allow_add(al, ip, err);
    }
    freeaddrinfo(res);
    return rc;
}

typedef struct respond_thread {
    vg_respond_opts o;
    vg_respond_stats st;
    int rc;
    char err[VG_ERRBUF_SIZE];
} respond_thread;

static void *respond_main(void *arg)
{
    respond_thread *t = arg;
    t->rc = vg_respond_run(&t->o, (volatile int *)&stop, &t->st, t->err);
    if (t->rc != VG_OK)
        stop = 1;
    return NULL;
}

int vg_cmd_forward(int argc, char **argv)
{
    vg_forward_opts o = {0};
    const char *token_file = NULL;
    bool respond = false;
    static vg_allowlist allow;
    vg_allow_init(&allow);
    respond_thread rt = {.o = {.allow = &allow}};
    char err[VG_ERRBUF_SIZE];
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
        else if (strcmp(a, "--respond") == 0) respond = true;
        else if (strcmp(a, "--nft-dry-run") == 0 && v) rt.o.dry_run_file = argv[++i];
        else if (strcmp(a, "--respond-interval") == 0 && v) rt.o.interval_s = strtod(argv[++i], NULL);
        else if (strcmp(a, "--allow-net") == 0 && v) {
            if (vg_allow_add(&allow, argv[++i], err) != VG_OK) {
                fprintf(stderr, "vigil forward: %s\n", err);
                return 2;
            }
        }
        else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            return 0;
        } else {
            fprintf(stderr, "vigil forward: unknown or incomplete option %s\n", a);
            usage(stderr);
            return 2;
        }
    }
    if ((!o.eve_path && !respond) || !o.server_url || (o.eve_path && !o.state_dir)) {
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
    pthread_t th;
    bool threaded = false;
    if (respond) {
        if (allow_server(&allow, o.server_url, err) != VG_OK) {
            fprintf(stderr, "vigil forward: %s\n", err);
            return 1;
        }
        rt.o.server_url = o.server_url;
        rt.o.token = token;
        if (!o.eve_path) {
            respond_main(&rt);
        } else if (pthread_create(&th, NULL, respond_main, &rt) == 0) {
            threaded = true;
        } else {
            fprintf(stderr, "vigil forward: cannot start the responder\n");
            return 1;
        }
    }
    int rc = VG_OK;
    if (o.eve_path) {
        vg_forward_stats st;
        rc = vg_forward_run(&o, &stop, &st, err);
        fprintf(stderr, "vigil forward: %llu spooled, %llu sent, %llu waiting, %llu failed posts\n",
                (unsigned long long)st.lines_spooled, (unsigned long long)st.lines_sent,
                (unsigned long long)st.spool_lines, (unsigned long long)st.posts_failed);
        if (rc != VG_OK)
            fprintf(stderr, "vigil forward: %s\n", err);
        stop = 1;
    }
    if (threaded)
        pthread_join(th, NULL);
    if (respond) {
        fprintf(stderr, "vigil forward: blocks: %llu polls, %llu applied, %llu removed, %llu refused, "
                "%llu failed\n", (unsigned long long)rt.st.polls, (unsigned long long)rt.st.applied,
                (unsigned long long)rt.st.removed, (unsigned long long)rt.st.refused,
                (unsigned long long)rt.st.failed);
        if (rt.rc != VG_OK) {
            fprintf(stderr, "vigil forward: %s\n", rt.err);
            return 1;
        }
    }
    return rc == VG_OK ? 0 : 1;
}
