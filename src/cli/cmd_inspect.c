/*
 * cmd_inspect.c: `vigil inspect`: run configuration assessment policies
 * (Wazuh SCA format and vigil's own) against this host or a prepared tree,
 * print the results, and write JSON and `sca` events on request.
 * Exit status: 0 all checks evaluated, 1 engine errors or a fatal error,
 * 2 usage, 3 a policy's requirements are not met, 5 a website shows signs
 * of defacement (or did not answer).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "cli/commands.h"
#include "core/eve.h"
#include "core/jbuf.h"
#include <limits.h>
#include <sys/stat.h>

#include "inspect/dpkg.h"
#include "inspect/rpm.h"
#include "inspect/malware.h"
#include "inspect/schedule.h"
#include "inspect/webmon.h"
#include "inspect/report.h"
#include "inspect/sca.h"
#include "inspect/sca_out.h"
#include "inspect/vulndb.h"

#define MAX_POLICIES 32
#define MAX_SETS 64
#define DEFAULT_DB "/var/lib/vigil/vuln.db"
#define DEFAULT_STATE "/var/lib/vigil/inspect.db"

/* Results of the package scan, kept for the JSON and event outputs. */
struct pkgscan {
    bool done;
    vg_osrel rel;
    char ecosystem[64];
    size_t npkgs;
    size_t nrpm;        /* of npkgs, from rpm */
    vg_vuln *v;
    size_t nv;
};

static void usage(FILE *fp)
{
    fprintf(fp,
            "usage: vigil inspect [--policy FILE...] [--level N] [--packages] [--malware PATH...]\n"
            "                     [--web URL...] [options]\n"
            "\n"
            "  --policy FILE     an SCA policy (Wazuh SCA YAML, or vigil's own in data/policies)\n"
            "  --root DIR        evaluate the tree DIR instead of / (commands are not run;\n"
            "                    recorded outputs come from DIR/.vigil-commands.yaml)\n"
            "  --level N         security level 1-5: selects checks and thresholds of vigil policies\n"
            "  --set NAME=VALUE  override a threshold of a vigil policy (repeatable)\n"
            "  --json FILE       write the results as one JSON document\n"
            "  --eve FILE        append one `sca` event per check to FILE\n"
            "  -l DIR            append the events to DIR/eve.json\n"
            "  --timeout SEC     per-command timeout (default 10)\n"
            "  --no-shell        never run `sh -c` rules, even from root-owned third-party policies\n"
            "  --html FILE       write the inspection report (with --level) as standalone HTML\n"
            "  --policies DIR    where vigil's own policies are (default: $VIGIL_DATADIR/policies,\n"
            "                    the source tree, /usr/local/share/vigil/policies, /usr/share/vigil/policies)\n"
            "  --malware PATH    scan PATH (file or directory, repeatable) with the YARA rules\n"
            "  --yara-rules DIR  YARA rules (default: data/yara beside the policies)\n"
            "  --web URL         check the integrity of one of the organisation's own websites\n"
            "                    (repeatable); the first check records the baseline\n"
            "  --web-state DIR   baselines (default /var/lib/vigil/web)\n"
            "  --web-rebaseline  replace the baselines (after a legitimate change)\n"
            "  --web-dns IP[:P]  DNS server for the NS/MX records of the sites' zones\n"
            "                    (default: the first nameserver of /etc/resolv.conf)\n"
            "  --packages        match installed packages (ROOT/var/lib/dpkg/status, and rpm -qa\n"
            "                    where an RPM database exists) against the offline database\n"
            "  --db PATH         vulnerability database (default " DEFAULT_DB ")\n"
            "  -q, --quiet       print only the summary\n"
            "  -v, --verbose     also print policy defects and timings\n"
            "  --state PATH      with --level: record the inspection and the level's evidence\n"
            "                    items in the register (see `vigil inspect schedule`)\n"
            "\n"
            "       vigil inspect feed import FILE... [--db PATH] [--release LIST]\n"
            "  import the Debian Security Tracker JSON or OSV JSON files into the database\n"
            "  (--release bookworm,trixie keeps only those tracker releases)\n"
            "       vigil inspect schedule --level N [--state PATH] [--months M] [--eve FILE]\n"
            "  next inspection due for the level (12 months; 6 at level 5) and overdue evidence\n"
            "       vigil inspect evidence list --level N [--state PATH]\n"
            "       vigil inspect evidence provide ID --ref TEXT [--state PATH]\n"
            "  the register of management controls that need documentary evidence\n"
            "       vigil inspect register push --server URL [--token-file F] [--system NAME]\n"
            "                     [--level N] [--state PATH] [--tls-dir DIR]\n"
            "  send the schedule's inspections and the register to the server, which keeps\n"
            "  the merged copy (token: --token-file or $VIGIL_TOKEN; --tls-dir: the state\n"
            "  directory of `vigil forward --enroll`, with ca.crt and the client certificate)\n");
}

static int64_t now_s(void)
{
    const char *fake = getenv("VIGIL_NOW"); /* tests: a fixed "now" in Unix seconds */
    return fake ? (int64_t)strtoll(fake, NULL, 10) : (int64_t)time(NULL);
}

static void ymd(int64_t t, char out[16])
{
    time_t tt = (time_t)t;
    struct tm tm;
    gmtime_r(&tt, &tm);
    strftime(out, 16, "%Y-%m-%d", &tm);
}

