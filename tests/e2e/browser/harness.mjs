// What the browser tests share: the skip when chromium or playwright-core is
// missing (exit 77), the check() tally, a real capture processed by
// `vigil net`, `vigil server` on 127.0.0.1 fed with its events, chromium
// launched headless, and the final count and exit status.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import readline from "node:readline";

const chromium = "/usr/bin/chromium";
const results = [];

export const check = (name, ok, detail = "") => {
  results.push(ok);
  console.log(`${ok ? "ok  " : "FAIL"} ${name}${ok ? "" : " " + detail}`);
};

// playwright-core, or exit 77 (skip) when it or chromium is missing.
export async function playwright() {
  let pw;
  try {
    pw = await import("playwright-core");
  } catch {
    console.log("playwright-core not installed (npm ci in tests/e2e/browser); skipping");
    process.exit(77);
  }
  if (!existsSync(chromium)) {
    console.log("chromium not installed; skipping");
    process.exit(77);
  }
  return pw;
}

// The bundled sample capture processed by `vigil net` into a temporary
// directory, a server started there and fed its events; returns
// { tmp, eve, server, base, password, token }.
export async function serverWithEvents(vigil, sourceRoot, artifacts, prefix) {
  mkdirSync(artifacts, { recursive: true });
  const tmp = mkdtempSync(path.join(tmpdir(), prefix));
  const pcap = path.join(sourceRoot, "data", "pcaps", "sample.pcap");
  const net = spawnSync(vigil, ["net", "-r", pcap, "-S", path.join(sourceRoot, "data", "rules", "vigil.rules"),
    "-l", tmp], { encoding: "utf8" });
  check("vigil net processed the capture", net.status === 0, net.stderr);
  const eve = readFileSync(path.join(tmp, "eve.json"), "utf8");

  const server = spawn(vigil, ["server", "--data", path.join(tmp, "data"), "--listen", "127.0.0.1:0"]);
  const rl = readline.createInterface({ input: server.stdout });
  let port, password;
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("server did not start")), 30000);
    rl.on("line", (line) => {
      const pm = line.match(/password (\S+)/);
      if (pm) password = pm[1];
      const m = line.match(/\(port (\d+)\)/);
      if (m) { port = Number(m[1]); clearTimeout(timer); resolve(); }
    });
  });
  const base = `http://127.0.0.1:${port}`;
  const login = await (await fetch(`${base}/api/v1/login`, { method: "POST",
    body: JSON.stringify({ user: "admin", password }) })).json();
  const ing = await (await fetch(`${base}/api/v1/events`, { method: "POST", body: eve,
    headers: { Authorization: "Bearer " + login.token } })).json();
  check("events ingested", ing.inserted > 0, JSON.stringify(ing));
  return { tmp, eve, server, base, password, token: login.token };
}

export const launch = (pw) => pw.chromium.launch({
  executablePath: chromium,
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});

// Prints the tally and exits 0 when every check passed, 1 otherwise.
export function finish() {
  const passed = results.filter(Boolean).length;
  console.log(`${passed} passed, ${results.length - passed} failed`);
  process.exit(passed === results.length ? 0 : 1);
}
