/* Unit tests for src/core/conf.c: YAML tree, Suricata quirks, --set, typed getters. */
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/conf.h"
#include "unit/vg_test.h"

static const char *suri_yaml =
    "%YAML 1.1\n"
    "---\n"
    "vars:\n"
    "  address-groups:\n"
    "    HOME_NET: \"[192.168.0.0/16,10.0.0.0/8]\"\n"
    "    EXTERNAL_NET: \"!$HOME_NET\"\n"
    "outputs:\n"
    "  - fast:\n"
    "      enabled: no\n"
    "  - eve-log:\n"
    "      enabled: yes\n"
    "      filename: eve.json\n"
    "      types:\n"
    "        - alert:\n"
    "            payload: yes\n"
    "        - flow\n"
    "stream:\n"
    "  memcap: 64mb\n"
    "  reassembly:\n"
    "    depth: 1mb\n"
    "flow:\n"
    "  hash-size: 65536\n"
    "  emergency-recovery: 30\n";

static void loads_suricata_shape(void)
{
    vg_conf *c = vg_conf_new();
    char err[VG_ERRBUF_SIZE] = "";
    VG_CHECK_EQ(vg_conf_load_string(c, suri_yaml, "suricata.yaml", err), VG_OK);
    VG_CHECK_STR(vg_conf_get(c, "vars.address-groups.EXTERNAL_NET"), "!$HOME_NET");
    /* sequence items by index and by key */
    VG_CHECK_STR(vg_conf_get(c, "outputs.1.eve-log.filename"), "eve.json");
    VG_CHECK_STR(vg_conf_get(c, "outputs.eve-log.filename"), "eve.json");
    VG_CHECK(vg_conf_get_bool(c, "outputs.eve-log.enabled", false));
    VG_CHECK(!vg_conf_get_bool(c, "outputs.fast.enabled", true));
    VG_CHECK(vg_conf_get_bool(c, "outputs.eve-log.types.alert.payload", false));
    VG_CHECK_STR(vg_conf_get(c, "outputs.eve-log.types.1"), "flow");
    const vg_conf_node *types = vg_conf_node_get(c, "outputs.eve-log.types");
    VG_CHECK(types && types->is_seq);
    /* file:line kept per node */
    const vg_conf_node *n = vg_conf_node_get(c, "stream.reassembly.depth");
    VG_CHECK(n != NULL);
    if (n) {
        VG_CHECK_STR(n->file, "suricata.yaml");
        VG_CHECK_EQ(n->line, 20);
        char where[64];
        VG_CHECK_STR(vg_conf_node_where(n, where, sizeof where), "suricata.yaml:20");
    }
    VG_CHECK_EQ(vg_conf_get_size(c, "stream.memcap", 0), 64ull << 20);
    VG_CHECK_EQ(vg_conf_get_int(c, "flow.hash-size", 0), 65536);
    VG_CHECK_EQ(vg_conf_get_int(c, "flow.nope", -7), -7);
    VG_CHECK(vg_conf_get(c, "outputs.eve-log.nope") == NULL);
    VG_CHECK(vg_conf_get(c, "outputs.eve-log") == NULL); /* a mapping has no scalar value */
    /* relative lookups */
    const vg_conf_node *eve = vg_conf_node_get(c, "outputs.eve-log");
    VG_CHECK_STR(vg_conf_node_child(eve, "types.alert.payload")->value, "yes");
    vg_conf_free(c);
}

static void later_documents_merge_and_replace(void)
{
    vg_conf *c = vg_conf_new();
    char err[VG_ERRBUF_SIZE] = "";
    VG_CHECK_EQ(vg_conf_load_string(c, suri_yaml, "default", err), VG_OK);
    VG_CHECK_EQ(vg_conf_load_string(c,
                                    "stream:\n  memcap: 1gb\n"
                                    "outputs:\n  - eve-log:\n      filename: other.json\n",
                                    "user.yaml", err),
                VG_OK);
    VG_CHECK_EQ(vg_conf_get_size(c, "stream.memcap", 0), 1ull << 30);
    VG_CHECK_STR(vg_conf_get(c, "stream.reassembly.depth"), "1mb"); /* merged, kept */
    VG_CHECK_STR(vg_conf_get(c, "outputs.0.eve-log.filename"), "other.json");
    VG_CHECK(vg_conf_get(c, "outputs.1") == NULL && vg_conf_node_get(c, "outputs.1") == NULL);
    VG_CHECK(vg_conf_node_get(c, "outputs.fast") == NULL); /* list replaced */
    vg_conf_free(c);
}

