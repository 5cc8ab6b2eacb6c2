// The eventjobs local console: polls /_eventjobs/state once a second and draws it.
// Plain DOM, no framework, nothing fetched from elsewhere; text goes in with textContent only.
"use strict";

const POLL_MS = 1000;
const HISTORY = 120;               // samples kept per queue for its chart (2 minutes)
const history = new Map();         // queue logical id -> [{depth, lag}]
const openLogs = new Map();        // request id -> lines (null while loading)
const redriveResults = new Map();  // DLQ logical id -> text of the last redrive
const busy = new Set();            // DLQs being redriven

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (key === "class") node.className = value;
    else if (key === "text") node.textContent = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value);
  }
  for (const child of children) node.append(child);
  return node;
}

function num(value, cls, stat) {
  const zero = value === 0 || value === undefined || value === null;
  return el("td", {"data-stat": stat || "", class: "n " + (cls && !zero ? cls : zero ? "zero" : ""), text: value === undefined || value === null ? "–" : String(value)});
}

function ago(seconds) {
  if (!seconds) return "0 s";
  if (seconds < 120) return seconds + " s";
  if (seconds < 7200) return Math.round(seconds / 60) + " min";
  return Math.round(seconds / 3600) + " h";
}

function time(iso) {
  return new Date(iso).toLocaleTimeString([], {hour12: false});
}

function replaceRows(table, rows) {
  const body = document.querySelector(table + " tbody");
  body.replaceChildren(...rows);
}

function drawFunctions(functions) {
  replaceRows("#functions", functions.map(f => el("tr", {"data-function": f.logicalId},
    el("td", {title: f.name}, f.logicalId, el("span", {class: "trig", text: f.triggers})),
    num(f.warmInstances, "", "warm"), num(f.invocations, "", "invocations"), num(f.errors, "bad", "errors"),
    num(f.coldStarts, "", "cold-starts"), num(f.p50Ms, "", "p50"), num(f.p99Ms, "", "p99"))));
}

function chart(samples) {
  const ns = "http://www.w3.org/2000/svg";
  const width = 170, height = 30;
  const svg = document.createElementNS(ns, "svg");
  svg.setAttribute("class", "chart");
  svg.setAttribute("width", width);
  svg.setAttribute("height", height);
  svg.setAttribute("viewBox", `0 0 ${width} ${height}`);
  const axis = document.createElementNS(ns, "line");
  axis.setAttribute("class", "axis");
  axis.setAttribute("x1", 0); axis.setAttribute("x2", width);
  axis.setAttribute("y1", height - 1); axis.setAttribute("y2", height - 1);
  svg.append(axis);
  for (const key of ["depth", "lag"]) {
    const max = Math.max(1, ...samples.map(s => s[key]));
    const points = samples.map((s, i) => {
      const x = width - (samples.length - 1 - i) * (width / (HISTORY - 1));
      const y = height - 2 - (s[key] / max) * (height - 4);
      return x.toFixed(1) + "," + y.toFixed(1);
    });
    const line = document.createElementNS(ns, "polyline");
    line.setAttribute("class", key);
    line.setAttribute("points", points.join(" "));
    const title = document.createElementNS(ns, "title");
    title.textContent = key === "depth" ? "messages, up to " + max : "lag, up to " + ago(max);
    line.append(title);
    svg.append(line);
  }
  return svg;
}

function drawQueues(queues) {
  replaceRows("#queues", queues.map(q => {
    const samples = history.get(q.logicalId) || [];
    samples.push({depth: (q.visible || 0) + (q.inFlight || 0), lag: q.ageOfOldestMessageSeconds || 0});
    while (samples.length > HISTORY) samples.shift();
    history.set(q.logicalId, samples);
    const name = el("td", {title: q.name, text: q.logicalId});
    if (q.deadLetterQueue) name.append(el("span", {class: "muted small", text: " DLQ"}));
    if (q.error) name.append(el("div", {class: "bad small", text: q.error}));
    return el("tr", {"data-queue": q.logicalId},
      name, num(q.visible, q.deadLetterQueue ? "bad" : "", "visible"), num(q.inFlight, "", "in-flight"), num(q.delayed, "", "delayed"),
      el("td", {class: "n lag", title: q.oldestSentAt ? "oldest sent " + q.oldestSentAt : "no message", text: ago(q.ageOfOldestMessageSeconds)}),
      el("td", {}, chart(samples)));
  }));
}

async function redrive(queue) {
  busy.add(queue);
  redriveResults.set(queue, "redriving…");
  render();
  try {
    const response = await fetch("dlqs/" + encodeURIComponent(queue) + "/redrive", {
      method: "POST", headers: {"Content-Type": "application/json"}, body: "{}"});
    const answer = await response.json();
    redriveResults.set(queue, response.ok
      ? answer.summary + (answer.outcomes.length ? ": " + answer.outcomes.map(o => o.text).join("; ") : "")
      : "refused (" + response.status + "): " + answer.error);
  } catch (e) {
    redriveResults.set(queue, "failed: " + e);
  } finally {
    busy.delete(queue);
    poll();
  }
}

