#!/usr/bin/env python3
"""Write the seed corpora of tests/fuzz/decode and tests/fuzz/defrag.

Frames are built by hand (no capture is copied): each decode seed is one
byte choosing the datalink (index into fuzz_decode.c's table) and a frame;
each defrag seed is a sequence of [clock step][len16][raw IP packet]
records.  Run from anywhere: python3 tests/fuzz/decode/gen_corpus.py
"""
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
DEFRAG = os.path.join(HERE, '..', 'defrag', 'corpus')
DECODE = os.path.join(HERE, 'corpus')

EN10MB, RAW, IPV4, IPV6, SLL, SLL2, NULL, LOOP, PPP, CHDLC, PPPSER, UNKNOWN = range(12)
A1, A2 = bytes([10, 0, 0, 1]), bytes([192, 168, 1, 2])
B1, B2 = bytes(15) + b'\x01', bytes(15) + b'\x02'


def csum(b):
    if len(b) % 2:
        b += b'\0'
    s = sum(struct.unpack('!%dH' % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return (~s) & 0xffff


def ip4(proto, payload, opts=b'', ident=1, frag=0, ttl=64, src=A1, dst=A2):
    ihl = 5 + len(opts) // 4
    h = struct.pack('!BBHHHBBH4s4s', 0x40 | ihl, 0, 4 * ihl + len(payload), ident, frag,
                    ttl, proto, 0, src, dst) + opts
    h = h[:10] + struct.pack('!H', csum(h)) + h[12:]
    return h + payload


def ip6(nh, payload, hlim=64, src=B1, dst=B2):
    return struct.pack('!IHBB', 0x60000000, len(payload), nh, hlim) + src + dst + payload


def tcp(sp=1234, dp=80, flags=0x02, opts=b'', data=b''):
    off = 5 + len(opts) // 4
    return struct.pack('!HHIIBBHHH', sp, dp, 1, 0, off << 4, flags, 8192, 0, 0) + opts + data


def udp(sp=5000, dp=53, data=b''):
    return struct.pack('!HHHH', sp, dp, 8 + len(data), 0) + data


def eth(t, payload):
    return bytes(range(12)) + struct.pack('!H', t) + payload


def write(d, name, data):
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), 'wb') as f:
        f.write(data)