static void compliance_event(vg_eve *eve, const char *kind, int level, const char *id,
                             const char *title, int64_t due, long days)
{
    vg_jb jb;
    vg_jb_init(&jb);
    struct timeval tv;
    gettimeofday(&tv, NULL);
    char host[256] = "";
    gethostname(host, sizeof host - 1);
    char d[16];
    ymd(due, d);
    vg_eve_begin(&jb, &tv, "compliance");
    vg_jb_str(&jb, "host", host);
    vg_jb_open_obj(&jb, "compliance");
    vg_jb_str(&jb, "kind", kind);
    vg_jb_u64(&jb, "level", (uint64_t)level);
    if (id)
        vg_jb_str(&jb, "id", id);
    if (title)
        vg_jb_str(&jb, "title", title);
    vg_jb_str(&jb, "due", d);
    vg_jb_i64(&jb, "days_overdue", days);
    vg_jb_close_obj(&jb);
    vg_jb_close_obj(&jb);
    (void)vg_eve_write(eve, &jb);
    vg_jb_free(&jb);
}

/* vigil inspect schedule | evidence ... */
static int sched_cmd(int argc, char **argv)
{
    const char *state = DEFAULT_STATE, *eve_path = NULL, *ref = NULL, *id = NULL;
    int level = 0, months = 0;
    const char *sub = argv[0];
    const char *action = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--state") == 0 && i + 1 < argc)
            state = argv[++i];
        else if (strcmp(argv[i], "--level") == 0 && i + 1 < argc)
            level = atoi(argv[++i]);
        else if (strcmp(argv[i], "--months") == 0 && i + 1 < argc)
            months = atoi(argv[++i]);
        else if (strcmp(argv[i], "--eve") == 0 && i + 1 < argc)
            eve_path = argv[++i];
        else if (strcmp(argv[i], "--ref") == 0 && i + 1 < argc)
            ref = argv[++i];
        else if (argv[i][0] != '-' && !action && strcmp(sub, "evidence") == 0)
            action = argv[i];
        else if (argv[i][0] != '-' && action && !id)
            id = argv[i];
        else {
            fprintf(stderr, "vigil inspect %s: unexpected '%s'\n", sub, argv[i]);
            return 2;
        }
    }
    bool provide = action && strcmp(action, "provide") == 0;
    if ((!provide && (level < 1 || level > 5)) || (strcmp(sub, "evidence") == 0 && !action) ||
        (action && !provide && strcmp(action, "list") != 0) || (provide && (!id || !ref)) ||
        months < 0 || months > 120) {
        fprintf(stderr, "usage: vigil inspect schedule --level N [--state PATH] [--months M] [--eve FILE]\n"
                        "       vigil inspect evidence list --level N [--state PATH]\n"
                        "       vigil inspect evidence provide ID --ref TEXT [--state PATH]\n");
        return 2;
    }
    char errbuf[VG_ERRBUF_SIZE];
    vg_sched *s;
    if (vg_sched_open(state, &s, errbuf) != VG_OK) {
        fprintf(stderr, "vigil inspect: %s\n", errbuf);
        return 1;
    }
    int64_t now = now_s();
    int rc = 0;
    char d1[16], d2[16];
    if (provide) {
        if (vg_sched_evidence_provide(s, id, ref, now, errbuf) != VG_OK) {
            fprintf(stderr, "vigil inspect: %s\n", errbuf);
            rc = 1;
        } else {
            printf("Evidence %s recorded: %s\n", id, ref);
        }
        vg_sched_close(s);
        return rc;
    }
    vg_eve *eve = NULL;
    if (eve_path && vg_eve_open(&eve, eve_path, false, errbuf) != VG_OK) {
        fprintf(stderr, "vigil inspect: %s\n", errbuf);
        vg_sched_close(s);
        return 1;
    }
    if (strcmp(sub, "schedule") == 0) {
        vg_sched_status st;
        if (vg_sched_status_get(s, level, months, now, &st, errbuf) != VG_OK) {
            fprintf(stderr, "vigil inspect: %s\n", errbuf);
            rc = 1;
        } else {
            ymd(st.due, d2);
            if (st.last) {
                ymd(st.last, d1);
                printf("Level %d: every %d months; last inspection %s; next due %s%s\n", level,
                       st.months, d1, d2, st.overdue ? " (OVERDUE)" : "");
            } else {
                printf("Level %d: every %d months; no inspection recorded: due now\n", level, st.months);
            }
            if (st.overdue || !st.last) {
                rc = 6;
                if (eve)
                    compliance_event(eve, "inspection_overdue", level, NULL, NULL, st.due, st.days_overdue);
            }
        }
    }
    (void)vg_sched_evidence_sync(s, level, now, 30, errbuf);
    vg_evidence *ev = NULL;
    size_t n = 0;
    if (vg_sched_evidence_list(s, level, &ev, &n, errbuf) == VG_OK) {
        size_t overdue = 0;
        for (size_t i = 0; i < n; i++) {
            bool late = ev[i].due < now;
            overdue += late;
            ymd(ev[i].due, d1);
            if (strcmp(sub, "evidence") == 0 || late)
                printf("  %-9s %-8s due %s%s  %s%s%s\n", ev[i].id, ev[i].status, d1, late ? " LATE" : "",
                       ev[i].title, ev[i].ref[0] ? " | " : "", ev[i].ref);
            if (late && eve)
                compliance_event(eve, "evidence_overdue", level, ev[i].id, ev[i].title, ev[i].due,
                                 (long)((now - ev[i].due) / 86400));
        }
        printf("Evidence register: %zu items for level %d, %zu overdue\n", n, level, overdue);
        if (overdue && strcmp(sub, "schedule") == 0)
            rc = 6;
        free(ev);
    }
    vg_eve_close(eve);
    vg_sched_close(s);
    return rc;
}

