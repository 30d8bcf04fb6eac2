/*
 * conf.c: the configuration tree (see conf.h).
 *
 * YAML is read with libyaml's event parser into a tree of vg_conf_node; a
 * later document merges into the tree: a scalar replaces, a mapping merges
 * key by key, a sequence replaces the whole previous sequence (so a user's
 * `outputs:` list replaces the built-in one instead of being appended to).
 *
 * Suricata quirks: the "%YAML 1.1" directive and `---` are accepted; a key
 * `include:` (a file name or a list of them) merges those files into the
 * mapping where it appears, and a value tagged `!include` loads a file as
 * that value; file names are relative to the including file.
 *
 * Limits (input may be hostile, e.g. under fuzzing): nesting depth 64,
 * include depth 8, 1,000,000 nodes per tree, 16 MiB per file, only regular
 * files are read.  Anchors and aliases are rejected.
 */
#include "core/conf.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml.h>

#define CONF_MAX_DEPTH 64
#define CONF_MAX_INCLUDE 8
#define CONF_MAX_NODES 1000000u
#define CONF_MAX_FILE (16u << 20)

typedef struct conf_file {
    struct conf_file *next;
    char name[];
} conf_file;

struct vg_conf {
    vg_conf_node root;
    conf_file *files;
    uint32_t nnodes;
};

/* One parse in progress. */
typedef struct parse_ctx {
    vg_conf *c;
    yaml_parser_t parser;
    const char *file;   /* borrowed from c->files */
    int include_depth;
    char *errbuf;
} parse_ctx;

/* ---- nodes ---- */

static void node_clear(vg_conf *c, vg_conf_node *n);

static void node_free(vg_conf *c, vg_conf_node *n)
{
    node_clear(c, n);
    free(n->name);
    free(n);
    if (c->nnodes)
        c->nnodes--;
}

/* Drop value and children, keep name and place. */
static void node_clear(vg_conf *c, vg_conf_node *n)
{
    vg_conf_node *ch = n->child;
    while (ch) {
        vg_conf_node *nx = ch->next;
        node_free(c, ch);
        ch = nx;
    }
    n->child = n->last_child = NULL;
    free(n->value);
    n->value = NULL;
    n->is_seq = false;
}

static vg_conf_node *node_add(vg_conf *c, vg_conf_node *parent, const char *name, size_t namelen)
{
    if (c->nnodes >= CONF_MAX_NODES)
        return NULL;
    vg_conf_node *n = calloc(1, sizeof(*n));
    if (!n)
        return NULL;
    n->name = strndup(name, namelen);
    if (!n->name) {
        free(n);
        return NULL;
    }
    n->parent = parent;
    if (parent->last_child)
        parent->last_child->next = n;
    else
        parent->child = n;
    parent->last_child = n;
    c->nnodes++;
    return n;
}

static vg_conf_node *child_named(const vg_conf_node *n, const char *name, size_t len)
{
    for (vg_conf_node *ch = n->child; ch; ch = ch->next)
        if (strlen(ch->name) == len && memcmp(ch->name, name, len) == 0)
            return ch;
    return NULL;
}

/* A sequence item that is a one-key mapping named `name`: return the value
 * node under that key (Suricata's "- eve-log: {...}"). */
static vg_conf_node *seq_item_key(const vg_conf_node *n, const char *name, size_t len)
{
    for (vg_conf_node *it = n->child; it; it = it->next) {
        vg_conf_node *k = it->child;
        if (k && !k->next && strlen(k->name) == len && memcmp(k->name, name, len) == 0)
            return k;
    }
    return NULL;
}

static vg_conf_node *lookup_seg(const vg_conf_node *n, const char *seg, size_t len)
{
    vg_conf_node *r = child_named(n, seg, len);
    if (!r && n->is_seq)
        r = seq_item_key(n, seg, len);
    return r;
}

static const vg_conf_node *lookup_path(const vg_conf_node *n, const char *key)
{
    if (!key || !*key)
        return n;
    const char *p = key;
    while (n) {
        const char *dot = strchr(p, '.');
        size_t len = dot ? (size_t)(dot - p) : strlen(p);
        n = lookup_seg(n, p, len);
        if (!dot)
            break;
        p = dot + 1;
    }
    return n;
}

/* ---- files ---- */

