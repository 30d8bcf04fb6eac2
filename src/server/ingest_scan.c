/*
 * ingest_scan.c: the fast path of ingest.  One pass over an event line
 * validates it as JSON and picks out the columns (event_type, timestamp,
 * event_id, host, src_ip, dest_ip, alert.signature_id/severity/signature)
 * without building a jansson tree.
 *
 * Invariant: it accepts only lines that jansson (json_loadb with
 * JSON_REJECT_DUPLICATES) accepts as an object, with the same column
 * values, and on which vg_ingest_redact would change nothing.  Whatever it
 * is not sure of it declines, and the caller parses with jansson: escapes
 * in keys or in picked strings, bytes >= 0x80, \u0000 and surrogate
 * escapes, integers of more than 18 digits, exponents, nesting deeper than
 * 32, objects of more than 64 keys, a top-level "log" object, and an
 * "http" object holding a header name or a parameter that redaction
 * matches.  tests/fuzz/ingest checks the agreement with jansson.
 */
#include "server/ingest.h"

#include <string.h>
#include <strings.h>

#define SCAN_MAX_DEPTH 32
#define SCAN_MAX_KEYS 64

typedef struct scan {
    const char *p, *end;
} scan;

typedef struct span {
    const char *b;
    size_t n;
} span;

static inline void skip_ws(scan *s)
{
    while (s->p < s->end && (*s->p == ' ' || *s->p == '\t' || *s->p == '\n' || *s->p == '\r'))
        s->p++;
}

static inline int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* s->p at '"'.  The raw content goes to *out, *esc tells whether it held
 * escapes (then the raw bytes are not the value). */
static bool sc_string(scan *s, span *out, bool *esc)
{
    const char *p = s->p + 1;
    *esc = false;
    while (p < s->end) {
        unsigned char c = (unsigned char)*p;
        if (c == '"') {
            out->b = s->p + 1;
            out->n = (size_t)(p - out->b);
            s->p = p + 1;
            return true;
        }
        if (c < 0x20 || c >= 0x80)
            return false;
        if (c != '\\') {
            p++;
            continue;
        }
        *esc = true;
        if (++p >= s->end)
            return false;
        switch (*p) {
        case '"': case '\\': case '/': case 'b': case 'f': case 'n': case 'r': case 't':
            p++;
            break;
        case 'u': {
            if (s->end - p < 5)
                return false;
            unsigned v = 0;
            for (int i = 1; i <= 4; i++) {
                int h = hexval(p[i]);
                if (h < 0)
                    return false;
                v = v * 16 + (unsigned)h;
            }
            if (v == 0 || (v >= 0xD800 && v <= 0xDFFF))
                return false;
            p += 5;
            break;
        }
        default:
            return false;
        }
    }
    return false;
}

static bool sc_number(scan *s, bool *is_int, int64_t *iv)
{
    const char *p = s->p;
    bool neg = false;
    if (*p == '-') {
        neg = true;
        p++;
    }
    if (p >= s->end || *p < '0' || *p > '9')
        return false;
    const char *d0 = p;
    if (*p == '0')
        p++;
    else
        while (p < s->end && *p >= '0' && *p <= '9')
            p++;
    size_t nd = (size_t)(p - d0);
    if (nd > 18)
        return false;
    *is_int = true;
    if (p < s->end && *p == '.') {
        p++;
        if (p >= s->end || *p < '0' || *p > '9')
            return false;
        while (p < s->end && *p >= '0' && *p <= '9')
            p++;
        *is_int = false;
    }
    if (p < s->end && (*p == 'e' || *p == 'E'))
        return false;
    int64_t v = 0;
    for (size_t i = 0; i < nd; i++)
        v = v * 10 + (d0[i] - '0');
    *iv = neg ? -v : v;
    s->p = p;
    return true;
}

typedef enum { V_OTHER, V_STRING, V_INT } vkind;

typedef struct value {
    vkind kind;
    span str;
    bool esc;
    int64_t iv;
} value;

static bool sc_value(scan *s, int depth, value *v, vg_ingest_fields *f, int role);