/* vigil inspect register push ... */
static int register_cmd(int argc, char **argv)
{
    const char *state = DEFAULT_STATE, *server = NULL, *token_file = NULL, *system = NULL,
               *tls_dir = NULL;
    int level = 5;
    bool ok = argc >= 2 && strcmp(argv[1], "push") == 0;
    for (int i = 2; ok && i < argc; i++) {
        if (strcmp(argv[i], "--state") == 0 && i + 1 < argc)
            state = argv[++i];
        else if (strcmp(argv[i], "--server") == 0 && i + 1 < argc)
            server = argv[++i];
        else if (strcmp(argv[i], "--token-file") == 0 && i + 1 < argc)
            token_file = argv[++i];
        else if (strcmp(argv[i], "--system") == 0 && i + 1 < argc)
            system = argv[++i];
        else if (strcmp(argv[i], "--tls-dir") == 0 && i + 1 < argc)
            tls_dir = argv[++i];
        else if (strcmp(argv[i], "--level") == 0 && i + 1 < argc)
            level = atoi(argv[++i]);
        else
            ok = false;
    }
    if (!ok || !server || level < 1 || level > 5 ||
        (strncmp(server, "http://", 7) != 0 && strncmp(server, "https://", 8) != 0)) {
        fprintf(stderr, "usage: vigil inspect register push --server http(s)://HOST:PORT "
                        "[--token-file F] [--system NAME] [--level N] [--state PATH] [--tls-dir DIR]\n");
        return 2;
    }
    char token[160] = "";
    if (token_file) {
        FILE *fp = fopen(token_file, "r");
        if (!fp || !fgets(token, sizeof token, fp)) {
            fprintf(stderr, "vigil inspect: cannot read the token from %s\n", token_file);
            if (fp)
                fclose(fp);
            return 1;
        }
        fclose(fp);
        token[strcspn(token, "\r\n \t")] = '\0';
    } else if (getenv("VIGIL_TOKEN")) {
        snprintf(token, sizeof token, "%s", getenv("VIGIL_TOKEN"));
    }
    char errbuf[VG_ERRBUF_SIZE], host[256] = "";
    gethostname(host, sizeof host - 1);
    vg_sched *s;
    if (vg_sched_open(state, &s, errbuf) != VG_OK) {
        fprintf(stderr, "vigil inspect: %s\n", errbuf);
        return 1;
    }
    vg_jb jb;
    vg_jb_init(&jb);
    int rc = vg_sched_export(s, level, system, host, &jb, errbuf);
    vg_sched_close(s);
    if (rc != VG_OK) {
        fprintf(stderr, "vigil inspect: %s\n", errbuf);
        vg_jb_free(&jb);
        return 1;
    }
    vg_sched_push_opts po = {.url = server, .token = token[0] ? token : NULL, .tls_dir = tls_dir,
                             .timeout_s = 30};
    long status = 0;
    char reply[1024];
    rc = vg_sched_push(&po, jb.buf, jb.len, &status, reply, sizeof reply, errbuf);
    vg_jb_free(&jb);
    if (rc != VG_OK) {
        fprintf(stderr, "vigil inspect: %s\n", errbuf);
        return 1;
    }
    if (status != 200) {
        fprintf(stderr, "vigil inspect: the server refused the register (HTTP %ld): %s\n", status,
                reply);
        return 1;
    }
    printf("Register pushed to %s: %s\n", server, reply);
    return 0;
}

static int feed_import(int argc, char **argv)
{
    const char *db = DEFAULT_DB, *releases = NULL;
    const char *files[256];
    size_t nf = 0;
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "--db") == 0 && i + 1 < argc)
            db = argv[++i];
        else if (strcmp(argv[i], "--release") == 0 && i + 1 < argc)
            releases = argv[++i];
        else if (argv[i][0] == '-' && argv[i][1]) {
            fprintf(stderr, "vigil inspect feed import: unknown option %s\n", argv[i]);
            return 2;
        } else if (nf < 256)
            files[nf++] = argv[i];
    }
    if (argc < 2 || strcmp(argv[1], "import") != 0 || nf == 0) {
        fprintf(stderr, "usage: vigil inspect feed import FILE... [--db PATH] [--release bookworm,...]\n");
        return 2;
    }
    char errbuf[VG_ERRBUF_SIZE];
    vg_vulndb *v;
    if (vg_vulndb_open(db, &v, errbuf) != VG_OK) {
        fprintf(stderr, "vigil inspect: %s\n", errbuf);
        return 1;
    }
    vg_vulndb_set_releases(v, releases);
    int rc = 0;
    for (size_t i = 0; i < nf; i++) {
        vg_feed_stats st;
        if (vg_feed_import_file(v, files[i], &st, errbuf) != VG_OK) {
            fprintf(stderr, "vigil inspect: %s\n", errbuf);
            rc = 1;
            continue;
        }
        printf("%s: %s: %zu %s, %zu records, %zu skipped\n", files[i], st.format, st.packages,
               strcmp(st.format, "osv") == 0 ? "advisories" : "source packages", st.records, st.skipped);
    }
    vg_vulndb_close(v);
    return rc;
}

