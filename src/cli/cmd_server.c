/*
 * cmd_server.c: `vigil server`: the central event store and API.
 *
 *   vigil server [--data DIR] [--listen ADDR:PORT] [--store URI] [options, see usage()]
 *   vigil server --data DIR user NAME ROLE [UNIT]   (password from VIGIL_PASSWORD or generated)
 *   vigil server --data DIR token USER              (prints a new API token)
 *   vigil server --data DIR certs [--agent NAME] [--json]   (the certificate register)
 *   vigil server --data DIR revoke (--serial S | --agent NAME) --reason R
 */
#include <inttypes.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
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
            "       vigil server --data DIR enroll [--name NAME] [--unit UNIT]\n"
            "       vigil server --data DIR certs [--agent NAME] [--json]\n"
            "       vigil server --data DIR revoke (--serial S | --agent NAME) --reason R\n"
            "\n"
            "  --data DIR         state directory (SQLite store vigil.db); default ./vigil-data\n"
            "  --listen ADDR:PORT address to serve the API on; default 127.0.0.1:8088 (plain\n"
            "                     HTTP only on 127.0.0.1; other addresses need --tls)\n"
            "  --tls              HTTPS with client certificates from the server's own CA\n"
            "                     (created in DIR on first start); senders enrol for one\n"
            "  --cert-lifetime S  lifetime of the client certificates issued, in seconds\n"
            "                     (default 2 years); senders renew at a third left\n"
            "  --store URI        postgresql://... to use PostgreSQL instead of SQLite\n"
            "  --retention-max M  keep no event longer than M months (default 60, at least 12)\n"
            "  --retention-default M  months kept for hosts in no information system (default 12)\n"
            "  --prune-interval S pruning timer in seconds (default 3600)\n"
            "  --allow-net CIDR   never block this network (repeatable; 127.0.0.0/8, ::1 and\n"
            "                     the listen address always are)\n"
            "  --block-sid N      block the source of alerts with signature id N (repeatable)\n"
            "  --block-severity N block the source of alerts of severity 1..N\n"
            "  --block-duration S automatic blocks last S seconds (default 3600)\n"
            "  --webhook URL      POST new incidents (severity <= --notify-severity) as JSON\n"
            "  --smtp URL         smtp://host:port to mail new incidents (credentials from\n"
            "                     $VIGIL_SMTP_USER / $VIGIL_SMTP_PASSWORD), with\n"
            "  --mail-from ADDR --mail-to ADDR[,ADDR...]\n"
            "  --notify-severity N  notify incidents of severity 1..N (default 2)\n"
            "  --notify-interval S  seconds between notification rounds (default 2)\n"
            "  --public-url URL   dashboard URL used in notifications\n"
            "  user NAME ROLE     create or update a user (ROLE admin|analyst|viewer|sensor);\n"
            "                     the password is read from $VIGIL_PASSWORD or generated and printed\n"
            "  token USER         issue an API token for USER (printed once)\n"
            "  enroll [--name N] [--unit U]  a one-time enrolment token for sender N (default:\n"
            "                     sensor-<random>), valid 24 h, printed as TOKEN.CA_FINGERPRINT\n"
            "                     for `vigil forward --enroll https://HOST:PORT TOKEN`\n"
            "  certs              list the client certificates issued (serial, agent, unit,\n"
            "                     issued, expires, revoked: when, by whom, why)\n"
            "  revoke             revoke one certificate (--serial, as `certs` prints it) or\n"
            "                     every certificate of an agent (--agent); --reason is\n"
            "                     required; a running server refuses it at once (403)\n");
}

/* The register as a table, one certificate a line. */
static void print_certs(json_t *a)
{
    int64_t now = (int64_t)time(NULL) * 1000000;
    printf("%-34s %-20s %-12s %-19s %-19s %s\n", "SERIAL", "AGENT", "UNIT", "ISSUED (UTC)",
           "EXPIRES (UTC)", "STATUS");
    size_t k;
    json_t *c;
    json_array_foreach(a, k, c) {
        char iss[32], exp[32], at[32], status[400];
        int64_t e = json_integer_value(json_object_get(c, "expires_us"));
        time_t ti = (time_t)(json_integer_value(json_object_get(c, "issued_us")) / 1000000);
        time_t te = (time_t)(e / 1000000);
        struct tm tm;
        strftime(iss, sizeof iss, "%Y-%m-%d %H:%M:%S", gmtime_r(&ti, &tm));
        strftime(exp, sizeof exp, "%Y-%m-%d %H:%M:%S", gmtime_r(&te, &tm));
        json_t *rv = json_object_get(c, "revoked_at_us");
        if (rv) {
            time_t tr = (time_t)(json_integer_value(rv) / 1000000);
            strftime(at, sizeof at, "%Y-%m-%d %H:%M:%S", gmtime_r(&tr, &tm));
            snprintf(status, sizeof status, "revoked %s by %s: %s", at,
                     json_string_value(json_object_get(c, "revoked_by")),
                     json_string_value(json_object_get(c, "reason")));
        } else {
            snprintf(status, sizeof status, "%s", e < now ? "expired" : "valid");
        }
        const char *from = json_string_value(json_object_get(c, "renewed_from"));
        printf("%-34s %-20s %-12s %-19s %-19s %s%s%s\n",
               json_string_value(json_object_get(c, "serial")),
               json_string_value(json_object_get(c, "name")),
               json_string_value(json_object_get(c, "unit")), iss, exp, status,
               from ? "; renews " : "", from ? from : "");
    }
}

