/* Unit tests for src/core: JSON writer, base64, timestamps, errors. */
#include <stdlib.h>

#include "core/eve.h"
#include "core/jbuf.h"
#include "unit/vg_test.h"

static void jb_nesting_and_commas(void)
{
    vg_jb jb;
    vg_jb_init(&jb);
    vg_jb_open_obj(&jb, NULL);
    vg_jb_u64(&jb, "a", 1);
    vg_jb_open_arr(&jb, "b");
    vg_jb_str(&jb, NULL, "x");
    vg_jb_bool(&jb, NULL, true);
    vg_jb_close_arr(&jb);
    vg_jb_open_obj(&jb, "c");
    vg_jb_close_obj(&jb);
    vg_jb_i64(&jb, "d", -5);
    vg_jb_close_obj(&jb);
    VG_CHECK_STR(jb.buf, "{\"a\":1,\"b\":[\"x\",true],\"c\":{},\"d\":-5}");
    vg_jb_free(&jb);
}

static void jb_integers_exact(void)
{
    vg_jb jb;
    vg_jb_init(&jb);
    vg_jb_open_arr(&jb, NULL);
    vg_jb_u64(&jb, NULL, 0);
    vg_jb_u64(&jb, NULL, UINT64_MAX);
    vg_jb_i64(&jb, NULL, INT64_MIN);
    vg_jb_i64(&jb, NULL, -1);
    vg_jb_i64(&jb, NULL, 1234567890123LL);
    vg_jb_close_arr(&jb);
    VG_CHECK_STR(jb.buf, "[0,18446744073709551615,-9223372036854775808,-1,1234567890123]");
    vg_jb_free(&jb);
}

static void jb_escapes_hostile_bytes(void)
{
    vg_jb jb;
    vg_jb_init(&jb);
    /* quote, backslash, control, valid UTF-8 (é), invalid byte 0xff, overlong 0xc0 0x80 */
    const char in[] = "\"\\\n\x01\xc3\xa9\xff\xc0\x80";
    vg_jb_strn(&jb, NULL, in, sizeof in - 1);
    VG_CHECK_STR(jb.buf, "\"\\\"\\\\\\n\\u0001\xc3\xa9\\u00ff\\u00c0\\u0080\"");
    vg_jb_free(&jb);
}

static void jb_cap_marks_overflow(void)
{
    vg_jb jb;
    vg_jb_init(&jb);
    jb.max = 16;
    vg_jb_open_obj(&jb, NULL);
    vg_jb_str(&jb, "key", "a value that is far too long");
    VG_CHECK(!vg_jb_ok(&jb));
    VG_CHECK(jb.len <= 16);
    vg_jb_free(&jb);
}

static void base64_rfc4648_vectors(void)
{
    static const struct { const char *in, *out; } v[] = {
        {"", ""}, {"f", "Zg=="}, {"fo", "Zm8="}, {"foo", "Zm9v"},
        {"foob", "Zm9vYg=="}, {"fooba", "Zm9vYmE="}, {"foobar", "Zm9vYmFy"},
    };
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        char out[16];
        vg_base64_encode(v[i].in, strlen(v[i].in), out);
        VG_CHECK_STR(out, v[i].out);
    }
}

static void printable_like_suricata(void)
{
    vg_jb jb;
    vg_jb_init(&jb);
    vg_jb_printable(&jb, NULL, "GET /\r\n\x00\x7f", 9);
    VG_CHECK_STR(jb.buf, "\"GET /\\r\\n..\"");
    vg_jb_free(&jb);
}

static void timestamp_has_micros_and_offset(void)
{
    setenv("TZ", "UTC", 1);
    struct timeval tv = {.tv_sec = 1700000000, .tv_usec = 42};
    char ts[40];
    vg_eve_timestamp(&tv, ts);
    VG_CHECK_STR(ts, "2023-11-14T22:13:20.000042+0000");
}

static const vg_test tests[] = {
    {"jb_nesting_and_commas", jb_nesting_and_commas},
    {"jb_escapes_hostile_bytes", jb_escapes_hostile_bytes},
    {"jb_integers_exact", jb_integers_exact},
    {"jb_cap_marks_overflow", jb_cap_marks_overflow},
    {"base64_rfc4648_vectors", base64_rfc4648_vectors},
    {"printable_like_suricata", printable_like_suricata},
    {"timestamp_has_micros_and_offset", timestamp_has_micros_and_offset},
    {NULL, NULL},
};

VG_TEST_MAIN(tests)
