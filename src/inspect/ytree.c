/* ytree.c: libyaml event stream -> vg_yt tree (see ytree.h). */
#include "inspect/ytree.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <yaml.h>

struct builder {
    yaml_parser_t parser;
    const char *name;
    char *errbuf;
    size_t nodes;
};

static vg_yt *node_new(enum vg_yt_type t, int line)
{
    vg_yt *n = calloc(1, sizeof(*n));
    if (n) {
        n->type = t;
        n->line = line;
    }
    return n;
}

void vg_yt_free(vg_yt *n)
{
    while (n) {
        vg_yt *next = n->next;
        vg_yt_free(n->child);
        free(n->value);
        free(n->key);
        free(n);
        n = next;
    }
}

static int next_event(struct builder *b, yaml_event_t *ev)
{
    if (!yaml_parser_parse(&b->parser, ev)) {
        int line = (int)b->parser.problem_mark.line + 1;
        return vg_err(b->errbuf, VG_EINVAL, "%s:%d: YAML error: %s", b->name, line,
                      b->parser.problem ? b->parser.problem : "syntax error");
    }
    return VG_OK;
}

/* Build the node that starts with event `ev` (consumed). */
static int build(struct builder *b, yaml_event_t *ev, int depth, vg_yt **out)
{
    int line = (int)ev->start_mark.line + 1;
    *out = NULL;
    if (depth > VG_YT_MAX_DEPTH) {
        yaml_event_delete(ev);
        return vg_err(b->errbuf, VG_ELIMIT, "%s:%d: nesting deeper than %d", b->name, line,
                      VG_YT_MAX_DEPTH);
    }
    if (++b->nodes > VG_YT_MAX_NODES) {
        yaml_event_delete(ev);
        return vg_err(b->errbuf, VG_ELIMIT, "%s:%d: more than %d nodes", b->name, line,
                      VG_YT_MAX_NODES);
    }
    switch (ev->type) {
    case YAML_ALIAS_EVENT:
        yaml_event_delete(ev);
        return vg_err(b->errbuf, VG_EINVAL, "%s:%d: YAML aliases are not accepted", b->name, line);
    case YAML_SCALAR_EVENT: {
        vg_yt *n = node_new(VG_YT_SCALAR, line);
        if (!n) {
            yaml_event_delete(ev);
            return vg_err(b->errbuf, VG_ENOMEM, "%s: out of memory", b->name);
        }
        n->value = malloc(ev->data.scalar.length + 1);
        if (!n->value) {
            free(n);
            yaml_event_delete(ev);
            return vg_err(b->errbuf, VG_ENOMEM, "%s: out of memory", b->name);
        }
        memcpy(n->value, ev->data.scalar.value, ev->data.scalar.length);
        n->value[ev->data.scalar.length] = '\0';
        yaml_event_delete(ev);
        *out = n;
        return VG_OK;
    }
    case YAML_SEQUENCE_START_EVENT:
    case YAML_MAPPING_START_EVENT: {
        bool is_map = ev->type == YAML_MAPPING_START_EVENT;
        yaml_event_delete(ev);
        vg_yt *n = node_new(is_map ? VG_YT_MAP : VG_YT_SEQ, line);
        if (!n)
            return vg_err(b->errbuf, VG_ENOMEM, "%s: out of memory", b->name);
        vg_yt **tail = &n->child;
        for (;;) {
            yaml_event_t e;
            int rc = next_event(b, &e);
            if (rc != VG_OK) {
                vg_yt_free(n);
                return rc;
            }
            if (e.type == YAML_SEQUENCE_END_EVENT || e.type == YAML_MAPPING_END_EVENT) {
                yaml_event_delete(&e);
                break;
            }
            char *key = NULL;
            if (is_map) {
                if (e.type != YAML_SCALAR_EVENT) {
                    int l = (int)e.start_mark.line + 1;
                    yaml_event_delete(&e);
                    vg_yt_free(n);
                    return vg_err(b->errbuf, VG_EINVAL, "%s:%d: mapping keys must be scalars",
                                  b->name, l);
                }
                key = strndup((const char *)e.data.scalar.value, e.data.scalar.length);
                yaml_event_delete(&e);
                if (!key) {
                    vg_yt_free(n);
                    return vg_err(b->errbuf, VG_ENOMEM, "%s: out of memory", b->name);
                }
                rc = next_event(b, &e);
                if (rc != VG_OK) {
                    free(key);
                    vg_yt_free(n);
                    return rc;
                }
            }
            vg_yt *c;
            rc = build(b, &e, depth + 1, &c);
            if (rc != VG_OK) {
                free(key);
                vg_yt_free(n);
                return rc;
            }
            c->key = key;
            *tail = c;
            tail = &c->next;
            n->n++;
        }
        *out = n;
        return VG_OK;
    }
    default: {
        int t = ev->type;
        yaml_event_delete(ev);
        return vg_err(b->errbuf, VG_EINVAL, "%s:%d: unexpected YAML event %d", b->name, line, t);
    }
    }
}

