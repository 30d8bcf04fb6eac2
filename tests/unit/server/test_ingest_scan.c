/*
 * test_ingest_scan.c: the fast ingest scanner takes the common EVE lines,
 * declines what only jansson may decide (escaped picked values, duplicate
 * keys, exponents, secrets to redact, log lines), and a batch parses to the
 * same rows whichever path each line took.
 */
#include <string.h>

#include "server/ingest.h"
#include "unit/vg_test.h"

static bool scan(const char *s, vg_ingest_fields *f)
{
    return vg_ingest_scan(s, strlen(s), f);
}

static bool span_is(const vg_ingest_span *sp, const char *v)
{
    return sp->set && sp->n == strlen(v) && memcmp(sp->b, v, sp->n) == 0;
}

static void takes_common_lines(void)
{
    vg_ingest_fields f;
    VG_CHECK(scan("{\"timestamp\":\"2026-01-01T00:00:00.5+0000\",\"flow_id\":12,\"src_ip\":\"10.0.0.1\","
                  "\"dest_ip\":\"10.0.0.2\",\"event_type\":\"alert\",\"alert\":{\"signature_id\":2001,"
                  "\"severity\":2,\"signature\":\"ET x\",\"meta\":{\"signature_id\":7}},"
                  "\"payload_printable\":\"GET \\/ \\u00e9\\r\\n\",\"ok\":true,\"n\":null,\"r\":-0.25,"
                  "\"a\":[1,[],{}]}", &f));
    VG_CHECK(span_is(&f.event_type, "alert"));
    VG_CHECK(span_is(&f.src_ip, "10.0.0.1"));
    VG_CHECK(span_is(&f.dest_ip, "10.0.0.2"));
    VG_CHECK(span_is(&f.signature, "ET x"));
    VG_CHECK_EQ(f.signature_id, 2001);
    VG_CHECK_EQ(f.severity, 2);
    VG_CHECK(!f.event_id.set && !f.host.set);
    /* An http object whose parameters are not secret names. */
    VG_CHECK(scan("{\"event_type\":\"http\",\"timestamp\":\"t\",\"http\":{\"url\":\"/i.php?page=3&x=1\","
                  "\"status\":200}}", &f));
    /* Non-string and real values leave the columns unset or zero. */
    VG_CHECK(scan("{\"event_type\":1,\"alert\":{\"signature_id\":1.5,\"severity\":\"2\"}}", &f));
    VG_CHECK(!f.event_type.set && f.signature_id == 0 && f.severity == 0);
}

static void declines_what_jansson_decides(void)
{
    vg_ingest_fields f;
    static const char *const lines[] = {
        "{\"event_type\":\"a\",\"event_type\":\"b\"}",           /* duplicate key */
        "{\"event_type\":\"\\u0061lert\"}",                     /* escaped picked value */
        "{\"k\\u0031\":1}",                                      /* escaped key */
        "{\"x\":1e3}",                                           /* exponent */
        "{\"x\":1234567890123456789}",                           /* 19 digits */
        "{\"x\":01}", "{\"x\":1.}", "{\"x\":-}", "{\"x\":tru}",  /* malformed */
        "{\"x\":\"\\u0000\"}", "{\"x\":\"\\ud800\"}",            /* NUL, surrogate */
        "{\"x\":\"caf\xc3\xa9\"}",                               /* non-ASCII */
        "{\"x\":1} x", "[1]", "{\"x\":1", "{\"x\" 1}", "",
        "{\"http\":{\"url\":\"/l?user=a&Password=x\"}}",
        "{\"http\":{\"request_headers\":[{\"name\":\"Cookie\",\"value\":\"s\"}]}}",
        "{\"http\":{\"request_headers\":[{\"name\":\"AUTHORIZATION\",\"value\":\"s\"}]}}",
        "{\"http\":{\"http_request_body_printable\":\"token=abc\"}}",
        "{\"log\":{\"full_log\":\"GET /\"}}",
    };
    for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++)
        if (scan(lines[i], &f)) {
            fprintf(stderr, "scanner took: %s\n", lines[i]);
            VG_CHECK(!"declined");
        }
}

static void same_rows_either_path(void)
{
    /* The second line has an escaped signature: jansson's path. */
    const char *body =
        "{\"timestamp\":\"2026-01-01T00:00:01Z\",\"event_type\":\"alert\",\"src_ip\":\"1.1.1.1\","
        "\"alert\":{\"signature_id\":5,\"severity\":1,\"signature\":\"sig \\\"q\\\"\"}}\n"
        "{\"timestamp\":\"2026-01-01T00:00:01Z\",\"event_type\":\"alert\",\"src_ip\":\"1.1.1.1\","
        "\"alert\":{\"signature_id\":5,\"severity\":1,\"signature\":\"sig q\"}}\n"
        "{\"timestamp\":\"bad\",\"event_type\":\"flow\"}\n";
    vg_ingest_batch b;
    char err[VG_ERRBUF_SIZE];
    VG_CHECK(vg_ingest_parse(body, strlen(body), "s1", "u", &b, err) != VG_OK);
    VG_CHECK(strstr(err, "line 3") != NULL);
    size_t two = (size_t)(strrchr(body, '{') - body);
    VG_CHECK_EQ(vg_ingest_parse(body, two, "s1", "u", &b, err), VG_OK);
    VG_CHECK_EQ(b.n, 2);
    if (b.n == 2) {
        VG_CHECK_STR(b.ev[0].signature, "sig \"q\"");
        VG_CHECK_STR(b.ev[1].signature, "sig q");
        for (int i = 0; i < 2; i++) {
            VG_CHECK_STR(b.ev[i].event_type, "alert");
            VG_CHECK_STR(b.ev[i].src_ip, "1.1.1.1");
            VG_CHECK(b.ev[i].dest_ip == NULL);
            VG_CHECK_STR(b.ev[i].sensor, "s1");
            VG_CHECK_EQ(b.ev[i].signature_id, 5);
            VG_CHECK_EQ(b.ev[i].severity, 1);
            VG_CHECK_EQ(b.ev[i].ts_us, 1767225601000000LL);
            VG_CHECK_EQ(strlen(b.ev[i].event_id), 64); /* derived */
        }
    }
    vg_ingest_free(&b);
}

static const vg_test tests[] = {
    {"takes_common_lines", takes_common_lines},
    {"declines_what_jansson_decides", declines_what_jansson_decides},
    {"same_rows_either_path", same_rows_either_path},
    {NULL, NULL},
};

VG_TEST_MAIN(tests)
