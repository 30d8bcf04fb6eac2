/* test_collect.c: log collection and FIM: rotation by rename, truncate and
 * copytruncate, catch-up from .1 and .1.gz after a restart, restart
 * without loss or duplicates, the syslog listener under malformed input,
 * and FIM (scan changes and real-time detection). */
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "host/fim.h"
#include "host/follow.h"
#include "host/journal.h"
#include "host/syslogd.h"
#include "vg_test.h"

static char dir[64];

typedef struct got {
    char lines[512][64];
    int n;
} got;

static void on_line(void *ctx, const char *path, const char *line, size_t len)
{
    (void)path;
    got *g = ctx;
    if (g->n < 512)
        snprintf(g->lines[g->n++], 64, "%.*s", (int)len, line);
}

static void append(const char *path, const char *text)
{
    FILE *f = fopen(path, "a");
    if (f) {
        fputs(text, f);
        fclose(f);
    }
}

static void p(char *out, const char *name)
{
    snprintf(out, 256 - 8, "%s/%s", dir, name);
}

/* lines "prefix0".."prefixN-1" must all be there, once, in order */
static void check_seq(const got *g, const char *prefix, int n)
{
    int k = 0;
    for (int i = 0; i < g->n; i++) {
        char want[64];
        snprintf(want, sizeof(want), "%s%d", prefix, k);
        if (strcmp(g->lines[i], want) == 0)
            k++;
        else if (strncmp(g->lines[i], prefix, strlen(prefix)) == 0) {
            fprintf(stderr, "unexpected line '%s' (want '%s')\n", g->lines[i], want);
            vg_test_failures++;
        }
    }
    VG_CHECK_EQ(k, n);
}

static void write_seq(const char *path, const char *prefix, int from, int to)
{
    char l[64];
    for (int i = from; i < to; i++) {
        snprintf(l, sizeof(l), "%s%d\n", prefix, i);
        append(path, l);
    }
}

static void test_rename_rotation(void)
{
    char log[256], rot[256], db[256], eb[VG_ERRBUF_SIZE];
    p(log, "r.log");
    p(rot, "r.log.1");
    p(db, "r.db");
    write_seq(log, "r", 0, 3);
    vg_follow *f;
    VG_CHECK_EQ(vg_follow_open(&f, db, eb), VG_OK);
    VG_CHECK_EQ(vg_follow_add(f, log, true, eb), VG_OK);
    got *g = calloc(1, sizeof(got));
    vg_follow_poll(f, on_line, g);
    write_seq(log, "r", 3, 5);
    rename(log, rot);            /* logrotate "create" */
    write_seq(rot, "r", 5, 6);   /* the daemon still writes to the old file */
    write_seq(log, "r", 6, 9);   /* then to the new one */
    vg_follow_poll(f, on_line, g);
    vg_follow_poll(f, on_line, g);
    check_seq(g, "r", 9);
    VG_CHECK(vg_follow_stats_get(f)->renames >= 1);
    vg_follow_close(f);
    free(g);
}

static void test_truncate_and_copytruncate(void)
{
    char log[256], rot[256], db[256], eb[VG_ERRBUF_SIZE];
    p(log, "t.log");
    p(rot, "t.log.1");
    p(db, "t.db");
    write_seq(log, "t", 0, 4);
    vg_follow *f;
    VG_CHECK_EQ(vg_follow_open(&f, db, eb), VG_OK);
    VG_CHECK_EQ(vg_follow_add(f, log, true, eb), VG_OK);
    got *g = calloc(1, sizeof(got));
    vg_follow_poll(f, on_line, g);
    /* copytruncate: lines 4-5 written after our last read, then copied and
     * the original truncated; 6-7 go to the truncated file */
    write_seq(log, "t", 4, 6);
    char cmd[1024];
    snprintf(cmd, sizeof(cmd), "cp %s %s && : > %s", log, rot, log);
    VG_CHECK_EQ(system(cmd), 0);
    write_seq(log, "t", 6, 8);
    vg_follow_poll(f, on_line, g);
    check_seq(g, "t", 8);
    VG_CHECK(vg_follow_stats_get(f)->truncations >= 1);
    /* plain truncate (no copy): new lines read from the start */
    truncate(log, 0);
    unlink(rot);
    write_seq(log, "t", 8, 9);
    vg_follow_poll(f, on_line, g);
    check_seq(g, "t", 9);
    vg_follow_close(f);
    free(g);
}