static const char *conf_file_name(vg_conf *c, const char *name)
{
    for (conf_file *f = c->files; f; f = f->next)
        if (strcmp(f->name, name) == 0)
            return f->name;
    size_t n = strlen(name);
    conf_file *f = malloc(sizeof(*f) + n + 1);
    if (!f)
        return NULL;
    memcpy(f->name, name, n + 1);
    f->next = c->files;
    c->files = f;
    return f->name;
}

/* Read a regular file (at most CONF_MAX_FILE bytes) into a NUL-terminated buffer. */
static int read_file(const char *path, char **out, size_t *outlen, char *errbuf)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0)
        return vg_err(errbuf, errno == ENOENT ? VG_ENOENT : VG_EIO, "%s: cannot open: %s", path,
                      strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return vg_err(errbuf, VG_EINVAL, "%s: not a regular file", path);
    }
    if ((uint64_t)st.st_size > CONF_MAX_FILE) {
        close(fd);
        return vg_err(errbuf, VG_ELIMIT, "%s: larger than %u bytes", path, CONF_MAX_FILE);
    }
    size_t cap = (size_t)st.st_size + 1, len = 0;
    char *buf = malloc(cap);
    if (!buf) {
        close(fd);
        return vg_err(errbuf, VG_ENOMEM, "%s: out of memory", path);
    }
    for (;;) {
        ssize_t r = read(fd, buf + len, cap - 1 - len);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            int rc = vg_err(errbuf, VG_EIO, "%s: read: %s", path, strerror(errno));
            free(buf);
            close(fd);
            return rc;
        }
        if (r == 0)
            break;
        len += (size_t)r;
        if (len == cap - 1)
            break;
    }
    close(fd);
    buf[len] = '\0';
    *out = buf;
    *outlen = len;
    return VG_OK;
}

static int load_buffer(vg_conf *c, vg_conf_node *into, const char *buf, size_t len,
                       const char *name, int include_depth, char *errbuf);

/* Load `path` (relative to the directory of `from` unless absolute) into node. */
static int include_file(parse_ctx *pc, vg_conf_node *into, const char *path, int line)
{
    if (pc->include_depth + 1 > CONF_MAX_INCLUDE)
        return vg_err(pc->errbuf, VG_ELIMIT, "%s:%d: include: nested more than %d deep", pc->file,
                      line, CONF_MAX_INCLUDE);
    char full[PATH_MAX];
    if (path[0] == '/') {
        if (snprintf(full, sizeof full, "%s", path) >= (int)sizeof full)
            return vg_err(pc->errbuf, VG_EINVAL, "%s:%d: include: path too long", pc->file, line);
    } else {
        const char *slash = strrchr(pc->file, '/');
        int dlen = slash ? (int)(slash - pc->file) : 0;
        int n = slash ? snprintf(full, sizeof full, "%.*s/%s", dlen, pc->file, path)
                      : snprintf(full, sizeof full, "%s", path);
        if (n < 0 || n >= (int)sizeof full)
            return vg_err(pc->errbuf, VG_EINVAL, "%s:%d: include: path too long", pc->file, line);
    }
    char *buf;
    size_t len;
    char sub[VG_ERRBUF_SIZE];
    int rc = read_file(full, &buf, &len, sub);
    if (rc != VG_OK)
        return vg_err(pc->errbuf, rc, "%s:%d: include: %s", pc->file, line, sub);
    rc = load_buffer(pc->c, into, buf, len, full, pc->include_depth + 1, pc->errbuf);
    free(buf);
    return rc;
}

/* ---- the YAML event walk ---- */

static int parse_next(parse_ctx *pc, yaml_event_t *ev)
{
    if (!yaml_parser_parse(&pc->parser, ev)) {
        int line = (int)pc->parser.problem_mark.line + 1;
        return vg_err(pc->errbuf, VG_EINVAL, "%s:%d: YAML: %s%s%s", pc->file, line,
                      pc->parser.problem ? pc->parser.problem : "syntax error",
                      pc->parser.context ? " " : "",
                      pc->parser.context ? pc->parser.context : "");
    }
    return VG_OK;
}

static int parse_value(parse_ctx *pc, vg_conf_node *n, yaml_event_t *ev, int depth);

