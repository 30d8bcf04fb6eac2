/*
 * tcp_session.c: TCP session tracking, as Suricata 8 does it in IDS mode.
 *
 * Job: follow the 3-way handshake (and 4/5-way split handshakes, TCP Fast
 * Open data on the SYN), pick up sessions midstream when stream.midstream
 * is on (otherwise apply stream.midstream-policy and track nothing), follow
 * FIN/RST closing, keep per-direction sequence/ACK/window state, and hand
 * each in-window data segment to reassembly.  Invalid packets raise
 * Suricata's stream events (p->stream_events) and are not added to the
 * stream.
 *
 * Invariants: a session exists only once a SYN (or an accepted midstream
 * packet) was seen; `client` is the stream of data sent by the flow's
 * client.  ACKs update the *other* direction's last_ack.  RST payload is
 * never part of the stream.
 */
#include <string.h>

#include "net/flow/flow_int.h"

/* Stream events, in Suricata's names (stream-events.rules). */
static const char *const ev_names[] = {
#define EV(id, name) name,
#include "net/flow/stream_events.def"
#undef EV
};

const char *vg_stream_event_name(int ev)
{
    if (ev < 0 || (size_t)ev >= VG_ARRAY_LEN(ev_names))
        return NULL;
    return ev_names[ev];
}

int vg_stream_event_lookup(const char *name)
{
    if (!name)
        return -1;
    if (strncmp(name, "stream.", 7) == 0)
        name += 7;
    for (size_t i = 0; i < VG_ARRAY_LEN(ev_names); i++)
        if (strcmp(ev_names[i] + 7, name) == 0)
            return (int)i;
    return -1;
}

void vg_tcp_set_event(vg_packet *p, int ev)
{
    for (int i = 0; i < p->nstream_events; i++)
        if (p->stream_events[i] == ev)
            return;
    if (p->nstream_events < VG_ARRAY_LEN(p->stream_events))
        p->stream_events[p->nstream_events++] = (uint8_t)ev;
}

const char *vg_tcp_state_name(uint8_t st)
{
    static const char *const n[] = {"none", "syn_sent", "syn_recv", "established", "fin_wait1",
                                    "fin_wait2", "time_wait", "last_ack", "close_wait",
                                    "closing", "closed"};
    return st < VG_ARRAY_LEN(n) ? n[st] : "unknown";
}

void vg_tcp_session_release(vg_flow_table *ft, struct vg_tcp_session *s)
{
    vg_reasm_free(ft, &s->client);
    vg_reasm_free(ft, &s->server);
}

static void set_state(vg_flow_table *ft, fnode *n, struct vg_tcp_session *s, uint8_t st)
{
    if (s->state == st)
        return;
    s->state = st;
    switch (st) {
    case TCPS_ESTABLISHED:
    case TCPS_FIN_WAIT1:
    case TCPS_FIN_WAIT2:
    case TCPS_CLOSING:
    case TCPS_CLOSE_WAIT:
        vg_flow_set_state(ft, n, FST_ESTABLISHED);
        break;
    case TCPS_LAST_ACK:
    case TCPS_TIME_WAIT:
    case TCPS_CLOSED:
        n->f.flags |= VG_FLOW_ESTABLISHED;
        vg_flow_set_state(ft, n, FST_CLOSED);
        break;
    default:
        break;
    }
}

/* cli/srv: the addresses of the session's client and server. */
static struct vg_tcp_session *session_new(vg_flow_table *ft, fnode *n, vg_packet *p,
                                          const vg_addr *cli, const vg_addr *srv)
{
    if (ft->tcp_memuse + sizeof(struct vg_tcp_session) > ft->cfg.stream_memcap) {
        ft->st.ssn_memcap_drop++;
        vg_flow_apply_exception(ft, n, p, EXT_STREAM_MEMCAP, ft->cfg.stream_memcap_policy);
        return NULL;
    }
    struct vg_tcp_session *s = &n->ssn_storage;
    memset(s, 0, sizeof *s);
    s->client.policy = vg_flow_host_policy(ft, srv); /* client data goes to the server */
    s->server.policy = vg_flow_host_policy(ft, cli);
    s->client.max_regions = s->server.max_regions = 1;
    n->f.tcp = s;
    ft->tcp_memuse += sizeof *s;
    ft->st.sessions++;
    return s;
}

