/*
 * source.h: packet sources through libpcap: pcap and pcapng files, live
 * interfaces, an optional BPF filter.  Privileges may be dropped after
 * vg_source_open_*() (the handle is already open).
 */
#ifndef VG_NET_SOURCE_H
#define VG_NET_SOURCE_H

#include <sys/time.h>

#include "core/vg.h"

typedef struct vg_source vg_source;

int vg_source_open_file(vg_source **out, const char *path, const char *bpf, char *errbuf) VG_WARN_UNUSED;
int vg_source_open_live(vg_source **out, const char *iface, const char *bpf, char *errbuf) VG_WARN_UNUSED;
/* Next frame: VG_OK with *data (valid until the next call), VG_DECLINED at
 * end of file, VG_EIO on error (errbuf), 0-length timeouts return VG_ELIMIT
 * on live sources so the caller can run timers. */
int vg_source_next(vg_source *s, const uint8_t **data, uint32_t *len, struct timeval *ts,
                   char *errbuf);
int vg_source_datalink(const vg_source *s);
void vg_source_break(vg_source *s); /* from a signal handler: stop soon */
void vg_source_close(vg_source *s);
/* Kernel counters of a live source (EVE stats capture.kernel_packets,
 * kernel_drops, kernel_ifdrops); VG_ENOTSUP for files. */
int vg_source_stats(const vg_source *s, uint64_t *received, uint64_t *dropped,
                    uint64_t *ifdropped) VG_WARN_UNUSED;

#endif
