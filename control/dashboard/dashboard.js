// dashboard.js: sluiced's dashboard (served from the binary; no library).
//
// Every second it reads /api/status and keeps, in memory, the rates of
// the last 5 minutes (from the differences of the totals); every 2
// seconds it reads /api/sources and redraws the grid: a block per site,
// a cell per host, coloured by the age of its oldest unacknowledged
// message. Text from the server goes into the page as text, never as
// markup: host names come from syslog headers anyone can write.
"use strict";

const HISTORY_MS = 5 * 60 * 1000;
const STATUS_EVERY_MS = 1000;
const GRID_EVERY_MS = 2000;
const GRID_MAX_HOSTS = 5000;
const IDLE_AFTER_S = 10;

const history = [];   // { t, inRate, deliveredRate, dropRate }
let previous = null;  // the last /api/status answer

function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

function showError(text) {
  document.getElementById("error").textContent = text;
}

async function getJSON(path) {
  const r = await fetch(path, { cache: "no-store" });
  if (!r.ok) throw new Error(path + ": HTTP " + r.status);
  return r.json();
}

function formatCount(n) {
  if (n >= 1e9) return (n / 1e9).toFixed(1) + "G";
  if (n >= 1e6) return (n / 1e6).toFixed(1) + "M";
  if (n >= 1e4) return (n / 1e3).toFixed(1) + "k";
  return String(n);
}

function formatTick(v) {
  if (Number.isInteger(v)) return formatCount(v);
  return String(Math.round(v * 100) / 100);
}

function formatLag(ms) {
  if (ms < 1000) return ms + " ms";
  if (ms < 60000) return (ms / 1000).toFixed(1) + " s";
  return Math.round(ms / 60000) + " min";
}

// ---- status and plots ---------------------------------------------------

async function pollStatus() {
  let st;
  try {
    st = await getJSON("/api/status");
  } catch (e) {
    const s = document.getElementById("state");
    s.textContent = "unreachable";
    s.className = "state down";
    showError(String(e.message || e));
    previous = null;
    return;
  }
  showError("");
  const s = document.getElementById("state");
  s.textContent = st.state;
  s.className = "state " + st.state;
  document.getElementById("summary").textContent =
    "in " + formatCount(st.msg_in) +
    " \u00b7 delivered " + formatCount(st.kafka_delivered) +
    " \u00b7 unacknowledged " + formatCount(st.unacked) +
    " \u00b7 dropped " + formatCount(st.dropped) +
    " \u00b7 " + st.sources + " sources \u00b7 up " + st.uptime_s + " s" +
    " \u00b7 pid " + st.pid + " \u00b7 sluiced " + st.version;
  if (previous !== null && st.time_ms > previous.time_ms) {
    const dt = (st.time_ms - previous.time_ms) / 1000;
    const rate = (a, b) => Math.max(0, a - b) / dt;
    history.push({
      t: st.time_ms,
      inRate: rate(st.msg_in, previous.msg_in),
      deliveredRate: rate(st.kafka_delivered, previous.kafka_delivered),
      dropRate: rate(st.dropped, previous.dropped),
    });
    while (history.length > 0 && history[0].t < st.time_ms - HISTORY_MS)
      history.shift();
  }
  previous = st;
  drawPlot("plot-rate", st.time_ms, [
    { key: "inRate", color: "#2f6fd0" },
    { key: "deliveredRate", color: "#2e9d57" },
  ]);
  drawPlot("plot-drops", st.time_ms, [{ key: "dropRate", color: "#c8372d" }]);
}

// The smallest 1, 2 or 5 times a power of ten at or above v.
function niceCeil(v) {
  if (v <= 0) return 1;
  const p = Math.pow(10, Math.floor(Math.log10(v)));
  for (const m of [1, 2, 5, 10])
    if (m * p >= v) return m * p;
  return 10 * p;
}

