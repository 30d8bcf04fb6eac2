/* Unit tests for src/net/flow: flow table, TCP tracking, reassembly, EVE. */
#include <stdlib.h>
#include <string.h>

#include "core/conf.h"
#include "core/jbuf.h"
#include "net/flow/flow_table.h"
#include "unit/vg_test.h"

/* detection state hook the table calls when freeing flows */
void vg_detect_flow_free(void *detect_state) { free(detect_state); }

#define C_IP 0x0a000001u /* 10.0.0.1 client */
#define S_IP 0x0a000002u /* 10.0.0.2 server */

static long g_now = 1000;

static void mk(vg_packet *p, uint32_t sip, uint16_t sp, uint32_t dip, uint16_t dp, uint8_t proto)
{
    memset(p, 0, sizeof *p);
    p->ts.tv_sec = g_now;
    p->ipver = 4;
    p->wants_flow = true;
    p->src.family = p->dst.family = 4;
    p->src.a[0] = sip >> 24; p->src.a[1] = sip >> 16; p->src.a[2] = sip >> 8; p->src.a[3] = sip;
    p->dst.a[0] = dip >> 24; p->dst.a[1] = dip >> 16; p->dst.a[2] = dip >> 8; p->dst.a[3] = dip;
    p->sp = sp;
    p->dp = dp;
    p->proto = proto;
    p->ip_len = 40;
}

/* One TCP segment; toserver = from client (10.0.0.1:40000) to server :80. */
static vg_flow *tcp(vg_flow_table *ft, vg_packet *p, bool toserver, uint8_t flags, uint32_t seq,
                    uint32_t ack, const char *data)
{
    if (toserver)
        mk(p, C_IP, 40000, S_IP, 80, 6);
    else
        mk(p, S_IP, 80, C_IP, 40000, 6);
    p->tcp_flags = flags;
    p->tcp_seq = seq;
    p->tcp_ack = ack;
    p->tcp_win = 65535;
    p->payload = (const uint8_t *)data;
    p->payload_len = data ? (uint32_t)strlen(data) : 0;
    p->ip_len += p->payload_len;
    return vg_flow_table_handle(ft, p);
}

enum { S = 0x02, A = 0x10, SA = 0x12, F = 0x01, R = 0x04, P = 0x08 };

static vg_flow_table *table(const char *yaml)
{
    char err[VG_ERRBUF_SIZE];
    vg_conf *c = NULL;
    if (yaml) {
        c = vg_conf_new();
        if (vg_conf_load_string(c, yaml, "test", err) != VG_OK) {
            fprintf(stderr, "conf: %s\n", err);
            abort();
        }
    }
    vg_flow_table *ft = NULL;
    int rc = vg_flow_table_new(&ft, c, err);
    if (rc != VG_OK) {
        fprintf(stderr, "flow table: %s\n", err);
        abort();
    }
    vg_conf_free(c);
    return ft;
}

static void handshake(vg_flow_table *ft)
{
    vg_packet p;
    tcp(ft, &p, true, S, 100, 0, NULL);
    tcp(ft, &p, false, SA, 5000, 101, NULL);
    tcp(ft, &p, true, A, 101, 5001, NULL);
}

/* Collects what the end callback saw. */
typedef struct ended {
    int n;
    vg_flow_end why[64];
    uint64_t ids[64];
    char data[2][256];
    size_t dlen[2];
    char log[2][256];
    int nchunks;
    char json[2048];
} ended;

static void on_end(vg_flow *f, vg_flow_end why, const vg_stream_chunk *ch, int nch, void *arg)
{
    ended *e = arg;
    if (e->n < 64) {
        e->why[e->n] = why;
        e->ids[e->n] = f->flow_id;
    }
    e->n++;
    e->nchunks += nch;
    for (int i = 0; i < nch; i++) {
        int d = ch[i].toserver ? 0 : 1;
        size_t room = sizeof e->data[d] - 1 - e->dlen[d];
        size_t l = ch[i].len < room ? ch[i].len : room;
        if (l) /* a pseudo packet's chunk at flow end may carry no data */
            memcpy(e->data[d] + e->dlen[d], ch[i].data, l);
        e->dlen[d] += l;
        if (ch[i].log_data) {
            size_t ll = ch[i].log_len < 255 ? ch[i].log_len : 255;
            memcpy(e->log[d], ch[i].log_data, ll);
            e->log[d][ll] = 0;
        }
    }
    vg_jb jb;
    vg_jb_init(&jb);
    vg_flow_eve(f, why, &jb);
    snprintf(e->json, sizeof e->json, "%s", jb.buf ? jb.buf : "");
    vg_jb_free(&jb);
}

static bool has_event(const vg_packet *p, const char *name)
{
    for (int i = 0; i < p->nstream_events; i++)
        if (strcmp(vg_stream_event_name(p->stream_events[i]), name) == 0)
            return true;
    return false;
}

