/*
 * cmd_up.c: `vigil up`: every role on one host.
 *
 * Starts, as child processes of this one binary: the server on SQLite in
 * --data DIR (127.0.0.1), a network sensor (`vigil net`) on an interface or,
 * when none is given, on the bundled sample capture, a host agent (`vigil
 * host` on this machine's auth/system logs and FIM of /etc), an inspection
 * of this machine at --level N (default 3), and one forwarder per event file
 * that delivers it through its disk spool.  The sensor sends as account
 * local-sensor, the agent and the inspection as local-agent.  Prints the
 * dashboard URL and, on first start, the generated admin password.  Ctrl-C
 * (or SIGTERM) stops everything cleanly.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli/commands.h"
#include "core/paths.h"

extern char **environ;

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
    (void)sig;
    stop = 1;
}

static void usage(FILE *fp)
{
    fprintf(fp,
            "usage: vigil up [--data DIR] [--listen ADDR:PORT] [-i IFACE | -r PCAP] [-S RULES]\n"
            "                [--level N] [--no-host] [--no-inspect]\n"
            "  Runs the server (SQLite in DIR, default ./vigil-data), a network sensor on IFACE\n"
            "  or PCAP (default: the bundled sample capture), a host agent for this machine, an\n"
            "  inspection at level N (default 3) and the forwarders, on this host.  Prints the\n"
            "  dashboard URL and, on first start, the admin password.  Ctrl-C stops.\n");
}

static pid_t spawn(char *const argv[], int out_fd)
{
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    if (out_fd >= 0) {
        posix_spawn_file_actions_adddup2(&fa, out_fd, STDOUT_FILENO);
        posix_spawn_file_actions_adddup2(&fa, out_fd, STDERR_FILENO);
    }
    pid_t pid;
    int rc = posix_spawn(&pid, "/proc/self/exe", &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    return rc == 0 ? pid : -1;
}

static int run_capture(char *const argv[], char *out, size_t cap);

/* A sensor-role account and its token file, unless the file exists. */
static void make_account(const char *data, const char *name, const char *tokfile)
{
    if (access(tokfile, R_OK) == 0)
        return;
    char out[512];
    char *uargv[] = {"vigil", "server", "--data", (char *)data, "user", (char *)name, "sensor", NULL};
    char *targv[] = {"vigil", "server", "--data", (char *)data, "token", (char *)name, NULL};
    run_capture(uargv, out, sizeof out);
    if (run_capture(targv, out, sizeof out) == 0) {
        int fd = open(tokfile, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        if (fd >= 0) {
            if (write(fd, out, strlen(out)) < 0)
                fprintf(stderr, "vigil up: cannot write %s\n", tokfile);
            close(fd);
        }
    }
}

/* The host agent's configuration: this machine's usual auth and system
 * logs (those that exist) and FIM of /etc; written once, then the user's. */
static void host_config(const char *dir, const char *path)
{
    if (access(path, R_OK) == 0)
        return;
    FILE *fp = fopen(path, "w");
    if (!fp)
        return;
    fprintf(fp, "# written by vigil up; edit freely (docs/host.md)\nhost:\n"
                "  state-dir: %s\n  eve: %s/eve.json\n  min-level: 3\n", dir, dir);
    static const char *const logs[] = {"/var/log/auth.log", "/var/log/secure", "/var/log/syslog",
                                       "/var/log/messages"};
    bool any = false;
    for (size_t i = 0; i < sizeof logs / sizeof logs[0]; i++)
        if (access(logs[i], R_OK) == 0) {
            fprintf(fp, "%s    - %s\n", any ? "" : "  files:\n", logs[i]);
            any = true;
        }
    fprintf(fp, "  fim:\n    enabled: yes\n    paths: [/etc]\n    realtime: yes\n");
    fclose(fp);
}

/* Run a vigil subcommand to completion; its stdout into out (cap bytes). */
static int run_capture(char *const argv[], char *out, size_t cap)
{
    int p[2];
    if (pipe(p) != 0)
        return -1;
    pid_t pid = spawn(argv, p[1]);
    close(p[1]);
    size_t n = 0;
    ssize_t r;
    while (pid > 0 && n + 1 < cap && (r = read(p[0], out + n, cap - 1 - n)) > 0)
        n += (size_t)r;
    out[n] = '\0';
    close(p[0]);
    int st = 0;
    if (pid > 0)
        waitpid(pid, &st, 0);
    return pid > 0 && WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

int vg_cmd_up(int argc, char **argv)
{
    /* Line-buffered even into a pipe, so that no forked child can repeat
     * buffered output (and progress shows as it happens). */
    setvbuf(stdout, NULL, _IOLBF, 0);
    const char *data = "vigil-data", *listen = "127.0.0.1:8088", *iface = NULL;
    const char *pcap = NULL, *rules = NULL, *level = "3";
    bool with_host = true, with_inspect = true;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--data") == 0 && v) data = argv[++i];
        else if (strcmp(a, "--listen") == 0 && v) listen = argv[++i];
        else if (strcmp(a, "-i") == 0 && v) iface = argv[++i];
        else if (strcmp(a, "-r") == 0 && v) pcap = argv[++i];
        else if (strcmp(a, "-S") == 0 && v) rules = argv[++i];
        else if (strcmp(a, "--level") == 0 && v && argv[i + 1][0] >= '1' && argv[i + 1][0] <= '5' &&
                 !argv[i + 1][1]) level = argv[++i];
        else if (strcmp(a, "--no-host") == 0) with_host = false;
        else if (strcmp(a, "--no-inspect") == 0) with_inspect = false;
        else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            return 0;
        } else {
            fprintf(stderr, "vigil up: unknown or incomplete option %s\n", a);
            usage(stderr);
            return 2;
        }
    }
    char sample[4096], defrules[4096], netdir[4096], eve[4200], spool[4096], tokfile[4096];
    if (!pcap && !iface)
        pcap = vg_datapath(sample, sizeof sample, "pcaps/sample.pcap");
    if (!rules)
        rules = vg_datapath(defrules, sizeof defrules, "rules/vigil.rules");
    if (mkdir(data, 0700) != 0 && errno != EEXIST) {
        fprintf(stderr, "vigil up: %s: %s\n", data, strerror(errno));
        return 1;
    }
    snprintf(netdir, sizeof netdir, "%s/net", data);
    snprintf(eve, sizeof eve, "%s/eve.json", netdir);
    snprintf(spool, sizeof spool, "%s/spool", data);
    snprintf(tokfile, sizeof tokfile, "%s/sensor.token", data);
    mkdir(netdir, 0700);

    /* No SA_RESTART: the signal must interrupt waitpid() below. */
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    /* 1. The server; its first lines say where it listens and the password. */
    int p[2];
    if (pipe(p) != 0)
        return 1;
    char *sargv[] = {"vigil", "server", "--data", (char *)data, "--listen", (char *)listen, NULL};
    pid_t server = spawn(sargv, p[1]);
    close(p[1]);
    if (server < 0) {
        fprintf(stderr, "vigil up: cannot start the server\n");
        return 1;
    }
    FILE *sout = fdopen(p[0], "r");
    char line[512];
    bool listening = false;
    while (!listening && fgets(line, sizeof line, sout)) {
        if (strstr(line, "created user admin"))
            fputs(line, stdout);
        if (strstr(line, "listening"))
            listening = true;
    }
    if (!listening) {
        fprintf(stderr, "vigil up: the server did not start (is %s in use?)\n", listen);
        kill(server, SIGTERM);
        waitpid(server, NULL, 0);
        return 1;
    }
    /* Keep draining the server's output so it never blocks on a full pipe. */
    int devnull = open("/dev/null", O_WRONLY);
    pid_t drain = fork();
    if (drain == 0) {
        while (fgets(line, sizeof line, sout))
            ;
        _exit(0);
    }
    fclose(sout);

    /* 2. Accounts and tokens for the local sensor and agent (first start only). */
    char agent_tok[4096];
    snprintf(agent_tok, sizeof agent_tok, "%s/agent.token", data);
    make_account(data, "local-sensor", tokfile);
    make_account(data, "local-agent", agent_tok);

    /* 3. The network sensor, the host agent, the inspection, a forwarder each. */
    char *nargv[12];
    int k = 0;
    nargv[k++] = "vigil";
    nargv[k++] = "net";
    nargv[k++] = iface ? "-i" : "-r";
    nargv[k++] = (char *)(iface ? iface : pcap);
    nargv[k++] = "-S";
    nargv[k++] = (char *)rules;
    nargv[k++] = "-l";
    nargv[k++] = netdir;
    nargv[k++] = NULL;
    pid_t net = spawn(nargv, -1);
    char url[300];
    snprintf(url, sizeof url, "http://%s", listen);
    char *fargv[] = {"vigil", "forward", "--eve", eve, "--server", url, "--state", spool,
                     "--token-file", tokfile, "--sensor", "local", NULL};
    pid_t fwd = spawn(fargv, devnull);

    char hostdir[4096], hostcfg[4300], hosteve[4300], hostspool[4096];
    char inspdir[4096], inspeve[4300], inspspool[4096];
    snprintf(hostdir, sizeof hostdir, "%s/host", data);
    snprintf(hostcfg, sizeof hostcfg, "%s/vigil.yaml", hostdir);
    snprintf(hosteve, sizeof hosteve, "%s/eve.json", hostdir);
    snprintf(hostspool, sizeof hostspool, "%s/spool-host", data);
    snprintf(inspdir, sizeof inspdir, "%s/inspect", data);
    snprintf(inspeve, sizeof inspeve, "%s/eve.json", inspdir);
    snprintf(inspspool, sizeof inspspool, "%s/spool-inspect", data);
    pid_t host = -1, hfwd = -1, insp = -1, ifwd = -1;
    if (with_host) {
        mkdir(hostdir, 0700);
        host_config(hostdir, hostcfg);
        char *hargv[] = {"vigil", "host", "-c", hostcfg, NULL};
        host = spawn(hargv, devnull);
        char *hf[] = {"vigil", "forward", "--eve", hosteve, "--server", url, "--state", hostspool,
                      "--token-file", agent_tok, "--sensor", "local-host", NULL};
        hfwd = spawn(hf, devnull);
    }
    if (with_inspect) {
        mkdir(inspdir, 0700);
        char *iargv[] = {"vigil", "inspect", "--level", (char *)level, "-q", "--eve", inspeve, NULL};
        insp = spawn(iargv, devnull);
        char *inf[] = {"vigil", "forward", "--eve", inspeve, "--server", url, "--state", inspspool,
                       "--token-file", agent_tok, "--sensor", "local-inspect", NULL};
        ifwd = spawn(inf, devnull);
    }

    printf("vigil up: dashboard and API at %s/  (API under /api/v1/)\n", url);
    printf("vigil up: sensor %s %s -> %s; data in %s; Ctrl-C stops\n", iface ? "on" : "reading",
           iface ? iface : pcap, eve, data);
    if (with_host)
        printf("vigil up: host agent on this machine (%s)\n", hostcfg);
    if (with_inspect)
        printf("vigil up: inspecting this machine at level %s\n", level);
    fflush(stdout);

    while (!stop) {
        int st;
        pid_t w = waitpid(-1, &st, 0);
        if (w < 0 && errno != EINTR)
            break;
        if (w <= 0)
            continue; /* interrupted: a finished child's pid is -1 now, never match it */
        if (w == server) {
            fprintf(stderr, "vigil up: the server stopped\n");
            server = -1;
            break;
        }
        if (w == net) {
            net = -1;
            if (!iface)
                printf("vigil up: the sample capture is processed; events are in the server\n");
            fflush(stdout);
        }
        if (w == insp) {
            insp = -1;
            printf("vigil up: the inspection is done; its results are in the server\n");
            fflush(stdout);
        }
        if (w == host) {
            host = -1;
            fprintf(stderr, "vigil up: the host agent stopped\n");
        }
    }
    pid_t kids[] = {net, host, insp, fwd, hfwd, ifwd, server, drain};
    for (size_t i = 0; i < sizeof kids / sizeof kids[0]; i++)
        if (kids[i] > 0)
            kill(kids[i], SIGTERM);
    for (size_t i = 0; i < sizeof kids / sizeof kids[0]; i++)
        if (kids[i] > 0)
            waitpid(kids[i], NULL, 0);
    if (devnull >= 0)
        close(devnull);
    printf("vigil up: stopped\n");
    return 0;
}
