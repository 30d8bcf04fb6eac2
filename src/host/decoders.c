/* decoders.c: loading Wazuh/OSSEC decoders and decoding events with them. */
#include "host/ruleset_int.h"
#include "host/hxml.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void vg_hdecoder_free(hdecoder *d)
{
    if (!d)
        return;
    free(d->name);
    free(d->parent_name);
    free(d->children);
    free(d->type);
    vg_hpat_free(d->program_name);
    vg_hpat_free(d->prematch);
    vg_hpat_free(d->regex);
    free(d->order);
    free(d->fts);
    free(d);
}

static char *strappend(char *a, const char *b)
{
    size_t la = a ? strlen(a) : 0, lb = strlen(b);
    char *r = realloc(a, la + lb + 1);
    if (!r) {
        free(a);
        return NULL;
    }
    memcpy(r + la, b, lb + 1);
    return r;
}

/* Parse an <order>-style list into field ids. */
static int parse_field_list(vg_hruleset *rs, const char *s, int **out, int *n)
{
    int cap = 8, cnt = 0;
    int *ids = malloc(sizeof(int) * (size_t)cap);
    if (!ids)
        return VG_ENOMEM;
    const char *p = s;
    while (*p) {
        while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
            p++;
        const char *e = p;
        while (*e && *e != ',')
            e++;
        const char *t = e;
        while (t > p && (t[-1] == ' ' || t[-1] == '\t' || t[-1] == '\n' || t[-1] == '\r'))
            t--;
        if (t > p) {
            char name[256];
            size_t l = VG_MIN((size_t)(t - p), sizeof(name) - 1);
            memcpy(name, p, l);
            name[l] = '\0';
            int id;
            if (strcmp(name, "location") == 0)
                id = HF_LOCATION;
            else if (strcmp(name, "name") == 0 || strcmp(name, "program_name") == 0)
                id = HF_PROGRAM;
            else if (strcmp(name, "hostname") == 0)
                id = HF_HOSTNAME;
            else
                id = vg_hfield_intern(rs, name);
            if (id == -1) {
                free(ids);
                return VG_ENOMEM;
            }
            if (cnt == cap) {
                cap *= 2;
                int *ni = realloc(ids, sizeof(int) * (size_t)cap);
                if (!ni) {
                    free(ids);
                    return VG_ENOMEM;
                }
                ids = ni;
            }
            ids[cnt++] = id;
        }
        p = *e ? e + 1 : e;
    }
    *out = ids;
    *n = cnt;
    return VG_OK;
}

static int offset_of(const char *s, int *out)
{
    if (!s || !*s) {
        *out = 0;
        return VG_OK;
    }
    if (strcmp(s, "after_parent") == 0)
        *out = DEC_AFTER_PARENT;
    else if (strcmp(s, "after_prematch") == 0)
        *out = DEC_AFTER_PREMATCH;
    else if (strcmp(s, "after_regex") == 0)
        *out = DEC_AFTER_REGEX;
    else
        return VG_EINVAL;
    return VG_OK;
}

/* Replace $VAR references with <var> values. Returns heap string. */
char *vg_hsubst_vars(const vg_hruleset *rs, const char *s);
char *vg_hsubst_vars(const vg_hruleset *rs, const char *s)
{
    if (!strchr(s, '$') || rs->nvars == 0)
        return strdup(s);
    size_t cap = strlen(s) + 64, len = 0;
    char *out = malloc(cap);
    if (!out)
        return NULL;
    for (const char *p = s; *p;) {
        const char *val = NULL;
        size_t skip = 0;
        if (*p == '$') {
            for (int i = 0; i < rs->nvars; i++) {
                size_t nl = strlen(rs->var_names[i]);
                if (strncmp(p + 1, rs->var_names[i], nl) == 0 &&
                    !(p[1 + nl] == '_' || (p[1 + nl] >= 'A' && p[1 + nl] <= 'Z') ||
                      (p[1 + nl] >= 'a' && p[1 + nl] <= 'z') || (p[1 + nl] >= '0' && p[1 + nl] <= '9'))) {
                    if (nl + 1 > skip) {
                        val = rs->var_values[i];
                        skip = nl + 1;
                    }
                }
            }
        }
        const char *add = val ? val : p;
        size_t al = val ? strlen(val) : 1;
        if (len + al + 1 > cap) {
            cap = (len + al + 1) * 2;
            char *n = realloc(out, cap);
            if (!n) {
                free(out);
                return NULL;
            }
            out = n;
        }
        memcpy(out + len, add, al);
        len += al;
        p += val ? skip : 1;
    }
    out[len] = '\0';
    return out;
}

