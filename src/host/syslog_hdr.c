/* syslog_hdr.c: syslog header pre-decoding (see syslog_hdr.h). */
#include "host/syslog_hdr.h"

#include <string.h>

static bool dig(const char *s, size_t len, size_t i)
{
    return i < len && s[i] >= '0' && s[i] <= '9';
}

static bool ndig(const char *s, size_t len, size_t i, size_t n)
{
    for (size_t k = 0; k < n; k++)
        if (!dig(s, len, i + k))
            return false;
    return true;
}

static bool is_month(const char *s)
{
    static const char *m[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                              "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    for (int i = 0; i < 12; i++)
        if (memcmp(s, m[i], 3) == 0)
            return true;
    return false;
}

/* "hh:mm:ss" at i */
static bool hms(const char *s, size_t len, size_t i)
{
    return ndig(s, len, i, 2) && i + 2 < len && s[i + 2] == ':' && ndig(s, len, i + 3, 2) &&
           i + 5 < len && s[i + 5] == ':' && ndig(s, len, i + 6, 2);
}

/* Skip ".frac" at i. */
static size_t frac(const char *s, size_t len, size_t i)
{
    if (i < len && (s[i] == '.' || s[i] == ',') && dig(s, len, i + 1)) {
        i++;
        while (dig(s, len, i))
            i++;
    }
    return i;
}

/* Skip a zone "Z", "+hh:mm", "+hhmm", "-hh" at i. */
static size_t zone(const char *s, size_t len, size_t i)
{
    if (i < len && s[i] == 'Z')
        return i + 1;
    if (i < len && (s[i] == '+' || s[i] == '-') && ndig(s, len, i + 1, 2)) {
        i += 3;
        if (i < len && s[i] == ':' && ndig(s, len, i + 1, 2))
            i += 3;
        else if (ndig(s, len, i, 2))
            i += 2;
    }
    return i;
}

/* Length of the time stamp at the start of s, 0 if none. */
static size_t timestamp(const char *s, size_t len)
{
    /* Mmm dd hh:mm:ss  /  Mmm  d hh:mm:ss  /  Mmm dd yyyy hh:mm:ss */
    if (len >= 14 && is_month(s) && s[3] == ' ' && dig(s, len, 4) && s[5] == ' ' && hms(s, len, 6)) {
        /* "Mmm d hh:mm:ss" (day not padded) */
        size_t i = frac(s, len, 14);
        if (i + 5 <= len && s[i] == ' ' && ndig(s, len, i + 1, 4) && (i + 5 == len || s[i + 5] == ' '))
            i += 5;
        return i;
    }
    if (len >= 15 && is_month(s) && s[3] == ' ' && (s[4] == ' ' || dig(s, len, 4)) &&
        dig(s, len, 5) && s[6] == ' ') {
        size_t i = 7;
        if (ndig(s, len, 7, 4) && i + 4 < len && s[11] == ' ' && hms(s, len, 12))
            return frac(s, len, 20);
        if (!hms(s, len, 7))
            return 0;
        i = frac(s, len, 15);
        /* optional " yyyy" after the time */
        if (i + 5 <= len && s[i] == ' ' && ndig(s, len, i + 1, 4) && (i + 5 == len || s[i + 5] == ' '))
            i += 5;
        return i;
    }
    /* yyyy-mm-ddThh:mm:ss / yyyy-mm-dd hh:mm:ss */
    if (len >= 19 && ndig(s, len, 0, 4) && s[4] == '-' && ndig(s, len, 5, 2) && s[7] == '-' &&
        ndig(s, len, 8, 2) && (s[10] == 'T' || s[10] == ' ') && hms(s, len, 11)) {
        size_t i = frac(s, len, 19);
        size_t z = zone(s, len, i);
        /* "yyyy-mm-dd hh:mm:ss" alone starts many application logs (exim,
         * IIS): only the RFC 3339 'T' form or a fraction and zone make it a
         * syslog header. */
        if (s[10] == ' ' && (i == 19 || z == i))
            return 0;
        return z;
    }
    return 0;
}

static bool prog_char(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '-' || c == '_' || c == '.' || c == '/' || c == '@' || c == '(' || c == ')';
}

/* Parse "prog[pid]: " or "prog: " at i; on success fill h and return true. */
static bool program(const char *s, size_t len, size_t i, vg_syslog_hdr *h)
{
    size_t p = i;
    while (p < len && prog_char((unsigned char)s[p]))
        p++;
    if (p == i || p - i > 128)
        return false;
    vg_slice prog = {i, p - i}, pid = {0, 0};
    if (p < len && s[p] == '[') {
        size_t q = p + 1;
        while (q < len && s[q] != ']' && q - p < 32)
            q++;
        if (q >= len || s[q] != ']')
            return false;
        pid.off = p + 1;
        pid.len = q - p - 1;
        p = q + 1;
    }
    if (pid.len && p < len && s[p] == ' ') {
        /* "prog[pid] msg" (proftpd and others) */
        h->program = prog;
        h->pid = pid;
        h->msg_off = p + 1;
        return true;
    }
    if (p >= len || s[p] != ':')
        return false;
    p++;
    if (p < len && s[p] == ' ')
        p++;
    h->program = prog;
    h->pid = pid;
    h->msg_off = p;
    return true;
}

void vg_syslog_predecode(const char *s, size_t len, vg_syslog_hdr *h)
{
    memset(h, 0, sizeof(*h));
    h->pri = -1;
    size_t i = 0;
    /* <PRI> */
    if (len >= 3 && s[0] == '<') {
        size_t q = 1;
        int v = 0;
        while (q < len && q < 5 && dig(s, len, q))
            v = v * 10 + (s[q++] - '0');
        if (q > 1 && q < len && s[q] == '>' && v <= 191) {
            h->pri = v;
            i = q + 1;
            h->msg_off = i;
            /* RFC 5424: "1 " version */
            if (i + 1 < len && s[i] == '1' && s[i + 1] == ' ') {
                size_t t = i + 2;
                size_t f[6];
                size_t fl[6];
                int nf = 0;
                while (nf < 6 && t < len) {
                    size_t st = t;
                    if (nf == 5 && s[t] == '[') {
                        /* structured data: skip balanced brackets */
                        int inq = 0;
                        while (t < len) {
                            if (s[t] == '\\' && t + 1 < len) { t += 2; continue; }
                            if (s[t] == '"') inq = !inq;
                            if (!inq && s[t] == ']' && (t + 1 >= len || s[t + 1] != '['))
                                { t++; break; }
                            t++;
                        }
                    } else {
                        while (t < len && s[t] != ' ')
                            t++;
                    }
                    f[nf] = st;
                    fl[nf] = t - st;
                    nf++;
                    if (t < len && s[t] == ' ')
                        t++;
                }
                if (nf >= 5) {
                    h->has_header = true;
                    if (!(fl[0] == 1 && s[f[0]] == '-'))
                        h->time = (vg_slice){f[0], fl[0]};
                    if (!(fl[1] == 1 && s[f[1]] == '-'))
                        h->host = (vg_slice){f[1], fl[1]};
                    if (!(fl[2] == 1 && s[f[2]] == '-'))
                        h->program = (vg_slice){f[2], fl[2]};
                    if (!(fl[3] == 1 && s[f[3]] == '-'))
                        h->pid = (vg_slice){f[3], fl[3]};
                    h->msg_off = t > len ? len : t;
                    /* a BOM before the message */
                    if (h->msg_off + 3 <= len && memcmp(s + h->msg_off, "\xEF\xBB\xBF", 3) == 0)
                        h->msg_off += 3;
                    return;
                }
            }
        }
    }
    const char *b = s + i;
    size_t blen = len - i;
    size_t tl = timestamp(b, blen);
    if (tl == 0 || tl >= blen || b[tl] != ' ')
        return;
    size_t p = tl;
    while (p < blen && b[p] == ' ')
        p++;
    size_t hs = p;
    while (p < blen && b[p] != ' ')
        p++;
    if (p == hs || p >= blen || b[hs] == '[')
        return; /* "[conn1]", "[error]": not a host name */
    /* "host prog[pid]: msg", or "host: msg" is not a host. */
    if (b[p - 1] == ':') {
        /* "Mmm dd hh:mm:ss prog[pid]: msg" without host */
        vg_syslog_hdr t;
        memset(&t, 0, sizeof(t));
        if (program(b, blen, hs, &t)) {
            h->has_header = true;
            h->time = (vg_slice){i, tl};
            h->program = (vg_slice){t.program.off + i, t.program.len};
            h->pid = (vg_slice){t.pid.off + i, t.pid.len};
            h->msg_off = t.msg_off + i;
        }
        return;
    }
    h->has_header = true;
    h->time = (vg_slice){i, tl};
    h->host = (vg_slice){hs + i, p - hs};
    size_t ps = p + 1;
    vg_syslog_hdr t;
    memset(&t, 0, sizeof(t));
    if (program(b, blen, ps, &t)) {
        h->program = (vg_slice){t.program.off + i, t.program.len};
        h->pid = (vg_slice){t.pid.off + i, t.pid.len};
        h->msg_off = t.msg_off + i;
    } else {
        h->msg_off = ps + i;
    }
}

static long days_from_civil(long y, unsigned m, unsigned d)
{
    y -= m <= 2;
    long era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (long)doe - 719468;
}

static int num(const char *s, size_t n)
{
    int v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

double vg_syslog_time(const char *line, const vg_syslog_hdr *h, int year)
{
    if (!h->time.len)
        return -1;
    const char *s = line + h->time.off;
    size_t n = h->time.len;
    int mon = 0, day, hh, mm, ss;
    long y = year;
    size_t t;
    if (n >= 14 && is_month(s)) {
        static const char *m = "JanFebMarAprMayJunJulAugSepOctNovDec";
        for (int i = 0; i < 12; i++)
            if (memcmp(s, m + 3 * i, 3) == 0)
                mon = i + 1;
        day = s[4] == ' ' ? num(s + 5, 1) : (s[5] == ' ' ? num(s + 4, 1) : num(s + 4, 2));
        t = s[5] == ' ' ? 6 : 7;
        if (n >= t + 5 && s[t + 4] == ' ' && num(s + t, 4) >= 0) {
            y = num(s + t, 4);
            t += 5;
        }
    } else if (n >= 19 && s[4] == '-') {
        y = num(s, 4);
        mon = num(s + 5, 2);
        day = num(s + 8, 2);
        t = 11;
    } else {
        return -1;
    }
    if (n < t + 8)
        return -1;
    hh = num(s + t, 2);
    mm = num(s + t + 3, 2);
    ss = num(s + t + 6, 2);
    if (mon < 1 || mon > 12 || day < 1 || day > 31 || hh < 0 || mm < 0 || ss < 0)
        return -1;
    return (double)days_from_civil(y, (unsigned)mon, (unsigned)day) * 86400.0 + hh * 3600 + mm * 60 + ss;
}