static int scan_packages(const char *root, const char *db, struct pkgscan *ps, bool quiet)
{
    char errbuf[VG_ERRBUF_SIZE];
    vg_pkglist pl;
    char dpkg_err[VG_ERRBUF_SIZE];
    bool have_dpkg = vg_dpkg_load(root, &pl, dpkg_err) == VG_OK;
    if (!have_dpkg)
        memset(&pl, 0, sizeof pl);
    /* rpm where present: `rpm -qa` by execve (recorded output under --root) */
    vg_pkglist rl;
    int rrc = vg_rpm_load(root, 60000, &rl, errbuf);
    if (rrc == VG_OK) {
        ps->nrpm = rl.n;
        if (vg_pkglist_take(&pl, &rl) != VG_OK) {
            vg_pkglist_free(&rl);
            vg_pkglist_free(&pl);
            fprintf(stderr, "vigil inspect: out of memory\n");
            return 1;
        }
    } else if (rrc != VG_DECLINED) {
        fprintf(stderr, "vigil inspect: %s\n", errbuf);
        if (!have_dpkg) {
            vg_pkglist_free(&pl);
            return 1;
        }
    }
    if (!have_dpkg && rrc != VG_OK) {
        fprintf(stderr, "vigil inspect: %s (and no RPM database)\n", dpkg_err);
        return 1;
    }
    if (vg_osrel_load(root, &ps->rel) != VG_OK)
        fprintf(stderr, "vigil inspect: warning: no os-release; OSV matching disabled\n");
    if (strcmp(ps->rel.id, "debian") == 0)
        snprintf(ps->ecosystem, sizeof ps->ecosystem, "Debian:%s", ps->rel.version_id);
    else if (strcmp(ps->rel.id, "ubuntu") == 0)
        snprintf(ps->ecosystem, sizeof ps->ecosystem, "Ubuntu:%s", ps->rel.version_id);
    else if (strcmp(ps->rel.id, "almalinux") == 0)
        snprintf(ps->ecosystem, sizeof ps->ecosystem, "AlmaLinux:%.*s", /* OSV: major only */
                 (int)strcspn(ps->rel.version_id, "."), ps->rel.version_id);
    else if (strcmp(ps->rel.id, "rocky") == 0)
        snprintf(ps->ecosystem, sizeof ps->ecosystem, "Rocky Linux:%.*s",
                 (int)strcspn(ps->rel.version_id, "."), ps->rel.version_id);
    else if (strcmp(ps->rel.id, "rhel") == 0)
        snprintf(ps->ecosystem, sizeof ps->ecosystem, "Red Hat");
    else if (strncmp(ps->rel.id, "opensuse", 8) == 0)
        snprintf(ps->ecosystem, sizeof ps->ecosystem, "openSUSE");
    else if (strcmp(ps->rel.id, "sles") == 0)
        snprintf(ps->ecosystem, sizeof ps->ecosystem, "SUSE");
    ps->npkgs = pl.n;
    vg_vulndb *v;
    int rc = 0;
    if (vg_vulndb_open(db, &v, errbuf) != VG_OK) {
        fprintf(stderr, "vigil inspect: %s\n", errbuf);
        vg_pkglist_free(&pl);
        return 1;
    }
    if (vg_vuln_match(v, &pl, strcmp(ps->rel.id, "debian") == 0 ? ps->rel.codename : NULL,
                      ps->ecosystem, &ps->v, &ps->nv, errbuf) != VG_OK) {
        fprintf(stderr, "vigil inspect: %s\n", errbuf);
        rc = 1;
    }
    vg_vulndb_close(v);
    ps->done = rc == 0;
    printf("Packages: %zu installed%s (%s %s%s%s), %zu vulnerable package findings\n", pl.n,
           ps->nrpm ? (ps->nrpm == pl.n ? " from rpm" : ", dpkg and rpm") : "",
           ps->rel.id[0] ? ps->rel.id : "unknown", ps->rel.version_id,
           ps->rel.codename[0] ? " " : "", ps->rel.codename, ps->nv);
    if (!quiet)
        for (size_t i = 0; i < ps->nv; i++) {
            const vg_vuln *x = &ps->v[i];
            printf("  %-16s %-24s %s (source %s %s) fixed in %s [%s, %s]\n", x->id, x->package,
                   x->version, x->source, x->source_version, x->fixed ? x->fixed : "(no fix yet)",
                   x->severity ? x->severity : "severity unknown", x->feed);
        }
    vg_pkglist_free(&pl);
    return rc;
}

static int write_json(const char *path, vg_sca_policy **pols, size_t n, const double *ms,
                      const struct pkgscan *ps, const vg_report_in *rin)
{
    vg_jb jb;
    vg_jb_init(&jb);
    vg_jb_open_obj(&jb, NULL);
    vg_jb_str(&jb, "tool", "vigil inspect");
    vg_jb_str(&jb, "version", VG_VERSION);
    if (rin->level)
        vg_report_json_members(&jb, rin);
    if (rin->nweb) {
        vg_jb_open_arr(&jb, "web");
        for (size_t i = 0; i < rin->nweb; i++) {
            vg_jb_open_obj(&jb, NULL);
            vg_web_json(&jb, &rin->web[i]);
            vg_jb_close_obj(&jb);
        }
        vg_jb_close_arr(&jb);
    }
    if (rin->mal_scanned) {
        vg_jb_open_obj(&jb, "malware");
        vg_jb_u64(&jb, "files", rin->mal_files);
        vg_jb_open_arr(&jb, "detections");
        for (size_t i = 0; i < rin->nmal; i++) {
            vg_jb_open_obj(&jb, NULL);
            vg_mal_hit_json(&jb, &rin->mal[i]);
            vg_jb_close_obj(&jb);
        }
        vg_jb_close_arr(&jb);
        vg_jb_close_obj(&jb);
    }
    vg_jb_open_arr(&jb, "policies");
    for (size_t i = 0; i < n; i++)
        vg_sca_json_policy(&jb, NULL, pols[i], ms[i]);
    vg_jb_close_arr(&jb);
    if (ps->done) {
        vg_jb_open_obj(&jb, "packages");
        vg_jb_u64(&jb, "installed", ps->npkgs);
        vg_jb_u64(&jb, "installed_rpm", ps->nrpm);
        vg_jb_str(&jb, "os", ps->rel.id);
        vg_jb_str(&jb, "release", ps->rel.codename);
        vg_jb_str(&jb, "ecosystem", ps->ecosystem);
        vg_jb_open_arr(&jb, "vulnerabilities");
        for (size_t i = 0; i < ps->nv; i++) {
            vg_jb_open_obj(&jb, NULL);
            vg_vuln_json(&jb, &ps->v[i]);
            vg_jb_close_obj(&jb);
        }
        vg_jb_close_arr(&jb);
        vg_jb_close_obj(&jb);
    }
    vg_jb_close_obj(&jb);
    int rc = 0;
    FILE *fp = strcmp(path, "-") == 0 ? stdout : fopen(path, "w");
    if (!fp || !vg_jb_ok(&jb)) {
        fprintf(stderr, "vigil inspect: cannot write %s\n", path);
        rc = 1;
    } else {
        fwrite(jb.buf, 1, jb.len, fp);
        fputc('\n', fp);
        if (fp != stdout)
            fclose(fp);
    }
    vg_jb_free(&jb);
    return rc;
}

