/* webmon.c: website integrity checks (see webmon.h). */
#include "inspect/webmon.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <jansson.h>
#include <limits.h>
#include <netdb.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#ifdef VG_HAVE_CURL
#include <curl/curl.h>
#endif

#include "inspect/dnsrec.h"
#include "inspect/ytree.h"

#define MAX_BODY (5u << 20)
#define MAX_DOMAINS 128

/* ------------------------------------------------------------------ */
/* analysis (pure, bounded)                                            */

static void add_sign(vg_web_result *r, const char *sign, const char *fmt, ...) VG_PRINTF(3, 4);
static void add_sign(vg_web_result *r, const char *sign, const char *fmt, ...)
{
    for (int i = 0; i < r->nsigns; i++)
        if (strcmp(r->signs[i], sign) == 0)
            return;
    if (r->nsigns >= VG_WEB_MAX_SIGNS)
        return;
    r->signs[r->nsigns] = sign;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->detail[r->nsigns], sizeof r->detail[0], fmt, ap);
    va_end(ap);
    r->nsigns++;
}

static const char *ci_find(const char *s, size_t n, const char *needle)
{
    size_t nl = strlen(needle);
    if (nl == 0 || nl > n)
        return NULL;
    for (size_t i = 0; i + nl <= n; i++)
        if (strncasecmp(s + i, needle, nl) == 0)
            return s + i;
    return NULL;
}

/* Normalise: drop comments, blank nonce and CSRF values, collapse whitespace. */
static char *normalise(const char *s, size_t n, size_t *outlen)
{
    char *o = malloc(n + 1);
    if (!o)
        return NULL;
    size_t k = 0;
    bool space = false;
    for (size_t i = 0; i < n;) {
        if (n - i >= 4 && memcmp(s + i, "<!--", 4) == 0) {
            const char *e = ci_find(s + i + 4, n - i - 4, "-->");
            i = e ? (size_t)(e - s) + 3 : n;
            continue;
        }
        if (n - i >= 7 && strncasecmp(s + i, "nonce=\"", 7) == 0) {
            memcpy(o + k, "nonce=\"", 7);
            k += 7;
            i += 7;
            while (i < n && s[i] != '"')
                i++;
            continue;
        }
        unsigned char c = (unsigned char)s[i];
        if (c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f') {
            if (!space && k)
                o[k++] = ' ';
            space = true;
            i++;
            continue;
        }
        space = false;
        o[k++] = (char)c;
        i++;
    }
    /* CSRF tokens: blank value="..." inside <input ...> tags naming a token */
    o[k] = '\0';
    for (char *p = o; (p = strstr(p, "<input")); p++) {
        char *end = strchr(p, '>');
        if (!end)
            break;
        size_t tl = (size_t)(end - p);
        if (!ci_find(p, tl, "csrf") && !ci_find(p, tl, "_token") && !ci_find(p, tl, "__requestverificationtoken"))
            continue;
        char *v = (char *)ci_find(p, tl, "value=\"");
        if (!v)
            continue;
        char *q = v + 7, *w = q;
        while (w < end && *w != '"')
            w++;
        memmove(q, w, strlen(w) + 1);
        k -= (size_t)(w - q);
    }
    *outlen = k;
    return o;
}

static void title_of(const char *s, size_t n, char *out, size_t on)
{
    out[0] = '\0';
    const char *t = ci_find(s, n, "<title");
    if (!t)
        return;
    const char *gt = memchr(t, '>', n - (size_t)(t - s));
    if (!gt)
        return;
    const char *end = ci_find(gt + 1, n - (size_t)(gt + 1 - s), "</title");
    if (!end)
        return;
    size_t k = 0;
    bool sp = true;
    for (const char *p = gt + 1; p < end && k + 1 < on; p++) {
        if (isspace((unsigned char)*p)) {
            if (!sp)
                out[k++] = ' ';
            sp = true;
        } else {
            out[k++] = *p;
            sp = false;
        }
    }
    while (k && out[k - 1] == ' ')
        k--;
    out[k] = '\0';
}