static void tcp_handshake_establishes(void)
{
    vg_flow_table *ft = table(NULL);
    vg_packet p;
    vg_flow *f = tcp(ft, &p, true, S, 100, 0, NULL);
    VG_CHECK(f != NULL);
    VG_CHECK(p.flags & VG_PKT_TOSERVER);
    VG_CHECK(p.flags & VG_PKT_FIRST_IN_FLOW);
    VG_CHECK(!(p.flags & VG_PKT_ESTABLISHED));
    VG_CHECK_STR(vg_flow_tcp_state(f), "syn_sent");
    uint64_t id = f->flow_id;
    VG_CHECK(id != 0 && id < (1ull << 53));
    vg_flow *f2 = tcp(ft, &p, false, SA, 5000, 101, NULL);
    VG_CHECK(f2 == f);
    VG_CHECK(p.flags & VG_PKT_TOCLIENT);
    VG_CHECK(!(p.flags & VG_PKT_FIRST_IN_FLOW));
    VG_CHECK_STR(vg_flow_tcp_state(f), "syn_recv");
    tcp(ft, &p, true, A, 101, 5001, NULL);
    VG_CHECK_STR(vg_flow_tcp_state(f), "established");
    VG_CHECK(p.flags & VG_PKT_ESTABLISHED);
    VG_CHECK(p.flags & VG_PKT_STREAM_EST);
    VG_CHECK(f->flags & VG_FLOW_ESTABLISHED);
    VG_CHECK_EQ(f->pkts_toserver, 2);
    VG_CHECK_EQ(f->pkts_toclient, 1);
    uint32_t isn = 0, nxt = 0;
    VG_CHECK(vg_flow_tcp_seq(f, true, &isn, &nxt));
    VG_CHECK_EQ(isn, 100);
    VG_CHECK_EQ(nxt, 101);
    VG_CHECK(vg_flow_tcp_seq(f, false, &isn, &nxt));
    VG_CHECK_EQ(isn, 5000);
    VG_CHECK_EQ(f->flow_id, id);
    /* FIN from both sides closes the session */
    tcp(ft, &p, true, F | A, 101, 5001, NULL);
    VG_CHECK_STR(vg_flow_tcp_state(f), "fin_wait1");
    tcp(ft, &p, false, F | A, 5001, 102, NULL);
    VG_CHECK_STR(vg_flow_tcp_state(f), "time_wait");
    tcp(ft, &p, true, A, 102, 5002, NULL);
    VG_CHECK_STR(vg_flow_tcp_state(f), "closed");
    ended e = {0};
    vg_flow_table_expire_all(ft, on_end, &e);
    VG_CHECK_EQ(e.n, 1);
    VG_CHECK_EQ(e.why[0], VG_FLOW_END_SHUTDOWN);
    VG_CHECK(strstr(e.json, "\"state\":\"closed\",\"reason\":\"shutdown\"") != NULL);
    VG_CHECK(strstr(e.json, "\"tcp_flags\":\"13\",\"tcp_flags_ts\":\"13\",\"tcp_flags_tc\":\"13\",\"syn\":true,\"fin\":true,\"ack\":true,\"state\":\"closed\"") != NULL);
    VG_CHECK(strstr(e.json, "\"src_ip\":\"10.0.0.1\",\"src_port\":40000") != NULL);
    VG_CHECK(strstr(e.json, "\"event_type\":\"flow\"") != NULL);
    VG_CHECK(strstr(e.json, "app_proto") == NULL);
    vg_flow_table_free(ft);
}

static void midstream_off_tracks_nothing(void)
{
    vg_flow_table *ft = table(NULL);
    vg_packet p;
    vg_flow *f = tcp(ft, &p, true, A | P, 101, 5001, "GET / HTTP/1.0\r\n");
    VG_CHECK(f != NULL);
    VG_CHECK(f->tcp == NULL);
    VG_CHECK(!(p.flags & VG_PKT_STREAM_EST));
    tcp(ft, &p, false, A, 5001, 117, NULL);
    VG_CHECK(!(p.flags & VG_PKT_ESTABLISHED));
    vg_stream_chunk ch[VG_MAX_CHUNKS];
    VG_CHECK_EQ(vg_flow_table_stream(ft, &p, ch, VG_MAX_CHUNKS), 0);
    ended e = {0};
    vg_flow_table_expire_all(ft, on_end, &e);
    VG_CHECK_EQ(e.nchunks, 0);
    VG_CHECK(strstr(e.json, "\"state\":\"new\"") != NULL);
    VG_CHECK(strstr(e.json, "\"tcp_flags\":\"00\"") != NULL);
    vg_flow_table_free(ft);
}

static void midstream_policy_bypass_times_out_as_bypassed(void)
{
    vg_flow_table *ft = table("stream:\n  midstream-policy: bypass\n");
    vg_packet p;
    g_now = 5000;
    vg_flow *f = tcp(ft, &p, true, A | P, 101, 5001, "data");
    VG_CHECK(f && f->tcp == NULL);
    VG_CHECK(f->flags & VG_FLOW_NOPACKET_INSPECT);
    VG_CHECK(p.flags & VG_PKT_NOPAYLOAD_INSPECT);
    ended e = {0};
    struct timeval now = {5070, 0}; /* past tcp "new" (60 s), not "bypassed" (100 s) */
    vg_flow_table_expire(ft, &now, on_end, &e);
    VG_CHECK_EQ(e.n, 0);
    now.tv_sec = 5101;
    vg_flow_table_expire(ft, &now, on_end, &e);
    VG_CHECK_EQ(e.n, 1);
    VG_CHECK(strstr(e.json, "\"state\":\"bypassed\",\"bypass\":\"local\",\"reason\":\"timeout\"") != NULL);
    g_now = 1000;
    vg_flow_table_free(ft);
}

static void midstream_on_picks_up(void)
{
    vg_flow_table *ft = table("stream:\n  midstream: true\n");
    vg_packet p;
    /* first packet is the server's SYN/ACK: the flow is reversed */
    vg_flow *f = tcp(ft, &p, false, SA, 5000, 101, NULL);
    VG_CHECK(f && f->tcp);
    VG_CHECK(p.flags & VG_PKT_TOCLIENT);
    VG_CHECK_EQ(f->sp, 40000);
    VG_CHECK_EQ(f->dp, 80);
    VG_CHECK_EQ(f->pkts_toclient, 1);
    tcp(ft, &p, true, A, 101, 5001, NULL);
    VG_CHECK(p.flags & VG_PKT_TOSERVER);
    VG_CHECK_STR(vg_flow_tcp_state(f), "established");
    VG_CHECK(f->flags & VG_FLOW_MIDSTREAM);
    /* plain ACK pickup on another flow */
    vg_packet q;
    mk(&q, C_IP, 40001, S_IP, 80, 6);
    q.tcp_flags = A;
    q.tcp_seq = 7;
    q.tcp_ack = 9;
    vg_flow *g = vg_flow_table_handle(ft, &q);
    VG_CHECK(g && g != f);
    VG_CHECK_STR(vg_flow_tcp_state(g), "established");
    VG_CHECK(q.flags & VG_PKT_STREAM_EST);
    ended e = {0};
    vg_flow_table_expire_all(ft, on_end, &e);
    VG_CHECK_EQ(e.n, 2);
    vg_flow_table_free(ft);
}