static int write_events(const char *path, vg_sca_policy **pols, size_t n, const struct pkgscan *ps,
                        const vg_report_in *rin)
{
    char errbuf[VG_ERRBUF_SIZE];
    vg_eve *eve;
    if (vg_eve_open(&eve, path, false, errbuf) != VG_OK) {
        fprintf(stderr, "vigil inspect: %s\n", errbuf);
        return 1;
    }
    char host[256] = "";
    gethostname(host, sizeof host - 1);
    struct timeval tv;
    gettimeofday(&tv, NULL);
    vg_jb jb;
    vg_jb_init(&jb);
    /* A policy whose requirements were not met evaluated nothing: its
     * checks are not results (their result field is still the default). */
    for (size_t i = 0; i < n; i++)
        for (size_t k = 0; !vg_sca_requirements_reason(pols[i]) && k < vg_sca_count(pols[i]); k++) {
            const vg_sca_check *c = vg_sca_check_at(pols[i], k);
            if (c->result == VG_SCA_SKIPPED)
                continue;
            vg_jb_reset(&jb);
            vg_sca_event(&jb, &tv, host, pols[i], c);
            (void)vg_eve_write(eve, &jb);
        }
    if (rin->level && n) {
        /* The run's summary: the server sets the system's compliance from it. */
        size_t P = 0, F = 0, NA = 0, E = 0;
        for (size_t i = 0; i < n; i++) {
            if (vg_sca_requirements_reason(pols[i]))
                continue;
            vg_sca_summary sm;
            vg_sca_summarise(pols[i], &sm);
            P += sm.passed;
            F += sm.failed;
            NA += sm.na;
            E += sm.errors;
        }
        vg_jb_reset(&jb);
        vg_eve_begin(&jb, &tv, "compliance");
        vg_jb_str(&jb, "host", host);
        vg_jb_open_obj(&jb, "compliance");
        vg_jb_str(&jb, "kind", "summary");
        vg_jb_u64(&jb, "level", (uint64_t)rin->level);
        vg_jb_u64(&jb, "score", P + F ? (uint64_t)((P * 100 + (P + F) / 2) / (P + F)) : 100);
        vg_jb_u64(&jb, "passed", P);
        vg_jb_u64(&jb, "failed", F);
        vg_jb_u64(&jb, "not_applicable", NA);
        vg_jb_u64(&jb, "errors", E);
        vg_jb_u64(&jb, "vulnerable_packages", ps->done ? ps->nv : 0);
        vg_jb_u64(&jb, "malware", rin->nmal);
        vg_jb_str(&jb, "version", VG_VERSION);
        vg_jb_close_obj(&jb);
        vg_jb_close_obj(&jb);
        (void)vg_eve_write(eve, &jb);
    }
    for (size_t i = 0; ps->done && i < ps->nv; i++) {
        vg_jb_reset(&jb);
        vg_eve_begin(&jb, &tv, "vuln");
        vg_jb_str(&jb, "host", host);
        vg_jb_open_obj(&jb, "vuln");
        vg_vuln_json(&jb, &ps->v[i]);
        vg_jb_str(&jb, "release", ps->rel.codename);
        vg_jb_close_obj(&jb);
        vg_jb_close_obj(&jb);
        (void)vg_eve_write(eve, &jb);
    }
    for (size_t i = 0; i < rin->nweb; i++) {
        vg_jb_reset(&jb);
        vg_eve_begin(&jb, &tv, "web");
        vg_jb_str(&jb, "host", host);
        vg_jb_open_obj(&jb, "web");
        vg_web_json(&jb, &rin->web[i]);
        vg_jb_close_obj(&jb);
        vg_jb_close_obj(&jb);
        (void)vg_eve_write(eve, &jb);
    }
    for (size_t i = 0; i < rin->nmal; i++) {
        vg_jb_reset(&jb);
        vg_eve_begin(&jb, &tv, "malware");
        vg_jb_str(&jb, "host", host);
        vg_jb_open_obj(&jb, "malware");
        vg_mal_hit_json(&jb, &rin->mal[i]);
        vg_jb_close_obj(&jb);
        vg_jb_close_obj(&jb);
        (void)vg_eve_write(eve, &jb);
    }
    vg_jb_free(&jb);
    vg_eve_close(eve);
    return 0;
}

