"""The dataset dashboard: one self-contained HTML file (data embedded, no server, no CDN).

Two tabs, like the blog's: Analytics (KPIs, distributions, histograms, Subject × Style heatmap,
average lengths) and Browse & search (filters by subject, style, camera, source, language and
free text). Clicking a bar or a heatmap cell opens Browse with that filter. Everything is drawn
with plain HTML/CSS and a little vanilla JavaScript, so the file opens from disk anywhere.
"""

from __future__ import annotations

import html
import json

import pandas as pd

from diffcurate import schemas as S
from diffcurate.errors import InputError
from diffcurate.taxonomy import CODES, NAMES, Axis

# The page's script reads these columns by name (D.columns): keep TEMPLATE's names in step.
ROW_COLUMNS = [S.TEXT, S.SUBJECT, S.STYLE, S.CAMERA, S.SOURCE, S.LANGUAGE, S.N_WORDS, S.N_CHARS]


def payload(prompts: pd.DataFrame, metrics: dict) -> dict:
    """The JSON embedded in the page: rows (as arrays, to keep the file small), code names, KPIs."""
    missing = [c for c in ROW_COLUMNS if c not in prompts]
    if missing:
        raise InputError(f"dashboard input: missing columns {missing}")
    rows = prompts[ROW_COLUMNS].astype({S.N_WORDS: "int64", S.N_CHARS: "int64"}).values.tolist()
    return {
        "columns": ROW_COLUMNS,
        "rows": rows,
        "codes": {axis.value: CODES[axis] for axis in Axis},
        "names": NAMES,
        "min_per_cell": int(metrics.get("min_per_cell", 30)),
        "title": metrics.get("title", "diffcurate prompt dataset"),
    }


def _embed(obj: dict) -> str:
    # Inside <script type="application/json">, only "</" can end the element early.
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":")).replace("</", "<\\/")


def render(prompts: pd.DataFrame, metrics: dict) -> str:
    data = payload(prompts, metrics)
    return TEMPLATE.replace("__TITLE__", html.escape(data["title"])).replace("__DATA__", _embed(data))