static uint32_t scaled_win(const vg_packet *p, const tcp_stream *sender)
{
    return (uint32_t)p->tcp_win << (sender->wscale > 14 ? 14 : sender->wscale);
}

/* The packet's ACK acknowledges `other` (data sent by the other side). */
static bool ack_update(vg_flow_table *ft, struct vg_tcp_session *s, tcp_stream *own,
                       tcp_stream *other, vg_packet *p, int state_ev)
{
    (void)s;
    if (!(p->tcp_flags & TH_ACK))
        return true;
    uint32_t ack = p->tcp_ack;
    uint32_t win = scaled_win(p, own);
    uint32_t slack = VG_MAX(other->window, 65535u);
    slack = VG_MAX(slack, win);
    if (SEQ_GT(ack, other->next_seq + slack) ||
        (other->ack_seen && SEQ_LT(ack, other->last_ack - VG_MAX(slack, other->window)))) {
        vg_tcp_set_event(p, STEV_PKT_INVALID_ACK);
        if (state_ev >= 0)
            vg_tcp_set_event(p, state_ev);
        return false;
    }
    if (!other->ack_seen || SEQ_GT(ack, other->last_ack)) {
        other->last_ack = ack;
        other->ack_seen = true;
    }
    if (SEQ_GT(ack, other->next_seq))
        ft->st.ack_unseen_data++; /* acknowledges data we never saw (loss) */
    other->window = win;
    other->next_win = other->last_ack + win;
    return true;
}

static void add_data(vg_flow_table *ft, fnode *n, struct vg_tcp_session *s, tcp_stream *own,
                     vg_packet *p)
{
    uint32_t len = p->payload_len;
    if (!len || !p->payload)
        return;
    uint32_t seq = p->tcp_seq + ((p->tcp_flags & TH_SYN) ? 1 : 0); /* SYN takes one */
    if (SEQ_GT(seq + len, own->next_seq) && SEQ_LEQ(seq, own->next_seq + 0x40000000u))
        own->next_seq = seq + len;
    if (own->ack_seen && SEQ_LEQ(seq + len, own->last_ack)) {
        /* everything in it was acknowledged already */
        vg_tcp_set_event(p, STEV_PKT_RETRANSMISSION);
        return;
    }
    if (n->state == FST_BYPASSED)
        return; /* bypassed: nothing more is looked at */
    if (n->f.flags & (VG_FLOW_NOPAYLOAD_INSPECT | VG_FLOW_PASS)) {
        /* pass: no detection, so no raw stream to keep, but the data is
         * still part of the stream for the app-layer and logging */
        p->flags |= VG_PKT_STREAM_ADD;
        return;
    }
    vg_reasm_insert(ft, s, own, p, seq, p->payload, len);
}

/* RST: accepted when its sequence number is in the sender's window.  The
 * data up to it counts as acknowledged (nothing more will come); its own
 * payload is not part of the stream. */
static void handle_rst(vg_flow_table *ft, fnode *n, struct vg_tcp_session *s, tcp_stream *own,
                       tcp_stream *other, vg_packet *p)
{
    uint32_t seq = p->tcp_seq;
    bool valid = s->state <= TCPS_SYN_SENT ||
                 (SEQ_GEQ(seq, own->next_seq - VG_MAX(own->window, 65535u)) &&
                  SEQ_LEQ(seq, own->next_seq + VG_MAX(own->window, 65535u)));
    if (!valid) {
        vg_tcp_set_event(p, STEV_RST_INVALID_ACK);
        return;
    }
    if ((p->tcp_flags & TH_ACK) && other->next_seq &&
        (!other->ack_seen || SEQ_GT(p->tcp_ack, other->last_ack)) &&
        SEQ_LEQ(p->tcp_ack, other->next_seq + 65535u)) {
        other->last_ack = p->tcp_ack;
        other->ack_seen = true;
    }
    if (!own->ack_seen || SEQ_GT(seq, own->last_ack)) {
        own->last_ack = seq;
        own->ack_seen = true;
    }
    s->flags |= SSF_CLOSED_BY_RST;
    set_state(ft, n, s, TCPS_CLOSED);
}

/* TCP Fast Open option (kind 34, or the experimental 253/254 with magic
 * 0xF989), read from the TCP header with bounds checks. */