static void reasm_in_order_acked_chunks(void)
{
    vg_flow_table *ft = table(NULL);
    handshake(ft);
    vg_packet p;
    static char a[1501], b[1501];
    memset(a, 'a', 1500);
    memset(b, 'b', 1500);
    tcp(ft, &p, true, A | P, 101, 5001, a);
    vg_stream_chunk ch[VG_MAX_CHUNKS];
    VG_CHECK_EQ(vg_flow_table_stream(ft, &p, ch, VG_MAX_CHUNKS), 0); /* not acked */
    tcp(ft, &p, true, A | P, 1601, 5001, b);
    VG_CHECK_EQ(vg_flow_table_stream(ft, &p, ch, VG_MAX_CHUNKS), 0);
    tcp(ft, &p, false, A, 5001, 3101, NULL); /* server acks 3000 bytes */
    VG_CHECK_EQ(vg_flow_table_stream(ft, &p, ch, VG_MAX_CHUNKS), 0); /* toclient: no data */
    tcp(ft, &p, true, A, 3101, 5001, NULL);
    int n = vg_flow_table_stream(ft, &p, ch, VG_MAX_CHUNKS);
    VG_CHECK_EQ(n, 1);
    if (n == 1) {
        VG_CHECK_EQ(ch[0].len, 3000);
        VG_CHECK_EQ(ch[0].offset, 0);
        VG_CHECK(ch[0].toserver);
        VG_CHECK(ch[0].data[0] == 'a' && ch[0].data[1499] == 'a' && ch[0].data[1500] == 'b');
        VG_CHECK(ch[0].log_data == NULL);
    }
    /* inspected once */
    tcp(ft, &p, true, A, 3101, 5001, NULL);
    VG_CHECK_EQ(vg_flow_table_stream(ft, &p, ch, VG_MAX_CHUNKS), 0);
    ended e = {0};
    vg_flow_table_expire_all(ft, on_end, &e);
    /* the session is still open at its end: one pseudo packet per direction
     * (as Suricata's flow timeout), with no data left to inspect */
    VG_CHECK_EQ(e.nchunks, 2);
    VG_CHECK_EQ(e.dlen[0] + e.dlen[1], 0);
    vg_flow_table_free(ft);
}

static void reasm_out_of_order_and_flow_end(void)
{
    vg_flow_table *ft = table(NULL);
    handshake(ft);
    vg_packet p;
    tcp(ft, &p, true, A | P, 105, 5001, "WORLD");
    tcp(ft, &p, true, A | P, 101, 5001, "HELO");
    tcp(ft, &p, false, A | P, 5001, 110, "reply");
    ended e = {0};
    vg_flow_table_expire_all(ft, on_end, &e);
    VG_CHECK_EQ(e.n, 1);
    VG_CHECK_STR(e.data[0], "HELOWORLD");
    VG_CHECK_STR(e.data[1], "reply");
    VG_CHECK_EQ(e.nchunks, 2);
    vg_flow_table_free(ft);
}

/* A stream whose sender has finished (FIN) and whose data were all
 * inspected gives its buffer back at once, not at flow end; one that may
 * still send keeps it (long flows would otherwise regrow it each time). */
static void reasm_finished_stream_released(void)
{
    vg_flow_table *ft = table(NULL);
    handshake(ft);
    uint64_t base = vg_flow_table_memuse(ft); /* no stream data yet */
    vg_packet p;
    vg_flow *f = tcp(ft, &p, true, A | P, 101, 5001, "REQUEST");
    VG_CHECK(vg_flow_table_memuse(ft) > base);
    tcp(ft, &p, false, A, 5001, 108, NULL); /* acked, below the chunk size */
    vg_flow_trigger_raw(f, true);
    tcp(ft, &p, true, A, 108, 5001, NULL);
    vg_stream_chunk ch[VG_MAX_CHUNKS];
    int n = vg_flow_table_stream(ft, &p, ch, VG_MAX_CHUNKS);
    VG_CHECK_EQ(n, 1);
    if (n == 1)
        VG_CHECK(ch[0].len == 7 && memcmp(ch[0].data, "REQUEST", 7) == 0);
    /* all inspected, but the client may still send: kept */
    tcp(ft, &p, true, A, 108, 5001, NULL);
    VG_CHECK(vg_flow_table_memuse(ft) > base);
    /* the client's FIN: released right away */
    tcp(ft, &p, true, F | A, 108, 5001, NULL);
    VG_CHECK_EQ(vg_flow_table_memuse(ft), base);
    /* the server's answer still goes into its own stream */
    tcp(ft, &p, false, A | P, 5001, 109, "RESPONSE");
    VG_CHECK(vg_flow_table_memuse(ft) > base);
    ended e = {0};
    vg_flow_table_expire_all(ft, on_end, &e);
    VG_CHECK_EQ(e.dlen[0], 0);
    VG_CHECK_STR(e.data[1], "RESPONSE");
    vg_flow_table_free(ft);
}