static void test_restart_no_loss_no_dup(void)
{
    char log[256], db[256], eb[VG_ERRBUF_SIZE];
    p(log, "s.log");
    p(db, "s.db");
    write_seq(log, "s", 0, 5);
    append(log, "s5"); /* a partial line at the moment we stop */
    got *g = calloc(1, sizeof(got));
    vg_follow *f;
    VG_CHECK_EQ(vg_follow_open(&f, db, eb), VG_OK);
    VG_CHECK_EQ(vg_follow_add(f, log, true, eb), VG_OK);
    vg_follow_poll(f, on_line, g);
    VG_CHECK_EQ(vg_follow_save(f, eb), VG_OK);
    vg_follow_close(f);
    append(log, "\n");
    write_seq(log, "s", 6, 8);
    /* restart */
    VG_CHECK_EQ(vg_follow_open(&f, db, eb), VG_OK);
    VG_CHECK_EQ(vg_follow_add(f, log, false, eb), VG_OK);
    vg_follow_poll(f, on_line, g);
    check_seq(g, "s", 8);
    vg_follow_close(f);
    free(g);
}

static void test_rotated_while_stopped_gz(void)
{
    char log[256], gzp[256], db[256], eb[VG_ERRBUF_SIZE];
    p(log, "z.log");
    p(gzp, "z.log.1.gz");
    p(db, "z.db");
    write_seq(log, "z", 0, 3);
    got *g = calloc(1, sizeof(got));
    vg_follow *f;
    VG_CHECK_EQ(vg_follow_open(&f, db, eb), VG_OK);
    VG_CHECK_EQ(vg_follow_add(f, log, true, eb), VG_OK);
    vg_follow_poll(f, on_line, g);
    vg_follow_close(f); /* saves */
    /* while stopped: more lines, rotation with compression, a new file */
    write_seq(log, "z", 3, 6);
    FILE *in = fopen(log, "r");
    gzFile out = gzopen(gzp, "wb");
    char buf[4096];
    size_t n;
    while (in && out && (n = fread(buf, 1, sizeof(buf), in)) > 0)
        gzwrite(out, buf, (unsigned)n);
    if (in)
        fclose(in);
    if (out)
        gzclose(out);
    unlink(log);
    write_seq(log, "z", 6, 8);
    VG_CHECK_EQ(vg_follow_open(&f, db, eb), VG_OK);
    VG_CHECK_EQ(vg_follow_add(f, log, false, eb), VG_OK);
    vg_follow_poll(f, on_line, g);
    check_seq(g, "z", 8);
    VG_CHECK_EQ(vg_follow_stats_get(f)->gz_catchups, 1);
    vg_follow_close(f);
    free(g);
}

static void test_multiline(void)
{
    char log[256], eb[VG_ERRBUF_SIZE];
    p(log, "m.log");
    append(log, "2024-01-01 10:00:00 UTC [1] ERROR:  syntax error\n"
                "\tat character 5\n"
                "2024-01-01 10:00:01 UTC [1] LOG:  statement: SELECT 1\n"
                "  FROM t\n");
    vg_follow *f;
    VG_CHECK_EQ(vg_follow_open(&f, NULL, eb), VG_OK);
    VG_CHECK_EQ(vg_follow_add(f, log, true, eb), VG_OK);
    VG_CHECK_EQ(vg_follow_set_multiline(f, "^\\d{4}-\\d\\d-\\d\\d ", eb), VG_OK);
    VG_CHECK(vg_follow_set_multiline(f, "(", eb) < 0);
    VG_CHECK_EQ(vg_follow_set_multiline(f, "^\\d{4}-\\d\\d-\\d\\d ", eb), VG_OK);
    got *g = calloc(1, sizeof(got));
    vg_follow_poll(f, on_line, g);
    vg_follow_poll(f, on_line, g); /* quiet: the last record is complete */
    VG_CHECK_EQ(g->n, 2);
    VG_CHECK(strstr(g->lines[0], "syntax error \tat character") != NULL);
    VG_CHECK(strncmp(g->lines[1], "2024-01-01 10:00:01", 19) == 0);
    vg_follow_close(f);
    free(g);
}