/* Locate data/policies: --policies, $VIGIL_DATADIR, next to the binary in a
 * build tree, then the install locations. */
static bool find_policies(const char *given, char *out, size_t n)
{
    char cand[6][PATH_MAX];
    int k = 0;
    if (given)
        snprintf(cand[k++], PATH_MAX, "%s", given);
    const char *env = getenv("VIGIL_DATADIR");
    if (env)
        snprintf(cand[k++], PATH_MAX, "%.4000s/policies", env);
    char exe[PATH_MAX];
    ssize_t l = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (l > 0) {
        exe[l] = '\0';
        char *s = strrchr(exe, '/');
        if (s)
            *s = '\0';
        snprintf(cand[k++], PATH_MAX, "%.4000s/../../../data/policies", exe); /* build-x/src/cli */
        snprintf(cand[k++], PATH_MAX, "%.4000s/../share/vigil/policies", exe);
    }
    snprintf(cand[k++], PATH_MAX, "/usr/local/share/vigil/policies");
    snprintf(cand[k++], PATH_MAX, "/usr/share/vigil/policies");
    for (int i = 0; i < k; i++) {
        char f[PATH_MAX + 32];
        if (snprintf(f, sizeof f, "%s/vn_level.yml", cand[i]) >= (int)sizeof f)
            continue;
        if (access(f, R_OK) == 0)
            return snprintf(out, n, "%s", cand[i]) < (int)n;
        if (given)
            return false;
    }
    return false;
}

static void progress(void *ctx, size_t done, size_t total, const char *id)
{
    const char *name = ctx;
    fprintf(stderr, "\r\033[K%s: %zu/%zu %s", name, done, total, id);
    if (done == total)
        fputc('\n', stderr);
}

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