static bool has_tfo(const vg_packet *p)
{
    if (!p->l4 || p->l4_hlen <= 20)
        return false;
    const uint8_t *o = p->l4;
    uint32_t i = 20, end = p->l4_hlen;
    while (i < end) {
        uint8_t kind = o[i];
        if (kind == 0)
            break;
        if (kind == 1) {
            i++;
            continue;
        }
        if (i + 1 >= end)
            break;
        uint8_t len = o[i + 1];
        if (len < 2 || i + len > end)
            break;
        if (kind == 34)
            return true;
        if ((kind == 253 || kind == 254) && len >= 4 && o[i + 2] == 0xf9 && o[i + 3] == 0x89)
            return true;
        i += len;
    }
    return false;
}

static void read_opts(tcp_stream *st, const vg_packet *p)
{
    st->wscale = p->tcp_has_wscale ? (p->tcp_wscale > 14 ? 14 : p->tcp_wscale) : 0;
}

/* A packet that could start a midstream session: apply
 * stream.midstream-policy (Suricata 8's matrix) and say whether to track. */
static bool midstream_policy(vg_flow_table *ft, fnode *n, vg_packet *p)
{
    uint8_t pol = ft->cfg.midstream_policy;
    if (ft->cfg.midstream) {
        if (pol == EXC_AUTO)
            pol = EXC_IGNORE;
        vg_flow_apply_exception(ft, n, p, EXT_MIDSTREAM, pol);
        /* bypass: the flow is not tracked; pass-flow: tracked, not inspected */
        return pol != EXC_BYPASS && !(n->f.flags & VG_FLOW_DROP);
    }
    vg_flow_apply_exception(ft, n, p, EXT_MIDSTREAM, pol);
    return false;
}

static void state_none(vg_flow_table *ft, fnode *n, vg_packet *p, bool toserver, bool *swap)
{
    uint8_t fl = p->tcp_flags;
    struct vg_tcp_session *s;
    if (fl & TH_RST) {
        vg_tcp_set_event(p, STEV_RST_BUT_NO_SESSION);
        return;
    }
    if ((fl & TH_FIN) && !(fl & TH_SYN)) {
        if (!midstream_policy(ft, n, p) || p->payload_len == 0) {
            vg_tcp_set_event(p, STEV_FIN_BUT_NO_SESSION);
            return;
        }
    }
    if ((fl & (TH_SYN | TH_ACK)) == (TH_SYN | TH_ACK)) {
        if (!midstream_policy(ft, n, p))
            return;
        if (!(s = session_new(ft, n, p, &p->dst, &p->src)))
            return;
        /* the SYN/ACK's sender is the server: reverse the flow */
        *swap = toserver;
        s->flags |= SSF_MIDSTREAM | SSF_MIDSTREAM_SYNACK;
        n->f.flags |= VG_FLOW_MIDSTREAM;
        ft->st.midstream_pickups++;
        tcp_stream *srv = &s->server, *cli = &s->client;
        srv->isn = p->tcp_seq;
        srv->base_seq = srv->next_seq = p->tcp_seq + 1;
        read_opts(srv, p);
        cli->isn = p->tcp_ack - 1;
        cli->base_seq = cli->next_seq = p->tcp_ack;
        cli->last_ack = p->tcp_ack;
        cli->ack_seen = true;
        cli->wscale = 14; /* unknown: be liberal */
        cli->window = scaled_win(p, srv);
        s->tcp_flags |= fl;
        srv->tcp_flags |= fl;
        set_state(ft, n, s, TCPS_SYN_RECV);
        return;
    }
    if ((fl & (TH_SYN | TH_ACK)) == TH_SYN) {
        if (!(s = session_new(ft, n, p, &p->src, &p->dst)))
            return;
        /* the SYN's sender is the client, even if the flow began otherwise */
        *swap = !toserver;
        tcp_stream *cli = &s->client;
        cli->isn = p->tcp_seq;
        cli->base_seq = cli->next_seq = p->tcp_seq + 1;
        read_opts(cli, p);
        s->tcp_flags |= fl;
        cli->tcp_flags |= fl;
        set_state(ft, n, s, TCPS_SYN_SENT);
        if (has_tfo(p)) {
            /* TCP Fast Open: data on the SYN is part of the stream (without
             * the option it is not: it is inspected as a packet only) */
            s->flags |= SSF_TFO;
            cli->flags |= STF_TFO;
            add_data(ft, n, s, cli, p);
        }
        return;
    }
    if (fl & TH_ACK) {
        if (!midstream_policy(ft, n, p))
            return;
        if (!(s = session_new(ft, n, p, toserver ? &p->src : &p->dst, toserver ? &p->dst : &p->src)))
            return;
        s->flags |= SSF_MIDSTREAM;
        n->f.flags |= VG_FLOW_MIDSTREAM;
        ft->st.midstream_pickups++;
        tcp_stream *own = toserver ? &s->client : &s->server;
        tcp_stream *other = toserver ? &s->server : &s->client;
        own->isn = p->tcp_seq - 1;
        own->base_seq = own->next_seq = p->tcp_seq;
        own->wscale = 14;
        other->isn = p->tcp_ack - 1;
        other->base_seq = other->next_seq = p->tcp_ack;
        other->last_ack = p->tcp_ack;
        other->ack_seen = true;
        other->wscale = 14;
        other->window = scaled_win(p, own);
        s->tcp_flags |= fl;
        own->tcp_flags |= fl;
        set_state(ft, n, s, TCPS_ESTABLISHED);
        add_data(ft, n, s, own, p);
        if (fl & TH_FIN) {
            own->fin_sent = true;
            own->fin_seq = p->tcp_seq + p->payload_len;
            own->next_seq = own->fin_seq + 1;
            if (toserver) {
                set_state(ft, n, s, TCPS_FIN_WAIT1);
            } else {
                s->flags |= SSF_SERVER_FIN_FIRST;
                set_state(ft, n, s, TCPS_CLOSE_WAIT);
            }
        }
        return;
    }
}

