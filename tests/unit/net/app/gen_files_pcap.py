#!/usr/bin/env python3
"""Write files_http.pcap: HTTP sessions carrying files, for test_files.c.

Flow 1 (10.0.0.1:40001 -> 10.0.0.2:80): a multipart/form-data upload of two
files (a.txt "hello world", evil.EXE starting with "MZ") and a form field,
answered 200 with a small body (page "/upload").
Flow 2 (10.0.0.1:40002 -> 10.0.0.2:80): GET /dl/x.bin, answered with a
Content-Disposition filename "report.pdf" and a PDF-looking body.
Flow 3 (10.0.0.1:40003 -> 10.0.0.2:80): GET /big, a response announcing
Content-Length 5000 and carrying 1000 bytes before the flow closes
(a TRUNCATED file).
Flow 4 (10.0.0.1:40004 -> 10.0.0.2:2222): SSH banners (server first), then
binary key exchange bytes.
Flow 5 (10.0.0.1:40005 -> 10.0.0.2:80): a POST with a raw (not multipart)
body, a file named "/api/up" (as Suricata names POST bodies).
Flow 6 (10.0.0.1:40006 -> 10.0.0.2:80): GET /gap, a 2100-byte response of
which the middle 700 bytes are missing from the capture while the client
acknowledges them (a file with a gap).
Flow 7 (10.0.0.1:40007 -> 10.0.0.2:80): GET /large, a 6000-byte response
(past a 4 KiB response-body-limit: TRUNCATED at 4096 bytes).
Usage: gen_files_pcap.py OUT.pcap
"""
import struct
import sys


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def ip(a):
    return bytes(int(x) for x in a.split("."))


def tcp_pkt(src, dst, sp, dp, seq, ack, flags, payload=b""):
    tcp = struct.pack("!HHIIBBHHH", sp, dp, seq, ack, 5 << 4, flags, 65535, 0, 0) + payload
    pseudo = ip(src) + ip(dst) + struct.pack("!BBH", 0, 6, len(tcp))
    c = csum(pseudo + tcp)
    tcp = tcp[:16] + struct.pack("!H", c) + tcp[18:]
    hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), 1, 0, 64, 6, 0, ip(src), ip(dst))
    hdr = hdr[:10] + struct.pack("!H", csum(hdr)) + hdr[12:]
    return hdr + tcp


class Session:
    def __init__(self, out, cport, t0, sport=80):
        self.out, self.c, self.s = out, ("10.0.0.1", cport), ("10.0.0.2", sport)
        self.cseq, self.sseq, self.t = 1000, 5000, t0

    def emit(self, frm_client, flags, payload=b""):
        a, b = (self.c, self.s) if frm_client else (self.s, self.c)
        seq, ack = (self.cseq, self.sseq) if frm_client else (self.sseq, self.cseq)
        self.out.append((self.t, tcp_pkt(a[0], b[0], a[1], b[1], seq, ack, flags, payload)))
        self.t += 0.001
        n = len(payload) + (1 if flags & 0x03 else 0)
        if frm_client:
            self.cseq += n
        else:
            self.sseq += n

    def open(self):
        self.emit(True, 0x02)
        self.sseq -= 0
        self.emit(False, 0x12)
        self.emit(True, 0x10)

    def send(self, frm_client, data, mss=700):
        for i in range(0, len(data), mss):
            self.emit(frm_client, 0x18, data[i:i + mss])
            self.emit(not frm_client, 0x10)

    def skip(self, frm_client, n):
        # bytes the sender sent that the capture lost, acknowledged after
        if frm_client:
            self.cseq += n
        else:
            self.sseq += n

    def close(self):
        self.emit(True, 0x11)
        self.emit(False, 0x11)
        self.emit(True, 0x10)