function drawPlot(id, now, series) {
  const canvas = document.getElementById(id);
  const ratio = window.devicePixelRatio || 1;
  const w = canvas.clientWidth || 600, h = canvas.clientHeight || 170;
  if (canvas.width !== Math.round(w * ratio)) {
    canvas.width = Math.round(w * ratio);
    canvas.height = Math.round(h * ratio);
  }
  const g = canvas.getContext("2d");
  g.setTransform(ratio, 0, 0, ratio, 0, 0);
  g.clearRect(0, 0, w, h);
  const left = 52, right = 8, top = 8, bottom = 20;
  const pw = w - left - right, ph = h - top - bottom;
  let max = 0;
  for (const p of history)
    for (const s of series) max = Math.max(max, p[s.key]);
  max = niceCeil(max);
  g.font = "11px system-ui, sans-serif";
  g.fillStyle = "#505a6b";
  g.strokeStyle = "#e3e7ee";
  g.lineWidth = 1;
  g.textAlign = "right";
  g.textBaseline = "middle";
  for (let i = 0; i <= 4; i++) {
    const y = top + ph - (ph * i) / 4;
    g.beginPath();
    g.moveTo(left, y);
    g.lineTo(left + pw, y);
    g.stroke();
    g.fillText(formatTick((max * i) / 4), left - 6, y);
  }
  g.textAlign = "center";
  g.textBaseline = "top";
  for (let m = 0; m <= 5; m++) {
    const x = left + pw - (pw * m) / 5;
    g.fillText(m === 0 ? "now" : "-" + m + " min", x, top + ph + 5);
  }
  const xOf = (t) => left + pw - (pw * (now - t)) / HISTORY_MS;
  const yOf = (v) => top + ph - (ph * v) / max;
  g.lineWidth = 1.6;
  for (const s of series) {
    g.strokeStyle = s.color;
    g.beginPath();
    history.forEach((p, i) => {
      const x = xOf(p.t), y = yOf(p[s.key]);
      if (i === 0) g.moveTo(x, y);
      else g.lineTo(x, y);
    });
    g.stroke();
  }
}

// ---- the grid of hosts --------------------------------------------------

function lagClass(src) {
  if (src.unacked === 0 && src.last_seen_s >= IDLE_AFTER_S) return "idle";
  if (src.lag_ms < 1000) return "lag-ok";
  if (src.lag_ms < 10000) return "lag-warn";
  return "lag-bad";
}

function hostCell(src) {
  const c = el("div", "cell " + lagClass(src) + (src.paused ? " paused" : ""));
  c.dataset.host = src.host;
  c.dataset.ip = src.ip;
  c.dataset.site = src.site;
  c.dataset.unacked = String(src.unacked);
  c.dataset.in = String(src.in);
  c.dataset.lagMs = String(src.lag_ms);
  c.title = src.ip + ": " + src.in + " in, " + src.delivered + " delivered, " +
    src.failed + " failed, " + src.dropped + " dropped, " + src.rate +
    " msg/s, last seen " + src.last_seen_s + " s ago" +
    (src.paused ? ", paused" : "");
  c.appendChild(el("span", "host", src.host || src.ip));
  c.appendChild(el("span", "ua", "UA " + formatCount(src.unacked)));
  c.appendChild(document.createTextNode(" \u00b7 "));
  c.appendChild(el("span", "lag", formatLag(src.lag_ms)));
  c.appendChild(document.createTextNode(" \u00b7 "));
  c.appendChild(el("span", "in", formatCount(src.in) + " in"));
  return c;
}

async function refreshGrid() {
  let data;
  try {
    data = await getJSON("/api/sources?sort=in&top=" + GRID_MAX_HOSTS);
  } catch (e) {
    showError(String(e.message || e));
    return;
  }
  const bySite = new Map();
  for (const src of data.sources) {
    if (!bySite.has(src.site)) bySite.set(src.site, []);
    bySite.get(src.site).push(src);
  }
  const names = Array.from(bySite.keys()).sort((a, b) =>
    a === "" ? 1 : b === "" ? -1 : a.localeCompare(b));
  const root = document.getElementById("sites");
  const blocks = [];
  for (const name of names) {
    const hosts = bySite.get(name);
    hosts.sort((a, b) => (a.host || a.ip).localeCompare(b.host || b.ip));
    let unacked = 0, lag = 0;
    for (const h of hosts) {
      unacked += h.unacked;
      lag = Math.max(lag, h.lag_ms);
    }
    const block = el("section", "site");
    block.dataset.site = name;
    const title = el("h2", null, name === "" ? "(no site)" : name);
    title.appendChild(el("span", "stats", hosts.length + " hosts \u00b7 UA " +
      formatCount(unacked) + " \u00b7 max lag " + formatLag(lag)));
    block.appendChild(title);
    const cells = el("div", "cells");
    for (const h of hosts) cells.appendChild(hostCell(h));
    block.appendChild(cells);
    blocks.push(block);
  }
  root.replaceChildren(...blocks);
  document.getElementById("shown").textContent =
    data.shown < data.total ? "(busiest " + data.shown + " of " + data.total +
      " hosts)" : "";
}

pollStatus();
refreshGrid();
setInterval(pollStatus, STATUS_EVERY_MS);
setInterval(refreshGrid, GRID_EVERY_MS);