/* ---- syslog listener ---- */

typedef struct msgs {
    char m[64][128];
    int n;
} msgs;

static void on_msg(void *ctx, const char *peer, const char *msg, size_t len)
{
    (void)peer;
    msgs *s = ctx;
    if (s->n < 64)
        snprintf(s->m[s->n++], 128, "%.*s", (int)len, msg);
}

static void pump(vg_syslogd *d, msgs *s, int rounds)
{
    for (int r = 0; r < rounds; r++) {
        struct pollfd fds[32];
        int n = vg_syslogd_pollfds(d, fds, 32);
        if (poll(fds, (nfds_t)n, 50) > 0)
            vg_syslogd_handle(d, fds, n, on_msg, s);
    }
}

static int tcp_to(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {0};
    a.sin_family = AF_INET;
    a.sin_port = htons((uint16_t)port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
        close(fd);
        return -1;
    }
    return fd;
}

static void test_syslog_listener(void)
{
    vg_syslogd *d;
    char eb[VG_ERRBUF_SIZE];
    VG_CHECK_EQ(vg_syslogd_open(&d, "127.0.0.1:0", "127.0.0.1:0", eb), VG_OK);
    if (!d)
        return;
    msgs *s = calloc(1, sizeof(msgs));
    /* UDP */
    int u = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in a = {0};
    a.sin_family = AF_INET;
    a.sin_port = htons((uint16_t)vg_syslogd_udp_port(d));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    const char *m1 = "<13>Feb  9 11:44:56 h app[1]: udp one";
    sendto(u, m1, strlen(m1), 0, (struct sockaddr *)&a, sizeof(a));
    sendto(u, "", 0, 0, (struct sockaddr *)&a, sizeof(a)); /* empty datagram: ignored */
    close(u);
    /* TCP: LF framing, octet counting, split writes, NUL bytes */
    int t = tcp_to(vg_syslogd_tcp_port(d));
    VG_CHECK(t >= 0);
    const char *tcp1 = "<13>lf one\n27 <13>1 - h app - - - counted";
    write(t, tcp1, strlen(tcp1));
    pump(d, s, 3);
    write(t, "\n<13>after\n", 11);
    pump(d, s, 3);
    /* malformed: an absurd octet count closes the connection */
    int t2 = tcp_to(vg_syslogd_tcp_port(d));
    write(t2, "99999999999 x\n", 14);
    pump(d, s, 3);
    char b;
    VG_CHECK(read(t2, &b, 1) <= 0); /* closed by the listener */
    close(t2);
    /* a last line without newline counts when the peer closes */
    write(t, "<13>tail", 8);
    close(t);
    pump(d, s, 4);
    VG_CHECK_EQ(s->n, 5);
    if (s->n == 5) {
        VG_CHECK_STR(s->m[0], m1);
        VG_CHECK_STR(s->m[1], "<13>lf one");
        VG_CHECK_STR(s->m[2], "<13>1 - h app - - - counted");
        VG_CHECK_STR(s->m[3], "<13>after");
        VG_CHECK_STR(s->m[4], "<13>tail");
    }
    VG_CHECK_EQ(vg_syslogd_stats_get(d)->malformed, 1);
    /* over-long line is cut, not kept growing */
    int t3 = tcp_to(vg_syslogd_tcp_port(d));
    char *big = malloc(200000);
    memset(big, 'x', 200000);
    big[199999] = '\n';
    size_t off = 0;
    while (off < 200000) {
        ssize_t w = write(t3, big + off, 200000 - off);
        if (w <= 0)
            break;
        off += (size_t)w;
        pump(d, s, 1);
    }
    close(t3);
    pump(d, s, 4);
    VG_CHECK(vg_syslogd_stats_get(d)->truncated >= 1);
    free(big);
    free(s);
    vg_syslogd_close(d);
}

