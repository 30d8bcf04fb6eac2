/*
 * daemon.c: `vigil host -c vigil.yaml`: follows log files, listens for
 * syslog, runs the rules, watches file integrity, writes `log` and `fim`
 * events to eve.json.  One thread runs the loop (the rules session is
 * single-threaded by design); FIM hashing uses its own threads.
 *
 * Configuration (section `host:` of vigil.yaml; every key has a default):
 *   rules-dir      ruleset location (default: vigil's own)
 *   eve            output file (default STATE_DIR/host-eve.json)
 *   state-dir      positions and FIM baseline (default /var/lib/vigil)
 *   store          local SQLite event store (default STATE_DIR/events.db; "none" disables)
 *   min-level      lowest rule level written (default 3)
 *   files          list of log files to follow: paths, or {path, multiline}
 *                  where multiline is a PCRE2 matching a record's first line
 *   read-from-start  read files with no saved position from the start (no)
 *   syslog.udp / syslog.tcp   "ADDR:PORT" listeners (off unless set)
 *   journal        "yes" (system journal), a directory or a file (off)
 *   user / group   run as this user (and group) once everything is open, when
 *                  started as root (off: stays root; --user/--group override;
 *                  see privdrop.h for what is kept)
 *   fim.enabled, fim.paths, fim.ignore, fim.scan-interval (s, 43200),
 *   fim.realtime (yes), fim.threads (2), fim.max-size (1gb), fim.database-files
 *   (files or trees of databases: only deletion and truncation reported)
 */
#include "host/host.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "core/conf.h"
#include "core/eve.h"
#include "core/log.h"
#include "host/fim.h"
#include "host/follow.h"
#include "host/journal.h"
#include "host/log_event.h"
#include "host/privdrop.h"
#include "host/syslogd.h"

static volatile sig_atomic_t stop_flag;

static void on_signal(int sig)
{
    (void)sig;
    stop_flag = 1;
}

typedef struct dctx {
    vg_hsession *s;
    vg_eve *eve;
    vg_jb jb;
    int min_level;
    char host[256];
    uint64_t lines, alerts, fim_events;
} dctx;

static void on_line(void *ctx, const char *location, const char *line, size_t len)
{
    dctx *d = ctx;
    struct timeval tv;
    gettimeofday(&tv, NULL);
    d->lines++;
    const vg_hevent *e = vg_hsession_process(d->s, line, len, location, (double)tv.tv_sec + tv.tv_usec / 1e6);
    if (vg_hevent_alerts(e) && vg_hevent_rule_level(e) >= d->min_level) {
        d->alerts++;
        vg_host_log_event(&d->jb, e, &tv, d->host, location, line, len);
        (void)vg_eve_write(d->eve, &d->jb);
    }
}

static void on_syslog(void *ctx, const char *peer, const char *msg, size_t len)
{
    char loc[96];
    snprintf(loc, sizeof(loc), "syslog:%s", peer);
    on_line(ctx, loc, msg, len);
}

static void on_fim(void *ctx, const vg_fim_change *c)
{
    dctx *d = ctx;
    d->fim_events++;
    vg_fim_event(&d->jb, c, d->host);
    (void)vg_eve_write(d->eve, &d->jb);
}

/* Scalars of a sequence node (or a single scalar). */
static int seq_values(const vg_conf_node *n, const char **out, int max)
{
    int k = 0;
    if (!n)
        return 0;
    if (n->value) {
        out[k++] = n->value;
        return k;
    }
    for (const vg_conf_node *c = n->child; c && k < max; c = c->next) {
        if (c->value)
            out[k++] = c->value;
        else {
            const vg_conf_node *p = vg_conf_node_child(c, "path");
            if (p && p->value)
                out[k++] = p->value;
        }
    }
    return k;
}