static int int_arg(const char *opt, const char *v, int lo, int hi, int *out)
{
    char *end;
    long x = strtol(v, &end, 10);
    if (!*v || *end || x < lo || x > hi) {
        fprintf(stderr, "vigil server: %s %s: expected a number %d-%d\n", opt, v, lo, hi);
        return -1;
    }
    *out = (int)x;
    return 0;
}

int vg_cmd_server(int argc, char **argv)
{
    vg_server_opts o = {.data_dir = "vigil-data", .listen = "127.0.0.1:8088"};
    const char *allow[VG_ALLOW_MAX];
    int nallow = 0;
    o.allow_nets = allow;
    int i = 1;
    for (; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--data") == 0 && v) o.data_dir = argv[++i];
        else if (strcmp(a, "--listen") == 0 && v) o.listen = argv[++i];
        else if (strcmp(a, "--store") == 0 && v) o.store_uri = argv[++i];
        else if (strcmp(a, "--tls") == 0) o.tls = true;
        else if (strcmp(a, "--cert-lifetime") == 0 && v) {
            int x;
            if (int_arg(a, argv[++i], 10, 20 * 366 * 86400, &x) != 0)
                return 2;
            o.cert_lifetime_s = x;
        }
        else if (strcmp(a, "--retention-max") == 0 && v) {
            if (int_arg(a, argv[++i], 12, 1200, &o.retention_max_months) != 0)
                return 2;
        } else if (strcmp(a, "--retention-default") == 0 && v) {
            if (int_arg(a, argv[++i], 1, 1200, &o.retention_default_months) != 0)
                return 2;
        } else if (strcmp(a, "--prune-interval") == 0 && v) {
            int x;
            if (int_arg(a, argv[++i], 1, 86400 * 7, &x) != 0)
                return 2;
            o.prune_interval_s = (unsigned)x;
        } else if (strcmp(a, "--allow-net") == 0 && v) {
            if (nallow >= (int)VG_ARRAY_LEN(allow) - 1) {
                fprintf(stderr, "vigil server: too many --allow-net\n");
                return 2;
            }
            allow[nallow++] = argv[++i];
        } else if (strcmp(a, "--block-sid") == 0 && v) {
            int x;
            if (o.block_rules.nsids >= (int)VG_ARRAY_LEN(o.block_rules.sids) ||
                int_arg(a, argv[++i], 1, 2147483647, &x) != 0)
                return 2;
            o.block_rules.sids[o.block_rules.nsids++] = x;
        } else if (strcmp(a, "--block-severity") == 0 && v) {
            if (int_arg(a, argv[++i], 1, 4, &o.block_rules.max_severity) != 0)
                return 2;
        } else if (strcmp(a, "--block-duration") == 0 && v) {
            if (int_arg(a, argv[++i], VG_BLOCK_MIN_S, VG_BLOCK_MAX_S, &o.block_rules.duration_s) != 0)
                return 2;
        } else if (strcmp(a, "--webhook") == 0 && v) {
            o.notify.webhook_url = argv[++i];
        } else if (strcmp(a, "--smtp") == 0 && v) {
            o.notify.smtp_url = argv[++i];
        } else if (strcmp(a, "--mail-from") == 0 && v) {
            o.notify.mail_from = argv[++i];
        } else if (strcmp(a, "--mail-to") == 0 && v) {
            o.notify.mail_to = argv[++i];
        } else if (strcmp(a, "--notify-severity") == 0 && v) {
            if (int_arg(a, argv[++i], 1, 4, &o.notify.max_severity) != 0)
                return 2;
        } else if (strcmp(a, "--notify-interval") == 0 && v) {
            char *end;
            o.notify_interval_s = strtod(argv[++i], &end);
            if (*end || o.notify_interval_s < 0.05 || o.notify_interval_s > 3600) {
                fprintf(stderr, "vigil server: --notify-interval: 0.05-3600 seconds\n");
                return 2;
            }
            o.notify.retry_base_s = o.notify_interval_s * 10;
        } else if (strcmp(a, "--public-url") == 0 && v) {
            o.notify.dashboard_url = argv[++i];
        } else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            return 0;
        } else if (a[0] == '-') {
            fprintf(stderr, "vigil server: unknown or incomplete option %s\n", a);
            usage(stderr);
            return 2;
        } else {
            break;
        }
    }
    allow[nallow] = NULL;
    o.notify.smtp_user = getenv("VIGIL_SMTP_USER");
    o.notify.smtp_password = getenv("VIGIL_SMTP_PASSWORD");
    char public_url[300];
    if (!o.notify.dashboard_url) {
        snprintf(public_url, sizeof public_url, "http://%s", o.listen);
        o.notify.dashboard_url = public_url;
    }
    const char *verb = i < argc ? argv[i] : NULL;
    if (verb) { /* admin verbs: open the store without serving */
        o.listen = "127.0.0.1:0";
        o.no_timers = true;
        o.tls = false;
    }
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
    } else if (verb && strcmp(verb, "enroll") == 0) {
        const char *name = NULL, *unit = "";
        char gen[40];
        for (int k = i + 1; k < argc; k++) {
            if (strcmp(argv[k], "--name") == 0 && k + 1 < argc)
                name = argv[++k];
            else if (strcmp(argv[k], "--unit") == 0 && k + 1 < argc)
                unit = argv[++k];
            else
                rc = 2;
        }
        if (!name) {
            char r[9];
            if (vg_random_password(r, 8) != VG_OK)
                rc = 1;
            snprintf(gen, sizeof gen, "sensor-%s", r);
            name = gen;
        }
        char out[131];
        if (rc == 2) {
            usage(stderr);
        } else if (rc == 0 && vg_server_enroll(s, o.data_dir, name, unit, out, err) != VG_OK) {
            fprintf(stderr, "vigil server: %s\n", err);
            rc = 1;
        } else if (rc == 0) {
            printf("enrolment token for %s (one use, 24 h; TOKEN.CA_FINGERPRINT):\n%s\n", name, out);
        }
    } else if (verb && strcmp(verb, "revoke") == 0) {
        const char *serial = NULL, *agent = NULL, *reason = NULL;
        for (int k = i + 1; k < argc; k++) {
            if (strcmp(argv[k], "--serial") == 0 && k + 1 < argc)
                serial = argv[++k];
            else if (strcmp(argv[k], "--agent") == 0 && k + 1 < argc)
                agent = argv[++k];
            else if (strcmp(argv[k], "--reason") == 0 && k + 1 < argc)
                reason = argv[++k];
            else
                rc = 2;
        }
        int64_t n = 0;
        if (rc == 2 || (!serial == !agent) || !reason) {
            fprintf(stderr, "vigil server: revoke needs --serial S or --agent NAME, and --reason R\n");
            rc = 2;
        } else if (vg_server_cert_revoke(s, serial, agent, reason, &n, err) != VG_OK) {
            fprintf(stderr, "vigil server: %s\n", err);
            rc = 1;
        } else {
            printf("revoked %lld certificate(s)\n", (long long)n);
        }
    } else if (verb && strcmp(verb, "certs") == 0) {
        const char *agent = NULL;
        bool as_json = false;
        for (int k = i + 1; k < argc; k++) {
            if (strcmp(argv[k], "--agent") == 0 && k + 1 < argc)
                agent = argv[++k];
            else if (strcmp(argv[k], "--json") == 0)
                as_json = true;
            else
                rc = 2;
        }
        json_t *a = rc == 0 ? vg_server_certs(s, agent, err) : NULL;
        if (rc == 2) {
            usage(stderr);
        } else if (!a) {
            fprintf(stderr, "vigil server: %s\n", err);
            rc = 1;
        } else if (as_json) {
            char *t = json_dumps(a, JSON_INDENT(1));
            printf("%s\n", t ? t : "[]");
            free(t);
        } else {
            print_certs(a);
        }
        json_decref(a);
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
        printf("vigil server: listening on %s://%s (port %d), store %s\n",
               o.tls ? "https" : "http", o.listen, vg_server_port(s),
               o.store_uri ? "postgresql" : o.data_dir);
        if (o.tls)
            printf("vigil server: CA fingerprint (SHA-256) %s\n", vg_server_ca_fingerprint(s));
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
