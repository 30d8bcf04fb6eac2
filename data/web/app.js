/* vigil dashboard: a small single-page app over /api/v1.  No framework, no
 * CDN.  Data is only ever inserted with textContent (never innerHTML), so
 * event fields from the wire cannot inject markup.  The API token lives in
 * sessionStorage and goes in the Authorization header (no cookies, hence no
 * CSRF surface). */
"use strict";

const I18N = {
  vi: {
    overview: "Tổng quan", events: "Sự kiện", incidents: "Sự cố", logout: "Đăng xuất",
    login: "Đăng nhập", user: "Tên đăng nhập", password: "Mật khẩu", bad_login: "Sai tên hoặc mật khẩu",
    by_type: "Sự kiện theo loại", alerts_by_hour: "Cảnh báo theo giờ", top_signatures: "Chữ ký hàng đầu",
    top_sources: "Nguồn hàng đầu", top_targets: "Đích hàng đầu", by_severity: "Cảnh báo theo mức độ",
    incidents_by_status: "Sự cố theo trạng thái", search: "Tìm", all_types: "Mọi loại", more: "Xem thêm",
    time: "Thời gian", type: "Loại", source: "Nguồn", target: "Đích", signature: "Chữ ký / mô tả",
    severity: "Mức độ", status: "Trạng thái", title: "Tiêu đề", alerts: "Số cảnh báo", detected: "Phát hiện",
    assignee: "Người xử lý", save: "Lưu", comment: "Bình luận", add_comment: "Thêm bình luận",
    deadlines: "Thời hạn báo cáo", report_initial: "Báo cáo ban đầu", report_final: "Báo cáo kết thúc",
    resolution: "Kết quả xử lý", back: "Quay lại", no_data: "Không có dữ liệu",
    new: "mới", investigating: "đang điều tra", contained: "đã khoanh vùng", resolved: "đã xử lý",
    false_positive: "cảnh báo sai", overdue: "QUÁ HẠN",
    systems: "Hệ thống", hosts: "Máy chủ và cảm biến", inspections: "Kiểm tra", warnings: "Cảnh báo",
  },
  en: {
    overview: "Overview", events: "Events", incidents: "Incidents", logout: "Log out",
    login: "Log in", user: "User", password: "Password", bad_login: "Wrong user or password",
    by_type: "Events by type", alerts_by_hour: "Alerts per hour", top_signatures: "Top signatures",
    top_sources: "Top sources", top_targets: "Top targets", by_severity: "Alerts by severity",
    incidents_by_status: "Incidents by status", search: "Search", all_types: "All types", more: "More",
    time: "Time", type: "Type", source: "Source", target: "Target", signature: "Signature / description",
    severity: "Severity", status: "Status", title: "Title", alerts: "Alerts", detected: "Detected",
    assignee: "Assignee", save: "Save", comment: "Comment", add_comment: "Add comment",
    deadlines: "Reporting deadlines", report_initial: "Initial report", report_final: "Final report",
    resolution: "Resolution", back: "Back", no_data: "No data",
    new: "new", investigating: "investigating", contained: "contained", resolved: "resolved",
    false_positive: "false positive", overdue: "OVERDUE",
    systems: "Systems", hosts: "Hosts and sensors", inspections: "Inspections", warnings: "Warnings",
  },
};
let lang = localStorage.getItem("vigil.lang") || "vi";
const t = (k) => (I18N[lang] && I18N[lang][k]) || k;

function el(tag, attrs, ...kids) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === "onclick" || k === "onsubmit" || k === "onchange") e[k] = v;
    else if (v !== null && v !== undefined) e.setAttribute(k, v);
  }
  for (const c of kids.flat()) {
    if (c === null || c === undefined) continue;
    e.appendChild(typeof c === "object" ? c : document.createTextNode(String(c)));
  }
  return e;
}