int vg_hruleset_add_var(vg_hruleset *rs, const char *name, const char *value);
int vg_hruleset_add_var(vg_hruleset *rs, const char *name, const char *value)
{
    for (int i = 0; i < rs->nvars; i++)
        if (strcmp(rs->var_names[i], name) == 0) {
            char *v = strdup(value);
            if (!v)
                return VG_ENOMEM;
            free(rs->var_values[i]);
            rs->var_values[i] = v;
            return VG_OK;
        }
    char **nn = realloc(rs->var_names, sizeof(char *) * (size_t)(rs->nvars + 1));
    if (!nn)
        return VG_ENOMEM;
    rs->var_names = nn;
    char **nv = realloc(rs->var_values, sizeof(char *) * (size_t)(rs->nvars + 1));
    if (!nv)
        return VG_ENOMEM;
    rs->var_values = nv;
    rs->var_names[rs->nvars] = strdup(name);
    rs->var_values[rs->nvars] = strdup(value);
    if (!rs->var_names[rs->nvars] || !rs->var_values[rs->nvars]) {
        free(rs->var_names[rs->nvars]);
        free(rs->var_values[rs->nvars]);
        return VG_ENOMEM;
    }
    rs->nvars++;
    return VG_OK;
}

static int compile_el(vg_hruleset *rs, const vg_hxml_node *el, const char *text, vg_hpat_type dflt,
                      vg_hpat **out, const char *file, char *msg, size_t msgsz)
{
    vg_hpat_type t = dflt;
    const char *ts = vg_hxml_attr_get(el, "type");
    if (ts && vg_hpat_type_parse(ts, &t) < 0) {
        snprintf(msg, msgsz, "%s:%d: <%s>: unknown type '%s'", file, el->line, el->name, ts);
        return VG_EINVAL;
    }
    char *s = vg_hsubst_vars(rs, text);
    if (!s)
        return VG_ENOMEM;
    char eb[VG_ERRBUF_SIZE];
    const char *neg = vg_hxml_attr_get(el, "negate");
    int rc = vg_hpat_compile(out, t, s, neg && strcmp(neg, "yes") == 0, eb);
    free(s);
    if (rc < 0)
        snprintf(msg, msgsz, "%s:%d: <%s>: %.300s", file, el->line, el->name, eb);
    return rc;
}

static hdecoder *find_top(vg_hruleset *rs, const char *name)
{
    for (int i = 0; i < rs->ntops; i++)
        if (strcmp(rs->tops[i]->name, name) == 0)
            return rs->tops[i];
    return NULL;
}

static int push(void ***arr, int *n, void *item)
{
    void **na = realloc(*arr, sizeof(void *) * (size_t)(*n + 1));
    if (!na)
        return VG_ENOMEM;
    na[*n] = item;
    *arr = na;
    (*n)++;
    return VG_OK;
}

