#include "server/ingest.h"

#include <ctype.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

static const char *own(vg_ingest_batch *b, char *s)
{
    if (!s)
        return NULL;
    if (b->nowned == b->capowned) {
        size_t cap = b->capowned ? b->capowned * 2 : 64;
        char **o = realloc(b->owned, cap * sizeof(*o));
        if (!o) {
            free(s);
            return NULL;
        }
        b->owned = o;
        b->capowned = cap;
    }
    b->owned[b->nowned++] = s;
    return s;
}

static char *dupn(const char *s)
{
    return s ? strdup(s) : NULL;
}

void vg_ingest_free(vg_ingest_batch *b)
{
    for (size_t i = 0; i < b->nowned; i++)
        free(b->owned[i]);
    free(b->owned);
    free(b->ev);
    memset(b, 0, sizeof(*b));
}

int vg_ingest_parse_ts(const char *s, int64_t *us)
{
    int Y, M, D, h, m, sec, n = 0;
    if (!s || sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &Y, &M, &D, &h, &m, &sec, &n) != 6)
        return VG_EINVAL;
    if (M < 1 || M > 12 || D < 1 || D > 31 || h > 23 || m > 59 || sec > 60)
        return VG_EINVAL;
    const char *p = s + n;
    long frac = 0;
    if (*p == '.') {
        int digits = 0;
        p++;
        while (isdigit((unsigned char)*p)) {
            if (digits < 6) {
                frac = frac * 10 + (*p - '0');
                digits++;
            }
            p++;
        }
        while (digits++ < 6)
            frac *= 10;
    }
    long off = 0;
    if (*p == '+' || *p == '-') {
        int sign = *p == '-' ? -1 : 1;
        int oh = 0, om = 0;
        if (sscanf(p + 1, "%2d:%2d", &oh, &om) != 2 && sscanf(p + 1, "%2d%2d", &oh, &om) != 2)
            return VG_EINVAL;
        off = sign * (oh * 3600L + om * 60L);
    } else if (*p != 'Z' && *p != '\0') {
        return VG_EINVAL;
    }
    struct tm tm = {.tm_year = Y - 1900, .tm_mon = M - 1, .tm_mday = D, .tm_hour = h,
                    .tm_min = m, .tm_sec = sec};
    int64_t t = (int64_t)timegm(&tm) - off;
    *us = t * 1000000 + frac;
    return VG_OK;
}

static bool secret_header(const char *name)
{
    static const char *const names[] = {"cookie", "set-cookie", "authorization",
                                        "proxy-authorization", "x-api-key", "x-auth-token"};
    for (size_t i = 0; i < VG_ARRAY_LEN(names); i++)
        if (strcasecmp(name, names[i]) == 0)
            return true;
    return false;
}

static bool secret_param(const char *name, size_t n)
{
    static const char *const names[] = {"password", "passwd", "pwd", "pass", "secret", "token",
                                        "api_key", "apikey", "access_token", "session", "sid"};
    for (size_t i = 0; i < VG_ARRAY_LEN(names); i++)
        if (strlen(names[i]) == n && strncasecmp(name, names[i], n) == 0)
            return true;
    return false;
}

/* Replace the values of secret parameters in a query string or form body;
 * returns a new string, or NULL when nothing changed. */
static char *redact_params(const char *s)
{
    size_t len = strlen(s);
    /* A secret value of one byte grows to 10: three times the input always fits. */
    char *out = malloc(len * 3 + 64);
    if (!out)
        return NULL;
    size_t o = 0, budget = len * 3 + 63;
    bool changed = false;
    const char *p = s;
    while (*p) {
        const char *seg = p;
        const char *end = seg + strcspn(seg, "&;?");
        const char *eq = memchr(seg, '=', (size_t)(end - seg));
        if (eq && secret_param(seg, (size_t)(eq - seg)) && end > eq + 1) {
            size_t k = (size_t)(eq + 1 - seg);
            if (o + k + 10 > budget)
                break;
            memcpy(out + o, seg, k);
            o += k;
            memcpy(out + o, "[redacted]", 10);
            o += 10;
            if ((size_t)(end - eq - 1) != 10 || memcmp(eq + 1, "[redacted]", 10) != 0)
                changed = true;
        } else {
            size_t k = (size_t)(end - seg);
            if (o + k > budget)
                break;
            memcpy(out + o, seg, k);
            o += k;
        }
        p = end;
        if (*p) {
            out[o++] = *p;
            p++;
        }
    }
    out[o] = '\0';
    if (!changed) {
        free(out);
        return NULL;
    }
    return out;
}

static bool redact_string_field(json_t *obj, const char *key)
{
    json_t *v = json_object_get(obj, key);
    if (!json_is_string(v))
        return false;
    char *r = redact_params(json_string_value(v));
    if (r) {
        json_object_set_new(obj, key, json_string(r));
        free(r);
        return true;
    }
    return false;
}

