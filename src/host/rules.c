/* rules.c: loading Wazuh/OSSEC rule files into the ruleset. */
#include "host/ruleset_int.h"
#include "host/hxml.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

char *vg_hsubst_vars(const vg_hruleset *rs, const char *s);
int vg_hruleset_add_var(vg_hruleset *rs, const char *name, const char *value);

void vg_hrule_free(hrule *r)
{
    if (!r)
        return;
    free(r->category);
    for (int i = 0; i < r->ngroups; i++)
        free(r->groups[i]);
    free(r->groups);
    free(r->description);
    for (int i = 0; i < r->nmitre; i++)
        free(r->mitre[i]);
    free(r->mitre);
    free(r->decoded_as_name);
    for (int i = 0; i < r->nconds; i++)
        vg_hpat_free(r->conds[i].pat);
    free(r->conds);
    for (int i = 0; i < r->nipconds; i++)
        free(r->ipconds[i].nets);
    free(r->ipconds);
    for (int i = 0; i < r->nlists; i++)
        vg_hpat_free(r->lists[i].check_value);
    free(r->lists);
    free(r->same);
    free(r->if_sid);
    free(r->if_group);
    free(r->if_matched_sid);
    free(r->if_matched_idx);
    free(r->if_matched_group);
    free(r->children);
    free(r);
}

bool vg_hip_parse(const char *s, hipnet *out)
{
    char buf[128];
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\n'))
        n--;
    while (n > 0 && (*s == ' ' || *s == '\n')) {
        s++;
        n--;
    }
    if (n == 0 || n >= sizeof(buf))
        return false;
    memcpy(buf, s, n);
    buf[n] = '\0';
    char *slash = strchr(buf, '/');
    int bits = -1;
    if (slash) {
        *slash = '\0';
        const char *m = slash + 1;
        if (strchr(m, '.')) {
            struct in_addr ma;
            if (inet_pton(AF_INET, m, &ma) != 1)
                return false;
            uint32_t v = ntohl(ma.s_addr);
            bits = 0;
            while (bits < 32 && (v & (0x80000000u >> bits)))
                bits++;
        } else {
            bits = atoi(m);
        }
    }
    memset(out, 0, sizeof(*out));
    if (inet_pton(AF_INET, buf, out->addr) == 1) {
        out->v6 = false;
        out->bits = bits < 0 || bits > 32 ? 32 : bits;
        return true;
    }
    if (inet_pton(AF_INET6, buf, out->addr) == 1) {
        out->v6 = true;
        out->bits = bits < 0 || bits > 128 ? 128 : bits;
        return true;
    }
    return false;
}

bool vg_hip_in(const hipnet *net, const char *s, size_t len)
{
    char buf[64];
    if (len == 0 || len >= sizeof(buf))
        return false;
    memcpy(buf, s, len);
    buf[len] = '\0';
    uint8_t a[16];
    if (!net->v6) {
        if (inet_pton(AF_INET, buf, a) != 1)
            return false;
    } else if (inet_pton(AF_INET6, buf, a) != 1) {
        return false;
    }
    int bits = net->bits;
    for (int i = 0; bits > 0; i++, bits -= 8) {
        uint8_t mask = bits >= 8 ? 0xff : (uint8_t)(0xff << (8 - bits));
        if ((a[i] & mask) != (net->addr[i] & mask))
            return false;
    }
    return true;
}

static int push(void **arr, int *n, size_t sz, const void *item)
{
    char *na = realloc(*arr, sz * (size_t)(*n + 1));
    if (!na)
        return VG_ENOMEM;
    memcpy(na + sz * (size_t)*n, item, sz);
    *arr = na;
    (*n)++;
    return VG_OK;
}

