/* run.c: execvp with timeout and output cap (see run.h). */
#include "inspect/run.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define EXEC_FAILED_CODE 127

void vg_run_argv_free(char **argv)
{
    if (!argv)
        return;
    for (char **a = argv; *a; a++)
        free(*a);
    free(argv);
}

int vg_run_split(const char *cmd, char ***argv_out)
{
    *argv_out = NULL;
    char **argv = calloc(VG_RUN_MAX_ARGS + 1, sizeof(char *));
    size_t len = strlen(cmd);
    char *word = malloc(len + 1);
    if (!argv || !word) {
        free(argv);
        free(word);
        return VG_ENOMEM;
    }
    size_t argc = 0, wl = 0;
    bool inword = false;
    int rc = VG_OK;
    for (size_t i = 0; i <= len; i++) {
        char c = cmd[i];
        if (c == '\0' || c == ' ' || c == '\t') {
            if (inword) {
                if (argc >= VG_RUN_MAX_ARGS) {
                    rc = VG_ELIMIT;
                    break;
                }
                word[wl] = '\0';
                argv[argc] = strdup(word);
                if (!argv[argc]) {
                    rc = VG_ENOMEM;
                    break;
                }
                argc++;
                wl = 0;
                inword = false;
            }
            continue;
        }
        inword = true;
        if (c == '\\' && i + 1 < len) {
            word[wl++] = cmd[++i];
        } else if (c == '"') {
            bool closed = false;
            for (i++; i < len; i++) {
                if (cmd[i] == '\\' && i + 1 < len && (cmd[i + 1] == '"' || cmd[i + 1] == '\\')) {
                    word[wl++] = cmd[++i];
                } else if (cmd[i] == '"') {
                    closed = true;
                    break;
                } else {
                    word[wl++] = cmd[i];
                }
            }
            if (!closed) {
                rc = VG_EINVAL;
                break;
            }
        } else {
            word[wl++] = c;
        }
    }
    free(word);
    if (rc == VG_OK && argc == 0)
        rc = VG_EINVAL;
    if (rc != VG_OK) {
        vg_run_argv_free(argv);
        return rc;
    }
    *argv_out = argv;
    return VG_OK;
}

void vg_run_result_free(vg_run_result *res)
{
    free(res->output);
    res->output = NULL;
    res->len = 0;
}

static long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

static const char *const search_path[] = {"/usr/local/sbin", "/usr/local/bin", "/usr/sbin",
                                           "/usr/bin", "/sbin", "/bin", NULL};

/* Find the program in vigil's fixed PATH (not the caller's, so that cron
 * and interactive runs agree). */
static bool resolve(const char *prog, char *out, size_t n)
{
    if (strchr(prog, '/')) {
        snprintf(out, n, "%s", prog);
        return true;
    }
    for (int i = 0; search_path[i]; i++) {
        if (snprintf(out, n, "%s/%s", search_path[i], prog) >= (int)n)
            continue;
        if (access(out, X_OK) == 0)
            return true;
    }
    return false;
}

int vg_run(char *const argv[], int timeout_ms, size_t max_output, vg_run_result *res)
{
    memset(res, 0, sizeof(*res));
    char prog[4096];
    if (!resolve(argv[0], prog, sizeof prog)) {
        res->status = VG_RUN_NOEXEC;
        res->output = strdup("");
        return res->output ? VG_OK : VG_ENOMEM;
    }
    res->status = VG_RUN_FAILED;
    size_t cap = 4096;
    res->output = malloc(cap + 1);
    if (!res->output)
        return VG_ENOMEM;
    res->output[0] = '\0';
    int pfd[2], efd[2];
    if (pipe2(pfd, O_CLOEXEC) != 0)
        return VG_EIO;
    /* exec-failure channel: closed by a successful exec */
    if (pipe2(efd, O_CLOEXEC) != 0) {
        close(pfd[0]);
        close(pfd[1]);
        return VG_EIO;
    }
    pid_t pid = fork();
    if (pid < 0) {
        close(pfd[0]);
        close(pfd[1]);
        close(efd[0]);
        close(efd[1]);
        return VG_EIO;
    }
    if (pid == 0) {
        setpgid(0, 0);
        int devnull = open("/dev/null", O_RDONLY);
        if (devnull >= 0) {
            dup2(devnull, 0);
            close(devnull);
        }
        dup2(pfd[1], 1);
        dup2(pfd[1], 2);
        static char *const envp[] = {
            "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
            "LC_ALL=C", "LANG=C", "SYSTEMD_PAGER=", "PAGER=cat", "TERM=dumb", NULL};
        execve(prog, argv, envp);
        int e = errno;
        ssize_t w = write(efd[1], &e, sizeof e);
        (void)w;
        _exit(EXEC_FAILED_CODE);
    }
    close(pfd[1]);
    close(efd[1]);
    long deadline = now_ms() + timeout_ms;
    bool timed_out = false;
    for (;;) {
        long left = deadline - now_ms();
        if (left <= 0) {
            timed_out = true;
            break;
        }
        struct pollfd p = {.fd = pfd[0], .events = POLLIN};
        int pr = poll(&p, 1, (int)VG_MIN(left, 1000L));
        if (pr < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        if (pr == 0)
            continue;
        char buf[8192];
        ssize_t n = read(pfd[0], buf, sizeof buf);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        size_t take = (size_t)n;
        if (res->len + take > max_output) {
            take = max_output - res->len;
            res->truncated = true;
        }
        if (res->len + take > cap) {
            size_t ncap = cap;
            while (ncap < res->len + take)
                ncap *= 2;
            char *nb = realloc(res->output, ncap + 1);
            if (!nb) {
                take = 0;
                res->truncated = true;
            } else {
                res->output = nb;
                cap = ncap;
            }
        }
        memcpy(res->output + res->len, buf, take);
        res->len += take;
        res->output[res->len] = '\0';
        /* keep draining past the cap so the child does not block */
    }
    close(pfd[0]);
    if (timed_out)
        kill(-pid, SIGKILL);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    int exec_errno = 0;
    ssize_t r = read(efd[0], &exec_errno, sizeof exec_errno);
    close(efd[0]);
    if (timed_out) {
        res->status = VG_RUN_TIMEOUT;
    } else if (r == (ssize_t)sizeof exec_errno) {
        res->status = VG_RUN_NOEXEC;
        errno = exec_errno;
    } else if (WIFEXITED(status)) {
        res->status = VG_RUN_OK;
        res->exit_code = WEXITSTATUS(status);
    } else {
        res->status = VG_RUN_FAILED;
        res->exit_code = WIFSIGNALED(status) ? 128 + WTERMSIG(status) : -1;
    }
    return VG_OK;
}
