/*
 * cmd_forward.c: `vigil forward`: follow an EVE file and deliver its events
 * to vigil server through the on-disk spool (see src/core/forward.h).
 *
 *   vigil forward --eve FILE --server URL --state DIR [--token-file F] [--sensor NAME] [--once]
 *   vigil forward ... --respond [--nft-dry-run FILE] [--allow-net CIDR]... [--respond-interval S]
 *   vigil forward --enroll https://HOST:PORT TOKEN.FINGERPRINT --state DIR [...]
 *   vigil forward --state DIR --server URL --renew [...]
 *
 * Enrolled (client.crt in --state), it renews its certificate through the
 * server (POST /api/v1/enroll/renew, authenticated by the current one) when
 * less than a third of its lifetime is left, checked at start and every
 * --renew-check seconds.
 *
 * With --respond it also enforces the server's blocks on this host with nft
 * (src/server/response.h); --eve may then be omitted (respond only).
 *
 * The token is read from --token-file or $VIGIL_TOKEN, never from the
 * command line (where other users could read it in the process list).
 */
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <netdb.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/commands.h"
#include "core/forward.h"
#include "core/log.h"
#include "server/pki.h"
#include "server/response.h"

static volatile int stop;

static void on_signal(int sig)
{
    (void)sig;
    stop = 1;
}

static void usage(FILE *fp)
{
    fprintf(fp,
            "usage: vigil forward --eve FILE --server URL --state DIR [--token-file F]\n"
            "                     [--sensor NAME] [--spool-max BYTES] [--batch N] [--once]\n"
            "  Follows FILE, spools each event on disk (DIR/spool.db) and posts it to\n"
            "  URL/api/v1/events; an event leaves the spool only after the server stored it.\n"
            "       vigil forward --enroll https://HOST:PORT TOKEN.FINGERPRINT --state DIR\n"
            "                     [--eve FILE ...]\n"
            "  The API token comes from --token-file or $VIGIL_TOKEN; after --enroll the\n"
            "  client certificate in DIR (client.crt, client.key, ca.crt) is used instead.\n"
            "  --renew            renew the client certificate now (then forward, if --eve)\n"
            "  --renew-check S    seconds between checks of the certificate's lifetime\n"
            "                     (default 600); it is renewed with a third of it left\n"
            "  --respond          also apply the server's blocks on this host with nft\n"
            "  --nft-dry-run FILE record the nft commands in FILE instead of running them\n"
            "  --allow-net CIDR   never block this network here (repeatable; 127.0.0.0/8,\n"
            "                     ::1 and the server's address always are)\n"
            "  --respond-interval S  seconds between polls for blocks (default 5)\n");
}

/* The server's own addresses join the agent's allow-list. */
static int allow_server(vg_allowlist *al, const char *url, char *err)
{
    const char *h = strstr(url, "://");
    h = h ? h + 3 : url;
    char host[256];
    size_t n = 0;
    if (*h == '[') {
        h++;
        while (h[n] && h[n] != ']' && n < sizeof host - 1)
            n++;
    } else {
        while (h[n] && h[n] != ':' && h[n] != '/' && n < sizeof host - 1)
            n++;
    }
    memcpy(host, h, n);
    host[n] = '\0';
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *res = NULL;
    if (getaddrinfo(host, NULL, &hints, &res) != 0)
        return vg_err(err, VG_EINVAL, "cannot resolve the server address %s", host);
    int rc = VG_OK;
    for (struct addrinfo *ai = res; ai && rc == VG_OK; ai = ai->ai_next) {
        char ip[64];
        if (getnameinfo(ai->ai_addr, ai->ai_addrlen, ip, sizeof ip, NULL, 0, NI_NUMERICHOST) == 0)
            rc = vg_allow_add(al, ip, err);
    }
    freeaddrinfo(res);
    return rc;
}

typedef struct respond_thread {
    vg_respond_opts o;
    vg_respond_stats st;
    int rc;
    char err[VG_ERRBUF_SIZE];
} respond_thread;