static int add_groups(char ***groups, int *n, const char *list)
{
    const char *p = list;
    while (*p) {
        while (*p == ' ' || *p == '\n' || *p == '\t' || *p == '\r')
            p++;
        const char *e = p;
        while (*e && *e != ',')
            e++;
        const char *t = e;
        while (t > p && (t[-1] == ' ' || t[-1] == '\n' || t[-1] == '\t' || t[-1] == '\r'))
            t--;
        if (t > p) {
            char *g = strndup(p, (size_t)(t - p));
            if (!g || push((void **)groups, n, sizeof(char *), &g) < 0) {
                free(g);
                return VG_ENOMEM;
            }
        }
        p = *e ? e + 1 : e;
    }
    return VG_OK;
}

static int parse_ids(const char *s, int **ids, int *n)
{
    /* Wazuh takes numbers separated by commas or spaces; anything else
     * makes the option invalid. */
    for (const char *q = s; *q; q++)
        if (!((*q >= '0' && *q <= '9') || *q == ',' || *q == ' ' || *q == '\t' || *q == '\n' || *q == '\r'))
            return VG_EINVAL;
    const char *p = s;
    while (*p) {
        while (*p && !(*p >= '0' && *p <= '9'))
            p++;
        if (!*p)
            break;
        int v = atoi(p);
        if (push((void **)ids, n, sizeof(int), &v) < 0)
            return VG_ENOMEM;
        while (*p >= '0' && *p <= '9')
            p++;
    }
    return VG_OK;
}

/* Option elements that compare a pattern with a field: name, field, default type. */
static const struct {
    const char *el;
    int field;
    vg_hpat_type type;
} field_opts[] = {
    {"user", HF_USER_ANY, VG_HPAT_OSMATCH},
    {"srcuser", HF_SRCUSER, VG_HPAT_OSMATCH},
    {"dstuser", HF_DSTUSER, VG_HPAT_OSMATCH},
    {"program_name", HF_PROGRAM, VG_HPAT_OSMATCH},
    {"hostname", HF_HOSTNAME, VG_HPAT_OSMATCH},
    {"location", HF_LOCATION, VG_HPAT_OSMATCH},
    {"url", HF_URL, VG_HPAT_OSMATCH},
    {"id", HF_ID, VG_HPAT_OSMATCH},
    {"status", HF_STATUS, VG_HPAT_OSMATCH},
    {"extra_data", HF_EXTRA_DATA, VG_HPAT_OSMATCH},
    {"system_name", HF_SYSTEM_NAME, VG_HPAT_OSMATCH},
    {"protocol", HF_PROTOCOL, VG_HPAT_OSMATCH},
    {"action", HF_ACTION, VG_HPAT_OSMATCH},
    {"data", HF_DATA, VG_HPAT_OSMATCH},
    {"srcport", HF_SRCPORT, VG_HPAT_OSMATCH},
    {"dstport", HF_DSTPORT, VG_HPAT_OSMATCH},
};

/* same_* and different_* element suffixes. */
static const struct {
    const char *name;
    int field;
} same_opts[] = {
    {"source_ip", HF_SRCIP}, {"srcip", HF_SRCIP}, {"src_ip", HF_SRCIP},
    {"dst_ip", HF_DSTIP}, {"dstip", HF_DSTIP},
    {"src_port", HF_SRCPORT}, {"srcport", HF_SRCPORT},
    {"dst_port", HF_DSTPORT}, {"dstport", HF_DSTPORT},
    {"location", HF_LOCATION}, {"user", HF_DSTUSER}, {"srcuser", HF_SRCUSER},
    {"dstuser", HF_DSTUSER}, {"id", HF_ID}, {"protocol", HF_PROTOCOL}, {"action", HF_ACTION},
    {"url", HF_URL}, {"data", HF_DATA}, {"extra_data", HF_EXTRA_DATA}, {"status", HF_STATUS},
    {"system_name", HF_SYSTEM_NAME},
};

