/* Unit tests: the website monitor never lets credentials in a URL reach its
 * result (events, reports), its baseline manifest or an error message. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "inspect/webmon.h"
#include "vg_test.h"

static void t_url_credentials(void)
{
    char dir[] = "/tmp/vg-webmon-XXXXXX";
    VG_CHECK(mkdtemp(dir) != NULL);
    vg_web_opts o = {.state_dir = dir, .timeout_s = 2};
    vg_web_result r;
    char e[VG_ERRBUF_SIZE] = "";
    /* port 9 on loopback: nothing listens, the fetch fails fast */
    int rc = vg_web_check(&o, "http://alice:s3cret@127.0.0.1:9/p?q=1", &r, e);
    VG_CHECK(rc < 0 || r.status == 0); /* nothing answered */
    VG_CHECK_STR(r.url, "http://127.0.0.1:9/p?q=1");
    VG_CHECK(!strstr(r.error, "s3cret") && !strstr(e, "s3cret"));
    vg_jb jb;
    vg_jb_init(&jb);
    vg_jb_open_obj(&jb, NULL);
    vg_web_json(&jb, &r);
    vg_jb_close_obj(&jb);
    VG_CHECK(vg_jb_ok(&jb) && !strstr(jb.buf, "s3cret") && !strstr(jb.buf, "alice"));
    vg_jb_free(&jb);
    /* refused scheme: the message names the URL without its userinfo */
    VG_CHECK_EQ(vg_web_check(&o, "ftp://bob:hunter2@example.org/", &r, e), VG_EINVAL);
    VG_CHECK(strstr(e, "ftp://example.org/") != NULL);
    VG_CHECK(!strstr(e, "hunter2"));
    /* an '@' after the host is not userinfo */
    VG_CHECK_EQ(vg_web_check(&o, "ftp://example.org/a@b", &r, e), VG_EINVAL);
    VG_CHECK_STR(r.url, "ftp://example.org/a@b");
    char cmd[64];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    VG_CHECK_EQ(system(cmd), 0);
}

static const vg_test tests[] = {{"url_credentials", t_url_credentials}, {NULL, NULL}};
VG_TEST_MAIN(tests)