int vg_cmd_inspect(int argc, char **argv)
{
    static const struct option opts[] = {
        {"policy", required_argument, NULL, 'p'}, {"root", required_argument, NULL, 'r'},
        {"level", required_argument, NULL, 'L'},  {"set", required_argument, NULL, 's'},
        {"json", required_argument, NULL, 'j'},   {"eve", required_argument, NULL, 'e'},
        {"timeout", required_argument, NULL, 't'}, {"no-shell", no_argument, NULL, 'n'},
        {"quiet", no_argument, NULL, 'q'},        {"verbose", no_argument, NULL, 'v'},
        {"packages", no_argument, NULL, 'P'},     {"db", required_argument, NULL, 'D'},
        {"html", required_argument, NULL, 'H'},   {"policies", required_argument, NULL, 'Y'},
        {"malware", required_argument, NULL, 'M'}, {"yara-rules", required_argument, NULL, 'R'},
        {"web", required_argument, NULL, 'W'},    {"web-state", required_argument, NULL, 'S'},
        {"web-rebaseline", no_argument, NULL, 'B'}, {"state", required_argument, NULL, 'T'},
        {"web-dns", required_argument, NULL, 'N'},
        {"help", no_argument, NULL, 'h'},         {NULL, 0, NULL, 0}};
    if (argc > 1 && strcmp(argv[1], "feed") == 0)
        return feed_import(argc - 1, argv + 1);
    if (argc > 1 && (strcmp(argv[1], "schedule") == 0 || strcmp(argv[1], "evidence") == 0))
        return sched_cmd(argc - 1, argv + 1);
    if (argc > 1 && strcmp(argv[1], "register") == 0)
        return register_cmd(argc - 1, argv + 1);
    const char *policies[MAX_POLICIES];
    size_t npol = 0;
    const char *sets[MAX_SETS];
    size_t nsets = 0;
    const char *root = NULL, *json = NULL, *eve = NULL, *logdir = NULL;
    int level = 0, timeout = 10;
    bool quiet = false, verbose = false, no_shell = false, packages = false;
    const char *db = DEFAULT_DB, *html = NULL, *poldir = NULL;
    bool db_given = false;
    const char *malpaths[64];
    size_t nmal = 0;
    const char *yara_dir = NULL;
    vg_mal_result mres = {0};
    const char *urls[32];
    size_t nurls = 0;
    const char *web_state = "/var/lib/vigil/web";
    const char *web_dns = NULL;
    bool rebaseline = false;
    const char *state = NULL;
    vg_evidence *evidence = NULL;
    size_t nevidence = 0;
    vg_web_result *web = NULL;
    size_t nweb = 0;
    bool mal_done = false;
    struct pkgscan ps = {0};
    char defpol[2][PATH_MAX + 32];
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "l:qvh", opts, NULL)) != -1) {
        switch (c) {
        case 'p':
            if (npol == MAX_POLICIES) {
                fprintf(stderr, "vigil inspect: at most %d policies\n", MAX_POLICIES);
                return 2;
            }
            policies[npol++] = optarg;
            break;
        case 'r': root = optarg; break;
        case 'L':
            level = atoi(optarg);
            if (level < 1 || level > 5) {
                fprintf(stderr, "vigil inspect: --level: expected 1 to 5, got '%s'\n", optarg);
                return 2;
            }
            break;
        case 's':
            if (nsets == MAX_SETS || !strchr(optarg, '=')) {
                fprintf(stderr, "vigil inspect: --set: expected NAME=VALUE\n");
                return 2;
            }
            sets[nsets++] = optarg;
            break;
        case 'j': json = optarg; break;
        case 'e': eve = optarg; break;
        case 'l': logdir = optarg; break;
        case 't':
            timeout = atoi(optarg);
            if (timeout < 1 || timeout > 3600) {
                fprintf(stderr, "vigil inspect: --timeout: expected 1 to 3600 seconds\n");
                return 2;
            }
            break;
        case 'n': no_shell = true; break;
        case 'P': packages = true; break;
        case 'D': db = optarg; db_given = true; break;
        case 'H': html = optarg; break;
        case 'Y': poldir = optarg; break;
        case 'M':
            if (nmal == 64) {
                fprintf(stderr, "vigil inspect: at most 64 --malware paths\n");
                return 2;
            }
            malpaths[nmal++] = optarg;
            break;
        case 'R': yara_dir = optarg; break;
        case 'W':
            if (nurls == 32) {
                fprintf(stderr, "vigil inspect: at most 32 --web URLs\n");
                return 2;
            }
            urls[nurls++] = optarg;
            break;
        case 'S': web_state = optarg; break;
        case 'N': web_dns = optarg; break;
        case 'B': rebaseline = true; break;
        case 'T': state = optarg; break;
        case 'q': quiet = true; break;
        case 'v': verbose = true; break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (optind < argc || (npol == 0 && !packages && !level && !nmal && !nurls)) {
        usage(stderr);
        return 2;
    }
    if (html && !level) {
        fprintf(stderr, "vigil inspect: --html needs --level N (the report is per level)\n");
        return 2;
    }
    const char *pkgs_note = NULL;
    if (level && npol == 0) {
        /* everything applicable: vigil's policies, and packages when a feed was imported */
        char dir[PATH_MAX];
        if (!find_policies(poldir, dir, sizeof dir)) {
            fprintf(stderr, "vigil inspect: cannot find vigil's policies (vn_level.yml); use --policies DIR\n");
            return 1;
        }
        snprintf(defpol[0], sizeof defpol[0], "%s/vn_level.yml", dir);
        snprintf(defpol[1], sizeof defpol[1], "%s/debian_baseline.yml", dir);
        policies[npol++] = defpol[0];
        if (access(defpol[1], R_OK) == 0)
            policies[npol++] = defpol[1];
        struct stat st;
        if (db_given || stat(db, &st) == 0)
            packages = true;
        else
            pkgs_note = "Chưa có cơ sở dữ liệu lỗ hổng (vigil inspect feed import) / no vulnerability "
                        "database: import a feed with `vigil inspect feed import`";
        /* web roots are scanned for web shells unless paths were given */
        static char webroot[PATH_MAX + 16];
        snprintf(webroot, sizeof webroot, "%s/var/www", root && strcmp(root, "/") != 0 ? root : "");
        if (nmal == 0 && stat(webroot, &st) == 0 && S_ISDIR(st.st_mode))
            malpaths[nmal++] = webroot;
    }
    bool tty = isatty(2) && !quiet;
    if (npol && !root && geteuid() != 0)
        fprintf(stderr, "vigil inspect: warning: not running as root: rules that need privileges "
                        "(sshd -T, auditctl, /etc/shadow) will be not applicable or failed\n");
    vg_sca_opts so = {.root = root, .cmd_timeout_ms = timeout * 1000, .level = level,
                      .overrides = sets, .noverrides = nsets, .force_no_shell = no_shell};
    vg_sca_policy *pols[MAX_POLICIES];
    double ms[MAX_POLICIES];
    size_t loaded = 0;
    int rc = 0;
    char errbuf[VG_ERRBUF_SIZE];
    for (size_t i = 0; i < npol; i++) {
        if (vg_sca_load(policies[i], &so, &pols[loaded], errbuf) != VG_OK) {
            fprintf(stderr, "vigil inspect: %s\n", errbuf);
            rc = 1;
            goto out;
        }
        loaded++;
    }
    for (size_t i = 0; i < loaded; i++) {
        vg_sca_policy *p = pols[i];
        if (tty)
            vg_sca_set_progress(p, progress, (void *)vg_sca_policy_id(p));
        double t0 = now_ms();
        int r = vg_sca_run(p);
        ms[i] = now_ms() - t0;
        printf("Policy %s (%s)\n", vg_sca_policy_id(p), vg_sca_policy_name(p));
        if (r == VG_DECLINED) {
            printf("  %s\n", vg_sca_requirements_reason(p));
            if (rc == 0)
                rc = 3;
            continue;
        }
        if (!quiet)
            for (size_t k = 0; k < vg_sca_count(p); k++) {
                const vg_sca_check *ck = vg_sca_check_at(p, k);
                if (ck->result == VG_SCA_SKIPPED)
                    continue;
                printf("  [%-14s] %s %s\n", vg_sca_result_name(ck->result), ck->id,
                       ck->title ? ck->title : "");
                if (ck->reason)
                    printf("                   reason: %s\n", ck->reason);
                if (verbose)
                    printf("                   %.1f ms\n", ck->elapsed_ms);
            }
        if (verbose)
            for (size_t k = 0; k < vg_sca_defect_count(p); k++)
                printf("  defect: %s\n", vg_sca_defect_at(p, k));
        vg_sca_summary s;
        vg_sca_summarise(p, &s);
        printf("Summary: %zu checks: %zu passed, %zu failed, %zu not applicable, %zu engine errors",
               s.total, s.passed, s.failed, s.na, s.errors - s.policy_errors);
        if (s.policy_errors)
            printf(", %zu unevaluable (policy defect)", s.policy_errors);
        if (s.skipped)
            printf(", %zu not required at level %d", s.skipped, level);
        printf("; score %d%%; %zu policy defects; %zu commands; %.0f ms\n", s.score, s.defects,
               vg_sca_commands_run(p), ms[i]);
        if (s.errors > s.policy_errors)
            rc = 1;
    }
    if (packages && scan_packages(root, db, &ps, quiet) != 0)
        rc = 1;
    if (nmal) {
        char ydir[PATH_MAX + 16], pdir[PATH_MAX];
        if (!yara_dir) {
            if (!find_policies(poldir, pdir, sizeof pdir)) {
                fprintf(stderr, "vigil inspect: cannot find data/yara; use --yara-rules DIR\n");
                rc = 1;
                goto out;
            }
            snprintf(ydir, sizeof ydir, "%s/../yara", pdir);
            yara_dir = ydir;
        }
        vg_mal_opts mo = {.rules_dir = yara_dir, .timeout_s = timeout, .threads = 2};
        double t0 = now_ms();
        if (vg_malware_scan(&mo, malpaths, nmal, &mres, errbuf) != VG_OK) {
            fprintf(stderr, "vigil inspect: %s\n", errbuf);
            rc = 1;
        } else {
            mal_done = true;
            printf("Malware: %zu rules, %zu files (%zu bytes) scanned in %.0f ms, %zu detections; "
                   "%zu too large, %zu timeouts, %zu unreadable\n", mres.rules, mres.files, mres.bytes,
                   now_ms() - t0, mres.nhits, mres.too_large, mres.timeouts, mres.errors);
            for (size_t i = 0; i < mres.nhits; i++)
                printf("  %-9s %-36s %s\n", mres.hits[i].severity ? mres.hits[i].severity : "-",
                       mres.hits[i].rule, mres.hits[i].path);
        }
    }
    if (nurls) {
        web = calloc(nurls, sizeof(vg_web_result));
        vg_web_opts wo = {.state_dir = web_state, .timeout_s = timeout, .rebaseline = rebaseline,
                          .dns_server = web_dns};
        for (size_t i = 0; web && i < nurls; i++) {
            if (vg_web_check(&wo, urls[i], &web[nweb], errbuf) != VG_OK) {
                fprintf(stderr, "vigil inspect: %s\n", errbuf);
                rc = 1;
                continue;
            }
            const vg_web_result *w = &web[nweb++];
            printf("Website %s: HTTP %ld, %s%s, %d%% changed%s\n", w->url, w->status,
                   w->baseline_created ? "baseline recorded" : w->changed ? "content changed" : "unchanged",
                   w->title[0] ? "" : "", w->change_pct, w->nsigns ? ":" : "");
            for (int k = 0; k < w->nsigns; k++)
                printf("  %-18s %s\n", w->signs[k], w->detail[k]);
            if (w->nsigns && rc == 0)
                rc = 5;
        }
    }
    double total_ms = 0;
    for (size_t i = 0; i < loaded; i++)
        total_ms += ms[i];
    char host[256] = "";
    gethostname(host, sizeof host - 1);
    vg_report_in rin = {.level = level, .host = host, .root = root, .pols = pols, .npols = loaded,
                        .pkgs_scanned = ps.done, .pkgs_note = pkgs_note, .npkgs = ps.npkgs,
                        .vulns = ps.v, .nvulns = ps.nv, .mal_scanned = mal_done,
                        .mal_files = mres.files, .mal = mres.hits, .nmal = mres.nhits,
                        .web = web, .nweb = nweb,
                        .elapsed_ms = total_ms};
    if (state && level) {
        vg_sched *sch;
        size_t P = 0, F = 0, NA = 0, E = 0;
        for (size_t i = 0; i < loaded; i++) {
            if (vg_sca_requirements_reason(pols[i]))
                continue; /* requirements not met: nothing was evaluated */
            vg_sca_summary sm;
            vg_sca_summarise(pols[i], &sm);
            P += sm.passed;
            F += sm.failed;
            NA += sm.na;
            E += sm.errors;
        }
        if (vg_sched_open(state, &sch, errbuf) != VG_OK ||
            vg_sched_record(sch, now_s(), level, host, P, F + ps.nv + mres.nhits, NA, E, errbuf) != VG_OK) {
            fprintf(stderr, "vigil inspect: %s\n", errbuf);
            rc = 1;
        } else {
            int added = vg_sched_evidence_sync(sch, level, now_s(), 30, errbuf);
            printf("Recorded in %s%s", state, added > 0 ? "" : "\n");
            if (added > 0)
                printf("; %d evidence items added to the register (due in 30 days)\n", added);
            vg_sched_status sst;
            if (vg_sched_status_get(sch, level, 0, now_s(), &sst, errbuf) == VG_OK) {
                rin.scheduled = true;
                rin.cadence_months = sst.months;
                rin.next_due = sst.due;
            }
            if (vg_sched_evidence_list(sch, level, &evidence, &nevidence, errbuf) == VG_OK) {
                rin.evidence = evidence;
                rin.nevidence = nevidence;
            }
        }
        vg_sched_close(sch);
    }
    if (json && write_json(json, pols, loaded, ms, &ps, &rin) != 0)
        rc = 1;
    if (html) {
        if (vg_report_html(&rin, html) != VG_OK) {
            fprintf(stderr, "vigil inspect: cannot write %s\n", html);
            rc = 1;
        } else {
            printf("Report: %s\n", html);
        }
    }
    if (logdir) {
        char path[4096];
        snprintf(path, sizeof path, "%s/eve.json", logdir);
        if (write_events(path, pols, loaded, &ps, &rin) != 0)
            rc = 1;
    }
    if (eve && write_events(eve, pols, loaded, &ps, &rin) != 0)
        rc = 1;
out:
    for (size_t i = 0; i < loaded; i++)
        vg_sca_free(pols[i]);
    vg_vulns_free(ps.v, ps.nv);
    vg_mal_result_free(&mres);
    free(web);
    free(evidence);
    return rc;
}