static int load_decoder(vg_hruleset *rs, const vg_hxml_node *n, const char *file)
{
    char msg[VG_ERRBUF_SIZE] = "";
    const char *name = vg_hxml_attr_get(n, "name");
    if (!name || !*name) {
        vg_hruleset_warn(rs, "%s:%d: <decoder> without a name", file, n->line);
        return VG_EINVAL;
    }
    hdecoder *d = calloc(1, sizeof(*d));
    if (!d)
        return VG_ENOMEM;
    d->name = strdup(name);
    d->carry_field = -1;
    d->carry_key = -1;
    d->file = file;
    d->line = n->line;
    int rc = VG_OK;
    char *prematch = NULL, *regex = NULL;
    const vg_hxml_node *prematch_el = NULL, *regex_el = NULL;
    for (const vg_hxml_node *c = n->child; c && rc >= 0; c = c->next) {
        const char *t = c->text;
        if (strcmp(c->name, "parent") == 0) {
            free(d->parent_name);
            d->parent_name = strdup(t);
        } else if (strcmp(c->name, "program_name") == 0) {
            vg_hpat_free(d->program_name);
            d->program_name = NULL;
            rc = compile_el(rs, c, t, VG_HPAT_OSMATCH, &d->program_name, file, msg, sizeof(msg));
        } else if (strcmp(c->name, "prematch") == 0) {
            prematch = strappend(prematch, t);
            prematch_el = c;
            if (offset_of(vg_hxml_attr_get(c, "offset"), &d->prematch_offset) < 0) {
                snprintf(msg, sizeof(msg), "%s:%d: <prematch>: bad offset", file, c->line);
                rc = VG_EINVAL;
            }
        } else if (strcmp(c->name, "regex") == 0) {
            regex = strappend(regex, t);
            regex_el = c;
            if (offset_of(vg_hxml_attr_get(c, "offset"), &d->regex_offset) < 0) {
                snprintf(msg, sizeof(msg), "%s:%d: <regex>: bad offset", file, c->line);
                rc = VG_EINVAL;
            }
        } else if (strcmp(c->name, "order") == 0) {
            free(d->order);
            d->order = NULL;
            rc = parse_field_list(rs, t, &d->order, &d->norder);
        } else if (strcmp(c->name, "plugin_decoder") == 0) {
            if (strcmp(t, "JSON_Decoder") == 0) {
                d->json = true;
                if (offset_of(vg_hxml_attr_get(c, "offset"), &d->json_offset) < 0) {
                    snprintf(msg, sizeof(msg), "%s:%d: <plugin_decoder>: bad offset", file, c->line);
                    rc = VG_EINVAL;
                }
            } else {
                /* Other plugins (OSSECAlert, PF, SonicWall...) are not
                 * implemented: the decoder still names the event. */
                vg_hruleset_warn(rs, "%s:%d: plugin_decoder %s not supported", file, c->line, t);
            }
        } else if (strcmp(c->name, "type") == 0) {
            free(d->type);
            d->type = strdup(t);
        } else if (strcmp(c->name, "use_own_name") == 0) {
            d->use_own_name = strcmp(t, "true") == 0 || strcmp(t, "yes") == 0;
        } else if (strcmp(c->name, "carry") == 0) {
            /* vigil extension: fill a missing field (srcip) from the last
             * event of the same process (syslog pid or the key field). */
            const char *key = vg_hxml_attr_get(c, "key");
            d->carry_field = vg_hfield_intern(rs, t);
            d->carry_key = key ? vg_hfield_intern(rs, key) : -1;
        } else if (strcmp(c->name, "fts") == 0) {
            free(d->fts);
            d->fts = NULL;
            rc = parse_field_list(rs, t, &d->fts, &d->nfts);
        } else if (strcmp(c->name, "ftscomment") == 0 || strcmp(c->name, "accumulate") == 0 ||
                   strcmp(c->name, "json_null_field") == 0 ||
                   strcmp(c->name, "json_array_structure") == 0 || strcmp(c->name, "var") == 0) {
            /* accepted, no effect on decoding here */
        } else {
            snprintf(msg, sizeof(msg), "%s:%d: <decoder name=\"%s\">: unknown option <%s>", file,
                     c->line, name, c->name);
            rc = VG_EINVAL;
        }
    }
    if (rc >= 0 && prematch)
        rc = compile_el(rs, prematch_el, prematch, VG_HPAT_OSREGEX, &d->prematch, file, msg, sizeof(msg));
    if (rc >= 0 && regex)
        rc = compile_el(rs, regex_el, regex, VG_HPAT_OSREGEX, &d->regex, file, msg, sizeof(msg));
    free(prematch);
    free(regex);
    if (rc >= 0 && !d->name)
        rc = VG_ENOMEM;
    if (rc >= 0 && d->parent_name) {
        d->parent = find_top(rs, d->parent_name);
        if (!d->parent) {
            snprintf(msg, sizeof(msg), "%s:%d: decoder '%s': parent '%s' not found", file, n->line,
                     name, d->parent_name);
            rc = VG_EINVAL;
        }
    }
    if (rc < 0) {
        if (rc == VG_EINVAL && msg[0])
            vg_hruleset_warn(rs, "%s", msg);
        vg_hdecoder_free(d);
        return rc;
    }
    if (d->parent) {
        d->id = d->parent->id;
        if (d->use_own_name) {
            /* reported and matched (decoded_as) under its own name */
            d->id = 0;
            for (int i = 0; i < rs->ndecs && !d->id; i++)
                if (strcmp(rs->decs[i]->name, d->name) == 0 && (rs->decs[i]->use_own_name || !rs->decs[i]->parent))
                    d->id = rs->decs[i]->id;
            if (!d->id)
                d->id = rs->next_dec_id++;
        }
        if (push((void ***)&d->parent->children, &d->parent->nchildren, d) < 0) {
            vg_hdecoder_free(d);
            return VG_ENOMEM;
        }
    } else {
        hdecoder *same = find_top(rs, d->name);
        d->id = same ? same->id : rs->next_dec_id++;
        d->canon = same ? same : d;
        if (push((void ***)&rs->tops, &rs->ntops, d) < 0) {
            vg_hdecoder_free(d);
            return VG_ENOMEM;
        }
    }
    if (push((void ***)&rs->decs, &rs->ndecs, d) < 0)
        return VG_ENOMEM; /* d is reachable from tops/children; freed there? no: keep simple */
    return VG_OK;
}