def main(path):
    pkts = []
    b = b"----vgb0undary"
    body = (b"--" + b + b"\r\n"
            b"Content-Disposition: form-data; name=\"comment\"\r\n\r\n"
            b"just a field\r\n"
            b"--" + b + b"\r\n"
            b"Content-Disposition: form-data; name=\"f1\"; filename=\"a.txt\"\r\n"
            b"Content-Type: text/plain\r\n\r\n"
            b"hello world\r\n"
            b"--" + b + b"\r\n"
            b"Content-Disposition: form-data; name=\"f2\"; filename=\"C:\\dir\\evil.EXE\"\r\n"
            b"Content-Type: application/octet-stream\r\n\r\n"
            b"MZ" + b"\x90" * 300 + b"\r\n--" + b[:5] + b"not the end" + b"\x00" * 200 + b"\r\n"
            b"--" + b + b"--\r\n")
    req = (b"POST /upload HTTP/1.1\r\nHost: files.example\r\nUser-Agent: gen/1\r\n"
           b"Content-Type: multipart/form-data; boundary=" + b + b"\r\n"
           b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body)
    res = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nok"
    s = Session(pkts, 40001, 1700000000.0)
    s.open(); s.send(True, req, mss=97); s.send(False, res); s.close()

    pdf = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n" + b"x" * 500 + b"\n%%EOF\n"
    req = b"GET /dl/x.bin HTTP/1.1\r\nHost: files.example\r\n\r\n"
    res = (b"HTTP/1.1 200 OK\r\nContent-Type: application/pdf\r\n"
           b"Content-Disposition: attachment; filename=\"report.pdf\"\r\n"
           b"Content-Length: " + str(len(pdf)).encode() + b"\r\n\r\n" + pdf)
    s = Session(pkts, 40002, 1700000001.0)
    s.open(); s.send(True, req); s.send(False, res); s.close()

    req = b"GET /big HTTP/1.1\r\nHost: files.example\r\n\r\n"
    res = b"HTTP/1.1 200 OK\r\nContent-Length: 5000\r\n\r\n" + b"A" * 1000
    s = Session(pkts, 40003, 1700000002.0)
    s.open(); s.send(True, req); s.send(False, res); s.close()

    s = Session(pkts, 40004, 1700000003.0, sport=2222)
    s.open()
    s.send(False, b"SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n")
    s.send(True, b"SSH-2.0-libssh2_1.10.0\r\n")
    s.send(True, b"\x00\x00\x01\x2c\x06\x14" + bytes(range(200)))
    s.send(False, b"\x00\x00\x01\x2c\x06\x14" + bytes(range(200)))
    s.close()

    raw = b"RAWPOST-" + b"0123456789" * 20
    req = (b"POST /api/up HTTP/1.1\r\nHost: files.example\r\n"
           b"Content-Type: application/octet-stream\r\n"
           b"Content-Length: " + str(len(raw)).encode() + b"\r\n\r\n" + raw)
    res = b"HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n"
    s = Session(pkts, 40005, 1700000004.0)
    s.open(); s.send(True, req); s.send(False, res); s.close()

    req = b"GET /gap HTTP/1.1\r\nHost: files.example\r\n\r\n"
    s = Session(pkts, 40006, 1700000005.0)
    s.open(); s.send(True, req)
    s.send(False, b"HTTP/1.1 200 OK\r\nContent-Length: 2100\r\n\r\n" + b"G" * 700)
    s.skip(False, 700)
    s.send(False, b"H" * 700)
    s.close()

    req = b"GET /large HTTP/1.1\r\nHost: files.example\r\n\r\n"
    res = b"HTTP/1.1 200 OK\r\nContent-Length: 6000\r\n\r\n" + bytes(range(256)) * 23 + b"L" * 112
    s = Session(pkts, 40007, 1700000006.0)
    s.open(); s.send(True, req); s.send(False, res); s.close()

    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 101))  # LINKTYPE_RAW
        for t, p in pkts:
            sec = int(t)
            f.write(struct.pack("<IIII", sec, int(round((t - sec) * 1e6)), len(p), len(p)))
            f.write(p)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "files_http.pcap")
