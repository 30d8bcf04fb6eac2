/*
 * test_response.c: the allow-list, nft command lines and blocks in the
 * store (part of the store suite: SQLite and PostgreSQL).
 */
#include <arpa/inet.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "server/response.h"
#include "store_suite.h"
#include "unit/vg_test.h"

void response_allowlist(void)
{
    vg_allowlist a;
    char err[VG_ERRBUF_SIZE];
    vg_allow_init(&a);
    VG_CHECK(vg_allow_contains(&a, "127.0.0.1"));
    VG_CHECK(vg_allow_contains(&a, "127.255.3.4"));
    VG_CHECK(vg_allow_contains(&a, "::1"));
    VG_CHECK(vg_allow_contains(&a, "::ffff:127.0.0.9")); /* mapped IPv4 */
    VG_CHECK(vg_allow_contains(&a, "not an ip"));        /* never blockable */
    VG_CHECK(!vg_allow_contains(&a, "128.0.0.1"));
    VG_CHECK(!vg_allow_contains(&a, "2001:db8::1"));
    VG_CHECK_EQ(vg_allow_add(&a, "10.20.0.0/14", err), VG_OK);
    VG_CHECK_EQ(vg_allow_add(&a, "2001:db8:1::/48", err), VG_OK);
    VG_CHECK_EQ(vg_allow_add(&a, "192.0.2.7", err), VG_OK);
    VG_CHECK(vg_allow_contains(&a, "10.23.255.255"));
    VG_CHECK(!vg_allow_contains(&a, "10.24.0.0"));
    VG_CHECK(vg_allow_contains(&a, "2001:db8:1:ffff::5"));
    VG_CHECK(!vg_allow_contains(&a, "2001:db8:2::5"));
    VG_CHECK(vg_allow_contains(&a, "192.0.2.7"));
    VG_CHECK(!vg_allow_contains(&a, "192.0.2.8"));
    VG_CHECK_EQ(vg_allow_add(&a, "10.0.0.0/33", err), VG_EINVAL);
    VG_CHECK_EQ(vg_allow_add(&a, "10.0.0.0/", err), VG_EINVAL);
    VG_CHECK_EQ(vg_allow_add(&a, "example.org", err), VG_EINVAL);
    VG_CHECK_EQ(vg_allow_add(&a, "1.2.3.4; rm -rf /", err), VG_EINVAL);
    int rc = VG_OK;
    for (int i = 0; i < VG_ALLOW_MAX + 1 && rc == VG_OK; i++)
        rc = vg_allow_add(&a, "198.51.100.0/24", err);
    VG_CHECK_EQ(rc, VG_ELIMIT);
    char c[64];
    int fam;
    VG_CHECK(vg_ip_canonical("2001:DB8:0:0::1", c, &fam));
    VG_CHECK_STR(c, "2001:db8::1");
    VG_CHECK_EQ(fam, AF_INET6);
    VG_CHECK(!vg_ip_canonical("1.2.3.4 }", c, &fam));
    VG_CHECK(!vg_ip_canonical("01.2.3.4x", c, &fam));
}

static void joined(const char *const *argv, char *out, size_t cap)
{
    size_t n = 0;
    out[0] = '\0';
    for (int i = 0; argv[i]; i++)
        n += (size_t)snprintf(out + n, cap - n, "%s%s", i ? " " : "", argv[i]);
}

void response_nft_argv(void)
{
    const char *argv[16];
    char buf[128], line[512];
    VG_CHECK_EQ(vg_nft_setup_argv(0, argv), VG_OK);
    joined(argv, line, sizeof line);
    VG_CHECK_STR(line, "nft add table inet vigil");
    int steps = 0;
    bool has_rule = false;
    while (vg_nft_setup_argv(steps, argv) == VG_OK) {
        joined(argv, line, sizeof line);
        if (strcmp(line, "nft add rule inet vigil input ip saddr @blocked4 drop") == 0)
            has_rule = true;
        steps++;
    }
    VG_CHECK(steps >= 7);
    VG_CHECK(has_rule);
    VG_CHECK_EQ(vg_nft_element_argv(true, "203.0.113.7", AF_INET, 3600, buf, sizeof buf, argv), VG_OK);
    joined(argv, line, sizeof line);
    VG_CHECK_STR(line, "nft add element inet vigil blocked4 { 203.0.113.7 timeout 3600s }");
    VG_CHECK_EQ(vg_nft_element_argv(false, "2001:db8::0:1", AF_INET6, 0, buf, sizeof buf, argv), VG_OK);
    joined(argv, line, sizeof line);
    VG_CHECK_STR(line, "nft delete element inet vigil blocked6 { 2001:db8::1 }");
    /* nothing unparsed reaches nft */
    VG_CHECK_EQ(vg_nft_element_argv(true, "1.2.3.4 } ; flush ruleset", AF_INET, 60, buf, sizeof buf, argv),
                VG_EINVAL);
    VG_CHECK_EQ(vg_nft_element_argv(true, "1.2.3.4", AF_INET6, 60, buf, sizeof buf, argv), VG_EINVAL);
}

