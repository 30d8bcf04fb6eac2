/* vigil dashboard: exceptions screens (registered through vg.registerView in app.js).
 *   #/exceptions           the exceptions of the user's units: hits, last hit, expiry, revoke
 *   #/except/<event id>    except similar findings or acknowledge one event, prefilled from it
 * and, by watching #main (app.js is not changed), a link from the event page (#/event/<id>)
 * to #/except/<id> and a mark on excepted events in the event list.  Text only through
 * textContent (vg.el). */
"use strict";
(() => {
  const vg = window.vg;
  if (!vg) return;
  const { el, api, render, t } = vg;

  vg.i18n({
    vi: {
      exc_title: "Ngoại lệ cảnh báo", exc_state: "Trạng thái", exc_all: "Tất cả", exc_active: "đang áp dụng",
      exc_expired: "đã hết hạn", exc_revoked: "đã thu hồi", exc_match: "Điều kiện khớp", exc_reason: "Lý do",
      exc_created: "Tạo bởi / lúc", exc_expires: "Hết hạn", exc_hits: "Số lần khớp", exc_last_hit: "Lần khớp cuối",
      exc_unit: "Đơn vị", exc_all_units: "(mọi đơn vị)", exc_revoke: "Thu hồi", exc_revoke_reason: "Lý do thu hồi",
      exc_confirm: "Xác nhận", exc_excepted_events: "Xem các sự kiện đã được ngoại lệ",
      exc_from_event: "Ngoại lệ hoặc xác nhận phát hiện", exc_make: "Tạo ngoại lệ cho các phát hiện giống thế này",
      exc_make_help: "Sự kiện khớp vẫn được lưu và đánh dấu, được đếm, nhưng không mở sự cố.",
      exc_fields: "Khớp theo", exc_create: "Tạo ngoại lệ", exc_ack: "Xác nhận đã xem sự kiện này",
      exc_ack_do: "Xác nhận", exc_acked: "Đã xác nhận bởi", exc_excepted_by: "Sự kiện này khớp ngoại lệ #",
      exc_need_reason: "Cần nhập lý do", exc_need_field: "Chọn ít nhất một điều kiện", exc_link: "Ngoại lệ / xác nhận",
      exc_none: "Chưa có ngoại lệ", exc_signature_id: "Mã chữ ký / luật", exc_check_id: "Mã kiểm tra SCA",
      exc_host: "Máy (agent / cảm biến)", exc_src_ip: "Địa chỉ nguồn", exc_dest_ip: "Địa chỉ đích",
      exc_system: "Hệ thống thông tin", exc_never: "không", exc_saved: "Đã lưu", exc_badge: "ngoại lệ", exc_unit_only: "Chỉ trong đơn vị",
    },
    en: {
      exc_title: "Finding exceptions", exc_state: "State", exc_all: "All", exc_active: "active",
      exc_expired: "expired", exc_revoked: "revoked", exc_match: "Match", exc_reason: "Reason",
      exc_created: "Created by / at", exc_expires: "Expires", exc_hits: "Hits", exc_last_hit: "Last hit",
      exc_unit: "Unit", exc_all_units: "(every unit)", exc_revoke: "Revoke", exc_revoke_reason: "Reason for revoking",
      exc_confirm: "Confirm", exc_excepted_events: "Show excepted events",
      exc_from_event: "Except or acknowledge a finding", exc_make: "Except findings like this one",
      exc_make_help: "Matching events are still stored, flagged and counted, but open no incident.",
      exc_fields: "Match on", exc_create: "Create exception", exc_ack: "Acknowledge this event",
      exc_ack_do: "Acknowledge", exc_acked: "Acknowledged by", exc_excepted_by: "This event matched exception #",
      exc_need_reason: "A reason is required", exc_need_field: "Choose at least one field", exc_link: "Except / acknowledge",
      exc_none: "No exceptions yet", exc_signature_id: "Signature / rule id", exc_check_id: "SCA check id",
      exc_host: "Host (agent / sensor)", exc_src_ip: "Source address", exc_dest_ip: "Destination address",
      exc_system: "Information system", exc_never: "never", exc_saved: "Saved", exc_badge: "excepted", exc_unit_only: "Only in unit",
    },
  });

  const FIELDS = ["signature_id", "check_id", "host", "src_ip", "dest_ip", "system"];
  const fmt = (v) => (v === null || v === undefined || v === "" ? "-" : String(v));
  const matchText = (x) => [`event_type=${x.event_type}`]
    .concat(FIELDS.filter((f) => x[f] !== null && x[f] !== undefined).map((f) => `${f}=${x[f]}`)).join(" ");

  async function viewExceptions(_rest, params) {
    const state = params.state || "active";
    const data = await api("/exceptions?limit=500&state=" + encodeURIComponent(state));
    const sel = el("select", { id: "exc-state", onchange: () => { location.hash = "#/exceptions?state=" + sel.value; } },
      ["active", "expired", "revoked", "all"].map((s) =>
        el("option", s === state ? { value: s, selected: "" } : { value: s }, s === "all" ? t("exc_all") : t("exc_" + s))));
    const msg = el("p", { id: "exc-msg", class: "error" });
    const rows = data.exceptions.map((x) => {
      const reason = el("input", { id: "revoke-reason-" + x.id, size: 24, maxlength: 1000, placeholder: t("exc_revoke_reason") });
      const ok = el("button", { id: "revoke-ok-" + x.id, class: "primary", onclick: async () => {
        if (!reason.value.trim()) { msg.textContent = t("exc_need_reason"); return; }
        try {
          await api(`/exceptions/${x.id}/revoke`, { method: "POST", body: JSON.stringify({ reason: reason.value }) });
          await viewExceptions("", params);
        } catch (e) { msg.textContent = e.message; }
      } }, t("exc_confirm"));
      const box = el("span", { hidden: "" }, reason, ok);
      const action = x.state === "revoked"
        ? el("span", {}, `${fmt(x.revoked_by)} ${fmt(x.revoked_at)}: `, fmt(x.revoke_reason))
        : el("span", {}, el("button", { id: "revoke-" + x.id, onclick: () => { box.hidden = false; reason.focus(); } },
          t("exc_revoke")), box);
      return el("tr", { "data-id": x.id, class: "exc-row" },
        el("td", {}, String(x.id)), el("td", {}, x.unit || t("exc_all_units")), el("td", {}, matchText(x)),
        el("td", { class: "exc-reason" }, x.reason), el("td", {}, `${x.created_by} ${x.created_at}`),
        el("td", {}, fmt(x.expires_at)), el("td", { class: "exc-hits" }, String(x.hits)),
        el("td", { class: "exc-last-hit" }, x.last_hit || t("exc_never")),
        el("td", { class: "exc-state" }, t("exc_" + x.state)), el("td", {}, action));
    });
    render(el("h2", {}, t("exc_title")),
      el("div", { class: "filters" }, el("label", {}, t("exc_state"), " ", sel),
        el("a", { href: "#/events?excepted=1", id: "exc-events" }, `${t("exc_excepted_events")} (${data.excepted_events})`)),
      msg,
      rows.length ? el("table", { id: "exceptions" },
        el("tr", {}, ["#", t("exc_unit"), t("exc_match"), t("exc_reason"), t("exc_created"), t("exc_expires"),
          t("exc_hits"), t("exc_last_hit"), t("exc_state"), ""].map((h) => el("th", {}, h))), rows)
        : el("p", { id: "exceptions-empty" }, t("exc_none")));
  }

  /* The values of an event that an exception can match on. */
  function eventValues(e) {
    const sid = e.alert ? e.alert.signature_id : e.log && e.log.rule ? e.log.rule.id : null;
    const chk = e.sca && e.sca.check ? e.sca.check.id : null;
    return { signature_id: sid || null, check_id: chk === null || chk === undefined ? null : String(chk),
      host: e._sensor || null, src_ip: e.src_ip || null, dest_ip: e.dest_ip || null, system: null };
  }

  async function viewExcept(id) {
    const e = await api("/events/" + encodeURIComponent(id));
    const vals = eventValues(e);
    const msg = el("p", { id: "except-msg" });
    const boxes = {};
    const fieldRows = FIELDS.filter((f) => f !== "system" && vals[f] !== null).map((f) => {
      boxes[f] = el("input", { type: "checkbox", id: "exc-f-" + f });
      // The rule by default, narrowed to the source when there is one.
      if (f === "signature_id" || f === "check_id" || (f === "src_ip" && !vals.signature_id && !vals.check_id))
        boxes[f].checked = true;
      return el("label", { class: "exc-field" }, boxes[f], ` ${t("exc_" + f)}: `, el("code", {}, String(vals[f])));
    });
    // The event's unit by default: an admin of every unit would otherwise except it everywhere.
    const unitBox = e._unit ? el("input", { type: "checkbox", id: "exc-unit-only" }) : null;
    if (unitBox) unitBox.checked = true;
    const reason = el("textarea", { id: "exc-reason", rows: 3, cols: 60, maxlength: 1000 });
    const expires = el("input", { id: "exc-expires", type: "date" });
    const create = el("button", { id: "exc-create", class: "primary", onclick: async () => {
      const body = { event_type: e.event_type, reason: reason.value };
      for (const f of Object.keys(boxes)) if (boxes[f].checked) body[f] = vals[f];
      if (!reason.value.trim()) { msg.textContent = t("exc_need_reason"); msg.className = "error"; return; }
      if (Object.keys(body).length === 2) { msg.textContent = t("exc_need_field"); msg.className = "error"; return; }
      if (expires.value) body.expires_at = expires.value + "T23:59:59Z";
      if (unitBox && unitBox.checked) body.unit = e._unit;
      try {
        await api("/exceptions", { method: "POST", body: JSON.stringify(body) });
        location.hash = "#/exceptions";
      } catch (err) { msg.textContent = err.message; msg.className = "error"; }
    } }, t("exc_create"));
    const ackReason = el("input", { id: "ack-reason", size: 50, maxlength: 1000 });
    const ack = el("button", { id: "ack", onclick: async () => {
      if (!ackReason.value.trim()) { msg.textContent = t("exc_need_reason"); msg.className = "error"; return; }
      try {
        await api(`/events/${encodeURIComponent(id)}/ack`, { method: "POST", body: JSON.stringify({ reason: ackReason.value }) });
        await viewExcept(id);
      } catch (err) { msg.textContent = err.message; msg.className = "error"; }
    } }, t("exc_ack_do"));
    const summary = e.alert ? e.alert.signature : e.log && e.log.rule ? e.log.rule.description
      : e.sca && e.sca.check ? e.sca.check.title : "";
    render(...[el("h2", {}, `${t("exc_from_event")} #${e._id}`),
      el("button", { onclick: () => history.back() }, t("back")),
      el("p", { id: "except-event" }, `${(e.timestamp || "").slice(0, 19)} ${e.event_type} ${fmt(e.src_ip)} → ${fmt(e.dest_ip)} `,
        el("strong", {}, summary || "")),
      e._exception_id ? el("p", { id: "except-existing" }, el("a", { href: "#/exceptions?state=all" },
        t("exc_excepted_by") + e._exception_id)) : null,
      e._ack ? el("p", { id: "ack-existing" }, `${t("exc_acked")} ${e._ack.user} ${e._ack.ts}: `, e._ack.reason) : null,
      el("div", { class: "card", id: "except-form" }, el("h3", {}, t("exc_make")), el("p", {}, t("exc_make_help")),
        el("p", {}, t("exc_fields")), el("div", {}, fieldRows.map((r) => el("div", {}, r))),
        unitBox ? el("label", { class: "exc-field" }, unitBox, ` ${t("exc_unit_only")} `, el("code", {}, e._unit)) : null,
        unitBox ? el("br", {}) : null,
        el("label", {}, t("exc_reason"), el("br", {}), reason), el("br", {}),
        el("label", {}, t("exc_expires"), " ", expires), el("br", {}), create),
      e._ack ? null : el("div", { class: "card", id: "ack-form" }, el("h3", {}, t("exc_ack")),
        el("label", {}, t("exc_reason"), " ", ackReason), " ", ack),
      msg].filter(Boolean)); // render() would print a null as text
  }

  vg.registerView("/exceptions", viewExceptions, { nav: { vi: "Ngoại lệ", en: "Exceptions" } });
  vg.registerView("/except", viewExcept);

  // A link from app.js's event page to the except screen.
  const addLink = () => {
    const m = /^#\/event\/(\d+)$/.exec(location.hash);
    const pre = document.getElementById("event-json");
    if (!m || !pre || document.getElementById("except-link")) return;
    pre.parentNode.insertBefore(el("p", {}, el("a", { href: "#/except/" + m[1], id: "except-link", class: "button" },
      t("exc_link"))), pre);
  };
  // Excepted events in app.js's event list get a mark (one extra request
  // for the page's id range; the list itself is app.js's).
  const markList = async () => {
    const table = document.getElementById("events");
    if (!table || table.dataset.excMarked || !location.hash.startsWith("#/events")) return;
    table.dataset.excMarked = "1";
    const rows = [...table.querySelectorAll("tr[data-id]")];
    const ids = rows.map((r) => Number(r.dataset.id)).filter((n) => n > 0);
    if (!ids.length) return;
    const min = Math.min(...ids), max = Math.max(...ids);
    let data;
    try { data = await api(`/events?excepted=1&limit=1000&before=${max + 1}`); } catch (e) { return; }
    const exc = new Map(data.events.filter((e) => e._id >= min).map((e) => [e._id, e._exception_id]));
    for (const r of rows) {
      const x = exc.get(Number(r.dataset.id));
      if (x === undefined || !r.lastElementChild) continue;
      r.classList.add("excepted");
      r.lastElementChild.appendChild(el("span", { class: "exc-badge", title: t("exc_excepted_by") + x },
        ` [${t("exc_badge")} #${x}]`));
    }
  };
  const start = () => {
    const main = document.getElementById("main");
    if (main) new MutationObserver(() => { addLink(); markList(); }).observe(main, { childList: true });
  };
  if (document.readyState === "loading") window.addEventListener("DOMContentLoaded", start);
  else start();
})();
