/* apl HTML report: tooltips, search, layers, sortable table, CSV download.
 * Reads its data from <script id="apl-data" type="application/json">; loads nothing else. */
(function () {
  "use strict";
  const D = JSON.parse(document.getElementById("apl-data").textContent);
  const T = D.text;
  const N = D.code.length;
  const DEC = D.lang === "fr" ? "," : ".";
  const THOU = D.lang === "fr" ? "\u202f" : ",";
  const PAGE = D.page_size || 100;

  // ---- formatting ------------------------------------------------------------------
  function isMissing(v) { return v === null || v === undefined || (typeof v === "number" && !isFinite(v)); }
  function num(v, digits, signed) {
    if (isMissing(v)) return T.na;
    const s = Math.abs(v).toFixed(digits);
    const zero = Number(s) === 0;
    const parts = s.split(".");
    const whole = parts[0].replace(/\B(?=(\d{3})+(?!\d))/g, THOU);
    const sign = v < 0 && !zero ? "\u2212" : (signed && !zero ? "+" : "");
    return sign + whole + (parts.length > 1 ? DEC + parts[1] : "");
  }
  function value(key, i) {
    if (key === "code") return D.code[i];
    if (key === "name") return D.name[i];
    return D.values[key][i];
  }
  function format(col, i) {
    const v = value(col.key, i);
    if (col.kind === "text") return isMissing(v) || v === "" ? T.na : String(v);
    if (col.kind === "pct") return isMissing(v) ? T.na : num(100 * v, col.digits || 0) + T.pct;
    return num(v, col.digits || 0, col.kind === "signed");
  }
  const COLS = {};
  D.columns.forEach(function (c) { COLS[c.key] = c; });

  // ---- map elements ----------------------------------------------------------------
  const svg = document.getElementById("map");
  const paths = new Array(N).fill(null);
  if (svg) {
    svg.querySelectorAll("path.c").forEach(function (p) {
      const i = Number(p.getAttribute("data-i"));
      if (i >= 0) paths[i] = p;
    });
  }
  const overlay = document.getElementById("overlay");

  // ---- tooltip ---------------------------------------------------------------------
  const tip = document.getElementById("tooltip");
  function fillTip(i) {
    tip.textContent = "";
    const head = document.createElement("div");
    const strong = document.createElement("strong");
    strong.textContent = D.name[i] || D.code[i];
    head.appendChild(strong);
    head.appendChild(document.createTextNode(" (" + D.code[i] + ")"));
    tip.appendChild(head);
    if (isMissing(D.values.apl[i])) {
      const line = document.createElement("div");
      line.textContent = T.no_data;
      tip.appendChild(line);
    }
    D.tooltip.forEach(function (key) {
      const col = COLS[key];
      const v = value(key, i);
      if (isMissing(v) || v === "") return;
      const line = document.createElement("div");
      line.className = "tip-" + key;
      line.textContent = col.label + "\u00a0: ".slice(D.lang === "fr" ? 0 : 1) + format(col, i) + (col.unit ? " " + col.unit : "");
      tip.appendChild(line);
    });
  }
  function placeTip(x, y) {
    tip.hidden = false;
    const w = tip.offsetWidth, h = tip.offsetHeight;
    const vw = document.documentElement.clientWidth, vh = document.documentElement.clientHeight;
    let left = x + 14, top = y + 14;
    if (left + w > vw - 4) left = Math.max(4, x - w - 14);
    if (top + h > vh - 4) top = Math.max(4, y - h - 14);
    tip.style.left = left + "px";
    tip.style.top = top + "px";
  }
  function showTipAt(i, el) {
    fillTip(i);
    const r = el.getBoundingClientRect();
    placeTip(r.left + r.width / 2, r.top + r.height / 2);
  }
  function hideTip() { tip.hidden = true; }
  function indexOf(el) {
    const p = el && el.closest ? el.closest("path.c") : null;
    if (!p) return -1;
    return Number(p.getAttribute("data-i"));
  }
  function geomOnly(el) {  // polygons without a row of the result (no data)
    const p = el && el.closest ? el.closest("path.c") : null;
    return p && Number(p.getAttribute("data-i")) < 0 ? p : null;
  }
  function showGeomOnly(p, x, y) {
    tip.textContent = "";
    const head = document.createElement("div");
    head.textContent = (p.getAttribute("data-name") || "") + " (" + p.getAttribute("data-code") + ")";
    const line = document.createElement("div");
    line.textContent = T.no_data;
    tip.appendChild(head);
    tip.appendChild(line);
    placeTip(x, y);
  }
  if (svg) {
    svg.addEventListener("mousemove", function (ev) {
      const i = indexOf(ev.target);
      if (i >= 0) { fillTip(i); placeTip(ev.clientX, ev.clientY); return; }
      const g = geomOnly(ev.target);
      if (g) { showGeomOnly(g, ev.clientX, ev.clientY); return; }
      hideTip();
    });
    svg.addEventListener("mouseleave", hideTip);
    svg.addEventListener("focusin", function (ev) {
      const i = indexOf(ev.target);
      if (i >= 0) { showTipAt(i, ev.target); return; }
      const g = geomOnly(ev.target);
      if (g) { const r = g.getBoundingClientRect(); showGeomOnly(g, r.left + r.width / 2, r.top + r.height / 2); }
    });
    svg.addEventListener("focusout", hideTip);
    svg.addEventListener("keydown", function (ev) {
      if (ev.key === "Escape") { hideTip(); return; }
      if (ev.key === "Enter" || ev.key === " ") {
        const i = indexOf(ev.target);
        if (i >= 0) { ev.preventDefault(); search.value = D.code[i]; applySearch(); }
      }
    });
    svg.addEventListener("click", function (ev) {
      const i = indexOf(ev.target);
      if (i >= 0) { search.value = D.code[i]; applySearch(); }
    });
  }
  document.addEventListener("keydown", function (ev) { if (ev.key === "Escape") hideTip(); });

  // ---- selection (outline drawn in an overlay, so the commune paths keep their order) --
  let selected = -1;
  function select(i, withTip) {
    selected = i;
    if (overlay) {
      overlay.textContent = "";
      if (i >= 0 && paths[i]) {
        ["hl", "hl2"].forEach(function (cls) {
          const use = document.createElementNS("http://www.w3.org/2000/svg", "use");
          use.setAttribute("href", "#" + paths[i].id);
          use.setAttribute("class", cls);
          overlay.appendChild(use);
        });
      }
    }
    if (i >= 0 && paths[i] && withTip) showTipAt(i, paths[i]);
  }

  // ---- search ----------------------------------------------------------------------
  const search = document.getElementById("search");
  const status = document.getElementById("status");
  function norm(s) {
    return String(s || "").normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase()
      .replace(/[-'\u2019\s]+/g, " ").trim();
  }
  const keys = D.name.map(norm);
  let matches = [];
  let filtered = null;
  function applySearch() {
    matches.forEach(function (i) { if (paths[i]) paths[i].classList.remove("match"); });
    const q = norm(search.value);
    const code = String(search.value || "").trim().toUpperCase();
    if (!q) {
      matches = []; filtered = null; status.textContent = ""; select(-1, false); hideTip();
      page = 0; render(); return;
    }
    matches = [];
    let exact = -1;
    for (let i = 0; i < N; i++) {
      if (keys[i].indexOf(q) >= 0 || D.code[i].indexOf(code) === 0) {
        matches.push(i);
        if (exact < 0 && (keys[i] === q || D.code[i] === code)) exact = i;
      }
    }
    matches.forEach(function (i) { if (paths[i]) paths[i].classList.add("match"); });
    filtered = matches;
    page = 0;
    render();
    status.textContent = matches.length === 0 ? T.found_none
      : (matches.length === 1 ? T.found_one : T.found_many.replace("{n}", num(matches.length, 0)));
    const pick = exact >= 0 ? exact : (matches.length === 1 ? matches[0] : -1);
    select(pick, true);
    if (pick < 0) hideTip();
  }
  if (search) {
    search.addEventListener("input", applySearch);
    search.addEventListener("keydown", function (ev) {
      if (ev.key === "Enter" && matches.length > 0) { ev.preventDefault(); select(matches[0], true); }
      if (ev.key === "Escape") { search.value = ""; applySearch(); }
    });
  }

  // ---- layers and legend -----------------------------------------------------------
  const layerSelect = document.getElementById("layer");
  const legend = document.getElementById("legend");
  function drawLegend(layer) {
    if (!legend) return;
    legend.textContent = "";
    const h = document.createElement("h3");
    h.textContent = layer.title;
    if (layer.unit) {
      const u = document.createElement("span");
      u.className = "unit";
      u.textContent = layer.unit;
      h.appendChild(u);
    }
    legend.appendChild(h);
    const ul = document.createElement("ul");
    function item(color, label, count, nodata) {
      const li = document.createElement("li");
      const sw = document.createElement("span");
      sw.className = "swatch" + (nodata ? " nodata" : "");
      if (!nodata) sw.style.background = color;
      li.appendChild(sw);
      li.appendChild(document.createTextNode(label + " (" + num(count, 0) + ")"));
      ul.appendChild(li);
    }
    layer.labels.forEach(function (label, k) { item(layer.colors[k], label, layer.counts[k], false); });
    if (layer.nodata > 0) item(null, T.no_data, layer.nodata, true);
    legend.appendChild(ul);
    if (layer.note) {
      const p = document.createElement("p");
      p.className = "muted";
      p.textContent = layer.note;
      legend.appendChild(p);
    }
  }
  function showLayer(key) {
    const layer = D.layers[key];
    if (!layer) return;
    for (let i = 0; i < N; i++) {
      if (!paths[i]) continue;
      const k = layer.cls[i];
      paths[i].setAttribute("fill", k < 0 ? "url(#nodata)" : layer.colors[k]);
    }
    // light fills (no change, low probability) need grey borders to show the communes
    if (svg) svg.style.setProperty("--stroke", layer.stroke || "#ffffff");
    drawLegend(layer);
  }
  if (layerSelect) layerSelect.addEventListener("change", function () { showLayer(layerSelect.value); });

  // ---- sortable, paged table -------------------------------------------------------
  const table = document.getElementById("communes-table");
  const tbody = table ? table.querySelector("tbody") : null;
  const pager = document.getElementById("pager-status");
  const prev = document.getElementById("prev");
  const next = document.getElementById("next");
  let sortKey = null, sortDir = 1, page = 0, order = null;
  const collator = new Intl.Collator(D.lang, { sensitivity: "base", numeric: true });
  function sorted(rows) {
    if (!sortKey) return rows;
    const col = COLS[sortKey];
    const out = rows.slice();
    out.sort(function (a, b) {
      const va = value(sortKey, a), vb = value(sortKey, b);
      const ma = isMissing(va) || va === "", mb = isMissing(vb) || vb === "";
      if (ma || mb) return ma === mb ? a - b : (ma ? 1 : -1);   // no data always last
      const c = col.kind === "text" ? collator.compare(String(va), String(vb)) : va - vb;
      return c !== 0 ? sortDir * c : a - b;
    });
    return out;
  }
  function render() {
    if (!tbody) return;
    const base = filtered !== null ? filtered : Array.from({ length: N }, function (_, i) { return i; });
    order = sorted(base);
    const pages = Math.max(1, Math.ceil(order.length / PAGE));
    page = Math.min(page, pages - 1);
    const start = page * PAGE, stop = Math.min(order.length, start + PAGE);
    const frag = document.createDocumentFragment();
    for (let r = start; r < stop; r++) {
      const i = order[r];
      const tr = document.createElement("tr");
      tr.setAttribute("data-i", String(i));
      if (i === selected) tr.className = "selected";
      D.columns.forEach(function (col, c) {
        const cell = document.createElement(c === 0 ? "th" : "td");
        if (c === 0) cell.setAttribute("scope", "row");
        if (col.kind === "text") cell.className = "text";
        cell.textContent = format(col, i);
        tr.appendChild(cell);
      });
      frag.appendChild(tr);
    }
    tbody.textContent = "";
    tbody.appendChild(frag);
    if (pager) {
      pager.textContent = order.length === 0 ? T.rows_none
        : T.rows.replace("{a}", num(start + 1, 0)).replace("{b}", num(stop, 0)).replace("{n}", num(order.length, 0));
    }
    if (prev) prev.disabled = page === 0;
    if (next) next.disabled = page >= pages - 1;
  }
  if (table) {
    table.querySelectorAll("thead th[data-key]").forEach(function (th) {
      const button = th.querySelector("button");
      button.addEventListener("click", function () {
        const key = th.getAttribute("data-key");
        sortDir = sortKey === key ? -sortDir : 1;
        sortKey = key;
        table.querySelectorAll("thead th[data-key]").forEach(function (o) { o.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", sortDir > 0 ? "ascending" : "descending");
        page = 0;
        render();
      });
    });
    tbody.addEventListener("click", function (ev) {
      const tr = ev.target.closest("tr");
      if (!tr) return;
      const i = Number(tr.getAttribute("data-i"));
      tbody.querySelectorAll("tr.selected").forEach(function (o) { o.classList.remove("selected"); });
      tr.classList.add("selected");
      select(i, false);
    });
  }
  if (prev) prev.addEventListener("click", function () { page = Math.max(0, page - 1); render(); });
  if (next) next.addEventListener("click", function () { page += 1; render(); });

  // ---- CSV download (built here from the data: a data URI, or a blob: URL when big) ---
  const link = document.getElementById("download");
  if (link) {
    const cols = D.csv.columns;
    const quote = function (s) { return /[",\n\r]/.test(s) ? '"' + s.replace(/"/g, '""') + '"' : s; };
    const lines = [cols.map(function (c) { return c.header; }).join(",")];
    for (let i = 0; i < N; i++) {
      lines.push(cols.map(function (c) {
        const v = value(c.key, i);
        if (isMissing(v)) return "";
        return typeof v === "number" ? String(v) : quote(String(v));
      }).join(","));
    }
    const csv = "\ufeff" + lines.join("\r\n") + "\r\n";
    const uri = "data:text/csv;charset=utf-8," + encodeURIComponent(csv);
    // Chromium caps URLs at 2 MB; beyond, a blob: URL (still local, nothing leaves the page).
    link.href = uri.length < 1900000 ? uri : URL.createObjectURL(new Blob([csv], { type: "text/csv;charset=utf-8" }));
    link.hidden = false;
  }

  showLayer(layerSelect ? layerSelect.value : "apl");
  render();
  document.documentElement.setAttribute("data-ready", "1");
})();