/* FIN and the ACKs that move the closing handshake along. */
static void closing(vg_flow_table *ft, fnode *n, struct vg_tcp_session *s, tcp_stream *own,
                    vg_packet *p, bool toserver)
{
    uint8_t fl = p->tcp_flags;
    tcp_stream *cli = &s->client, *srv = &s->server;
    bool acks_cli_fin = (fl & TH_ACK) && cli->fin_sent && SEQ_GT(p->tcp_ack, cli->fin_seq);
    bool acks_srv_fin = (fl & TH_ACK) && srv->fin_sent && SEQ_GT(p->tcp_ack, srv->fin_seq);
    if (fl & TH_FIN) {
        if (!own->fin_sent) {
            own->fin_sent = true;
            own->fin_seq = p->tcp_seq + p->payload_len;
            if (SEQ_GT(own->fin_seq + 1, own->next_seq))
                own->next_seq = own->fin_seq + 1;
        }
        switch (s->state) {
        case TCPS_ESTABLISHED:
            if (toserver) {
                set_state(ft, n, s, TCPS_FIN_WAIT1);
            } else {
                s->flags |= SSF_SERVER_FIN_FIRST;
                set_state(ft, n, s, TCPS_CLOSE_WAIT);
            }
            break;
        case TCPS_FIN_WAIT1:
            if (!toserver)
                set_state(ft, n, s, acks_cli_fin ? TCPS_TIME_WAIT : TCPS_CLOSING);
            break;
        case TCPS_FIN_WAIT2:
            if (!toserver)
                set_state(ft, n, s, TCPS_TIME_WAIT);
            break;
        case TCPS_CLOSE_WAIT:
            if (toserver)
                set_state(ft, n, s, TCPS_LAST_ACK);
            break;
        default:
            break;
        }
        return;
    }
    switch (s->state) {
    case TCPS_FIN_WAIT1:
        if (!toserver && acks_cli_fin)
            set_state(ft, n, s, TCPS_FIN_WAIT2);
        break;
    case TCPS_CLOSING:
        if (acks_cli_fin || acks_srv_fin)
            set_state(ft, n, s, TCPS_TIME_WAIT);
        break;
    case TCPS_TIME_WAIT:
        if (toserver && acks_srv_fin)
            set_state(ft, n, s, TCPS_CLOSED);
        break;
    case TCPS_LAST_ACK:
        if (!toserver && acks_cli_fin)
            set_state(ft, n, s, TCPS_CLOSED);
        break;
    default:
        break;
    }
}

static int est_invalid_ack_event(uint8_t st)
{
    switch (st) {
    case TCPS_ESTABLISHED: return STEV_EST_INVALID_ACK;
    case TCPS_FIN_WAIT1: return STEV_FIN1_INVALID_ACK;
    case TCPS_FIN_WAIT2: return STEV_FIN2_INVALID_ACK;
    case TCPS_CLOSING: return STEV_CLOSING_INVALID_ACK;
    case TCPS_CLOSE_WAIT: return STEV_CLOSEWAIT_INVALID_ACK;
    case TCPS_LAST_ACK: return STEV_LASTACK_INVALID_ACK;
    case TCPS_TIME_WAIT: return STEV_TIMEWAIT_INVALID_ACK;
    default: return -1;
    }
}

