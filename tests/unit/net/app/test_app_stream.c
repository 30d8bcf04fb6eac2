/* test_app_stream.c: how TCP data reaches the app-layer parsers: the
 * reassembly depth (a side is cut there and its transactions complete),
 * gaps proven by the receiver's ACK (skipped; HTTP goes on after them),
 * and ACKs for data nobody sent (ignored: no skipping on an attacker's word). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/conf.h"
#include "net/app/app.h"
#include "net/app/app_int.h"
#include "net/app/app_keywords.h"
#include "net/flow/flow_int.h" /* struct vg_tcp_session: a closed session */
#include "../../vg_test.h"

typedef struct {
    vg_app_ctx *ctx;
    vg_conf *conf;
    vg_flow f;
    uint32_t seq[2]; /* next sequence number each side sends */
} conn;

static void conn_open(conn *c, const char *depth)
{
    char err[VG_ERRBUF_SIZE];
    memset(c, 0, sizeof *c);
    c->conf = vg_conf_new();
    if (depth)
        VG_CHECK_EQ(vg_conf_set(c->conf, "stream.reassembly.depth", depth), VG_OK);
    VG_CHECK_EQ(vg_app_ctx_new(&c->ctx, c->conf, err), VG_OK);
    c->f.proto = 6;
    c->seq[0] = 1000;
    c->seq[1] = 50000;
    vg_packet p;
    for (int side = 0; side < 2; side++) {
        memset(&p, 0, sizeof p);
        p.proto = 6;
        p.flow = &c->f;
        p.flags = side ? VG_PKT_TOCLIENT : VG_PKT_TOSERVER;
        p.tcp_flags = side ? 0x12 : 0x02;
        p.tcp_seq = c->seq[side]++;
        p.tcp_ack = c->seq[0];
        vg_app_on_packet(c->ctx, &p);
    }
}

/* side sends s (skip: pretend the capture lost it), then the other side
 * acknowledges everything sent so far (ack_extra: beyond that) */
static void send_acked(conn *c, int side, const char *s, bool skip, uint32_t ack_extra)
{
    vg_packet p;
    memset(&p, 0, sizeof p);
    p.proto = 6;
    p.flow = &c->f;
    p.flags = (side ? VG_PKT_TOCLIENT : VG_PKT_TOSERVER) | VG_PKT_STREAM_ADD;
    p.tcp_flags = 0x18;
    p.tcp_seq = c->seq[side];
    p.tcp_ack = c->seq[1 - side];
    p.payload = (const uint8_t *)s;
    p.payload_len = (uint32_t)strlen(s);
    c->seq[side] += p.payload_len;
    if (!skip) {
        vg_app_on_packet(c->ctx, &p);
        vg_app_after_packet(c->ctx, &p);
    }
    vg_packet a;
    memset(&a, 0, sizeof a);
    a.proto = 6;
    a.flow = &c->f;
    a.flags = side ? VG_PKT_TOSERVER : VG_PKT_TOCLIENT;
    a.tcp_flags = 0x10;
    a.tcp_seq = c->seq[1 - side];
    a.tcp_ack = c->seq[side] + ack_extra;
    vg_app_on_packet(c->ctx, &a);
    vg_app_after_packet(c->ctx, &a);
}

static void conn_close(conn *c)
{
    vg_app_flow_end(c->ctx, &c->f);
    vg_app_ctx_free(c->ctx);
    vg_conf_free(c->conf);
}

static int ntx(const vg_flow *f)
{
    int n = 0;
    for (vg_app_tx *tx = vg_app_tx_first(f); tx; tx = vg_app_tx_next(tx))
        n++;
    return n;
}

/* A download past the depth: the response side is cut, so each later
 * request completes on its own, is logged and freed instead of piling up
 * waiting for a response that will never be parsed. */
static void depth_cuts_side_and_completes_txs(void)
{
    conn c;
    conn_open(&c, "300");
    send_acked(&c, 0, "GET /big HTTP/1.1\r\nHost: h\r\n\r\n", false, 0);
    char resp[600];
    snprintf(resp, sizeof resp, "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n");
    size_t hl = strlen(resp);
    memset(resp + hl, 'x', sizeof resp - hl - 1);
    resp[sizeof resp - 1] = 0;
    send_acked(&c, 1, resp, false, 0);
    VG_CHECK(c.f.app_state != NULL);
    app_flow *af = c.f.app_state;
    VG_CHECK(af->dir[1].trunc);
    VG_CHECK(!af->dir[0].trunc);
    VG_CHECK_EQ(vg_app_get_stats(c.ctx)->depth_trunc, 1);
    /* the first transaction completed with what was seen: logged, freed */
    for (int i = 0; i < 50; i++)
        send_acked(&c, 0, "GET /next HTTP/1.1\r\nHost: h\r\n\r\n", false, 0);
    VG_CHECK(ntx(&c.f) <= 1);
    VG_CHECK_EQ(vg_app_get_stats(c.ctx)->tx_cap, 0);
    conn_close(&c);
}