static int parse_time(const char *s, int *start, int *end)
{
    /* "6 pm - 8:30 am", "18:00-08:30", "10am - 5 pm" */
    int mins[2];
    const char *p = s;
    for (int k = 0; k < 2; k++) {
        while (*p == ' ')
            p++;
        if (!(*p >= '0' && *p <= '9'))
            return VG_EINVAL;
        int h = 0, m = 0;
        while (*p >= '0' && *p <= '9')
            h = h * 10 + (*p++ - '0');
        if (*p == ':') {
            p++;
            while (*p >= '0' && *p <= '9')
                m = m * 10 + (*p++ - '0');
        }
        while (*p == ' ')
            p++;
        if (strncasecmp(p, "pm", 2) == 0) {
            if (h < 12)
                h += 12;
            p += 2;
        } else if (strncasecmp(p, "am", 2) == 0) {
            if (h == 12)
                h = 0;
            p += 2;
        }
        if (h > 24 || m > 59)
            return VG_EINVAL;
        mins[k] = h * 60 + m;
        while (*p == ' ')
            p++;
        if (k == 0) {
            if (*p != '-')
                return VG_EINVAL;
            p++;
        }
    }
    *start = mins[0];
    *end = mins[1];
    return VG_OK;
}

static int parse_weekday(const char *s, uint8_t *mask)
{
    static const char *days[] = {"sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"};
    *mask = 0;
    char buf[128];
    snprintf(buf, sizeof(buf), "%s", s);
    for (char *p = buf; *p; p++)
        if (*p >= 'A' && *p <= 'Z')
            *p += 32;
    if (strstr(buf, "weekdays"))
        *mask |= 0x3e;
    if (strstr(buf, "weekends"))
        *mask |= 0x41;
    int a = -1, b = -1;
    for (int i = 0; i < 7; i++) {
        char *q = strstr(buf, days[i]);
        if (!q)
            q = NULL;
        if (q) {
            if (a < 0 || q < strstr(buf, days[a]))
                { b = a; a = i; }
            else
                b = i;
        }
    }
    if (a >= 0 && b >= 0 && strchr(buf, '-')) {
        for (int d = a;; d = (d + 1) % 7) {
            *mask |= (uint8_t)(1u << d);
            if (d == b)
                break;
        }
    } else {
        for (int i = 0; i < 7; i++)
            if (strstr(buf, days[i]))
                *mask |= (uint8_t)(1u << i);
    }
    return *mask ? VG_OK : VG_EINVAL;
}

static int find_decoder_id(const vg_hruleset *rs, const char *name)
{
    /* Wazuh's built-in EventChannel decoder: Windows events are JSON
     * objects with win.system.*; vigil decodes them with the json decoder
     * and types them "ossec" (see rule_eval.c) */
    if (strcmp(name, "windows_eventchannel") == 0)
        name = "json";
    for (int i = 0; i < rs->ntops; i++)
        if (strcmp(rs->tops[i]->name, name) == 0)
            return rs->tops[i]->id;
    /* decoded_as may also name a child decoder (its own id with
     * use_own_name, else its parent's) */
    for (int i = 0; i < rs->ndecs; i++)
        if (strcmp(rs->decs[i]->name, name) == 0)
            return rs->decs[i]->id;
    return -2;
}

typedef struct pend_pat {      /* concatenated <match>/<regex> texts */
    char *text;
    const vg_hxml_node *el;
} pend_pat;

static int add_cond(vg_hruleset *rs, hrule *r, const vg_hxml_node *el, const char *text, int field,
                    vg_hpat_type dflt, char *msg, size_t msgsz)
{
    vg_hpat_type t = dflt;
    const char *ts = vg_hxml_attr_get(el, "type");
    if (ts && vg_hpat_type_parse(ts, &t) < 0) {
        snprintf(msg, msgsz, "%s:%d: rule %d: <%s>: unknown type '%s'", r->file, el->line, r->id,
                 el->name, ts);
        return VG_EINVAL;
    }
    char *s = vg_hsubst_vars(rs, text);
    if (!s)
        return VG_ENOMEM;
    const char *neg = vg_hxml_attr_get(el, "negate");
    char eb[VG_ERRBUF_SIZE];
    hcond c = {field, NULL};
    int rc = vg_hpat_compile(&c.pat, t, s, neg && strcasecmp(neg, "yes") == 0, eb);
    free(s);
    if (rc < 0) {
        snprintf(msg, msgsz, "%s:%d: rule %d: <%s>: %.300s", r->file, el->line, r->id, el->name, eb);
        return rc;
    }
    if (push((void **)&r->conds, &r->nconds, sizeof(hcond), &c) < 0) {
        vg_hpat_free(c.pat);
        return VG_ENOMEM;
    }
    return VG_OK;
}