struct domains {
    char d[MAX_DOMAINS][128];
    int n;
};

/* Hosts of src= in <script>/<iframe> tags that are absolute URLs. */
static void domains_of(const char *s, size_t n, const char *tag, struct domains *out)
{
    out->n = 0;
    size_t tl = strlen(tag);
    for (size_t i = 0; i + tl < n && out->n < MAX_DOMAINS; i++) {
        if (s[i] != '<' || strncasecmp(s + i + 1, tag, tl) != 0)
            continue;
        const char *gt = memchr(s + i, '>', n - i);
        if (!gt)
            break;
        const char *src = ci_find(s + i, (size_t)(gt - (s + i)), "src=");
        if (!src)
            continue;
        src += 4;
        if (*src == '"' || *src == '\'')
            src++;
        const char *h = NULL;
        if (strncasecmp(src, "http://", 7) == 0)
            h = src + 7;
        else if (strncasecmp(src, "https://", 8) == 0)
            h = src + 8;
        else if (strncmp(src, "//", 2) == 0)
            h = src + 2;
        if (!h)
            continue;
        size_t hl = 0;
        while (h + hl < gt && hl < 127 && h[hl] != '/' && h[hl] != '"' && h[hl] != '\'' && h[hl] != ':' &&
               h[hl] != ' ' && h[hl] != '?')
            hl++;
        char host[128];
        for (size_t j = 0; j < hl; j++)
            host[j] = (char)tolower((unsigned char)h[j]);
        host[hl] = '\0';
        bool dup = false;
        for (int j = 0; j < out->n; j++)
            dup |= strcmp(out->d[j], host) == 0;
        if (!dup && hl)
            snprintf(out->d[out->n++], sizeof out->d[0], "%s", host);
    }
}

/* Links inside elements hidden by inline CSS. */
static int hidden_links(const char *s, size_t n)
{
    static const char *const hide[] = {"display:none", "display: none", "visibility:hidden",
                                       "visibility: hidden", "font-size:0", "font-size: 0",
                                       "left:-9999", "left: -9999", "height:0;overflow:hidden", NULL};
    int count = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] != '<' || i + 1 >= n || s[i + 1] == '/' || s[i + 1] == 'a' || s[i + 1] == 'A')
            continue;
        const char *gt = memchr(s + i, '>', VG_MIN(n - i, (size_t)2048));
        if (!gt)
            continue;
        size_t tl = (size_t)(gt - (s + i));
        const char *st = ci_find(s + i, tl, "style=");
        if (!st)
            continue;
        bool hidden = false;
        for (int h = 0; hide[h] && !hidden; h++)
            hidden = ci_find(st, (size_t)(gt - st), hide[h]) != NULL;
        if (!hidden)
            continue;
        /* links before the element closes (bounded look-ahead) */
        size_t from = (size_t)(gt - s) + 1, lim = VG_MIN(n, from + 4096);
        const char *close = ci_find(s + from, lim - from, "</div");
        const char *close2 = ci_find(s + from, lim - from, "</span");
        if (close2 && (!close || close2 < close))
            close = close2;
        size_t stop = close ? (size_t)(close - s) : lim;
        for (size_t j = from; j + 7 < stop; j++)
            if (strncasecmp(s + j, "<a href", 7) == 0)
                count++;
        i = stop;
    }
    return count;
}

static const char *const phrases[] = {"hacked by", "defaced by", "h4ck3d", "hacked!!", "owned by",
                                      "greetz", "security is an illusion", "was here", "pwned by",
                                      "bị hack", "đã bị tấn công", NULL};

/* Words as 64-bit hashes in a small open-addressing set. */
struct wset {
    uint64_t *t;
    size_t cap, n;
};

static uint64_t fnv(const char *s, size_t n)
{
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)tolower((unsigned char)s[i])) * 1099511628211ULL;
    return h ? h : 1;
}