static void set_overrides_and_creates(void)
{
    vg_conf *c = vg_conf_new();
    char err[VG_ERRBUF_SIZE] = "";
    VG_CHECK_EQ(vg_conf_load_string(c, suri_yaml, "s.yaml", err), VG_OK);
    VG_CHECK_EQ(vg_conf_set_kv(c, "outputs.1.eve-log.enabled=no", err), VG_OK);
    VG_CHECK(!vg_conf_get_bool(c, "outputs.eve-log.enabled", true));
    VG_CHECK_EQ(vg_conf_set_kv(c, "stream.midstream = true", err), VG_OK);
    VG_CHECK(vg_conf_get_bool(c, "stream.midstream", false));
    VG_CHECK_EQ(vg_conf_set_kv(c, "new.deep.key=v=w", err), VG_OK);
    VG_CHECK_STR(vg_conf_get(c, "new.deep.key"), "v=w");
    /* a new one-key item in a sequence, reachable by key */
    VG_CHECK_EQ(vg_conf_set_kv(c, "outputs.stats.enabled=yes", err), VG_OK);
    VG_CHECK_STR(vg_conf_get(c, "outputs.2.stats.enabled"), "yes");
    /* a scalar turned into a mapping */
    VG_CHECK_EQ(vg_conf_set_kv(c, "flow.hash-size.sub=1", err), VG_OK);
    VG_CHECK_STR(vg_conf_get(c, "flow.hash-size.sub"), "1");
    VG_CHECK_EQ(vg_conf_set_kv(c, "noequals", err), VG_EINVAL);
    VG_CHECK(strstr(err, "noequals") != NULL);
    VG_CHECK_EQ(vg_conf_set_kv(c, "a..b=1", err), VG_EINVAL);
    VG_CHECK_EQ(vg_conf_set_kv(c, "=1", err), VG_EINVAL);
    /* set on an empty tree */
    vg_conf *e = vg_conf_new();
    VG_CHECK_EQ(vg_conf_set(e, "x", "1"), VG_OK);
    VG_CHECK_EQ(vg_conf_get_int(e, "x", 0), 1);
    vg_conf_free(e);
    vg_conf_free(c);
}

