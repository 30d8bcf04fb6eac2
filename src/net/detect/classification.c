/*
 * classification.c: classification.config and reference.config.
 *
 *   config classification: shortname,description,priority
 *   config reference: type url-prefix
 *
 * Names are matched case-insensitively, as Suricata does.  A later entry
 * with the same name replaces an earlier one.  The default tables (the
 * same as data/classification.config and data/reference.config, checked
 * by a unit test) are used when the configured file is missing.  Limits:
 * 4096 entries each, lines up to 1 KiB.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/log.h"
#include "net/detect/detect_int.h"

#define MAX_ENTRIES 4096

static const char builtin_classes[] =
    "config classification: not-suspicious,Not Suspicious Traffic,3\n"
    "config classification: unknown,Unknown Traffic,3\n"
    "config classification: bad-unknown,Potentially Bad Traffic,2\n"
    "config classification: attempted-recon,Attempted Information Leak,2\n"
    "config classification: successful-recon-limited,Information Leak,2\n"
    "config classification: successful-recon-largescale,Large Scale Information Leak,2\n"
    "config classification: attempted-dos,Attempted Denial of Service,2\n"
    "config classification: successful-dos,Denial of Service,2\n"
    "config classification: attempted-user,Attempted User Privilege Gain,1\n"
    "config classification: unsuccessful-user,Unsuccessful User Privilege Gain,1\n"
    "config classification: successful-user,Successful User Privilege Gain,1\n"
    "config classification: attempted-admin,Attempted Administrator Privilege Gain,1\n"
    "config classification: successful-admin,Successful Administrator Privilege Gain,1\n"
    "config classification: rpc-portmap-decode,Decode of an RPC Query,2\n"
    "config classification: shellcode-detect,Executable code was detected,1\n"
    "config classification: string-detect,A suspicious string was detected,3\n"
    "config classification: suspicious-filename-detect,A suspicious filename was detected,2\n"
    "config classification: suspicious-login,An attempted login using a suspicious username was detected,2\n"
    "config classification: system-call-detect,A system call was detected,2\n"
    "config classification: tcp-connection,A TCP connection was detected,4\n"
    "config classification: trojan-activity,A Network Trojan was detected,1\n"
    "config classification: unusual-client-port-connection,A client was using an unusual port,2\n"
    "config classification: network-scan,Detection of a Network Scan,3\n"
    "config classification: denial-of-service,Detection of a Denial of Service Attack,2\n"
    "config classification: non-standard-protocol,Detection of a non-standard protocol or event,2\n"
    "config classification: protocol-command-decode,Generic Protocol Command Decode,3\n"
    "config classification: web-application-activity,access to a potentially vulnerable web application,2\n"
    "config classification: web-application-attack,Web Application Attack,1\n"
    "config classification: misc-activity,Misc activity,3\n"
    "config classification: misc-attack,Misc Attack,2\n"
    "config classification: icmp-event,Generic ICMP event,3\n"
    "config classification: inappropriate-content,Inappropriate Content was Detected,1\n"
    "config classification: policy-violation,Potential Corporate Privacy Violation,1\n"
    "config classification: default-login-attempt,Attempt to login by a default username and password,2\n"
    "config classification: targeted-activity,Targeted Malicious Activity was Detected,1\n"
    "config classification: exploit-kit,Exploit Kit Activity Detected,1\n"
    "config classification: external-ip-check,Device Retrieving External IP Address Detected,2\n"
    "config classification: domain-c2,Domain Observed Used for C2 Detected,1\n"
    "config classification: pup-activity,Possibly Unwanted Program Detected,2\n"
    "config classification: credential-theft,Successful Credential Theft Detected,1\n"
    "config classification: social-engineering,Possible Social Engineering Attempted,2\n"
    "config classification: coin-mining,Crypto Currency Mining Activity Detected,2\n"
    "config classification: command-and-control,Malware Command and Control Activity Detected,1\n"
    ;

static const char builtin_refs[] =
    "config reference: bugtraq http://www.securityfocus.com/bid/\n"
    "config reference: bid http://www.securityfocus.com/bid/\n"
    "config reference: cve http://cve.mitre.org/cgi-bin/cvename.cgi?name=\n"
    "config reference: secunia http://secunia.com/advisories/\n"
    "config reference: arachnids http://www.whitehats.com/info/IDS\n"
    "config reference: mcafee http://vil.nai.com/vil/content/v_\n"
    "config reference: nessus http://cgi.nessus.org/plugins/dump.php3?id=\n"
    "config reference: url http://\n"
    "config reference: et http://doc.emergingthreats.net/\n"
    "config reference: etpro http://doc.emergingthreatspro.com/\n"
    "config reference: telus http://\n"
    "config reference: osvdb http://osvdb.org/show/osvdb/\n"
    "config reference: threatexpert http://www.threatexpert.com/report.aspx?md5=\n"
    "config reference: md5 http://www.threatexpert.com/report.aspx?md5=\n"
    "config reference: exploitdb http://www.exploit-db.com/exploits/\n"
    "config reference: openpacket https://www.openpacket.org/capture/grab/\n"
    "config reference: securitytracker http://securitytracker.com/id?\n"
    "config reference: xforce http://xforce.iss.net/xforce/xfdb/\n"
    "config reference: msft http://technet.microsoft.com/security/bulletin/\n"
    ;

static char *trimw(char *t)
{
    while (isspace((unsigned char)*t))
        t++;
    char *e = t + strlen(t);
    while (e > t && isspace((unsigned char)e[-1]))
        *--e = 0;
    return t;
}

static int class_add(vg_detect *de, const char *name, const char *desc, int prio)
{
    for (uint32_t i = 0; i < de->nclasses; i++) {
        if (strcasecmp(de->classes[i].name, name) == 0) {
            char *d = strdup(desc);
            if (!d)
                return VG_ENOMEM;
            free(de->classes[i].desc);
            de->classes[i].desc = d;
            de->classes[i].prio = prio;
            return VG_OK;
        }
    }
    if (de->nclasses >= MAX_ENTRIES)
        return VG_ELIMIT;
    vg_class *nc = realloc(de->classes, (de->nclasses + 1) * sizeof(*nc));
    if (!nc)
        return VG_ENOMEM;
    de->classes = nc;
    vg_class *c = &de->classes[de->nclasses];
    c->name = strdup(name);
    c->desc = strdup(desc);
    c->prio = prio;
    if (!c->name || !c->desc) {
        free(c->name);
        free(c->desc);
        return VG_ENOMEM;
    }
    de->nclasses++;
    return VG_OK;
}

static int ref_add(vg_detect *de, const char *name, const char *url)
{
    for (uint32_t i = 0; i < de->nrefs; i++) {
        if (strcasecmp(de->refs[i].name, name) == 0) {
            char *u = strdup(url);
            if (!u)
                return VG_ENOMEM;
            free(de->refs[i].url);
            de->refs[i].url = u;
            return VG_OK;
        }
    }
    if (de->nrefs >= MAX_ENTRIES)
        return VG_ELIMIT;
    vg_refconf *nr = realloc(de->refs, (de->nrefs + 1) * sizeof(*nr));
    if (!nr)
        return VG_ENOMEM;
    de->refs = nr;
    vg_refconf *r = &de->refs[de->nrefs];
    r->name = strdup(name);
    r->url = strdup(url);
    if (!r->name || !r->url) {
        free(r->name);
        free(r->url);
        return VG_ENOMEM;
    }
    de->nrefs++;
    return VG_OK;
}

/* One line; VG_DECLINED for comments/blank lines. */
static int class_line(vg_detect *de, char *line, char *errbuf)
{
    char *l = trimw(line);
    if (!*l || *l == '#')
        return VG_DECLINED;
    static const char pfx[] = "config classification:";
    if (strncasecmp(l, pfx, sizeof(pfx) - 1) != 0)
        return vg_err(errbuf, VG_EINVAL, "expected \"config classification: name,description,priority\"");
    char *rest = l + sizeof(pfx) - 1;
    char *c1 = strchr(rest, ',');
    char *c2 = c1 ? strrchr(c1 + 1, ',') : NULL;
    if (!c1 || !c2)
        return vg_err(errbuf, VG_EINVAL, "expected name,description,priority");
    *c1 = 0;
    *c2 = 0;
    char *name = trimw(rest), *desc = trimw(c1 + 1), *pr = trimw(c2 + 1);
    char *end;
    long prio = strtol(pr, &end, 10);
    if (!*name || !*desc || !isdigit((unsigned char)*pr) || *end || prio < 1 || prio > 255)
        return vg_err(errbuf, VG_EINVAL, "bad classification entry");
    int rc = class_add(de, name, desc, (int)prio);
    return rc ? vg_err(errbuf, rc, "%s", vg_strerror(rc)) : VG_OK;
}

