/* vigil dashboard: inventory screens (registered through vg.registerView in
 * app.js): systems with level badges, compliance bars and the inspection
 * schedule; one system's page (hosts, compliance per check family,
 * inspection history, website integrity, schedule, register of evidence
 * with add/edit for analysts and admins); hosts and sensors health; the
 * inspection reports.  Text goes in with textContent only (vg.el); widths of
 * bars are set through the CSSOM, which the page's CSP allows. */
"use strict";
(() => {
  const { el, api, t } = window.vg;
  /* render() without the absent (null) parts */
  const render = (...nodes) => window.vg.render(...nodes.filter((n) => n !== null && n !== undefined));

  window.vg.i18n({
    vi: {
      inv_systems: "Hệ thống thông tin", inv_level: "Cấp độ", inv_unit: "Đơn vị", inv_compliance: "Tuân thủ",
      inv_hosts: "Máy", inv_last_insp: "Kiểm tra gần nhất", inv_next_insp: "Kiểm tra kế tiếp",
      inv_evidence: "Hồ sơ minh chứng", inv_never: "chưa kiểm tra", inv_now: "ngay", inv_days_late: "ngày quá hạn",
      inv_overdue_insp: "Kiểm tra quá hạn", inv_overdue_ev: "Minh chứng quá hạn", inv_avg_comp: "Tuân thủ trung bình",
      inv_families: "Tuân thủ theo nhóm kiểm tra", inv_history: "Lịch sử kiểm tra", inv_web: "Toàn vẹn website",
      inv_failed: "Kiểm tra không đạt", inv_schedule: "Lịch kiểm tra", inv_every: "Chu kỳ (tháng)",
      inv_default: "mặc định theo cấp độ", inv_note: "Ghi chú", inv_inspected: "Đã kiểm tra ngày",
      inv_control: "Mã biện pháp", inv_title: "Nội dung", inv_document: "Văn bản / tài liệu", inv_date: "Ngày ký",
      inv_signer: "Người ký", inv_due: "Hạn / gia hạn", inv_status: "Trạng thái", inv_add: "Thêm", inv_edit: "Sửa",
      inv_delete: "Xóa", inv_cancel: "Hủy", inv_open: "chưa có", inv_provided: "đã có",
      inv_not_applicable: "không áp dụng", inv_health: "Tình trạng", inv_name: "Tên", inv_kind: "Loại",
      inv_version: "Phiên bản", inv_last_seen: "Lần cuối", inv_events: "Sự kiện", inv_rate: "Sự kiện/giây",
      inv_drops: "Gói bị mất", inv_ok: "hoạt động", inv_stale: "gián đoạn", inv_down: "mất kết nối",
      inv_reports: "Báo cáo kiểm tra", inv_time: "Thời gian", inv_result: "Kết quả", inv_passed: "Đạt",
      inv_failed_n: "Không đạt", inv_other: "Khác", inv_source: "Nguồn", inv_system: "Hệ thống",
      inv_all_systems: "Mọi hệ thống", inv_url: "Địa chỉ", inv_state: "Trạng thái", inv_change: "Thay đổi",
      inv_signs: "Dấu hiệu", inv_alert: "CẢNH BÁO", inv_error: "lỗi", inv_required: "bắt buộc",
      inv_advisory: "khuyến nghị", inv_saved: "Đã lưu", inv_sensor: "cảm biến", inv_agent: "tác tử",
      inv_ago: "trước", inv_summary: "Tổng quan hệ thống", inv_owner: "Chủ quản",
    },
    en: {
      inv_systems: "Information systems", inv_level: "Level", inv_unit: "Unit", inv_compliance: "Compliance",
      inv_hosts: "Hosts", inv_last_insp: "Last inspection", inv_next_insp: "Next inspection",
      inv_evidence: "Evidence register", inv_never: "never inspected", inv_now: "now", inv_days_late: "days late",
      inv_overdue_insp: "Inspections overdue", inv_overdue_ev: "Evidence overdue", inv_avg_comp: "Mean compliance",
      inv_families: "Compliance per check family", inv_history: "Inspection history", inv_web: "Website integrity",
      inv_failed: "Failed checks", inv_schedule: "Inspection schedule", inv_every: "Every (months)",
      inv_default: "level default", inv_note: "Note", inv_inspected: "Inspected on",
      inv_control: "Control", inv_title: "Title", inv_document: "Document reference", inv_date: "Signed on",
      inv_signer: "Signed by", inv_due: "Due / renewal", inv_status: "Status", inv_add: "Add", inv_edit: "Edit",
      inv_delete: "Delete", inv_cancel: "Cancel", inv_open: "open", inv_provided: "provided",
      inv_not_applicable: "not applicable", inv_health: "Health", inv_name: "Name", inv_kind: "Kind",
      inv_version: "Version", inv_last_seen: "Last seen", inv_events: "Events", inv_rate: "Events/s",
      inv_drops: "Drops", inv_ok: "up", inv_stale: "stale", inv_down: "down",
      inv_reports: "Inspection reports", inv_time: "Time", inv_result: "Result", inv_passed: "Passed",
      inv_failed_n: "Failed", inv_other: "Other", inv_source: "Source", inv_system: "System",
      inv_all_systems: "All systems", inv_url: "URL", inv_state: "State", inv_change: "Change",
      inv_signs: "Signs", inv_alert: "ALERT", inv_error: "error", inv_required: "required",
      inv_advisory: "advisory", inv_saved: "Saved", inv_sensor: "sensor", inv_agent: "agent",
      inv_ago: "ago", inv_summary: "System summary", inv_owner: "Owner",
    },
  });

  let me = null;
  async function role() {
    if (!me) me = await api("/me");
    return me.role;
  }
  window.addEventListener("hashchange", () => { if (location.hash.startsWith("#/login")) me = null; });

  const day = (iso) => (iso ? String(iso).slice(0, 10) : "");
  const dash = "—";

  function levelBadge(level) {
    return el("span", { class: "lvl lvl" + level, title: t("inv_level") + " " + level }, "L" + level);
  }

  /* A horizontal bar with the percentage as text; null shows a dash. */
  function pctBar(pct, cls = "") {
    if (pct === null || pct === undefined) return el("span", { class: "muted" }, dash);
    const fill = el("span", { class: "fill " + (pct >= 80 ? "good" : pct >= 50 ? "warn" : "bad") });
    fill.style.width = Math.max(0, Math.min(100, pct)) + "%";
    return el("span", { class: "pct " + cls }, el("span", { class: "track" }, fill), el("b", {}, pct + "%"));
  }

  function healthDot(h) {
    return el("span", { class: "dot " + h, title: t("inv_" + h) }, t("inv_" + h));
  }

  function ago(iso) {
    if (!iso) return dash;
    const s = Math.max(0, (Date.now() - Date.parse(iso)) / 1000);
    const txt = s < 90 ? Math.round(s) + " s" : s < 5400 ? Math.round(s / 60) + " min"
      : s < 172800 ? Math.round(s / 3600) + " h" : Math.round(s / 86400) + " d";
    return txt + " " + t("inv_ago");
  }

  function kpi(label, value, cls = "") {
    return el("div", { class: "kpi " + cls }, el("span", { class: "kpi-v" }, value), el("span", { class: "kpi-l" }, label));
  }

  /* The compliance figure with a bar under it. */
  function compKpi(pct) {
    const cls = pct === null || pct === undefined ? "" : pct >= 80 ? "good" : pct >= 50 ? "warn" : "bad";
    const fill = el("span", { class: "fill " + cls });
    fill.style.width = (pct ?? 0) + "%";
    return el("div", { class: "kpi " + cls, id: "kpi-compliance" },
      el("span", { class: "kpi-v" }, pct === null || pct === undefined ? dash : pct + "%"),
      el("span", { class: "kbar" }, fill), el("span", { class: "kpi-l" }, t("inv_compliance")));
  }

  function nextCell(s) {
    if (s.inspection_overdue) {
      return el("td", { class: "overdue" }, s.last_inspection ? `${day(s.next_inspection)} (${s.days_overdue} ${t("inv_days_late")})`
        : t("inv_never"));
    }
    return el("td", { class: s.inspection_required ? "" : "muted" },
      s.next_inspection === "now" ? t("inv_now") : day(s.next_inspection));
  }

  /* ---- systems list --------------------------------------------------- */
  async function viewSystems(rest, params) {
    if (rest) return viewSystem(rest);
    const sys = await api("/systems");
    const list = sys.systems || [];
    const comp = list.filter((s) => s.compliance_pct !== null);
    const avg = comp.length ? Math.round(comp.reduce((a, s) => a + s.compliance_pct, 0) / comp.length) : null;
    const overdueInsp = list.filter((s) => s.inspection_overdue).length;
    const overdueEv = list.reduce((a, s) => a + (s.evidence ? s.evidence.overdue : 0), 0);
    const rows = list.map((s) => el("tr", { class: "clickable" + (s.inspection_overdue || s.evidence.overdue ? " late" : ""),
      "data-id": s.id, onclick: () => { location.hash = "#/systems/" + s.id; } },
      el("td", {}, el("a", { href: "#/systems/" + s.id, class: "sysname" }, s.name)),
      el("td", {}, levelBadge(s.level)), el("td", {}, s.unit || dash),
      el("td", {}, pctBar(s.compliance_pct)),
      el("td", {}, `${s.hosts_ok}/${s.hosts}`),
      el("td", {}, s.last_inspection ? day(s.last_inspection) : el("span", { class: "muted" }, t("inv_never"))),
      nextCell(s),
      el("td", { class: s.evidence.overdue ? "overdue" : "" },
        `${s.evidence.provided}/${s.evidence.total}` + (s.evidence.overdue ? ` · ${s.evidence.overdue} ${t("overdue")}` : ""))));
    const warnings = (sys.warnings || []).map((w) => el("li", { class: "overdue" }, w.message || String(w)));
    render(el("h2", {}, t("inv_systems")),
      el("div", { class: "kpis" }, kpi(t("inv_systems"), String(list.length)),
        kpi(t("inv_overdue_insp"), String(overdueInsp), overdueInsp ? "bad" : "good"),
        kpi(t("inv_overdue_ev"), String(overdueEv), overdueEv ? "bad" : "good"),
        kpi(t("inv_avg_comp"), avg === null ? dash : avg + "%", avg === null ? "" : avg >= 80 ? "good" : avg >= 50 ? "warn" : "bad")),
      warnings.length ? el("div", { class: "card alertbox" }, el("h3", {}, t("warnings")), el("ul", { id: "warnings" }, warnings)) : null,
      list.length ? el("table", { id: "systems", class: "grid" },
        el("tr", {}, [t("inv_name"), t("inv_level"), t("inv_unit"), t("inv_compliance"), t("inv_hosts"),
          t("inv_last_insp"), t("inv_next_insp"), t("inv_evidence")].map((h) => el("th", {}, h))), rows)
        : el("p", {}, t("no_data")));
  }

  /* ---- one system ------------------------------------------------------- */
  function familyChart(fams) {
    if (!fams.length) return el("p", { class: "muted" }, t("no_data"));
    return el("table", { id: "families", class: "grid" },
      fams.sort((a, b) => (a.pct ?? 101) - (b.pct ?? 101)).map((f) => el("tr", {},
        el("td", {}, f.family), el("td", { class: "wide" }, pctBar(f.pct)),
        el("td", { class: "num" }, `${f.passed} ✓`), el("td", { class: f.failed ? "num overdue" : "num" }, `${f.failed} ✗`),
        el("td", { class: "num muted" }, String(f.other)))));
  }

  function historyTable(runs) {
    if (!runs.length) return el("p", { class: "muted" }, t("no_data"));
    return el("table", { id: "history", class: "grid" },
      el("tr", {}, [t("inv_time"), t("inv_name"), t("inv_result"), t("inv_passed"), t("inv_failed_n"), t("inv_other"),
        t("inv_source")].map((h) => el("th", {}, h))),
      runs.map((r) => el("tr", {}, el("td", {}, (r.time || "").replace("T", " ").slice(0, 16)), el("td", {}, r.host || dash),
        el("td", {}, r.source === "manual" ? dash : pctBar(r.passed + r.failed ? Math.round((100 * r.passed) / (r.passed + r.failed)) : null)),
        el("td", { class: "num" }, String(r.passed)), el("td", { class: "num" }, String(r.failed)),
        el("td", { class: "num" }, String(r.other)), el("td", { class: "muted" }, r.source))));
  }

  function webTable(web) {
    if (!web.length) return el("p", { class: "muted" }, t("no_data"));
    return el("table", { id: "web", class: "grid" },
      el("tr", {}, [t("inv_url"), t("inv_state"), "HTTP", t("inv_change"), t("inv_signs"), t("inv_time")].map((h) => el("th", {}, h))),
      web.map((w) => el("tr", { class: w.state === "alert" ? "late" : "" }, el("td", {}, w.url),
        el("td", {}, el("span", { class: "badge " + w.state }, w.state === "alert" ? t("inv_alert") : w.state === "ok" ? "OK" : t("inv_error"))),
        el("td", {}, String(w.status || dash)), el("td", {}, (w.change_pct || 0) + "%"),
        el("td", {}, (w.signs || []).map((s) => el("div", { class: "sign" }, el("b", {}, s.sign), " ", s.detail || ""))),
        el("td", {}, (w.time || "").replace("T", " ").slice(0, 16)))));
  }

  function field(id, label, value, attrs = {}) {
    const input = el("input", { id, value: value ?? "", ...attrs });
    return [el("label", { for: id }, label), input];
  }

  function evidenceForm(sys, item, onDone) {
    const e = item || {};
    const [lc, control] = field("ev-control", t("inv_control"), e.control, { required: "", maxlength: "127", size: 10 });
    const [lt, title] = field("ev-title", t("inv_title"), e.title, { size: 28 });
    const [ld, doc] = field("ev-document", t("inv_document"), e.document, { size: 22 });
    const [ldt, date] = field("ev-date", t("inv_date"), e.date, { type: "date" });
    const [ls, signer] = field("ev-signer", t("inv_signer"), e.signer, { size: 14 });
    const [ldu, due] = field("ev-due", t("inv_due"), e.due, { type: "date" });
    const status = el("select", { id: "ev-status" }, ["open", "provided", "not_applicable"].map((s) =>
      el("option", s === (e.status || "open") ? { value: s, selected: "" } : { value: s }, t("inv_" + s))));
    const msg = el("span", { id: "ev-msg", class: "error" });
    const save = el("button", { class: "primary", id: "ev-save", type: "submit" }, t("save"));
    const cancel = el("button", { type: "button", onclick: () => onDone(false) }, t("inv_cancel"));
    return el("form", { class: "evform card", id: "ev-form", onsubmit: async (ev) => {
      ev.preventDefault();
      const body = { system: sys, control: control.value, title: title.value, document: doc.value, date: date.value,
        signer: signer.value, due: due.value, status: status.value };
      try {
        await api("/evidence" + (e.id ? "/" + e.id : ""), { method: "POST", body: JSON.stringify(body) });
        onDone(true);
      } catch (err) { msg.textContent = err.message; }
    } }, lc, control, lt, title, ld, doc, ldt, date, ls, signer, ldu, due,
    el("label", { for: "ev-status" }, t("inv_status")), status, save, cancel, msg);
  }

  function evidenceTable(items, canEdit, onEdit, onDelete) {
    if (!items.length) return el("p", { class: "muted" }, t("no_data"));
    return el("table", { id: "evidence", class: "grid" },
      el("tr", {}, [t("inv_control"), t("inv_title"), t("inv_document"), t("inv_date"), t("inv_signer"), t("inv_due"),
        t("inv_status"), t("inv_source"), ""].map((h) => el("th", {}, h))),
      items.map((e) => el("tr", { class: e.overdue ? "late" : "", "data-id": e.id },
        el("td", {}, el("b", {}, e.control)), el("td", {}, e.title || ""), el("td", {}, e.document || dash),
        el("td", {}, e.date || ""), el("td", {}, e.signer || ""),
        el("td", { class: e.overdue ? "overdue" : "" }, (e.due || dash) + (e.overdue ? " · " + t("overdue") : "")),
        el("td", {}, el("span", { class: "badge " + e.status }, t("inv_" + e.status))),
        el("td", { class: "muted" }, e.source || ""),
        el("td", {}, canEdit ? [el("button", { class: "small ev-edit", onclick: () => onEdit(e) }, t("inv_edit")),
          el("button", { class: "small danger", onclick: () => onDelete(e) }, t("inv_delete"))] : null))));
  }

  function scheduleCard(s, isAdmin, reload) {
    const body = [el("p", {}, `${t("inv_every")}: `, el("b", { id: "sched-months" }, String(s.inspection_interval_months)),
      s.schedule_months ? "" : ` (${t("inv_default")})`, " · ",
      s.inspection_required ? t("inv_required") : t("inv_advisory")),
    s.schedule_note ? el("p", { class: "muted" }, `${t("inv_note")}: `, s.schedule_note) : null];
    if (isAdmin) {
      const months = el("input", { id: "sched-input", type: "number", min: "1", max: "120", size: 4,
        value: s.schedule_months || "" });
      const note = el("input", { id: "sched-note", size: 24, value: s.schedule_note || "" });
      const insp = el("input", { id: "sched-inspected", type: "date" });
      const msg = el("span", { class: "error" });
      body.push(el("form", { class: "filters", onsubmit: async (ev) => {
        ev.preventDefault();
        const b = { months: months.value ? Number(months.value) : null, note: note.value };
        if (insp.value) b.inspected = insp.value;
        try {
          await api(`/systems/${s.id}/schedule`, { method: "POST", body: JSON.stringify(b) });
          reload();
        } catch (err) { msg.textContent = err.message; }
      } }, el("label", {}, t("inv_every"), " ", months), el("label", {}, t("inv_note"), " ", note),
      el("label", {}, t("inv_inspected"), " ", insp), el("button", { type: "submit", id: "sched-save" }, t("save")), msg));
    }
    return el("div", { class: "card", id: "schedule" }, el("h3", {}, t("inv_schedule")), body);
  }

  async function viewSystem(id) {
    const [s, r] = await Promise.all([api("/systems/" + encodeURIComponent(id)), role()]);
    const evidence = (await api("/evidence?system=" + encodeURIComponent(s.name))).evidence;
    const canEdit = r === "admin" || r === "analyst";
    const reload = () => viewSystem(id);
    const evSlot = el("div", { id: "ev-slot" });
    const showForm = (item) => {
      evSlot.replaceChildren(evidenceForm(s.name, item, (changed) => (changed ? reload() : evSlot.replaceChildren())));
    };
    const del = async (e) => {
      if (!confirm(`${t("inv_delete")} ${e.control}?`)) return;
      await api("/evidence/" + e.id, { method: "DELETE" });
      reload();
    };
    const web = s.web || [];
    const webAlerts = web.filter((w) => w.state === "alert").length;
    const evOver = evidence.filter((e) => e.overdue).length;
    render(
      el("p", {}, el("a", { href: "#/systems" }, "← " + t("inv_systems"))),
      el("h2", { id: "system-title" }, levelBadge(s.level), " ", s.name),
      el("p", { class: "muted" }, `${t("inv_unit")}: ${s.unit || dash} · ${t("inv_owner")}: ${s.owner || dash}`,
        s.description ? ` · ${s.description}` : ""),
      el("div", { class: "kpis" },
        compKpi(s.compliance_pct),
        kpi(t("inv_last_insp"), s.last_inspection ? day(s.last_inspection) : t("inv_never")),
        kpi(t("inv_next_insp"), s.inspection_overdue ? (s.last_inspection ? `${day(s.next_inspection)} (${s.days_overdue} ${t("inv_days_late")})` : t("inv_now"))
          : day(s.next_inspection), s.inspection_overdue ? "bad" : "good"),
        kpi(t("inv_hosts"), `${s.hosts_ok}/${s.hosts}`, s.hosts && s.hosts_ok < s.hosts ? "warn" : ""),
        kpi(t("inv_overdue_ev"), String(evOver), evOver ? "bad" : "good"),
        kpi(t("inv_web"), webAlerts ? `${webAlerts} ${t("inv_alert")}` : web.length ? "OK" : dash, webAlerts ? "bad" : web.length ? "good" : "")),
      el("div", { class: "cards" },
        el("div", { class: "card" }, el("h3", {}, t("inv_families")), familyChart(s.families || [])),
        scheduleCard(s, r === "admin", reload)),
      el("h3", {}, t("hosts")),
      (s.host_list || []).length ? el("table", { id: "system-hosts", class: "grid" },
        el("tr", {}, [t("inv_health"), t("inv_name"), t("inv_kind"), t("inv_last_seen"), t("inv_last_insp"), t("inv_version")].map((h) => el("th", {}, h))),
        s.host_list.map((h) => el("tr", {}, el("td", {}, healthDot(h.health)), el("td", {}, h.name), el("td", {}, t("inv_" + h.kind)),
          el("td", {}, ago(h.last_seen)), el("td", {}, day(h.last_inspection) || dash), el("td", {}, h.version || dash))))
        : el("p", { class: "muted" }, t("no_data")),
      el("h3", {}, t("inv_web")), webTable(web),
      el("h3", {}, t("inv_history")), historyTable(s.inspection_history || []),
      el("h3", {}, t("inv_failed")),
      (s.failed_checks || []).length ? el("table", { id: "failed-checks", class: "grid" },
        s.failed_checks.map((c) => el("tr", {}, el("td", {}, c.family || ""), el("td", {}, c.check_id), el("td", {}, c.title || ""),
          el("td", { class: "muted" }, c.host)))) : el("p", { class: "muted" }, t("no_data")),
      el("h3", {}, t("inv_evidence"), " ", canEdit ? el("button", { id: "ev-add", class: "small primary", onclick: () => showForm(null) }, "+ " + t("inv_add")) : null),
      evSlot,
      evidenceTable(evidence, canEdit, showForm, del));
  }

  /* ---- hosts and sensors ---------------------------------------------- */
  function drops(stats) {
    const c = stats && stats.capture;
    if (!c || !c.kernel_packets) return dash;
    return ((100 * (c.kernel_drops || 0)) / c.kernel_packets).toFixed(2) + "%";
  }

  async function viewHosts() {
    const hosts = (await api("/hosts")).hosts || [];
    const count = (h) => hosts.filter((x) => x.health === h).length;
    render(el("h2", {}, t("hosts")),
      el("div", { class: "kpis" }, kpi(t("inv_ok"), String(count("ok")), "good"),
        kpi(t("inv_stale"), String(count("stale")), count("stale") ? "warn" : ""),
        kpi(t("inv_down"), String(count("down")), count("down") ? "bad" : "")),
      hosts.length ? el("table", { id: "hosts", class: "grid" },
        el("tr", {}, [t("inv_health"), t("inv_name"), t("inv_kind"), t("inv_unit"), t("inv_system"), t("inv_version"),
          t("inv_last_seen"), t("inv_events"), t("inv_rate"), t("inv_drops"), t("inv_last_insp")].map((h) => el("th", {}, h))),
        hosts.map((h) => el("tr", { class: h.health === "down" ? "late" : "" }, el("td", {}, healthDot(h.health)),
          el("td", {}, el("b", {}, h.name)), el("td", {}, t("inv_" + h.kind)), el("td", {}, h.unit || dash),
          el("td", {}, h.system || dash), el("td", {}, h.version || dash), el("td", { title: h.last_seen || "" }, ago(h.last_seen)),
          el("td", { class: "num" }, Number(h.events).toLocaleString()), el("td", { class: "num" }, String(h.events_per_s ?? 0)),
          el("td", { class: "num" }, drops(h.stats)), el("td", {}, day(h.last_inspection) || dash))))
        : el("p", {}, t("no_data")));
  }

  /* ---- inspection reports ------------------------------------------------ */
  async function viewReports(rest, params) {
    const q = new URLSearchParams();
    if (params.system) q.set("system", params.system);
    if (params.before) q.set("before", params.before);
    q.set("limit", "100");
    const [runs, sys] = await Promise.all([api("/inspections/runs?" + q), api("/systems")]);
    const ids = Object.fromEntries((sys.systems || []).map((s) => [s.name, s.id]));
    const pick = el("select", { id: "runs-system", onchange: () => {
      location.hash = "#/inspections" + (pick.value ? "?system=" + encodeURIComponent(pick.value) : "");
    } }, el("option", { value: "" }, t("inv_all_systems")),
    (sys.systems || []).map((s) => el("option", s.name === params.system ? { value: s.name, selected: "" } : { value: s.name }, s.name)));
    const list = runs.runs || [];
    const more = list.length === 100 ? el("button", { onclick: () => {
      const p = { ...params, before: list[list.length - 1].time_us };
      location.hash = "#/inspections?" + new URLSearchParams(p);
    } }, t("more")) : null;
    render(el("h2", {}, t("inv_reports")), el("div", { class: "filters" }, pick),
      list.length ? el("table", { id: "runs", class: "grid" },
        el("tr", {}, [t("inv_time"), t("inv_system"), t("inv_name"), t("inv_result"), t("inv_passed"), t("inv_failed_n"),
          t("inv_other"), t("inv_source")].map((h) => el("th", {}, h))),
        list.map((r) => el("tr", { class: ids[r.system] ? "clickable" : "",
          onclick: () => { if (ids[r.system]) location.hash = "#/systems/" + ids[r.system]; } },
        el("td", {}, (r.time || "").replace("T", " ").slice(0, 16)), el("td", {}, r.system || dash), el("td", {}, r.host || dash),
        el("td", {}, r.source === "manual" ? dash : pctBar(r.pct)), el("td", { class: "num" }, String(r.passed)),
        el("td", { class: r.failed ? "num overdue" : "num" }, String(r.failed)), el("td", { class: "num" }, String(r.other)),
        el("td", { class: "muted" }, r.source))))
        : el("p", {}, t("no_data")), more);
  }

  window.vg.registerView("/systems", viewSystems);
  window.vg.registerView("/hosts", viewHosts);
  window.vg.registerView("/inspections", viewReports, { nav: { vi: "Báo cáo kiểm tra", en: "Inspection reports" } });
})();