static bool redact_headers(json_t *arr)
{
    size_t i;
    json_t *h;
    bool changed = false;
    json_array_foreach(arr, i, h) {
        json_t *name = json_object_get(h, "name");
        if (json_is_string(name) && secret_header(json_string_value(name))) {
            const char *v = json_string_value(json_object_get(h, "value"));
            if (!v || strcmp(v, "[redacted]") != 0) {
                json_object_set_new(h, "value", json_string("[redacted]"));
                changed = true;
            }
        }
    }
    return changed;
}

bool vg_ingest_redact(json_t *ev)
{
    bool changed = false;
    json_t *http = json_object_get(ev, "http");
    if (json_is_object(http)) {
        changed |= redact_string_field(http, "url");
        changed |= redact_string_field(http, "http_refer");
        changed |= redact_headers(json_object_get(http, "request_headers"));
        changed |= redact_headers(json_object_get(http, "response_headers"));
        if (json_is_string(json_object_get(http, "http_request_body_printable")))
            changed |= redact_string_field(http, "http_request_body_printable");
    }
    /* Host log lines can carry URLs with credentials too. */
    json_t *log = json_object_get(ev, "log");
    if (json_is_object(log)) {
        changed |= redact_string_field(log, "full_log");
        json_t *fields = json_object_get(log, "fields");
        if (json_is_object(fields))
            changed |= redact_string_field(fields, "url");
    }
    return changed;
}