static void typed_getters(void)
{
    bool b = false;
    const char *yes[] = {"yes", "YES", "true", "on", "1"};
    const char *no[] = {"no", "False", "off", "0"};
    for (size_t i = 0; i < VG_ARRAY_LEN(yes); i++) {
        b = false;
        VG_CHECK_EQ(vg_conf_parse_bool(yes[i], &b), VG_OK);
        VG_CHECK(b);
    }
    for (size_t i = 0; i < VG_ARRAY_LEN(no); i++) {
        b = true;
        VG_CHECK_EQ(vg_conf_parse_bool(no[i], &b), VG_OK);
        VG_CHECK(!b);
    }
    VG_CHECK_EQ(vg_conf_parse_bool("maybe", &b), VG_EINVAL);
    VG_CHECK_EQ(vg_conf_parse_bool(NULL, &b), VG_EINVAL);
    int64_t i = 0;
    VG_CHECK_EQ(vg_conf_parse_int("-42", &i), VG_OK);
    VG_CHECK_EQ(i, -42);
    VG_CHECK_EQ(vg_conf_parse_int("12x", &i), VG_EINVAL);
    VG_CHECK_EQ(vg_conf_parse_int("", &i), VG_EINVAL);
    VG_CHECK_EQ(vg_conf_parse_int("99999999999999999999999", &i), VG_ELIMIT);
    uint64_t s = 0;
    VG_CHECK_EQ(vg_conf_parse_size("32kb", &s), VG_OK);
    VG_CHECK_EQ(s, 32768);
    VG_CHECK_EQ(vg_conf_parse_size("64MB", &s), VG_OK);
    VG_CHECK_EQ(s, 64ull << 20);
    VG_CHECK_EQ(vg_conf_parse_size("1gb", &s), VG_OK);
    VG_CHECK_EQ(s, 1ull << 30);
    VG_CHECK_EQ(vg_conf_parse_size("1.5mb", &s), VG_OK);
    VG_CHECK_EQ(s, 3ull << 19);
    VG_CHECK_EQ(vg_conf_parse_size("2048", &s), VG_OK);
    VG_CHECK_EQ(s, 2048);
    VG_CHECK_EQ(vg_conf_parse_size("10 kib", &s), VG_OK);
    VG_CHECK_EQ(s, 10240);
    VG_CHECK_EQ(vg_conf_parse_size("mb", &s), VG_EINVAL);
    VG_CHECK_EQ(vg_conf_parse_size("5 parsecs", &s), VG_EINVAL);
    VG_CHECK_EQ(vg_conf_parse_size("-1", &s), VG_EINVAL);
    vg_conf *c = vg_conf_new();
    VG_CHECK_EQ(vg_conf_set(c, "a", "nonsense"), VG_OK);
    VG_CHECK_EQ(vg_conf_get_size(c, "a", 7), 7);
    VG_CHECK_EQ(vg_conf_get_bool(c, "a", true), true);
    VG_CHECK_STR(vg_conf_get_str(c, "b", "dflt"), "dflt");
    vg_conf_free(c);
}

static void errors_name_file_and_line(void)
{
    vg_conf *c = vg_conf_new();
    char err[VG_ERRBUF_SIZE] = "";
    VG_CHECK(vg_conf_load_string(c, "a: 1\nb:\n  - x\n  y: 2\n", "bad.yaml", err) < 0);
    VG_CHECK(strncmp(err, "bad.yaml:", 9) == 0);
    VG_CHECK(strstr(err, "bad.yaml:4") != NULL);
    VG_CHECK(vg_conf_load_string(c, "- a\n- b\n", "list.yaml", err) == VG_EINVAL);
    VG_CHECK(strstr(err, "list.yaml:1") && strstr(err, "mapping"));
    VG_CHECK(vg_conf_load_string(c, "a: &x 1\nb: *x\n", "alias.yaml", err) == VG_ENOTSUP);
    VG_CHECK(strstr(err, "alias.yaml:2") != NULL);
    VG_CHECK(vg_conf_load_file(c, "/nonexistent/vigil.yaml", err) == VG_ENOENT);
    VG_CHECK(strstr(err, "/nonexistent/vigil.yaml") != NULL);
    VG_CHECK(vg_conf_load_file(c, "/", err) == VG_EINVAL);
    /* an empty document is fine */
    VG_CHECK_EQ(vg_conf_load_string(c, "", "empty", err), VG_OK);
    VG_CHECK_EQ(vg_conf_load_string(c, "%YAML 1.1\n---\n", "empty2", err), VG_OK);
    vg_conf_free(c);
}

static void deep_nesting_is_capped(void)
{
    char buf[4096];
    size_t n = 0;
    for (int i = 0; i < 200; i++)
        buf[n++] = '[';
    for (int i = 0; i < 200; i++)
        buf[n++] = ']';
    buf[n] = '\0';
    char doc[4200];
    snprintf(doc, sizeof doc, "a: %s\n", buf);
    vg_conf *c = vg_conf_new();
    char err[VG_ERRBUF_SIZE] = "";
    VG_CHECK_EQ(vg_conf_load_string(c, doc, "deep", err), VG_ELIMIT);
    VG_CHECK(strstr(err, "deep:1") != NULL);
    vg_conf_free(c);
}