/* The capture lost part of a response body; the client's ACK proves the
 * server sent it.  libhtp skips the gap inside the body and the next
 * response on the connection is parsed. */
static void acked_gap_in_body_is_skipped(void)
{
    conn c;
    conn_open(&c, NULL);
    send_acked(&c, 0, "GET /a HTTP/1.1\r\nHost: h\r\n\r\n", false, 0);
    send_acked(&c, 1, "HTTP/1.1 200 OK\r\nContent-Length: 20\r\n\r\n0123456789", false, 0);
    send_acked(&c, 1, "abcdefghij", true, 0); /* lost: only its ACK is seen... */
    /* ...which is taken as a gap only once the server is seen to send past it */
    VG_CHECK_EQ(vg_app_get_stats(c.ctx)->gaps, 0);
    send_acked(&c, 0, "GET /b HTTP/1.1\r\nHost: h\r\n\r\n", false, 0);
    send_acked(&c, 1, "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n", false, 0);
    VG_CHECK_EQ(vg_app_get_stats(c.ctx)->gaps, 1);
    VG_CHECK_EQ(vg_app_get_stats(c.ctx)->gap_stop, 0);
    /* /a completed past the gap and was freed (without the skip it would
     * wait forever); /b got its 404, to be inspected at the server's next
     * packet, as a side is inspected on its own packets */
    VG_CHECK_EQ(ntx(&c.f), 1);
    vg_app_tx *tx = vg_app_tx_first(&c.f);
    const uint8_t *d;
    uint32_t n;
    VG_CHECK(tx && vg_app_tx_id(tx) == 1);
    VG_CHECK(tx && vg_app_get_buffer(&c.f, tx, VG_ABUF_HTTP_URI, 0, &d, &n) == VG_OK &&
             n == 2 && memcmp(d, "/b", 2) == 0);
    VG_CHECK(tx && vg_app_get_buffer(&c.f, tx, VG_ABUF_HTTP_STAT_CODE, 0, &d, &n) == VG_OK &&
             n == 3 && memcmp(d, "404", 3) == 0);
    conn_close(&c);
}

/* An ACK for data the server never sent must not make the parser skip:
 * the server's real bytes that follow are still parsed. */
static void ack_for_unsent_data_is_ignored(void)
{
    conn c;
    conn_open(&c, NULL);
    send_acked(&c, 0, "GET /a HTTP/1.1\r\nHost: h\r\n\r\n", false, 0);
    /* the client acknowledges 5000 server bytes that were never sent */
    vg_packet a;
    memset(&a, 0, sizeof a);
    a.proto = 6;
    a.flow = &c.f;
    a.flags = VG_PKT_TOSERVER;
    a.tcp_flags = 0x10;
    a.tcp_seq = c.seq[0];
    a.tcp_ack = c.seq[1] + 5000;
    vg_app_on_packet(c.ctx, &a);
    VG_CHECK_EQ(vg_app_get_stats(c.ctx)->gaps, 0);
    send_acked(&c, 1, "HTTP/1.1 302 Found\r\nLocation: /x\r\nContent-Length: 0\r\n\r\n", false, 0);
    vg_app_tx *tx = vg_app_tx_first(&c.f);
    const uint8_t *d;
    uint32_t n;
    VG_CHECK(tx != NULL);
    VG_CHECK(tx && vg_app_get_buffer(&c.f, tx, VG_ABUF_HTTP_STAT_CODE, 0, &d, &n) == VG_OK &&
             n == 3 && memcmp(d, "302", 3) == 0);
    VG_CHECK_EQ(vg_app_get_stats(c.ctx)->gaps, 0);
    conn_close(&c);
}

/* A protocol without a gap hook (TLS here) stops parsing that side at a
 * gap rather than parsing garbage. */