static int load_decoder_tree(vg_hruleset *rs, vg_hxml_node *root, const char *path, char *errbuf)
{
    int rc = VG_OK;
    const char *file = vg_hruleset_keep_file(rs, path);
    if (!file) {
        vg_hxml_free(root);
        return VG_ENOMEM;
    }
    for (const vg_hxml_node *n = root; n; n = n->next) {
        if (strcmp(n->name, "decoder") == 0) {
            rc = load_decoder(rs, n, file);
            if (rc == VG_ENOMEM)
                break;
            if (rc < 0)
                rs->errors++;
            rc = VG_OK;
        } else if (strcmp(n->name, "var") == 0) {
            const char *vn = vg_hxml_attr_get(n, "name");
            if (vn && (rc = vg_hruleset_add_var(rs, vn, n->text)) < 0)
                break;
        } else {
            vg_hruleset_warn(rs, "%s:%d: unexpected <%s> in a decoder file", file, n->line, n->name);
            rs->errors++;
        }
    }
    vg_hxml_free(root);
    if (rc < 0)
        return vg_err(errbuf, rc, "%s: %s", path, vg_strerror(rc));
    return VG_OK;
}

int vg_hruleset_load_decoders(vg_hruleset *rs, const char *path, char *errbuf)
{
    if (rs->finished)
        return vg_err(errbuf, VG_EINVAL, "%s: ruleset already finished", path);
    vg_hxml_node *root;
    int rc = vg_hxml_parse_file(path, &root, errbuf);
    if (rc < 0)
        return rc;
    return load_decoder_tree(rs, root, path, errbuf);
}

int vg_hruleset_load_decoders_mem(vg_hruleset *rs, const char *name, const char *buf, size_t len,
                                  char *errbuf)
{
    if (rs->finished)
        return vg_err(errbuf, VG_EINVAL, "%s: ruleset already finished", name);
    vg_hxml_node *root;
    int rc = vg_hxml_parse(buf, len, name, &root, errbuf);
    if (rc < 0)
        return rc;
    return load_decoder_tree(rs, root, name, errbuf);
}

/* ---- decoding ---- */

