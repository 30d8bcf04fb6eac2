/*
 * webmon.h: integrity of the organisation's own websites (the sites an
 * operator lists; vigil watches nothing else).  Each run fetches a page with
 * libcurl, normalises it (comments dropped, whitespace collapsed, nonce and
 * CSRF token values blanked), hashes it, and compares it with the baseline
 * kept in a state directory: a changed title, known defacement phrases,
 * scripts or iframes from domains the baseline did not have, links hidden
 * with CSS (link spam), a large share of changed words, the certificate's
 * expiry, a change of the address the site answered from, and a change of
 * the set of addresses its name resolves to (A/AAAA), and a change of the
 * NS or MX records of its zone (dnsrec.h; a hijacked registrar account or
 * DNS panel).  The first run of a URL
 * records its baseline; `--web-rebaseline` replaces it after a legitimate
 * change.
 *
 * Limits: bodies over 5 MiB are cut (counted as a sign), 5 redirects, a
 * timeout per fetch; the analysis is linear in the body size.
 */
#ifndef VG_INSPECT_WEBMON_H
#define VG_INSPECT_WEBMON_H

#include <stddef.h>

#include "core/jbuf.h"
#include "core/vg.h"

#define VG_WEB_MAX_SIGNS 16

typedef struct vg_web_result {
    char url[1024];
    long status;             /* HTTP status, 0 when the fetch failed */
    char error[256];         /* fetch error */
    char sha256[65], baseline_sha256[65];
    char title[256], baseline_title[256];
    char ip[64], baseline_ip[64];
    char dns[512], baseline_dns[512]; /* the host's addresses, sorted, comma-separated */
    char zone[256];                   /* the host's zone (empty: not looked up or not found) */
    char ns[512], baseline_ns[512];   /* the zone's NS records, sorted, comma-separated */
    char mx[512], baseline_mx[512];   /* the zone's MX records ("10 mx.example.vn,...") */
    bool baseline_created;
    bool changed;            /* normalised content differs from the baseline */
    int change_pct;          /* share of words not in the baseline (0-100) */
    long cert_days;          /* days until the certificate expires; -1 unknown */
    const char *signs[VG_WEB_MAX_SIGNS];  /* defacement signs (static strings) */
    char detail[VG_WEB_MAX_SIGNS][160];
    int nsigns;
} vg_web_result;

typedef struct vg_web_opts {
    const char *state_dir;   /* baselines, one JSON file per URL */
    int timeout_s;           /* default 15 */
    bool rebaseline;
    int change_alert_pct;    /* default 40 */
    int cert_warn_days;      /* default 14 */
    const char *dns_server;  /* NS/MX lookups: "IP[:PORT]"; NULL = /etc/resolv.conf */
} vg_web_opts;

int vg_web_check(const vg_web_opts *o, const char *url, vg_web_result *r, char *errbuf) VG_WARN_UNUSED;
void vg_web_json(vg_jb *jb, const vg_web_result *r);

/* The analysis on its own (tests, fuzzing): signs of `body` against a
 * baseline body (NULL = none). */
void vg_web_analyse(const char *body, size_t len, const char *baseline, size_t blen, vg_web_result *r);

#endif
