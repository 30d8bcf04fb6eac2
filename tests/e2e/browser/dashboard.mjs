// Dashboard test in a real browser: Debian's chromium driven by
// playwright-core.  Starts `vigil server` on 127.0.0.1, feeds it the events
// of a real capture processed by `vigil net`, then: logs in, checks the
// overview charts, opens an alert, triages and resolves an incident and
// exports its report.  Screenshots go to ARTIFACTS (argv[3]).
// Then the inventory screens: systems (level badges, compliance bars,
// overdue rows), a system's page (families, history, website integrity,
// the evidence register: add and edit in the browser), hosts and sensors,
// inspection reports.
// Exit 77 (skip) when chromium or playwright-core is missing.
import { readFileSync } from "node:fs";
import path from "node:path";

import { check, finish, launch, playwright, serverWithEvents } from "./harness.mjs";

const [vigil, sourceRoot, artifacts] = process.argv.slice(2);
const pw = await playwright();
const { server, base, password, token } =
  await serverWithEvents(vigil, sourceRoot, artifacts, "vg-browser-");

// Inventory data through the API: two systems (one with markup in its name,
// which must show as text), the sender joins the level-5 one and sends an
// inspection run, a compliance summary and a defaced website.
const apiCall = async (method, p, body) => {
  const r = await fetch(`${base}/api/v1${p}`, { method, headers: { Authorization: "Bearer " + token },
    body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body) });
  return { status: r.status, body: await r.json().catch(() => null) };
};
async function inventoryData() {
  const portal = await apiCall("POST", "/systems", { name: "Cổng thông tin điện tử", unit: "", level: 5,
    owner: "Văn phòng" });
  await apiCall("POST", "/systems", { name: "<img src=x onerror=alert(1)> HR", unit: "", level: 3 });
  await apiCall("POST", "/systems", { name: "Thư điện tử", unit: "", level: 2 });
  const hosts = await apiCall("GET", "/hosts");
  const me = hosts.body.hosts.find((h) => h.name === "admin");
  await apiCall("POST", `/hosts/${me.id}`, { system: "Cổng thông tin điện tử" });
  const ts = new Date(Date.now() - 3600e3).toISOString().replace("Z", "+0000");
  const ts2 = new Date(Date.now() - 200 * 86400e3).toISOString().replace("Z", "+0000");
  const ev = [];
  for (const [t, res] of [[ts2, ["failed", "failed", "passed", "passed", "failed"]], [ts, ["passed", "failed", "passed", "passed", "passed"]]]) {
    const ids = ["VN-LOG-02-1", "VN-HOST-01-1", "VN-HOST-03-1", "VN-DATA-01-1", "BASE-01"];
    ids.forEach((id, i) => ev.push({ timestamp: t, event_type: "sca", sca: { policy: i === 4 ? "vigil_debian_baseline" : "vigil_vn_level",
      check: { id, title: "check " + id, result: res[i] } } }));
  }
  ev.push({ timestamp: ts, event_type: "compliance", compliance: { kind: "summary", level: 5, score: 80, passed: 4,
    failed: 1, version: "0.9.0" } });
  ev.push({ timestamp: ts, event_type: "web", web: { url: "https://portal.example.gov.vn/", status: 200, changed: true,
    change_pct: 64, title: "Hacked by someone", signs: [{ sign: "defacement_phrase", detail: "\"hacked by\" appeared" },
      { sign: "title_changed", detail: "Cổng thông tin → Hacked by someone" }] } });
  ev.push({ timestamp: ts, event_type: "web", web: { url: "https://dichvucong.example.gov.vn/", status: 200, changed: false,
    change_pct: 0, title: "Dịch vụ công", signs: [] } });
  const r = await apiCall("POST", "/events", ev.map((e) => JSON.stringify(e)).join("\n"));
  await apiCall("POST", "/evidence", { system: "Cổng thông tin điện tử", control: "MGMT-02", title: "Đánh giá rủi ro",
    document: "BC-RR-2024", date: "2024-06-01", signer: "Giám đốc", due: "2025-06-01" });
  return { portalId: portal.body.id, ingested: r.status === 200 };
}

