/* Unit tests: OS_Regex matcher, command splitting and running, SCA rules. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "inspect/osregex.h"
#include "inspect/run.h"
#include "inspect/sca.h"
#include "vg_test.h"

static int re(const char *pat, const char *s)
{
    vg_osre *r;
    char eb[VG_ERRBUF_SIZE];
    if (vg_osre_compile(pat, &r, eb) != VG_OK)
        return -9;
    int m = vg_osre_match(r, s, NULL, NULL);
    vg_osre_free(r);
    return m;
}

static void t_osregex(void)
{
    VG_CHECK_EQ(re("^\\s*PasswordAuthentication\\s*\\t*no", "  PasswordAuthentication no"), 1);
    VG_CHECK_EQ(re("^\\s*PasswordAuthentication\\s*\\t*no", "# PasswordAuthentication no"), 0);
    VG_CHECK_EQ(re("permitrootlogin", "PermitRootLogin no"), 1);      /* case-insensitive */
    VG_CHECK_EQ(re("a.c", "abc"), 0);                                  /* '.' is literal */
    VG_CHECK_EQ(re("a\\.c", "abc"), 1);                                /* '\.' is any */
    VG_CHECK_EQ(re("^active$|^enabled$", "enabled"), 1);
    VG_CHECK_EQ(re("^active$|^enabled$", "enabled-runtime"), 0);
    VG_CHECK_EQ(re("^$", ""), 0);                                      /* empty never matches */
    VG_CHECK_EQ(re("^[org/gnome/login-screen]", "[org/gnome/login-screen]"), 1); /* [ ] literal */
    VG_CHECK_EQ(re("\\d+", "abc"), 0);
    VG_CHECK_EQ(re("d+", "dd+"), 1);                                   /* + after plain char: literal */
    VG_CHECK_EQ(re("d+", "dd"), 0);
    VG_CHECK_EQ(re("\\s", "\t"), 0);                                   /* \s is a space only */
    VG_CHECK_EQ(re("\\w+@\\w+", "a-b@c_d"), 1);
    VG_CHECK_EQ(re("\\+", "a+"), -9);                                  /* unsupported escape */
    VG_CHECK_EQ(re("(a(b))", "ab"), -9);                               /* nested groups */
    VG_CHECK_EQ(re("(a|b)", "a"), -9);                                 /* | inside a group */
    VG_CHECK_EQ(re("\\$HOME", "$HOME"), 1);
    VG_CHECK_EQ(re("x$", "ax"), 1);
    VG_CHECK_EQ(re("x$", "xa"), 0);
    vg_osre *r;
    char eb[VG_ERRBUF_SIZE];
    VG_CHECK_EQ(vg_osre_compile("^\\s*MaxAuthTries\\s+(\\d+)", &r, eb), VG_OK);
    const char *cap;
    size_t cl;
    VG_CHECK_EQ(vg_osre_match(r, "MaxAuthTries 42", &cap, &cl), 1);
    VG_CHECK(cap && cl == 2 && memcmp(cap, "42", 2) == 0);
    vg_osre_free(r);
    VG_CHECK_EQ(vg_osmatch("^.mysql_history$", ".mysql_history"), 1);
    VG_CHECK_EQ(vg_osmatch("^.mysql_history$", "x.mysql_history"), 0);
    VG_CHECK_EQ(vg_osmatch("rules", "audit.RULES"), 1);
    VG_CHECK_EQ(vg_osmatch("!r:^# && r:\\.*", "90-ops"), 0);
}

static void t_split(void)
{
    char **av;
    VG_CHECK_EQ(vg_run_split("sh -c \"cut -f3 -d\\\":\\\" /etc/passwd | sort\"", &av), VG_OK);
    VG_CHECK_STR(av[0], "sh");
    VG_CHECK_STR(av[1], "-c");
    VG_CHECK_STR(av[2], "cut -f3 -d\":\" /etc/passwd | sort");
    VG_CHECK(av[3] == NULL);
    vg_run_argv_free(av);
    VG_CHECK_EQ(vg_run_split("sh -c \"nft list ruleset | awk '/hook input/,/}/'\"", &av), VG_OK);
    VG_CHECK_STR(av[2], "nft list ruleset | awk '/hook input/,/}/'");
    vg_run_argv_free(av);
    VG_CHECK_EQ(vg_run_split("echo \"unterminated", &av), VG_EINVAL);
    VG_CHECK_EQ(vg_run_split("   ", &av), VG_EINVAL);
}

