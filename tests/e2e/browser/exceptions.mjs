// Finding exceptions in a real browser: Debian's chromium driven by
// playwright-core.  Starts `vigil server` on 127.0.0.1, feeds it the events
// of a real capture processed by `vigil net`, then: opens an alert, follows
// the event page's link to the except screen, creates an exception for its
// signature with a reason, re-ingests the capture's alerts of that
// signature (as new events) and sees the hit count grow while the incident
// does not, acknowledges the event, and revokes the exception with a
// reason.  Screenshots go to ARTIFACTS (argv[3]).
// Exit 77 (skip) when chromium or playwright-core is missing.
import path from "node:path";

import { check, finish, launch, playwright, serverWithEvents } from "./harness.mjs";

const [vigil, sourceRoot, artifacts] = process.argv.slice(2);
const pw = await playwright();
const { eve, server, base, password, token } =
  await serverWithEvents(vigil, sourceRoot, artifacts, "vg-browser-exc-");
const auth = { Authorization: "Bearer " + token };
const call = async (p, opts = {}) => (await fetch(`${base}/api/v1${p}`, { ...opts, headers: auth })).json();
const incidentAlerts = async () => (await call("/incidents?limit=500")).incidents.reduce((n, i) => n + i.alerts, 0);

const browser = await launch(pw);
let pageErrors = 0;
try {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await ctx.newPage();
  page.on("pageerror", (e) => { console.log("page error:", e.message); pageErrors++; });
  await page.goto(base + "/");
  await page.fill("#user", "admin");
  await page.fill("#password", password);
  await page.click("#login");
  await page.waitForSelector("#overview");
  check("the menu has the exceptions screen (Vietnamese)", (await page.textContent("#nav")).includes("Ngoại lệ"));

  // An alert of the capture, through the event page's link.
  await page.goto(base + "/#/events?event_type=alert");
  await page.waitForSelector("#events tr.clickable");
  await page.locator("#events tr.clickable").first().click();
  await page.waitForSelector("#except-link");
  const eventId = Number((await page.getAttribute("#except-link", "href")).split("/").pop());
  const event = await call(`/events/${eventId}`);
  const sid = event.alert.signature_id;
  check("the event page links to the except screen", eventId > 0 && sid > 0, `${eventId} ${sid}`);
  await page.click("#except-link");
  await page.waitForSelector("#except-form");
  check("the except screen is prefilled from the event",
    (await page.isChecked("#exc-f-signature_id")) && (await page.textContent("#except-form")).includes(String(sid))
    && !(await page.isChecked("#exc-f-src_ip")));
  await page.click("#exc-create");
  await page.waitForSelector("#except-msg:not(:empty)");
  check("a reason is required in the UI", (await page.textContent("#except-msg")).length > 0);
  await page.fill("#exc-reason", "Quét lỗ hổng định kỳ của đội an ninh (ticket 42)");
  await page.screenshot({ path: path.join(artifacts, "except-form.png"), fullPage: true });
  await page.click("#exc-create");
  await page.waitForSelector("#exceptions tr.exc-row");
  const row = page.locator("#exceptions tr.exc-row").first();
  const excId = Number(await row.getAttribute("data-id"));
  check("the exception is listed with no hits yet", (await row.locator(".exc-hits").textContent()) === "0"
    && (await row.locator(".exc-reason").textContent()).includes("ticket 42"));

  // The capture's alerts of that signature again, as new events.
  const replay = eve.split("\n").filter((l) => l.trim()).map((l) => JSON.parse(l))
    .filter((e) => e.event_type === "alert" && e.alert.signature_id === sid)
    .map((e, i) => JSON.stringify({ ...e, event_id: `replay-${i}` }));
  const before = await incidentAlerts();
  const ing2 = await call("/events", { method: "POST", body: replay.join("\n") });
  check("re-ingested alerts are stored", ing2.inserted === replay.length && replay.length > 0, JSON.stringify(ing2));
  check("they extend no incident", (await incidentAlerts()) === before);
  await page.reload();
  await page.waitForSelector(`#exceptions tr.exc-row[data-id="${excId}"]`);
  const hits = await page.locator(`tr[data-id="${excId}"] .exc-hits`).textContent();
  check("the hit count grew by the re-ingested alerts", Number(hits) === replay.length, `${hits} vs ${replay.length}`);
  check("last hit shown", /\d{4}-\d\d-\d\dT/.test(await page.locator(`tr[data-id="${excId}"] .exc-last-hit`).textContent()));
  await page.screenshot({ path: path.join(artifacts, "exceptions.png"), fullPage: true });
  await page.click("#exc-events");
  await page.waitForSelector("#events tr.clickable");
  check("excepted events stay visible in the search",
    (await page.locator("#events tr.clickable").count()) === replay.length);
  await page.goto(base + "/#/events?event_type=alert");
  // The new list (its type filter set), not the excepted=1 one still shown.
  await page.waitForSelector('#type option[value="alert"][selected]', { state: "attached" });
  await page.waitForSelector("#events tr.excepted .exc-badge");
  check("the event list marks the excepted events (and only them)",
    (await page.locator("#events tr.excepted").count()) === replay.length
    && (await page.locator("#events tr.excepted .exc-badge").first().textContent()).includes(`#${excId}`));
  await page.screenshot({ path: path.join(artifacts, "events-excepted.png"), fullPage: true });

  // Acknowledge the first alert.
  await page.goto(base + `/#/except/${eventId}`);
  await page.waitForSelector("#ack-form");
  await page.fill("#ack-reason", "seen: scheduled scan");
  await page.click("#ack");
  await page.waitForSelector("#ack-existing");
  check("the event is acknowledged", (await page.textContent("#ack-existing")).includes("scheduled scan"));

  // Revoke with a reason.
  await page.click("#lang");
  await page.waitForSelector("text=Acknowledged by"); // the except page again, in English
  await page.goto(base + "/#/exceptions");
  await page.waitForSelector(`#revoke-${excId}`);
  check("English texts", (await page.textContent("main h2")) === "Finding exceptions");
  await page.click(`#revoke-${excId}`);
  await page.click(`#revoke-ok-${excId}`);
  await page.waitForSelector("#exc-msg:not(:empty)");
  check("revoking needs a reason", (await call(`/exceptions/${excId}`)).state === "active");
  await page.fill(`#revoke-reason-${excId}`, "scan finished");
  await page.click(`#revoke-ok-${excId}`);
  await page.waitForSelector("#exceptions-empty");
  const x = await call(`/exceptions/${excId}`);
  check("revoked with who and why", x.state === "revoked" && x.revoked_by === "admin" && x.revoke_reason === "scan finished",
    JSON.stringify(x));
  await page.selectOption("#exc-state", "revoked");
  await page.waitForSelector(`#exceptions tr[data-id="${excId}"]`);
  await page.screenshot({ path: path.join(artifacts, "exceptions-revoked.png"), fullPage: true });
  const again = replay.map((l, i) => JSON.stringify({ ...JSON.parse(l), event_id: `again-${i}` }));
  await call("/events", { method: "POST", body: again.join("\n") });
  check("after revoking, the alerts open incidents again", (await incidentAlerts()) === before + again.length
    && (await call(`/exceptions/${excId}`)).hits === replay.length);

  // An event of a unit: the exception is confined to that unit by default.
  await call("/users", { method: "POST", body: JSON.stringify({ name: "sensor1", password: "sensor1-password-long",
    role: "sensor", unit: "unit1" }) });
  const s1 = await (await fetch(`${base}/api/v1/login`, { method: "POST",
    body: JSON.stringify({ user: "sensor1", password: "sensor1-password-long" }) })).json();
  await fetch(`${base}/api/v1/events`, { method: "POST", headers: { Authorization: "Bearer " + s1.token },
    body: JSON.stringify({ ...JSON.parse(replay[0]), event_id: "unit1-0" }) });
  const u1 = (await call("/events?limit=1")).events[0];
  await page.goto(base + `/#/except/${u1._id}`);
  await page.waitForSelector("#exc-unit-only");
  check("a unit's event: the exception is confined to the unit by default", await page.isChecked("#exc-unit-only"));
  await page.fill("#exc-reason", "unit test scan");
  await page.click("#exc-create");
  await page.waitForSelector("#exceptions tr.exc-row");
  const mine = (await call("/exceptions")).exceptions.find((e) => e.reason === "unit test scan");
  check("created in the event's unit", mine && mine.unit === "unit1", JSON.stringify(mine));
  check("no script errors in the page", pageErrors === 0, `errors=${pageErrors}`);
} catch (e) {
  check("browser flow completed", false, e.message);
} finally {
  await browser.close();
  server.kill("SIGTERM");
}
finish();