async function inventoryScreens(page) {
  const data = await inventoryData();
  check("inventory data set up through the API", data.portalId > 0 && data.ingested, JSON.stringify(data));
  await page.goto(base + "/#/systems");
  await page.reload(); /* the same hash as before the data: render again */
  await page.waitForSelector("#systems tr.clickable");
  const rows = await page.locator("#systems tr.clickable").count();
  check("systems list shows every system", rows === 3, `rows=${rows}`);
  check("level badges", (await page.locator("#systems .lvl5").count()) === 1 && (await page.locator("#systems .lvl3").count()) === 1);
  const width = await page.locator("#systems tr.clickable .pct .fill").first().evaluate((e) => e.style.width);
  check("compliance bar drawn to its percentage", width === "80%", width);
  check("never-inspected level-3 system highlighted as overdue",
    (await page.locator("#systems tr.late").count()) >= 1 && (await page.textContent("#warnings")).includes("HR"));
  check("markup in a system name stays text", (await page.locator("main img").count()) === 0 &&
    (await page.textContent("#systems")).includes("<img src=x"));
  await page.screenshot({ path: path.join(artifacts, "systems.png"), fullPage: true });

  await page.goto(base + `/#/systems/${data.portalId}`);
  await page.waitForSelector("#system-title");
  check("system page: hosts, families, history, website integrity",
    (await page.textContent("#system-hosts")).includes("admin") && (await page.locator("#families tr").count()) >= 3 &&
    (await page.locator("#history tr").count()) === 3 && (await page.textContent("#web")).includes("defacement_phrase"));
  check("evidence past its due date highlighted", (await page.locator("#evidence tr.late").count()) === 1);
  await page.click("#ev-add");
  await page.fill("#ev-control", "MGMT-06");
  await page.fill("#ev-title", "Kế hoạch ứng phó sự cố");
  await page.fill("#ev-document", "KH-UPSC-2026");
  await page.fill("#ev-date", "2026-01-15");
  await page.fill("#ev-signer", "Phó Giám đốc");
  await page.fill("#ev-due", "2027-01-15");
  await page.selectOption("#ev-status", "provided");
  await page.click("#ev-save");
  await page.waitForSelector("#evidence tr:has-text('KH-UPSC-2026')");
  check("evidence added in the browser", (await page.textContent("#evidence")).includes("Phó Giám đốc"));
  await page.locator("#evidence tr:has-text('MGMT-02') .ev-edit").click();
  await page.fill("#ev-due", "2027-06-01");
  await page.click("#ev-save");
  await page.waitForSelector("#evidence tr:has-text('2027-06-01')");
  check("evidence renewed in the browser: no longer overdue", (await page.locator("#evidence tr.late").count()) === 0);
  await page.screenshot({ path: path.join(artifacts, "system.png"), fullPage: true });

  await page.goto(base + "/#/hosts");
  await page.waitForSelector("#hosts .dot");
  check("hosts and sensors health: status, version, rate",
    (await page.locator("#hosts .dot.ok").count()) >= 1 && (await page.textContent("#hosts")).includes("0.9.0"));
  await page.screenshot({ path: path.join(artifacts, "hosts.png"), fullPage: true });

  await page.goto(base + "/#/inspections");
  await page.waitForSelector("#runs tr.clickable");
  check("inspection reports list both runs", (await page.locator("#runs tr.clickable").count()) === 2);
  await page.screenshot({ path: path.join(artifacts, "inspections.png"), fullPage: true });
  await page.locator("#runs tr.clickable").first().click();
  await page.waitForSelector("#system-title");
  check("a report leads to its system", (await page.textContent("#system-title")).includes("Cổng thông tin"));
  check("no stray text from absent parts", !(await page.textContent("main")).includes("null"));
  await page.click("#lang");
  await page.goto(base + "/#/systems");
  await page.waitForSelector("#systems tr.clickable");
  check("systems screen in Vietnamese", (await page.textContent("main h2")).includes("Hệ thống thông tin") &&
    (await page.textContent("#systems")).includes("chưa kiểm tra"));
  await page.screenshot({ path: path.join(artifacts, "systems-vi.png"), fullPage: true });
  await page.click("#lang");

  // A viewer reads the same page without the editing controls.
  await apiCall("POST", "/users", { name: "viewer-b", password: "viewer-b-password!", role: "viewer", unit: "" });
  const vctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const vpage = await vctx.newPage();
  vpage.on("pageerror", (e) => { console.log("page error:", e.message); failedRequests++; });
  await vpage.goto(base + "/");
  await vpage.fill("#user", "viewer-b");
  await vpage.fill("#password", "viewer-b-password!");
  await vpage.click("#login");
  await vpage.waitForSelector("#overview");
  await vpage.goto(base + `/#/systems/${data.portalId}`);
  await vpage.waitForSelector("#evidence");
  check("a viewer sees the register without add, edit or schedule controls",
    (await vpage.locator("#ev-add").count()) === 0 && (await vpage.locator("#evidence button").count()) === 0 &&
    (await vpage.locator("#sched-save").count()) === 0);
  await vctx.close();
}

const browser = await launch(pw);
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
  await inventoryScreens(page);
  check("no script errors in the page", failedRequests === 0, `errors=${failedRequests}`);
} catch (e) {
  check("browser flow completed", false, e.message);
} finally {
  await browser.close();
  server.kill("SIGTERM");
}
finish();
