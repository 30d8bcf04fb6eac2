/*
 * respond_agent.c: the agent side of blocking (see response.h): poll the
 * server's blocks for this host, apply them with nft (execve, no shell, or
 * recorded in dry-run mode), acknowledge each.
 */
#include <arpa/inet.h>
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/log.h"
#include "server/response.h"

#define MAX_ANSWER (4u << 20)
#define NFT_TIMEOUT_S 10
#define NFT_OUTPUT_CAP 4096

typedef struct applied {
    int64_t id;
    double expires;     /* monotonic seconds */
    char ip[64];
    int family;
} applied;

typedef struct agent {
    const vg_respond_opts *o;
    vg_respond_stats *st;
    CURL *curl;
    struct curl_slist *hdrs;
    char *buf;
    size_t len;
    bool too_big;
    applied *ap;
    size_t nap;
    int64_t *gone;       /* revoked ids already removed */
    size_t ngone;
    bool setup_done;
} agent;

static double mono(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + t.tv_nsec / 1e9;
}

static size_t collect(char *p, size_t s, size_t n, void *u)
{
    agent *a = u;
    size_t k = s * n;
    if (a->len + k + 1 > MAX_ANSWER) {
        a->too_big = true;
        return 0;
    }
    char *b = realloc(a->buf, a->len + k + 1);
    if (!b)
        return 0;
    a->buf = b;
    memcpy(a->buf + a->len, p, k);
    a->len += k;
    a->buf[a->len] = '\0';
    return k;
}

/* Run one nft command; VG_OK on exit status 0.  out gets its output. */
static int run_nft(agent *a, const char *const argv[16], char *out, size_t cap)
{
    out[0] = '\0';
    if (a->o->dry_run_file) {
        int fd = open(a->o->dry_run_file, O_WRONLY | O_CREAT | O_APPEND, 0600);
        if (fd < 0)
            return VG_EIO;
        char line[1024];
        size_t n = 0;
        for (int i = 0; argv[i] && n < sizeof line - 2; i++)
            n += (size_t)snprintf(line + n, sizeof line - n, "%s%s", i ? " " : "", argv[i]);
        if (n > sizeof line - 2)
            n = sizeof line - 2;
        line[n++] = '\n';
        ssize_t w = write(fd, line, n);
        close(fd);
        return w == (ssize_t)n ? VG_OK : VG_EIO;
    }
    int p[2];
    if (pipe(p) != 0)
        return VG_EIO;
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&fa, p[1], STDOUT_FILENO);
    posix_spawn_file_actions_adddup2(&fa, p[1], STDERR_FILENO);
    posix_spawn_file_actions_addclose(&fa, p[0]);
    char *const envp[] = {"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL=C", NULL};
    pid_t pid;
    int rc = posix_spawn(&pid, a->o->nft_path ? a->o->nft_path : "/usr/sbin/nft", &fa, NULL,
                         (char *const *)argv, envp);
    posix_spawn_file_actions_destroy(&fa);
    close(p[1]);
    if (rc != 0) {
        close(p[0]);
        snprintf(out, cap, "cannot run nft: %s", strerror(rc));
        return VG_EIO;
    }
    size_t n = 0;
    double deadline = mono() + NFT_TIMEOUT_S;
    bool timed_out = false;
    for (;;) {
        int left = (int)((deadline - mono()) * 1000);
        if (left <= 0) {
            timed_out = true;
            break;
        }
        struct pollfd pf = {.fd = p[0], .events = POLLIN};
        int pr = poll(&pf, 1, left);
        if (pr < 0 && errno == EINTR)
            continue;
        if (pr <= 0) {
            timed_out = pr == 0;
            break;
        }
        char tmp[512];
        ssize_t r = read(p[0], tmp, sizeof tmp);
        if (r <= 0)
            break;
        size_t k = VG_MIN((size_t)r, cap - 1 - n); /* output capped, rest drained */
        memcpy(out + n, tmp, k);
        n += k;
        out[n] = '\0';
    }
    close(p[0]);
    if (timed_out)
        kill(pid, SIGKILL);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    if (timed_out) {
        snprintf(out, cap, "nft timed out after %d s", NFT_TIMEOUT_S);
        return VG_EIO;
    }
    while (n && (out[n - 1] == '\n' || out[n - 1] == ' '))
        out[--n] = '\0';
    return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? VG_OK : VG_EIO;
}

