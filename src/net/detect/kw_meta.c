/*
 * kw_meta.c: informational keywords (msg, sid, rev, gid, classtype,
 * priority, reference, metadata, target, noalert) and the no-match helpers
 * prefilter and pkt_data (back to the packet payload buffer).  tag is in
 * kw_tag.c.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "net/detect/detect_int.h"

static int parse_u32(const char *arg, uint32_t min, uint32_t max, uint32_t *out, char *errbuf)
{
    char tmp[64];
    if (vg_rule_unquote(arg, tmp, sizeof(tmp)) != VG_OK || !isdigit((unsigned char)tmp[0]))
        return vg_err(errbuf, VG_EINVAL, "expected a number, got \"%.32s\"", arg);
    char *end;
    unsigned long long v = strtoull(tmp, &end, 10);
    while (isspace((unsigned char)*end))
        end++;
    if (*end || v < min || v > max)
        return vg_err(errbuf, VG_EINVAL, "\"%.32s\" is not a number in %u..%u", arg, min, max);
    *out = (uint32_t)v;
    return VG_OK;
}

static int msg_setup(vg_rule_parser *rp, vg_sig *s, const char *arg, char *errbuf)
{
    (void)rp;
    size_t n = strlen(arg) + 1;
    char *m = malloc(n);
    if (!m)
        return vg_err(errbuf, VG_ENOMEM, "out of memory");
    if (vg_rule_unquote(arg, m, n) != VG_OK) {
        free(m);
        return vg_err(errbuf, VG_EINVAL, "badly quoted message");
    }
    free(s->msg);
    s->msg = m;
    return VG_OK;
}

static int sid_setup(vg_rule_parser *rp, vg_sig *s, const char *arg, char *errbuf)
{
    (void)rp;
    return parse_u32(arg, 1, UINT32_MAX, &s->sid, errbuf);
}

static int rev_setup(vg_rule_parser *rp, vg_sig *s, const char *arg, char *errbuf)
{
    (void)rp;
    return parse_u32(arg, 0, UINT32_MAX, &s->rev, errbuf);
}

static int gid_setup(vg_rule_parser *rp, vg_sig *s, const char *arg, char *errbuf)
{
    (void)rp;
    return parse_u32(arg, 0, UINT32_MAX, &s->gid, errbuf);
}

static int priority_setup(vg_rule_parser *rp, vg_sig *s, const char *arg, char *errbuf)
{
    uint32_t v = 0; /* set on VG_OK; initialised for -Wmaybe-uninitialized at -O3 */
    int rc = parse_u32(arg, 1, 255, &v, errbuf);
    if (rc)
        return rc;
    s->prio = (int)v;
    rp->prio_set = true;
    return VG_OK;
}

static int classtype_setup(vg_rule_parser *rp, vg_sig *s, const char *arg, char *errbuf)
{
    char name[128];
    if (vg_rule_unquote(arg, name, sizeof(name)) != VG_OK || !name[0])
        return vg_err(errbuf, VG_EINVAL, "bad classtype \"%.40s\"", arg);
    for (char *c = name; *c; c++)
        if (!isalnum((unsigned char)*c) && *c != '-' && *c != '_')
            return vg_err(errbuf, VG_EINVAL, "bad classtype \"%.40s\"", arg);
    if (s->class_name)
        return vg_err(errbuf, VG_EINVAL, "only one classtype per rule");
    const vg_class *c = rp->de ? vg_class_find(rp->de, name) : NULL;
    if (!c)
        return vg_err(errbuf, VG_EINVAL, "unknown classtype \"%s\" (not in the classification file)",
                      name);
    s->class_name = strdup(c->name);
    s->class_msg = strdup(c->desc);
    if (!s->class_name || !s->class_msg)
        return vg_err(errbuf, VG_ENOMEM, "out of memory");
    if (!rp->prio_set)
        s->prio = c->prio;
    return VG_OK;
}

static int push_str(char ***arr, char *str)
{
    size_t n = 0;
    if (*arr)
        while ((*arr)[n])
            n++;
    if (n >= 1024) {
        free(str);
        return VG_ELIMIT;
    }
    char **na = realloc(*arr, (n + 2) * sizeof(char *));
    if (!na) {
        free(str);
        return VG_ENOMEM;
    }
    na[n] = str;
    na[n + 1] = NULL;
    *arr = na;
    return VG_OK;
}

static int reference_setup(vg_rule_parser *rp, vg_sig *s, const char *arg, char *errbuf)
{
    char tmp[1024];
    if (vg_rule_unquote(arg, tmp, sizeof(tmp)) != VG_OK) {
        /* e.g. url,"host/path": quotes around the value only */
        if (strlen(arg) >= sizeof(tmp))
            return vg_err(errbuf, VG_EINVAL, "reference too long");
        memcpy(tmp, arg, strlen(arg) + 1);
    }
    char *comma = strchr(tmp, ',');
    if (!comma)
        return vg_err(errbuf, VG_EINVAL, "reference needs \"type,value\"");
    *comma = 0;
    char *type = tmp, *val = comma + 1;
    while (isspace((unsigned char)*type))
        type++;
    for (char *e = type + strlen(type); e > type && isspace((unsigned char)e[-1]); )
        *--e = 0;
    while (isspace((unsigned char)*val))
        val++;
    size_t vl = strlen(val);
    if (vl >= 2 && val[0] == '"' && val[vl - 1] == '"') {
        val[vl - 1] = 0;
        val++;
    }
    if (!*type || !*val)
        return vg_err(errbuf, VG_EINVAL, "reference needs \"type,value\"");
    const vg_refconf *r = rp->de ? vg_refconf_find(rp->de, type) : NULL;
    size_t n = strlen(type) + strlen(val) + (r ? strlen(r->url) : 0) + 4;
    char *out = malloc(n);
    if (!out)
        return vg_err(errbuf, VG_ENOMEM, "out of memory");
    if (r)
        snprintf(out, n, "%s%s", r->url, val);
    else
        snprintf(out, n, "%s,%s", type, val);
    int rc = push_str(&s->references, out);
    return rc ? vg_err(errbuf, rc, "too many references") : VG_OK;
}