static json_t *by_id(json_t *arr, int64_t id)
{
    size_t i;
    json_t *o;
    json_array_foreach(arr, i, o)
        if (json_integer_value(json_object_get(o, "id")) == id)
            return o;
    return NULL;
}

void response_blocks(void)
{
    vg_store *st = fresh();
    if (!st) {
        VG_CHECK(st != NULL);
        return;
    }
    vg_allowlist a;
    vg_allow_init(&a);
    char err[VG_ERRBUF_SIZE];
    VG_CHECK_EQ(vg_allow_add(&a, "10.0.0.0/8", err), VG_OK);
    int64_t now = 1800000000LL * 1000000, id1 = 0, id2 = 0, id3 = 0, x;
    VG_CHECK_EQ(vg_block_create(st, &a, "u1", "127.0.0.2", "", 600, "x", "ana", now, &x, err), VG_EINVAL);
    VG_CHECK(strstr(err, "allow-list") != NULL);
    VG_CHECK_EQ(vg_block_create(st, &a, "u1", "10.9.8.7", "", 600, "x", "ana", now, &x, err), VG_EINVAL);
    VG_CHECK_EQ(vg_block_create(st, &a, "u1", "300.1.1.1", "", 600, "x", "ana", now, &x, err), VG_EINVAL);
    VG_CHECK_EQ(vg_block_create(st, &a, "u1", "203.0.113.7", "", 5, "x", "ana", now, &x, err), VG_EINVAL);
    VG_CHECK_EQ(vg_block_create(st, &a, "u1", "203.0.113.7", "", 600, "scan", "ana", now, &id1, err), VG_OK);
    VG_CHECK_EQ(vg_block_create(st, &a, "u2", "2001:DB8::7", "web2", 0, "brute force", "bob", now, &id2, err), VG_OK);
    VG_CHECK_EQ(vg_block_create(st, &a, "", "198.51.100.1", "", 600, "global", "root", now, &id3, err), VG_OK);
    VG_CHECK(id1 > 0 && id2 > 0 && id3 > 0);
    /* the same address again extends the block */
    VG_CHECK_EQ(vg_block_create(st, &a, "u1", "203.0.113.7", "", 1200, "again", "ana", now, &x, err), VG_OK);
    VG_CHECK_EQ(x, id1);

    /* what agents see: their unit's blocks (host "" or theirs) and global ones */
    json_t *p = vg_block_pending(st, "web1", "u1", now + 1000000, err);
    json_t *bl = json_object_get(p, "blocks");
    VG_CHECK_EQ(json_array_size(bl), 2);
    VG_CHECK(by_id(bl, id1) && by_id(bl, id3));
    VG_CHECK_EQ(json_integer_value(json_object_get(by_id(bl, id1), "expires_in")), 1199);
    json_decref(p);
    p = vg_block_pending(st, "web1", "u2", now, err);
    VG_CHECK_EQ(json_array_size(json_object_get(p, "blocks")), 1); /* web2's block is not web1's */
    json_decref(p);
    p = vg_block_pending(st, "web2", "u2", now, err);
    bl = json_object_get(p, "blocks");
    VG_CHECK_EQ(json_array_size(bl), 2);
    VG_CHECK_STR(json_string_value(json_object_get(by_id(bl, id2), "ip")), "2001:db8::7");
    json_decref(p);

    /* acks: only for blocks the host may see */
    VG_CHECK_EQ(vg_block_ack(st, "web1", "u1", id1, true, "applied", now, err), VG_OK);
    VG_CHECK_EQ(vg_block_ack(st, "web1", "u1", id2, true, "applied", now, err), VG_ENOENT);
    json_t *l = vg_block_list(st, "u1", now, err);
    VG_CHECK_EQ(json_array_size(l), 1);
    json_t *b1 = by_id(l, id1);
    VG_CHECK(b1 != NULL);
    VG_CHECK_STR(json_string_value(json_object_get(b1, "state")), "active");
    VG_CHECK_EQ(json_array_size(json_object_get(b1, "applied")), 1);
    json_decref(l);

    /* revoke: scoped; the agent is told to remove it; expiry ends it too */
    VG_CHECK_EQ(vg_block_revoke(st, "u2", id1, "bob", now, err), VG_ENOENT);
    VG_CHECK_EQ(vg_block_revoke(st, "u1", id1, "ana", now + 2000000, err), VG_OK);
    VG_CHECK_EQ(vg_block_revoke(st, "u1", id1, "ana", now + 2000000, err), VG_ENOENT);
    p = vg_block_pending(st, "web1", "u1", now + 3000000, err);
    VG_CHECK_EQ(json_array_size(json_object_get(p, "blocks")), 1);
    VG_CHECK_EQ(json_array_size(json_object_get(p, "revoked")), 1);
    json_decref(p);
    p = vg_block_pending(st, "web1", "u1", now + 3600LL * 1000000, err);
    VG_CHECK_EQ(json_array_size(json_object_get(p, "blocks")), 0); /* id3 expired after 600 s */
    json_decref(p);
    l = vg_block_list(st, "", now + 3600LL * 1000000, err);
    VG_CHECK_EQ(json_array_size(l), 3);
    VG_CHECK_STR(json_string_value(json_object_get(by_id(l, id1), "state")), "revoked");
    VG_CHECK_STR(json_string_value(json_object_get(by_id(l, id3), "state")), "expired");
    json_decref(l);
    done(st);
}

