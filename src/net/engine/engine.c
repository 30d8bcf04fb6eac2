/* engine.c: the packet pipeline (see engine.h). */
#include "net/engine/engine.h"

#include <errno.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "core/log.h"
#include "net/decode/decode.h"
#include "net/decode/source.h"
#include "net/detect.h"
#include "net/payload.h" /* the prefilter database cache */
#include "net/engine/exception_policy.h"
#include "net/engine/output.h"
#include "net/flow/flow_table.h"
#include "net/sig.h"
#include "net/app/app.h" /* app-layer hook (src/net/app) */
#include "net/app/file.h" /* files hook (src/net/app/file.h) */

/* ---- alert counts per signature (summary) ---- */

typedef struct sigslot {
    const vg_sig *sig;
    uint64_t n;
} sigslot;

typedef struct sigtab {
    sigslot *slots;
    size_t cap, used;
} sigtab;

static void sigtab_add(sigtab *t, const vg_sig *s)
{
    if (t->used * 2 >= t->cap) {
        size_t ncap = t->cap ? t->cap * 2 : 64;
        sigslot *ns = calloc(ncap, sizeof *ns);
        if (!ns)
            return; /* the summary is best effort */
        for (size_t i = 0; i < t->cap; i++) {
            if (!t->slots[i].sig)
                continue;
            size_t h = ((uintptr_t)t->slots[i].sig >> 4) & (ncap - 1);
            while (ns[h].sig)
                h = (h + 1) & (ncap - 1);
            ns[h] = t->slots[i];
        }
        free(t->slots);
        t->slots = ns;
        t->cap = ncap;
    }
    size_t h = ((uintptr_t)s >> 4) & (t->cap - 1);
    while (t->slots[h].sig && t->slots[h].sig != s)
        h = (h + 1) & (t->cap - 1);
    if (!t->slots[h].sig) {
        t->slots[h].sig = s;
        t->used++;
    }
    t->slots[h].n++;
}

static int sigcount_cmp(const void *a, const void *b)
{
    const vg_engine_sigcount *x = a, *y = b;
    if (x->count != y->count)
        return x->count > y->count ? -1 : 1;
    if (x->gid != y->gid)
        return x->gid < y->gid ? -1 : 1;
    return x->sid < y->sid ? -1 : x->sid > y->sid;
}

static void sigtab_export(sigtab *t, vg_engine_result *res)
{
    res->sigs = calloc(t->used ? t->used : 1, sizeof *res->sigs);
    if (!res->sigs)
        return;
    size_t n = 0;
    for (size_t i = 0; i < t->cap; i++) {
        const vg_sig *s = t->slots[i].sig;
        if (!s)
            continue;
        vg_engine_sigcount *c = &res->sigs[n++];
        c->gid = s->gid;
        c->sid = s->sid;
        c->rev = s->rev;
        c->msg = strdup(s->msg ? s->msg : "");
        c->count = t->slots[i].n;
    }
    res->nsigs = n;
    qsort(res->sigs, n, sizeof *res->sigs, sigcount_cmp);
}

/* ---- the pipeline ---- */

typedef struct engine {
    vg_conf *conf;
    const vg_engine_opts *o;
    bool ips, live;
    vg_source *src;
    vg_decoder *dec;
    vg_flow_table *ft;
    vg_detect *de;
    vg_det_thread *dt;
    vg_output *out;
    vg_app_ctx *app;            /* application layer (src/net/app), NULL if it failed to start */
    vg_stats_src st;
    sigtab sigs;
    uint64_t flows_ended;
    time_t last_timer;          /* packet (or wall) second of the last timer run */
} engine;

static volatile sig_atomic_t g_stop;
static vg_source *volatile g_src;

static void on_signal(int sig)
{
    (void)sig;
    g_stop = 1;
    if (g_src)
        vg_source_break(g_src);
}

/* Live capture: a once-a-second tick wakes a capture that blocks while the
 * link is idle (libpcap on TPACKET_V3 may wait for a packet indefinitely),
 * so that flow timeouts, periodic stats and flushing still happen. */
static void on_tick(int sig)
{
    (void)sig;
    if (g_src)
        vg_source_break(g_src);
}