static int add_ipcond(hrule *r, const vg_hxml_node *el, int field, char *msg, size_t msgsz)
{
    const char *t = el->text;
    bool neg = false;
    while (*t == ' ')
        t++;
    if (*t == '!') {
        neg = true;
        t++;
    }
    const char *na = vg_hxml_attr_get(el, "negate");
    if (na && strcasecmp(na, "yes") == 0)
        neg = !neg;
    /* Same field and negation as a previous element: one more network. */
    hipcond *ic = NULL;
    for (int i = 0; i < r->nipconds; i++)
        if (r->ipconds[i].field == field && r->ipconds[i].negate == neg)
            ic = &r->ipconds[i];
    if (!ic) {
        hipcond nc = {field, neg, NULL, 0};
        if (push((void **)&r->ipconds, &r->nipconds, sizeof(hipcond), &nc) < 0)
            return VG_ENOMEM;
        ic = &r->ipconds[r->nipconds - 1];
    }
    hipnet net;
    if (!vg_hip_parse(t, &net)) {
        snprintf(msg, msgsz, "%s:%d: rule %d: <%s>: bad address '%s'", r->file, el->line, r->id,
                 el->name, el->text);
        return VG_EINVAL;
    }
    return push((void **)&ic->nets, &ic->nnets, sizeof(hipnet), &net);
}

static int add_same(hrule *r, int field, bool different)
{
    hsame s = {field, different};
    return push((void **)&r->same, &r->nsame, sizeof(hsame), &s);
}

static int field_id_for(vg_hruleset *rs, const char *name)
{
    if (strcmp(name, "pid") == 0)
        return HF_PID; /* decoded pid, else the syslog header's */
    if (strcmp(name, "location") == 0)
        return HF_LOCATION;
    if (strcmp(name, "program_name") == 0)
        return HF_PROGRAM;
    if (strcmp(name, "hostname") == 0)
        return HF_HOSTNAME;
    return vg_hfield_intern(rs, name);
}