static void reasm_overlap_policies(void)
{
    /* default (bsd): the first data wins on an exact overlap */
    vg_flow_table *ft = table(NULL);
    handshake(ft);
    vg_packet p;
    tcp(ft, &p, true, A | P, 101, 5001, "GOOD");
    tcp(ft, &p, true, A | P, 101, 5001, "EVIL");
    VG_CHECK_EQ(p.nstream_events, 1);
    VG_CHECK_STR(vg_stream_event_name(p.stream_events[0]),
                 "stream.reassembly_overlap_different_data");
    tcp(ft, &p, true, A | P, 102, 5001, "XXX"); /* starts after: old wins */
    ended e = {0};
    vg_flow_table_expire_all(ft, on_end, &e);
    VG_CHECK_STR(e.data[0], "GOOD");
    vg_flow_table_free(ft);

    /* old-linux: a segment with the same start replaces the old data */
    ft = table("host-os-policy:\n  old-linux: [0.0.0.0/0]\n");
    handshake(ft);
    tcp(ft, &p, true, A | P, 101, 5001, "GOOD");
    tcp(ft, &p, true, A | P, 101, 5001, "EVIL");
    memset(&e, 0, sizeof e);
    vg_flow_table_expire_all(ft, on_end, &e);
    VG_CHECK_STR(e.data[0], "EVIL");
    vg_flow_table_free(ft);

    /* per host: old-linux only for data sent to 10.0.0.2 (the server) */
    ft = table("host-os-policy:\n  windows: [0.0.0.0/0]\n  old-linux: [10.0.0.2]\n");
    handshake(ft);
    tcp(ft, &p, true, A | P, 101, 5001, "GOOD");
    tcp(ft, &p, true, A | P, 101, 5001, "EVIL");
    tcp(ft, &p, false, A | P, 5001, 105, "good");
    tcp(ft, &p, false, A | P, 5001, 105, "evil");
    memset(&e, 0, sizeof e);
    vg_flow_table_expire_all(ft, on_end, &e);
    VG_CHECK_STR(e.data[0], "EVIL");
    VG_CHECK_STR(e.data[1], "good");
    vg_flow_table_free(ft);

    /* bsd: a segment starting before the old one wins */
    ft = table(NULL);
    handshake(ft);
    tcp(ft, &p, true, A | P, 103, 5001, "CD");
    tcp(ft, &p, true, A | P, 101, 5001, "abxy");
    memset(&e, 0, sizeof e);
    vg_flow_table_expire_all(ft, on_end, &e);
    VG_CHECK_STR(e.data[0], "abxy");
    vg_flow_table_free(ft);
}

static void reasm_retransmissions_do_not_fill_table(void)
{
    vg_flow_table *ft = table(NULL);
    handshake(ft);
    vg_packet p;
    tcp(ft, &p, true, A | P, 101, 5001, "HEAD");
    for (int i = 0; i < 5000; i++) /* never acknowledged, resent again and again */
        tcp(ft, &p, true, A | P, 101, 5001, "HEAD");
    tcp(ft, &p, true, A | P, 105, 5001, "TAIL");
    VG_CHECK(p.flags & VG_PKT_STREAM_ADD);
    ended e = {0};
    vg_flow_table_expire_all(ft, on_end, &e);
    VG_CHECK_STR(e.data[0], "HEADTAIL");
    vg_flow_table_free(ft);
}

static void reasm_gap_event_in_flow(void)
{
    vg_flow_table *ft = table("stream:\n  reassembly:\n    toserver-chunk-size: 4\n");
    handshake(ft);
    vg_packet p;
    tcp(ft, &p, true, A | P, 101, 5001, "VERY");
    tcp(ft, &p, true, A | P, 109, 5001, "DATA");
    tcp(ft, &p, false, A, 5001, 113, NULL);
    tcp(ft, &p, true, A, 113, 5001, NULL);
    vg_stream_chunk ch[VG_MAX_CHUNKS];
    VG_CHECK_EQ(vg_flow_table_stream(ft, &p, ch, VG_MAX_CHUNKS), 2);
    VG_CHECK(has_event(&p, "stream.reassembly_seq_gap"));
    vg_flow_table_expire_all(ft, NULL, NULL);
    vg_flow_table_free(ft);
}

static void reasm_gap_marked(void)
{
    vg_flow_table *ft = table(NULL);
    handshake(ft);
    vg_packet p;
    tcp(ft, &p, true, A | P, 101, 5001, "VERY");
    tcp(ft, &p, true, A | P, 109, 5001, "DATA");
    tcp(ft, &p, false, A, 5001, 113, NULL);
    ended e = {0};
    vg_flow_table_expire_all(ft, on_end, &e);
    VG_CHECK_EQ(e.nchunks, 3); /* two around the gap, an empty one to the client */
    VG_CHECK_EQ(e.dlen[1], 0);
    VG_CHECK_STR(e.data[0], "VERYDATA");
    VG_CHECK_STR(e.log[0], "VERY[4 bytes missing]DATA");
    VG_CHECK(strstr(e.json, "\"ts_gap\":true") != NULL);
    vg_flow_table_free(ft);
}

static void reasm_depth_caps(void)
{
    vg_flow_table *ft = table("stream:\n  reassembly:\n    depth: 6\n");
    handshake(ft);
    vg_packet p;
    tcp(ft, &p, true, A | P, 101, 5001, "0123");
    tcp(ft, &p, true, A | P, 105, 5001, "4567");
    tcp(ft, &p, true, A | P, 109, 5001, "89");
    ended e = {0};
    vg_flow_table_expire_all(ft, on_end, &e);
    VG_CHECK_STR(e.data[0], "012345");
    vg_jb jb;
    vg_jb_init(&jb);
    vg_jb_open_obj(&jb, NULL);
    vg_flow_table_stats_eve(ft, &jb);
    vg_jb_close_obj(&jb);
    VG_CHECK(strstr(jb.buf, "\"stream_depth_reached\":1") != NULL);
    vg_jb_free(&jb);
    vg_flow_table_free(ft);

    /* stream.bypass: the flow is bypassed once the depth is reached */
    ft = table("stream:\n  bypass: yes\n  reassembly:\n    depth: 6\n");
    handshake(ft);
    tcp(ft, &p, true, A | P, 101, 5001, "0123");
    vg_flow *f = tcp(ft, &p, true, A | P, 105, 5001, "4567");
    VG_CHECK(f->flags & VG_FLOW_NOPACKET_INSPECT);
    memset(&e, 0, sizeof e);
    vg_flow_table_expire_all(ft, on_end, &e);
    VG_CHECK(strstr(e.json, "\"state\":\"bypassed\"") != NULL);
    vg_flow_table_free(ft);

    /* stream.reassembly.raw: no -> no raw inspection at all */
    ft = table("stream:\n  reassembly:\n    raw: no\n");
    handshake(ft);
    tcp(ft, &p, true, A | P, 101, 5001, "0123");
    memset(&e, 0, sizeof e);
    vg_flow_table_expire_all(ft, on_end, &e);
    VG_CHECK_EQ(e.nchunks, 0);
    vg_flow_table_free(ft);
}