async function api(path, opts = {}) {
  const headers = { "Content-Type": "application/json" };
  const tok = sessionStorage.getItem("vigil.token");
  if (tok) headers.Authorization = "Bearer " + tok;
  const r = await fetch("/api/v1" + path, { ...opts, headers });
  if (r.status === 401 && path !== "/login") {
    sessionStorage.removeItem("vigil.token");
    location.hash = "#/login";
    throw new Error("unauthenticated");
  }
  const body = await r.json().catch(() => null);
  if (!r.ok) throw new Error((body && body.error) || r.statusText);
  return body;
}

const main = () => document.getElementById("main");
function render(...nodes) { const m = main(); m.replaceChildren(...nodes); }

function barChart(rows, labelKey, valueKey, opts = {}) {
  const w = 560, h = 160, pad = 24, n = Math.max(rows.length, 1);
  const max = Math.max(1, ...rows.map((r) => r[valueKey]));
  const ns = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(ns, "svg");
  svg.setAttribute("viewBox", `0 0 ${w} ${h}`);
  svg.setAttribute("class", "chart");
  svg.setAttribute("role", "img");
  const bw = (w - pad) / n;
  rows.forEach((r, i) => {
    const bh = ((h - pad) * r[valueKey]) / max;
    const rect = document.createElementNS(ns, "rect");
    rect.setAttribute("x", pad + i * bw + 1);
    rect.setAttribute("y", h - pad - bh);
    rect.setAttribute("width", Math.max(bw - 2, 1));
    rect.setAttribute("height", bh);
    rect.setAttribute("class", "bar");
    const title = document.createElementNS(ns, "title");
    title.textContent = `${opts.fmt ? opts.fmt(r[labelKey]) : r[labelKey]}: ${r[valueKey]}`;
    rect.appendChild(title);
    svg.appendChild(rect);
    if (n <= 24 || i % Math.ceil(n / 12) === 0) {
      const tx = document.createElementNS(ns, "text");
      tx.setAttribute("x", pad + i * bw + bw / 2);
      tx.setAttribute("y", h - 8);
      tx.setAttribute("text-anchor", "middle");
      tx.setAttribute("class", "axis");
      tx.textContent = opts.fmt ? opts.fmt(r[labelKey]) : r[labelKey];
      svg.appendChild(tx);
    }
  });
  const ylab = document.createElementNS(ns, "text");
  ylab.setAttribute("x", 2);
  ylab.setAttribute("y", 12);
  ylab.setAttribute("class", "axis");
  ylab.textContent = String(max);
  svg.appendChild(ylab);
  return svg;
}

function countTable(rows, key) {
  if (!rows.length) return el("p", {}, t("no_data"));
  return el("table", {}, rows.map((r) => el("tr", {}, el("td", {}, r[key] ?? "-"), el("td", {}, r.count))));
}

const hourFmt = (h) => new Date(Number(h) * 3600000).toISOString().slice(5, 13).replace("T", " ") + "h";

async function viewOverview() {
  const s = await api("/stats/overview");
  render(
    el("h2", {}, t("overview")),
    el("div", { class: "cards", id: "overview" },
      el("div", { class: "card", id: "chart-alerts" }, el("h3", {}, t("alerts_by_hour")),
        barChart(s.alerts_by_hour, "hour", "count", { fmt: hourFmt })),
      el("div", { class: "card", id: "chart-types" }, el("h3", {}, t("by_type")),
        barChart(s.by_type, "event_type", "count")),
      el("div", { class: "card" }, el("h3", {}, t("by_severity")), countTable(s.by_severity, "severity")),
      el("div", { class: "card" }, el("h3", {}, t("top_signatures")), countTable(s.top_signatures, "signature")),
      el("div", { class: "card" }, el("h3", {}, t("top_sources")), countTable(s.top_sources, "ip")),
      el("div", { class: "card" }, el("h3", {}, t("top_targets")), countTable(s.top_targets, "ip")),
      el("div", { class: "card" }, el("h3", {}, t("incidents_by_status")),
        countTable(s.incidents_by_status.map((r) => ({ ...r, status: t(r.status) })), "status"))));
}

