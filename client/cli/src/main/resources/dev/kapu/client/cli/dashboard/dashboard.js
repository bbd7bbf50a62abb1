// The dashboard page: polls /api/status every second and draws it; its buttons end a statement,
// a session or a task through the dashboard's POST endpoints (which the server authorizes).
"use strict";
(() => {
  const POLL_MILLIS = 1000;
  const WINDOW_MILLIS = 5 * 60 * 1000;

  const $ = id => document.getElementById(id);

  function bytes(n) {
    if (n === undefined || n === null || n < 0) return "–";
    const units = ["B", "KiB", "MiB", "GiB", "TiB"];
    let i = 0;
    while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
    return (i === 0 ? n : n.toFixed(1)) + " " + units[i];
  }

  // The status says -1 for a figure a daemon has not reported yet.
  function known(n) {
    return n !== undefined && n !== null && n >= 0;
  }

  function duration(ms) {
    if (ms === undefined || ms === null) return "–";
    const s = ms / 1000;
    if (s < 10) return s.toFixed(1) + " s";
    if (s < 120) return Math.round(s) + " s";
    if (s < 7200) return Math.floor(s / 60) + " min " + Math.round(s % 60) + " s";
    return Math.floor(s / 3600) + " h " + Math.round((s % 3600) / 60) + " min";
  }

  function micros(us) {
    if (us === undefined || us === null) return "–";
    return us >= 1000 ? (us / 1000).toFixed(1) + " ms" : Math.round(us) + " µs";
  }

  // A table cell with text (never HTML: statement text and user names come from clients).
  function cell(text, className) {
    const td = document.createElement("td");
    td.textContent = text === undefined || text === null ? "" : String(text);
    if (className) td.className = className;
    return td;
  }

  // A button that ends something; `confirm`, if given, is asked first.
  function button(label, action, id, confirm) {
    const td = document.createElement("td");
    const b = document.createElement("button");
    b.textContent = label;
    b.dataset.action = action;
    b.dataset.id = id;
    if (confirm) b.dataset.confirm = confirm;
    b.className = "end";
    td.appendChild(b);
    return td;
  }

  // A bar for a fraction (CPU, memory), drawn with CSSOM so the page needs no inline styles.
  function bar(fraction, text) {
    const td = document.createElement("td");
    const outer = document.createElement("div");
    outer.className = "bar";
    const inner = document.createElement("div");
    inner.style.width = Math.max(0, Math.min(100, fraction * 100)).toFixed(1) + "%";
    if (fraction > 0.85) inner.className = "high";
    outer.appendChild(inner);
    const label = document.createElement("span");
    label.textContent = text;
    td.append(outer, label);
    return td;
  }

  function rows(tableId, items, toRow) {
    const body = $(tableId).tBodies[0];
    body.replaceChildren(...items.map(toRow));
  }

  function row(data, cells) {
    const tr = document.createElement("tr");
    for (const [k, v] of Object.entries(data)) tr.dataset[k] = v;
    tr.append(...cells);
    return tr;
  }

  function render(status) {
    const server = status.server || {};
    $("server").textContent = "version " + (server.version || "?") + " · up " + duration((server.uptimeSeconds || 0) * 1000);
    const tasks = status.tasks || {};
    $("tasks-rate").textContent = tasks.perSecond === undefined ? "–" : (Math.round(tasks.perSecond * 10) / 10);
    $("tasks-queued").textContent = tasks.queued ?? "–";
    $("tasks-running").textContent = tasks.running ?? "–";
    $("tasks-p50").textContent = micros(tasks.rttP50Micros);
    $("tasks-p99").textContent = micros(tasks.rttP99Micros);
    $("tasks-errors").textContent = Object.values(tasks.errorsByKind || {}).reduce((a, b) => a + b, 0);
    $("tasks-errors").title = Object.entries(tasks.errorsByKind || {}).map(([k, n]) => k + ": " + n).join(", ");

    const history = tasks.history || [];
    const now = Date.now();
    // the server's clock places the points; the window ends at its latest point
    const end = history.length ? Math.max(...history.map(h => h.atMillis)) : now;
    const start = history.length ? Math.min(...history.map(h => h.atMillis)) : now;
    // the history's span, from one minute (a server just started) to the five minutes it keeps
    const span = Math.min(WINDOW_MILLIS, Math.max(60 * 1000, end - start));
    Charts.line($("chart-rate"), history.map(h => ({t: h.atMillis, v: h.tasksPerSecond})), end, span);
    Charts.line($("chart-queue"), history.map(h => ({t: h.atMillis, v: h.queueDepth})), end, span);

    const daemons = status.daemons || [];
    $("daemon-count").textContent = daemons.length;
    rows("daemons", daemons, d => row({daemonId: d.id}, [
      cell(d.id), cell(d.host), cell(d.pid),
      cell((d.busySlots ?? "?") + " / " + (d.slots ?? "?")),
      bar(Math.max(0, d.cpuPercent || 0) / 100, known(d.cpuPercent) ? Math.round(d.cpuPercent) + " %" : "–"),
      bar(d.heapMaxBytes > 0 ? d.heapUsedBytes / d.heapMaxBytes : 0, bytes(d.heapUsedBytes) + " / " + bytes(d.heapMaxBytes)),
      cell(bytes(d.rssBytes)),
      cell(duration(d.lastHeartbeatMillisAgo) + " ago"),
      cell((d.resources || []).map(r => r.name).join(", ")),
      cell((d.tables || []).map(t => t.name + " (" + t.rows + " rows, " + bytes(t.bytes) + ")").join(", ")),
    ]));

    const sessions = status.sessions || [];
    const running = sessions.filter(s => s.statement);
    $("session-count").textContent = sessions.length;
    $("statement-count").textContent = running.length;
    rows("statements", running, s => row({statementId: s.statement.id, sessionId: s.id}, [
      cell(s.statement.id), cell(s.user), cell(s.statement.resource), cell(duration(s.statement.ageMillis)),
      cell(s.statement.text, "sql"), button("Cancel", "statements/" + s.statement.id + "/cancel", s.statement.id),
    ]));
    rows("sessions", sessions, s => row({sessionId: s.id}, [
      cell(s.id), cell(s.user), cell(s.clientAddress), cell(new Date(s.startedAtMillis).toLocaleTimeString()),
      cell(s.rowsSent), cell(bytes(s.bytesSent)), button("Kill", "sessions/" + s.id + "/kill", s.id,
          "End " + s.user + "'s session " + s.id + "? Its running statement stops, its transaction rolls back,"
          + " and its next call is refused."),
    ]));

    const runningTasks = daemons.flatMap(d => (d.runningTasks || []).map(t => ({...t, daemon: d.id})));
    $("task-count").textContent = runningTasks.length;
    rows("tasks", runningTasks, t => row({taskId: t.taskId}, [
      cell(t.taskId), cell(t.daemon), cell(t.sessionId), cell(duration(t.ageMillis)),
      button("Cancel", "tasks/" + t.taskId + "/cancel", t.taskId),
    ]));

    rows("resources", status.resources || [], r => row({resource: r.name}, [
      cell(r.name), cell(r.kind), cell(r.placement), cell((r.daemons || []).join(", ")),
    ]));
  }

  function message(text) {
    $("message").textContent = text;
    $("message").hidden = !text;
  }

  async function poll() {
    try {
      const answer = await fetch("/api/status", {credentials: "same-origin"});
      if (answer.status === 401) {
        location.href = "/login";
        return;
      }
      const body = await answer.json();
      // 403: the server refuses this user its status (not an admin); say so in its words
      if (!answer.ok) throw new Error((answer.status === 403 ? "refused: " : "") + (body.error || answer.statusText));
      render(body);
      $("connection").textContent = "live";
      $("connection").className = "connection live";
    } catch (e) {
      $("connection").textContent = e.message.startsWith("refused: ") ? e.message : "no answer: " + e.message;
      $("connection").className = "connection down";
    } finally {
      setTimeout(poll, POLL_MILLIS);
    }
  }

  document.addEventListener("click", async event => {
    const b = event.target.closest("button[data-action]");
    if (!b || (b.dataset.confirm && !confirm(b.dataset.confirm))) return;
    b.disabled = true;
    const answer = await fetch("/api/" + b.dataset.action.split("/").map(encodeURIComponent).join("/"), {
      method: "POST", credentials: "same-origin", headers: {"X-Kapu-Dashboard": "1"},
    });
    if (answer.ok) {
      message("");
    } else {
      const body = await answer.json().catch(() => ({}));
      message(b.textContent + " " + b.dataset.id + ": " + (body.error || answer.statusText));
    }
  });

  poll();
})();