static void rst_data_not_in_stream(void)
{
    vg_flow_table *ft = table(NULL);
    handshake(ft);
    vg_packet p;
    tcp(ft, &p, false, A | P, 5001, 101, "Please ");
    tcp(ft, &p, false, A | P, 5008, 101, "Let Me In!");
    vg_flow *f = tcp(ft, &p, false, R, 5018, 0, "Access Denied");
    VG_CHECK_STR(vg_flow_tcp_state(f), "closed");
    vg_stream_chunk ch[VG_MAX_CHUNKS];
    int n = vg_flow_table_stream(ft, &p, ch, VG_MAX_CHUNKS);
    VG_CHECK_EQ(n, 1); /* closed: inspect what the RST implicitly completes */
    if (n == 1)
        VG_CHECK(ch[0].len == 17 && memcmp(ch[0].data, "Please Let Me In!", 17) == 0);
    ended e = {0};
    vg_flow_table_expire_all(ft, on_end, &e);
    VG_CHECK_EQ(e.nchunks, 0);
    vg_flow_table_free(ft);
}

static void split_handshake_5whs(void)
{
    vg_flow_table *ft = table(NULL);
    vg_packet p;
    vg_flow *f = tcp(ft, &p, true, S, 1000, 0, NULL);
    tcp(ft, &p, false, A, 0, 1001, NULL);
    tcp(ft, &p, false, S, 3000, 0, NULL);
    tcp(ft, &p, true, SA, 1000, 3001, NULL);
    tcp(ft, &p, false, A, 3001, 1001, NULL);
    VG_CHECK_STR(vg_flow_tcp_state(f), "established");
    VG_CHECK_EQ(f->sp, 40000);
    tcp(ft, &p, true, A, 1001, 3001, "EVIL");
    tcp(ft, &p, false, A, 3001, 1005, NULL);
    tcp(ft, &p, true, R, 1005, 0, NULL);
    vg_stream_chunk ch[VG_MAX_CHUNKS];
    VG_CHECK_EQ(vg_flow_table_stream(ft, &p, ch, VG_MAX_CHUNKS), 1);
    vg_flow_table_expire_all(ft, NULL, NULL);
    vg_flow_table_free(ft);
}

static void tfo_data_on_syn(void)
{
    vg_flow_table *ft = table(NULL);
    vg_packet p;
    /* without the TFO option the SYN's data stays out of the stream */
    tcp(ft, &p, true, S, 100, 0, "Hello!");
    VG_CHECK(!(p.flags & VG_PKT_STREAM_ADD));
    ended e0 = {0};
    vg_flow_table_expire_all(ft, on_end, &e0);
    VG_CHECK_EQ(e0.nchunks, 0);
    /* with it (kind 34, cookie), the data is stream data */
    static const uint8_t hdr[28] = {0x9c, 0x40, 0, 80, 0, 0, 0, 100, 0, 0, 0, 0, 0x70, 0x02,
                                    0xff, 0xff, 0, 0, 0, 0, 34, 6, 1, 2, 3, 4, 1, 0};
    tcp(ft, &p, true, S, 100, 0, "Hello!");
    p.l4 = hdr;
    p.l4_hlen = sizeof hdr;
    vg_flow_table_free(ft);
    ft = table(NULL);
    mk(&p, C_IP, 40000, S_IP, 80, 6);
    p.tcp_flags = S;
    p.tcp_seq = 100;
    p.tcp_win = 65535;
    p.payload = (const uint8_t *)"Hello!";
    p.payload_len = 6;
    p.l4 = hdr;
    p.l4_hlen = sizeof hdr;
    vg_flow_table_handle(ft, &p);
    VG_CHECK(p.flags & VG_PKT_STREAM_ADD);
    tcp(ft, &p, false, SA, 5000, 107, NULL);
    vg_flow *f = tcp(ft, &p, true, A, 107, 5001, NULL);
    VG_CHECK_STR(vg_flow_tcp_state(f), "established");
    ended e = {0};
    vg_flow_table_expire_all(ft, on_end, &e);
    VG_CHECK_STR(e.data[0], "Hello!");
    vg_flow_table_free(ft);
}

static void inline_mode_inspects_each_packet(void)
{
    vg_flow_table *ft = table("stream:\n  inline: auto\n  reassembly:\n"
                              "    toserver-chunk-size: 16\n");
    vg_flow_table_set_ips(ft, true); /* auto + IPS = inline */
    handshake(ft);
    vg_packet p;
    vg_stream_chunk ch[VG_MAX_CHUNKS];
    tcp(ft, &p, true, A | P, 101, 5001, "0123456789");
    VG_CHECK_EQ(vg_flow_table_stream(ft, &p, ch, VG_MAX_CHUNKS), 1); /* no ACK needed */
    VG_CHECK_EQ(ch[0].len, 10);
    tcp(ft, &p, true, A | P, 111, 5001, "abcdefghij");
    tcp(ft, &p, true, A | P, 121, 5001, "ABCDEFGHIJ");
    VG_CHECK_EQ(vg_flow_table_stream(ft, &p, ch, VG_MAX_CHUNKS), 1);
    /* the chunk ends with the packet and reaches back to the chunk size */
    VG_CHECK_EQ(ch[0].len, 16);
    VG_CHECK_EQ(ch[0].offset, 14);
    VG_CHECK(memcmp(ch[0].data, "efghijABCDEFGHIJ", 16) == 0);
    /* a packet without data gets no chunk */
    tcp(ft, &p, false, A, 5001, 131, NULL);
    VG_CHECK_EQ(vg_flow_table_stream(ft, &p, ch, VG_MAX_CHUNKS), 0);
    vg_flow_table_expire_all(ft, NULL, NULL);
    vg_flow_table_free(ft);
}