static void *respond_main(void *arg)
{
    respond_thread *t = arg;
    t->rc = vg_respond_run(&t->o, (volatile int *)&stop, &t->st, t->err);
    if (t->rc != VG_OK)
        stop = 1;
    return NULL;
}

/* --- enrolment: a one-time token for a client certificate ------------ */

typedef struct rbuf {
    char *p;
    size_t n;
} rbuf;

static size_t rbuf_add(char *p, size_t s, size_t n, void *u)
{
    rbuf *b = u;
    size_t k = s * n;
    if (b->n + k > 256 * 1024)
        return 0; /* an enrolment answer is a few KiB */
    char *q = realloc(b->p, b->n + k + 1);
    if (!q)
        return 0;
    memcpy(q + b->n, p, k);
    b->p = q;
    b->n += k;
    b->p[b->n] = '\0';
    return k;
}

/* GET (body NULL) or POST JSON; ca NULL: no verification (the answer is
 * checked against the pinned fingerprint instead); cert and key (may be
 * NULL): the client certificate to present.  Returns the parsed JSON object
 * of a 200 answer. */
static json_t *enroll_call(const char *url, const char *body, const char *ca, const char *cert,
                           const char *key, char *err)
{
    CURL *c = curl_easy_init();
    if (!c) {
        vg_err(err, VG_ENOMEM, "curl init failed");
        return NULL;
    }
    rbuf b = {0};
    struct curl_slist *h = curl_slist_append(NULL, "Content-Type: application/json");
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, rbuf_add);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 30L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "https");
    if (ca) {
        curl_easy_setopt(c, CURLOPT_CAINFO, ca);
        curl_easy_setopt(c, CURLOPT_CAPATH, NULL);
        /* Only the pinned CA is trusted; it signs one serverAuth
         * certificate, the server's, whatever address we reach it by. */
        curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
    } else {
        curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
        curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
    }
    if (cert && key) {
        curl_easy_setopt(c, CURLOPT_SSLCERT, cert);
        curl_easy_setopt(c, CURLOPT_SSLKEY, key);
    }
    if (body) {
        curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
    }
    CURLcode cc = curl_easy_perform(c);
    long code = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    json_t *j = NULL;
    if (cc != CURLE_OK) {
        vg_err(err, VG_EIO, "%s: %s", url, curl_easy_strerror(cc));
    } else {
        json_error_t je;
        j = b.p ? json_loads(b.p, 0, &je) : NULL;
        if (code != 200 || !json_is_object(j)) {
            const char *e = json_string_value(json_object_get(j, "error"));
            vg_err(err, VG_EIO, "%s: HTTP %ld%s%s", url, code, e ? ": " : "", e ? e : "");
            json_decref(j);
            j = NULL;
        }
    }
    free(b.p);
    return j;
}

static int write_private(const char *dir, const char *name, const char *data, char *err)
{
    char path[4096], tmp[4200];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    size_t n = strlen(data);
    if (fd < 0 || write(fd, data, n) != (ssize_t)n || fsync(fd) != 0) {
        int e = errno;
        if (fd >= 0)
            close(fd);
        return vg_err(err, VG_EIO, "%s: %s", tmp, strerror(e));
    }
    close(fd);
    if (rename(tmp, path) != 0)
        return vg_err(err, VG_EIO, "%s: %s", path, strerror(errno));
    return VG_OK;
}