static bool wset_add(struct wset *w, uint64_t h)
{
    if ((w->n + 1) * 2 > w->cap) {
        size_t nc = w->cap ? w->cap * 2 : 1024;
        if (nc > (1u << 22))
            return false; /* cap: the ratio uses what fits */
        uint64_t *nt = calloc(nc, sizeof(uint64_t));
        if (!nt)
            return false;
        for (size_t i = 0; i < w->cap; i++)
            if (w->t[i]) {
                size_t j = w->t[i] & (nc - 1);
                while (nt[j])
                    j = (j + 1) & (nc - 1);
                nt[j] = w->t[i];
            }
        free(w->t);
        w->t = nt;
        w->cap = nc;
    }
    size_t j = h & (w->cap - 1);
    while (w->t[j]) {
        if (w->t[j] == h)
            return false;
        j = (j + 1) & (w->cap - 1);
    }
    w->t[j] = h;
    w->n++;
    return true;
}

static bool wset_has(const struct wset *w, uint64_t h)
{
    if (!w->cap)
        return false;
    size_t j = h & (w->cap - 1);
    while (w->t[j]) {
        if (w->t[j] == h)
            return true;
        j = (j + 1) & (w->cap - 1);
    }
    return false;
}

static void words(const char *s, size_t n, struct wset *w)
{
    size_t i = 0;
    while (i < n) {
        while (i < n && !(isalnum((unsigned char)s[i]) || (unsigned char)s[i] >= 0x80))
            i++;
        size_t st = i;
        while (i < n && (isalnum((unsigned char)s[i]) || (unsigned char)s[i] >= 0x80))
            i++;
        if (i > st)
            wset_add(w, fnv(s + st, i - st));
    }
}

void vg_web_analyse(const char *body, size_t len, const char *base, size_t blen, vg_web_result *r)
{
    title_of(body, len, r->title, sizeof r->title);
    if (!base) {
        /* no baseline: phrases alone are still a sign */
        for (int i = 0; phrases[i]; i++)
            if (ci_find(body, len, phrases[i]))
                add_sign(r, "defacement_phrase", "page contains \"%s\"", phrases[i]);
        return;
    }
    title_of(base, blen, r->baseline_title, sizeof r->baseline_title);
    if (strcmp(r->title, r->baseline_title) != 0)
        add_sign(r, "title_changed", "title \"%.60s\" was \"%.60s\"", r->title, r->baseline_title);
    for (int i = 0; phrases[i]; i++)
        if (ci_find(body, len, phrases[i]) && !ci_find(base, blen, phrases[i]))
            add_sign(r, "defacement_phrase", "new text \"%s\"", phrases[i]);
    static const char *const tags[2] = {"script", "iframe"};
    static const char *const sign[2] = {"new_script_domain", "new_iframe_domain"};
    struct domains *cur = malloc(sizeof *cur), *old = malloc(sizeof *old);
    for (int t = 0; cur && old && t < 2; t++) {
        domains_of(body, len, tags[t], cur);
        domains_of(base, blen, tags[t], old);
        for (int i = 0; i < cur->n; i++) {
            bool known = false;
            for (int j = 0; j < old->n; j++)
                known |= strcmp(cur->d[i], old->d[j]) == 0;
            if (!known)
                add_sign(r, sign[t], "%s from %.100s", tags[t], cur->d[i]);
        }
    }
    free(cur);
    free(old);
    int hl = hidden_links(body, len), hb = hidden_links(base, blen);
    if (hl > hb)
        add_sign(r, "hidden_links", "%d links in CSS-hidden elements (baseline %d)", hl, hb);
    struct wset wb = {0}, wc = {0};
    words(base, blen, &wb);
    words(body, len, &wc);
    size_t fresh = 0;
    for (size_t i = 0; i < wc.cap; i++)
        if (wc.t[i] && !wset_has(&wb, wc.t[i]))
            fresh++;
    size_t removed = 0;
    for (size_t i = 0; i < wb.cap; i++)
        if (wb.t[i] && !wset_has(&wc, wb.t[i]))
            removed++;
    size_t denom = wc.n + removed;
    r->change_pct = denom ? (int)((fresh + removed) * 100 / denom) : 0;
    free(wb.t);
    free(wc.t);
}

