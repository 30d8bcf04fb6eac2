/*
 * output_anomaly.c: the EVE anomaly record for decoder and stream events of
 * a packet: {"anomaly": {"type": "decode"|"stream", "event": "decoder.ipv4.
 * trunc_pkt"|"stream.*"}}, logged per Suricata 8's defaults only when
 * eve-log.types.anomaly.types.decode / .stream are on (both default no;
 * applayer defaults to yes and arrives with the app-layer parsers).
 */
#include <stdio.h>
#include <string.h>

#include "net/detect.h"
#include "net/engine/output.h"

void vg_anomaly_cfg_load(vg_anomaly_cfg *cfg, const vg_conf_node *anomaly)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->applayer = true;
    if (!anomaly)
        return;
    const struct { const char *key; bool *dst; } kv[] = {
        {"types.decode", &cfg->decode},
        {"types.stream", &cfg->stream},
        {"types.applayer", &cfg->applayer},
        {"packethdr", &cfg->packethdr},
    };
    for (size_t i = 0; i < VG_ARRAY_LEN(kv); i++) {
        const vg_conf_node *n = vg_conf_node_child(anomaly, kv[i].key);
        bool b;
        if (n && n->value && vg_conf_parse_bool(n->value, &b) == VG_OK)
            *kv[i].dst = b;
    }
    if (cfg->packethdr && !cfg->decode)
        cfg->packethdr = false; /* as Suricata: headers only with decode events */
}

bool vg_eve_anomaly(vg_jb *jb, const vg_anomaly_cfg *cfg, const vg_packet *p, const char *name,
                    bool is_stream, const char *in_iface)
{
    if (is_stream ? !cfg->stream : !cfg->decode)
        return false;
    vg_eve_packet_header(jb, p, "anomaly", in_iface);
    vg_jb_open_obj(jb, "anomaly");
    if (!name) {
        vg_jb_str(jb, "type", "unknown");
    } else if (is_stream) {
        vg_jb_str(jb, "type", "stream");
        if (strncmp(name, "stream.", 7) == 0) {
            vg_jb_str(jb, "event", name);
        } else {
            char full[128];
            snprintf(full, sizeof full, "stream.%s", name);
            vg_jb_str(jb, "event", full);
        }
    } else {
        vg_jb_str(jb, "type", "decode");
        if (strncmp(name, "decoder.", 8) == 0) {
            vg_jb_str(jb, "event", name);
        } else {
            char full[128];
            snprintf(full, sizeof full, "decoder.%s", name);
            vg_jb_str(jb, "event", full);
        }
    }
    vg_jb_close_obj(jb);
    if (cfg->packethdr && !is_stream && p->raw && p->raw_len) {
        vg_jb_b64(jb, "packet", p->raw, p->raw_len < 32 ? p->raw_len : 32);
        vg_jb_open_obj(jb, "packet_info");
        vg_jb_u64(jb, "linktype", (uint64_t)(p->datalink < 0 ? 0 : p->datalink));
        vg_jb_str(jb, "linktype_name", vg_eve_linktype_name(p->datalink));
        vg_jb_close_obj(jb);
    }
    vg_detect_flow_eve(p->flow, jb); /* flow variables, as on alerts */
    vg_jb_close_obj(jb);
    return true;
}