static void t_run(void)
{
    char *ok[] = {"echo", "hello", NULL};
    vg_run_result rr;
    VG_CHECK_EQ(vg_run(ok, 5000, 1024, &rr), VG_OK);
    VG_CHECK_EQ(rr.status, VG_RUN_OK);
    VG_CHECK_STR(rr.output, "hello\n");
    vg_run_result_free(&rr);
    char *missing[] = {"/nonexistent/vigil-test-prog", NULL};
    VG_CHECK_EQ(vg_run(missing, 5000, 1024, &rr), VG_OK);
    VG_CHECK_EQ(rr.status, VG_RUN_NOEXEC);
    vg_run_result_free(&rr);
    char *slow[] = {"sleep", "5", NULL};
    VG_CHECK_EQ(vg_run(slow, 200, 1024, &rr), VG_OK);
    VG_CHECK_EQ(rr.status, VG_RUN_TIMEOUT);
    vg_run_result_free(&rr);
    char *big[] = {"head", "-c", "100000", "/dev/zero", NULL};
    VG_CHECK_EQ(vg_run(big, 5000, 1000, &rr), VG_OK);
    VG_CHECK_EQ(rr.len, 1000);
    VG_CHECK(rr.truncated);
    vg_run_result_free(&rr);
    char *fail[] = {"false", NULL};
    VG_CHECK_EQ(vg_run(fail, 5000, 1024, &rr), VG_OK);
    VG_CHECK_EQ(rr.status, VG_RUN_OK);
    VG_CHECK_EQ(rr.exit_code, 1);
    vg_run_result_free(&rr);
}

static char tree[64];

static void put(const char *rel, const char *content)
{
    char p[512];
    snprintf(p, sizeof p, "%s/%s", tree, rel);
    for (char *s = p + strlen(tree) + 1; (s = strchr(s, '/')); s++) {
        *s = '\0';
        mkdir(p, 0755);
        *s = '/';
    }
    FILE *fp = fopen(p, "w");
    fputs(content, fp);
    fclose(fp);
}

static int ev(const char *rule)
{
    vg_sca_opts o = {.root = tree};
    char reason[512];
    return vg_sca_eval_rule(rule, &o, reason, sizeof reason);
}

