#!/usr/bin/env python3
"""Writes the hand-made Modbus/TCP and DNP3 captures of tests/unit/net/app/ics/.

No real ICS traffic is available to the project, so these sessions are built
frame by frame from the protocol specifications (MBAP + PDU; DNP3 link frames
with their CRCs, transport headers, application messages).  Each TCP session
has a handshake, every data segment is acknowledged by the peer (the engine
parses data once acknowledged) and the session closes with FINs.

  python3 ics_pcaps.py [OUTDIR]      (default: the ics/ folder beside this file)

Outputs: modbus.pcap, dnp3.pcap.  The expected alerts are in ics/expect.json
(checked by ics_e2e.py).
"""
import os
import struct
import sys


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


def ip2b(a):
    return bytes(int(x) for x in a.split("."))


class Session:
    """One TCP connection written into a pcap packet list."""

    def __init__(self, pkts, cli, srv, cport, sport, t0):
        self.pkts, self.cli, self.srv, self.cport, self.sport = pkts, cli, srv, cport, sport
        self.t = t0
        self.seq = {0: 1000, 1: 50000}
        self.ipid = 1

    def _pkt(self, d, flags, payload=b""):
        src, dst = (self.cli, self.srv) if d == 0 else (self.srv, self.cli)
        sp, dp = (self.cport, self.sport) if d == 0 else (self.sport, self.cport)
        seq, ack = self.seq[d], self.seq[1 - d]
        tcp = struct.pack("!HHIIBBHHH", sp, dp, seq, ack if flags & 0x10 else 0, 5 << 4, flags,
                          65535, 0, 0)
        pseudo = ip2b(src) + ip2b(dst) + struct.pack("!BBH", 0, 6, len(tcp) + len(payload))
        c = csum(pseudo + tcp + payload)
        tcp = tcp[:16] + struct.pack("!H", c) + tcp[18:]
        ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp) + len(payload), self.ipid, 0x4000,
                         64, 6, 0, ip2b(src), ip2b(dst))
        ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
        self.ipid += 1
        eth = b"\x00\x11\x22\x33\x44\x55" + b"\x00\x66\x77\x88\x99\xaa" + b"\x08\x00"
        if d == 1:
            eth = eth[6:12] + eth[0:6] + eth[12:]
        self.pkts.append((self.t, eth + ip + tcp + payload))
        self.t += 0.001
        if flags & 0x03:
            self.seq[d] += 1
        self.seq[d] += len(payload)

    def open(self):
        self._pkt(0, 0x02)
        self._pkt(1, 0x12)
        self._pkt(0, 0x10)

    def send(self, d, data):
        """data from side d (0 client, 1 server), acknowledged by the peer."""
        self._pkt(d, 0x18, data)
        self._pkt(1 - d, 0x10)

    def close(self):
        self._pkt(0, 0x11)
        self._pkt(1, 0x11)
        self._pkt(0, 0x10)


def write_pcap(path, pkts):
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for t, data in pkts:
            sec = int(t)
            usec = int(round((t - sec) * 1e6))
            f.write(struct.pack("<IIII", sec, usec, len(data), len(data)))
            f.write(data)


# ---- Modbus/TCP ----

def mbap(tid, unit, pdu):
    return struct.pack("!HHHB", tid, 0, len(pdu) + 1, unit) + pdu


def modbus(out):
    pkts = []
    s = Session(pkts, "10.0.0.5", "10.0.0.10", 40001, 502, 1700000000.0)
    s.open()
    # 1: read holding registers 100..103 of unit 1, answered
    s.send(0, mbap(1, 1, struct.pack("!BHH", 3, 100, 4)))
    s.send(1, mbap(1, 1, struct.pack("!BB4H", 3, 8, 1, 2, 3, 4)))
    # 2: write holding register 500 := 300, echoed
    s.send(0, mbap(2, 1, struct.pack("!BHH", 6, 500, 300)))
    s.send(1, mbap(2, 1, struct.pack("!BHH", 6, 500, 300)))
    # 3: write coils 20..29, two pipelined requests in one segment (3 and 4)
    s.send(0, mbap(3, 1, struct.pack("!BHHB2B", 15, 20, 10, 2, 0x05, 0x02)) +
           mbap(4, 1, struct.pack("!BHH", 4, 0, 200)))
    # the answer to 4 (an exception: illegal data value) comes before 3's
    s.send(1, mbap(4, 1, struct.pack("!BB", 0x84, 3)))
    s.send(1, mbap(3, 1, struct.pack("!BHH", 15, 20, 10)))
    # 5: diagnostics, force listen only mode (no answer)
    s.send(0, mbap(5, 1, struct.pack("!BHH", 8, 4, 0)))
    # 6: a response nobody asked for
    s.send(1, mbap(99, 1, struct.pack("!BB2H", 3, 4, 7, 7)))
    s.close()
    # a second session on port 502 that is not Modbus (protocol id 7)
    s2 = Session(pkts, "10.0.0.6", "10.0.0.10", 40002, 502, 1700000001.0)
    s2.open()
    s2.send(0, struct.pack("!HHHB", 1, 7, 6, 1) + struct.pack("!BHH", 3, 0, 1))
    s2.close()
    # a third that starts as Modbus, then sends a frame with protocol id 7
    s3 = Session(pkts, "10.0.0.7", "10.0.0.10", 40003, 502, 1700000002.0)
    s3.open()
    s3.send(0, mbap(1, 1, struct.pack("!BHH", 1, 0, 8)))
    s3.send(1, mbap(1, 1, struct.pack("!BBB", 1, 1, 0xFF)))
    s3.send(0, struct.pack("!HHHB", 2, 7, 6, 1) + struct.pack("!BHH", 1, 0, 8))
    s3.close()
    write_pcap(os.path.join(out, "modbus.pcap"), pkts)