function evSummary(e) {
  if (e.alert) return e.alert.signature;
  if (e.log && e.log.rule) return e.log.rule.description;
  if (e.http) return `${e.http.http_method || ""} ${e.http.hostname || ""}${e.http.url || ""}`;
  if (e.dns) return JSON.stringify(e.dns).slice(0, 100);
  return "";
}

async function viewEvents(params) {
  const q = new URLSearchParams(params);
  const data = await api("/events?" + q.toString());
  const text = el("input", { id: "q", placeholder: t("search"), value: params.q || "" });
  const type = el("select", { id: "type" }, el("option", { value: "" }, t("all_types")),
    ["alert", "flow", "http", "dns", "tls", "fileinfo", "anomaly", "log", "fim", "sca", "compliance",
      "vuln", "malware", "web"].map((x) =>
      el("option", x === params.event_type ? { value: x, selected: "" } : { value: x }, x)));
  const form = el("form", { class: "filters", onsubmit: (ev) => {
    ev.preventDefault();
    const p = {};
    if (text.value) p.q = text.value;
    if (type.value) p.event_type = type.value;
    location.hash = "#/events?" + new URLSearchParams(p).toString();
  } }, text, type, el("button", { class: "primary", type: "submit" }, t("search")));
  const rows = data.events.map((e) => el("tr", { class: "clickable", "data-id": e._id,
      onclick: () => { sessionStorage.setItem("vigil.event", JSON.stringify(e)); location.hash = "#/event/" + e._id; } },
    el("td", {}, (e.timestamp || "").slice(0, 19)), el("td", {}, e.event_type),
    el("td", {}, e.src_ip || ""), el("td", {}, e.dest_ip || ""),
    el("td", { class: e.alert ? "sev" + e.alert.severity : "" }, evSummary(e))));
  const more = data.next ? el("button", { onclick: () => {
    location.hash = "#/events?" + new URLSearchParams({ ...params, before: data.next }).toString();
  } }, t("more")) : null;
  render(el("h2", {}, t("events")), form,
    el("table", { id: "events" }, el("tr", {}, el("th", {}, t("time")), el("th", {}, t("type")),
      el("th", {}, t("source")), el("th", {}, t("target")), el("th", {}, t("signature"))), rows), more);
}

function viewEvent(id) {
  const e = JSON.parse(sessionStorage.getItem("vigil.event") || "null");
  render(el("h2", {}, `${t("events")} #${id}`),
    el("button", { onclick: () => history.back() }, t("back")),
    e && e.alert ? el("p", { id: "alert-signature", class: "sev" + e.alert.severity }, e.alert.signature) : null,
    el("pre", { id: "event-json" }, JSON.stringify(e, null, 2)));
}

async function viewIncidents() {
  const data = await api("/incidents?limit=200");
  const rows = data.incidents.map((i) => el("tr", { class: "clickable", "data-id": i.id,
      onclick: () => { location.hash = "#/incident/" + i.id; } },
    el("td", {}, i.id), el("td", { class: "sev" + i.severity }, i.title), el("td", {}, i.severity),
    el("td", {}, el("span", { class: "status" }, t(i.status))), el("td", {}, i.alerts),
    el("td", {}, i.detected), el("td", {}, i.assignee || "")));
  render(el("h2", {}, t("incidents")), el("table", { id: "incidents" },
    el("tr", {}, el("th", {}, "#"), el("th", {}, t("title")), el("th", {}, t("severity")),
      el("th", {}, t("status")), el("th", {}, t("alerts")), el("th", {}, t("detected")),
      el("th", {}, t("assignee"))), rows));
}