static void set_caps(vg_hevent *e, const hdecoder *d, const char *base, const vg_hmatch *m)
{
    for (int i = 0; i < m->ncaps && i < d->norder; i++) {
        int id = d->order[i];
        if (id < 0 || m->caps[i].len == (size_t)-1)
            continue;
        if (id >= HF_PROGRAM)
            continue; /* pseudo fields come from pre-decoding */
        (void)vg_hev_set(e, id, NULL, base + m->caps[i].off, m->caps[i].len);
    }
}

static size_t base_of(int off, size_t pend, size_t cend, size_t prev)
{
    if (off & DEC_AFTER_PARENT)
        return pend;
    if (off & DEC_AFTER_PREMATCH)
        return cend;
    if (off & DEC_AFTER_REGEX)
        return prev;
    return 0;
}

/* Apply d's regex / JSON plugin; false if its regex did not match. */
static bool apply(vg_hevent *e, const hdecoder *d, size_t pend, size_t cend, size_t *prev)
{
    bool ok = true;
    if (d->regex) {
        size_t b = base_of(d->regex_offset, pend, cend, *prev);
        if (b > e->loglen)
            b = e->loglen;
        vg_hmatch m;
        if (vg_hpat_match_lc(d->regex, e->log + b, e->loglen - b, e->loglc + b, &m)) {
            set_caps(e, d, e->log + b, &m);
            *prev = b + m.end;
        } else {
            ok = false;
        }
    }
    if (d->json) {
        size_t b = base_of(d->json_offset, pend, cend, *prev);
        if (b > e->loglen)
            b = e->loglen;
        vg_hjson_decode(e, e->log + b, e->loglen - b);
    }
    return ok;
}

void vg_hdecode_progbits(const vg_hruleset *rs, const char *program, uint8_t *bits)
{
    memset(bits, 0, ((size_t)rs->ntops + 7) / 8);
    size_t len = strlen(program);
    for (int i = 0; i < rs->ntops; i++)
        if (rs->tops[i]->program_name && vg_hpat_match(rs->tops[i]->program_name, program, len, NULL))
            bits[i / 8] |= (uint8_t)(1u << (i % 8));
}

void vg_hdecode(const vg_hruleset *rs, vg_hevent *e, const uint8_t *progbits)
{
    for (int i = 0; i < rs->ntops; i++) {
        const hdecoder *t = rs->tops[i];
        if (t->program_name) {
            if (!e->program)
                continue;
            if (progbits) {
                if (!(progbits[i / 8] & (1u << (i % 8))))
                    continue;
            } else if (!vg_hpat_match(t->program_name, e->program, strlen(e->program), NULL)) {
                continue;
            }
        }
        size_t pend = 0;
        if (t->prematch) {
            vg_hmatch m;
            if (!vg_hpat_match_lc(t->prematch, e->log, e->loglen, e->loglc, &m))
                continue;
            pend = m.end;
        } else if (!t->program_name) {
            continue; /* a decoder with neither condition never applies */
        }
        e->dec = t;
        e->top = t;
        e->type = t->type;
        size_t prev = 0;
        const hdecoder *kids = t->canon ? t->canon : t;
        if (kids->nchildren == 0) {
            apply(e, t, pend, pend, &prev);
            return;
        }
        /* Every child is tried in order (Wazuh's sibling decoders): a
         * prematch gates it, its regex adds fields when it matches. */
        bool found = false;
        for (int k = 0; k < kids->nchildren; k++) {
            const hdecoder *c = kids->children[k];
            if (c->program_name &&
                (!e->program || !vg_hpat_match(c->program_name, e->program, strlen(e->program), NULL)))
                continue;
            size_t cend = pend;
            if (c->prematch) {
                size_t b = (c->prematch_offset & DEC_AFTER_PARENT) ? pend : 0;
                vg_hmatch m;
                if (!vg_hpat_match_lc(c->prematch, e->log + b, e->loglen - b, e->loglc + b, &m))
                    continue;
                cend = b + m.end;
            }
            bool ok = apply(e, c, pend, cend, &prev);
            if ((ok || c->prematch) && c->type)
                e->type = c->type;
            if (!found && (ok || c->prematch)) {
                found = true;
                e->dec = c;
            }
        }
        return;
    }
}