static void udp_timeouts(void)
{
    vg_flow_table *ft = table(NULL);
    vg_packet p;
    g_now = 1000;
    mk(&p, C_IP, 5353, S_IP, 53, 17);
    vg_flow *f = vg_flow_table_handle(ft, &p);
    VG_CHECK(f && !(p.flags & VG_PKT_ESTABLISHED));
    mk(&p, S_IP, 53, C_IP, 5353, 17);
    VG_CHECK(vg_flow_table_handle(ft, &p) == f);
    VG_CHECK(p.flags & VG_PKT_TOCLIENT);
    VG_CHECK(p.flags & VG_PKT_ESTABLISHED);
    ended e = {0};
    struct timeval now = {1000 + 299, 0};
    vg_flow_table_expire(ft, &now, on_end, &e);
    VG_CHECK_EQ(e.n, 0);
    now.tv_sec = 1000 + 301; /* established: 300 s */
    vg_flow_table_expire(ft, &now, on_end, &e);
    VG_CHECK_EQ(e.n, 1);
    VG_CHECK_EQ(e.why[0], VG_FLOW_END_TIMEOUT);
    VG_CHECK(strstr(e.json, "\"reason\":\"timeout\"") != NULL);
    /* a new one-sided flow times out after 30 s */
    mk(&p, C_IP, 5354, S_IP, 53, 17);
    p.ts.tv_sec = 2000;
    vg_flow_table_handle(ft, &p);
    now.tv_sec = 2029;
    vg_flow_table_expire(ft, &now, on_end, &e);
    VG_CHECK_EQ(e.n, 1);
    now.tv_sec = 2031;
    vg_flow_table_expire(ft, &now, on_end, &e);
    VG_CHECK_EQ(e.n, 2);
    vg_flow_table_free(ft);
}

static void memcap_evicts_oldest(void)
{
    /* room for a handful of flows beyond the hash buckets */
    vg_flow_table *ft = table("flow:\n  memcap: 20000\n  hash-size: 256\n");
    ended e = {0};
    vg_packet p;
    int got = 0;
    struct timeval now = {1000, 0};
    for (int i = 0; i < 200; i++) {
        mk(&p, C_IP, (uint16_t)(1000 + i), S_IP, 53, 17);
        p.ts.tv_sec = 1000;
        p.ts.tv_usec = i;
        if (vg_flow_table_handle(ft, &p))
            got++;
        if (i % 16 == 0)
            vg_flow_table_expire(ft, &now, on_end, &e);
    }
    vg_flow_table_expire_all(ft, on_end, &e);
    VG_CHECK_EQ(got, 200);      /* every packet got a flow: older ones were evicted */
    VG_CHECK_EQ(e.n, 200);      /* and every flow ended exactly once */
    int forced = 0;
    for (int i = 0; i < 64 && i < e.n; i++)
        forced += e.why[i] == VG_FLOW_END_FORCED;
    VG_CHECK(forced > 0);
    VG_CHECK(vg_flow_table_memuse(ft) <= 20000 + 4096 * 1024);
    vg_jb jb;
    vg_jb_init(&jb);
    vg_jb_open_obj(&jb, NULL);
    vg_flow_table_stats_eve(ft, &jb);
    vg_jb_close_obj(&jb);
    VG_CHECK(strstr(jb.buf, "\"emerg_mode_entered\":1") != NULL);
    VG_CHECK(strstr(jb.buf, "\"total\":200") != NULL);
    vg_jb_free(&jb);
    vg_flow_table_free(ft);
}

static void flow_ids_distinct_and_stable(void)
{
    vg_flow_table *ft = table(NULL);
    vg_packet p;
    uint64_t ids[100];
    for (int i = 0; i < 100; i++) {
        mk(&p, C_IP, (uint16_t)(2000 + i), S_IP, 53, 17);
        vg_flow *f = vg_flow_table_handle(ft, &p);
        ids[i] = f->flow_id;
        VG_CHECK(ids[i] != 0 && ids[i] < (1ull << 53));
        for (int j = 0; j < i; j++)
            VG_CHECK(ids[j] != ids[i]);
    }
    for (int i = 0; i < 100; i++) {
        mk(&p, S_IP, 53, C_IP, (uint16_t)(2000 + i), 17);
        VG_CHECK_EQ(vg_flow_table_handle(ft, &p)->flow_id, ids[i]);
    }
    /* non-IP and fragments get no flow */
    mk(&p, C_IP, 1, S_IP, 2, 17);
    p.wants_flow = false;
    VG_CHECK(vg_flow_table_handle(ft, &p) == NULL);
    vg_flow_table_expire_all(ft, NULL, NULL);
    vg_flow_table_free(ft);
}

static void icmp_error_joins_flow(void)
{
    vg_flow_table *ft = table(NULL);
    vg_packet p;
    mk(&p, C_IP, 5353, S_IP, 53, 17);
    vg_flow *f = vg_flow_table_handle(ft, &p);
    /* port unreachable from the server quoting the datagram */
    uint8_t q[28] = {0x45, 0, 0, 28, 0, 0, 0, 0, 64, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2,
                     0x14, 0xe9, 0, 53, 0, 8, 0, 0};
    mk(&p, S_IP, 0, C_IP, 0, 1);
    p.icmp_type = 3;
    p.icmp_code = 3;
    p.payload = q;
    p.payload_len = sizeof q;
    VG_CHECK(vg_flow_table_handle(ft, &p) == f);
    VG_CHECK(p.flags & VG_PKT_TOCLIENT);
    VG_CHECK(!(p.flags & VG_PKT_ESTABLISHED)); /* errors do not establish */
    vg_flow_table_expire_all(ft, NULL, NULL);
    vg_flow_table_free(ft);
}