static int oom_at(parse_ctx *pc, int line)
{
    if (pc->c->nnodes >= CONF_MAX_NODES)
        return vg_err(pc->errbuf, VG_ELIMIT, "%s:%d: more than %u configuration nodes", pc->file,
                      line, CONF_MAX_NODES);
    return vg_err(pc->errbuf, VG_ENOMEM, "%s:%d: out of memory", pc->file, line);
}

/* The value of an `include:` key: a file name or a sequence of them. */
static int parse_include(parse_ctx *pc, vg_conf_node *map, yaml_event_t *ev, int depth)
{
    int line = (int)ev->start_mark.line + 1;
    if (ev->type == YAML_SCALAR_EVENT)
        return include_file(pc, map, (const char *)ev->data.scalar.value, line);
    if (ev->type != YAML_SEQUENCE_START_EVENT)
        return vg_err(pc->errbuf, VG_EINVAL, "%s:%d: include: expected a file name or a list",
                      pc->file, line);
    for (;;) {
        yaml_event_t item;
        int rc = parse_next(pc, &item);
        if (rc != VG_OK)
            return rc;
        if (item.type == YAML_SEQUENCE_END_EVENT) {
            yaml_event_delete(&item);
            return VG_OK;
        }
        if (item.type != YAML_SCALAR_EVENT) {
            rc = vg_err(pc->errbuf, VG_EINVAL, "%s:%d: include: list items must be file names",
                        pc->file, (int)item.start_mark.line + 1);
            yaml_event_delete(&item);
            return rc;
        }
        rc = include_file(pc, map, (const char *)item.data.scalar.value,
                          (int)item.start_mark.line + 1);
        yaml_event_delete(&item);
        if (rc != VG_OK)
            return rc;
    }
    (void)depth;
}

static int parse_mapping(parse_ctx *pc, vg_conf_node *n, int depth)
{
    for (;;) {
        yaml_event_t kev;
        int rc = parse_next(pc, &kev);
        if (rc != VG_OK)
            return rc;
        if (kev.type == YAML_MAPPING_END_EVENT) {
            yaml_event_delete(&kev);
            return VG_OK;
        }
        int line = (int)kev.start_mark.line + 1;
        if (kev.type != YAML_SCALAR_EVENT) {
            yaml_event_delete(&kev);
            return vg_err(pc->errbuf, VG_EINVAL, "%s:%d: mapping keys must be scalars", pc->file,
                          line);
        }
        const char *key = (const char *)kev.data.scalar.value;
        size_t klen = kev.data.scalar.length;
        yaml_event_t vev;
        rc = parse_next(pc, &vev);
        if (rc != VG_OK) {
            yaml_event_delete(&kev);
            return rc;
        }
        if (strcmp(key, "include") == 0 && klen == 7) {
            rc = parse_include(pc, n, &vev, depth);
        } else if (memchr(key, '\0', klen) || klen == 0) {
            rc = vg_err(pc->errbuf, VG_EINVAL, "%s:%d: empty or invalid key", pc->file, line);
        } else {
            vg_conf_node *ch = child_named(n, key, klen);
            if (!ch)
                ch = node_add(pc->c, n, key, klen);
            if (!ch)
                rc = oom_at(pc, line);
            else {
                ch->file = pc->file;
                ch->line = line;
                rc = parse_value(pc, ch, &vev, depth + 1);
            }
        }
        yaml_event_delete(&vev);
        yaml_event_delete(&kev);
        if (rc != VG_OK)
            return rc;
    }
}

static int parse_sequence(parse_ctx *pc, vg_conf_node *n, int depth)
{
    unsigned idx = 0;
    for (;;) {
        yaml_event_t ev;
        int rc = parse_next(pc, &ev);
        if (rc != VG_OK)
            return rc;
        if (ev.type == YAML_SEQUENCE_END_EVENT) {
            yaml_event_delete(&ev);
            return VG_OK;
        }
        int line = (int)ev.start_mark.line + 1;
        char name[16];
        int nl = snprintf(name, sizeof name, "%u", idx++);
        vg_conf_node *ch = node_add(pc->c, n, name, (size_t)nl);
        if (!ch)
            rc = oom_at(pc, line);
        else {
            ch->file = pc->file;
            ch->line = line;
            rc = parse_value(pc, ch, &ev, depth + 1);
        }
        yaml_event_delete(&ev);
        if (rc != VG_OK)
            return rc;
    }
}