/* ---- FIM ---- */

typedef struct fimgot {
    char path[16][256];
    char change[16][16];
    char proc[16][32];
    int n;
} fimgot;

static void on_fim(void *ctx, const vg_fim_change *c)
{
    fimgot *g = ctx;
    if (g->n < 16) {
        snprintf(g->path[g->n], 256, "%s", c->path);
        snprintf(g->change[g->n], 16, "%s", c->change);
        snprintf(g->proc[g->n], 32, "%s", c->process);
        g->n++;
    }
}

static void test_fim(void)
{
    char tree[256], sub[256], fa[256], fb[256], fc[256], fs[256], eb[VG_ERRBUF_SIZE];
    p(tree, "fim");
    p(sub, "fim/sub");
    p(fa, "fim/a");
    p(fb, "fim/sub/b");
    p(fc, "fim/c.swp");
    p(fs, "fim/link");
    mkdir(tree, 0700);
    mkdir(sub, 0700);
    append(fa, "a\n");
    append(fb, "b\n");
    append(fc, "ignored\n");
    symlink("/etc/passwd", fs);
    const char *paths[] = {tree};
    const char *ign[] = {"*.swp"};
    char dbdir[256], dbf[256];
    p(dbdir, "fim/db");
    p(dbf, "fim/db/table.dat");
    mkdir(dbdir, 0700);
    append(dbf, "0123456789\n");
    const char *data[] = {dbdir};
    vg_fim_opts o = {paths, 1, ign, 1, 0, 2, true, 0, NULL, data, 1};
    vg_fim *f;
    VG_CHECK_EQ(vg_fim_open(&f, &o, eb), VG_OK);
    fimgot *g = calloc(1, sizeof(fimgot));
    vg_fim_scan_stats st;
    VG_CHECK_EQ(vg_fim_scan(f, on_fim, g, &st, eb), VG_OK);
    VG_CHECK_EQ(g->n, 0);          /* first baseline: nothing reported */
    VG_CHECK_EQ(st.files, 4);      /* a, b, link, db/table.dat (c.swp ignored) */
    VG_CHECK_EQ(st.hashed, 3);     /* the link is not followed */
    VG_CHECK_EQ(st.ignored, 1);
    /* unchanged rescan hashes nothing */
    VG_CHECK_EQ(vg_fim_scan(f, on_fim, g, &st, eb), VG_OK);
    VG_CHECK_EQ(st.hashed, 0);
    VG_CHECK_EQ(g->n, 0);
    /* real-time: a write is seen from inotify alone */
    append(fa, "changed\n");
    int fd = vg_fim_fd(f);
    VG_CHECK(fd >= 0);
    struct pollfd pf = {fd, POLLIN, 0};
    for (int i = 0; i < 20 && g->n == 0; i++) {
        poll(&pf, 1, 100);
        vg_fim_realtime(f, on_fim, g);
    }
    VG_CHECK(g->n >= 1);
    if (g->n >= 1) {
        VG_CHECK_STR(g->path[0], fa);
        VG_CHECK_STR(g->change[0], "modified");
        /* with fanotify (root), the writer is named: this process */
        if (g->proc[0][0])
            VG_CHECK(strncmp(g->proc[0], "test_collect", 12) == 0);
        else
            fprintf(stderr, "fim: no fanotify here, writer not named\n");
    }
    /* scan reports delete and attribute change; the realtime change is
     * already in the baseline */
    g->n = 0;
    chmod(fb, 0600);
    unlink(fs);
    append(dbf, "more rows\n"); /* database growth: not reported */
    VG_CHECK_EQ(vg_fim_scan(f, on_fim, g, &st, eb), VG_OK);
    VG_CHECK_EQ(st.attributes, 1);
    VG_CHECK_EQ(st.deleted, 1);
    VG_CHECK_EQ(st.modified, 0);
    /* database truncation is */
    g->n = 0;
    truncate(dbf, 2);
    VG_CHECK_EQ(vg_fim_scan(f, on_fim, g, &st, eb), VG_OK);
    VG_CHECK_EQ(g->n, 1);
    if (g->n == 1)
        VG_CHECK_STR(g->change[0], "truncated");
    vg_jb jb;
    vg_jb_init(&jb);
    vg_fim_change c = {fa, "modified", {0}, {0}, 42, "vi"};
    c.before.present = c.after.present = true;
    snprintf(c.after.sha256, sizeof(c.after.sha256), "%s", "ab");
    vg_fim_event(&jb, &c, "h");
    VG_CHECK(vg_jb_ok(&jb) && strstr(jb.buf, "\"event_type\":\"fim\"") && strstr(jb.buf, "\"change\":\"modified\""));
    VG_CHECK(strstr(jb.buf, "\"process\":{\"pid\":42,\"name\":\"vi\"}") != NULL);
    vg_jb_free(&jb);
    vg_fim_close(f);
    free(g);
    unlink(fa);
    unlink(fb);
    unlink(fc);
    unlink(dbf);
    rmdir(dbdir);
    rmdir(sub);
    rmdir(tree);
}