def decode_seeds():
    topts = b'\x02\x04\x05\xb4\x01\x03\x03\x07\x04\x02\x08\x0a' + bytes(8) + b'\x00\x00'
    syn = ip4(6, tcp(opts=topts))
    dns = ip4(17, udp(data=b'\x12\x34\x01\x00\x00\x01' + bytes(6)))
    ping = ip4(1, b'\x08\x00\x00\x00\x12\x34\x00\x01ping')
    ping6 = ip6(58, b'\x80\x00\x00\x00\x00\x01\x00\x01')
    s = {}
    s['eth_tcp_syn'] = bytes([EN10MB]) + eth(0x0800, syn)
    s['eth_udp_dns'] = bytes([EN10MB]) + eth(0x0800, dns)
    s['eth_icmp'] = bytes([EN10MB]) + eth(0x0800, ping)
    s['eth_ipv6_icmp'] = bytes([EN10MB]) + eth(0x86dd, ping6)
    s['eth_vlan'] = bytes([EN10MB]) + eth(0x8100, b'\x00\x64\x08\x00' + dns)
    s['eth_qinq'] = bytes([EN10MB]) + eth(0x88a8, b'\x00\x64\x81\x00\x00\xc8\x08\x00' + syn)
    s['eth_arp'] = bytes([EN10MB]) + eth(0x0806, bytes(28))
    s['eth_mpls'] = bytes([EN10MB]) + eth(0x8847, b'\x00\x01\x41\x40' + syn)
    s['eth_pppoe'] = bytes([EN10MB]) + eth(0x8864, struct.pack('!BBHHH', 0x11, 0, 1, len(dns) + 2, 0x21) + dns)
    s['eth_8021ah'] = bytes([EN10MB]) + eth(0x88e7, bytes(4) + bytes(12) + b'\x08\x00' + syn)
    s['eth_unknown'] = bytes([EN10MB]) + eth(0x88cc, bytes(20))
    s['eth_short'] = bytes([EN10MB]) + bytes(10)
    s['raw_tcp'] = bytes([RAW]) + syn
    s['raw_trunc'] = bytes([RAW]) + syn[:30]
    s['ipv4_opts'] = bytes([IPV4]) + ip4(6, tcp(), opts=b'\x07\x07\x04\x00\x00\x00\x00\x01\x44\x08\x09\x00' + bytes(4) + b'\x01\x00\x00\x00')
    s['ipv4_badopt'] = bytes([IPV4]) + ip4(6, tcp(), opts=b'\x82\x28\x00\x00')
    s['ipv4_cipso'] = bytes([IPV4]) + ip4(17, udp(), opts=b'\x86\x0c\x00\x00\x00\x01\x01\x06\x00\x00\x00\x00')
    s['ipv6_exthdrs'] = bytes([IPV6]) + ip6(0, b'\x3c\x00\x01\x04\x00\x00\x00\x00' + b'\x2b\x00\x1e\x04\x00\x00\x00\x00' + b'\x11\x00\x00\x00\x00\x00\x00\x00' + udp())
    s['ipv6_ah'] = bytes([IPV6]) + ip6(51, b'\x06\x04\x00\x01' + bytes(20) + tcp())
    s['ipv6_frag_useless'] = bytes([IPV6]) + ip6(44, b'\x3a\x00\x00\x00\x00\x00\x00\x01' + b'\x80\x00\x00\x00\x00\x01\x00\x01')
    s['ipv6_none'] = bytes([IPV6]) + ip6(59, b'junk')
    s['sll'] = bytes([SLL]) + bytes(14) + b'\x08\x00' + dns
    s['sll2'] = bytes([SLL2]) + b'\x86\xdd' + bytes(18) + ping6
    s['null_le'] = bytes([NULL]) + b'\x02\x00\x00\x00' + ping
    s['loop_v6'] = bytes([LOOP]) + b'\x00\x00\x00\x1e' + ping6
    s['ppp'] = bytes([PPP]) + b'\xff\x03\x00\x21' + syn
    s['ppp_compressed'] = bytes([PPP]) + b'\x21' + syn
    s['ppp_lcp'] = bytes([PPP]) + b'\xff\x03\xc0\x21\x01\x01\x00\x04'
    s['chdlc'] = bytes([CHDLC]) + b'\x0f\x00\x08\x00' + dns
    s['unknown_link'] = bytes([UNKNOWN]) + syn
    inner = ip4(17, udp(sp=12345, dp=514, data=b'EVIL'), src=b'\2\2\2\3', dst=b'\2\2\2\2')
    s['gre_ipv4'] = bytes([RAW]) + ip4(47, b'\x00\x00\x08\x00' + inner)
    s['gre_keyseq'] = bytes([RAW]) + ip4(47, b'\x30\x00\x08\x00' + bytes(8) + inner)
    s['gre_v1_pptp'] = bytes([RAW]) + ip4(47, b'\x30\x81\x88\x0b\x00\x10\x00\x01' + bytes(4) + bytes(4) + b'\xff\x03\x00\x21' + inner)
    s['gre_teb'] = bytes([RAW]) + ip4(47, b'\x00\x00\x65\x58' + eth(0x0800, inner))
    s['erspan2'] = bytes([RAW]) + ip4(47, b'\x10\x00\x88\xbe\x00\x00\x00\x01' + b'\x10\x17\x08\x64\x00\x00\x00\x00' + eth(0x0800, ping))
    s['ipip'] = bytes([RAW]) + ip4(4, inner)
    s['6in4'] = bytes([RAW]) + ip4(41, ping6)
    s['4in6'] = bytes([IPV6]) + ip6(4, ping)
    s['vxlan'] = bytes([RAW]) + ip4(17, udp(sp=45149, dp=4789, data=b'\x08\x00\x00\x00\x00\x00\x64\x00' + eth(0x0800, ping)))
    s['geneve'] = bytes([RAW]) + ip4(17, udp(sp=1, dp=6081, data=b'\x00\x00\x65\x58\x00\x00\x01\x00' + eth(0x86dd, ping6)))
    s['teredo'] = bytes([RAW]) + ip4(17, udp(sp=3544, dp=40000, data=ping6))
    s['teredo_origin'] = bytes([RAW]) + ip4(17, udp(sp=40000, dp=3544, data=b'\x00\x00\x12\x34' + bytes(4) + ping6))
    s['sctp'] = bytes([RAW]) + ip4(132, struct.pack('!HHII', 7, 7, 1, 0) + b'\x00\x03\x00\x10' + bytes(12))
    s['esp'] = bytes([RAW]) + ip4(50, struct.pack('!II', 0x100, 1) + bytes(16))
    s['icmp_unreach'] = bytes([RAW]) + ip4(1, b'\x03\x01\x00\x00\x00\x00\x00\x00' + ip4(17, udp())[:28])
    s['icmp6_ptb'] = bytes([IPV6]) + ip6(58, b'\x02\x00\x00\x00\x00\x00\x05\x00' + ip6(17, udp())[:48])
    s['frag_first'] = bytes([RAW]) + ip4(6, tcp()[:8], frag=0x2000)
    for name, data in s.items():
        write(DECODE, name, data)
    return len(s)