static int ref_line(vg_detect *de, char *line, char *errbuf)
{
    char *l = trimw(line);
    if (!*l || *l == '#')
        return VG_DECLINED;
    static const char pfx[] = "config reference:";
    if (strncasecmp(l, pfx, sizeof(pfx) - 1) != 0)
        return vg_err(errbuf, VG_EINVAL, "expected \"config reference: type url\"");
    char *rest = trimw(l + sizeof(pfx) - 1);
    char *sp = rest;
    while (*sp && !isspace((unsigned char)*sp))
        sp++;
    if (!*sp)
        return vg_err(errbuf, VG_EINVAL, "expected \"config reference: type url\"");
    *sp = 0;
    char *url = trimw(sp + 1);
    if (!*rest || !*url)
        return vg_err(errbuf, VG_EINVAL, "expected \"config reference: type url\"");
    int rc = ref_add(de, rest, url);
    return rc ? vg_err(errbuf, rc, "%s", vg_strerror(rc)) : VG_OK;
}

typedef int (*line_fn)(vg_detect *, char *, char *);

static int load_text(vg_detect *de, const char *text, const char *name, line_fn fn, char *errbuf)
{
    const char *p = text;
    int lineno = 0;
    while (*p) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        lineno++;
        char buf[1024];
        if (n >= sizeof(buf))
            return vg_err(errbuf, VG_ELIMIT, "%s:%d: line too long", name, lineno);
        memcpy(buf, p, n);
        buf[n] = 0;
        char err[VG_ERRBUF_SIZE];
        int rc = fn(de, buf, err);
        if (rc < 0)
            return vg_err(errbuf, rc, "%s:%d: %s", name, lineno, err);
        p += n + (nl ? 1 : 0);
    }
    return VG_OK;
}