static int load_rule(vg_hruleset *rs, const vg_hxml_node *n, const char *file, char **groups, int ngroups)
{
    char msg[VG_ERRBUF_SIZE] = "";
    const char *ids = vg_hxml_attr_get(n, "id");
    const char *lvs = vg_hxml_attr_get(n, "level");
    if (!ids || !lvs) {
        vg_hruleset_warn(rs, "%s:%d: <rule> needs id and level", file, n->line);
        return VG_EINVAL;
    }
    hrule *r = calloc(1, sizeof(*r));
    if (!r)
        return VG_ENOMEM;
    r->id = atoi(ids);
    r->level = atoi(lvs);
    r->file = file;
    r->line = n->line;
    r->decoded_as = -1;
    r->time_start = -1;
    int rc = VG_OK;
    if (r->id <= 0 || r->id > 9999999 || r->level < 0 || r->level > 16) {
        snprintf(msg, sizeof(msg), "%s:%d: rule id '%s' or level '%s' out of range", file, n->line, ids, lvs);
        rc = VG_EINVAL;
    }
    const char *a;
    /* numeric attributes may name a <var> ("$MS_FREQ") */
    char *subst[4] = {NULL, NULL, NULL, NULL};
    const char *names[4] = {"maxsize", "frequency", "timeframe", "ignore"};
    int *dst[4] = {&r->maxsize, &r->frequency, &r->timeframe, &r->ignore_time};
    for (int k = 0; k < 4; k++) {
        const char *v = vg_hxml_attr_get(n, names[k]);
        if (!v)
            continue;
        subst[k] = vg_hsubst_vars(rs, v);
        *dst[k] = atoi(subst[k] ? subst[k] : v);
        if (subst[k] && !(subst[k][0] >= '0' && subst[k][0] <= '9'))
            vg_hruleset_warn(rs, "%s:%d: rule %d: %s='%s' is not a number (0 used)", file, n->line, r->id,
                             names[k], v);
        free(subst[k]);
    }
    if ((a = vg_hxml_attr_get(n, "noalert")))
        r->noalert = atoi(a) != 0 || strcasecmp(a, "yes") == 0;
    const char *ov = vg_hxml_attr_get(n, "overwrite");
    bool overwrite = ov && strcasecmp(ov, "yes") == 0;
    for (int i = 0; i < ngroups && rc >= 0; i++) {
        char *g = strdup(groups[i]);
        if (!g || push((void **)&r->groups, &r->ngroups, sizeof(char *), &g) < 0) {
            free(g);
            rc = VG_ENOMEM;
        }
    }
    pend_pat match = {0}, regex = {0};
    for (const vg_hxml_node *c = n->child; c && rc >= 0; c = c->next) {
        const char *t = c->text;
        const char *nm = c->name;
        bool handled = true;
        if (strcmp(nm, "match") == 0 || strcmp(nm, "regex") == 0) {
            pend_pat *pp = nm[0] == 'm' ? &match : &regex;
            size_t ol = pp->text ? strlen(pp->text) : 0;
            char *nt = realloc(pp->text, ol + strlen(t) + 1);
            if (!nt) {
                rc = VG_ENOMEM;
                break;
            }
            memcpy(nt + ol, t, strlen(t) + 1);
            pp->text = nt;
            pp->el = c;
        } else if (strcmp(nm, "decoded_as") == 0) {
            free(r->decoded_as_name);
            r->decoded_as_name = strdup(t);
            r->decoded_as = find_decoder_id(rs, t);
        } else if (strcmp(nm, "category") == 0) {
            free(r->category);
            r->category = strdup(t);
        } else if (strcmp(nm, "field") == 0) {
            const char *fname = vg_hxml_attr_get(c, "name");
            if (!fname) {
                snprintf(msg, sizeof(msg), "%s:%d: rule %d: <field> without a name", file, c->line, r->id);
                rc = VG_EINVAL;
                break;
            }
            int fid = field_id_for(rs, fname);
            if (fid == -1) {
                rc = VG_ENOMEM;
                break;
            }
            rc = add_cond(rs, r, c, t, fid, VG_HPAT_OSREGEX, msg, sizeof(msg));
        } else if (strcmp(nm, "srcip") == 0) {
            rc = add_ipcond(r, c, HF_SRCIP, msg, sizeof(msg));
        } else if (strcmp(nm, "dstip") == 0) {
            rc = add_ipcond(r, c, HF_DSTIP, msg, sizeof(msg));
        } else if (strcmp(nm, "if_sid") == 0) {
            rc = parse_ids(t, &r->if_sid, &r->nif_sid);
            if (rc == VG_EINVAL)
                snprintf(msg, sizeof(msg), "%s:%d: rule %d: bad <if_sid> '%s'", file, c->line, r->id, t);
        } else if (strcmp(nm, "if_group") == 0) {
            free(r->if_group);
            r->if_group = strdup(t);
        } else if (strcmp(nm, "if_level") == 0) {
            r->if_level = atoi(t);
        } else if (strcmp(nm, "if_matched_sid") == 0) {
            rc = parse_ids(t, &r->if_matched_sid, &r->nif_matched_sid);
            if (rc == VG_EINVAL)
                snprintf(msg, sizeof(msg), "%s:%d: rule %d: bad <if_matched_sid> '%s'", file, c->line, r->id, t);
        } else if (strcmp(nm, "if_matched_group") == 0) {
            free(r->if_matched_group);
            r->if_matched_group = strdup(t);
        } else if (strcmp(nm, "if_fts") == 0) {
            r->if_fts = true;
        } else if (strcmp(nm, "description") == 0) {
            free(r->description);
            r->description = strdup(t);
        } else if (strcmp(nm, "group") == 0) {
            rc = add_groups(&r->groups, &r->ngroups, t);
        } else if (strcmp(nm, "mitre") == 0) {
            for (const vg_hxml_node *m = c->child; m && rc >= 0; m = m->next) {
                if (strcmp(m->name, "id") != 0)
                    continue;
                char *s = strdup(m->text);
                if (!s || push((void **)&r->mitre, &r->nmitre, sizeof(char *), &s) < 0) {
                    free(s);
                    rc = VG_ENOMEM;
                }
            }
        } else if (strcmp(nm, "options") == 0) {
            if (strstr(t, "no_full_log"))
                r->no_full_log = true;
            if (strstr(t, "no_log"))
                r->no_log = true;
        } else if (strcmp(nm, "list") == 0) {
            const char *lf = vg_hxml_attr_get(c, "field");
            const char *lk = vg_hxml_attr_get(c, "lookup");
            static const char *lookups[] = {"match_key", "not_match_key", "match_key_value",
                                            "address_match_key", "not_address_match_key",
                                            "address_match_key_value"};
            hlistcond lc = {-1, -1, NULL, NULL};
            for (int i = 0; lk && i < 6; i++)
                if (strcmp(lk, lookups[i]) == 0)
                    lc.lookup = i;
            if (!lf || lc.lookup < 0) {
                snprintf(msg, sizeof(msg), "%s:%d: rule %d: <list> needs field and a known lookup",
                         file, c->line, r->id);
                rc = VG_EINVAL;
                break;
            }
            lc.field = field_id_for(rs, lf);
            if (strcmp(lf, "user") == 0)
                lc.field = HF_USER_ANY;
            char eb[VG_ERRBUF_SIZE];
            lc.list = vg_hlist_get(rs, t, eb);
            if (!lc.list) {
                snprintf(msg, sizeof(msg), "%s:%d: rule %d: %.300s", file, c->line, r->id, eb);
                rc = VG_EINVAL;
                break;
            }
            const char *cv = vg_hxml_attr_get(c, "check_value");
            if (cv && vg_hpat_compile(&lc.check_value, VG_HPAT_OSMATCH, cv, false, eb) < 0) {
                snprintf(msg, sizeof(msg), "%s:%d: rule %d: check_value: %.300s", file, c->line, r->id, eb);
                rc = VG_EINVAL;
                break;
            }
            if (push((void **)&r->lists, &r->nlists, sizeof(hlistcond), &lc) < 0) {
                vg_hpat_free(lc.check_value);
                rc = VG_ENOMEM;
            }
        } else if (strcmp(nm, "time") == 0) {
            if (parse_time(t, &r->time_start, &r->time_end) < 0) {
                snprintf(msg, sizeof(msg), "%s:%d: rule %d: bad <time> '%s'", file, c->line, r->id, t);
                rc = VG_EINVAL;
            }
        } else if (strcmp(nm, "weekday") == 0) {
            if (parse_weekday(t, &r->weekdays) < 0) {
                snprintf(msg, sizeof(msg), "%s:%d: rule %d: bad <weekday> '%s'", file, c->line, r->id, t);
                rc = VG_EINVAL;
            }
        } else if (strcmp(nm, "same_field") == 0 || strcmp(nm, "different_field") == 0 ||
                   strcmp(nm, "not_same_field") == 0) {
            int fid = field_id_for(rs, t);
            if (fid == -1)
                rc = VG_ENOMEM;
            else
                rc = add_same(r, fid, nm[0] != 's');
        } else if (strncmp(nm, "same_", 5) == 0 || strncmp(nm, "different_", 10) == 0 ||
                   strncmp(nm, "notsame_", 8) == 0) {
            bool diff = nm[0] != 's';
            const char *suf = strchr(nm, '_') + 1;
            int fid = -1;
            for (size_t i = 0; i < VG_ARRAY_LEN(same_opts); i++)
                if (strcmp(suf, same_opts[i].name) == 0)
                    fid = same_opts[i].field;
            if (fid >= 0)
                rc = add_same(r, fid, diff);
            else if (strstr(suf, "geoip"))
                r->unsupported = true; /* no GeoIP database here */
            else
                handled = false;
        } else if (strcmp(nm, "info") == 0 || strcmp(nm, "ignore") == 0 ||
                   strcmp(nm, "check_if_ignored") == 0 || strcmp(nm, "var") == 0) {
            /* informational / not needed for matching */
        } else if (strcmp(nm, "check_diff") == 0 || strcmp(nm, "compiled_rule") == 0 ||
                   strcmp(nm, "srcgeoip") == 0 || strcmp(nm, "dstgeoip") == 0 ||
                   strcmp(nm, "if_matched_regex") == 0) {
            r->unsupported = true;
        } else {
            handled = false;
            for (size_t i = 0; i < VG_ARRAY_LEN(field_opts); i++)
                if (strcmp(nm, field_opts[i].el) == 0) {
                    rc = add_cond(rs, r, c, t, field_opts[i].field, field_opts[i].type, msg, sizeof(msg));
                    handled = true;
                    break;
                }
        }
        if (!handled && rc >= 0) {
            snprintf(msg, sizeof(msg), "%s:%d: rule %d: unknown option <%s>", file, c->line, r->id, nm);
            rc = VG_EINVAL;
        }
    }
    if (rc >= 0 && match.text)
        rc = add_cond(rs, r, match.el, match.text, HF_LOG, VG_HPAT_OSMATCH, msg, sizeof(msg));
    if (rc >= 0 && regex.text)
        rc = add_cond(rs, r, regex.el, regex.text, HF_LOG, VG_HPAT_OSREGEX, msg, sizeof(msg));
    free(match.text);
    free(regex.text);
    if (rc >= 0 && r->decoded_as == -2) {
        snprintf(msg, sizeof(msg), "%s:%d: rule %d: decoded_as '%s': no such decoder", file, n->line,
                 r->id, r->decoded_as_name);
        rc = VG_EINVAL;
    }
    if (rc < 0) {
        if (msg[0])
            vg_hruleset_warn(rs, "%s", msg);
        vg_hrule_free(r);
        return rc;
    }
    /* if_matched_* without if_sid/if_group hangs under the matched rule/group. */
    if (r->nif_matched_sid && !r->nif_sid && !r->if_group) {
        r->if_sid = malloc(sizeof(int) * (size_t)r->nif_matched_sid);
        if (!r->if_sid) {
            vg_hrule_free(r);
            return VG_ENOMEM;
        }
        memcpy(r->if_sid, r->if_matched_sid, sizeof(int) * (size_t)r->nif_matched_sid);
        r->nif_sid = r->nif_matched_sid;
    }
    if (r->if_matched_group && !r->nif_sid && !r->if_group) {
        r->if_group = strdup(r->if_matched_group);
        if (!r->if_group) {
            vg_hrule_free(r);
            return VG_ENOMEM;
        }
    }
    for (int i = 0; i < rs->nrules; i++) {
        if (rs->rules[i]->id != r->id)
            continue;
        if (!overwrite) {
            vg_hruleset_warn(rs, "%s:%d: rule %d already defined at %s:%d", file, n->line, r->id,
                             rs->rules[i]->file, rs->rules[i]->line);
            vg_hrule_free(r);
            return VG_EINVAL;
        }
        /* Overwrite keeps the original's place in the tree: its if_sid,
         * if_group, if_level, if_matched_sid and if_matched_group stay, as
         * Wazuh documents; every other option is replaced. */
        hrule *old = rs->rules[i];
        free(r->if_sid);
        free(r->if_group);
        free(r->if_matched_sid);
        free(r->if_matched_group);
        r->if_sid = old->if_sid;
        r->nif_sid = old->nif_sid;
        r->if_group = old->if_group;
        r->if_level = old->if_level;
        r->if_matched_sid = old->if_matched_sid;
        r->nif_matched_sid = old->nif_matched_sid;
        r->if_matched_group = old->if_matched_group;
        old->if_sid = NULL;
        old->if_group = NULL;
        old->if_matched_sid = NULL;
        old->if_matched_group = NULL;
        r->idx = i;
        rs->rules[i] = r;
        vg_hrule_free(old);
        return VG_OK;
    }
    if (overwrite)
        vg_hruleset_warn(rs, "%s:%d: rule %d overwrites nothing; added", file, n->line, r->id);
    r->idx = rs->nrules;
    if (push((void **)&rs->rules, &rs->nrules, sizeof(hrule *), &r) < 0) {
        vg_hrule_free(r);
        return VG_ENOMEM;
    }
    return VG_OK;
}

