/*
 * cmd_appraise.c: `vigil appraise DOSSIER.yaml [--level N] [--json FILE]
 * [--html FILE]`: the owner's self-assessment of a design dossier against
 * the requirements of its security level (see docs/inspect.md).
 * Exit status: 0 every requirement met, 4 some missing or needing
 * evidence, 1 a malformed dossier, 2 usage.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "core/jbuf.h"
#include "inspect/appraise.h"

static void usage(FILE *fp)
{
    fprintf(fp, "usage: vigil appraise DOSSIER.yaml [--level N] [--json FILE] [--html FILE] [-q]\n"
                "\n"
                "  --level N    appraise against level N instead of the dossier's level (warns)\n"
                "  --json FILE  write the result as JSON (\"-\" for stdout)\n"
                "  --html FILE  write a standalone bilingual HTML report\n"
                "  -q           print only the summary\n"
                "The dossier format is described in docs/inspect.md; data/appraise/ has an example.\n");
}

int vg_cmd_appraise(int argc, char **argv)
{
    static const struct option opts[] = {{"level", required_argument, NULL, 'L'},
                                         {"json", required_argument, NULL, 'j'},
                                         {"html", required_argument, NULL, 'H'},
                                         {"quiet", no_argument, NULL, 'q'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    int level = 0, c;
    const char *json = NULL, *html = NULL;
    bool quiet = false;
    optind = 1;
    while ((c = getopt_long(argc, argv, "qh", opts, NULL)) != -1) {
        switch (c) {
        case 'L':
            level = atoi(optarg);
            if (level < 1 || level > 5) {
                fprintf(stderr, "vigil appraise: --level: expected 1 to 5, got '%s'\n", optarg);
                return 2;
            }
            break;
        case 'j': json = optarg; break;
        case 'H': html = optarg; break;
        case 'q': quiet = true; break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (optind != argc - 1) {
        usage(stderr);
        return 2;
    }
    char errbuf[VG_ERRBUF_SIZE];
    vg_appraisal *a;
    if (vg_appr_load(argv[optind], level, &a, errbuf) != VG_OK) {
        fprintf(stderr, "vigil appraise: %s\n", errbuf);
        return 1;
    }
    if (vg_appr_warning(a))
        fprintf(stderr, "vigil appraise: warning: %s\n", vg_appr_warning(a));
    size_t met, missing, ev;
    vg_appr_counts(a, &met, &missing, &ev);
    printf("Appraisal of %s (%s), level %d\n", vg_appr_system(a), vg_appr_owner(a), vg_appr_level(a));
    if (!quiet)
        for (size_t i = 0; i < vg_appr_count(a); i++) {
            const vg_appr_item *it = vg_appr_item_at(a, i);
            printf("  [%-14s] %-9s %s\n                   %s\n                   ref: %s\n",
                   vg_appr_status_name(it->status), it->id, it->title, it->detail, it->reference);
        }
    printf("Summary: %zu requirements at level %d: %zu met, %zu missing, %zu need evidence\n",
           vg_appr_count(a), vg_appr_level(a), met, missing, ev);
    int rc = (missing || ev) ? 4 : 0;
    if (json) {
        vg_jb jb;
        vg_jb_init(&jb);
        vg_appr_json(&jb, a);
        FILE *fp = strcmp(json, "-") == 0 ? stdout : fopen(json, "w");
        if (!fp || !vg_jb_ok(&jb)) {
            fprintf(stderr, "vigil appraise: cannot write %s\n", json);
            rc = 1;
        } else {
            fwrite(jb.buf, 1, jb.len, fp);
            fputc('\n', fp);
            if (fp != stdout)
                fclose(fp);
        }
        vg_jb_free(&jb);
    }
    if (html && vg_appr_html(a, html) != VG_OK) {
        fprintf(stderr, "vigil appraise: cannot write %s\n", html);
        rc = 1;
    }
    vg_appr_free(a);
    return rc;
}