static int load_file(vg_detect *de, const char *path, line_fn fn, char *errbuf)
{
    FILE *fp = fopen(path, "r");
    if (!fp)
        return vg_err(errbuf, VG_EIO, "%s: cannot open: %s", path, strerror(errno));
    char *line = NULL;
    size_t cap = 0;
    int lineno = 0, rc = VG_OK;
    while (getline(&line, &cap, fp) >= 0) {
        lineno++;
        char err[VG_ERRBUF_SIZE];
        int r = fn(de, line, err);
        if (r < 0) {
            /* Suricata warns and goes on with the other lines. */
            vg_warn("%s:%d: %s", path, lineno, err);
            if (r == VG_ENOMEM) {
                rc = vg_err(errbuf, r, "%s:%d: %s", path, lineno, err);
                break;
            }
        }
    }
    free(line);
    fclose(fp);
    return rc;
}

int vg_class_load_text(vg_detect *de, const char *text, const char *name, char *errbuf)
{
    return load_text(de, text, name, class_line, errbuf);
}

int vg_class_load_builtin(vg_detect *de)
{
    char err[VG_ERRBUF_SIZE];
    int rc = load_text(de, builtin_classes, "(built-in classification)", class_line, err);
    if (!rc)
        rc = load_text(de, builtin_refs, "(built-in reference)", ref_line, err);
    return rc;
}

int vg_class_load_file(vg_detect *de, const char *path, char *errbuf)
{
    return load_file(de, path, class_line, errbuf);
}

int vg_refconf_load_file(vg_detect *de, const char *path, char *errbuf)
{
    return load_file(de, path, ref_line, errbuf);
}

const vg_class *vg_class_find(const vg_detect *de, const char *name)
{
    for (uint32_t i = 0; i < de->nclasses; i++)
        if (strcasecmp(de->classes[i].name, name) == 0)
            return &de->classes[i];
    return NULL;
}

const vg_refconf *vg_refconf_find(const vg_detect *de, const char *name)
{
    for (uint32_t i = 0; i < de->nrefs; i++)
        if (strcasecmp(de->refs[i].name, name) == 0)
            return &de->refs[i];
    return NULL;
}