/* ------------------------------------------------------------------ */
/* fetching and baselines                                              */

static void sha256_hex(const void *d, size_t n, char out[65])
{
    unsigned char md[32];
    unsigned int ml = 0;
    EVP_Digest(d, n, md, &ml, EVP_sha256(), NULL);
    for (unsigned i = 0; i < 32; i++)
        snprintf(out + 2 * i, 3, "%02x", md[i]);
}

void vg_web_json(vg_jb *jb, const vg_web_result *r)
{
    vg_jb_str(jb, "url", r->url);
    vg_jb_i64(jb, "status", r->status);
    if (r->error[0])
        vg_jb_str(jb, "error", r->error);
    vg_jb_str(jb, "sha256", r->sha256);
    if (r->baseline_sha256[0])
        vg_jb_str(jb, "baseline_sha256", r->baseline_sha256);
    vg_jb_bool(jb, "baseline_created", r->baseline_created);
    vg_jb_bool(jb, "changed", r->changed);
    vg_jb_i64(jb, "change_pct", r->change_pct);
    vg_jb_str(jb, "title", r->title);
    if (r->ip[0])
        vg_jb_str(jb, "ip", r->ip);
    if (r->dns[0])
        vg_jb_str(jb, "dns", r->dns);
    if (r->zone[0]) {
        vg_jb_str(jb, "zone", r->zone);
        vg_jb_str(jb, "ns", r->ns);
        vg_jb_str(jb, "mx", r->mx);
    }
    if (r->cert_days >= 0)
        vg_jb_i64(jb, "cert_days_left", r->cert_days);
    vg_jb_open_arr(jb, "signs");
    for (int i = 0; i < r->nsigns; i++) {
        vg_jb_open_obj(jb, NULL);
        vg_jb_str(jb, "sign", r->signs[i]);
        vg_jb_str(jb, "detail", r->detail[i]);
        vg_jb_close_obj(jb);
    }
    vg_jb_close_arr(jb);
}

static int cmp_cstr(const void *a, const void *b)
{
    return strcmp((const char *)a, (const char *)b);
}

/* The URL's host ("" when there is none); IPv6 literals without brackets. */
static size_t host_of(const char *url, char *host, size_t hn)
{
    host[0] = '\0';
    const char *h = strstr(url, "://");
    if (!h)
        return 0;
    h += 3;
    size_t k = 0;
    if (*h == '[') { /* IPv6 literal */
        h++;
        while (*h && *h != ']' && k + 1 < hn)
            host[k++] = *h++;
    } else {
        while (*h && *h != '/' && *h != ':' && *h != '?' && *h != '#' && k + 1 < hn)
            host[k++] = *h++;
    }
    host[k] = '\0';
    return k;
}