/* Fill n from the value starting with event ev (not consumed here). */
static int parse_value(parse_ctx *pc, vg_conf_node *n, yaml_event_t *ev, int depth)
{
    int line = (int)ev->start_mark.line + 1;
    if (depth > CONF_MAX_DEPTH)
        return vg_err(pc->errbuf, VG_ELIMIT, "%s:%d: nested more than %d deep", pc->file, line,
                      CONF_MAX_DEPTH);
    switch (ev->type) {
    case YAML_SCALAR_EVENT: {
        const char *tag = (const char *)ev->data.scalar.tag;
        if (tag && strcmp(tag, "!include") == 0) {
            node_clear(pc->c, n);
            return include_file(pc, n, (const char *)ev->data.scalar.value, line);
        }
        node_clear(pc->c, n);
        n->value = strndup((const char *)ev->data.scalar.value, ev->data.scalar.length);
        if (!n->value)
            return oom_at(pc, line);
        return VG_OK;
    }
    case YAML_MAPPING_START_EVENT:
        if (n->value || n->is_seq)
            node_clear(pc->c, n); /* a mapping replaces a scalar or a list */
        return parse_mapping(pc, n, depth);
    case YAML_SEQUENCE_START_EVENT:
        node_clear(pc->c, n);
        n->is_seq = true;
        return parse_sequence(pc, n, depth);
    case YAML_ALIAS_EVENT:
        return vg_err(pc->errbuf, VG_ENOTSUP, "%s:%d: YAML aliases are not supported", pc->file,
                      line);
    default:
        return vg_err(pc->errbuf, VG_EINVAL, "%s:%d: unexpected YAML event", pc->file, line);
    }
}

static int load_buffer(vg_conf *c, vg_conf_node *into, const char *buf, size_t len,
                       const char *name, int include_depth, char *errbuf)
{
    parse_ctx pc = {.c = c, .include_depth = include_depth, .errbuf = errbuf};
    pc.file = conf_file_name(c, name);
    if (!pc.file)
        return vg_err(errbuf, VG_ENOMEM, "%s: out of memory", name);
    if (!yaml_parser_initialize(&pc.parser))
        return vg_err(errbuf, VG_ENOMEM, "%s: cannot initialise the YAML parser", name);
    yaml_parser_set_input_string(&pc.parser, (const unsigned char *)buf, len);
    int rc = VG_OK;
    for (;;) {
        yaml_event_t ev;
        rc = parse_next(&pc, &ev);
        if (rc != VG_OK)
            break;
        yaml_event_type_t t = ev.type;
        if (t == YAML_MAPPING_START_EVENT) {
            rc = parse_mapping(&pc, into, 1);
        } else if (t == YAML_SCALAR_EVENT || t == YAML_SEQUENCE_START_EVENT ||
                   t == YAML_ALIAS_EVENT) {
            /* an empty document is a null scalar: accept it */
            if (!(t == YAML_SCALAR_EVENT && ev.data.scalar.length == 0 &&
                  ev.data.scalar.plain_implicit))
                rc = vg_err(errbuf, VG_EINVAL, "%s:%d: the document must be a mapping", name,
                            (int)ev.start_mark.line + 1);
        }
        yaml_event_delete(&ev);
        if (rc != VG_OK || t == YAML_STREAM_END_EVENT)
            break;
    }
    yaml_parser_delete(&pc.parser);
    return rc;
}

/* ---- public ---- */

vg_conf *vg_conf_new(void)
{
    vg_conf *c = calloc(1, sizeof(*c));
    if (!c)
        return NULL;
    c->root.name = strdup("");
    if (!c->root.name) {
        free(c);
        return NULL;
    }
    return c;
}

void vg_conf_free(vg_conf *c)
{
    if (!c)
        return;
    node_clear(c, &c->root);
    free(c->root.name);
    conf_file *f = c->files;
    while (f) {
        conf_file *nx = f->next;
        free(f);
        f = nx;
    }
    free(c);
}

int vg_conf_load_file(vg_conf *c, const char *path, char *errbuf)
{
    char *buf;
    size_t len;
    int rc = read_file(path, &buf, &len, errbuf);
    if (rc != VG_OK)
        return rc;
    rc = load_buffer(c, &c->root, buf, len, path, 0, errbuf);
    free(buf);
    return rc;
}