/* role: 0 nested object, 1 top level, 2 the top-level alert object */
static bool sc_object(scan *s, int depth, vg_ingest_fields *f, int role)
{
    if (depth > SCAN_MAX_DEPTH)
        return false;
    s->p++; /* '{' */
    span keys[SCAN_MAX_KEYS];
    int nk = 0;
    skip_ws(s);
    if (s->p < s->end && *s->p == '}') {
        s->p++;
        return true;
    }
    for (;;) {
        skip_ws(s);
        if (s->p >= s->end || *s->p != '"')
            return false;
        span k;
        bool esc;
        if (!sc_string(s, &k, &esc) || esc || nk == SCAN_MAX_KEYS)
            return false;
        for (int i = 0; i < nk; i++)
            if (keys[i].n == k.n && memcmp(keys[i].b, k.b, k.n) == 0)
                return false; /* duplicate: jansson refuses, and says why */
        keys[nk++] = k;
        skip_ws(s);
        if (s->p >= s->end || *s->p != ':')
            return false;
        s->p++;
        skip_ws(s);
        if (s->p >= s->end)
            return false;
        int sub = 0;
        if (role == 1 && k.n == 5 && memcmp(k.b, "alert", 5) == 0)
            sub = 2;
        if (role == 1 && k.n == 3 && memcmp(k.b, "log", 3) == 0 && *s->p == '{')
            return false; /* host log lines: redaction of full_log is jansson's */
        const char *vstart = s->p;
        value v;
        if (!sc_value(s, depth + 1, &v, f, sub))
            return false;
        if (role == 1 && k.n == 4 && memcmp(k.b, "http", 4) == 0 && *vstart == '{' &&
            vg_ingest_http_may_redact(vstart, (size_t)(s->p - vstart)))
            return false;
        vg_ingest_span *dst = NULL;
        if (role == 1) {
            if (k.n == 10 && memcmp(k.b, "event_type", 10) == 0)
                dst = &f->event_type;
            else if (k.n == 9 && memcmp(k.b, "timestamp", 9) == 0)
                dst = &f->timestamp;
            else if (k.n == 8 && memcmp(k.b, "event_id", 8) == 0)
                dst = &f->event_id;
            else if (k.n == 4 && memcmp(k.b, "host", 4) == 0)
                dst = &f->host;
            else if (k.n == 6 && memcmp(k.b, "src_ip", 6) == 0)
                dst = &f->src_ip;
            else if (k.n == 7 && memcmp(k.b, "dest_ip", 7) == 0)
                dst = &f->dest_ip;
        } else if (role == 2) {
            if (k.n == 9 && memcmp(k.b, "signature", 9) == 0)
                dst = &f->signature;
            else if (k.n == 12 && memcmp(k.b, "signature_id", 12) == 0 && v.kind == V_INT)
                f->signature_id = v.iv;
            else if (k.n == 8 && memcmp(k.b, "severity", 8) == 0 && v.kind == V_INT)
                f->severity = v.iv;
        }
        if (dst && v.kind == V_STRING) {
            if (v.esc)
                return false; /* the raw bytes are not the value */
            *dst = (vg_ingest_span){v.str.b, v.str.n, true};
        }
        skip_ws(s);
        if (s->p >= s->end)
            return false;
        if (*s->p == ',') {
            s->p++;
            continue;
        }
        if (*s->p == '}') {
            s->p++;
            return true;
        }
        return false;
    }
}

static bool sc_array(scan *s, int depth)
{
    if (depth > SCAN_MAX_DEPTH)
        return false;
    s->p++; /* '[' */
    skip_ws(s);
    if (s->p < s->end && *s->p == ']') {
        s->p++;
        return true;
    }
    for (;;) {
        skip_ws(s);
        value v;
        if (!sc_value(s, depth + 1, &v, NULL, 0))
            return false;
        skip_ws(s);
        if (s->p >= s->end)
            return false;
        if (*s->p == ',') {
            s->p++;
            continue;
        }
        if (*s->p == ']') {
            s->p++;
            return true;
        }
        return false;
    }
}

static bool literal(scan *s, const char *w, size_t n)
{
    if ((size_t)(s->end - s->p) < n || memcmp(s->p, w, n) != 0)
        return false;
    s->p += n;
    return true;
}

static bool sc_value(scan *s, int depth, value *v, vg_ingest_fields *f, int role)
{
    v->kind = V_OTHER;
    if (s->p >= s->end)
        return false;
    switch (*s->p) {
    case '{':
        return sc_object(s, depth, f, role); /* role 0 writes nothing to f */
    case '[':
        return sc_array(s, depth);
    case '"':
        v->kind = V_STRING;
        return sc_string(s, &v->str, &v->esc);
    case 't':
        return literal(s, "true", 4);
    case 'f':
        return literal(s, "false", 5);
    case 'n':
        return literal(s, "null", 4);
    default: {
        bool is_int = false;
        if (!sc_number(s, &is_int, &v->iv))
            return false;
        v->kind = is_int ? V_INT : V_OTHER;
        return true;
    }
    }
}

static bool name_ieq(const char *b, size_t n, const char *w)
{
    return strlen(w) == n && strncasecmp(b, w, n) == 0;
}

bool vg_ingest_http_may_redact(const char *obj, size_t n)
{
    static const char *const hdr[] = {"cookie", "authorization", "x-api-key", "x-auth-token"};
    static const char *const par[] = {"password", "passwd", "pwd", "pass", "secret", "token",
                                      "api_key", "apikey", "access_token", "session", "sid"};
    if (memchr(obj, '\\', n))
        return true;
    for (size_t i = 0; i < n; i++) {
        char c = obj[i] | 0x20;
        if (c == 'c' || c == 'a' || c == 'x') {
            for (size_t h = 0; h < VG_ARRAY_LEN(hdr); h++) {
                size_t l = strlen(hdr[h]);
                if (n - i >= l && strncasecmp(obj + i, hdr[h], l) == 0)
                    return true;
            }
        } else if (obj[i] == '=') {
            /* The parameter's name runs back to a separator or the string's quote. */
            size_t j = i;
            while (j > 0 && !strchr("&;?\"", obj[j - 1]))
                j--;
            for (size_t q = 0; q < VG_ARRAY_LEN(par); q++)
                if (name_ieq(obj + j, i - j, par[q]))
                    return true;
        }
    }
    return false;
}

bool vg_ingest_scan(const char *line, size_t n, vg_ingest_fields *f)
{
    memset(f, 0, sizeof(*f));
    scan s = {line, line + n};
    skip_ws(&s);
    if (s.p >= s.end || *s.p != '{')
        return false;
    if (!sc_object(&s, 1, f, 1))
        return false;
    skip_ws(&s);
    return s.p == s.end;
}
