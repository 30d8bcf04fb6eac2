/* Unit tests: OS_Regex matcher, command splitting and running, SCA rules. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "inspect/osregex.h"
#include "inspect/run.h"
#include "inspect/sca.h"
#include "inspect/sca_out.h"
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

/* A policy whose requirements are not met is not applicable (Wazuh: the scan
 * for that file won't start): no check is evaluated, every check is "not
 * applicable" with the requirements' reason, nothing counts as passed or
 * failed; a later run where they are met evaluates the checks, and a run
 * where they are not met again keeps no earlier result. */
static const char req_policy[] =
    "policy: {id: req_t, name: Requirements test}\n"
    "requirements:\n"
    "  title: \"Marker present\"\n"
    "  description: \"the policy applies where /etc/marker exists\"\n"
    "  condition: any\n"
    "  rules:\n"
    "    - 'f:/etc/marker'\n"
    "checks:\n"
    "  - id: R-1\n    title: present\n    condition: all\n    rules: ['f:/etc/present']\n"
    "  - id: R-2\n    title: absent\n    condition: all\n    rules: ['f:/etc/absent']\n"
    "  - id: R-3\n    title: none absent\n    condition: none\n    rules: ['f:/etc/absent']\n"
    "  - id: R-4\n    title: bad condition\n    condition: some\n    rules: ['f:/etc/present']\n"
    "  - id: R-5\n    title: level 4-5 only\n    levels: [4, 5]\n    condition: all\n"
    "    rules: ['f:/etc/present']\n";

static bool all_na_with(const vg_sca_policy *p, const char *reason, bool level_filter)
{
    for (size_t i = 0; i < vg_sca_count(p); i++) {
        const vg_sca_check *c = vg_sca_check_at(p, i);
        if (level_filter && strcmp(c->id, "R-5") == 0) {
            if (c->result != VG_SCA_SKIPPED)
                return false;
            continue;
        }
        if (c->result != VG_SCA_NA || !c->reason || strcmp(c->reason, reason) != 0)
            return false;
    }
    return true;
}

