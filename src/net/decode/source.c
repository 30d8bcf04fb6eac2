/*
 * source.c: capture through libpcap: pcap and pcapng files, live
 * interfaces, an optional BPF filter compiled against the handle's
 * datalink.  The frame returned by vg_source_next() is libpcap's buffer,
 * valid until the next call.  Files are read through stdio with a 256 KiB
 * buffer (FILE_IOBUF): libpcap does two freads per packet, and the default
 * 4 KiB buffer costs a read() syscall every few packets; 256 KiB measured
 * a little faster than 1 MiB or 64 KiB.  The stream is only ever read by
 * the capture thread, so stdio's per-call locking is turned off
 * (FSETLOCKING_BYCALLER).  (Mapping the file instead costs more than the
 * kernel's copy: measured +10% CPU on the bulk capture.)
 */
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdio_ext.h>
#include <stdlib.h>
#include <string.h>

#include "net/decode/source.h"

#define FILE_IOBUF (256u << 10)

struct vg_source {
    pcap_t *h;
    bool live;
    char *iobuf; /* stdio buffer of a file source (freed after pcap_close) */
};

static int set_filter(vg_source *s, const char *what, const char *bpf, char *errbuf)
{
    if (!bpf || !*bpf)
        return VG_OK;
    struct bpf_program prog;
    if (pcap_compile(s->h, &prog, bpf, 1, PCAP_NETMASK_UNKNOWN) != 0)
        return vg_err(errbuf, VG_EINVAL, "%s: bad BPF filter \"%s\": %s", what, bpf,
                      pcap_geterr(s->h));
    int rc = pcap_setfilter(s->h, &prog);
    pcap_freecode(&prog);
    if (rc != 0)
        return vg_err(errbuf, VG_EINVAL, "%s: cannot set BPF filter: %s", what, pcap_geterr(s->h));
    return VG_OK;
}

int vg_source_open_file(vg_source **out, const char *path, const char *bpf, char *errbuf)
{
    char perr[PCAP_ERRBUF_SIZE] = "";
    *out = NULL;
    vg_source *s = calloc(1, sizeof *s);
    if (!s)
        return vg_err(errbuf, VG_ENOMEM, "%s: out of memory", path);
    /* libpcap reads both pcap and pcapng.  A regular path is opened here
     * to give its stream a large buffer; "-" (stdin) and a path fopen
     * refuses go to pcap_open_offline, which reports the error its way. */
    FILE *fp = strcmp(path, "-") != 0 ? fopen(path, "rb") : NULL;
    if (fp) {
        s->iobuf = malloc(FILE_IOBUF);
        if (s->iobuf)
            setvbuf(fp, s->iobuf, _IOFBF, FILE_IOBUF);
        __fsetlocking(fp, FSETLOCKING_BYCALLER); /* one thread reads it */
        s->h = pcap_fopen_offline_with_tstamp_precision(fp, PCAP_TSTAMP_PRECISION_MICRO, perr);
        if (!s->h)
            fclose(fp); /* not taken over by libpcap on failure */
    } else {
        s->h = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_MICRO, perr);
    }
    if (!s->h) {
        free(s->iobuf);
        free(s);
        return vg_err(errbuf, VG_EIO, "%s: %s", path, perr);
    }
    int rc = set_filter(s, path, bpf, errbuf);
    if (rc != VG_OK) {
        vg_source_close(s);
        return rc;
    }
    *out = s;
    return VG_OK;
}

int vg_source_open_live(vg_source **out, const char *iface, const char *bpf, char *errbuf)
{
    char perr[PCAP_ERRBUF_SIZE] = "";
    *out = NULL;
    vg_source *s = calloc(1, sizeof *s);
    if (!s)
        return vg_err(errbuf, VG_ENOMEM, "%s: out of memory", iface);
    s->live = true;
    s->h = pcap_create(iface, perr);
    if (!s->h) {
        free(s);
        return vg_err(errbuf, VG_EIO, "%s: %s", iface, perr);
    }
    pcap_set_snaplen(s->h, 262144);
    pcap_set_promisc(s->h, 1);
    pcap_set_timeout(s->h, 100); /* ms: lets the caller run timers */
    pcap_set_buffer_size(s->h, 32 << 20);
    int rc = pcap_activate(s->h);
    if (rc < 0) {
        vg_err(errbuf, VG_EIO, "%s: %s", iface, pcap_geterr(s->h));
        vg_source_close(s);
        return VG_EIO;
    }
    rc = set_filter(s, iface, bpf, errbuf);
    if (rc != VG_OK) {
        vg_source_close(s);
        return rc;
    }
    *out = s;
    return VG_OK;
}

int vg_source_next(vg_source *s, const uint8_t **data, uint32_t *len, struct timeval *ts,
                   char *errbuf)
{
    struct pcap_pkthdr *hdr;
    const u_char *bytes;
    int rc = pcap_next_ex(s->h, &hdr, &bytes);
    switch (rc) {
    case 1:
        *data = bytes;
        *len = hdr->caplen;
        *ts = hdr->ts;
        return VG_OK;
    case 0: /* live timeout */
        return VG_ELIMIT;
    case PCAP_ERROR_BREAK:
        /* end of file, or vg_source_break() */
        return VG_DECLINED;
    default:
        return vg_err(errbuf, VG_EIO, "capture: %s", pcap_geterr(s->h));
    }
}

int vg_source_datalink(const vg_source *s) { return pcap_datalink(s->h); }

void vg_source_break(vg_source *s) { pcap_breakloop(s->h); }

void vg_source_close(vg_source *s)
{
    if (!s)
        return;
    if (s->h)
        pcap_close(s->h); /* closes the file: the buffer is unused from here */
    free(s->iobuf);
    free(s);
}

int vg_source_stats(const vg_source *s, uint64_t *received, uint64_t *dropped,
                    uint64_t *ifdropped)
{
    struct pcap_stat st;
    if (!s->live || pcap_stats(s->h, &st) != 0)
        return VG_ENOTSUP;
    *received = st.ps_recv;
    *dropped = st.ps_drop;
    *ifdropped = st.ps_ifdrop;
    return VG_OK;
}
