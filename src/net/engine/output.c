/*
 * output.c: the output set read from the configuration's `outputs` list.
 *
 * As Suricata does, an output runs only when its `enabled` is true; each
 * `eve-log` instance (several are allowed) has its own file and `types`
 * list, whose items are a name ("flow") or a one-key mapping with settings
 * ("alert: {payload: yes}"), an item with `enabled: no` being off.  Files
 * are relative to the log directory unless absolute and are appended to
 * unless `append: no`.  Types vigil does not produce yet (http, dns, ...)
 * are accepted and produce nothing until their parsers land.
 */
#include <limits.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "net/engine/output.h"
#include "net/app/app.h"
#include "net/decode/decode.h"
#include "net/detect.h"
#include "net/flow/flow_table.h"

#define MAX_EVE 8

typedef struct eve_out {
    vg_eve *eve;
    bool alert, anomaly, flow, stats, drop;
    vg_alert_cfg alert_cfg;
    vg_drop_cfg drop_cfg;
    vg_anomaly_cfg anomaly_cfg;
    const vg_conf_node *types;   /* the types list (for vg_output_eve_for) */
} eve_out;

struct vg_output {
    eve_out eves[MAX_EVE];
    int neve;
    FILE *fast;
    bool ips;
    bool stats_enabled;        /* top-level stats.enabled */
    const char *in_iface;
    vg_jb jb;
    vg_alert_cfg default_alert;
    vg_alert_frags *frags;     /* shared by the eve-logs' alert settings */
    bool any_anomaly;          /* some eve-log logs anomalies */
};

static bool node_enabled(const vg_conf_node *n, bool dflt)
{
    const vg_conf_node *e = vg_conf_node_child(n, "enabled");
    bool b;
    if (e && e->value && vg_conf_parse_bool(e->value, &b) == VG_OK)
        return b;
    return dflt;
}

static int out_path(char *buf, size_t len, const char *dir, const char *name)
{
    int n = (name[0] == '/' || !dir || !*dir) ? snprintf(buf, len, "%s", name)
                                               : snprintf(buf, len, "%s/%s", dir, name);
    return (n < 0 || (size_t)n >= len) ? VG_EINVAL : VG_OK;
}

static bool append_mode(const vg_conf_node *n)
{
    const vg_conf_node *a = vg_conf_node_child(n, "append");
    bool b;
    if (a && a->value && vg_conf_parse_bool(a->value, &b) == VG_OK)
        return b;
    return true;
}

static int open_eve(vg_output *o, const vg_conf_node *n, const char *log_dir, char *errbuf)
{
    if (o->neve >= MAX_EVE) {
        vg_warn("outputs: more than %d eve-log outputs; the extra ones are ignored", MAX_EVE);
        return VG_OK;
    }
    const vg_conf_node *ft = vg_conf_node_child(n, "filetype");
    if (ft && ft->value && strcmp(ft->value, "regular") != 0 && strcmp(ft->value, "file") != 0) {
        char where[300];
        vg_warn("%s: eve-log filetype '%s' is not supported; writing a regular file",
                vg_conf_node_where(ft, where, sizeof where), ft->value);
    }
    const vg_conf_node *fn = vg_conf_node_child(n, "filename");
    const char *name = fn && fn->value && *fn->value ? fn->value : "eve.json";
    char path[PATH_MAX];
    if (out_path(path, sizeof path, log_dir, name) != VG_OK)
        return vg_err(errbuf, VG_EINVAL, "eve-log: path too long: %s/%s", log_dir, name);
    eve_out *e = &o->eves[o->neve];
    memset(e, 0, sizeof(*e));
    int rc = vg_eve_open(&e->eve, path, !append_mode(n), errbuf);
    if (rc != VG_OK)
        return rc;
    o->neve++;
    vg_alert_cfg_load(&e->alert_cfg, NULL);
    vg_anomaly_cfg_load(&e->anomaly_cfg, NULL);
    const vg_conf_node *types = vg_conf_node_child(n, "types");
    e->types = types;
    for (const vg_conf_node *it = types ? types->child : NULL; it; it = it->next) {
        const char *tname;
        const vg_conf_node *settings = NULL;
        if (it->value) {
            tname = it->value;
        } else if (it->child) {
            tname = it->child->name;
            settings = it->child;
        } else {
            continue;
        }
        if (settings && !node_enabled(settings, true))
            continue;
        if (strcmp(tname, "alert") == 0) {
            e->alert = true;
            vg_alert_cfg_load(&e->alert_cfg, settings);
            if (!settings) /* appfeat hook: `- alert` alone takes the eve-log's xff */
                vg_alert_cfg_eve_xff(&e->alert_cfg, n);
        } else if (strcmp(tname, "anomaly") == 0) {
            e->anomaly = true;
            vg_anomaly_cfg_load(&e->anomaly_cfg, settings);
        } else if (strcmp(tname, "flow") == 0) {
            e->flow = true;
        } else if (strcmp(tname, "stats") == 0) {
            e->stats = true;
        } else if (strcmp(tname, "drop") == 0) {
            e->drop = true;
            vg_drop_cfg_load(&e->drop_cfg, settings);
        }
    }
    e->alert_cfg.ips = o->ips;
    e->alert_cfg.in_iface = o->in_iface;
    e->alert_cfg.frags = o->frags;
    return VG_OK;
}

