#!/usr/bin/env python3
"""The HTML reports of `vigil inspect --level` and `vigil appraise`, rendered
by headless Chromium (Debian's chromium): the page loads, the summary, the
group chart and the findings are in the rendered DOM, and the screenshot is a
real page (right size, not blank).  Skips (77) without chromium."""
import os, shutil, struct, subprocess, sys, tempfile, zlib

vigil, src = sys.argv[1], sys.argv[2]
chrome = shutil.which("chromium") or shutil.which("chromium-browser")
if not chrome:
    print("skip: no chromium")
    sys.exit(77)
G = os.path.join(src, "tests", "golden", "inspect")
bad = ok = 0

def check(cond, msg):
    global bad, ok
    ok += bool(cond)
    bad += not cond
    if not cond:
        print("FAIL:", msg)

def chromium(args, tmp):
    base = [chrome, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
            "--hide-scrollbars", "--no-first-run", "--user-data-dir=" + os.path.join(tmp, "profile")]
    return subprocess.run(base + args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, timeout=120)

def png_info(path):
    """(width, height, share of pixels that are not near-white) from an 8-bit RGB(A) PNG."""
    data = open(path, "rb").read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat = 8, b""
    w = h = depth = ctype = 0
    while pos < len(data):
        n, t = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if t == b"IHDR":
            w, h, depth, ctype = struct.unpack(">IIBB", body[:10])
        elif t == b"IDAT":
            idat += body
        pos += 12 + n
    raw = zlib.decompress(idat)
    bpp = {2: 3, 6: 4}.get(ctype, 3)
    stride = w * bpp + 1
    prev = bytearray(stride - 1)
    ink = total = 0
    for y in range(h):
        line = raw[y * stride:(y + 1) * stride]
        f, cur = line[0], bytearray(line[1:])
        for i in range(len(cur)):   # undo PNG filters
            a = cur[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            if f == 1: cur[i] = (cur[i] + a) & 255
            elif f == 2: cur[i] = (cur[i] + b) & 255
            elif f == 3: cur[i] = (cur[i] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                cur[i] = (cur[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        if y % 4 == 0:
            for x in range(0, w * bpp, bpp * 4):
                total += 1
                if min(cur[x], cur[x + 1], cur[x + 2]) < 200:
                    ink += 1
        prev = cur
    return w, h, ink / max(1, total)

with tempfile.TemporaryDirectory() as t:
    rep = os.path.join(t, "report.html")
    subprocess.run([vigil, "inspect", "--level", "3", "--root", os.path.join(G, "vn_fail"), "--policies",
                    os.path.join(src, "data", "policies"), "--db", os.path.join(t, "none.db"), "--html", rep, "-q"],
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    appr = os.path.join(t, "appraisal.html")
    subprocess.run([vigil, "appraise", os.path.join(src, "data", "appraise", "example-dossier.yaml"), "--level", "4",
                    "--html", appr, "-q"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for page, markers in ((rep, ["Điểm theo nhóm", "Score by group", "Phát hiện và khắc phục", "VN-HOST-03-1",
                                 "VN-LOG-02-1", "Hạng mục cần bằng chứng", "<svg"]),
                          (appr, ["Đáp ứng", "MON-01b", "Directive 14/CT-TTg", "<svg"])):
        check(os.path.exists(page), "%s written" % page)
        dom = chromium(["--dump-dom", "file://" + page], t).stdout
        for m in markers:
            check(m in dom, "%s: rendered DOM has %r" % (os.path.basename(page), m))
        png = os.path.join(t, os.path.basename(page) + ".png")
        chromium(["--window-size=1200,1600", "--screenshot=" + png, "file://" + page], t)
        check(os.path.exists(png), "screenshot of %s" % page)
        if os.path.exists(png):
            w, h, ink = png_info(png)
            print("%s: screenshot %dx%d, %.1f%% ink" % (os.path.basename(page), w, h, ink * 100))
            check((w, h) == (1200, 1600), "screenshot size %dx%d" % (w, h))
            check(0.02 < ink < 0.6, "screenshot is a rendered page, not blank (%.3f)" % ink)
    # printable: Chromium prints the report to PDF
    pdf = os.path.join(t, "report.pdf")
    chromium(["--no-pdf-header-footer", "--print-to-pdf=" + pdf, "file://" + rep], t)
    check(os.path.exists(pdf) and open(pdf, "rb").read(5) == b"%PDF-" and os.path.getsize(pdf) > 20000,
          "report printed to PDF")
print("%d passed, %d failed" % (ok, bad))
sys.exit(1 if bad else 0)
