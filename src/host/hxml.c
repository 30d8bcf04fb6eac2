/* hxml.c: tolerant XML reader for Wazuh/OSSEC files (see hxml.h). */
#include "host/hxml.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HXML_MAX_DEPTH 64
#define HXML_MAX_FILE (64u << 20)

typedef struct parser {
    const char *p, *end;
    const char *file;
    int line;
    char *errbuf;
} parser;

static int perr(parser *ps, const char *what)
{
    return vg_err(ps->errbuf, VG_EINVAL, "%s:%d: %s", ps->file, ps->line, what);
}

static bool is_name_start(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':';
}

static bool is_name_char(unsigned char c)
{
    return is_name_start(c) || (c >= '0' && c <= '9') || c == '-' || c == '.';
}

static void advance(parser *ps, size_t n)
{
    for (size_t i = 0; i < n && ps->p < ps->end; i++, ps->p++)
        if (*ps->p == '\n')
            ps->line++;
}

static void skip_ws(parser *ps)
{
    while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\r' || *ps->p == '\n'))
        advance(ps, 1);
}

static bool starts(parser *ps, const char *s)
{
    size_t n = strlen(s);
    return (size_t)(ps->end - ps->p) >= n && memcmp(ps->p, s, n) == 0;
}

/* Skip until after `term`; error if not found. */
static int skip_past(parser *ps, const char *term, const char *what)
{
    size_t n = strlen(term);
    while (ps->p < ps->end) {
        if ((size_t)(ps->end - ps->p) >= n && memcmp(ps->p, term, n) == 0) {
            advance(ps, n);
            return VG_OK;
        }
        advance(ps, 1);
    }
    return perr(ps, what);
}