static int load_group(vg_hruleset *rs, const vg_hxml_node *g, const char *file, char **groups, int ngroups)
{
    char **gs = NULL;
    int ng = 0, rc = VG_OK;
    for (int i = 0; i < ngroups && rc >= 0; i++) {
        char *s = strdup(groups[i]);
        if (!s || push((void **)&gs, &ng, sizeof(char *), &s) < 0) {
            free(s);
            rc = VG_ENOMEM;
        }
    }
    const char *name = vg_hxml_attr_get(g, "name");
    if (rc >= 0 && name)
        rc = add_groups(&gs, &ng, name);
    for (const vg_hxml_node *c = g->child; c && rc >= 0; c = c->next) {
        if (strcmp(c->name, "rule") == 0) {
            int r = load_rule(rs, c, file, gs, ng);
            if (r == VG_ENOMEM)
                rc = r;
            else if (r < 0)
                rs->errors++;
        } else if (strcmp(c->name, "group") == 0) {
            rc = load_group(rs, c, file, gs, ng);
        } else if (strcmp(c->name, "var") == 0) {
            const char *vn = vg_hxml_attr_get(c, "name");
            if (vn)
                rc = vg_hruleset_add_var(rs, vn, c->text);
        } else {
            vg_hruleset_warn(rs, "%s:%d: unexpected <%s> in <group>", file, c->line, c->name);
            rs->errors++;
        }
    }
    for (int i = 0; i < ng; i++)
        free(gs[i]);
    free(gs);
    return rc;
}