static const char *str_at(json_t *root, const char *a, const char *b)
{
    json_t *v = json_object_get(root, a);
    if (b)
        v = json_object_get(v, b);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

static int64_t int_at(json_t *root, const char *a, const char *b, const char *c)
{
    json_t *v = json_object_get(root, a);
    if (b)
        v = json_object_get(v, b);
    if (c)
        v = json_object_get(v, c);
    return json_is_integer(v) ? json_integer_value(v) : 0;
}

static void derive_id(const char *sensor, const char *line, size_t n, char out[65])
{
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    uint8_t d[32];
    unsigned int dl = 0;
    EVP_DigestInit_ex(md, EVP_sha256(), NULL);
    EVP_DigestUpdate(md, sensor, strlen(sensor));
    EVP_DigestUpdate(md, "\n", 1);
    EVP_DigestUpdate(md, line, n);
    EVP_DigestFinal_ex(md, d, &dl);
    EVP_MD_CTX_free(md);
    static const char hx[] = "0123456789abcdef";
    for (int i = 0; i < 32; i++) {
        out[2 * i] = hx[d[i] >> 4];
        out[2 * i + 1] = hx[d[i] & 15];
    }
    out[64] = '\0';
}

static char *span_dup(const vg_ingest_span *sp)
{
    return sp->set ? strndup(sp->b, sp->n) : NULL;
}

/* The fast path: VG_DECLINED when the scanner is not sure (jansson then). */
static int parse_line_fast(vg_ingest_batch *b, const char *line, size_t n, const char *sensor,
                           const char *unit, size_t lineno, char *errbuf)
{
    vg_ingest_fields f;
    if (!vg_ingest_scan(line, n, &f))
        return VG_DECLINED;
    char ts[64];
    if (!f.event_type.set || !f.timestamp.set || f.timestamp.n >= sizeof ts)
        return VG_DECLINED; /* jansson's path words the error */
    memcpy(ts, f.timestamp.b, f.timestamp.n);
    ts[f.timestamp.n] = '\0';
    vg_store_event *e = &b->ev[b->n];
    memset(e, 0, sizeof(*e));
    if (vg_ingest_parse_ts(ts, &e->ts_us) != VG_OK)
        return VG_DECLINED;
    char idbuf[65];
    if (!f.event_id.set || f.event_id.n == 0 || f.event_id.n > 128) {
        derive_id(sensor, line, n, idbuf);
        e->event_id = own(b, strdup(idbuf));
    } else {
        e->event_id = own(b, span_dup(&f.event_id));
    }
    e->event_type = own(b, span_dup(&f.event_type));
    e->sensor = f.host.set && !sensor[0] ? own(b, span_dup(&f.host)) : own(b, strdup(sensor));
    e->unit = unit;
    e->src_ip = own(b, span_dup(&f.src_ip));
    e->dest_ip = own(b, span_dup(&f.dest_ip));
    if (f.event_type.n == 5 && memcmp(f.event_type.b, "alert", 5) == 0) {
        e->signature_id = f.signature_id;
        e->severity = (int)f.severity;
        e->signature = own(b, span_dup(&f.signature));
    }
    e->json = own(b, strndup(line, n));
    if (!e->json || !e->event_id || !e->event_type || !e->sensor)
        return vg_err(errbuf, VG_ENOMEM, "line %zu: out of memory", lineno);
    b->n++;
    return VG_OK;
}

static int parse_line(vg_ingest_batch *b, const char *line, size_t n, const char *sensor,
                      const char *unit, size_t lineno, char *errbuf)
{
    int frc = parse_line_fast(b, line, n, sensor, unit, lineno, errbuf);
    if (frc != VG_DECLINED)
        return frc;
    json_error_t jerr;
    json_t *root = json_loadb(line, n, JSON_REJECT_DUPLICATES, &jerr);
    if (!root)
        return vg_err(errbuf, VG_EINVAL, "line %zu: invalid JSON: %s", lineno, jerr.text);
    if (!json_is_object(root)) {
        json_decref(root);
        return vg_err(errbuf, VG_EINVAL, "line %zu: not a JSON object", lineno);
    }
    vg_store_event *e = &b->ev[b->n];
    memset(e, 0, sizeof(*e));
    const char *type = str_at(root, "event_type", NULL);
    const char *ts = str_at(root, "timestamp", NULL);
    if (!type || !ts || vg_ingest_parse_ts(ts, &e->ts_us) != VG_OK) {
        json_decref(root);
        return vg_err(errbuf, VG_EINVAL, "line %zu: event_type and a valid timestamp are required",
                      lineno);
    }
    char idbuf[65];
    const char *id = str_at(root, "event_id", NULL);
    if (!id || !id[0] || strlen(id) > 128) {
        derive_id(sensor, line, n, idbuf);
        id = idbuf;
    }
    bool redacted = vg_ingest_redact(root);
    e->event_id = own(b, dupn(id));
    e->event_type = own(b, dupn(type));
    const char *host = str_at(root, "host", NULL);
    e->sensor = own(b, dupn(host && !sensor[0] ? host : sensor));
    e->unit = unit;
    e->src_ip = own(b, dupn(str_at(root, "src_ip", NULL)));
    e->dest_ip = own(b, dupn(str_at(root, "dest_ip", NULL)));
    if (strcmp(type, "alert") == 0) {
        e->signature_id = int_at(root, "alert", "signature_id", NULL);
        e->severity = (int)int_at(root, "alert", "severity", NULL);
        e->signature = own(b, dupn(str_at(root, "alert", "signature")));
    } else if (strcmp(type, "log") == 0) {
        e->signature_id = int_at(root, "log", "rule", "id");
        e->severity = (int)int_at(root, "log", "rule", "level");
        json_t *d = json_object_get(json_object_get(json_object_get(root, "log"), "rule"),
                                    "description");
        e->signature = own(b, dupn(json_is_string(d) ? json_string_value(d) : NULL));
        const char *sip = str_at(json_object_get(root, "log"), "fields", "srcip");
        if (sip && !e->src_ip)
            e->src_ip = own(b, dupn(sip));
    }
    /* The line as sent, unless a secret had to be removed from it (it parsed
     * as one JSON object, so it is valid JSON as it stands). */
    char *dump = redacted ? json_dumps(root, JSON_COMPACT | JSON_PRESERVE_ORDER) : strndup(line, n);
    json_decref(root);
    e->json = own(b, dump);
    if (!e->json || !e->event_id || !e->event_type)
        return vg_err(errbuf, VG_ENOMEM, "line %zu: out of memory", lineno);
    b->n++;
    return VG_OK;
}

int vg_ingest_parse(const char *body, size_t len, const char *sensor, const char *unit,
                    vg_ingest_batch *out, char *errbuf)
{
    memset(out, 0, sizeof(*out));
    size_t lines = 0;
    for (size_t i = 0; i < len; i++)
        if (body[i] == '\n')
            lines++;
    lines++;
    if (lines > VG_INGEST_MAX_EVENTS + 1)
        return vg_err(errbuf, VG_ELIMIT, "batch of %zu lines exceeds %d", lines,
                      VG_INGEST_MAX_EVENTS);
    out->ev = calloc(lines, sizeof(*out->ev));
    if (!out->ev)
        return vg_err(errbuf, VG_ENOMEM, "out of memory");
    size_t lineno = 0;
    const char *p = body, *end = body + len;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *le = nl ? nl : end;
        lineno++;
        size_t n = (size_t)(le - p);
        while (n && (p[n - 1] == '\r' || p[n - 1] == ' '))
            n--;
        if (n > VG_INGEST_MAX_LINE) {
            vg_ingest_free(out);
            return vg_err(errbuf, VG_ELIMIT, "line %zu: longer than %u bytes", lineno,
                          VG_INGEST_MAX_LINE);
        }
        if (n > 0 && memchr(p, '\0', n)) {
            /* Invalid JSON that jansson's number lexer may stop at, leaving
             * a truncated line to store: refused here. */
            vg_ingest_free(out);
            return vg_err(errbuf, VG_EINVAL, "line %zu: NUL byte", lineno);
        }
        if (n > 0) {
            int rc = parse_line(out, p, n, sensor ? sensor : "", unit ? unit : "", lineno, errbuf);
            if (rc != VG_OK) {
                vg_ingest_free(out);
                return rc;
            }
        }
        p = nl ? nl + 1 : end;
    }
    return VG_OK;
}