int vg_conf_load_string(vg_conf *c, const char *yaml, const char *name, char *errbuf)
{
    return load_buffer(c, &c->root, yaml, strlen(yaml), name ? name : "(string)", 0, errbuf);
}

static bool all_digits(const char *s, size_t n)
{
    if (n == 0 || n > 9)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!isdigit((unsigned char)s[i]))
            return false;
    return true;
}

/* Find or create the node at the dotted path key. */
static vg_conf_node *make_path(vg_conf *c, const char *key)
{
    vg_conf_node *n = &c->root;
    const char *p = key;
    for (;;) {
        const char *dot = strchr(p, '.');
        size_t len = dot ? (size_t)(dot - p) : strlen(p);
        if (len == 0)
            return NULL;
        vg_conf_node *ch = lookup_seg(n, p, len);
        if (!ch) {
            if (n->value) {
                free(n->value); /* a scalar becomes a mapping */
                n->value = NULL;
            }
            if (n->is_seq && !all_digits(p, len)) {
                /* a new one-key item, as "- eve-log: ..." */
                char name[16];
                unsigned idx = 0;
                for (vg_conf_node *it = n->child; it; it = it->next)
                    idx++;
                int nl = snprintf(name, sizeof name, "%u", idx);
                vg_conf_node *item = node_add(c, n, name, (size_t)nl);
                if (!item)
                    return NULL;
                item->file = "--set";
                n = item;
            }
            ch = node_add(c, n, p, len);
            if (!ch)
                return NULL;
            ch->file = "--set";
        }
        n = ch;
        if (!dot)
            return n;
        p = dot + 1;
    }
}

int vg_conf_set(vg_conf *c, const char *key, const char *value)
{
    if (!key || !*key)
        return VG_EINVAL;
    vg_conf_node *n = make_path(c, key);
    if (!n)
        return c->nnodes >= CONF_MAX_NODES ? VG_ELIMIT : VG_EINVAL;
    char *v = strdup(value ? value : "");
    if (!v)
        return VG_ENOMEM;
    node_clear(c, n);
    n->value = v;
    n->file = "--set";
    n->line = 0;
    return VG_OK;
}

int vg_conf_set_kv(vg_conf *c, const char *kv, char *errbuf)
{
    const char *eq = strchr(kv, '=');
    if (!eq || eq == kv)
        return vg_err(errbuf, VG_EINVAL, "--set %s: expected key=value", kv);
    char key[512];
    size_t klen = (size_t)(eq - kv);
    while (klen > 0 && isspace((unsigned char)kv[klen - 1]))
        klen--;
    if (klen == 0 || klen >= sizeof key)
        return vg_err(errbuf, VG_EINVAL, "--set %s: bad key", kv);
    memcpy(key, kv, klen);
    key[klen] = '\0';
    const char *val = eq + 1;
    while (isspace((unsigned char)*val))
        val++;
    int rc = vg_conf_set(c, key, val);
    if (rc != VG_OK)
        return vg_err(errbuf, rc, "--set %s: %s", kv,
                      rc == VG_EINVAL ? "bad key (empty path segment)" : vg_strerror(rc));
    return VG_OK;
}

const vg_conf_node *vg_conf_node_get(const vg_conf *c, const char *key)
{
    if (!c)
        return NULL;
    return lookup_path(&c->root, key);
}

const vg_conf_node *vg_conf_node_child(const vg_conf_node *n, const char *key)
{
    if (!n)
        return NULL;
    return lookup_path(n, key);
}

const char *vg_conf_get(const vg_conf *c, const char *key)
{
    const vg_conf_node *n = vg_conf_node_get(c, key);
    return n ? n->value : NULL;
}

const char *vg_conf_get_str(const vg_conf *c, const char *key, const char *dflt)
{
    const char *v = vg_conf_get(c, key);
    return v ? v : dflt;
}

int vg_conf_parse_bool(const char *v, bool *out)
{
    static const char *const yes[] = {"yes", "true", "on", "1", "y", NULL};
    static const char *const no[] = {"no", "false", "off", "0", "n", NULL};
    if (!v)
        return VG_EINVAL;
    for (int i = 0; yes[i]; i++)
        if (strcasecmp(v, yes[i]) == 0) {
            *out = true;
            return VG_OK;
        }
    for (int i = 0; no[i]; i++)
        if (strcasecmp(v, no[i]) == 0) {
            *out = false;
            return VG_OK;
        }
    return VG_EINVAL;
}