/* A new key (EC P-256) and its CSR, both PEM. */
static int make_csr(char **key_pem, char **csr_pem)
{
    EVP_PKEY *k = EVP_EC_gen("P-256");
    X509_REQ *r = X509_REQ_new();
    BIO *bk = BIO_new(BIO_s_mem()), *br = BIO_new(BIO_s_mem());
    bool ok = k && r && bk && br && X509_REQ_set_version(r, 0) && X509_REQ_set_pubkey(r, k) &&
              X509_NAME_add_entry_by_txt(X509_REQ_get_subject_name(r), "CN", MBSTRING_ASC,
                                         (const unsigned char *)"vigil sender", -1, -1, 0) &&
              X509_REQ_sign(r, k, EVP_sha256()) > 0 &&
              PEM_write_bio_PrivateKey(bk, k, NULL, NULL, 0, NULL, NULL) &&
              PEM_write_bio_X509_REQ(br, r);
    *key_pem = *csr_pem = NULL;
    if (ok) {
        char *p;
        long n = BIO_get_mem_data(bk, &p);
        *key_pem = strndup(p, (size_t)n);
        n = BIO_get_mem_data(br, &p);
        *csr_pem = strndup(p, (size_t)n);
    }
    BIO_free(bk);
    BIO_free(br);
    X509_REQ_free(r);
    EVP_PKEY_free(k);
    return *key_pem && *csr_pem ? VG_OK : VG_EIO;
}

static int enroll(const char *url, const char *token_fp, const char *dir, char *err)
{
    const char *dot = strchr(token_fp, '.');
    if (!dot || dot - token_fp != 64 || strlen(dot + 1) != 64)
        return vg_err(err, VG_EINVAL, "--enroll: the token must be TOKEN.CA_FINGERPRINT as "
                      "`vigil server enroll` prints it");
    if (strncasecmp(url, "https://", 8) != 0)
        return vg_err(err, VG_EINVAL, "--enroll %s: an https:// URL is required", url);
    if (mkdir(dir, 0700) != 0 && errno != EEXIST)
        return vg_err(err, VG_EIO, "%s: %s", dir, strerror(errno));
    char token[65], u[2048], ca_path[4096];
    memcpy(token, token_fp, 64);
    token[64] = '\0';
    /* 1. The CA, checked against the pinned fingerprint. */
    snprintf(u, sizeof u, "%s/api/v1/enroll/ca", url);
    json_t *j = enroll_call(u, NULL, NULL, NULL, NULL, err);
    if (!j)
        return VG_EIO;
    const char *ca = json_string_value(json_object_get(j, "ca"));
    char fp[65];
    int rc = VG_OK;
    if (!ca || vg_pki_fingerprint(ca, strlen(ca), fp) != VG_OK || strcasecmp(fp, dot + 1) != 0)
        rc = vg_err(err, VG_EINVAL, "the server's CA does not match the token's fingerprint: "
                    "refusing to enrol");
    if (rc == VG_OK)
        rc = write_private(dir, "ca.crt", ca, err);
    json_decref(j);
    if (rc != VG_OK)
        return rc;
    /* 2. A key of our own and its certificate, over HTTPS verified by that CA. */
    snprintf(ca_path, sizeof ca_path, "%s/ca.crt", dir);
    char *key = NULL, *csr = NULL;
    if (make_csr(&key, &csr) != VG_OK) {
        free(key);
        free(csr);
        return vg_err(err, VG_EIO, "cannot create a key");
    }
    json_t *req = json_pack("{ss ss}", "token", token, "csr", csr);
    char *body = req ? json_dumps(req, JSON_COMPACT) : NULL;
    json_decref(req);
    snprintf(u, sizeof u, "%s/api/v1/enroll", url);
    j = body ? enroll_call(u, body, ca_path, NULL, NULL, err) : NULL;
    free(body);
    free(csr);
    const char *cert = json_string_value(json_object_get(j, "cert"));
    if (!j)
        rc = VG_EIO;
    else if (!cert)
        rc = vg_err(err, VG_EIO, "enrolment answer without a certificate");
    if (rc == VG_OK)
        rc = write_private(dir, "client.key", key, err);
    if (rc == VG_OK)
        rc = write_private(dir, "client.crt", cert, err);
    if (rc == VG_OK)
        printf("vigil forward: enrolled as %s; certificate in %s/client.crt\n",
               json_string_value(json_object_get(j, "name")), dir);
    OPENSSL_cleanse(key, strlen(key));
    free(key);
    json_decref(j);
    return rc;
}

/* --- renewal: a new key and certificate before the current one expires -- */

