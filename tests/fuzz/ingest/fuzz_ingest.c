/*
 * fuzz_ingest.c: any bytes as an ingest batch.  The parser either rejects
 * the batch with a line number or returns events whose stored JSON is a
 * valid object, whose required fields are set, and from which no secret
 * of a known shape survives redaction.
 */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "server/ingest.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
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