# ---- DNP3 ----

def crc_dnp(data):
    crc = 0
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ 0xA6BC if crc & 1 else crc >> 1
    return (~crc) & 0xFFFF


def link_frame(ctl, dst, src, ud, corrupt=False):
    hdr = bytes([0x05, 0x64, len(ud) + 5, ctl]) + struct.pack("<HH", dst, src)
    out = hdr + struct.pack("<H", crc_dnp(hdr))
    for i in range(0, len(ud), 16):
        blk = ud[i:i + 16]
        c = crc_dnp(blk)
        if corrupt:
            c ^= 0xFFFF
        out += blk + struct.pack("<H", c)
    return out


class Dnp3Side:
    def __init__(self, ctl, dst, src):
        self.ctl, self.dst, self.src, self.tseq = ctl, dst, src, 0

    def message(self, app, seg=200, corrupt=False):
        out = b""
        for i in range(0, len(app), seg):
            part = app[i:i + seg]
            th = (0x40 if i == 0 else 0) | (0x80 if i + seg >= len(app) else 0) | self.tseq
            self.tseq = (self.tseq + 1) & 0x3F
            out += link_frame(self.ctl, self.dst, self.src, bytes([th]) + part, corrupt)
        return out


def dnp3(out):
    pkts = []
    s = Session(pkts, "10.0.0.5", "10.0.0.20", 40003, 20000, 1700000100.0)
    s.open()
    master = Dnp3Side(0xC4, 10, 1)   # DIR, PRM, unconfirmed user data; to outstation 10
    outst = Dnp3Side(0x44, 1, 10)    # PRM, unconfirmed user data; to master 1
    # 1: integrity poll (read class 0), answered with IIN device_restart and analog inputs
    s.send(0, master.message(bytes([0xC0, 0x01, 60, 1, 0x06])))
    points = b"".join(struct.pack("<HBi", i, 1, 1000 + i) for i in range(3))
    s.send(1, outst.message(bytes([0xC0, 0x81, 0x80, 0x00, 30, 1, 0x28]) +
                            struct.pack("<H", 3) + points))
    # 2: direct operate on control relay output block (g12v1) index 3
    crob = bytes([12, 1, 0x28]) + struct.pack("<HH", 1, 3) + bytes([0x41, 1]) + \
        struct.pack("<II", 1000, 1000) + bytes([0])
    s.send(0, master.message(bytes([0xC1, 0x05]) + crob))
    s.send(1, outst.message(bytes([0xC1, 0x81, 0x00, 0x00]) + crob))
    # 3: clear the restart indication (write g80v1 index 7)
    s.send(0, master.message(bytes([0xC2, 0x02, 80, 1, 0x00, 7, 7, 0x00])))
    s.send(1, outst.message(bytes([0xC2, 0x81, 0x00, 0x00])))
    # 4: a cold restart whose frame fails its CRC (dropped), then sent again
    s.send(0, master.message(bytes([0xC3, 0x0D]), corrupt=True))
    s.send(0, master.message(bytes([0xC3, 0x0D])))
    s.send(1, outst.message(bytes([0xC3, 0x81, 0x00, 0x00, 52, 2, 0x07, 1]) +
                            struct.pack("<H", 5000)))
    # a frame whose header CRC is wrong (skipped, the stream resynchronises)
    bad = bytearray(link_frame(0xC4, 10, 1, bytes([0xC5, 0xC5, 0x01, 60, 1, 0x06])))
    bad[8] ^= 0xFF
    s.send(0, bytes(bad))
    # 5: a long event poll answer over three transport segments (binary inputs g1v2)
    s.send(0, master.message(bytes([0xC4, 0x01, 60, 2, 0x06])))
    big = bytes([0xC4, 0x81, 0x02, 0x00, 1, 2, 0x01]) + struct.pack("<HH", 0, 299) + \
        bytes([0x81] * 300)
    s.send(1, outst.message(big, seg=120))
    s.close()
    write_pcap(os.path.join(out, "dnp3.pcap"), pkts)


if __name__ == "__main__":
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(
        os.path.abspath(__file__)), "ics")
    os.makedirs(out, exist_ok=True)
    modbus(out)
    dnp3(out)
