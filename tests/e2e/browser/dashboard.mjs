// Dashboard test in a real browser: Debian's chromium driven by
// playwright-core.  Starts `vigil server` on 127.0.0.1, feeds it the events
// of a real capture processed by `vigil net`, then: logs in, checks the
// overview charts, opens an alert, triages and resolves an incident and
// exports its report.  Screenshots go to ARTIFACTS (argv[3]).
// Exit 77 (skip) when chromium or playwright-core is missing.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import readline from "node:readline";

const [vigil, sourceRoot, artifacts] = process.argv.slice(2);
const chromium = "/usr/bin/chromium";
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
mkdirSync(artifacts, { recursive: true });
const results = [];
const check = (name, ok, detail = "") => {
  results.push(ok);
  console.log(`${ok ? "ok  " : "FAIL"} ${name}${ok ? "" : " " + detail}`);
};

const tmp = mkdtempSync(path.join(tmpdir(), "vg-browser-"));
// The bundled sample capture, processed for real by vigil net.
const pcap = path.join(sourceRoot, "data", "pcaps", "sample.pcap");
const net = spawnSync(vigil, ["net", "-r", pcap, "-S", path.join(sourceRoot, "data", "rules", "vigil.rules"),
  "-l", tmp], { encoding: "utf8" });
check("vigil net processed the capture", net.status === 0, net.stderr);
const eve = readFileSync(path.join(tmp, "eve.json"));

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

const browser = await pw.chromium.launch({
  executablePath: chromium,
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
let failedRequests = 0;
try {
  const ctx = await browser.newContext({ acceptDownloads: true, viewport: { width: 1280, height: 900 } });
  const page = await ctx.newPage();
  page.on("pageerror", (e) => { console.log("page error:", e.message); failedRequests++; });
  await page.goto(base + "/");
  await page.fill("#user", "admin");
  await page.fill("#password", "wrong password");
  await page.click("#login");
  await page.waitForSelector("#login-error:not(:empty)");
  check("wrong password refused in the UI", (await page.textContent("#login-error")).length > 0);
  await page.fill("#password", password);
  await page.click("#login");
  await page.waitForSelector("#overview");
  const bars = await page.locator("#chart-alerts rect").count();
  const typeBars = await page.locator("#chart-types rect").count();
  check("overview shows the alerts chart", bars > 0, `bars=${bars}`);
  check("overview shows events by type", typeBars >= 2, `bars=${typeBars}`);
  check("overview lists top signatures", (await page.textContent("#overview")).includes("VIGIL"));
  await page.screenshot({ path: path.join(artifacts, "overview.png"), fullPage: true });

  await page.click("#lang");
  await page.waitForSelector("text=Overview");
  check("English translation", (await page.textContent("header")).includes("Incidents"));
  await page.screenshot({ path: path.join(artifacts, "overview-en.png"), fullPage: true });

  await page.goto(base + "/#/events?event_type=alert");
  await page.waitForSelector("#events tr.clickable");
  const rows = await page.locator("#events tr.clickable").count();
  check("event search lists alerts", rows > 0, `rows=${rows}`);
  await page.locator("#events tr.clickable").first().click();
  await page.waitForSelector("#alert-signature");
  check("alert page shows the signature and the event",
    (await page.textContent("#alert-signature")).startsWith("VIGIL") &&
    (await page.textContent("#event-json")).includes("signature_id"));
  await page.screenshot({ path: path.join(artifacts, "alert.png"), fullPage: true });

  await page.goto(base + "/#/incidents");
  await page.waitForSelector("#incidents tr.clickable");
  check("incident board lists incidents", (await page.locator("#incidents tr.clickable").count()) > 0);
  await page.screenshot({ path: path.join(artifacts, "incidents.png"), fullPage: true });
  await page.locator("#incidents tr.clickable").first().click();
  await page.waitForSelector("#incident-title");
  await page.selectOption("#status", "investigating");
  await page.fill("#assignee", "admin");
  await page.click("#save");
  await page.waitForSelector("#incident-status:has-text('investigating')");
  await page.fill("#comment", "source blocked at the perimeter firewall");
  await page.click("#add-comment");
  await page.waitForSelector("#comments li");
  await page.selectOption("#status", "resolved");
  await page.fill("#resolution", "attacker blocked, no data accessed");
  await page.click("#save");
  await page.waitForSelector("#incident-status:has-text('resolved')");
  check("incident triaged, commented and resolved in the UI",
    (await page.textContent("#comments")).includes("perimeter firewall"));
  await page.screenshot({ path: path.join(artifacts, "incident-resolved.png"), fullPage: true });
  const [download] = await Promise.all([page.waitForEvent("download"), page.click("#report-final")]);
  const file = path.join(artifacts, "incident-final-report.html");
  await download.saveAs(file);
  const html = readFileSync(file, "utf8");
  check("final report exported with the national form fields",
    html.includes("Báo cáo kết thúc") && html.includes("attacker blocked") && html.includes("Thời hạn"));
  const rep = await ctx.newPage();
  await rep.goto("file://" + file);
  await rep.screenshot({ path: path.join(artifacts, "incident-report.png"), fullPage: true });
  await page.goto(base + "/#/hosts");
  await page.waitForSelector("#hosts, main p");
  check("hosts and sensors screen lists the sender", (await page.textContent("main")).includes("admin"));
  await page.screenshot({ path: path.join(artifacts, "hosts.png"), fullPage: true });
  await page.goto(base + "/#/systems");
  await page.waitForSelector("main h2");
  check("systems screen renders", (await page.textContent("main h2")).length > 0);
  check("no script errors in the page", failedRequests === 0, `errors=${failedRequests}`);
} catch (e) {
  check("browser flow completed", false, e.message);
} finally {
  await browser.close();
  server.kill("SIGTERM");
}
const passed = results.filter(Boolean).length;
console.log(`${passed} passed, ${results.length - passed} failed`);
process.exit(passed === results.length ? 0 : 1);