/* Unknown keys under host: are errors naming the key and its file:line. */
static int check_keys(const vg_conf *conf, char *errbuf)
{
    static const char *top[] = {"rules-dir", "state-dir", "eve", "store", "min-level", "files", "read-from-start",
                                "syslog", "journal", "fim", "user", "group", NULL};
    static const char *sys[] = {"udp", "tcp", NULL};
    static const char *fim[] = {"enabled", "paths", "ignore", "scan-interval", "realtime", "threads",
                                "max-size", "database-files", NULL};
    const vg_conf_node *h = vg_conf_node_get(conf, "host");
    if (!h)
        return VG_OK;
    for (const vg_conf_node *c = h->child; c; c = c->next) {
        const char **allowed = top;
        bool ok = false;
        for (int i = 0; allowed[i]; i++)
            ok |= strcmp(c->name, allowed[i]) == 0;
        char where[256];
        if (!ok)
            return vg_err(errbuf, VG_EINVAL, "%s: host.%s: unknown key",
                          vg_conf_node_where(c, where, sizeof(where)), c->name);
        const char **sub = strcmp(c->name, "syslog") == 0 ? sys : strcmp(c->name, "fim") == 0 ? fim : NULL;
        for (const vg_conf_node *k = sub ? c->child : NULL; k; k = k->next) {
            bool kok = false;
            for (int i = 0; sub[i]; i++)
                kok |= strcmp(k->name, sub[i]) == 0;
            if (!kok)
                return vg_err(errbuf, VG_EINVAL, "%s: host.%s.%s: unknown key",
                              vg_conf_node_where(k, where, sizeof(where)), c->name, k->name);
        }
    }
    const char *ml = vg_conf_get(conf, "host.min-level");
    int64_t v;
    if (ml && (vg_conf_parse_int(ml, &v) < 0 || v < 0 || v > 16)) {
        char where[256];
        return vg_err(errbuf, VG_EINVAL, "%s: host.min-level: '%s' is not a level 0-16",
                      vg_conf_node_where(vg_conf_node_get(conf, "host.min-level"), where, sizeof(where)), ml);
    }
    return VG_OK;
}