static void write_file(const char *path, const char *text)
{
    FILE *fp = fopen(path, "w");
    VG_CHECK(fp != NULL);
    if (fp) {
        fputs(text, fp);
        fclose(fp);
    }
}

static void include_relative_to_including_file(void)
{
    char dir[] = "/tmp/vg_conf_XXXXXX";
    VG_CHECK(mkdtemp(dir) != NULL);
    char sub[256], main_path[256], inc1[256], inc2[256], loop[256];
    snprintf(sub, sizeof sub, "%s/sub", dir);
    VG_CHECK(mkdir(sub, 0700) == 0);
    snprintf(main_path, sizeof main_path, "%s/main.yaml", dir);
    snprintf(inc1, sizeof inc1, "%s/sub/base.yaml", dir);
    snprintf(inc2, sizeof inc2, "%s/sub/more.yaml", dir);
    snprintf(loop, sizeof loop, "%s/loop.yaml", dir);
    write_file(main_path, "%YAML 1.1\n---\ninclude: sub/base.yaml\nstream:\n  memcap: 2mb\n"
                          "detect: !include sub/more.yaml\n");
    /* base.yaml includes more.yaml relative to its own folder */
    write_file(inc1, "stream:\n  memcap: 1mb\n  depth: 5\ninclude:\n  - more.yaml\n");
    write_file(inc2, "profile: high\n");
    write_file(loop, "include: loop.yaml\n");
    vg_conf *c = vg_conf_new();
    char err[VG_ERRBUF_SIZE] = "";
    VG_CHECK_EQ(vg_conf_load_file(c, main_path, err), VG_OK);
    VG_CHECK_EQ(vg_conf_get_size(c, "stream.memcap", 0), 2u << 20); /* later key wins */
    VG_CHECK_EQ(vg_conf_get_int(c, "stream.depth", 0), 5);
    VG_CHECK_STR(vg_conf_get(c, "profile"), "high");
    VG_CHECK_STR(vg_conf_get(c, "detect.profile"), "high");
    const vg_conf_node *d = vg_conf_node_get(c, "stream.depth");
    VG_CHECK(d && strstr(d->file, "sub/base.yaml") && d->line == 3);
    VG_CHECK_EQ(vg_conf_load_file(c, loop, err), VG_ELIMIT);
    VG_CHECK(strstr(err, "loop.yaml:1") != NULL);
    VG_CHECK(vg_conf_load_string(c, "include: missing.yaml\n", main_path, err) == VG_ENOENT);
    VG_CHECK(strstr(err, "main.yaml:1: include:") != NULL);
    vg_conf_free(c);
    unlink(main_path);
    unlink(inc1);
    unlink(inc2);
    unlink(loop);
    rmdir(sub);
    rmdir(dir);
}

static void dump_lists_every_scalar(void)
{
    vg_conf *c = vg_conf_new();
    char err[VG_ERRBUF_SIZE];
    VG_CHECK_EQ(vg_conf_load_string(c, "a:\n  b: 1\n  l: [x, {k: v}]\ne: []\n", "d.yaml", err), VG_OK);
    char *buf = NULL;
    size_t len = 0;
    FILE *fp = open_memstream(&buf, &len);
    vg_conf_dump(c, fp);
    fclose(fp);
    VG_CHECK_STR(buf, "a.b = 1  # d.yaml:2\na.l.0 = x  # d.yaml:3\na.l.1.k = v  # d.yaml:3\n"
                      "e = []\n");
    free(buf);
    vg_conf_free(c);
}

static const vg_test tests[] = {
    {"dump_lists_every_scalar", dump_lists_every_scalar},
    {"loads_suricata_shape", loads_suricata_shape},
    {"later_documents_merge_and_replace", later_documents_merge_and_replace},
    {"set_overrides_and_creates", set_overrides_and_creates},
    {"typed_getters", typed_getters},
    {"errors_name_file_and_line", errors_name_file_and_line},
    {"deep_nesting_is_capped", deep_nesting_is_capped},
    {"include_relative_to_including_file", include_relative_to_including_file},
    {NULL, NULL},
};

VG_TEST_MAIN(tests)