static void gap_without_hook_stops_side(void)
{
    conn c;
    conn_open(&c, NULL);
    static const char hello[] = "\x16\x03\x01\x00\x05\x01\x00\x00\x01\x00";
    char ch[sizeof hello];
    memcpy(ch, hello, sizeof hello);
    vg_packet p;
    memset(&p, 0, sizeof p);
    p.proto = 6;
    p.flow = &c.f;
    p.flags = VG_PKT_TOSERVER | VG_PKT_STREAM_ADD;
    p.tcp_flags = 0x18;
    p.tcp_seq = c.seq[0];
    p.payload = (const uint8_t *)ch;
    p.payload_len = sizeof hello - 1;
    c.seq[0] += p.payload_len;
    vg_app_on_packet(c.ctx, &p);
    send_acked(&c, 0, "lost bytes", true, 0);
    send_acked(&c, 0, "more", false, 0);
    app_flow *af = c.f.app_state;
    VG_CHECK(af != NULL);
    VG_CHECK_EQ(c.f.alproto, VG_ALPROTO_TLS);
    VG_CHECK(af && af->dir[0].trunc);
    VG_CHECK_EQ(vg_app_get_stats(c.ctx)->gaps, 1);
    VG_CHECK_EQ(vg_app_get_stats(c.ctx)->gap_stop, 1);
    conn_close(&c);
}

/* One data segment of side, not yet acknowledged. */
static void send_seg(conn *c, int side, const uint8_t *d, uint32_t n)
{
    vg_packet p;
    memset(&p, 0, sizeof p);
    p.proto = 6;
    p.flow = &c->f;
    p.flags = (side ? VG_PKT_TOCLIENT : VG_PKT_TOSERVER) | VG_PKT_STREAM_ADD;
    p.tcp_flags = 0x18;
    p.tcp_seq = c->seq[side];
    p.tcp_ack = c->seq[1 - side];
    p.payload = d;
    p.payload_len = n;
    c->seq[side] += n;
    vg_app_on_packet(c->ctx, &p);
    vg_app_after_packet(c->ctx, &p);
}

/* The other side acknowledges side's data up to (not including) seq. */
static void ack_upto(conn *c, int side, uint32_t seq)
{
    vg_packet a;
    memset(&a, 0, sizeof a);
    a.proto = 6;
    a.flow = &c->f;
    a.flags = side ? VG_PKT_TOSERVER : VG_PKT_TOCLIENT;
    a.tcp_flags = 0x10;
    a.tcp_seq = c->seq[1 - side];
    a.tcp_ack = seq;
    vg_app_on_packet(c->ctx, &a);
    vg_app_after_packet(c->ctx, &a);
}

/* Held data released a piece at a time (ACKs that cover part of it, the
 * rest held while more arrives) reaches the parser whole and in order,
 * whatever the segment sizes; a second flow on the same context reuses
 * the first one's buffers and gets its own bytes. */
static void partial_acks_deliver_every_byte_once(void)
{
    enum { BODY = 20000 };
    static uint8_t body[BODY];
    for (uint32_t i = 0; i < BODY; i++)
        body[i] = (uint8_t)(i * 7 + i / 251);
    conn c;
    conn_open(&c, NULL);
    static const uint32_t segsz[] = {1000, 1, 1460, 3333};
    for (int round = 0; round < 4; round++) {
        if (round) { /* a new flow on the same context */
            vg_app_flow_end(c.ctx, &c.f);
            memset(&c.f, 0, sizeof c.f);
            c.f.proto = 6;
            c.seq[0] = 7000u * (uint32_t)round;
            c.seq[1] = 0xfffff000u + (uint32_t)round; /* sequence numbers wrap */
            vg_packet p;
            for (int side = 0; side < 2; side++) {
                memset(&p, 0, sizeof p);
                p.proto = 6;
                p.flow = &c.f;
                p.flags = side ? VG_PKT_TOCLIENT : VG_PKT_TOSERVER;
                p.tcp_flags = side ? 0x12 : 0x02;
                p.tcp_seq = c.seq[side]++;
                p.tcp_ack = c.seq[0];
                vg_app_on_packet(c.ctx, &p);
            }
        }
        body[0] = (uint8_t)round; /* each flow its own bytes */
        send_acked(&c, 0, "GET /f HTTP/1.1\r\nHost: h\r\n\r\n", false, 0);
        char hdr[80];
        int hl = snprintf(hdr, sizeof hdr, "HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n", BODY);
        send_seg(&c, 1, (const uint8_t *)hdr, (uint32_t)hl);
        uint32_t sz = segsz[round], sent = 0, k = 0;
        while (sent < BODY) {
            uint32_t n = BODY - sent < sz ? BODY - sent : sz;
            send_seg(&c, 1, body + sent, n);
            sent += n;
            /* now and then an ACK for all but the last ~1.5 segments */
            if (++k % 3 == 0)
                ack_upto(&c, 1, c.seq[1] - sz - sz / 2);
        }
        ack_upto(&c, 1, c.seq[1]);
        vg_app_tx *tx = vg_app_tx_first(&c.f);
        const uint8_t *d = NULL;
        uint32_t n = 0;
        VG_CHECK(tx != NULL);
        VG_CHECK(tx && vg_app_get_buffer(&c.f, tx, VG_ABUF_HTTP_RESPONSE_BODY, 0, &d, &n) == VG_OK);
        VG_CHECK_EQ(n, BODY);
        VG_CHECK(n == BODY && memcmp(d, body, BODY) == 0);
        VG_CHECK_EQ(vg_app_get_stats(c.ctx)->gaps, 0);
    }
    conn_close(&c);
}