/* The URL's host resolved (A and AAAA), sorted and joined with commas. */
static void resolve_host(const char *url, char *out, size_t n)
{
    out[0] = '\0';
    const char *h = strstr(url, "://");
    if (!h)
        return;
    h += 3;
    char host[256];
    size_t k = 0;
    if (*h == '[') { /* IPv6 literal */
        h++;
        while (*h && *h != ']' && k + 1 < sizeof host)
            host[k++] = *h++;
    } else {
        while (*h && *h != '/' && *h != ':' && *h != '?' && *h != '#' && k + 1 < sizeof host)
            host[k++] = *h++;
    }
    host[k] = '\0';
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *res = NULL;
    if (!k || getaddrinfo(host, NULL, &hints, &res) != 0)
        return;
    char addrs[16][INET6_ADDRSTRLEN];
    int na = 0;
    for (struct addrinfo *a = res; a && na < 16; a = a->ai_next) {
        char buf[INET6_ADDRSTRLEN] = "";
        if (a->ai_family == AF_INET)
            inet_ntop(AF_INET, &((struct sockaddr_in *)a->ai_addr)->sin_addr, buf, sizeof buf);
        else if (a->ai_family == AF_INET6)
            inet_ntop(AF_INET6, &((struct sockaddr_in6 *)a->ai_addr)->sin6_addr, buf, sizeof buf);
        bool dup = !buf[0];
        for (int i = 0; i < na && !dup; i++)
            dup = strcmp(addrs[i], buf) == 0;
        if (!dup)
            memcpy(addrs[na++], buf, sizeof buf);
    }
    freeaddrinfo(res);
    qsort(addrs, (size_t)na, sizeof addrs[0], cmp_cstr);
    size_t len = 0;
    for (int i = 0; i < na; i++) {
        int w = snprintf(out + len, n - len, "%s%s", i ? "," : "", addrs[i]);
        if (w < 0 || (size_t)w >= n - len) {
            out[len] = '\0';
            break;
        }
        len += (size_t)w;
    }
}

#ifndef VG_HAVE_CURL

int vg_web_check(const vg_web_opts *o, const char *url, vg_web_result *r, char *errbuf)
{
    (void)o;
    memset(r, 0, sizeof(*r));
    snprintf(r->url, sizeof r->url, "%s", url);
    return vg_err(errbuf, VG_ENOTSUP, "website monitor: vigil was built without libcurl");
}

#else

struct body {
    char *p;
    size_t n;
    bool truncated;
};

static size_t on_data(char *ptr, size_t size, size_t nmemb, void *user)
{
    struct body *b = user;
    size_t n = size * nmemb;
    size_t take = n;
    if (b->n + take > MAX_BODY) {
        take = MAX_BODY - b->n;
        b->truncated = true;
    }
    if (take) {
        char *np = realloc(b->p, b->n + take + 1);
        if (!np)
            return 0;
        b->p = np;
        memcpy(b->p + b->n, ptr, take);
        b->n += take;
        b->p[b->n] = '\0';
    }
    return n; /* keep reading, discarding past the cap */
}

static long cert_days(CURL *c)
{
    struct curl_certinfo *ci = NULL;
    if (curl_easy_getinfo(c, CURLINFO_CERTINFO, &ci) != CURLE_OK || !ci || ci->num_of_certs < 1)
        return -1;
    for (struct curl_slist *s = ci->certinfo[0]; s; s = s->next) {
        if (strncmp(s->data, "Expire date:", 12) != 0)
            continue;
        struct tm tm = {0};
        const char *v = s->data + 12;
        if (!strptime(v, "%b %d %H:%M:%S %Y", &tm) && !strptime(v, "%Y-%m-%d %H:%M:%S", &tm))
            return -1;
        time_t exp = timegm(&tm);
        return (long)((exp - time(NULL)) / 86400);
    }
    return -1;
}

/* Copies url without its userinfo ("https://user:secret@host/" becomes
 * "https://host/"): credentials in a monitored URL never reach an event, the
 * baseline manifest or an error message. */
static void url_redact(const char *url, char *out, size_t n)
{
    const char *s = strstr(url, "://");
    const char *h = s ? s + 3 : url;
    size_t hl = strcspn(h, "/?#");
    const char *at = memchr(h, '@', hl);
    if (!at) {
        snprintf(out, n, "%s", url);
        return;
    }
    snprintf(out, n, "%.*s%s", (int)(h - url), url, at + 1);
}