static void t_requirements(void)
{
    snprintf(tree, sizeof tree, "/tmp/vigil-sca-req-%d", (int)getpid());
    mkdir(tree, 0755);
    put("etc/present", "x\n");
    put("pol.yml", req_policy);
    char pol[256];
    snprintf(pol, sizeof pol, "%s/pol.yml", tree);
    vg_sca_opts o = {.root = tree};
    vg_sca_policy *p = NULL;
    char eb[VG_ERRBUF_SIZE];
    VG_CHECK_EQ(vg_sca_load(pol, &o, &p, eb), VG_OK);
    if (!p)
        return;
    VG_CHECK_EQ(vg_sca_count(p), 5);
    vg_sca_summary s;
    /* before any run: nothing passed */
    vg_sca_summarise(p, &s);
    VG_CHECK_EQ(s.passed, 0);
    VG_CHECK_EQ(s.failed, 0);
    VG_CHECK_EQ(s.na, 4);
    VG_CHECK_EQ(s.errors, 1); /* no valid condition */
    VG_CHECK_STR(vg_sca_check_at(p, 0)->reason, VG_SCA_NOT_RUN);

    /* requirements not met */
    VG_CHECK_EQ(vg_sca_run(p), VG_DECLINED);
    const char *why = vg_sca_requirements_reason(p);
    VG_CHECK_STR(why, "requirements not met (Marker present): failed");
    vg_sca_summarise(p, &s);
    VG_CHECK(s.policy_na);
    VG_CHECK_EQ(s.total, 5);
    VG_CHECK_EQ(s.passed, 0);
    VG_CHECK_EQ(s.failed, 0);
    VG_CHECK_EQ(s.na, 5);
    VG_CHECK_EQ(s.errors, 0);
    VG_CHECK_EQ(s.skipped, 0);
    VG_CHECK_EQ(s.score, -1);
    VG_CHECK(why && all_na_with(p, why, false));
    VG_CHECK_EQ(vg_sca_commands_run(p), 0);

    /* the JSON document says the same */
    vg_jb jb;
    vg_jb_init(&jb);
    vg_sca_json_policy(&jb, NULL, p, 1.0);
    VG_CHECK(vg_jb_ok(&jb));
    char *js = strndup(jb.buf ? jb.buf : "", jb.len);
    VG_CHECK(strstr(js, "\"applicable\":false"));
    VG_CHECK(strstr(js, "\"requirements\":\"requirements not met (Marker present): failed\""));
    VG_CHECK(strstr(js, "\"passed\":0,\"failed\":0,\"not_applicable\":5,\"errors\":0"));
    VG_CHECK(strstr(js, "\"score\":-1"));
    VG_CHECK(!strstr(js, "\"result\":\"passed\""));
    VG_CHECK(!strstr(js, "\"result\":\"failed\""));
    free(js);
    vg_jb_free(&jb);

    /* the event of one of its checks: not applicable, with the reason */
    vg_jb_init(&jb);
    struct timeval tv = {0};
    vg_sca_event(&jb, &tv, "h", p, vg_sca_check_at(p, 0));
    js = strndup(jb.buf ? jb.buf : "", jb.len);
    VG_CHECK(strstr(js, "\"result\":\"not applicable\",\"reason\":\"requirements not met"));
    free(js);
    vg_jb_free(&jb);

    /* requirements met: the checks are evaluated */
    put("etc/marker", "debian\n");
    VG_CHECK_EQ(vg_sca_run(p), VG_OK);
    VG_CHECK(vg_sca_requirements_reason(p) == NULL);
    vg_sca_summarise(p, &s);
    VG_CHECK(!s.policy_na);
    VG_CHECK_EQ(s.passed, 3); /* */
    VG_CHECK_EQ(s.failed, 1); /* */
    VG_CHECK_EQ(s.na, 0);
    VG_CHECK_EQ(s.errors, 1); /* R-4 stays an engine error */
    VG_CHECK_EQ(s.score, 75);
    VG_CHECK(vg_sca_check_at(p, 0)->reason == NULL);
    VG_CHECK_EQ(vg_sca_check_at(p, 3)->result, VG_SCA_ERROR);
    VG_CHECK(vg_sca_check_at(p, 3)->reason && strstr(vg_sca_check_at(p, 3)->reason, "condition"));
    vg_jb_init(&jb);
    vg_sca_json_policy(&jb, NULL, p, 1.0);
    js = strndup(jb.buf ? jb.buf : "", jb.len);
    VG_CHECK(strstr(js, "\"applicable\":true"));
    VG_CHECK(!strstr(js, "\"requirements\":"));
    free(js);
    vg_jb_free(&jb);

    /* not met again: no result of the previous run survives */
    char m[300];
    snprintf(m, sizeof m, "%s/etc/marker", tree);
    VG_CHECK_EQ(unlink(m), 0);
    VG_CHECK_EQ(vg_sca_run(p), VG_DECLINED);
    vg_sca_summarise(p, &s);
    VG_CHECK(s.policy_na);
    VG_CHECK_EQ(s.passed, 0);
    VG_CHECK_EQ(s.failed, 0);
    VG_CHECK_EQ(s.na, 5);
    VG_CHECK(vg_sca_requirements_reason(p) && all_na_with(p, vg_sca_requirements_reason(p), false));
    /* ... and the engine error comes back once they are met */
    put("etc/marker", "debian\n");
    VG_CHECK_EQ(vg_sca_run(p), VG_OK);
    VG_CHECK_EQ(vg_sca_check_at(p, 3)->result, VG_SCA_ERROR);
    vg_sca_free(p);

    /* at level 3 the level 4-5 check is "not required", the others not applicable */
    VG_CHECK_EQ(unlink(m), 0);
    o.level = 3;
    p = NULL;
    VG_CHECK_EQ(vg_sca_load(pol, &o, &p, eb), VG_OK);
    if (p) {
        VG_CHECK_EQ(vg_sca_run(p), VG_DECLINED);
        vg_sca_summarise(p, &s);
        VG_CHECK_EQ(s.passed, 0);
        VG_CHECK_EQ(s.failed, 0);
        VG_CHECK_EQ(s.na, 4);
        VG_CHECK_EQ(s.skipped, 1);
        VG_CHECK(vg_sca_requirements_reason(p) && all_na_with(p, vg_sca_requirements_reason(p), true));
        vg_sca_free(p);
    }

    /* requirements that are not applicable (unreadable content) and ones
     * that cannot be evaluated say why */
    static const char *const reqs[][2] = {
        {"'f:/etc/nofile -> r:x'", "requirements not met (Marker present): not applicable: "},
        {"'q:/etc/marker'", "requirements not met (Marker present): error: "},
    };
    for (size_t i = 0; i < sizeof reqs / sizeof reqs[0]; i++) {
        char body[1024];
        snprintf(body, sizeof body,
                 "policy: {id: req_u, name: U}\nrequirements:\n  title: \"Marker present\"\n"
                 "  description: d\n  condition: all\n  rules:\n    - %s\n"
                 "checks:\n  - id: U-1\n    title: u\n    condition: all\n    rules: ['f:/etc/present']\n",
                 reqs[i][0]);
        put("pol2.yml", body);
        snprintf(pol, sizeof pol, "%s/pol2.yml", tree);
        o.level = 0;
        p = NULL;
        VG_CHECK_EQ(vg_sca_load(pol, &o, &p, eb), VG_OK);
        if (!p)
            continue;
        VG_CHECK_EQ(vg_sca_run(p), VG_DECLINED);
        const char *r = vg_sca_requirements_reason(p);
        VG_CHECK(r && strncmp(r, reqs[i][1], strlen(reqs[i][1])) == 0 && strlen(r) > strlen(reqs[i][1]));
        vg_sca_summarise(p, &s);
        VG_CHECK_EQ(s.passed + s.failed + s.errors, 0);
        VG_CHECK_EQ(s.na, 1);
        vg_sca_free(p);
    }
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", tree);
    VG_CHECK_EQ(system(cmd), 0);
}

static const vg_test tests[] = {
    {"osregex", t_osregex}, {"split", t_split}, {"run", t_run}, {"rules", t_rules},
    {"live_command", t_live_command}, {"samedev", t_samedev},
    {"requirements", t_requirements}, {NULL, NULL}};
VG_TEST_MAIN(tests)