/* A renewal writes client.key.new then client.crt.new, then renames them
 * over client.key and client.crt.  After a crash in between: a complete
 * pair (the .crt.new exists) is finished, a lone key dropped, so the
 * certificate and key in use always match. */
static void renew_repair(const char *dir)
{
    char k[4096], kn[4200], c[4096], cn[4200];
    snprintf(k, sizeof k, "%s/client.key", dir);
    snprintf(kn, sizeof kn, "%s.new", k);
    snprintf(c, sizeof c, "%s/client.crt", dir);
    snprintf(cn, sizeof cn, "%s.new", c);
    if (access(cn, F_OK) == 0) {
        if (access(kn, F_OK) == 0 && rename(kn, k) != 0)
            vg_warn("forward: %s: %s", kn, strerror(errno));
        if (rename(cn, c) != 0)
            vg_warn("forward: %s: %s", cn, strerror(errno));
    } else if (access(kn, F_OK) == 0) {
        unlink(kn);
    }
}

typedef struct renewer {
    const char *dir, *url;
    bool force;               /* renew now, whatever is left */
} renewer;

static char *slurp(const char *path)
{
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return NULL;
    char *b = malloc(65537);
    size_t n = b ? fread(b, 1, 65536, fp) : 0;
    fclose(fp);
    if (b)
        b[n] = '\0';
    return b;
}

/* The hook of vg_forward_opts (and `--renew`): 1 renewed, 0 not due, < 0
 * failed (logged). */
static int renew_cert(void *arg)
{
    renewer *r = arg;
    char crt[4096], key[4096], ca[4096], u[2048], err[VG_ERRBUF_SIZE];
    snprintf(crt, sizeof crt, "%s/client.crt", r->dir);
    snprintf(key, sizeof key, "%s/client.key", r->dir);
    snprintf(ca, sizeof ca, "%s/ca.crt", r->dir);
    char *pem = slurp(crt);
    vg_pki_cert cur;
    if (!pem || vg_pki_cert_info(pem, strlen(pem), &cur) != VG_OK) {
        free(pem);
        vg_warn("forward: %s: no readable client certificate to renew", crt);
        return VG_EINVAL;
    }
    free(pem);
    int64_t now = (int64_t)time(NULL) * 1000000;
    int64_t life = cur.not_after_us - cur.not_before_us, left = cur.not_after_us - now;
    if (!r->force && left * 3 > life)
        return 0;
    char *nkey = NULL, *csr = NULL;
    if (make_csr(&nkey, &csr) != VG_OK) {
        free(nkey);
        free(csr);
        vg_warn("forward: renewal: cannot create a key");
        return VG_EIO;
    }
    json_t *req = json_pack("{ss}", "csr", csr);
    char *body = req ? json_dumps(req, JSON_COMPACT) : NULL;
    json_decref(req);
    free(csr);
    snprintf(u, sizeof u, "%s/api/v1/enroll/renew", r->url);
    json_t *j = body ? enroll_call(u, body, ca, crt, key, err) : NULL;
    free(body);
    const char *cert = json_string_value(json_object_get(j, "cert"));
    vg_pki_cert nw;
    int rc = VG_OK;
    if (!j)
        rc = VG_EIO;
    else if (!cert || vg_pki_cert_info(cert, strlen(cert), &nw) != VG_OK ||
             strcmp(nw.name, cur.name) != 0)
        rc = vg_err(err, VG_EIO, "renewal answer without a certificate for %s", cur.name);
    if (rc == VG_OK)
        rc = write_private(r->dir, "client.key.new", nkey, err);
    if (rc == VG_OK)
        rc = write_private(r->dir, "client.crt.new", cert, err);
    if (rc == VG_OK)
        renew_repair(r->dir);
    OPENSSL_cleanse(nkey, strlen(nkey));
    free(nkey);
    json_decref(j);
    if (rc != VG_OK) {
        vg_warn("forward: certificate renewal failed (the current one is kept): %s", err);
        return rc;
    }
    vg_info("forward: client certificate %s renewed: serial %s, expires in %lld s", cur.serial,
            nw.serial, (long long)((nw.not_after_us - now) / 1000000));
    return 1;
}

