/* Unit tests: vigil host's privilege drop (privdrop.c).  Needs root (skipped
 * otherwise, exit 77); each case runs in a child so the runner stays root. */
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "host/privdrop.h"
#include "vg_test.h"

static char dir[] = "/tmp/vg-privdrop-XXXXXX";
static char secret[64], state[64];

/* In the child: 0 if every property holds, else the number of the first failed one. */
static int child(void)
{
    char e[VG_ERRBUF_SIZE];
    const char *own[] = {state, NULL};
    if (vg_host_drop_privileges("nobody", NULL, own, e) != VG_OK)
        return 1;
    if (getuid() == 0 || geteuid() == 0 || getgid() == 0 || getegid() == 0)
        return 2;
    if (setuid(0) == 0 || seteuid(0) == 0)
        return 3;
    struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
    struct __user_cap_data_struct d[2];
    if (syscall(SYS_capget, &h, d) != 0 || d[0].effective != (1u << CAP_DAC_READ_SEARCH) ||
        d[0].permitted != (1u << CAP_DAC_READ_SEARCH) || d[1].effective || d[1].permitted)
        return 4;
    if (prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) != 1)
        return 5;
    int fd = open(secret, O_RDONLY); /* root-only 0600: still readable */
    if (fd < 0)
        return 6;
    close(fd);
    if (open(secret, O_WRONLY | O_APPEND) >= 0 || errno != EACCES) /* never writable */
        return 7;
    char f[96];
    snprintf(f, sizeof f, "%s/new.db", state); /* the state directory is ours */
    fd = open(f, O_CREAT | O_WRONLY, 0600);
    if (fd < 0)
        return 8;
    close(fd);
    return 0;
}

static int run_child(int (*fn)(void))
{
    pid_t p = fork();
    if (p == 0)
        _exit(fn());
    int st = 0;
    waitpid(p, &st, 0);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 100;
}

static int child_nouser(void)
{
    char e[VG_ERRBUF_SIZE];
    /* no user, or root: nothing changes */
    if (vg_host_drop_privileges(NULL, NULL, NULL, e) != VG_OK || geteuid() != 0)
        return 1;
    if (vg_host_drop_privileges("root", NULL, NULL, e) != VG_OK || geteuid() != 0)
        return 2;
    if (vg_host_drop_privileges("no-such-user-vigil", NULL, NULL, e) != VG_EINVAL || !strstr(e, "no such user"))
        return 3;
    if (vg_host_drop_privileges("nobody", "no-such-group-vigil", NULL, e) != VG_EINVAL || geteuid() != 0)
        return 4;
    return 0;
}

static void t_drop(void)
{
    VG_CHECK_EQ(run_child(child), 0);
    struct stat st;
    VG_CHECK(stat(state, &st) == 0 && st.st_uid != 0);
    VG_CHECK(stat(secret, &st) == 0 && st.st_uid == 0); /* only what was listed changed hands */
}

static void t_nouser(void)
{
    VG_CHECK_EQ(run_child(child_nouser), 0);
}

static const vg_test tests[] = {{"drop", t_drop}, {"nouser", t_nouser}, {NULL, NULL}};

int vg_test_failures;
int main(void)
{
    if (geteuid() != 0) {
        printf("skipped: needs root\n");
        return 77;
    }
    if (!mkdtemp(dir))
        return 1;
    chmod(dir, 0755);
    snprintf(secret, sizeof secret, "%s/secret.log", dir);
    snprintf(state, sizeof state, "%s/state", dir);
    int fd = open(secret, O_CREAT | O_WRONLY, 0600);
    if (fd < 0 || write(fd, "x\n", 2) != 2 || mkdir(state, 0750) != 0)
        return 1;
    close(fd);
    int failed = 0;
    for (const vg_test *t = tests; t->name; t++) {
        int before = vg_test_failures;
        t->fn();
        if (vg_test_failures != before) {
            failed++;
            fprintf(stderr, "FAIL %s\n", t->name);
        }
    }
    char cmd[96];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0)
        failed++;
    printf("%d passed, %d failed\n", 2 - failed, failed);
    return failed ? 1 : 0;
}