static void free_alert_data(vg_packet *p)
{
    for (int i = 0; i < p->nalerts && i < VG_PKT_MAX_ALERTS; i++) {
        free(p->alerts[i].stream_data);
        p->alerts[i].stream_data = NULL;
        p->alerts[i].stream_len = 0;
    }
}

/* Does a drop/reject alert act on the whole flow?  As Suricata does: the
 * action of an IP-only signature, of a stream match and of a transaction
 * match applies to the flow; a packet signature drops only its packet. */
static bool flow_scope(const vg_alert *a)
{
    return (a->sig->flags & VG_SIG_IPONLY) || (a->flags & (VG_ALERT_STREAM | VG_ALERT_TX));
}

/* Verdict, flow flags and outputs of a packet after detection. */
static void finish_packet(engine *e, vg_packet *p)
{
    vg_flow *f = p->flow;
    if (p->action & (VG_ACTION_DROP | VG_ACTION_REJECT)) {
        if (e->ips) {
            p->flags |= VG_PKT_WANT_DROP;
            e->st.ips_drop_rules++;
            if (p->action & VG_ACTION_REJECT)
                e->st.ips_rejected++;
        }
        /* the flow's action is drop in IDS mode too (as in Suricata, where
         * the verdict is only not enforced): its later packets are not
         * inspected and its flow record says "drop" */
        for (int i = 0; f && i < p->nalerts && i < VG_PKT_MAX_ALERTS; i++) {
            const vg_alert *a = &p->alerts[i];
            if (a->sig && (a->sig->action & (VG_ACTION_DROP | VG_ACTION_REJECT)) && flow_scope(a))
                f->flags |= VG_FLOW_DROP;
        }
    }
    uint32_t n = vg_output_packet(e->out, p);
    if (n) {
        e->st.alerts += n;
        if (f)
            f->flags |= VG_FLOW_ALERTED;
        for (int i = 0; i < p->nalerts && i < VG_PKT_MAX_ALERTS; i++)
            if (p->alerts[i].sig && !(p->alerts[i].flags & VG_ALERT_NOALERT))
                sigtab_add(&e->sigs, p->alerts[i].sig);
    }
    e->st.alert_queue_overflow += p->alerts_dropped;
    free_alert_data(p);
    p->nalerts = 0;
}

static void process_packet(engine *e, vg_packet *p)
{
    vg_flow *f = vg_flow_table_handle(e->ft, p);
    vg_stream_chunk ch[VG_MAX_CHUNKS];
    int nch = f ? vg_flow_table_stream(e->ft, p, ch, VG_MAX_CHUNKS) : 0;
    if (nch < 0)
        nch = 0;
    if (e->app) /* app-layer hook: parse before detection (src/net/app) */
        vg_app_on_packet(e->app, p);
    bool inspect = true;
    if (f && (f->flags & VG_FLOW_DROP)) {
        /* a dropped flow: every later packet is dropped uninspected (IPS) */
        inspect = false;
        if (e->ips) {
            p->flags |= VG_PKT_WANT_DROP;
            e->st.ips_drop_flow++;
        }
    } else if (f && (f->flags & (VG_FLOW_PASS | VG_FLOW_NOPACKET_INSPECT))) {
        inspect = false;
    }
    if (inspect && e->dt) {
        vg_detect_packet(e->dt, p, NULL);
        if (!(f && (f->flags & VG_FLOW_NOPAYLOAD_INSPECT)))
            for (int i = 0; i < nch && i < VG_MAX_CHUNKS; i++)
                vg_detect_packet_chunk(e->dt, p, &ch[i]);
    }
    finish_packet(e, p);
    if (e->app) /* app-layer hook: log and free finished transactions */
        vg_app_after_packet(e->app, p);
    if (e->app) /* files hook: fileinfo of files closed and inspected */
        vg_files_after_packet(e->app, p);
    if (p->flags & VG_PKT_WANT_DROP)
        e->st.ips_blocked++;
    else if (e->ips)
        e->st.ips_accepted++;
}

/* A pseudo packet for the final inspection of a flow's stream data in one
 * direction (Suricata's flow timeout packets: no payload, no pcap_cnt). */
