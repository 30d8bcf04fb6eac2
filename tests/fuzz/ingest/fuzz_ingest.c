/*
 * fuzz_ingest.c: any bytes as an ingest batch.  The parser either rejects
 * the batch with a line number or returns events whose stored JSON is a
 * valid object, whose required fields are set, and from which no secret
 * of a known shape survives redaction.  Each line also goes through the
 * fast scanner (ingest_scan.c): whenever it accepts a line, jansson must
 * accept it too, with the same column values, and find nothing to redact.
 */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "server/ingest.h"

static void same_str(const vg_ingest_span *sp, json_t *v)
{
    if (!sp->set) {
        if (json_is_string(v))
            abort();
        return;
    }
    if (!json_is_string(v) || json_string_length(v) != sp->n ||
        memcmp(json_string_value(v), sp->b, sp->n) != 0)
        abort();
}

static int64_t int_or0(json_t *v)
{
    return json_is_integer(v) ? (int64_t)json_integer_value(v) : 0;
}

static void agree(const char *line, size_t n)
{
    vg_ingest_fields f;
    if (!vg_ingest_scan(line, n, &f))
        return;
    json_error_t je;
    json_t *root = json_loadb(line, n, JSON_REJECT_DUPLICATES, &je);
    if (!json_is_object(root))
        abort(); /* the scanner accepted what jansson refuses */
    same_str(&f.event_type, json_object_get(root, "event_type"));
    same_str(&f.timestamp, json_object_get(root, "timestamp"));
    same_str(&f.event_id, json_object_get(root, "event_id"));
    same_str(&f.host, json_object_get(root, "host"));
    same_str(&f.src_ip, json_object_get(root, "src_ip"));
    same_str(&f.dest_ip, json_object_get(root, "dest_ip"));
    json_t *alert = json_object_get(root, "alert");
    same_str(&f.signature, json_object_get(alert, "signature"));
    if (f.signature_id != int_or0(json_object_get(alert, "signature_id")) ||
        f.severity != int_or0(json_object_get(alert, "severity")))
        abort();
    if (vg_ingest_redact(root))
        abort(); /* the scanner must decline what redaction would change */
    json_decref(root);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *p = (const char *)data, *end = p + size;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *le = nl ? nl : end;
        agree(p, (size_t)(le - p));
        p = nl ? nl + 1 : end;
    }

    vg_ingest_batch b;
    char err[VG_ERRBUF_SIZE];
    int rc = vg_ingest_parse((const char *)data, size, "fuzz", "unit", &b, err);
    if (rc != VG_OK) {
        if (!strstr(err, "line ") && !strstr(err, "batch"))
            abort(); /* every refusal names the line (or the batch cap) */
        return 0;
    }
    for (size_t i = 0; i < b.n; i++) {
        const vg_store_event *e = &b.ev[i];
        if (!e->event_id || !e->event_id[0] || !e->event_type || !e->json)
            abort();
        json_error_t je;
        json_t *j = json_loads(e->json, JSON_REJECT_DUPLICATES, &je);
        if (!json_is_object(j))
            abort(); /* stored JSON must be one valid object */
        /* Redaction is idempotent: what is stored has nothing left to redact. */
        if (vg_ingest_redact(j))
            abort();
        json_decref(j);
    }
    vg_ingest_free(&b);
    return 0;
}