static void tcp_reuse_new_flow(void)
{
    vg_flow_table *ft = table(NULL);
    handshake(ft);
    vg_packet p;
    vg_flow *f = tcp(ft, &p, true, R, 101, 0, NULL);
    uint64_t id = f->flow_id;
    VG_CHECK_STR(vg_flow_tcp_state(f), "closed");
    vg_flow *g = tcp(ft, &p, true, S, 90000, 0, NULL);
    VG_CHECK(g != NULL && g->flow_id != id);
    VG_CHECK_STR(vg_flow_tcp_state(g), "syn_sent");
    ended e = {0};
    vg_flow_table_expire_all(ft, on_end, &e);
    VG_CHECK_EQ(e.n, 2);
    VG_CHECK_EQ(e.why[0], VG_FLOW_END_TCP_REUSE);
    vg_flow_table_free(ft);
}

static void flow_eve_app_proto(void)
{
    vg_flow_table *ft = table(NULL);
    vg_packet p;
    vg_flow *f = tcp(ft, &p, true, S, 100, 0, NULL);
    vg_jb jb;
    vg_jb_init(&jb);
    vg_flow_eve_app(f, VG_FLOW_END_SHUTDOWN, "http", &jb);
    VG_CHECK(strstr(jb.buf, "\"proto\":\"TCP\",\"app_proto\":\"http\",\"flow\":{") != NULL);
    vg_jb_free(&jb);
    vg_flow_table_expire_all(ft, NULL, NULL);
    vg_flow_table_free(ft);
}

static void invalid_packets_raise_events(void)
{
    vg_flow_table *ft = table(NULL);
    vg_packet p;
    vg_flow *f = tcp(ft, &p, true, S, 100, 0, NULL);
    /* SYN/ACK acknowledging something else than the SYN */
    tcp(ft, &p, false, SA, 5000, 999, NULL);
    VG_CHECK(has_event(&p, "stream.3whs_synack_with_wrong_ack"));
    VG_CHECK_STR(vg_flow_tcp_state(f), "syn_sent");
    /* SYN/ACK from the client without a split handshake */
    tcp(ft, &p, true, SA, 100, 5001, NULL);
    VG_CHECK(has_event(&p, "stream.3whs_synack_in_wrong_direction"));
    tcp(ft, &p, false, SA, 5000, 101, NULL);
    tcp(ft, &p, true, A, 101, 5001, NULL);
    VG_CHECK_STR(vg_flow_tcp_state(f), "established");
    /* an ACK far beyond anything the server sent */
    tcp(ft, &p, true, A | P, 101, 5001 + 0x40000000u, "x");
    VG_CHECK(has_event(&p, "stream.pkt_invalid_ack"));
    VG_CHECK(has_event(&p, "stream.est_invalid_ack"));
    VG_CHECK(!(p.flags & VG_PKT_STREAM_ADD));
    /* data already acknowledged: a retransmission, not stored again */
    tcp(ft, &p, true, A | P, 101, 5001, "abcd");
    tcp(ft, &p, false, A, 5001, 105, NULL);
    tcp(ft, &p, true, A | P, 101, 5001, "abcd");
    VG_CHECK(has_event(&p, "stream.pkt_retransmission"));
    /* SYN on an established session */
    tcp(ft, &p, true, S, 100, 0, NULL);
    VG_CHECK(has_event(&p, "stream.est_syn_resend"));
    /* no session: RST */
    mk(&p, C_IP, 41000, S_IP, 80, 6);
    p.tcp_flags = R;
    vg_flow_table_handle(ft, &p);
    VG_CHECK(has_event(&p, "stream.rst_but_no_session"));
    vg_flow_table_expire_all(ft, NULL, NULL);
    vg_flow_table_free(ft);
}

static void bad_config_names_key(void)
{
    static const struct { const char *yaml, *want; } t[] = {
        {"flow:\n  memcap: lots\n", "flow.memcap"},
        {"stream:\n  midstream: perhaps\n", "stream.midstream"},
        {"stream:\n  midstream-policy: explode\n", "stream.midstream-policy"},
        {"flow-timeouts:\n  tcp:\n    new: soon\n", "flow-timeouts.tcp.new"},
        {"host-os-policy:\n  linux: [10.0.0.300]\n", "host-os-policy.linux"},
        {"host-os-policy:\n  amiga: [10.0.0.1]\n", "amiga"},
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        char err[VG_ERRBUF_SIZE] = "";
        vg_conf *c = vg_conf_new();
        VG_CHECK(vg_conf_load_string(c, t[i].yaml, "bad.yaml", err) == VG_OK);
        vg_flow_table *ft = NULL;
        VG_CHECK_EQ(vg_flow_table_new(&ft, c, err), VG_EINVAL);
        VG_CHECK(ft == NULL);
        VG_CHECK(strstr(err, t[i].want) != NULL);
        VG_CHECK(strstr(err, "bad.yaml:") != NULL);
        vg_conf_free(c);
    }
}

/* 1.1.1.1:12345 -> 2.2.2.2:8080 ACK "GOOD", checksum 0xaf83 (right). */
static const uint8_t good_pkt[44] = {
    0x45, 0x00, 0x00, 0x2c, 0x00, 0x01, 0x00, 0x00, 0x40, 0x06, 0x74, 0xc6, 0x01, 0x01, 0x01,
    0x01, 0x02, 0x02, 0x02, 0x02, 0x30, 0x39, 0x1f, 0x90, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00,
    0x03, 0xe9, 0x50, 0x10, 0x10, 0x00, 0xaf, 0x83, 0x00, 0x00, 0x47, 0x4f, 0x4f, 0x44};

static void wire_pkt(vg_packet *p, const uint8_t *b)
{
    mk(p, 0x01010101, 12345, 0x02020202, 8080, 6);
    p->ip = b;
    p->ip_hlen = 20;
    p->ip_len = 44;
    p->l4 = b + 20;
    p->l4_hlen = 20;
    p->tcp_flags = A;
    p->tcp_seq = 2;
    p->tcp_ack = 1001;
    p->tcp_win = 4096;
    p->payload = b + 40;
    p->payload_len = 4;
}