static int metadata_setup(vg_rule_parser *rp, vg_sig *s, const char *arg, char *errbuf)
{
    (void)rp;
    size_t n = strlen(arg) + 1;
    char *tmp = malloc(n);
    if (!tmp)
        return vg_err(errbuf, VG_ENOMEM, "out of memory");
    if (vg_rule_unquote(arg, tmp, n) != VG_OK)
        memcpy(tmp, arg, n);
    int rc = VG_OK;
    char *save = NULL;
    for (char *item = strtok_r(tmp, ",", &save); item && !rc; item = strtok_r(NULL, ",", &save)) {
        while (isspace((unsigned char)*item))
            item++;
        char *e = item + strlen(item);
        while (e > item && isspace((unsigned char)e[-1]))
            *--e = 0;
        if (!*item)
            continue;
        /* "key value": key is the first word; collapse the separating space */
        char *sp = item;
        while (*sp && !isspace((unsigned char)*sp))
            sp++;
        if (!*sp) {
            /* Suricata accepts a bare word; keep it (key with empty value). */
        }
        char *copy = strdup(item);
        if (!copy) {
            rc = VG_ENOMEM;
            break;
        }
        rc = push_str(&s->metadata, copy);
    }
    free(tmp);
    return rc ? vg_err(errbuf, rc, "metadata: %s", vg_strerror(rc)) : VG_OK;
}

static int target_setup(vg_rule_parser *rp, vg_sig *s, const char *arg, char *errbuf)
{
    (void)rp;
    char t[32];
    if (vg_rule_unquote(arg, t, sizeof(t)) != VG_OK)
        return vg_err(errbuf, VG_EINVAL, "target must be src_ip or dest_ip");
    if (strcmp(t, "src_ip") == 0)
        s->target = 1;
    else if (strcmp(t, "dest_ip") == 0)
        s->target = 2;
    else
        return vg_err(errbuf, VG_EINVAL, "target must be src_ip or dest_ip");
    return VG_OK;
}

static int noalert_setup(vg_rule_parser *rp, vg_sig *s, const char *arg, char *errbuf)
{
    (void)rp;
    (void)arg;
    (void)errbuf;
    s->flags |= VG_SIG_NOALERT;
    return VG_OK;
}

static int prefilter_setup(vg_rule_parser *rp, vg_sig *s, const char *arg, char *errbuf)
{
    (void)rp;
    (void)s;
    (void)arg;
    (void)errbuf;
    return VG_OK; /* a prefilter hint: selection does not change what matches */
}

static int pkt_data_setup(vg_rule_parser *rp, vg_sig *s, const char *arg, char *errbuf)
{
    (void)arg;
    return vg_rule_parser_set_buf(rp, s, VG_BUF_PAYLOAD, errbuf);
}

const vg_keyword vg_kw_msg = {"msg", NULL, VG_KW_INFO | VG_KW_QUOTES_OK, msg_setup, NULL, NULL};
const vg_keyword vg_kw_sid = {"sid", NULL, VG_KW_INFO, sid_setup, NULL, NULL};
const vg_keyword vg_kw_rev = {"rev", NULL, VG_KW_INFO, rev_setup, NULL, NULL};
const vg_keyword vg_kw_gid = {"gid", NULL, VG_KW_INFO, gid_setup, NULL, NULL};
const vg_keyword vg_kw_priority = {"priority", NULL, VG_KW_INFO, priority_setup, NULL, NULL};
const vg_keyword vg_kw_classtype = {"classtype", NULL, VG_KW_INFO, classtype_setup, NULL, NULL};
const vg_keyword vg_kw_reference = {"reference", NULL, VG_KW_INFO | VG_KW_QUOTES_OK,
                                    reference_setup, NULL, NULL};
const vg_keyword vg_kw_metadata = {"metadata", NULL, VG_KW_INFO | VG_KW_QUOTES_OK,
                                   metadata_setup, NULL, NULL};
const vg_keyword vg_kw_target = {"target", NULL, VG_KW_INFO, target_setup, NULL, NULL};
const vg_keyword vg_kw_noalert = {"noalert", NULL, VG_KW_NOOPT, noalert_setup, NULL, NULL};
const vg_keyword vg_kw_prefilter = {"prefilter", NULL, VG_KW_NOOPT, prefilter_setup, NULL, NULL};
const vg_keyword vg_kw_pkt_data = {"pkt_data", NULL, VG_KW_NOOPT | VG_KW_STICKY, pkt_data_setup,
                                   NULL, NULL};