TEMPLATE = r"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>__TITLE__</title>
<style>
  body { font-family: system-ui, -apple-system, "Segoe UI", "Noto Sans CJK SC", "PingFang SC", sans-serif; margin: 0; color: #1d2330; background: #f5f6f8; }
  header { background: #1d2330; color: #fff; padding: 12px 20px; display: flex; align-items: center; gap: 24px; }
  header h1 { font-size: 18px; margin: 0; font-weight: 600; }
  .tabs button { background: none; border: 0; color: #c9d1e0; font-size: 15px; padding: 6px 12px; cursor: pointer; border-bottom: 2px solid transparent; }
  .tabs button.active { color: #fff; border-bottom-color: #5b9bff; }
  main { padding: 16px 20px; }
  .kpis { display: flex; gap: 12px; flex-wrap: wrap; margin-bottom: 16px; }
  .kpi { background: #fff; border-radius: 8px; padding: 10px 16px; min-width: 130px; box-shadow: 0 1px 2px rgba(0,0,0,.08); }
  .kpi .v { font-size: 22px; font-weight: 600; } .kpi .l { font-size: 12px; color: #667; }
  .grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(420px, 1fr)); gap: 16px; }
  .card { background: #fff; border-radius: 8px; padding: 12px 14px; box-shadow: 0 1px 2px rgba(0,0,0,.08); }
  .card h2 { font-size: 14px; margin: 0 0 8px; }
  .bar { display: flex; align-items: center; gap: 6px; font-size: 12px; margin: 2px 0; }
  .bar .lab { width: 190px; overflow: hidden; white-space: nowrap; text-overflow: ellipsis; }
  .bar .fill { background: #5b9bff; height: 14px; border-radius: 2px; }
  .bar.click { cursor: pointer; } .bar.click:hover .fill { background: #2f6fd6; }
  .bar .n { color: #556; }
  table.heat { border-collapse: collapse; font-size: 11px; }
  table.heat td, table.heat th { border: 1px solid #e3e6ec; padding: 3px 5px; text-align: center; }
  table.heat td.cell { cursor: pointer; min-width: 34px; } table.heat td.cell:hover { outline: 2px solid #1d2330; }
  table.heat td.low { color: #b00020; font-weight: 600; }
  .filters { display: flex; gap: 8px; flex-wrap: wrap; align-items: center; margin-bottom: 10px; }
  .filters select, .filters input { font-size: 13px; padding: 4px; }
  #result-count { font-weight: 600; }
  table.rows { border-collapse: collapse; width: 100%; background: #fff; font-size: 13px; }
  table.rows td, table.rows th { border-bottom: 1px solid #eceef2; padding: 5px 6px; text-align: left; vertical-align: top; }
  .code { font-family: ui-monospace, monospace; font-size: 11px; color: #334; white-space: nowrap; }
  .hidden { display: none; }
</style>
</head>
<body>
<header><h1>__TITLE__</h1>
  <nav class="tabs"><button id="tab-analytics" class="active">Analytics</button><button id="tab-browse">Browse &amp; search</button></nav>
</header>
<main>
<section id="analytics">
  <div class="kpis" id="kpis"></div>
  <div class="grid">
    <div class="card"><h2>Subject</h2><div id="dist-subject"></div></div>
    <div class="card"><h2>Source</h2><div id="dist-source"></div></div>
    <div class="card"><h2>Style</h2><div id="dist-style"></div></div>
    <div class="card"><h2>Camera</h2><div id="dist-camera"></div></div>
    <div class="card"><h2>English prompts by words</h2><div id="hist-words"></div></div>
    <div class="card"><h2>Chinese prompts by characters</h2><div id="hist-chars"></div></div>
    <div class="card"><h2>Average English words by source</h2><div id="avg-source"></div></div>
    <div class="card"><h2>Average English words by subject</h2><div id="avg-subject"></div></div>
  </div>
  <div class="card" style="margin-top:16px"><h2>Subject × Style (prompts per cell; red: below the minimum; click to browse)</h2><div id="heatmap"></div></div>
</section>
<section id="browse" class="hidden">
  <div class="filters">
    <select id="f-subject"></select><select id="f-style"></select><select id="f-camera"></select>
    <select id="f-source"></select><select id="f-language"></select>
    <input id="f-text" type="search" placeholder="search text…" size="30">
    <button id="f-reset">Reset</button>
    <span><span id="result-count"></span> prompts</span>
  </div>
  <table class="rows"><thead><tr><th>Prompt</th><th>Subject</th><th>Style</th><th>Camera</th><th>Source</th><th>Lang</th><th>Length</th></tr></thead>
  <tbody id="rows"></tbody></table>
  <p id="more"></p>
</section>
</main>
<script id="data" type="application/json">__DATA__</script>
<script>
"use strict";
const D = JSON.parse(document.getElementById("data").textContent);
const C = Object.fromEntries(D.columns.map((c, i) => [c, i]));
const rows = D.rows;
const PAGE = 200;
const AXES = ["subject", "style", "camera", "source", "language"];
const label = (code) => D.names[code] ? code + " " + D.names[code] : code;
const esc = (s) => String(s).replace(/[&<>"]/g, (ch) => ({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;"}[ch]));

function count(key) { const m = new Map(); for (const r of rows) m.set(r[C[key]], (m.get(r[C[key]]) || 0) + 1); return m; }
function values(key) { return D.codes[key] ? D.codes[key] : [...count(key).keys()].sort(); }

function bars(el, entries, filterKey) {
  const max = Math.max(1, ...entries.map((e) => e[1]));
  el.innerHTML = entries.map(([k, n, shown]) =>
    `<div class="bar${filterKey ? " click" : ""}" data-key="${filterKey || ""}" data-value="${esc(k)}">` +
    `<span class="lab" title="${esc(label(k))}">${esc(label(k))}</span>` +
    `<span class="fill" style="width:${Math.round(220 * n / max)}px"></span><span class="n">${shown ?? n}</span></div>`).join("");
}

function histogram(el, key, lang, width) {
  const m = new Map();
  for (const r of rows) if (r[C.language] === lang) { const b = Math.floor(r[C[key]] / width) * width; m.set(b, (m.get(b) || 0) + 1); }
  const keys = [...m.keys()].sort((a, b) => a - b);
  bars(el, keys.map((b) => [`${b}–${b + width - 1}`, m.get(b)]), null);
}

function average(el, key) {
  const s = new Map(), n = new Map();
  for (const r of rows) if (r[C.language] === "en") { const k = r[C[key]]; s.set(k, (s.get(k) || 0) + r[C.n_words]); n.set(k, (n.get(k) || 0) + 1); }
  bars(el, values(key).filter((k) => n.has(k)).map((k) => [k, s.get(k) / n.get(k), (s.get(k) / n.get(k)).toFixed(1)]), key);
}

function analytics() {
  const en = rows.filter((r) => r[C.language] === "en"), zh = rows.length - en.length;
  const words = en.map((r) => r[C.n_words]).sort((a, b) => a - b);
  const median = words.length ? (words.length % 2 ? words[(words.length - 1) / 2] : (words[words.length / 2 - 1] + words[words.length / 2]) / 2) : 0;
  const cells = new Map();
  for (const r of rows) { const k = r[C.subject] + "|" + r[C.style]; cells.set(k, (cells.get(k) || 0) + 1); }
  let atMin = 0;
  for (const s of D.codes.subject) for (const t of D.codes.style) if ((cells.get(s + "|" + t) || 0) >= D.min_per_cell) atMin++;
  const kpis = [["kpi-total", rows.length, "prompts"], ["kpi-en", en.length, "English"], ["kpi-zh", zh, "Chinese"],
    ["kpi-mean", (words.reduce((a, b) => a + b, 0) / Math.max(1, words.length)).toFixed(1), "mean words (en)"],
    ["kpi-median", median, "median words (en)"], ["kpi-cells", `${atMin} / ${D.codes.subject.length * D.codes.style.length}`, `cells ≥ ${D.min_per_cell}`]];
  document.getElementById("kpis").innerHTML = kpis.map(([id, v, l]) => `<div class="kpi"><div class="v" id="${id}">${v}</div><div class="l">${l}</div></div>`).join("");
  for (const key of ["subject", "source", "style", "camera"]) {
    const m = count(key);
    bars(document.getElementById("dist-" + key), values(key).map((k) => [k, m.get(k) || 0]), key);
  }
  histogram(document.getElementById("hist-words"), "n_words", "en", 5);
  histogram(document.getElementById("hist-chars"), "n_chars", "zh", 10);
  average(document.getElementById("avg-source"), "source");
  average(document.getElementById("avg-subject"), "subject");
  const max = Math.max(1, ...cells.values());
  let h = "<table class='heat'><tr><th></th>" + D.codes.style.map((t) => `<th title="${esc(label(t))}">${esc(label(t))}</th>`).join("") + "</tr>";
  for (const s of D.codes.subject) {
    h += `<tr><th style="text-align:left">${esc(label(s))}</th>`;
    for (const t of D.codes.style) {
      const n = cells.get(s + "|" + t) || 0, a = 0.08 + 0.8 * n / max;
      h += `<td class="cell${n < D.min_per_cell ? " low" : ""}" data-subject="${s}" data-style="${t}" style="background:rgba(91,155,255,${a.toFixed(3)})">${n}</td>`;
    }
    h += "</tr>";
  }
  document.getElementById("heatmap").innerHTML = h + "</table>";
}

const filters = {};
function fillSelects() {
  for (const key of AXES) {
    const sel = document.getElementById("f-" + key), m = count(key);
    sel.innerHTML = `<option value="">all ${key}s</option>` + values(key).filter((k) => m.has(k)).map((k) => `<option value="${esc(k)}">${esc(label(k))} (${m.get(k)})</option>`).join("");
    sel.addEventListener("change", () => { filters[key] = sel.value; browse(); });
  }
  document.getElementById("f-text").addEventListener("input", (e) => { filters.text = e.target.value; browse(); });
  document.getElementById("f-reset").addEventListener("click", () => setFilters({}));
}

function setFilters(f) {
  for (const k of [...AXES, "text"]) filters[k] = f[k] || "";
  for (const k of AXES) document.getElementById("f-" + k).value = filters[k];
  document.getElementById("f-text").value = filters.text;
  browse();
}

function browse() {
  const q = (filters.text || "").toLowerCase();
  const hit = rows.filter((r) => AXES.every((k) => !filters[k] || r[C[k]] === filters[k]) && (!q || r[C.text].toLowerCase().includes(q)));
  document.getElementById("result-count").textContent = hit.length;
  document.getElementById("rows").innerHTML = hit.slice(0, PAGE).map((r) =>
    `<tr><td lang="${r[C.language] === "zh" ? "zh-CN" : "en"}">${esc(r[C.text])}</td>` +
    ["subject", "style", "camera"].map((k) => `<td class="code" title="${esc(label(r[C[k]]))}">${esc(label(r[C[k]]))}</td>`).join("") +
    `<td>${esc(r[C.source])}</td><td>${r[C.language]}</td><td>${r[C.language] === "zh" ? r[C.n_chars] + " chars" : r[C.n_words] + " words"}</td></tr>`).join("");
  document.getElementById("more").textContent = hit.length > PAGE ? `showing the first ${PAGE} of ${hit.length}` : "";
}

function show(tab) {
  document.getElementById("analytics").classList.toggle("hidden", tab !== "analytics");
  document.getElementById("browse").classList.toggle("hidden", tab !== "browse");
  document.getElementById("tab-analytics").classList.toggle("active", tab === "analytics");
  document.getElementById("tab-browse").classList.toggle("active", tab === "browse");
}

document.getElementById("tab-analytics").addEventListener("click", () => show("analytics"));
document.getElementById("tab-browse").addEventListener("click", () => show("browse"));
document.getElementById("analytics").addEventListener("click", (e) => {
  const cell = e.target.closest("td.cell");
  if (cell) { setFilters({subject: cell.dataset.subject, style: cell.dataset.style}); show("browse"); return; }
  const bar = e.target.closest(".bar.click");
  if (bar && bar.dataset.key) { setFilters({[bar.dataset.key]: bar.dataset.value}); show("browse"); }
});
analytics();
fillSelects();
setFilters({});
</script>
</body>
</html>
"""
