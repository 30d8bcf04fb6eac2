/*
 * cmd_server.c: `vigil server`: the central event store and API.
 *
 *   vigil server [--data DIR] [--listen ADDR:PORT] [--store URI]
 *   vigil server --data DIR user NAME ROLE [UNIT]   (password from VIGIL_PASSWORD or generated)
 *   vigil server --data DIR token USER              (prints a new API token)
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/commands.h"
#include "server/auth.h"
#include "server/server.h"

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
    (void)sig;
    stop = 1;
}

static void usage(FILE *fp)
{
    fprintf(fp,
            "usage: vigil server [--data DIR] [--listen ADDR:PORT] [--store URI]\n"
            "       vigil server [--data DIR | --store URI] user NAME ROLE [UNIT]\n"
            "       vigil server [--data DIR | --store URI] token USER\n"
            "\n"
            "  --data DIR         state directory (SQLite store vigil.db); default ./vigil-data\n"
            "  --listen ADDR:PORT address to serve the API on; default 127.0.0.1:8088\n"
            "  --store URI        postgresql://... to use PostgreSQL instead of SQLite\n"
            "  user NAME ROLE     create or update a user (ROLE admin|analyst|viewer|sensor);\n"
            "                     the password is read from $VIGIL_PASSWORD or generated and printed\n"
            "  token USER         issue an API token for USER (printed once)\n");
}

int vg_cmd_server(int argc, char **argv)
{
    vg_server_opts o = {.data_dir = "vigil-data", .listen = "127.0.0.1:8088"};
    int i = 1;
    for (; i < argc; i++) {
        const char *a = argv[i];
        if ((strcmp(a, "--data") == 0 || strcmp(a, "--listen") == 0 || strcmp(a, "--store") == 0) &&
            i + 1 < argc) {
            if (a[2] == 'd')
                o.data_dir = argv[++i];
            else if (a[2] == 'l')
                o.listen = argv[++i];
            else
                o.store_uri = argv[++i];
        } else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            return 0;
        } else if (a[0] == '-') {
            fprintf(stderr, "vigil server: unknown option %s\n", a);
            usage(stderr);
            return 2;
        } else {
            break;
        }
    }
    const char *verb = i < argc ? argv[i] : NULL;
    if (verb) /* admin verbs: open the store without serving */
        o.listen = "127.0.0.1:0";
    char err[VG_ERRBUF_SIZE];
    vg_server *s;
    if (vg_server_start(&s, &o, err) != VG_OK) {
        fprintf(stderr, "vigil server: %s\n", err);
        return 1;
    }
    int rc = 0;
    if (verb && strcmp(verb, "user") == 0 && i + 2 < argc) {
        char gen[25];
        const char *pw = getenv("VIGIL_PASSWORD");
        if (!pw || !pw[0]) {
            if (vg_random_password(gen, 20) != VG_OK) {
                fprintf(stderr, "vigil server: no randomness\n");
                vg_server_stop(s);
                return 1;
            }
            pw = gen;
            printf("password for %s: %s\n", argv[i + 1], gen);
        }
        if (vg_server_user_add(s, argv[i + 1], pw, argv[i + 2], i + 3 < argc ? argv[i + 3] : "",
                               err) != VG_OK) {
            fprintf(stderr, "vigil server: %s\n", err);
            rc = 1;
        }
    } else if (verb && strcmp(verb, "token") == 0 && i + 1 < argc) {
        char tok[65];
        if (vg_server_token_add(s, argv[i + 1], tok, err) != VG_OK) {
            fprintf(stderr, "vigil server: %s\n", err);
            rc = 1;
        } else {
            printf("%s\n", tok);
        }
    } else if (verb) {
        usage(stderr);
        rc = 2;
    } else {
        if (vg_server_needs_admin(s)) {
            char pw[25];
            if (vg_random_password(pw, 20) == VG_OK &&
                vg_server_user_add(s, "admin", pw, "admin", "", err) == VG_OK)
                printf("vigil server: created user admin with password %s (shown once)\n", pw);
        }
        printf("vigil server: listening on http://%s (port %d), store %s\n", o.listen,
               vg_server_port(s), o.store_uri ? "postgresql" : o.data_dir);
        fflush(stdout);
        signal(SIGINT, on_signal);
        signal(SIGTERM, on_signal);
        while (!stop)
            pause();
        printf("vigil server: stopping\n");
    }
    vg_server_stop(s);
    return rc;
}