int vg_output_open(vg_output **out, const vg_conf *conf, const char *log_dir, bool ips,
                   const char *in_iface, char *errbuf)
{
    vg_output *o = calloc(1, sizeof(*o));
    if (!o)
        return vg_err(errbuf, VG_ENOMEM, "outputs: out of memory");
    o->ips = ips;
    o->in_iface = in_iface;
    o->stats_enabled = vg_conf_get_bool(conf, "stats.enabled", true);
    vg_jb_init(&o->jb);
    o->frags = vg_alert_frags_new(); /* NULL (out of memory): alerts built field by field */
    vg_alert_cfg_default(&o->default_alert);
    o->default_alert.ips = ips;
    o->default_alert.in_iface = in_iface;
    o->default_alert.frags = o->frags;
    const vg_conf_node *outputs = vg_conf_node_get(conf, "outputs");
    int rc = VG_OK;
    for (const vg_conf_node *it = outputs ? outputs->child : NULL; it && rc == VG_OK;
         it = it->next) {
        const vg_conf_node *n = it->child; /* "- name: {...}" */
        if (!n || it->value)
            continue;
        if (!node_enabled(n, false))
            continue;
        if (strcmp(n->name, "eve-log") == 0) {
            rc = open_eve(o, n, log_dir, errbuf);
        } else if (strcmp(n->name, "fast") == 0 && !o->fast) {
            const vg_conf_node *fn = vg_conf_node_child(n, "filename");
            const char *name = fn && fn->value && *fn->value ? fn->value : "fast.log";
            char path[PATH_MAX];
            if (out_path(path, sizeof path, log_dir, name) != VG_OK) {
                rc = vg_err(errbuf, VG_EINVAL, "fast: path too long");
                break;
            }
            /* 0640 like eve.json: alerts name hosts and signatures */
            int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | (append_mode(n) ? O_APPEND : O_TRUNC), 0640);
            o->fast = fd >= 0 ? fdopen(fd, append_mode(n) ? "a" : "w") : NULL;
            if (!o->fast && fd >= 0)
                close(fd);
            if (!o->fast)
                rc = vg_err(errbuf, VG_EIO, "%s: cannot open for writing", path);
        }
    }
    if (rc != VG_OK) {
        vg_output_close(o);
        return rc;
    }
    for (int e = 0; e < o->neve; e++)
        o->any_anomaly |= o->eves[e].anomaly;
    *out = o;
    return VG_OK;
}

void vg_output_close(vg_output *o)
{
    if (!o)
        return;
    for (int i = 0; i < o->neve; i++)
        vg_eve_close(o->eves[i].eve);
    if (o->fast)
        fclose(o->fast);
    vg_jb_free(&o->jb);
    vg_alert_frags_free(o->frags);
    free(o);
}

/* EVE drop records (IPS mode): with "flows: start" (the default) only the
 * first dropped packet of each flow direction is logged. */
static void log_drop(vg_output *o, const vg_packet *p)
{
    uint32_t bit = 0;
    if (p->flow)
        bit = (p->flags & VG_PKT_TOCLIENT) ? VG_FLOW_DROP_LOGGED_TC : VG_FLOW_DROP_LOGGED_TS;
    bool first = !p->flow || !(p->flow->flags & bit);
    for (int e = 0; e < o->neve; e++) {
        if (!o->eves[e].drop || (!o->eves[e].drop_cfg.flows_all && !first))
            continue;
        vg_eve_drop(&o->jb, &o->eves[e].drop_cfg, &o->eves[e].alert_cfg, p);
        (void)vg_eve_write(o->eves[e].eve, &o->jb);
    }
    if (p->flow)
        p->flow->flags |= bit;
}