int vg_web_check(const vg_web_opts *o, const char *url, vg_web_result *r, char *errbuf)
{
    memset(r, 0, sizeof(*r));
    r->cert_days = -1;
    url_redact(url, r->url, sizeof r->url);
    if (strncmp(url, "http://", 7) != 0 && strncmp(url, "https://", 8) != 0)
        return vg_err(errbuf, VG_EINVAL, "%s: only http:// and https:// URLs", r->url);
    if (mkdir(o->state_dir, 0750) != 0 && errno != EEXIST)
        return vg_err(errbuf, VG_EIO, "%s: cannot create: %s", o->state_dir, strerror(errno));
    char key[65];
    sha256_hex(url, strlen(url), key);
    char basef[PATH_MAX], metaf[PATH_MAX];
    snprintf(basef, sizeof basef, "%.3900s/%.32s.html", o->state_dir, key);
    snprintf(metaf, sizeof metaf, "%.3900s/%.32s.json", o->state_dir, key);

    resolve_host(r->url, r->dns, sizeof r->dns); /* without userinfo */
    char host[256];
    int zrc = VG_DECLINED;
    if (host_of(r->url, host, sizeof host)) {
        int zt = o->timeout_s > 0 && o->timeout_s < 4 ? o->timeout_s * 1000 : 4000;
        zrc = vg_dnsrec_zone(o->dns_server, host, zt, r->zone, sizeof r->zone, r->ns, sizeof r->ns, r->mx,
                          sizeof r->mx);
        if (zrc != VG_OK)
            r->zone[0] = r->ns[0] = r->mx[0] = '\0';
    }
    CURL *c = curl_easy_init();
    if (!c)
        return vg_err(errbuf, VG_ENOMEM, "libcurl: cannot initialise");
    struct body b = {0};
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(c, CURLOPT_MAXREDIRS, 5L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, (long)(o->timeout_s > 0 ? o->timeout_s : 15));
    curl_easy_setopt(c, CURLOPT_USERAGENT, "vigil-webmon/" VG_VERSION);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
    curl_easy_setopt(c, CURLOPT_CERTINFO, 1L);
    curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "");
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    CURLcode cc = curl_easy_perform(c);
    if (cc != CURLE_OK) {
        snprintf(r->error, sizeof r->error, "%s", curl_easy_strerror(cc));
        add_sign(r, "fetch_failed", "%s", r->error);
    } else {
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
        char *ip = NULL;
        if (curl_easy_getinfo(c, CURLINFO_PRIMARY_IP, &ip) == CURLE_OK && ip)
            snprintf(r->ip, sizeof r->ip, "%s", ip);
        r->cert_days = cert_days(c);
    }
    curl_easy_cleanup(c);
    if (cc != CURLE_OK) {
        free(b.p);
        return VG_OK; /* a site that does not answer is a finding, not an error */
    }
    if (r->status >= 400)
        add_sign(r, "http_error", "HTTP status %ld", r->status);
    if (b.truncated)
        add_sign(r, "body_truncated", "page larger than %u bytes", MAX_BODY);
    int warn = o->cert_warn_days > 0 ? o->cert_warn_days : 14;
    if (r->cert_days >= 0 && r->cert_days < warn)
        add_sign(r, "cert_expiring", "certificate expires in %ld days", r->cert_days);
    size_t nl = 0;
    char *norm = normalise(b.p ? b.p : "", b.n, &nl);
    free(b.p);
    if (!norm)
        return vg_err(errbuf, VG_ENOMEM, "out of memory");
    sha256_hex(norm, nl, r->sha256);

    char *base = NULL;
    size_t blen = 0;
    json_t *meta = NULL;
    if (!o->rebaseline && vg_read_file(basef, MAX_BODY + 1, &base, &blen) == VG_OK)
        meta = json_load_file(metaf, 0, NULL);
    if (!base || !meta) {
        free(base);
        base = NULL;
        vg_web_analyse(norm, nl, NULL, 0, r);
        FILE *fp = fopen(basef, "wb");
        json_t *m = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:I}", "url", r->url, "sha256",
                              r->sha256, "title", r->title, "ip", r->ip, "dns", r->dns, "zone", r->zone,
                              "ns", r->ns, "mx", r->mx, "created", (json_int_t)time(NULL));
        int ok = fp && fwrite(norm, 1, nl, fp) == nl;
        if (fp)
            ok &= fclose(fp) == 0;
        ok &= m && json_dump_file(m, metaf, JSON_INDENT(2)) == 0;
        json_decref(m);
        json_decref(meta);
        free(norm);
        if (!ok)
            return vg_err(errbuf, VG_EIO, "%s: cannot write the baseline", o->state_dir);
        r->baseline_created = true;
        snprintf(r->baseline_sha256, sizeof r->baseline_sha256, "%s", r->sha256);
        return VG_OK;
    }
    const char *bs = json_string_value(json_object_get(meta, "sha256"));
    const char *bip = json_string_value(json_object_get(meta, "ip"));
    snprintf(r->baseline_sha256, sizeof r->baseline_sha256, "%s", bs ? bs : "");
    snprintf(r->baseline_ip, sizeof r->baseline_ip, "%s", bip ? bip : "");
    const char *bdns = json_string_value(json_object_get(meta, "dns"));
    snprintf(r->baseline_dns, sizeof r->baseline_dns, "%s", bdns ? bdns : "");
    char bzone[256];
    snprintf(bzone, sizeof bzone, "%s", json_string_value(json_object_get(meta, "zone")) ?
             json_string_value(json_object_get(meta, "zone")) : "");
    const char *bns = json_string_value(json_object_get(meta, "ns"));
    const char *bmx = json_string_value(json_object_get(meta, "mx"));
    snprintf(r->baseline_ns, sizeof r->baseline_ns, "%s", bns ? bns : "");
    snprintf(r->baseline_mx, sizeof r->baseline_mx, "%s", bmx ? bmx : "");
    /* compared only when both lookups found the same zone: a resolver that
     * does not answer (air-gapped) is no sign */
    bool zone_ok = zrc == VG_OK && bzone[0] && strcmp(bzone, r->zone) == 0;
    json_decref(meta);
    r->changed = strcmp(r->sha256, r->baseline_sha256) != 0;
    if (r->changed)
        vg_web_analyse(norm, nl, base, blen, r);
    else
        title_of(norm, nl, r->title, sizeof r->title);
    int alert = o->change_alert_pct > 0 ? o->change_alert_pct : 40;
    if (r->changed && r->change_pct >= alert)
        add_sign(r, "large_change", "%d%% of the words changed", r->change_pct);
    if (r->baseline_ip[0] && r->ip[0] && strcmp(r->ip, r->baseline_ip) != 0)
        add_sign(r, "ip_changed", "server address %s, baseline %s", r->ip, r->baseline_ip);
    if (r->baseline_dns[0] && r->dns[0] && strcmp(r->dns, r->baseline_dns) != 0)
        add_sign(r, "dns_changed", "name resolves to %.70s, baseline %.70s", r->dns, r->baseline_dns);
    if (zone_ok && strcmp(r->ns, r->baseline_ns) != 0)
        add_sign(r, "ns_changed", "zone %.40s name servers %.50s, baseline %.50s", r->zone, r->ns,
                 r->baseline_ns);
    /* the baseline's zone no longer resolves or has no name servers (an
     * expired or deleted domain): asked directly, as the walk stops there */
    if (!zone_ok && zrc != VG_EIO && bzone[0] && !(zrc == VG_OK && strcmp(bzone, r->zone) == 0)) {
        char tmp[512];
        int zq = vg_dnsrec_query(o->dns_server, bzone, VG_DNS_NS, 3000, tmp, sizeof tmp);
        if (zq == VG_ENOENT || zq == 0)
            add_sign(r, "ns_changed", "zone %.60s %s, baseline name servers %.60s", bzone,
                     zq == 0 ? "has no name servers" : "does not resolve", r->baseline_ns);
    }
    if (zone_ok && strcmp(r->mx, r->baseline_mx) != 0)
        add_sign(r, "mx_changed", "zone %.40s mail exchangers %.50s, baseline %.50s", r->zone,
                 r->mx[0] ? r->mx : "(none)", r->baseline_mx[0] ? r->baseline_mx : "(none)");
    free(base);
    free(norm);
    return VG_OK;
}

#endif