static void t_rules(void)
{
    snprintf(tree, sizeof tree, "/tmp/vigil-sca-test-%d", (int)getpid());
    mkdir(tree, 0755);
    put("etc/ssh/sshd_config", "# PermitRootLogin yes\nPermitRootLogin no\nMaxAuthTries 4\n");
    put("etc/audit/rules.d/a.rules", "-w /etc/sudoers -p wa -k scope\n");
    put("etc/audit/rules.d/sub/b.rules", "-e 2\n");
    put("proc/1/comm", "sshd\n");
    put("proc/1/cmdline", "/usr/sbin/sshd");
    put(".vigil-commands.yaml", "commands:\n  - cmd: \"sysctl net.ipv4.ip_forward\"\n    output: \"net.ipv4.ip_forward = 0\\n\"\n");
    /* symbolic links resolve inside the tree, never on the host */
    char lnk[256];
    snprintf(lnk, sizeof lnk, "%s/etc/sshd.link", tree);
    VG_CHECK_EQ(symlink("/etc/ssh/sshd_config", lnk), 0);
    snprintf(lnk, sizeof lnk, "%s/etc/escape", tree);
    VG_CHECK_EQ(symlink("../../../../../../etc", lnk), 0);
    snprintf(lnk, sizeof lnk, "%s/etc/hostfile", tree);
    VG_CHECK_EQ(symlink("/proc/self/status", lnk), 0);
    VG_CHECK_EQ(ev("f:/etc/sshd.link -> r:^PermitRootLogin\\s+no"), 1);
    VG_CHECK_EQ(ev("f:/etc/escape/ssh/sshd_config -> r:^MaxAuthTries"), 1); /* ".." stops at the top */
    VG_CHECK_EQ(ev("f:/etc/hostfile"), 0);                                   /* not the host's /proc */
    /* existence */
    VG_CHECK_EQ(ev("f:/etc/ssh/sshd_config"), 1);
    VG_CHECK_EQ(ev("f:/etc/missing"), 0);
    VG_CHECK_EQ(ev("not f:/etc/missing"), 1);
    VG_CHECK_EQ(ev("f:/etc/missing,/etc/ssh/sshd_config"), 1);
    VG_CHECK_EQ(ev("f:/etc/ssh"), 2);                       /* not a regular file: invalid */
    /* content */
    VG_CHECK_EQ(ev("f:/etc/ssh/sshd_config -> r:^PermitRootLogin\\s+no"), 1);
    VG_CHECK_EQ(ev("f:/etc/ssh/sshd_config -> !r:^# && r:PermitRootLogin\\s+yes"), 0);
    VG_CHECK_EQ(ev("not f:/etc/ssh/sshd_config -> !r:^# && r:PermitRootLogin\\s+yes"), 1);
    VG_CHECK_EQ(ev("f:/etc/missing -> r:x"), 2);            /* missing target: not applicable */
    VG_CHECK_EQ(ev("not f:/etc/missing -> r:x"), 2);        /* negation keeps n/a */
    VG_CHECK_EQ(ev("f:/etc/ssh/sshd_config -> n:^MaxAuthTries\\s+(\\d+) compare <= 4"), 1);
    VG_CHECK_EQ(ev("f:/etc/ssh/sshd_config -> n:^MaxAuthTries\\s+(\\d+) compare < 4"), 0);
    VG_CHECK_EQ(ev("f:/etc/ssh/sshd_config -> n:^MaxAuthTries\\s+(\\d+) compare != 3"), 1);
    VG_CHECK_EQ(ev("f:/etc/ssh/sshd_config -> PermitRootLogin no"), 1); /* literal whole line */
    VG_CHECK_EQ(ev("f:/etc/ssh/sshd_config -> PermitRootLogin"), 0);
    VG_CHECK_EQ(ev("f:/etc/ssh/sshd_config -> n:^MaxAuthTries\\s+(\\d+) <= 4"), -1); /* defect decides */
    /* directories */
    VG_CHECK_EQ(ev("d:/etc/audit/rules.d"), 1);
    VG_CHECK_EQ(ev("d:/etc/nothing"), 0);
    VG_CHECK_EQ(ev("d:/etc/nothing -> r:x -> r:y"), 2);
    VG_CHECK_EQ(ev("d:/etc/audit/rules.d -> r:\\.+.rules$ -> r:-e 2"), 1);   /* recursive walk */
    VG_CHECK_EQ(ev("d:/etc/audit/rules.d -> r:\\.+.rules$ -> r:-e 3"), 0);
    VG_CHECK_EQ(ev("d:/etc/audit/rules.d -> a.rules"), 1);
    VG_CHECK_EQ(ev("d:/etc/audit/rules.d -> r:\\.+.conf$"), 0);
    VG_CHECK_EQ(ev("d:/etc/audit/* -> r:\\.+.rules$"), 2);  /* literal in third-party policies, as Wazuh */
    /* processes */
    VG_CHECK_EQ(ev("p:sshd"), 1);
    VG_CHECK_EQ(ev("not p:telnetd"), 1);
    /* commands under --root use recorded output only */
    VG_CHECK_EQ(ev("c:sysctl net.ipv4.ip_forward -> r:= 0$"), 1);
    VG_CHECK_EQ(ev("c:sysctl net.ipv4.ip_forward -> n:= (\\d+) compare == 1"), 0);
    VG_CHECK_EQ(ev("c:sysctl kernel.randomize_va_space -> r:2"), 2);
    VG_CHECK_EQ(ev("c:uname"), 1);                          /* no pattern: found, not run */
    /* registry and bad syntax */
    VG_CHECK_EQ(ev("r:HKEY_LOCAL_MACHINE\\System -> x"), 2);
    VG_CHECK_EQ(ev("x:/etc/passwd"), -1);
    VG_CHECK_EQ(ev("no type at all"), -1);
    VG_CHECK_EQ(ev("p:sshd -> r:x"), -1);
    VG_CHECK_EQ(ev("c:echo \"unterminated -> r:x"), -1);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", tree);
    VG_CHECK_EQ(system(cmd), 0);
}

static void t_live_command(void)
{
    vg_sca_opts o = {0};
    char reason[512];
    VG_CHECK_EQ(vg_sca_eval_rule("c:echo vigil-ok -> r:^vigil-ok$", &o, reason, sizeof reason), 1);
    VG_CHECK_EQ(vg_sca_eval_rule("c:/nonexistent/prog -> r:x", &o, reason, sizeof reason), 2);
    VG_CHECK(strstr(reason, "Invalid path or wrong permissions") != NULL);
    /* eval_rule has no policy file, so the shell is refused */
    VG_CHECK_EQ(vg_sca_eval_rule("c:sh -c \"echo x\" -> r:x", &o, reason, sizeof reason), 2);
    VG_CHECK(strstr(reason, "shell") != NULL);
    /* empty output is one empty line, as Wazuh splits it */
    VG_CHECK_EQ(vg_sca_eval_rule("c:true -> !r:x", &o, reason, sizeof reason), 1);
}

