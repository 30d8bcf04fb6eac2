/* log_event.c: `log` events in the shared event model (see log_event.h). */
#include "host/log_event.h"

#include <string.h>

#include "core/eve.h"

void vg_host_log_event(vg_jb *jb, const vg_hevent *e, const struct timeval *tv, const char *sensor,
                       const char *location, const char *line, size_t len)
{
    vg_eve_begin(jb, tv, "log");
    if (sensor)
        vg_jb_str(jb, "host", sensor);
    const char *src = vg_hevent_get(e, "srcip");
    if (src)
        vg_jb_str(jb, "src_ip", src);
    const char *dst = vg_hevent_get(e, "dstip");
    if (dst)
        vg_jb_str(jb, "dest_ip", dst);
    vg_jb_open_obj(jb, "log");
    const char *dn = vg_hevent_decoder(e);
    if (dn)
        vg_jb_str(jb, "decoder", dn);
    if (vg_hevent_has_rule(e)) {
        vg_jb_open_obj(jb, "rule");
        vg_jb_i64(jb, "id", vg_hevent_rule_id(e));
        vg_jb_i64(jb, "level", vg_hevent_rule_level(e));
        vg_jb_str(jb, "description", vg_hevent_rule_description(e));
        vg_jb_open_arr(jb, "groups");
        for (int i = 0; i < vg_hevent_rule_ngroups(e); i++)
            vg_jb_str(jb, NULL, vg_hevent_rule_group(e, i));
        vg_jb_close_arr(jb);
        if (vg_hevent_rule_nmitre(e)) {
            vg_jb_open_arr(jb, "mitre");
            for (int i = 0; i < vg_hevent_rule_nmitre(e); i++)
                vg_jb_str(jb, NULL, vg_hevent_rule_mitre(e, i));
            vg_jb_close_arr(jb);
        }
        if (vg_hevent_rule_firedtimes(e))
            vg_jb_i64(jb, "firedtimes", vg_hevent_rule_firedtimes(e) + 1);
        vg_jb_close_obj(jb);
    }
    vg_jb_open_obj(jb, "fields");
    if (vg_hevent_program(e))
        vg_jb_str(jb, "program_name", vg_hevent_program(e));
    if (vg_hevent_hostname(e))
        vg_jb_str(jb, "hostname", vg_hevent_hostname(e));
    for (int i = 0; i < vg_hevent_nfields(e); i++) {
        const char *n, *v;
        vg_hevent_field(e, i, &n, &v);
        vg_jb_str(jb, n, v);
    }
    vg_jb_close_obj(jb);
    if (location)
        vg_jb_str(jb, "location", location);
    if (!vg_hevent_no_full_log(e))
        vg_jb_strn(jb, "full_log", line, len);
    vg_jb_close_obj(jb);
    vg_jb_close_obj(jb);
}