/* Respond-only agents (no --eve, so no uplink loop to call the hook):
 * the same renewal on a thread of its own. */
typedef struct renew_thread {
    renewer *r;
    double every;
} renew_thread;

static void *renew_main(void *arg)
{
    renew_thread *t = arg;
    while (!stop) {
        (void)renew_cert(t->r);
        for (double w = 0; w < t->every && !stop; w += 0.1)
            usleep(100 * 1000);
    }
    return NULL;
}

int vg_cmd_forward(int argc, char **argv)
{
    vg_forward_opts o = {0};
    const char *token_file = NULL, *enroll_url = NULL, *enroll_token = NULL;
    bool respond = false, renew_now = false;
    static vg_allowlist allow;
    vg_allow_init(&allow);
    respond_thread rt = {.o = {.allow = &allow}};
    char err[VG_ERRBUF_SIZE];
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--eve") == 0 && v) o.eve_path = argv[++i];
        else if (strcmp(a, "--server") == 0 && v) o.server_url = argv[++i];
        else if (strcmp(a, "--state") == 0 && v) o.state_dir = argv[++i];
        else if (strcmp(a, "--token-file") == 0 && v) token_file = argv[++i];
        else if (strcmp(a, "--sensor") == 0 && v) o.sensor = argv[++i];
        else if (strcmp(a, "--spool-max") == 0 && v) o.spool_max_bytes = strtoull(argv[++i], NULL, 10);
        else if (strcmp(a, "--batch") == 0 && v) o.batch = (unsigned)strtoul(argv[++i], NULL, 10);
        else if (strcmp(a, "--once") == 0) o.once = true;
        else if (strcmp(a, "--enroll") == 0 && v && i + 2 < argc) {
            enroll_url = argv[++i];
            enroll_token = argv[++i];
        }
        else if (strcmp(a, "--respond") == 0) respond = true;
        else if (strcmp(a, "--renew") == 0) renew_now = true;
        else if (strcmp(a, "--renew-check") == 0 && v) {
            o.renew_check_s = strtod(argv[++i], NULL);
            if (o.renew_check_s < 0.1 || o.renew_check_s > 86400) {
                fprintf(stderr, "vigil forward: --renew-check: 0.1-86400 seconds\n");
                return 2;
            }
        }
        else if (strcmp(a, "--nft-dry-run") == 0 && v) rt.o.dry_run_file = argv[++i];
        else if (strcmp(a, "--respond-interval") == 0 && v) rt.o.interval_s = strtod(argv[++i], NULL);
        else if (strcmp(a, "--allow-net") == 0 && v) {
            if (vg_allow_add(&allow, argv[++i], err) != VG_OK) {
                fprintf(stderr, "vigil forward: %s\n", err);
                return 2;
            }
        }
        else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            return 0;
        } else {
            fprintf(stderr, "vigil forward: unknown or incomplete option %s\n", a);
            usage(stderr);
            return 2;
        }
    }
    if (enroll_url) {
        if (!o.state_dir) {
            usage(stderr);
            return 2;
        }
        if (enroll(enroll_url, enroll_token, o.state_dir, err) != VG_OK) {
            fprintf(stderr, "vigil forward: enrolment failed: %s\n", err);
            return 1;
        }
        if (!o.eve_path && !respond)
            return 0;
        if (!o.server_url)
            o.server_url = enroll_url;
    }
    if (o.state_dir)
        renew_repair(o.state_dir);
    static renewer rn;
    if (renew_now) {
        if (!o.state_dir || !o.server_url) {
            fprintf(stderr, "vigil forward: --renew needs --state DIR and --server URL\n");
            return 2;
        }
        rn = (renewer){.dir = o.state_dir, .url = o.server_url, .force = true};
        if (renew_cert(&rn) != 1) {
            fprintf(stderr, "vigil forward: renewal failed\n");
            return 1;
        }
        printf("vigil forward: certificate renewed in %s/client.crt\n", o.state_dir);
        if (!o.eve_path && !respond)
            return 0;
    }
    if ((!o.eve_path && !respond) || !o.server_url || (o.eve_path && !o.state_dir)) {
        usage(stderr);
        return 2;
    }
    /* Enrolled: the client certificate instead of a token. */
    static char crt[4096], key[4096], ca[4096];
    if (o.state_dir) {
        snprintf(crt, sizeof crt, "%s/client.crt", o.state_dir);
        snprintf(key, sizeof key, "%s/client.key", o.state_dir);
        snprintf(ca, sizeof ca, "%s/ca.crt", o.state_dir);
        if (access(crt, R_OK) == 0 && access(key, R_OK) == 0 && access(ca, R_OK) == 0) {
            o.tls_cert = crt;
            o.tls_key = key;
            o.tls_ca = ca;
            /* Renew before expiry (a third of the lifetime left). */
            rn = (renewer){.dir = o.state_dir, .url = o.server_url, .force = false};
            o.renew = renew_cert;
            o.renew_arg = &rn;
        }
    }
    char token[256] = "";
    if (token_file) {
        FILE *fp = fopen(token_file, "r");
        if (!fp || !fgets(token, sizeof token, fp)) {
            fprintf(stderr, "vigil forward: cannot read token file %s\n", token_file);
            if (fp)
                fclose(fp);
            return 1;
        }
        fclose(fp);
        token[strcspn(token, "\r\n")] = '\0';
    } else if (getenv("VIGIL_TOKEN")) {
        snprintf(token, sizeof token, "%s", getenv("VIGIL_TOKEN"));
    }
    o.token = token;
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    pthread_t th;
    bool threaded = false;
    if (respond) {
        if (allow_server(&allow, o.server_url, err) != VG_OK) {
            fprintf(stderr, "vigil forward: %s\n", err);
            return 1;
        }
        rt.o.server_url = o.server_url;
        rt.o.token = token;
        rt.o.tls_cert = o.tls_cert;
        rt.o.tls_key = o.tls_key;
        rt.o.tls_ca = o.tls_ca;
        if (!o.eve_path) {
            pthread_t rth;
            renew_thread t = {&rn, o.renew_check_s > 0 ? o.renew_check_s : 600};
            bool renewing = o.renew && pthread_create(&rth, NULL, renew_main, &t) == 0;
            respond_main(&rt);
            stop = 1;
            if (renewing)
                pthread_join(rth, NULL);
        } else if (pthread_create(&th, NULL, respond_main, &rt) == 0) {
            threaded = true;
        } else {
            fprintf(stderr, "vigil forward: cannot start the responder\n");
            return 1;
        }
    }
    int rc = VG_OK;
    if (o.eve_path) {
        vg_forward_stats st;
        rc = vg_forward_run(&o, &stop, &st, err);
        fprintf(stderr, "vigil forward: %llu spooled, %llu sent, %llu waiting, %llu failed posts\n",
                (unsigned long long)st.lines_spooled, (unsigned long long)st.lines_sent,
                (unsigned long long)st.spool_lines, (unsigned long long)st.posts_failed);
        if (rc != VG_OK)
            fprintf(stderr, "vigil forward: %s\n", err);
        stop = 1;
    }
    if (threaded)
        pthread_join(th, NULL);
    if (respond) {
        fprintf(stderr, "vigil forward: blocks: %llu polls, %llu applied, %llu removed, %llu refused, "
                "%llu failed\n", (unsigned long long)rt.st.polls, (unsigned long long)rt.st.applied,
                (unsigned long long)rt.st.removed, (unsigned long long)rt.st.refused,
                (unsigned long long)rt.st.failed);
        if (rt.rc != VG_OK) {
            fprintf(stderr, "vigil forward: %s\n", rt.err);
            return 1;
        }
    }
    return rc == VG_OK ? 0 : 1;
}