static void flow_pseudo(vg_packet *pp, vg_flow *f, bool toserver)
{
    memset(pp, 0, sizeof *pp);
    pp->ts = f->last;
    pp->datalink = -1;
    pp->pkt_src = VG_PKT_SRC_STREAM_FLOW_TIMEOUT;
    pp->pkt_src_name = "stream (flow timeout)";
    pp->ipver = f->src.family;
    pp->proto = f->proto;
    pp->src = toserver ? f->src : f->dst;
    pp->dst = toserver ? f->dst : f->src;
    pp->sp = toserver ? f->sp : f->dp;
    pp->dp = toserver ? f->dp : f->sp;
    memcpy(pp->vlan_id, f->vlan_id, sizeof pp->vlan_id);
    pp->vlan_n = f->vlan_n;
    pp->flow = f;
    pp->flags = VG_PKT_PSEUDO | (toserver ? VG_PKT_TOSERVER : VG_PKT_TOCLIENT);
    if (f->flags & VG_FLOW_ESTABLISHED)
        pp->flags |= VG_PKT_ESTABLISHED | (f->proto == 6 ? VG_PKT_STREAM_EST : 0);
}

static void on_flow_end(vg_flow *f, vg_flow_end why, const vg_stream_chunk *chunks, int nchunks,
                        void *arg)
{
    engine *e = arg;
    bool inspect = e->dt && !(f->flags & (VG_FLOW_DROP | VG_FLOW_PASS |
                                          VG_FLOW_NOPAYLOAD_INSPECT));
    if (e->app) /* app-layer hook: finish parsing before the last inspection */
        vg_app_flow_closing(e->app, f);
    for (int i = 0; inspect && i < nchunks; i++) {
        vg_packet pp;
        flow_pseudo(&pp, f, chunks[i].toserver);
        vg_detect_packet(e->dt, &pp, &chunks[i]);
        for (int a = 0; a < pp.nalerts && a < VG_PKT_MAX_ALERTS; a++)
            pp.alerts[a].flags |= VG_ALERT_FLOW_TIMEOUT;
        finish_packet(e, &pp);
    }
    if (e->app) /* app-layer hook: log what is left, free f->app_state */
        vg_app_flow_end(e->app, f);
    vg_output_flow(e->out, f, (int)why);
    vg_stats_count_app_flow(&e->st, f);
    e->flows_ended++;
}

/* Timers, once per second of packet time (file) or wall time (live). */
static void run_timers(engine *e, const struct timeval *now)
{
    if (now->tv_sec == e->last_timer)
        return;
    e->last_timer = now->tv_sec;
    vg_flow_table_expire(e->ft, now, on_flow_end, e);
    vg_decoder_timeout(e->dec, now);
}

static void stats_fill(engine *e)
{
    e->st.decoder = e->dec;
    e->st.flows = e->ft;
    e->st.detect = e->de;
    e->st.ips = e->ips;
    e->st.live = e->live;
    e->st.app = e->app ? vg_app_get_stats(e->app) : NULL; /* appfeat hook: app_layer.tx */
    if (e->live && e->src) {
        uint64_t r = 0, d = 0, ifd = 0;
        if (vg_source_stats(e->src, &r, &d, &ifd) == VG_OK) {
            e->st.kernel_packets = r;
            e->st.kernel_drops = d;
            e->st.kernel_ifdrops = ifd;
        }
    }
}

static void process_frame(engine *e, vg_packet *p, int dlt, const uint8_t *data, uint32_t len,
                          const struct timeval *ts, uint64_t cnt)
{
    vg_decode(e->dec, p, dlt, data, len, ts, cnt);
    process_packet(e, p);
    vg_packet *pp;
    while ((pp = vg_decoder_pop(e->dec)) != NULL) {
        /* pseudo packets carry their frame's number: EVE shows it, and it
         * tells detection apart two pseudo packets that reuse an address */
        if (!pp->pcap_cnt)
            pp->pcap_cnt = cnt;
        process_packet(e, pp);
        vg_packet_free(pp);
    }
}