bool vg_conf_get_bool(const vg_conf *c, const char *key, bool dflt)
{
    bool b;
    return vg_conf_parse_bool(vg_conf_get(c, key), &b) == VG_OK ? b : dflt;
}

int vg_conf_parse_int(const char *v, int64_t *out)
{
    if (!v)
        return VG_EINVAL;
    while (isspace((unsigned char)*v))
        v++;
    if (!*v)
        return VG_EINVAL;
    errno = 0;
    char *end;
    long long x = strtoll(v, &end, 10);
    if (errno == ERANGE)
        return VG_ELIMIT;
    while (isspace((unsigned char)*end))
        end++;
    if (end == v || *end)
        return VG_EINVAL;
    *out = x;
    return VG_OK;
}

int64_t vg_conf_get_int(const vg_conf *c, const char *key, int64_t dflt)
{
    int64_t x;
    return vg_conf_parse_int(vg_conf_get(c, key), &x) == VG_OK ? x : dflt;
}

int vg_conf_parse_size(const char *v, uint64_t *out)
{
    if (!v)
        return VG_EINVAL;
    while (isspace((unsigned char)*v))
        v++;
    if (!isdigit((unsigned char)*v) && *v != '.')
        return VG_EINVAL;
    errno = 0;
    char *end;
    double x = strtod(v, &end);
    if (end == v || errno == ERANGE || x < 0)
        return VG_EINVAL;
    while (isspace((unsigned char)*end))
        end++;
    double mult = 1;
    char u = (char)tolower((unsigned char)*end);
    if (u == 'k')
        mult = 1024.0;
    else if (u == 'm')
        mult = 1024.0 * 1024;
    else if (u == 'g')
        mult = 1024.0 * 1024 * 1024;
    else if (u == 't')
        mult = 1024.0 * 1024 * 1024 * 1024;
    if (mult > 1) {
        end++;
        if (tolower((unsigned char)*end) == 'i')
            end++;
        if (tolower((unsigned char)*end) == 'b')
            end++;
    } else if (u == 'b') {
        end++;
    }
    while (isspace((unsigned char)*end))
        end++;
    if (*end)
        return VG_EINVAL;
    double r = x * mult;
    if (r >= 18446744073709551615.0)
        return VG_ELIMIT;
    *out = (uint64_t)r;
    return VG_OK;
}

uint64_t vg_conf_get_size(const vg_conf *c, const char *key, uint64_t dflt)
{
    uint64_t x;
    return vg_conf_parse_size(vg_conf_get(c, key), &x) == VG_OK ? x : dflt;
}

const char *vg_conf_node_where(const vg_conf_node *n, char *buf, size_t len)
{
    if (!n || !n->file)
        snprintf(buf, len, "(default)");
    else if (n->line > 0)
        snprintf(buf, len, "%s:%d", n->file, n->line);
    else
        snprintf(buf, len, "%s", n->file);
    return buf;
}

static void dump_node(const vg_conf_node *n, char *path, size_t plen, size_t cap, FILE *fp)
{
    for (const vg_conf_node *ch = n->child; ch; ch = ch->next) {
        size_t nl = strlen(ch->name);
        size_t need = plen + (plen ? 1 : 0) + nl;
        if (need + 1 > cap)
            continue; /* deeper than any sane key: skipped */
        size_t l = plen;
        if (plen)
            path[l++] = '.';
        memcpy(path + l, ch->name, nl + 1);
        if (ch->value) {
            char where[300];
            fprintf(fp, "%s = %s  # %s\n", path, ch->value,
                    vg_conf_node_where(ch, where, sizeof where));
        } else if (!ch->child) {
            fprintf(fp, "%s = %s\n", path, ch->is_seq ? "[]" : "{}");
        }
        dump_node(ch, path, need, cap, fp);
        path[plen] = '\0';
    }
}

void vg_conf_dump(const vg_conf *c, FILE *fp)
{
    char path[1024] = "";
    if (c)
        dump_node(&c->root, path, 0, sizeof path, fp);
}