uint32_t vg_output_packet(vg_output *o, const vg_packet *p)
{
    /* most packets: no alert, drop, tag or event, nothing to write */
    if (!p->nalerts && !(p->flags & (VG_PKT_WANT_DROP | VG_PKT_TAGGED)) &&
        !(o->any_anomaly && (p->nevents || p->nstream_events)))
        return 0;
    uint32_t logged = 0;
    for (int i = 0; i < p->nalerts && i < VG_PKT_MAX_ALERTS; i++) {
        const vg_alert *a = &p->alerts[i];
        if (!a->sig || (a->flags & VG_ALERT_NOALERT))
            continue;
        logged++;
        for (int e = 0; e < o->neve; e++) {
            if (!o->eves[e].alert)
                continue;
            vg_eve_alert(&o->jb, &o->eves[e].alert_cfg, p, a);
            (void)vg_eve_write(o->eves[e].eve, &o->jb);
        }
        if (o->fast) {
            char line[4096];
            size_t n = vg_fast_line(line, sizeof line, p, a, o->ips);
            fwrite(line, 1, n, o->fast);
        }
    }
    if (o->ips && (p->flags & VG_PKT_WANT_DROP) && p->pkt_src != VG_PKT_SRC_STREAM_FLOW_TIMEOUT)
        log_drop(o, p);
    if (p->flags & VG_PKT_TAGGED) /* tag keyword: the packets after the match */
        for (int e = 0; e < o->neve; e++)
            if (o->eves[e].alert && o->eves[e].alert_cfg.tagged_packets &&
                vg_eve_tagged_packet(&o->jb, &o->eves[e].alert_cfg, p))
                (void)vg_eve_write(o->eves[e].eve, &o->jb);
    for (int e = 0; e < o->neve; e++) {
        if (!o->eves[e].anomaly)
            continue;
        for (int i = 0; i < p->nevents && i < VG_PKT_MAX_EVENTS; i++)
            if (vg_eve_anomaly(&o->jb, &o->eves[e].anomaly_cfg, p,
                               vg_decode_event_name(p->events[i]), false, o->in_iface))
                (void)vg_eve_write(o->eves[e].eve, &o->jb);
        for (int i = 0; i < p->nstream_events && i < (int)sizeof p->stream_events; i++)
            if (vg_eve_anomaly(&o->jb, &o->eves[e].anomaly_cfg, p,
                               vg_stream_event_name(p->stream_events[i]), true, o->in_iface))
                (void)vg_eve_write(o->eves[e].eve, &o->jb);
    }
    return logged;
}

/* Reopen the complete top-level object in jb to add keys to it. */
static bool jb_reopen(vg_jb *jb)
{
    if (!vg_jb_ok(jb) || jb->depth != 0 || jb->len < 2 || jb->buf[jb->len - 1] != '}')
        return false;
    jb->len--;
    jb->depth = 1;
    jb->first[1] = false;
    return true;
}

void vg_output_flow(vg_output *o, const vg_flow *f, int why)
{
    for (int e = 0; e < o->neve; e++) {
        if (!o->eves[e].flow)
            continue;
        vg_flow_eve_app(f, (vg_flow_end)why, f->alproto ? vg_app_proto_name(f->alproto) : NULL,
                        &o->jb);
        /* the flow's variables (metadata, traffic), as on its alerts */
        if (f->detect_state && jb_reopen(&o->jb)) {
            vg_detect_flow_eve(f, &o->jb);
            vg_jb_close_obj(&o->jb);
        }
        (void)vg_eve_write(o->eves[e].eve, &o->jb);
    }
}

bool vg_output_stats_enabled(const vg_output *o)
{
    if (!o->stats_enabled)
        return false;
    for (int e = 0; e < o->neve; e++)
        if (o->eves[e].stats)
            return true;
    return false;
}

void vg_output_stats(vg_output *o, const struct timeval *ts, const vg_stats_src *s)
{
    if (!o->stats_enabled)
        return;
    for (int e = 0; e < o->neve; e++) {
        if (!o->eves[e].stats)
            continue;
        vg_eve_stats(&o->jb, ts, s);
        (void)vg_eve_write(o->eves[e].eve, &o->jb);
    }
}

void vg_output_flush(vg_output *o)
{
    for (int e = 0; e < o->neve; e++)
        vg_eve_flush(o->eves[e].eve);
    if (o->fast)
        fflush(o->fast);
}

uint64_t vg_output_eve_written(const vg_output *o)
{
    uint64_t n = 0;
    for (int e = 0; e < o->neve; e++)
        n += vg_eve_written(o->eves[e].eve);
    return n;
}

const vg_alert_cfg *vg_output_alert_cfg(const vg_output *o)
{
    for (int e = 0; e < o->neve; e++)
        if (o->eves[e].alert)
            return &o->eves[e].alert_cfg;
    return &o->default_alert;
}

vg_eve *vg_output_eve_for(const vg_output *o, const char *type, int i,
                          const vg_conf_node **settings)
{
    for (int k = 0; k < o->neve; k++) {
        const vg_conf_node *types = o->eves[k].types;
        for (const vg_conf_node *it = types ? types->child : NULL; it; it = it->next) {
            const char *tname = it->value ? it->value : it->child ? it->child->name : NULL;
            const vg_conf_node *set = it->value ? NULL : it->child;
            if (!tname || strcmp(tname, type) != 0 || (set && !node_enabled(set, true)))
                continue;
            if (i-- == 0) {
                *settings = set;
                return o->eves[k].eve;
            }
            break;
        }
    }
    return NULL;
}