static int setup(agent *a, char *errbuf)
{
    const char *argv[16];
    char out[NFT_OUTPUT_CAP];
    for (int step = 0; vg_nft_setup_argv(step, argv) == VG_OK; step++)
        if (run_nft(a, argv, out, sizeof out) != VG_OK)
            return vg_err(errbuf, VG_EIO, "nft setup step %d failed: %s", step, out);
    a->setup_done = true;
    return VG_OK;
}

static void ack(agent *a, int64_t id, bool ok, const char *detail)
{
    char url[2048];
    snprintf(url, sizeof url, "%s/api/v1/blocks/%" PRId64 "/ack", a->o->server_url, id);
    json_t *b = json_pack("{sb ss}", "ok", ok, "detail", detail);
    char *s = json_dumps(b, JSON_COMPACT);
    json_decref(b);
    a->len = 0;
    curl_easy_setopt(a->curl, CURLOPT_URL, url);
    curl_easy_setopt(a->curl, CURLOPT_HTTPGET, 0L);
    curl_easy_setopt(a->curl, CURLOPT_POSTFIELDS, s);
    curl_easy_setopt(a->curl, CURLOPT_POSTFIELDSIZE, (long)strlen(s));
    if (curl_easy_perform(a->curl) != CURLE_OK)
        vg_warn("respond: cannot acknowledge block %" PRId64, id);
    free(s);
}

static applied *find(agent *a, int64_t id)
{
    for (size_t i = 0; i < a->nap; i++)
        if (a->ap[i].id == id)
            return &a->ap[i];
    return NULL;
}

static void apply_block(agent *a, json_t *b, double now)
{
    int64_t id = json_integer_value(json_object_get(b, "id"));
    const char *ip = json_string_value(json_object_get(b, "ip"));
    int64_t secs = json_integer_value(json_object_get(b, "expires_in"));
    char canon[64], out[NFT_OUTPUT_CAP], buf[128];
    int fam;
    if (id <= 0 || secs <= 0 || secs > VG_BLOCK_MAX_S || !vg_ip_canonical(ip, canon, &fam))
        return;
    applied *cur = find(a, id);
    if (cur && now + (double)secs <= cur->expires + 5)
        return; /* applied, not extended */
    if (vg_allow_contains(a->o->allow, canon)) {
        a->st->refused++;
        vg_warn("respond: block %" PRId64 " of %s refused: on this agent's allow-list", id, canon);
        ack(a, id, false, "refused: on the agent's allow-list");
        if (!cur && a->nap < VG_RESPOND_MAX)
            a->ap[a->nap++] = (applied){.id = id, .expires = now + (double)secs, .family = fam};
        return;
    }
    const char *argv[16];
    if (cur && vg_nft_element_argv(false, canon, fam, 0, buf, sizeof buf, argv) == VG_OK)
        (void)run_nft(a, argv, out, sizeof out); /* extension: re-add with the new timeout */
    if (vg_nft_element_argv(true, canon, fam, (int)secs, buf, sizeof buf, argv) != VG_OK)
        return;
    int rc = run_nft(a, argv, out, sizeof out);
    if (rc == VG_OK) {
        a->st->applied++;
        char d[160];
        snprintf(d, sizeof d, "%s %s for %" PRId64 " s%s", a->o->dry_run_file ? "recorded" : "applied",
                 canon, secs, a->o->dry_run_file ? " (dry run)" : "");
        ack(a, id, true, d);
    } else {
        a->st->failed++;
        ack(a, id, false, out[0] ? out : "nft failed");
    }
    if (cur) {
        cur->expires = now + (double)secs;
    } else if (a->nap < VG_RESPOND_MAX) {
        applied *n = &a->ap[a->nap++];
        *n = (applied){.id = id, .expires = now + (double)secs, .family = fam};
        snprintf(n->ip, sizeof n->ip, "%s", canon);
    }
}

static void remove_block(agent *a, json_t *b)
{
    int64_t id = json_integer_value(json_object_get(b, "id"));
    const char *ip = json_string_value(json_object_get(b, "ip"));
    for (size_t i = 0; i < a->ngone; i++)
        if (a->gone[i] == id)
            return;
    char canon[64], out[NFT_OUTPUT_CAP], buf[128];
    int fam;
    if (!vg_ip_canonical(ip, canon, &fam))
        return;
    const char *argv[16];
    if (!vg_allow_contains(a->o->allow, canon) &&
        vg_nft_element_argv(false, canon, fam, 0, buf, sizeof buf, argv) == VG_OK) {
        /* Absent already (expired, or never applied here) is fine. */
        (void)run_nft(a, argv, out, sizeof out);
        a->st->removed++;
    }
    for (size_t i = 0; i < a->nap; i++)
        if (a->ap[i].id == id) {
            a->ap[i] = a->ap[--a->nap];
            break;
        }
    if (a->ngone == VG_RESPOND_MAX)
        a->ngone = 0; /* forget the oldest: a repeated delete is harmless */
    a->gone[a->ngone++] = id;
}

