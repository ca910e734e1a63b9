// devspace ui: renders the state the server streams (api/events) into the
// views; no framework, every view redrawn from the state on each update.
"use strict";

let state = null;
let rendered = false;
let logImage = "";
let logBuilds = -1;
let live = false;

const $ = (id) => document.getElementById(id);

function esc(s) {
  return String(s ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
}

function duration(ms) {
  if (!ms) return "";
  return ms < 1000 ? ms + " ms" : (ms / 1000).toFixed(1) + " s";
}

// bytes formats a byte count in binary units: 512 B, 12.3 MiB.
function bytes(n) {
  if (n < 1024) return n + " B";
  const units = ["KiB", "MiB", "GiB", "TiB"];
  let i = -1;
  do { n /= 1024; i++; } while (n >= 1024 && i < units.length - 1);
  return n.toFixed(1) + " " + units[i];
}

function badge(cls, text) {
  return `<span class="badge ${esc(cls)}">${esc(text ?? cls)}</span>`;
}

function showView() {
  const name = (location.hash || "#pipeline").slice(1);
  for (const v of document.querySelectorAll(".view")) v.classList.toggle("active", v.id === name);
  for (const a of document.querySelectorAll("nav a")) a.classList.toggle("active", a.dataset.view === name);
  if (name === "builds") drawEdges();
}

// Pipeline: the jobs as a tree (run_pipelines, dependencies), each with
// the builds and deployments it ran.
function renderPipeline() {
  const kids = new Map();
  for (const j of state.jobs) {
    const p = state.jobs.some((o) => o.id === j.parent) ? j.parent : "";
    if (!kids.has(p)) kids.set(p, []);
    kids.get(p).push(j);
  }
  const now = Date.now();
  const items = (job) => {
    const leaves = [];
    for (const i of state.images) if (i.job === job.id) leaves.push(`<li>build ${esc(i.name)} ${badge(i.state)}</li>`);
    for (const d of state.deployments) {
      if (d.job !== job.id) continue;
      const ready = d.ready === "false" ? " " + badge("notready", "not ready") : "";
      leaves.push(`<li>deploy ${esc(d.name)} ${badge(d.state)}${ready}</li>`);
    }
    return leaves.join("");
  };
  const tree = (parent) => (kids.get(parent) || []).map((j) => {
    const took = j.state === "running" ? duration(now - j.started) : duration(j.durationMs);
    const project = j.project && j.project !== state.project.name ? ` <span class="muted">(${esc(j.project)})</span>` : "";
    return `<li class="job" data-job="${esc(j.id)}"><b>${esc(j.pipeline)}</b>${project} ${badge(j.state)} <span class="muted">${took}</span>` +
      (j.error ? `<div class="muted">${esc(j.error)}</div>` : "") +
      `<ul>${tree(j.id)}${items(j)}</ul></li>`;
  }).join("");
  const body = tree("");
  $("pipeline").innerHTML = body ? `<ul class="tree">${body}</ul>` : `<p class="muted">No pipeline has run yet.</p>`;
}

// Builds: the images in columns by depth (bases to the left), FROM edges
// drawn between the cards.
function renderBuilds() {
  const byName = new Map(state.images.map((i) => [i.name, i]));
  const depth = new Map();
  const depthOf = (name, seen) => {
    if (depth.has(name)) return depth.get(name);
    if (seen.has(name)) return 0;
    seen.add(name);
    let d = 0;
    for (const b of byName.get(name)?.bases || []) if (byName.has(b)) d = Math.max(d, depthOf(b, seen) + 1);
    depth.set(name, d);
    return d;
  };
  const columns = [];
  for (const i of state.images) {
    const d = depthOf(i.name, new Set());
    (columns[d] ||= []).push(i);
  }
  const card = (i) => `<div class="card image ${esc(i.state)}" data-image="${esc(i.name)}">
    <div><span class="name">${esc(i.name)}</span> ${badge(i.state)} <span class="muted duration">${duration(i.durationMs)}</span>${i.contextBytes != null ? ` <span class="muted">·</span> <span class="muted sent" title="build context sent to the builder">sent ${bytes(i.contextBytes)}</span>` : ""}</div>
    <div class="reason">${esc(i.reason || "")}</div>
    ${i.error ? `<div class="reason error">${esc(i.error)}</div>` : ""}
    ${i.bases.length ? `<div class="muted">FROM ${i.bases.map(esc).join(", ")}</div>` : ""}
    <div><button class="show-log" data-image="${esc(i.name)}">Log</button>${state.project.actions ? `<button class="rebuild" data-image="${esc(i.name)}">Rebuild</button>` : ""}</div>
  </div>`;
  $("graph").innerHTML = columns.map((c) => `<div class="column">${(c || []).map(card).join("")}</div>`).join("") ||
    `<p class="muted">No images.</p>`;
  drawEdges();
  const img = byName.get(logImage);
  // The log shown follows a running build, and the next build.
  if (img && (img.builds !== logBuilds || img.state === "building")) loadLog(logImage);
}

function drawEdges() {
  const graph = $("graph");
  if (!state || !graph.offsetParent) return;
  const box = graph.getBoundingClientRect();
  const cards = new Map([...graph.querySelectorAll(".card")].map((c) => [c.dataset.image, c.getBoundingClientRect()]));
  let lines = "";
  for (const i of state.images) {
    const to = cards.get(i.name);
    for (const b of i.bases) {
      const from = cards.get(b);
      if (!from || !to) continue;
      const x1 = from.right - box.left, y1 = from.top + from.height / 2 - box.top;
      const x2 = to.left - box.left, y2 = to.top + to.height / 2 - box.top;
      lines += `<path class="edge" data-from="${esc(b)}" data-to="${esc(i.name)}" d="M${x1},${y1} C${x1 + 30},${y1} ${x2 - 30},${y2} ${x2},${y2}" fill="none" stroke="#8a90a0" stroke-width="1.5"/>`;
    }
  }
  graph.querySelector("svg")?.remove();
  graph.insertAdjacentHTML("afterbegin", `<svg width="${graph.scrollWidth}" height="${graph.scrollHeight}">${lines}</svg>`);
}

async function loadLog(name) {
  logImage = name;
  logBuilds = state.images.find((i) => i.name === name)?.builds ?? -1;
  $("log-panel").hidden = false;
  $("log-image").textContent = name;
  const res = await fetch("api/log?image=" + encodeURIComponent(name));
  const text = await res.text();
  $("log").textContent = text;
  $("log").dataset.image = name;
  $("log").dataset.builds = logBuilds;
}

function renderDeployments() {
  const rows = state.deployments.map((d) => {
    const ready = d.ready === "true" ? badge("ready", "ready") : d.ready === "false" ? badge("notready", "not ready") : "";
    const redeploy = state.project.actions ? `<button class="redeploy" data-deployment="${esc(d.name)}">Redeploy</button>` : "";
    return `<tr class="deployment" data-deployment="${esc(d.name)}"><td>${esc(d.name)}</td><td>${badge(d.state)}</td><td>${ready}</td>` +
      `<td class="reason">${esc(d.reason || d.error || "")}</td><td>${redeploy}</td></tr>`;
  }).join("");
  $("deployments").innerHTML = rows ? `<table><tr><th>Deployment</th><th>State</th><th>Ready</th><th>Reason</th><th></th></tr>${rows}</table>` :
    `<p class="muted">No deployments.</p>`;
}

function size(n) {
  return n < 1024 ? n + " B" : n < 1 << 20 ? (n / 1024).toFixed(1) + " KiB" : (n / (1 << 20)).toFixed(1) + " MiB";
}

function clock(ms) {
  return new Date(ms).toLocaleTimeString();
}

// Dev: a card per dev config, its summary and syncs redrawn from the
// state; its log panel kept (the lines fetched once, the search box
// typed in) and only added to.
function renderDev() {
  const root = $("dev");
  if (!state.dev.length) {
    root.innerHTML = `<p class="muted">No dev configs.</p>`;
    return;
  }
  for (const d of state.dev) {
    let card = root.querySelector(`.devcard[data-dev="${CSS.escape(d.name)}"]`);
    if (!card) {
      card = document.createElement("div");
      card.className = "devcard";
      card.dataset.dev = d.name;
      card.innerHTML = `<div class="summary"></div><div class="syncstate"></div>
        <div class="logs"><input class="log-search" type="search" placeholder="Search the log" aria-label="Search the log of ${esc(d.name)}">
        <span class="log-count muted"></span><div class="containers"></div></div>`;
      root.appendChild(card);
    }
    card.querySelector(".summary").innerHTML = devSummary(d);
    card.querySelector(".syncstate").innerHTML = syncTable(d);
    for (const l of d.logs) followLog(card, d.name, l);
  }
}

function devSummary(d) {
  const services = Object.entries(d.services).map(([k, v]) => `${esc(k)}: ${esc(v)}`).join(", ");
  const acts = state.project.devActions && d.running;
  // A forwarded port opens on this machine: LOCAL:REMOTE links to LOCAL.
  const ports = d.ports.map((p) => {
    const local = p.split(":")[0];
    return `<a class="port" target="_blank" rel="noopener" href="http://localhost:${encodeURIComponent(local)}/">${esc(p)}</a>` +
      (acts ? `<button class="open-port" data-dev="${esc(d.name)}" data-port="${esc(local)}">Open</button>` : "");
  });
  const reverse = d.reversePorts.map((p) => `<span class="reverse-port">${esc(p)} (reverse)</span>`);
  const restart = acts ? `<button class="restart" data-dev="${esc(d.name)}">Restart</button>` : "";
  const running = d.running ? badge("running") : "";
  return `<table><tr><th>Dev config</th><th>Services</th><th>Ports</th><th>Last error</th><th></th></tr>` +
    `<tr class="devconfig" data-dev="${esc(d.name)}"><td>${esc(d.name)} ${running}</td><td>${services || `<span class="muted">not started</span>`}</td>` +
    `<td class="ports">${[...ports, ...reverse].join(" ")}</td><td>${esc(d.error || "")}</td><td>${restart}</td></tr></table>`;
}

function syncBatch(b) {
  if (!b) return `<span class="muted">none yet</span>`;
  const what = [b.files ? `${b.files} file${b.files === 1 ? "" : "s"}, ${size(b.bytes)}` : "", b.removed ? `${b.removed} removed` : ""].filter(Boolean).join(", ");
  return `${esc(clock(b.at))}${b.initial ? " (initial sync)" : ""} · ${esc(what)}` + (b.path ? ` · <span class="path">${esc(b.path)}</span>` : "");
}

function syncTable(d) {
  if (!d.syncs.length) return "";
  const rows = d.syncs.map((s) => `<tr class="sync" data-path="${esc(s.path)}"><td>${esc(s.path)}</td>` +
    `<td class="last-up">${syncBatch(s.up.last)}</td><td class="last-down">${syncBatch(s.down.last)}</td>` +
    `<td class="totals">↑ ${s.up.files} (${size(s.up.bytes)}) ↓ ${s.down.files} (${size(s.down.bytes)})</td>` +
    `<td class="conflicts">${s.conflicts}${s.lastConflict ? ` <span class="muted">last: ${esc(s.lastConflict)}</span>` : ""}` +
    (s.failed ? `<div class="error">${s.failed} failed, last: ${esc(s.lastFailure)}</div>` : "") + `</td></tr>`).join("");
  return `<table class="syncs"><tr><th>Sync</th><th>Last upload</th><th>Last download</th><th>Files up / down</th><th>Conflicts</th></tr>${rows}</table>`;
}

// followLogs takes the line counts of the dev configs' containers (the
// logs event, sent instead of the whole state when only logs grew) and
// fetches the lines the page lacks.
function followLogs(counts) {
  if (!state || !rendered) return; // the next state has the counts
  for (const d of state.dev) {
    const card = $("dev").querySelector(`.devcard[data-dev="${CSS.escape(d.name)}"]`);
    if (!card) continue;
    for (const [container, lines] of Object.entries(counts[d.name] || {})) {
      let l = d.logs.find((x) => x.container === container);
      if (!l) d.logs.push((l = { container, lines }));
      l.lines = lines;
      followLog(card, d.name, l);
    }
  }
}

// logs holds, per dev config and container, the lines the page has.
const logs = new Map();

function followLog(card, dev, l) {
  const key = dev + "\n" + l.container;
  let log = logs.get(key);
  if (!log) {
    const box = document.createElement("div");
    box.className = "container-log";
    box.dataset.container = l.container;
    box.innerHTML = `<h3>${esc(l.container || "log")}</h3><pre class="devlog"></pre>`;
    card.querySelector(".containers").appendChild(box);
    log = { have: 0, busy: false, pre: box.querySelector("pre") };
    logs.set(key, log);
  }
  if (l.lines > log.have && !log.busy) fetchLog(card, dev, l.container, log);
}

async function fetchLog(card, dev, container, log) {
  log.busy = true;
  try {
    const res = await fetch(`api/devlog?dev=${encodeURIComponent(dev)}&container=${encodeURIComponent(container)}&after=${log.have}`);
    if (!res.ok) return;
    const got = await res.json();
    const query = card.querySelector(".log-search").value.toLowerCase();
    const stick = log.pre.scrollTop + log.pre.clientHeight >= log.pre.scrollHeight - 4;
    const frag = document.createDocumentFragment();
    if (got.first > log.have) frag.appendChild(line(`… ${got.first - log.have} older lines not kept`, "gap"));
    for (const t of got.lines) {
      const div = line(t, "line");
      div.hidden = query !== "" && !t.toLowerCase().includes(query);
      frag.appendChild(div);
    }
    log.pre.appendChild(frag);
    while (log.pre.childElementCount > got.keep) log.pre.firstElementChild.remove();
    log.have = got.total;
    if (stick) log.pre.scrollTop = log.pre.scrollHeight;
    countLines(card);
  } finally {
    log.busy = false;
  }
  const d = state.dev.find((x) => x.name === dev);
  const l = d?.logs.find((x) => x.container === container);
  if (l && l.lines > log.have) fetchLog(card, dev, container, log);
}

function line(text, cls) {
  const div = document.createElement("div");
  div.className = cls;
  div.textContent = text;
  return div;
}

// filterLog shows the lines of a card's logs that hold the search text
// (any case).
function filterLog(card) {
  const query = card.querySelector(".log-search").value.toLowerCase();
  for (const div of card.querySelectorAll("pre.devlog .line")) div.hidden = query !== "" && !div.textContent.toLowerCase().includes(query);
  countLines(card);
}

function countLines(card) {
  const all = card.querySelectorAll("pre.devlog .line").length;
  const shown = card.querySelectorAll("pre.devlog .line:not([hidden])").length;
  card.querySelector(".log-count").textContent = card.querySelector(".log-search").value ? `${shown} of ${all} lines` : `${all} lines`;
}

function renderErrors() {
  $("error-count").textContent = state.problems.length ? `(${state.problems.length})` : "";
  $("errors").innerHTML = state.problems.map((p) => `<div class="problem"><b>${esc(p.source)}</b>` +
    (p.file ? ` <span class="pos">${esc(p.file)}:${p.line}:${p.col}</span>` : "") +
    `<pre>${esc(p.message)}</pre></div>`).join("") || `<p class="muted">No errors.</p>`;
}

function render() {
  $("project").textContent = state.project.name;
  $("conn").textContent = live ? "live" : "disconnected, retrying…";
  renderPipeline();
  renderBuilds();
  renderDeployments();
  renderDev();
  renderErrors();
  document.body.dataset.version = state.version;
  if (!rendered) {
    rendered = true;
    performance.mark("devspace-first-render");
  }
}

// The script runs as soon as it loads (async), so that the state streams
// while the page is still parsed; drawing waits for the page.
let pending = false;
function schedule() {
  if (pending) return;
  pending = true;
  const draw = () => requestAnimationFrame(() => { pending = false; render(); });
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", draw, { once: true });
  else draw();
}

function connect() {
  const es = new EventSource("api/events");
  es.addEventListener("state", (e) => { if (!state) performance.mark("devspace-first-state"); state = JSON.parse(e.data); schedule(); });
  es.addEventListener("logs", (e) => followLogs(JSON.parse(e.data)));
  es.onopen = () => { live = true; if ($("conn")) $("conn").textContent = "live"; };
  es.onerror = () => { live = false; if ($("conn")) $("conn").textContent = "disconnected, retrying…"; };
}

// act starts an action; the page shows its progress as the events come.
async function act(url) {
  const res = await fetch(url, { method: "POST" });
  if (!res.ok) alert(await res.text());
}

document.addEventListener("click", async (e) => {
  const b = e.target.closest("button");
  if (!b) return;
  if (b.classList.contains("show-log")) loadLog(b.dataset.image);
  if (b.classList.contains("rebuild")) {
    b.disabled = true;
    await act("api/rebuild?image=" + encodeURIComponent(b.dataset.image));
    loadLog(b.dataset.image);
  }
  if (b.classList.contains("redeploy")) {
    b.disabled = true;
    await act("api/redeploy?deployment=" + encodeURIComponent(b.dataset.deployment));
  }
  if (b.classList.contains("restart")) {
    b.disabled = true;
    await act("api/restart?dev=" + encodeURIComponent(b.dataset.dev));
  }
  if (b.classList.contains("open-port")) openPort(b);
});
document.addEventListener("input", (e) => {
  const card = e.target.closest(".devcard");
  if (card && e.target.classList.contains("log-search")) filterLog(card);
});

// openPort asks devspace to open a forwarded port: it waits for the port
// to answer and says so in the terminal; the page opens the URL in a tab
// it takes at the click (a tab opened after the wait would be blocked).
async function openPort(b) {
  const tab = window.open("about:blank", "_blank");
  b.disabled = true;
  try {
    const res = await fetch(`api/open?dev=${encodeURIComponent(b.dataset.dev)}&port=${encodeURIComponent(b.dataset.port)}`, { method: "POST" });
    if (!res.ok) {
      tab?.close();
      alert(await res.text());
      return;
    }
    const { url } = await res.json();
    if (tab) tab.location = url;
  } finally {
    b.disabled = false;
  }
}
window.addEventListener("hashchange", showView);
window.addEventListener("resize", drawEdges);
setInterval(() => { if (state && state.jobs.some((j) => j.state === "running")) schedule(); }, 1000);
connect();
if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", showView, { once: true });
else showView();