static double secs_since(const struct timespec *t0)
{
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

/* -k and --simulate-ips as configuration, and the exception policies. */
static int prepare_conf(vg_conf *conf, bool ips, char *errbuf)
{
    vg_exception_policies ep;
    int rc = vg_exception_policies_load(&ep, conf, ips, errbuf);
    if (rc != VG_OK)
        return rc;
    if (vg_exception_policies_store(&ep, conf) != VG_OK)
        return vg_err(errbuf, VG_ENOMEM, "configuration: out of memory");
    /* stream.inline: auto means inline in IPS mode (Suricata) */
    const char *inl = vg_conf_get(conf, "stream.inline");
    if (!inl || strcmp(inl, "auto") == 0)
        if (vg_conf_set(conf, "stream.inline", ips ? "yes" : "no") != VG_OK)
            return vg_err(errbuf, VG_ENOMEM, "configuration: out of memory");
    return VG_OK;
}

/* Where compiled prefilter databases are kept between runs:
 * detect.mpm-cache.path, else $VIGIL_CACHE_DIR, else /var/cache/vigil/mpm
 * for root and $XDG_CACHE_HOME (or ~/.cache)/vigil/mpm for others;
 * detect.mpm-cache.enabled: no turns it off. */
static void mpm_cache_setup(const vg_conf *conf)
{
    char dflt[1024] = "", why[1200];
    if (conf && !vg_conf_get_bool(conf, "detect.mpm-cache.enabled", true)) {
        vg_mpm_cache_set_dir(NULL, why, sizeof why);
        return;
    }
    const char *dir = conf ? vg_conf_get(conf, "detect.mpm-cache.path") : NULL;
    const char *env = getenv("VIGIL_CACHE_DIR"), *xdg = getenv("XDG_CACHE_HOME"),
               *home = getenv("HOME");
    if (!dir && env && *env)
        dir = env;
    if (!dir) {
        if (geteuid() == 0)
            snprintf(dflt, sizeof dflt, "/var/cache/vigil/mpm");
        else if (xdg && *xdg == '/')
            snprintf(dflt, sizeof dflt, "%s/vigil/mpm", xdg);
        else if (home && *home == '/')
            snprintf(dflt, sizeof dflt, "%s/.cache/vigil/mpm", home);
        dir = dflt;
    }
    if (*dir && !vg_mpm_cache_set_dir(dir, why, sizeof why))
        vg_warn("detect.mpm-cache: %s: databases are compiled every run", why);
}

static int load_rules(engine *e, const vg_engine_opts *o, char *errbuf)
{
    static const char *const none[] = {NULL};
    mpm_cache_setup(e->conf);
    const char *const *files = o->rule_files ? o->rule_files : none;
    int rc = vg_detect_load(&e->de, e->conf, files, o->errors_fatal, errbuf);
    if (rc != VG_OK)
        return rc;
    return vg_detect_thread_new(e->de, &e->dt);
}

static void engine_free(engine *e)
{
    if (e->dt)
        vg_detect_thread_free(e->dt);
    vg_app_ctx_free(e->app);
    if (e->ft)
        vg_flow_table_free(e->ft);
    if (e->dec)
        vg_decoder_free(e->dec);
    if (e->de)
        vg_detect_free(e->de);
    if (e->out)
        vg_output_close(e->out);
    if (e->src)
        vg_source_close(e->src);
    free(e->sigs.slots);
}

static int ensure_dir(const char *dir, char *errbuf)
{
    struct stat st;
    if (stat(dir, &st) == 0)
        return S_ISDIR(st.st_mode) ? VG_OK
                                   : vg_err(errbuf, VG_EINVAL, "%s: not a directory", dir);
    if (mkdir(dir, 0750) != 0 && errno != EEXIST)
        return vg_err(errbuf, VG_EIO, "%s: cannot create the log directory: %s", dir,
                      strerror(errno));
    return VG_OK;
}

int vg_engine_run(vg_conf *conf, const vg_engine_opts *o, vg_engine_result *res, char *errbuf)
{
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    memset(res, 0, sizeof *res);
    engine e;
    memset(&e, 0, sizeof e);
    e.conf = conf;
    e.o = o;
    e.ips = o->simulate_ips;
    e.live = o->iface != NULL;
    e.st.start = time(NULL);
    e.last_timer = -1;
    if (!o->pcap_file == !o->iface)
        return vg_err(errbuf, VG_EINVAL, "give exactly one of -r FILE and -i IFACE");

    int rc = prepare_conf(conf, e.ips, errbuf);
    const char *log_dir = o->log_dir ? o->log_dir : vg_conf_get_str(conf, "default-log-dir", ".");
    if (rc == VG_OK)
        rc = ensure_dir(log_dir, errbuf);
    if (rc == VG_OK) {
        struct timespec r0;
        clock_gettime(CLOCK_MONOTONIC, &r0);
        rc = load_rules(&e, o, errbuf);
        res->rules_seconds = secs_since(&r0);
        gettimeofday(&e.st.last_reload, NULL);
        if (e.de) {
            const vg_detect_stats *ds = vg_detect_get_stats(e.de);
            res->rules_loaded = ds->rules_loaded;
            res->rules_failed = ds->rules_failed;
        }
    }
    if (rc == VG_OK)
        rc = vg_decoder_new(&e.dec, conf, errbuf);
    if (rc == VG_OK)
        rc = vg_flow_table_new(&e.ft, conf, errbuf);
    if (rc == VG_OK) {
        vg_flow_table_set_ips(e.ft, e.ips);
        rc = e.live ? vg_source_open_live(&e.src, o->iface, o->bpf, errbuf)
                    : vg_source_open_file(&e.src, o->pcap_file, o->bpf, errbuf);
    }
    if (rc == VG_OK)
        rc = vg_output_open(&e.out, conf, log_dir, e.ips, e.live ? o->iface : NULL, errbuf);
    if (rc == VG_OK) { /* app-layer hook: its EVE types go to the eve-log outputs naming them */
        char apperr[VG_ERRBUF_SIZE];
        if (vg_app_ctx_new(&e.app, conf, apperr) == VG_OK) {
            static const char *const types[] = {"http", "dns", "tls", "modbus", "dnp3",
                                                "files", "anomaly", "ssh"}; /* + ICS (modbus, dnp3,
                                                applayer anomalies), + files hook */
            vg_app_files_set_log_dir(e.app, log_dir); /* files hook: the file store's base */
            for (size_t t = 0; t < VG_ARRAY_LEN(types); t++) {
                const vg_conf_node *set = NULL;
                vg_eve *ev;
                for (int i = 0; (ev = vg_output_eve_for(e.out, types[t], i, &set)) != NULL; i++)
                    vg_app_add_eve(e.app, types[t], ev, set);
            }
        } else {
            vg_warn("%s", apperr);
        }
    }
    if (rc == VG_OK && e.live)
        rc = vg_engine_drop_privileges(o->user, o->group, errbuf);
    if (rc != VG_OK) {
        engine_free(&e);
        return rc;
    }

    struct sigaction sa, old_int, old_term;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    g_stop = 0;
    g_src = e.src;
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);
    struct sigaction ta, old_alrm;
    struct itimerval tick = {{1, 0}, {1, 0}}, old_tick;
    if (e.live) {
        memset(&ta, 0, sizeof ta);
        ta.sa_handler = on_tick;
        ta.sa_flags = SA_RESTART; /* other calls restart; the capture's poll() returns */
        sigemptyset(&ta.sa_mask);
        sigaction(SIGALRM, &ta, &old_alrm);
        setitimer(ITIMER_REAL, &tick, &old_tick);
    }

    int64_t interval = vg_conf_get_int(conf, "stats.interval", 8);
    if (interval < 1)
        interval = 8;
    bool periodic_stats = e.live && vg_output_stats_enabled(e.out);
    time_t next_stats = time(NULL) + interval;
    int dlt = vg_source_datalink(e.src);
    vg_packet p;
    memset(&p, 0, sizeof p);
    struct timeval last_ts = {0, 0};
    uint64_t cnt = 0;
    char srcerr[VG_ERRBUF_SIZE] = "";
    int src_rc = VG_OK;
    while (!g_stop) {
        const uint8_t *data;
        uint32_t len;
        struct timeval ts;
        src_rc = vg_source_next(e.src, &data, &len, &ts, srcerr);
        if (src_rc == VG_OK) {
            cnt++;
            res->bytes += len;
            if (timercmp(&ts, &last_ts, >))
                last_ts = ts;
            run_timers(&e, &last_ts);
            /* live too: outputs omit pcap_cnt when live (in_iface instead) */
            process_frame(&e, &p, dlt, data, len, &ts, cnt);
        } else if (src_rc == VG_ELIMIT || (src_rc == VG_DECLINED && e.live && !g_stop)) {
            /* live timeout or tick: run the timers on the wall clock */
            struct timeval now;
            gettimeofday(&now, NULL);
            if (timercmp(&now, &last_ts, >))
                last_ts = now;
            run_timers(&e, &last_ts);
            vg_output_flush(e.out);
        } else {
            break; /* VG_DECLINED: end of file; VG_EIO: error */
        }
        if (periodic_stats && time(NULL) >= next_stats) {
            next_stats = time(NULL) + interval;
            stats_fill(&e);
            struct timeval now;
            gettimeofday(&now, NULL);
            vg_output_stats(e.out, &now, &e.st);
            vg_output_flush(e.out);
        }
    }
    if (e.live) {
        setitimer(ITIMER_REAL, &old_tick, NULL);
        sigaction(SIGALRM, &old_alrm, NULL);
    }
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);
    g_src = NULL;
    if (src_rc == VG_EIO)
        vg_error("%s: %s", o->pcap_file ? o->pcap_file : o->iface, srcerr);

    /* end of capture: last inspection of every flow, flow records, stats */
    vg_flow_table_expire_all(e.ft, on_flow_end, &e);
    stats_fill(&e);
    struct timeval end_ts = last_ts;
    if (e.live || (end_ts.tv_sec == 0 && end_ts.tv_usec == 0))
        gettimeofday(&end_ts, NULL);
    vg_output_stats(e.out, &end_ts, &e.st);
    vg_output_flush(e.out);

    res->packets = cnt;
    res->alerts = e.st.alerts;
    res->flows = e.flows_ended;
    res->dropped = e.st.ips_blocked;
    sigtab_export(&e.sigs, res);
    engine_free(&e);
    res->elapsed = secs_since(&t0);
    if (src_rc == VG_EIO)
        return vg_err(errbuf, VG_EIO, "%s: %s", o->pcap_file ? o->pcap_file : o->iface, srcerr);
    return VG_OK;
}