static int load_rule_tree(vg_hruleset *rs, vg_hxml_node *root, const char *path, char *errbuf)
{
    int rc = VG_OK;
    const char *file = vg_hruleset_keep_file(rs, path);
    if (!file) {
        vg_hxml_free(root);
        return VG_ENOMEM;
    }
    for (const vg_hxml_node *n = root; n && rc >= 0; n = n->next) {
        if (strcmp(n->name, "group") == 0) {
            rc = load_group(rs, n, file, NULL, 0);
        } else if (strcmp(n->name, "rule") == 0) {
            int r = load_rule(rs, n, file, NULL, 0);
            if (r == VG_ENOMEM)
                rc = r;
            else if (r < 0)
                rs->errors++;
        } else if (strcmp(n->name, "var") == 0) {
            const char *vn = vg_hxml_attr_get(n, "name");
            if (vn)
                rc = vg_hruleset_add_var(rs, vn, n->text);
        } else {
            vg_hruleset_warn(rs, "%s:%d: unexpected <%s> in a rule file", file, n->line, n->name);
            rs->errors++;
        }
    }
    vg_hxml_free(root);
    if (rc < 0)
        return vg_err(errbuf, rc, "%s: %s", path, vg_strerror(rc));
    return VG_OK;
}

int vg_hruleset_load_rules(vg_hruleset *rs, const char *path, char *errbuf)
{
    if (rs->finished)
        return vg_err(errbuf, VG_EINVAL, "%s: ruleset already finished", path);
    vg_hxml_node *root;
    int rc = vg_hxml_parse_file(path, &root, errbuf);
    if (rc < 0)
        return rc;
    return load_rule_tree(rs, root, path, errbuf);
}

int vg_hruleset_load_rules_mem(vg_hruleset *rs, const char *name, const char *buf, size_t len, char *errbuf)
{
    if (rs->finished)
        return vg_err(errbuf, VG_EINVAL, "%s: ruleset already finished", name);
    vg_hxml_node *root;
    int rc = vg_hxml_parse(buf, len, name, &root, errbuf);
    if (rc < 0)
        return rc;
    return load_rule_tree(rs, root, name, errbuf);
}