void response_rules(void)
{
    vg_store *st = fresh();
    if (!st) {
        VG_CHECK(st != NULL);
        return;
    }
    vg_allowlist a;
    vg_allow_init(&a);
    char err[VG_ERRBUF_SIZE];
    vg_block_rules r = {.sids = {2001}, .nsids = 1, .max_severity = 1, .duration_s = 120};
    vg_store_event ev[] = {
        {.event_id = "1", .event_type = "alert", .src_ip = "198.51.100.9", .signature_id = 2001,
         .severity = 3, .unit = "u1", .json = "{}"},
        {.event_id = "2", .event_type = "alert", .src_ip = "198.51.100.10", .signature_id = 7,
         .severity = 1, .unit = "u1", .json = "{}"},
        {.event_id = "3", .event_type = "alert", .src_ip = "198.51.100.11", .signature_id = 7,
         .severity = 2, .unit = "u1", .json = "{}"},
        {.event_id = "4", .event_type = "alert", .src_ip = "127.0.0.1", .signature_id = 2001,
         .severity = 1, .unit = "u1", .json = "{}"},
        {.event_id = "5", .event_type = "flow", .src_ip = "198.51.100.12", .signature_id = 2001,
         .unit = "u1", .json = "{}"},
        {.event_id = "6", .event_type = "alert", .src_ip = "198.51.100.9", .signature_id = 2001,
         .severity = 3, .unit = "u1", .json = "{}"},
    };
    int created = -1;
    int64_t now = 1800000000LL * 1000000;
    VG_CHECK_EQ(vg_block_from_alerts(st, &a, &r, ev, 6, now, &created, err), VG_OK);
    VG_CHECK_EQ(created, 3); /* .9 (sid), .10 (severity 1), .9 again extends */
    json_t *l = vg_block_list(st, "u1", now, err);
    VG_CHECK_EQ(json_array_size(l), 2);
    size_t i;
    json_t *o;
    json_array_foreach(l, i, o) {
        VG_CHECK(strncmp(json_string_value(json_object_get(o, "created_by")), "rule:", 5) == 0);
        VG_CHECK_EQ(json_integer_value(json_object_get(o, "expires_us")), now + 120000000);
    }
    json_decref(l);
    vg_block_rules off = {0};
    VG_CHECK_EQ(vg_block_from_alerts(st, &a, &off, ev, 6, now, &created, err), VG_OK);
    VG_CHECK_EQ(created, 0);
    done(st);
}