async function viewIncident(id) {
  const i = await api("/incidents/" + id);
  const status = el("select", { id: "status" }, ["new", "investigating", "contained", "resolved", "false_positive"]
    .map((s) => el("option", s === i.status ? { value: s, selected: "" } : { value: s }, t(s))));
  const assignee = el("input", { id: "assignee", value: i.assignee || "" });
  const resolution = el("input", { id: "resolution", value: i.resolution || "", size: 40 });
  const msg = el("span", { id: "msg" });
  const save = el("button", { class: "primary", id: "save", onclick: async () => {
    try {
      await api("/incidents/" + id, { method: "POST", body: JSON.stringify(
        { status: status.value, assignee: assignee.value, resolution: resolution.value }) });
      await viewIncident(id);
    } catch (err) { msg.textContent = err.message; msg.className = "error"; }
  } }, t("save"));
  const comment = el("input", { id: "comment", size: 50 });
  const addc = el("button", { id: "add-comment", onclick: async () => {
    if (!comment.value) return;
    await api(`/incidents/${id}/comments`, { method: "POST", body: JSON.stringify({ text: comment.value }) });
    await viewIncident(id);
  } }, t("add_comment"));
  const report = (kind) => el("button", { id: "report-" + kind, onclick: async () => {
    const r = await fetch(`/api/v1/incidents/${id}/report?kind=${kind}&format=html`,
      { headers: { Authorization: "Bearer " + sessionStorage.getItem("vigil.token") } });
    const blob = new Blob([await r.text()], { type: "text/html" });
    const a = el("a", { href: URL.createObjectURL(blob), download: `incident-${id}-${kind}.html` });
    document.body.appendChild(a); a.click(); a.remove();
  } }, t("report_" + kind));
  render(el("h2", { id: "incident-title" }, `#${i.id} ${i.title}`),
    el("p", {}, `${t("status")}: `, el("span", { class: "status", id: "incident-status" }, t(i.status)),
      `  ${t("severity")}: ${i.severity}  ${t("alerts")}: ${i.alerts}  ${t("detected")}: ${i.detected}`),
    el("div", { class: "filters" }, status, assignee, resolution, save, msg),
    el("h3", {}, t("deadlines")),
    el("table", {}, i.deadlines.map((d) => el("tr", {}, el("td", {}, d.name), el("td", {}, d.due),
      el("td", { class: d.overdue ? "overdue" : "" }, d.overdue ? t("overdue") : ""), el("td", {}, d.basis)))),
    el("div", { class: "filters" }, report("initial"), report("final")),
    el("h3", {}, t("comment")),
    el("ul", { id: "comments" }, i.comments.map((c) => el("li", {}, `${c.ts} ${c.user}: `, c.text))),
    el("div", { class: "filters" }, comment, addc),
    el("h3", {}, t("events")),
    el("table", {}, i.events.map((e) => el("tr", {}, el("td", {}, (e.timestamp || "").slice(0, 19)),
      el("td", {}, e.src_ip || ""), el("td", {}, e.dest_ip || ""), el("td", {}, evSummary(e))))));
}

/* A table of the scalar fields of API rows (generic screens). */
function rowsTable(id, rows) {
  if (!rows || !rows.length) return el("p", {}, t("no_data"));
  const cols = Object.keys(rows[0]).filter((k) => rows[0][k] === null || typeof rows[0][k] !== "object");
  return el("table", { id }, el("tr", {}, cols.map((c) => el("th", {}, c))),
    rows.map((r) => el("tr", {}, cols.map((c) => el("td", { class: c === "overdue" && r[c] ? "overdue" : "" },
      r[c] === null || r[c] === undefined ? "" : String(r[c]))))));
}

