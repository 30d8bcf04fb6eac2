/*
 * conf.h: configuration tree (YAML) shared by every role.
 *
 * Loaded from a YAML file (libyaml), a built-in default, and `--set a.b.c=v`
 * overrides.  Keys are dotted paths; sequence items are addressed by index
 * ("outputs.0.eve-log.enabled"), as Suricata does, and a sequence item that
 * is a one-key mapping (Suricata's "- eve-log: {...}") is also reachable by
 * that key ("outputs.eve-log.enabled").  Every node remembers file:line for
 * error messages.  Values are strings; typed getters parse them.
 *
 * Loading a second document merges: a scalar replaces, a mapping merges key
 * by key, a sequence replaces the previous sequence whole.  Suricata's
 * "%YAML 1.1" header, `---`, `include: FILE` (or a list) and `!include`
 * are understood; included files are relative to the including file.
 * Limits: nesting 64, include depth 8, 1,000,000 nodes, 16 MiB per file,
 * regular files only; YAML aliases are refused.  Errors are
 * "file:line: reason".  A tree is not thread-safe for writes; readers may
 * share it once loading is done.
 */
#ifndef VG_CONF_H
#define VG_CONF_H

#include <stdio.h>

#include "core/vg.h"

typedef struct vg_conf_node vg_conf_node;
struct vg_conf_node {
    char *name;              /* key, or the index as a string for sequence items */
    char *value;             /* scalar value, NULL for mappings and sequences */
    bool is_seq;             /* this node is a sequence */
    vg_conf_node *child, *last_child, *next, *parent;
    const char *file;        /* borrowed from the tree's file list */
    int line;
};

typedef struct vg_conf vg_conf;

vg_conf *vg_conf_new(void);
void vg_conf_free(vg_conf *c);
/* Merge a YAML document into the tree (later values override). Handles
 * Suricata's "%YAML 1.1" header and `include:` keys relative to the file. */
int vg_conf_load_file(vg_conf *c, const char *path, char *errbuf) VG_WARN_UNUSED;
int vg_conf_load_string(vg_conf *c, const char *yaml, const char *name, char *errbuf) VG_WARN_UNUSED;
/* "a.b.c=value" (as --set takes it). */
int vg_conf_set_kv(vg_conf *c, const char *kv, char *errbuf) VG_WARN_UNUSED;
int vg_conf_set(vg_conf *c, const char *key, const char *value);

const vg_conf_node *vg_conf_node_get(const vg_conf *c, const char *key);
/* key may be a dotted path relative to n. */
const vg_conf_node *vg_conf_node_child(const vg_conf_node *n, const char *key);
const char *vg_conf_get(const vg_conf *c, const char *key); /* scalar or NULL */
const char *vg_conf_get_str(const vg_conf *c, const char *key, const char *dflt);
bool vg_conf_get_bool(const vg_conf *c, const char *key, bool dflt); /* yes/true/on/1 */
int64_t vg_conf_get_int(const vg_conf *c, const char *key, int64_t dflt);
/* Sizes with suffixes: "64mb", "1gb", "32kb" (Suricata's units, base 1024). */
uint64_t vg_conf_get_size(const vg_conf *c, const char *key, uint64_t dflt);

/* The same parsers for a value in hand (e.g. a node found by iteration):
 * VG_OK and *out set, or VG_EINVAL (bad or NULL), VG_ELIMIT (out of range). */
int vg_conf_parse_bool(const char *v, bool *out); /* yes/no true/false on/off 1/0 y/n */
int vg_conf_parse_int(const char *v, int64_t *out);
int vg_conf_parse_size(const char *v, uint64_t *out);
/* Print every scalar as "dotted.key = value  # file:line", in tree order
 * (sequence items by index), for `--dump-config`. */
void vg_conf_dump(const vg_conf *c, FILE *fp);
/* "file:line" of a node for messages ("(default)" when unknown). */
const char *vg_conf_node_where(const vg_conf_node *n, char *buf, size_t len);

#endif