static int run(vg_conf *conf, char *errbuf)
{
    int crc = check_keys(conf, errbuf);
    if (crc < 0)
        return crc;
    const char *state = vg_conf_get_str(conf, "host.state-dir", "/var/lib/vigil");
    if (mkdir(state, 0750) < 0 && errno != EEXIST)
        return vg_err(errbuf, VG_EIO, "host.state-dir %s: %s", state, strerror(errno));
    char path[4096];
    const char *eve_path = vg_conf_get(conf, "host.eve");
    if (!eve_path) {
        snprintf(path, sizeof(path), "%s/host-eve.json", state);
        eve_path = path;
    }
    dctx d;
    memset(&d, 0, sizeof(d));
    int64_t ml = vg_conf_get_int(conf, "host.min-level", 3);
    d.min_level = (int)(ml < 0 ? 0 : ml > 16 ? 16 : ml);
    gethostname(d.host, sizeof(d.host) - 1);
    vg_hruleset *rs = NULL;
    vg_follow *fol = NULL;
    vg_syslogd *sd = NULL;
    vg_fim *fim = NULL;
    vg_journal *jr = NULL;
    int rc = vg_host_load_ruleset(&rs, vg_conf_get(conf, "host.rules-dir"), errbuf);
    if (rc < 0)
        goto out;
    if ((rc = vg_hsession_new(&d.s, rs)) < 0) {
        vg_err(errbuf, rc, "session: %s", vg_strerror(rc));
        goto out;
    }
    if ((rc = vg_eve_open(&d.eve, eve_path, false, errbuf)) < 0)
        goto out;
    /* The local store: every event also lands in STATE_DIR/events.db (or
     * host.store), which `vigil forward` or a later query can read. */
    char storebuf[4096];
    const char *store = vg_conf_get(conf, "host.store");
    if (!store) {
        snprintf(storebuf, sizeof(storebuf), "%s/events.db", state);
        store = storebuf;
    }
    if (strcmp(store, "none") != 0 && (rc = vg_eve_add_store(d.eve, store, errbuf)) < 0)
        goto out;
    vg_jb_init(&d.jb);
    /* log files */
    char db[4096];
    snprintf(db, sizeof(db), "%s/host.db", state);
    if ((rc = vg_follow_open(&fol, db, errbuf)) < 0)
        goto out;
    const char *files[256];
    int nfiles = seq_values(vg_conf_node_get(conf, "host.files"), files, 256);
    bool from_start = vg_conf_get_bool(conf, "host.read-from-start", false);
    const vg_conf_node *fl = vg_conf_node_get(conf, "host.files");
    const vg_conf_node *item = fl && !fl->value ? fl->child : NULL;
    for (int i = 0; i < nfiles; i++, item = item ? item->next : NULL) {
        if ((rc = vg_follow_add(fol, files[i], from_start, errbuf)) < 0)
            goto out;
        const vg_conf_node *ml = item ? vg_conf_node_child(item, "multiline") : NULL;
        if (ml && ml->value && (rc = vg_follow_set_multiline(fol, ml->value, errbuf)) < 0)
            goto out;
    }
    /* systemd journal */
    const char *jv = vg_conf_get(conf, "host.journal");
    bool jon = false;
    if (jv && (vg_conf_parse_bool(jv, &jon) < 0 || jon)) {
        if ((rc = vg_journal_open(&jr, jon ? NULL : jv, db, from_start, errbuf)) < 0)
            goto out;
    }
    /* FIM */
    int64_t fim_every = vg_conf_get_int(conf, "host.fim.scan-interval", 43200);
    if (vg_conf_get_bool(conf, "host.fim.enabled", false)) {
        const char *paths[256], *ign[256];
        static const char *dflt[] = {"/etc", "/bin", "/sbin", "/usr/bin", "/usr/sbin", "/boot"};
        int np = seq_values(vg_conf_node_get(conf, "host.fim.paths"), paths, 256);
        if (np == 0) {
            np = (int)VG_ARRAY_LEN(dflt);
            memcpy(paths, dflt, sizeof(dflt));
        }
        int ni = seq_values(vg_conf_node_get(conf, "host.fim.ignore"), ign, 256);
        const char *dpaths[256];
        int nd = seq_values(vg_conf_node_get(conf, "host.fim.database-files"), dpaths, 256);
        char fdb[4096];
        snprintf(fdb, sizeof(fdb), "%s/fim.db", state);
        vg_fim_opts fo = {paths, np, ign, ni, vg_conf_get_size(conf, "host.fim.max-size", 1ull << 30),
                          (int)vg_conf_get_int(conf, "host.fim.threads", 2),
                          vg_conf_get_bool(conf, "host.fim.realtime", true), 0, fdb, dpaths, nd};
        if ((rc = vg_fim_open(&fim, &fo, errbuf)) < 0)
            goto out;
        vg_fim_scan_stats st;
        if ((rc = vg_fim_scan(fim, on_fim, &d, &st, errbuf)) < 0)
            goto out;
        vg_notice("vigil host: FIM scan: %llu files, %llu hashed, %llu changes in %.1f s",
                  (unsigned long long)st.files, (unsigned long long)st.hashed,
                  (unsigned long long)(st.added + st.modified + st.deleted + st.attributes), st.seconds);
    }
    /* listeners last: a client that can connect finds everything ready */
    /* syslog */
    const char *udp = vg_conf_get(conf, "host.syslog.udp"), *tcp = vg_conf_get(conf, "host.syslog.tcp");
    if ((udp || tcp) && (rc = vg_syslogd_open(&sd, udp, tcp, errbuf)) < 0)
        goto out;
    /* everything that needs root is open: drop it (host.user, --user) */
    const char *own[] = {state, eve_path, strcmp(store, "none") != 0 ? store : NULL, NULL};
    if ((rc = vg_host_drop_privileges(vg_conf_get(conf, "host.user"), vg_conf_get(conf, "host.group"), own,
                                      errbuf)) < 0)
        goto out;
    signal(SIGTERM, on_signal);
    signal(SIGINT, on_signal);
    signal(SIGPIPE, SIG_IGN);
    vg_notice("vigil host: running: %d files, syslog %s, journal %s, FIM %s; events to %s", nfiles,
              sd ? "on" : "off", jr ? "on" : "off", fim ? "on" : "off", eve_path);
    time_t last_scan = time(NULL);
    while (!stop_flag) {
        struct pollfd fds[300];
        int n = 0;
        int ffd = vg_follow_fd(fol);
        if (ffd >= 0)
            fds[n++] = (struct pollfd){ffd, POLLIN, 0};
        int mfd = fim ? vg_fim_fd(fim) : -1;
        if (mfd >= 0)
            fds[n++] = (struct pollfd){mfd, POLLIN, 0};
        int jfd = jr ? vg_journal_fd(jr) : -1;
        if (jfd >= 0)
            fds[n++] = (struct pollfd){jfd, POLLIN, 0};
        int s0 = n;
        if (sd)
            n += vg_syslogd_pollfds(sd, fds + n, (int)VG_ARRAY_LEN(fds) - n);
        int r = poll(fds, (nfds_t)n, 1000);
        if (r < 0 && errno != EINTR)
            break;
        if (sd && r > 0)
            vg_syslogd_handle(sd, fds + s0, n - s0, on_syslog, &d);
        if (fim && mfd >= 0)
            vg_fim_realtime(fim, on_fim, &d);
        vg_follow_poll(fol, on_line, &d);
        if (jr)
            vg_journal_poll(jr, on_line, &d);
        if (fim && fim_every > 0 && time(NULL) - last_scan >= fim_every) {
            vg_fim_scan_stats st;
            if (vg_fim_scan(fim, on_fim, &d, &st, errbuf) < 0)
                vg_warn("vigil host: FIM scan: %s", errbuf);
            last_scan = time(NULL);
        }
        /* events first, then positions: a crash re-reads, never skips */
        vg_eve_flush(d.eve);
        if (vg_follow_save(fol, errbuf) < 0)
            vg_warn("vigil host: %s", errbuf);
        if (jr && vg_journal_save(jr, errbuf) < 0)
            vg_warn("vigil host: %s", errbuf);
    }
    vg_notice("vigil host: stopping: %llu lines, %llu alerts, %llu FIM events", (unsigned long long)d.lines,
              (unsigned long long)d.alerts, (unsigned long long)d.fim_events);
    rc = VG_OK;
out:
    if (d.eve)
        vg_eve_flush(d.eve);
    vg_follow_close(fol);
    vg_journal_close(jr);
    vg_syslogd_close(sd);
    vg_fim_close(fim);
    vg_jb_free(&d.jb);
    vg_eve_close(d.eve);
    vg_hsession_free(d.s);
    vg_hruleset_free(rs);
    return rc;
}