function viewLogin() {
  const u = el("input", { id: "user", autocomplete: "username" });
  const p = el("input", { id: "password", type: "password", autocomplete: "current-password" });
  const err = el("p", { class: "error", id: "login-error" });
  render(el("form", { class: "card login", onsubmit: async (ev) => {
    ev.preventDefault();
    try {
      const r = await api("/login", { method: "POST", body: JSON.stringify({ user: u.value, password: p.value }) });
      sessionStorage.setItem("vigil.token", r.token);
      location.hash = "#/overview";
    } catch (e) { err.textContent = t("bad_login"); }
  } }, el("h2", {}, t("login")), el("label", {}, t("user"), u), el("label", {}, t("password"), p),
    el("button", { class: "primary", type: "submit", id: "login" }, t("login")), err));
}

function translateStatic() {
  document.documentElement.lang = lang;
  document.querySelectorAll("[data-i18n]").forEach((e) => { e.textContent = t(e.dataset.i18n); });
  document.getElementById("lang").textContent = lang === "vi" ? "EN" : "VI";
}

/* Screens added by other files (data/web/*.js loaded after this one):
 * vg.registerView("/path", fn, {nav: {vi, en}}) routes "#/path" and
 * "#/path/<rest>" to fn(rest, params) and, with nav, adds a menu link.
 * vg.i18n({vi: {...}, en: {...}}) adds translations. */
const extraViews = [];
window.vg = {
  el, api, render, t, rowsTable, barChart, countTable,
  lang: () => lang,
  i18n(tables) { for (const l of Object.keys(tables)) Object.assign(I18N[l] || (I18N[l] = {}), tables[l]); },
  registerView(path, fn, opts = {}) {
    extraViews.push({ path, fn });
    if (opts.nav) {
      const key = "nav" + path.replace(/\W/g, "_");
      for (const l of Object.keys(opts.nav)) (I18N[l] || (I18N[l] = {}))[key] = opts.nav[l];
      const a = el("a", { href: "#" + path, "data-i18n": key }, t(key));
      document.getElementById("nav").appendChild(a);
    }
  },
};

/* Routes run one after another: a slow earlier screen (say, a language
 * switch re-rendering the page) must not land over a later one. */
let routing = Promise.resolve();
function route() {
  routing = routing.then(routeOnce, routeOnce);
  return routing;
}

async function routeOnce() {
  const h = location.hash || "#/overview";
  const authed = !!sessionStorage.getItem("vigil.token");
  document.getElementById("nav").hidden = !authed;
  document.getElementById("logout").hidden = !authed;
  translateStatic();
  if (!authed) return viewLogin();
  const [path, qs] = h.slice(1).split("?");
  document.querySelectorAll("#nav a").forEach((a) => a.classList.toggle("active", h.startsWith(a.getAttribute("href"))));
  try {
    if (path === "/overview") return await viewOverview();
    if (path === "/events") return await viewEvents(Object.fromEntries(new URLSearchParams(qs || "")));
    if (path.startsWith("/event/")) return viewEvent(path.slice(7));
    if (path === "/incidents") return await viewIncidents();
    if (path.startsWith("/incident/")) return await viewIncident(path.slice(10));
    if (path === "/login") return viewLogin();
    const params = Object.fromEntries(new URLSearchParams(qs || ""));
    for (const v of extraViews) {
      if (path === v.path) return await v.fn("", params);
      if (path.startsWith(v.path + "/")) return await v.fn(decodeURIComponent(path.slice(v.path.length + 1)), params);
    }
    location.hash = "#/overview";
  } catch (e) {
    if (e.message !== "unauthenticated") render(el("p", { class: "error" }, e.message));
  }
}

window.addEventListener("hashchange", route);
window.addEventListener("DOMContentLoaded", () => {
  document.getElementById("lang").onclick = () => {
    lang = lang === "vi" ? "en" : "vi";
    localStorage.setItem("vigil.lang", lang);
    route();
  };
  document.getElementById("logout").onclick = () => {
    sessionStorage.removeItem("vigil.token");
    location.hash = "#/login";
    route();
  };
  route();
});