static void bad_checksum_not_tracked(void)
{
    uint8_t bad[44];
    memcpy(bad, good_pkt, sizeof bad);
    bad[40] = 'E'; /* payload changed, checksum not */
    const char *confs[] = {"stream:\n  midstream: true\n",
                           "stream:\n  midstream: true\n  checksum-validation: no\n"};
    for (int c = 0; c < 2; c++) {
        vg_flow_table *ft = table(confs[c]);
        vg_packet p;
        wire_pkt(&p, bad);
        vg_flow *f = vg_flow_table_handle(ft, &p);
        VG_CHECK(f != NULL);
        if (c == 0) {
            VG_CHECK(f->tcp == NULL); /* ignored by the stream engine */
            wire_pkt(&p, good_pkt);
            vg_flow_table_handle(ft, &p);
            VG_CHECK(f->tcp != NULL && (p.flags & VG_PKT_STREAM_ADD));
            vg_jb jb;
            vg_jb_init(&jb);
            vg_jb_open_obj(&jb, NULL);
            vg_flow_table_stats_eve(ft, &jb);
            vg_jb_close_obj(&jb);
            VG_CHECK(strstr(jb.buf, "\"invalid_checksum\":1") != NULL);
            vg_jb_free(&jb);
        } else {
            VG_CHECK(f->tcp != NULL); /* validation off: tracked */
        }
        vg_flow_table_expire_all(ft, NULL, NULL);
        vg_flow_table_free(ft);
    }
}

static void stream_event_names(void)
{
    int ev = vg_stream_event_lookup("pkt_invalid_ack");
    VG_CHECK(ev >= 0);
    VG_CHECK_STR(vg_stream_event_name(ev), "stream.pkt_invalid_ack");
    VG_CHECK_EQ(vg_stream_event_lookup("stream.pkt_invalid_ack"), ev);
    VG_CHECK_EQ(vg_stream_event_lookup("no_such_event"), -1);
    VG_CHECK(vg_stream_event_name(10000) == NULL);
}

/* A client RST in SYN_SENT ends the attempt only with the SYN's own
 * sequence number (window 0): an RFC 5961 answer to a stray ACK does not,
 * and the retransmitted SYN goes on to a normal session. */
static void syn_sent_rst_must_match_the_syn(void)
{
    vg_flow_table *ft = table(NULL);
    vg_packet p;
    vg_flow *f = tcp(ft, &p, true, S, 100, 0, NULL);
    tcp(ft, &p, false, A, 7000, 9999, NULL);      /* stray ACK from the server */
    tcp(ft, &p, true, R, 9999, 0, NULL);          /* the client's answer to it */
    VG_CHECK_STR(vg_flow_tcp_state(f), "syn_sent");
    VG_CHECK(has_event(&p, "stream.rst_invalid_ack"));
    handshake(ft);
    VG_CHECK_STR(vg_flow_tcp_state(f), "established");
    /* the SYN's own RST does end it */
    vg_flow_table *ft2 = table(NULL);
    vg_flow *g = tcp(ft2, &p, true, S, 100, 0, NULL);
    tcp(ft2, &p, true, R, 100, 0, NULL);
    VG_CHECK_STR(vg_flow_tcp_state(g), "syn_sent"); /* window 65535 above: not yet */
    mk(&p, C_IP, 40000, S_IP, 80, 6);
    p.tcp_flags = R;
    p.tcp_seq = 100;
    p.tcp_win = 0;
    vg_flow_table_handle(ft2, &p);
    VG_CHECK_STR(vg_flow_tcp_state(g), "closed");
    vg_flow_table_expire_all(ft, NULL, NULL);
    vg_flow_table_free(ft);
    vg_flow_table_expire_all(ft2, NULL, NULL);
    vg_flow_table_free(ft2);
}

static const vg_test tests[] = {
    {"syn_sent_rst_must_match_the_syn", syn_sent_rst_must_match_the_syn},
    {"tcp_handshake_establishes", tcp_handshake_establishes},
    {"midstream_off_tracks_nothing", midstream_off_tracks_nothing},
    {"midstream_on_picks_up", midstream_on_picks_up},
    {"midstream_policy_bypass_times_out_as_bypassed", midstream_policy_bypass_times_out_as_bypassed},
    {"reasm_in_order_acked_chunks", reasm_in_order_acked_chunks},
    {"reasm_out_of_order_and_flow_end", reasm_out_of_order_and_flow_end},
    {"reasm_finished_stream_released", reasm_finished_stream_released},
    {"reasm_overlap_policies", reasm_overlap_policies},
    {"reasm_retransmissions_do_not_fill_table", reasm_retransmissions_do_not_fill_table},
    {"reasm_gap_marked", reasm_gap_marked},
    {"reasm_gap_event_in_flow", reasm_gap_event_in_flow},
    {"reasm_depth_caps", reasm_depth_caps},
    {"rst_data_not_in_stream", rst_data_not_in_stream},
    {"split_handshake_5whs", split_handshake_5whs},
    {"tfo_data_on_syn", tfo_data_on_syn},
    {"inline_mode_inspects_each_packet", inline_mode_inspects_each_packet},
    {"udp_timeouts", udp_timeouts},
    {"memcap_evicts_oldest", memcap_evicts_oldest},
    {"flow_ids_distinct_and_stable", flow_ids_distinct_and_stable},
    {"icmp_error_joins_flow", icmp_error_joins_flow},
    {"tcp_reuse_new_flow", tcp_reuse_new_flow},
    {"flow_eve_app_proto", flow_eve_app_proto},
    {"invalid_packets_raise_events", invalid_packets_raise_events},
    {"bad_config_names_key", bad_config_names_key},
    {"bad_checksum_not_tracked", bad_checksum_not_tracked},
    {"stream_event_names", stream_event_names},
    {NULL, NULL},
};

VG_TEST_MAIN(tests)