/* A FIN from side (after its data), then the other side acknowledges it. */
static void fin_acked(conn *c, int side)
{
    vg_packet p;
    memset(&p, 0, sizeof p);
    p.proto = 6;
    p.flow = &c->f;
    p.flags = side ? VG_PKT_TOCLIENT : VG_PKT_TOSERVER;
    p.tcp_flags = 0x11;
    p.tcp_seq = c->seq[side];
    p.tcp_ack = c->seq[1 - side];
    c->seq[side]++;
    vg_app_on_packet(c->ctx, &p);
    vg_app_after_packet(c->ctx, &p);
    ack_upto(c, side, c->seq[side]);
}

/* A keep-alive exchange closed by both sides: once the session is closed
 * and every transaction was logged, the flow's app state (libhtp's
 * connection too) is given back before the flow ends; the flow then shows
 * a state with no transactions, later packets are ignored and the flow's
 * end only drops the shared state.  Without the closed session, or while a
 * transaction is left, the state stays. */
static void closed_flow_state_freed_early(void)
{
    for (int closed = 0; closed < 2; closed++) {
        conn c;
        conn_open(&c, NULL);
        struct vg_tcp_session sess;
        memset(&sess, 0, sizeof sess);
        sess.state = TCPS_ESTABLISHED;
        c.f.tcp = &sess;
        for (int i = 0; i < 3; i++) {
            send_acked(&c, 0, "GET /k HTTP/1.1\r\nHost: h\r\n\r\n", false, 0);
            send_acked(&c, 1, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", false, 0);
        }
        fin_acked(&c, 0);
        VG_CHECK(c.f.app_state != NULL && ((app_flow *)c.f.app_state)->parser != NULL);
        if (closed)
            sess.state = TCPS_CLOSED; /* as the tracker sets it at the last ACK */
        fin_acked(&c, 1);
        /* one more packet of each side: the last transaction's inspection */
        ack_upto(&c, 1, c.seq[1]);
        ack_upto(&c, 0, c.seq[0]);
        const app_flow *af = c.f.app_state;
        VG_CHECK(af != NULL);
        VG_CHECK_EQ(ntx(&c.f), 0); /* all three done, logged and freed */
        if (closed) {
            VG_CHECK(af && af->parser == NULL && af->closed);
            VG_CHECK(vg_app_tx_first(&c.f) == NULL);
            /* data after the end changes nothing */
            send_acked(&c, 0, "GET /late HTTP/1.1\r\nHost: h\r\n\r\n", false, 0);
            VG_CHECK(c.f.app_state == af && vg_app_tx_first(&c.f) == NULL);
        } else {
            VG_CHECK(af && af->parser != NULL);
        }
        vg_app_flow_end(c.ctx, &c.f);
        VG_CHECK(c.f.app_state == NULL);
        c.f.tcp = NULL;
        conn_close(&c);
    }
}

static const vg_test tests[] = {
    {"closed_flow_state_freed_early", closed_flow_state_freed_early},
    {"partial_acks_deliver_every_byte_once", partial_acks_deliver_every_byte_once},
    {"depth_cuts_side_and_completes_txs", depth_cuts_side_and_completes_txs},
    {"acked_gap_in_body_is_skipped", acked_gap_in_body_is_skipped},
    {"ack_for_unsent_data_is_ignored", ack_for_unsent_data_is_ignored},
    {"gap_without_hook_stops_side", gap_without_hook_stops_side},
    {NULL, NULL},
};

VG_TEST_MAIN(tests)
