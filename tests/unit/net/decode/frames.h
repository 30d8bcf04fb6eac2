/*
 * frames.h: builders for test frames (Ethernet, IPv4, IPv6, TCP, UDP,
 * fragments), so that each test states the header fields it cares about.
 * All writers append to a fixed buffer and return the new length.
 */
#ifndef VG_TEST_FRAMES_H
#define VG_TEST_FRAMES_H

#include <stdint.h>
#include <string.h>

typedef struct fb {
    uint8_t b[70000];
    uint32_t n;
} fb;

static inline void fb_u8(fb *f, uint8_t v) { f->b[f->n++] = v; }
static inline void fb_u16(fb *f, uint16_t v)
{
    fb_u8(f, (uint8_t)(v >> 8));
    fb_u8(f, (uint8_t)v);
}
static inline void fb_u32(fb *f, uint32_t v)
{
    fb_u16(f, (uint16_t)(v >> 16));
    fb_u16(f, (uint16_t)v);
}
static inline void fb_bytes(fb *f, const void *p, uint32_t n)
{
    memcpy(f->b + f->n, p, n);
    f->n += n;
}
static inline void fb_put16(fb *f, uint32_t at, uint16_t v)
{
    f->b[at] = (uint8_t)(v >> 8);
    f->b[at + 1] = (uint8_t)v;
}

static inline void fb_eth(fb *f, uint16_t type)
{
    static const uint8_t mac[12] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11};
    fb_bytes(f, mac, 12);
    fb_u16(f, type);
}

static inline uint16_t fb_csum(const uint8_t *h, uint32_t len)
{
    uint32_t s = 0;
    for (uint32_t i = 0; i + 1 < len; i += 2)
        s += (uint32_t)(h[i] << 8 | h[i + 1]);
    while (s >> 16)
        s = (s & 0xffff) + (s >> 16);
    return (uint16_t)~s;
}

/* IPv4 header with options (opts_len a multiple of 4); returns the offset of
 * the header so the caller can fix the total length with fb_ip4_done(). */
static inline uint32_t fb_ip4(fb *f, uint8_t proto, const uint8_t src[4], const uint8_t dst[4],
                              uint16_t id, uint16_t frag, uint8_t ttl, const uint8_t *opts,
                              uint32_t opts_len)
{
    uint32_t at = f->n;
    fb_u8(f, (uint8_t)(0x40 | (5 + opts_len / 4)));
    fb_u8(f, 0);
    fb_u16(f, 0); /* total length, fixed later */
    fb_u16(f, id);
    fb_u16(f, frag);
    fb_u8(f, ttl);
    fb_u8(f, proto);
    fb_u16(f, 0);
    fb_bytes(f, src, 4);
    fb_bytes(f, dst, 4);
    if (opts_len)
        fb_bytes(f, opts, opts_len);
    return at;
}
static inline void fb_ip4_done(fb *f, uint32_t at)
{
    fb_put16(f, at + 2, (uint16_t)(f->n - at));
    uint32_t hlen = (f->b[at] & 0x0f) * 4u;
    fb_put16(f, at + 10, 0);
    fb_put16(f, at + 10, fb_csum(f->b + at, hlen));
}

static inline uint32_t fb_ip6(fb *f, uint8_t nh, const uint8_t src[16], const uint8_t dst[16],
                              uint8_t hlim)
{
    uint32_t at = f->n;
    fb_u32(f, 0x60000000);
    fb_u16(f, 0);
    fb_u8(f, nh);
    fb_u8(f, hlim);
    fb_bytes(f, src, 16);
    fb_bytes(f, dst, 16);
    return at;
}
static inline void fb_ip6_done(fb *f, uint32_t at) { fb_put16(f, at + 4, (uint16_t)(f->n - at - 40)); }

static inline void fb_tcp(fb *f, uint16_t sp, uint16_t dp, uint32_t seq, uint8_t flags,
                          const uint8_t *opts, uint32_t opts_len)
{
    fb_u16(f, sp);
    fb_u16(f, dp);
    fb_u32(f, seq);
    fb_u32(f, 0);
    fb_u8(f, (uint8_t)((5 + opts_len / 4) << 4));
    fb_u8(f, flags);
    fb_u16(f, 8192);
    fb_u16(f, 0);
    fb_u16(f, 0);
    if (opts_len)
        fb_bytes(f, opts, opts_len);
}

/* UDP header; the length covers `payload_len` bytes the caller appends. */
static inline void fb_udp(fb *f, uint16_t sp, uint16_t dp, uint16_t payload_len)
{
    fb_u16(f, sp);
    fb_u16(f, dp);
    fb_u16(f, (uint16_t)(8 + payload_len));
    fb_u16(f, 0);
}

#endif