static void poll_once(agent *a)
{
    char url[2048];
    snprintf(url, sizeof url, "%s/api/v1/blocks", a->o->server_url);
    a->len = 0;
    a->too_big = false;
    curl_easy_setopt(a->curl, CURLOPT_URL, url);
    curl_easy_setopt(a->curl, CURLOPT_HTTPGET, 1L);
    CURLcode cc = curl_easy_perform(a->curl);
    long code = 0;
    curl_easy_getinfo(a->curl, CURLINFO_RESPONSE_CODE, &code);
    a->st->polls++;
    if (cc != CURLE_OK || code != 200 || !a->buf)
        return;
    json_error_t je;
    json_t *root = json_loadb(a->buf, a->len, 0, &je);
    double now = mono();
    /* Forget what has expired by itself. */
    for (size_t i = 0; i < a->nap;)
        if (a->ap[i].expires < now)
            a->ap[i] = a->ap[--a->nap];
        else
            i++;
    size_t i;
    json_t *b;
    json_t *rev = json_object_get(root, "revoked"), *blocks = json_object_get(root, "blocks");
    json_array_foreach(rev, i, b) {
        if (i >= VG_RESPOND_MAX)
            break;
        remove_block(a, b);
    }
    json_array_foreach(blocks, i, b) {
        if (i >= VG_RESPOND_MAX)
            break;
        apply_block(a, b, now);
    }
    json_decref(root);
}

int vg_respond_run(const vg_respond_opts *o, volatile int *stop, vg_respond_stats *st,
                   char *errbuf)
{
    agent a = {.o = o, .st = st};
    memset(st, 0, sizeof(*st));
    a.ap = calloc(VG_RESPOND_MAX, sizeof(*a.ap));
    a.gone = calloc(VG_RESPOND_MAX, sizeof(*a.gone));
    a.curl = curl_easy_init();
    int rc = VG_OK;
    if (!a.ap || !a.gone || !a.curl)
        rc = vg_err(errbuf, VG_ENOMEM, "respond: out of memory");
    if (rc == VG_OK)
        rc = setup(&a, errbuf);
    if (rc == VG_OK) {
        char auth[300];
        snprintf(auth, sizeof auth, "Authorization: Bearer %s", o->token ? o->token : "");
        if (o->token && o->token[0])
            a.hdrs = curl_slist_append(a.hdrs, auth);
        a.hdrs = curl_slist_append(a.hdrs, "Content-Type: application/json");
        if (o->tls_ca) {
            curl_easy_setopt(a.curl, CURLOPT_CAINFO, o->tls_ca);
            curl_easy_setopt(a.curl, CURLOPT_CAPATH, NULL);
            curl_easy_setopt(a.curl, CURLOPT_SSL_VERIFYHOST, 0L); /* see forward.c */
        }
        if (o->tls_cert && o->tls_key) {
            curl_easy_setopt(a.curl, CURLOPT_SSLCERT, o->tls_cert);
            curl_easy_setopt(a.curl, CURLOPT_SSLKEY, o->tls_key);
        }
        curl_easy_setopt(a.curl, CURLOPT_HTTPHEADER, a.hdrs);
        curl_easy_setopt(a.curl, CURLOPT_WRITEFUNCTION, collect);
        curl_easy_setopt(a.curl, CURLOPT_WRITEDATA, &a);
        curl_easy_setopt(a.curl, CURLOPT_TIMEOUT, 30L);
        curl_easy_setopt(a.curl, CURLOPT_CONNECTTIMEOUT, 10L);
        curl_easy_setopt(a.curl, CURLOPT_NOSIGNAL, 1L);
        double interval = o->interval_s > 0 ? o->interval_s : 5.0;
        while (!*stop) {
            poll_once(&a);
            double until = mono() + interval;
            while (!*stop && mono() < until)
                usleep(50 * 1000);
        }
    }
    curl_slist_free_all(a.hdrs);
    if (a.curl)
        curl_easy_cleanup(a.curl);
    free(a.buf);
    free(a.ap);
    free(a.gone);
    return rc;
}