static char *dupn(const char *s, size_t n)
{
    char *d = malloc(n + 1);
    if (!d)
        return NULL;
    memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

/* Decode the predefined entities in place. */
static void decode_entities(char *s)
{
    static const struct { const char *e; char c; } ents[] = {
        {"&lt;", '<'}, {"&gt;", '>'}, {"&amp;", '&'}, {"&quot;", '"'}, {"&apos;", '\''},
    };
    char *w = s;
    for (char *r = s; *r;) {
        bool done = false;
        if (*r == '&')
            for (size_t i = 0; i < VG_ARRAY_LEN(ents); i++) {
                size_t n = strlen(ents[i].e);
                if (strncmp(r, ents[i].e, n) == 0) {
                    *w++ = ents[i].c;
                    r += n;
                    done = true;
                    break;
                }
            }
        if (!done)
            *w++ = *r++;
    }
    *w = '\0';
}

/* Skip comments and declarations; returns true if something was skipped. */
static int skip_misc(parser *ps, bool *skipped)
{
    *skipped = false;
    if (starts(ps, "<!--")) {
        *skipped = true;
        return skip_past(ps, "-->", "unterminated comment");
    }
    if (starts(ps, "<?")) {
        *skipped = true;
        return skip_past(ps, "?>", "unterminated declaration");
    }
    if (starts(ps, "<![CDATA["))
        return VG_OK; /* text, handled by the caller */
    if (starts(ps, "<!")) {
        *skipped = true;
        return skip_past(ps, ">", "unterminated declaration");
    }
    return VG_OK;
}

typedef struct tbuf {
    char *s;
    size_t len, cap;
} tbuf;

static int tb_add(tbuf *t, const char *s, size_t n)
{
    if (t->len + n + 1 > t->cap) {
        size_t nc = t->cap ? t->cap * 2 : 64;
        while (nc < t->len + n + 1)
            nc *= 2;
        char *ns = realloc(t->s, nc);
        if (!ns)
            return VG_ENOMEM;
        t->s = ns;
        t->cap = nc;
    }
    memcpy(t->s + t->len, s, n);
    t->len += n;
    t->s[t->len] = '\0';
    return VG_OK;
}

static int parse_element(parser *ps, vg_hxml_node **out, int depth);

/* Text ends in an odd number of backslashes: the next '<' is literal. */
static bool escaped(const tbuf *t)
{
    size_t k = 0;
    while (k < t->len && t->s[t->len - 1 - k] == '\\')
        k++;
    return k % 2 == 1;
}

/* Content of an element until its closing tag. */
static int parse_content(parser *ps, vg_hxml_node *n, int depth)
{
    tbuf t = {0};
    int rc = VG_OK;
    while (ps->p < ps->end) {
        unsigned char c = (unsigned char)*ps->p;
        if (c == '<' && !escaped(&t)) {
            if (ps->p + 1 < ps->end && ps->p[1] == '/') {
                /* Closing tag: must be ours. */
                const char *q = ps->p + 2;
                size_t nl = strlen(n->name);
                if ((size_t)(ps->end - q) >= nl && memcmp(q, n->name, nl) == 0 &&
                    (q + nl == ps->end || !is_name_char((unsigned char)q[nl]))) {
                    advance(ps, 2 + nl);
                    skip_ws(ps);
                    if (ps->p >= ps->end || *ps->p != '>') {
                        rc = perr(ps, "malformed closing tag");
                        goto out;
                    }
                    advance(ps, 1);
                    goto done;
                }
                /* A closing tag of some other element: Wazuh rejects it. */
                if (q < ps->end && is_name_start((unsigned char)*q)) {
                    char msg[160];
                    snprintf(msg, sizeof(msg), "closing tag does not match <%s> (opened at line %d)",
                             n->name, n->line);
                    rc = perr(ps, msg);
                    goto out;
                }
            } else if (starts(ps, "<![CDATA[")) {
                const char *s = ps->p + 9;
                advance(ps, 9);
                const char *e = ps->p;
                while (e + 2 < ps->end && memcmp(e, "]]>", 3) != 0)
                    e++;
                if (e + 2 >= ps->end) {
                    rc = perr(ps, "unterminated CDATA");
                    goto out;
                }
                if ((rc = tb_add(&t, s, (size_t)(e - s))) < 0)
                    goto out;
                advance(ps, (size_t)(e - ps->p) + 3);
                continue;
            } else if (starts(ps, "<!--")) {
                bool sk;
                if ((rc = skip_misc(ps, &sk)) < 0)
                    goto out;
                continue;
            } else if (ps->p + 1 < ps->end && is_name_start((unsigned char)ps->p[1])) {
                {
                    vg_hxml_node *ch = NULL;
                    if ((rc = parse_element(ps, &ch, depth + 1)) < 0)
                        goto out;
                    if (ch) {
                        if (n->last_child)
                            n->last_child->next = ch;
                        else
                            n->child = ch;
                        n->last_child = ch;
                    }
                    continue;
                }
            }
        }
        /* Plain text byte (including a `<` that starts no markup). */
        const char *s = ps->p;
        advance(ps, 1);
        while (ps->p < ps->end && *ps->p != '<')
            advance(ps, 1);
        if ((rc = tb_add(&t, s, (size_t)(ps->p - s))) < 0)
            goto out;
    }
    {
        char msg[160];
        snprintf(msg, sizeof(msg), "element <%s> opened at line %d is never closed", n->name, n->line);
        rc = perr(ps, msg);
        goto out;
    }
done:
    /* Whitespace-only text (indentation around children) is no text. */
    if (t.s) {
        size_t a = 0, b = t.len;
        while (a < b && strchr(" \t\r\n", t.s[a]))
            a++;
        while (b > a && strchr(" \t\r\n", t.s[b - 1]))
            b--;
        /* Leaf text keeps its spaces (they matter in regexes); text beside
         * child elements is indentation. */
        if (n->child || a == b) {
            memmove(t.s, t.s + a, b - a);
            t.s[b - a] = '\0';
        }
        n->text = t.s;
        t.s = NULL;
    } else {
        n->text = dupn("", 0);
        if (!n->text)
            rc = VG_ENOMEM;
    }
out:
    free(t.s);
    return rc;
}

static int parse_element(parser *ps, vg_hxml_node **out, int depth)
{
    *out = NULL;
    if (depth > HXML_MAX_DEPTH)
        return perr(ps, "elements nested too deeply");
    /* at '<' + name start */
    int line = ps->line;
    advance(ps, 1);
    const char *ns = ps->p;
    while (ps->p < ps->end && is_name_char((unsigned char)*ps->p))
        advance(ps, 1);
    vg_hxml_node *n = calloc(1, sizeof(*n));
    if (!n)
        return VG_ENOMEM;
    n->line = line;
    n->name = dupn(ns, (size_t)(ps->p - ns));
    if (!n->name) {
        free(n);
        return VG_ENOMEM;
    }
    int rc = VG_OK;
    for (;;) {
        skip_ws(ps);
        if (ps->p >= ps->end) {
            rc = perr(ps, "unterminated tag");
            goto fail;
        }
        if (*ps->p == '/' && ps->p + 1 < ps->end && ps->p[1] == '>') {
            advance(ps, 2);
            n->text = dupn("", 0);
            if (!n->text) {
                rc = VG_ENOMEM;
                goto fail;
            }
            *out = n;
            return VG_OK;
        }
        if (*ps->p == '>') {
            advance(ps, 1);
            break;
        }
        if (!is_name_start((unsigned char)*ps->p)) {
            char msg[120];
            snprintf(msg, sizeof(msg), "unexpected '%c' in tag <%s>", *ps->p, n->name);
            rc = perr(ps, msg);
            goto fail;
        }
        const char *as = ps->p;
        while (ps->p < ps->end && is_name_char((unsigned char)*ps->p))
            advance(ps, 1);
        size_t alen = (size_t)(ps->p - as);
        skip_ws(ps);
        char *aval = NULL;
        if (ps->p < ps->end && *ps->p == '=') {
            advance(ps, 1);
            skip_ws(ps);
            if (ps->p >= ps->end || (*ps->p != '"' && *ps->p != '\'')) {
                rc = perr(ps, "attribute value must be quoted");
                goto fail;
            }
            char q = *ps->p;
            advance(ps, 1);
            const char *vs = ps->p;
            while (ps->p < ps->end && *ps->p != q)
                advance(ps, 1);
            if (ps->p >= ps->end) {
                rc = perr(ps, "unterminated attribute value");
                goto fail;
            }
            aval = dupn(vs, (size_t)(ps->p - vs));
            advance(ps, 1);
        } else {
            aval = dupn("", 0);
        }
        char *aname = dupn(as, alen);
        vg_hxml_attr *na = realloc(n->attrs, sizeof(*na) * (size_t)(n->nattrs + 1));
        if (!aval || !aname || !na) {
            free(aval);
            free(aname);
            if (na)
                n->attrs = na;
            rc = VG_ENOMEM;
            goto fail;
        }
        decode_entities(aval);
        n->attrs = na;
        n->attrs[n->nattrs].name = aname;
        n->attrs[n->nattrs].value = aval;
        n->nattrs++;
    }
    if ((rc = parse_content(ps, n, depth)) < 0)
        goto fail;
    *out = n;
    return VG_OK;
fail:
    vg_hxml_free(n);
    return rc;
}

int vg_hxml_parse(const char *buf, size_t len, const char *file, vg_hxml_node **out, char *errbuf)
{
    parser ps = {buf, buf + len, file ? file : "(xml)", 1, errbuf};
    vg_hxml_node *head = NULL, *tail = NULL;
    *out = NULL;
    int rc = VG_OK;
    while (ps.p < ps.end) {
        skip_ws(&ps);
        if (ps.p >= ps.end)
            break;
        bool sk;
        if ((rc = skip_misc(&ps, &sk)) < 0)
            goto fail;
        if (sk)
            continue;
        if (*ps.p == '<' && ps.p + 1 < ps.end && is_name_start((unsigned char)ps.p[1])) {
            vg_hxml_node *n;
            if ((rc = parse_element(&ps, &n, 0)) < 0)
                goto fail;
            if (tail)
                tail->next = n;
            else
                head = n;
            tail = n;
            continue;
        }
        if (*ps.p == '<' && ps.p + 1 < ps.end && ps.p[1] == '/') {
            rc = perr(&ps, "closing tag without an opening tag");
            goto fail;
        }
        rc = perr(&ps, "text outside of any element");
        goto fail;
    }
    *out = head;
    return VG_OK;
fail:
    vg_hxml_free(head);
    return rc;
}

int vg_hxml_parse_file(const char *path, vg_hxml_node **out, char *errbuf)
{
    *out = NULL;
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return vg_err(errbuf, VG_EIO, "%s: %s", path, strerror(errno));
    tbuf t = {0};
    char chunk[65536];
    size_t n;
    int rc = VG_OK;
    while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0) {
        if (t.len + n > HXML_MAX_FILE) {
            rc = vg_err(errbuf, VG_ELIMIT, "%s: file larger than %u bytes", path, HXML_MAX_FILE);
            break;
        }
        if ((rc = tb_add(&t, chunk, n)) < 0)
            break;
    }
    fclose(fp);
    if (rc == VG_OK)
        rc = vg_hxml_parse(t.s ? t.s : "", t.len, path, out, errbuf);
    free(t.s);
    return rc;
}

void vg_hxml_free(vg_hxml_node *n)
{
    while (n) {
        vg_hxml_node *next = n->next;
        vg_hxml_free(n->child);
        for (int i = 0; i < n->nattrs; i++) {
            free(n->attrs[i].name);
            free(n->attrs[i].value);
        }
        free(n->attrs);
        free(n->name);
        free(n->text);
        free(n);
        n = next;
    }
}

const char *vg_hxml_attr_get(const vg_hxml_node *n, const char *name)
{
    for (int i = 0; i < n->nattrs; i++)
        if (strcmp(n->attrs[i].name, name) == 0)
            return n->attrs[i].value;
    return NULL;
}