int vg_host_daemon_main(int argc, char **argv)
{
    const char *cfg = NULL;
    vg_conf *conf = vg_conf_new();
    if (!conf)
        return 1;
    char errbuf[VG_ERRBUF_SIZE];
    int rc = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-c") == 0 && i + 1 < argc) {
            cfg = argv[++i];
            if (vg_conf_load_file(conf, cfg, errbuf) < 0) {
                fprintf(stderr, "vigil host: %s\n", errbuf);
                rc = 1;
                break;
            }
        } else if ((strcmp(argv[i], "--user") == 0 || strcmp(argv[i], "--group") == 0) && i + 1 < argc) {
            char kv[512];
            snprintf(kv, sizeof(kv), "host.%s=%s", argv[i] + 2, argv[i + 1]);
            i++;
            if (vg_conf_set_kv(conf, kv, errbuf) < 0) {
                fprintf(stderr, "vigil host: %s\n", errbuf);
                rc = 2;
                break;
            }
        } else if (strcmp(argv[i], "--set") == 0 && i + 1 < argc) {
            if (vg_conf_set_kv(conf, argv[++i], errbuf) < 0) {
                fprintf(stderr, "vigil host: --set: %s\n", errbuf);
                rc = 2;
                break;
            }
        } else {
            fprintf(stderr, "vigil host: unknown argument '%s'\n", argv[i]);
            rc = 2;
            break;
        }
    }
    if (rc == 0 && run(conf, errbuf) < 0) {
        fprintf(stderr, "vigil host: %s\n", errbuf);
        rc = 1;
    }
    vg_conf_free(conf);
    return rc;
}