/* m:TARGET -> PATHS (vigil's own policies only): same device.  Under --root
 * the device comes from the tree's /proc/self/mountinfo; live from st_dev. */
static int dev_result(const char *policy_rule, const char *root)
{
    char pol[256];
    snprintf(pol, sizeof pol, "%s/pol.yml", tree);
    FILE *fp = fopen(pol, "w");
    fprintf(fp, "%spolicy: {id: t, name: t}\nchecks:\n  - id: T-1\n    title: t\n    condition: all\n"
                "    rules:\n      - '%s'\n",
            root ? "vigil:\n  thresholds: {}\n" : "", policy_rule);
    fclose(fp);
    vg_sca_opts o = {.root = root};
    vg_sca_policy *p = NULL;
    char eb[VG_ERRBUF_SIZE];
    if (vg_sca_load(pol, &o, &p, eb) != VG_OK)
        return -2;
    int res = -3;
    if (vg_sca_run(p) == VG_OK && vg_sca_count(p) == 1)
        res = vg_sca_check_at(p, 0)->result;
    vg_sca_free(p);
    return res;
}

static void t_samedev(void)
{
    snprintf(tree, sizeof tree, "/tmp/vigil-sca-dev-%d", (int)getpid());
    mkdir(tree, 0755);
    put("backup/x", "1");
    put("backup old/x", "1");
    put("var/lib/db/x", "1");
    put("srv/x", "1");
    put("proc/self/mountinfo",
        "22 1 8:1 / / rw - ext4 /dev/sda1 rw\n"
        "31 22 8:17 / /backup rw - ext4 /dev/sdb1 rw\n"
        "32 22 8:33 / /srv/ rw - xfs /dev/sdc1 rw\n"
        "33 22 8:17 /x /backup\\040old rw - ext4 /dev/sdb1 rw\n"
        "garbage line\n");
    /* the vigil marker is needed: third-party policies never see m: */
    VG_CHECK_EQ(dev_result("m:/backup -> /var/lib", NULL), VG_SCA_ERROR);
    VG_CHECK_EQ(dev_result("m:/backup -> /var/lib", tree), VG_SCA_FAILED);       /* 8:17 vs 8:1 */
    VG_CHECK_EQ(dev_result("not m:/backup -> /var/lib,/srv", tree), VG_SCA_PASSED);
    VG_CHECK_EQ(dev_result("m:/backup old -> /backup", tree), VG_SCA_PASSED);   /* \040 decoded */
    VG_CHECK_EQ(dev_result("m:/backup/x -> /missing, /backup old", tree), VG_SCA_PASSED);
    VG_CHECK_EQ(dev_result("m:/var/lib/db -> /srv", tree), VG_SCA_FAILED);      /* /srv/ is a mount */
    VG_CHECK_EQ(dev_result("m:/srv/x -> /var/lib", tree), VG_SCA_FAILED);
    VG_CHECK_EQ(dev_result("not m:/nobackup -> /var/lib", tree), VG_SCA_NA);    /* never passes */
    VG_CHECK_EQ(dev_result("m:/backup -> /missing,/gone", tree), VG_SCA_NA);
    VG_CHECK_EQ(dev_result("m:/backup", tree), VG_SCA_ERROR);                   /* needs paths */
    /* live: st_dev */
    VG_CHECK_EQ(dev_result("m:/proc/self -> /proc", "/"), VG_SCA_PASSED);
    VG_CHECK_EQ(dev_result("m:/proc -> /", "/"), VG_SCA_FAILED);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", tree);
    VG_CHECK_EQ(system(cmd), 0);
    /* a tree without a mount table: not applicable, with the reason */
    mkdir(tree, 0755);
    put("backup/x", "1");
    put("var/lib/x", "1");
    VG_CHECK_EQ(dev_result("m:/backup -> /var/lib", tree), VG_SCA_NA);
    VG_CHECK_EQ(system(cmd), 0);
}

static const vg_test tests[] = {
    {"osregex", t_osregex}, {"split", t_split}, {"run", t_run}, {"rules", t_rules},
    {"live_command", t_live_command}, {"samedev", t_samedev}, {NULL, NULL}};
VG_TEST_MAIN(tests)
