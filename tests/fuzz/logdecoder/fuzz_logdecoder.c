/* fuzz_logdecoder.c: log lines (the input split on newlines, one session)
 * through vigil's default ruleset and a small Wazuh-style ruleset with
 * OS_Regex, OS_Match, PCRE2 and JSON decoders: no crash, bounded output. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/jbuf.h"
#include "host/host.h"
#include "host/ruleset.h"

static const char *DEC =
    "<decoder name=\"t\"><program_name>^t$</program_name></decoder>"
    "<decoder name=\"t1\"><parent>t</parent><prematch>^x </prematch>"
    "<regex offset=\"after_prematch\">(\\S+) (\\d+) (\\w*) (\\.+)$</regex><order>srcip,id,user,data</order></decoder>"
    "<decoder name=\"t2\"><parent>t</parent><regex type=\"pcre2\">k=(\\S*)</regex><order>url</order></decoder>"
    "<decoder name=\"j\"><prematch>^{</prematch><plugin_decoder>JSON_Decoder</plugin_decoder></decoder>";
static const char *RULES =
    "<group name=\"g\"><rule id=\"10\" level=\"0\"><decoded_as>t</decoded_as></rule>"
    "<rule id=\"11\" level=\"5\"><if_sid>10</if_sid><regex>\\d+\\s*\\p</regex><description>$(url) $(user)</description></rule>"
    "<rule id=\"12\" level=\"9\" frequency=\"3\" timeframe=\"60\"><if_matched_sid>11</if_matched_sid><same_source_ip/></rule>"
    "<rule id=\"20\" level=\"3\"><decoded_as>j</decoded_as><field name=\"a.b\">\\w</field></rule></group>";

static vg_hruleset *dflt, *mini;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    char eb[VG_ERRBUF_SIZE];
    if (vg_host_load_ruleset(&dflt, NULL, eb) < 0)
        dflt = NULL;
    if (vg_hruleset_new(&mini) == VG_OK) {
        vg_hruleset_set_warn(mini, NULL, NULL);
        if (vg_hruleset_load_decoders_mem(mini, "d", DEC, strlen(DEC), eb) < 0 ||
            vg_hruleset_load_rules_mem(mini, "r", RULES, strlen(RULES), eb) < 0 ||
            vg_hruleset_finish(mini, eb) < 0) {
            vg_hruleset_free(mini);
            mini = NULL;
        }
    }
    return 0;
}

static void run(vg_hruleset *rs, const uint8_t *data, size_t size)
{
    vg_hsession *s;
    if (!rs || vg_hsession_new(&s, rs) < 0)
        return;
    vg_jb jb;
    vg_jb_init(&jb);
    const char *p = (const char *)data, *end = p + size;
    double t = 1000;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
        const vg_hevent *e = vg_hsession_process(s, p, len, "fuzz", t += 1);
        vg_jb_reset(&jb);
        vg_jb_open_obj(&jb, NULL);
        vg_hevent_to_json(e, &jb);
        vg_jb_close_obj(&jb);
        p = nl ? nl + 1 : end;
    }
    vg_jb_free(&jb);
    vg_hsession_free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!dflt && !mini)
        LLVMFuzzerInitialize(NULL, NULL);
    run(dflt, data, size);
    run(mini, data, size);
    return 0;
}