int vg_yt_parse(const char *buf, size_t len, const char *name, vg_yt **out, char *errbuf)
{
    *out = NULL;
    if (len > VG_YT_MAX_BYTES)
        return vg_err(errbuf, VG_ELIMIT, "%s: larger than %u bytes", name, VG_YT_MAX_BYTES);
    struct builder b = {.name = name, .errbuf = errbuf};
    if (!yaml_parser_initialize(&b.parser))
        return vg_err(errbuf, VG_ENOMEM, "%s: cannot initialise YAML parser", name);
    yaml_parser_set_input_string(&b.parser, (const unsigned char *)buf, len);
    int rc = VG_OK;
    yaml_event_t ev;
    /* stream start, then document start or stream end */
    for (;;) {
        rc = next_event(&b, &ev);
        if (rc != VG_OK)
            goto done;
        yaml_event_type_t t = ev.type;
        yaml_event_delete(&ev);
        if (t == YAML_STREAM_END_EVENT)
            goto done; /* empty */
        if (t == YAML_DOCUMENT_START_EVENT)
            break;
    }
    rc = next_event(&b, &ev);
    if (rc != VG_OK)
        goto done;
    if (ev.type == YAML_DOCUMENT_END_EVENT) {
        yaml_event_delete(&ev);
        goto done;
    }
    rc = build(&b, &ev, 0, out);
done:
    yaml_parser_delete(&b.parser);
    return rc;
}

int vg_read_file(const char *path, size_t max, char **out, size_t *len_out)
{
    *out = NULL;
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return errno == ENOENT ? VG_ENOENT : VG_EIO;
    size_t cap = 4096, len = 0;
    char *buf = malloc(cap + 1);
    if (!buf) {
        fclose(fp);
        return VG_ENOMEM;
    }
    for (;;) {
        if (len == cap) {
            if (cap >= max) {
                free(buf);
                fclose(fp);
                return VG_ELIMIT;
            }
            size_t ncap = VG_MIN(cap * 2, max);
            char *nb = realloc(buf, ncap + 1);
            if (!nb) {
                free(buf);
                fclose(fp);
                return VG_ENOMEM;
            }
            buf = nb;
            cap = ncap;
        }
        size_t got = fread(buf + len, 1, cap - len, fp);
        len += got;
        if (got == 0) {
            if (ferror(fp)) {
                free(buf);
                fclose(fp);
                return VG_EIO;
            }
            break;
        }
    }
    fclose(fp);
    buf[len] = '\0';
    *out = buf;
    if (len_out)
        *len_out = len;
    return VG_OK;
}

int vg_yt_load(const char *path, vg_yt **out, char *errbuf)
{
    char *buf;
    size_t len;
    *out = NULL;
    int rc = vg_read_file(path, VG_YT_MAX_BYTES, &buf, &len);
    if (rc == VG_ELIMIT)
        return vg_err(errbuf, rc, "%s: larger than %u bytes", path, VG_YT_MAX_BYTES);
    if (rc != VG_OK)
        return vg_err(errbuf, rc, "%s: cannot read: %s", path, strerror(errno));
    rc = vg_yt_parse(buf, len, path, out, errbuf);
    free(buf);
    return rc;
}

const vg_yt *vg_yt_get(const vg_yt *map, const char *key)
{
    if (!map || map->type != VG_YT_MAP)
        return NULL;
    for (const vg_yt *c = map->child; c; c = c->next)
        if (c->key && strcmp(c->key, key) == 0)
            return c;
    return NULL;
}

const char *vg_yt_str(const vg_yt *map, const char *key)
{
    const vg_yt *c = vg_yt_get(map, key);
    return c && c->type == VG_YT_SCALAR ? c->value : NULL;
}