/* ---- journal (files made with systemd-journal-remote) ---- */

static void test_journal(void)
{
    const char *jremote = "/lib/systemd/systemd-journal-remote";
    if (access(jremote, X_OK) != 0) {
        fprintf(stderr, "journal: %s not installed, test skipped\n", jremote);
        return;
    }
    char exp[256], jf[256], db[256], cmd[1024], eb[VG_ERRBUF_SIZE];
    p(exp, "j.export");
    p(jf, "j.journal");
    p(db, "j.db");
    FILE *f = fopen(exp, "w");
    if (!f)
        return;
    for (int i = 0; i < 3; i++)
        fprintf(f, "__REALTIME_TIMESTAMP=%d000000\n__MONOTONIC_TIMESTAMP=%d\n_BOOT_ID=0123456789abcdef0123456789abcdef\n"
                   "_HOSTNAME=jhost\nSYSLOG_IDENTIFIER=sshd\n_PID=42\nMESSAGE=j%d\n\n", 1700000000 + i, i + 1, i);
    fclose(f);
    snprintf(cmd, sizeof(cmd), "%s -o %s - < %s 2>/dev/null", jremote, jf, exp);
    VG_CHECK_EQ(system(cmd), 0);
    got *g = calloc(1, sizeof(got));
    vg_journal *j;
    VG_CHECK_EQ(vg_journal_open(&j, jf, db, true, eb), VG_OK);
    if (!j) {
        free(g);
        return;
    }
    VG_CHECK_EQ(vg_journal_poll(j, on_line, g), 3);
    vg_journal_close(j); /* saves the cursor */
    VG_CHECK_EQ(g->n, 3);
    if (g->n == 3)
        VG_CHECK(strstr(g->lines[0], " jhost sshd[42]: j0") != NULL);
    /* restart: nothing delivered twice */
    VG_CHECK_EQ(vg_journal_open(&j, jf, db, true, eb), VG_OK);
    if (j) {
        VG_CHECK_EQ(vg_journal_poll(j, on_line, g), 0);
        vg_journal_close(j);
    }
    free(g);
}

static const vg_test tests[] = {
    {"journal", test_journal},
    {"rename_rotation", test_rename_rotation},
    {"truncate_and_copytruncate", test_truncate_and_copytruncate},
    {"restart_no_loss_no_dup", test_restart_no_loss_no_dup},
    {"rotated_while_stopped_gz", test_rotated_while_stopped_gz},
    {"multiline", test_multiline},
    {"syslog_listener", test_syslog_listener},
    {"fim", test_fim},
    {NULL, NULL},
};

int run(int argc, char **argv);

int main(int argc, char **argv)
{
    snprintf(dir, sizeof(dir), "/tmp/vg_collect_test.XXXXXX");
    if (!mkdtemp(dir))
        return 1;
    int rc = run(argc, argv);
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "cleanup failed\n");
    return rc;
}

#define main run
VG_TEST_MAIN(tests)
