/*
 * hxml.h: a tolerant XML reader for Wazuh/OSSEC rule and decoder files.
 *
 * Those files are not well-formed XML documents: a file holds several root
 * elements, element text holds regexes with raw `<`, `&` and `\<`, and no
 * entity is ever declared.  This reader parses what Wazuh's own reader
 * accepts: elements with attributes (quoted with ' or "), text content,
 * comments, <?...?> and <!...> declarations.  Inside text, `<` starts markup
 * only when followed by a name character, '/', '!' or '?' and not preceded by
 * a backslash; anything else is text.  The five predefined entities are
 * decoded in attribute values only (rule text keeps its bytes as written,
 * as Wazuh does).
 *
 * Every node records its line for error messages.  Limits: depth 64,
 * input size is the caller's (files are read whole), no entity expansion.
 */
#ifndef VG_HOST_HXML_H
#define VG_HOST_HXML_H

#include "core/vg.h"

typedef struct vg_hxml_attr {
    char *name;
    char *value;
} vg_hxml_attr;

typedef struct vg_hxml_node vg_hxml_node;
struct vg_hxml_node {
    char *name;                 /* element name */
    char *text;                 /* concatenated text content, trimmed ("" if none) */
    vg_hxml_attr *attrs;
    int nattrs;
    int line;                   /* line of the opening tag */
    vg_hxml_node *child, *last_child, *next;
};

/* Parse buf[0..len) (need not be NUL-terminated).  On success *out is a
 * list of root elements (linked by next; may be NULL for an empty file).
 * On error errbuf holds "file:line: reason". */
int vg_hxml_parse(const char *buf, size_t len, const char *file, vg_hxml_node **out,
                  char *errbuf) VG_WARN_UNUSED;
/* Read a whole file (capped at 64 MiB) and parse it. */
int vg_hxml_parse_file(const char *path, vg_hxml_node **out, char *errbuf) VG_WARN_UNUSED;
void vg_hxml_free(vg_hxml_node *list);

/* Attribute value or NULL. */
const char *vg_hxml_attr_get(const vg_hxml_node *n, const char *name);

#endif