def frag_records(pkts):
    out = b''
    for step, p in pkts:
        out += struct.pack('!BH', step, len(p)) + p
    return out


def v4frags(data, size, ident=1, order=None, proto=6):
    fr = []
    for off in range(0, len(data), size):
        more = off + size < len(data)
        fr.append(ip4(proto, data[off:off + size], ident=ident, frag=(0x2000 if more else 0) | off // 8))
    if order:
        fr = [fr[i] for i in order]
    return fr


def v6frags(data, size, ident=0x1234, nh=17, order=None):
    fr = []
    for off in range(0, len(data), size):
        more = off + size < len(data)
        fh = struct.pack('!BBHI', nh, 0, (off // 8) << 3 | (1 if more else 0), ident)
        fr.append(ip6(44, fh + data[off:off + size]))
    if order:
        fr = [fr[i] for i in order]
    return fr


def defrag_seeds():
    seg = tcp(sp=12345, dp=8080, opts=b'\x03\x03\x0e\x00')
    big = udp(sp=1000, dp=2000, data=bytes(range(256)) * 4)
    s = {}
    s['v4_in_order'] = [(0, f) for f in v4frags(seg, 8)]
    s['v4_reverse'] = [(0, f) for f in v4frags(seg, 8, order=[2, 1, 0])]
    s['v4_big'] = [(0, f) for f in v4frags(big, 256, proto=17)]
    s['v4_overlap'] = [(0, ip4(253, b'A' * 16, frag=0x2000)), (0, ip4(253, b'B' * 16, frag=1))]
    s['v4_overlap_before'] = [(0, ip4(253, b'C' * 8, frag=0x2001)), (0, ip4(253, b'E' * 8, frag=2)), (0, ip4(253, b'D' * 16, frag=0x2000))]
    s['v4_dup'] = [(0, f) for f in v4frags(seg, 8)] + [(0, f) for f in v4frags(seg, 8)]
    s['v4_hole'] = [(0, ip4(17, b'x' * 8, frag=0x2000)), (0, ip4(17, b'y' * 8, frag=2))]
    s['v4_timeout'] = [(0, ip4(17, b'x' * 8, frag=0x2000)), (100, ip4(17, b'y' * 8, frag=1))]
    s['v4_too_large'] = [(0, ip4(17, b'z' * 64, frag=8180))]
    s['v4_many_ids'] = [(1, ip4(17, b'q' * 512, ident=i, frag=0x2000)) for i in range(20)]
    s['v4_interleaved'] = [(0, f) for pair in zip(v4frags(seg, 8, ident=5), v4frags(seg, 8, ident=6)) for f in pair]
    s['v4_gre_inner_frag'] = [(0, ip4(47, b'\x00\x00\x08\x00' + f)) for f in v4frags(seg, 8)]
    s['v6_in_order'] = [(0, f) for f in v6frags(big, 256)]
    s['v6_out_of_order'] = [(0, f) for f in v6frags(big, 256, order=[3, 1, 4, 0, 2])]
    s['v6_overlap'] = [(0, ip6(44, struct.pack('!BBHI', 17, 0, 1, 9) + b'A' * 16)), (0, ip6(44, struct.pack('!BBHI', 17, 0, 1 << 3, 9) + b'B' * 16))]
    s['v6_nested'] = [(0, ip6(44, struct.pack('!BBHI', 44, 0, 1, 7) + struct.pack('!BBHI', 58, 0, 1, 8) + b'\x80' + bytes(7))), (0, ip6(44, struct.pack('!BBHI', 44, 0, 1 << 3, 7) + bytes(8)))]
    s['v6_hbh_frag'] = [(0, ip6(0, b'\x2c\x00\x01\x04\x00\x00\x00\x00' + struct.pack('!BBHI', 17, 0, (o // 8) << 3 | (o == 0), 3) + big[o:o + 16])) for o in (16, 0)]
    s['v6_bad_len'] = [(0, ip6(44, struct.pack('!BBHI', 17, 0, 1, 4) + b'x' * 13))]
    s['mixed'] = s['v4_reverse'] + s['v6_out_of_order'] + s['v4_overlap']
    for name, recs in s.items():
        write(DEFRAG, name, frag_records(recs))
    return len(s)


if __name__ == '__main__':
    print('decode seeds:', decode_seeds())
    print('defrag seeds:', defrag_seeds())