void vg_tcp_track(vg_flow_table *ft, fnode *n, vg_packet *p, bool *swap)
{
    uint8_t fl = p->tcp_flags;
    bool toserver = (p->flags & VG_PKT_TOSERVER) != 0;
    *swap = false;
    if ((fl & (TH_SYN | TH_ACK)) == TH_SYN)
        ft->st.syn++;
    else if ((fl & (TH_SYN | TH_ACK)) == (TH_SYN | TH_ACK))
        ft->st.synack++;
    if (fl & TH_RST)
        ft->st.rst++;
    if ((fl & (TH_SYN | TH_FIN)) == (TH_SYN | TH_FIN))
        vg_tcp_set_event(p, STEV_FIN_SYN);

    struct vg_tcp_session *s = n->f.tcp;
    if (!s || s->state == TCPS_NONE) {
        if (n->state == FST_BYPASSED || (n->f.flags & VG_FLOW_PASS))
            return;
        state_none(ft, n, p, toserver, swap);
        return;
    }
    tcp_stream *own = toserver ? &s->client : &s->server;
    tcp_stream *other = toserver ? &s->server : &s->client;
    s->tcp_flags |= fl;
    own->tcp_flags |= fl;
    if (s->client.flags & STF_DROP_PENDING)
        vg_reasm_trim(ft, &s->client);
    if (s->server.flags & STF_DROP_PENDING)
        vg_reasm_trim(ft, &s->server);

    switch (s->state) {
    case TCPS_SYN_SENT:
        if (fl & TH_RST) {
            if (!toserver && (!(fl & TH_ACK) || p->tcp_ack == s->client.next_seq ||
                              p->tcp_ack == s->client.isn + 1))
                handle_rst(ft, n, s, own, other, p);
            else if (toserver && p->tcp_seq == s->client.isn && p->tcp_win == 0 &&
                     (!(fl & TH_ACK) || p->tcp_ack == s->client.isn + 1))
                handle_rst(ft, n, s, own, other, p);
            else /* as Suricata: a client RST in SYN_SENT resets only with the
                  * SYN's own sequence number (an RFC 5961 answer to a stray
                  * ACK does not end the attempt: the SYN is sent again) */
                vg_tcp_set_event(p, STEV_RST_INVALID_ACK);
            return;
        }
        if ((fl & (TH_SYN | TH_ACK)) == (TH_SYN | TH_ACK)) {
            if (toserver) {
                if (!(s->flags & SSF_4WHS)) {
                    vg_tcp_set_event(p, STEV_3WHS_SYNACK_IN_WRONG_DIRECTION);
                    return;
                }
                /* 4/5-way handshake: the client answers the server's SYN */
                if (p->tcp_ack != s->server.isn + 1) {
                    vg_tcp_set_event(p, STEV_4WHS_SYNACK_WITH_WRONG_ACK);
                    return;
                }
                if (p->tcp_seq != s->client.isn) {
                    vg_tcp_set_event(p, STEV_4WHS_SYNACK_WITH_WRONG_SYN);
                    return;
                }
                s->server.last_ack = p->tcp_ack;
                s->server.ack_seen = true;
                s->server.window = scaled_win(p, &s->client);
                set_state(ft, n, s, TCPS_SYN_RECV);
                return;
            }
            tcp_stream *cli = &s->client, *srv = &s->server;
            if (p->tcp_ack != cli->next_seq) {
                if ((s->flags & SSF_TFO) && p->tcp_ack == cli->isn + 1) {
                    /* server ignored the TFO data: it will be resent */
                    vg_tcp_set_event(p, STEV_3WHS_SYNACK_TFO_DATA_IGNORED);
                    cli->next_seq = cli->isn + 1;
                } else {
                    vg_tcp_set_event(p, STEV_3WHS_SYNACK_WITH_WRONG_ACK);
                    return;
                }
            }
            srv->isn = p->tcp_seq;
            srv->base_seq = srv->next_seq = p->tcp_seq + 1;
            read_opts(srv, p);
            if (!p->tcp_has_wscale)
                cli->wscale = 0; /* window scaling needs both sides */
            cli->last_ack = p->tcp_ack;
            cli->ack_seen = true;
            cli->window = scaled_win(p, srv);
            cli->next_win = cli->last_ack + cli->window;
            set_state(ft, n, s, TCPS_SYN_RECV);
            return;
        }
        if (fl & TH_SYN) {
            if (toserver) {
                if (p->tcp_seq != s->client.isn) /* new ISN: restart */
                    s->client.isn = p->tcp_seq, s->client.base_seq = s->client.next_seq =
                                                    p->tcp_seq + 1;
                return;
            }
            /* SYN from the server: split handshake */
            s->flags |= SSF_4WHS;
            s->server.isn = p->tcp_seq;
            s->server.base_seq = s->server.next_seq = p->tcp_seq + 1;
            read_opts(&s->server, p);
            return;
        }
        return;

    case TCPS_SYN_RECV:
        if (fl & TH_RST) {
            handle_rst(ft, n, s, own, other, p);
            return;
        }
        if (fl & TH_SYN) {
            if ((fl & TH_ACK) && !toserver && p->tcp_seq != s->server.isn)
                vg_tcp_set_event(p, STEV_3WHS_SYNACK_RESEND_WITH_DIFF_SEQ);
            else if (!(fl & TH_ACK) && toserver && p->tcp_seq != s->client.isn)
                vg_tcp_set_event(p, STEV_3WHS_SYN_RESEND_DIFF_SEQ_ON_SYN_RECV);
            return;
        }
        if (!(fl & TH_ACK))
            return;
        if ((s->flags & SSF_4WHS) ? toserver : !toserver) {
            if (!(s->flags & SSF_MIDSTREAM_SYNACK)) {
                vg_tcp_set_event(p, STEV_3WHS_ACK_IN_WRONG_DIR);
                return;
            }
            /* midstream SYN/ACK pickup: the server may talk first */
        } else {
            uint32_t want = other->next_seq;
            if (p->tcp_ack != want && !(s->flags & SSF_MIDSTREAM_SYNACK)) {
                if (p->tcp_seq == own->next_seq)
                    vg_tcp_set_event(p, STEV_3WHS_RIGHT_SEQ_WRONG_ACK_EVASION);
                else
                    vg_tcp_set_event(p, STEV_3WHS_WRONG_SEQ_WRONG_ACK);
                return;
            }
        }
        set_state(ft, n, s, TCPS_ESTABLISHED);
        ack_update(ft, s, own, other, p, -1);
        add_data(ft, n, s, own, p);
        closing(ft, n, s, own, p, toserver);
        return;

    default:
        break;
    }

    /* ESTABLISHED and the closing states */
    if (fl & TH_SYN) {
        if (fl & TH_ACK)
            vg_tcp_set_event(p, toserver ? STEV_EST_SYNACK_TOSERVER
                                         : (p->tcp_seq != s->server.isn
                                                ? STEV_EST_SYNACK_RESEND_WITH_DIFF_SEQ
                                                : STEV_EST_SYNACK_RESEND));
        else
            vg_tcp_set_event(p, toserver ? (p->tcp_seq != s->client.isn
                                                ? STEV_EST_SYN_RESEND_DIFF_SEQ
                                                : STEV_EST_SYN_RESEND)
                                         : STEV_EST_SYN_TOCLIENT);
        return;
    }
    if (fl & TH_RST) {
        if (s->state != TCPS_CLOSED)
            handle_rst(ft, n, s, own, other, p);
        return;
    }
    if (s->state == TCPS_CLOSED)
        return;
    if (!ack_update(ft, s, own, other, p, est_invalid_ack_event(s->state)))
        return;
    /* data must fit the receiver's window */
    if (p->payload_len && own->ack_seen && own->window &&
        SEQ_GT(p->tcp_seq + p->payload_len,
               own->last_ack + VG_MAX(own->window, 65535u) + 65535u)) {
        vg_tcp_set_event(p, STEV_EST_PACKET_OUT_OF_WINDOW);
        return;
    }
    if (own->fin_sent && p->payload_len && SEQ_GEQ(p->tcp_seq, own->fin_seq + 1)) {
        /* data after the FIN is not part of the stream */
        vg_tcp_set_event(p, STEV_FIN_OUT_OF_WINDOW);
    } else {
        add_data(ft, n, s, own, p);
    }
    closing(ft, n, s, own, p, toserver);
}
