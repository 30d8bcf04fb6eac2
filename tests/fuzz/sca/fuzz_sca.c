/*
 * fuzz_sca.c: the SCA policy loader and rule expressions.  The first byte
 * selects the mode: even = a whole policy document (written to a private
 * temporary file, loaded, evaluated against an empty tree so that nothing on
 * the host is read or run); odd = one rule string evaluated against that
 * empty tree.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "inspect/sca.h"

static char root[64], policy[96];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    snprintf(root, sizeof root, "/tmp/vigil-fuzz-sca-%d", (int)getpid());
    mkdir(root, 0700);
    snprintf(policy, sizeof policy, "%s.yml", root);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > 65536)
        return 0;
    vg_sca_opts o = {.root = root, .cmd_timeout_ms = 100, .force_no_shell = true};
    if (data[0] & 1) {
        char *rule = malloc(size);
        memcpy(rule, data + 1, size - 1);
        rule[size - 1] = '\0';
        char reason[256];
        (void)vg_sca_eval_rule(rule, &o, reason, sizeof reason);
        free(rule);
        return 0;
    }
    FILE *fp = fopen(policy, "wb");
    if (!fp)
        return 0;
    fwrite(data + 1, 1, size - 1, fp);
    fclose(fp);
    vg_sca_policy *p;
    char errbuf[VG_ERRBUF_SIZE];
    if (vg_sca_load(policy, &o, &p, errbuf) == VG_OK) {
        (void)vg_sca_run(p);
        vg_sca_free(p);
    }
    unlink(policy);
    return 0;
}