void vg_engine_result_free(vg_engine_result *res)
{
    for (size_t i = 0; i < res->nsigs; i++)
        free(res->sigs[i].msg);
    free(res->sigs);
    res->sigs = NULL;
    res->nsigs = 0;
}

int vg_engine_test_rules(vg_conf *conf, const vg_engine_opts *o, uint32_t *loaded,
                         uint32_t *failed, char *errbuf)
{
    engine e;
    memset(&e, 0, sizeof e);
    e.conf = conf;
    int rc = prepare_conf(conf, o->simulate_ips, errbuf);
    if (rc == VG_OK)
        rc = load_rules(&e, o, errbuf);
    *loaded = *failed = 0;
    if (e.de) {
        const vg_detect_stats *ds = vg_detect_get_stats(e.de);
        *loaded = ds->rules_loaded;
        *failed = ds->rules_failed;
    }
    engine_free(&e);
    return rc;
}

int vg_engine_drop_privileges(const char *user, const char *group, char *errbuf)
{
    if (geteuid() != 0)
        return VG_OK; /* not root: nothing to drop */
    if (!user)
        user = "nobody";
    if (strcmp(user, "root") == 0 && (!group || strcmp(group, "root") == 0))
        return VG_OK; /* explicitly asked to stay root */
    struct passwd *pw = getpwnam(user);
    if (!pw)
        return vg_err(errbuf, VG_EINVAL, "--user %s: no such user", user);
    gid_t gid = pw->pw_gid;
    if (group) {
        struct group *gr = getgrnam(group);
        if (!gr)
            return vg_err(errbuf, VG_EINVAL, "--group %s: no such group", group);
        gid = gr->gr_gid;
    }
    if (setgroups(0, NULL) != 0 || setgid(gid) != 0 || setuid(pw->pw_uid) != 0)
        return vg_err(errbuf, VG_EIO, "cannot drop privileges to %s: %s", user, strerror(errno));
    if (setuid(0) == 0)
        return vg_err(errbuf, VG_EIO, "privileges were not dropped (could regain root)");
    vg_info("running as %s (uid %u, gid %u)", user, (unsigned)pw->pw_uid, (unsigned)gid);
    return VG_OK;
}