function drawDeadLetterQueues(dlqs) {
  document.getElementById("dlqs").replaceChildren(...dlqs.map(q => {
    const head = el("div", {class: "dlq-head"},
      el("span", {class: "name", title: q.name, text: q.logicalId}),
      el("span", {class: "count " + (q.messages.length ? "bad" : "zero"),
        text: q.messages.length + (q.messages.length === 1 ? " message" : " messages")}),
      el("button", {type: "button", "data-redrive": q.logicalId, title: "Redrive: " + q.replay,
        onclick: () => redrive(q.logicalId)}, busy.has(q.logicalId) ? "Redriving…" : "Redrive"),
      el("span", {class: "redrive-result muted", text: redriveResults.get(q.logicalId) || ""}));
    head.querySelector("button").disabled = busy.has(q.logicalId) || q.messages.length === 0;
    const messages = q.messages.map(m => {
      const details = el("details", {},
        el("summary", {class: "small", text: "body and attributes"}),
        el("pre", {text: m.body}),
        el("pre", {text: Object.entries(m.attributes).map(([k, v]) => k + ": " + v).join("\n") || "(no attributes)"}));
      details.open = openMessages.has(m.messageId);
      details.addEventListener("toggle", () => details.open ? openMessages.add(m.messageId) : openMessages.delete(m.messageId));
      return el("div", {class: "message", "data-message-id": m.messageId},
        el("div", {class: "reason", text: m.reason}),
        el("div", {class: "meta", text: "message " + m.messageId + " · sent " + time(m.sentAt) + " · received " + m.receiveCount + "×"}),
        details);
    });
    return el("div", {class: "dlq", "data-queue": q.logicalId}, head, ...messages);
  }));
}
const openMessages = new Set();

async function toggleLogs(requestId) {
  if (openLogs.has(requestId)) {
    openLogs.delete(requestId);
    render();
    return;
  }
  openLogs.set(requestId, null);
  render();
  try {
    const answer = await (await fetch("invocations/" + encodeURIComponent(requestId) + "/logs")).json();
    if (openLogs.has(requestId)) openLogs.set(requestId, answer.lines || []);
  } catch (e) {
    openLogs.set(requestId, [{text: "could not load: " + e}]);
  }
  render();
}

function drawInvocations(invocations) {
  const rows = [];
  for (const i of invocations) {
    const failed = i.outcome !== "success";
    rows.push(el("tr", {class: "invocation", "data-request-id": i.requestId, "data-function": i.function,
        onclick: () => toggleLogs(i.requestId)},
      el("td", {text: time(i.at)}),
      el("td", {text: i.function}),
      el("td", {class: "small", title: i.detail, text: i.trigger}),
      el("td", {class: "n", text: i.durationMs + (i.initDurationMs !== undefined ? " (init " + i.initDurationMs + ")" : "")}),
      el("td", {class: failed ? "bad" : "ok", title: i.errorMessage || "", text: i.outcome + (i.errorType ? " " + i.errorType : "")}),
      el("td", {class: "mono", title: i.requestId, text: i.requestId.slice(0, 8)})));
    if (openLogs.has(i.requestId)) {
      const lines = openLogs.get(i.requestId);
      const text = lines === null ? "loading…"
        : [i.detail, i.errorMessage ? "error: " + i.errorMessage : "", ...lines.map(l => l.text)].filter(Boolean).join("\n")
          || "(no lines name this request)";
      rows.push(el("tr", {class: "logs", "data-logs-for": i.requestId}, el("td", {colspan: "6"}, el("pre", {text}))));
    }
  }
  replaceRows("#invocations", rows);
}

function drawProblems(problems) {
  document.getElementById("problems-section").hidden = problems.length === 0;
  document.getElementById("problems").replaceChildren(...problems.map(p =>
    el("li", {}, el("span", {class: "muted", text: time(p.at) + " " + p.source + ": "}), p.message)));
}

let last = null;

function render() {
  if (!last) return;
  drawFunctions(last.functions);
  drawDeadLetterQueues(last.deadLetterQueues);
  drawInvocations(last.invocations);
  drawProblems(last.problems);
}

async function poll() {
  const status = document.getElementById("status");
  try {
    const response = await fetch("state", {cache: "no-store"});
    if (!response.ok) throw new Error("state answered " + response.status);
    last = await response.json();
    drawQueues(last.queues);
    render();
    status.dataset.state = "live";
    status.textContent = "live · " + time(last.now);
    document.getElementById("meta").textContent = "stack " + last.stack + " · services: " + last.services.join(", ");
  } catch (e) {
    status.dataset.state = "down";
    status.textContent = "not reachable: " + e.message;
  }
}

poll();
setInterval(poll, POLL_MS);
