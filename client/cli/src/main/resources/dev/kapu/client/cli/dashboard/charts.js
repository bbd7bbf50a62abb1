// A small SVG line chart for the dashboard's time series: no library, nothing fetched.
"use strict";
const Charts = (() => {
  const NS = "http://www.w3.org/2000/svg";
  const W = 600, H = 160, LEFT = 44, BOTTOM = 18, TOP = 8;

  function el(name, attributes, text) {
    const e = document.createElementNS(NS, name);
    for (const [k, v] of Object.entries(attributes)) e.setAttribute(k, v);
    if (text !== undefined) e.textContent = text;
    return e;
  }

  // A "nice" top for the y axis: 1, 2 or 5 times a power of ten, at least the largest value.
  function niceMax(max) {
    if (!(max > 0)) return 1;
    const p = Math.pow(10, Math.floor(Math.log10(max)));
    for (const m of [1, 2, 5, 10]) if (m * p >= max) return m * p;
    return 10 * p;
  }

  function label(v) {
    return v >= 1e6 ? (v / 1e6).toFixed(1) + "M" : v >= 1e4 ? (v / 1e3).toFixed(0) + "k" : String(Math.round(v * 10) / 10);
  }

  // Draws points [{t: epoch millis, v: number}] over the window ending at `now`, into `svg`.
  function line(svg, points, now, windowMillis) {
    svg.replaceChildren();
    const top = niceMax(Math.max(0, ...points.map(p => p.v)));
    const x = t => LEFT + (W - LEFT) * (1 - (now - t) / windowMillis);
    const y = v => TOP + (H - TOP - BOTTOM) * (1 - v / top);
    for (const f of [0, 0.5, 1]) {
      svg.appendChild(el("line", {x1: LEFT, x2: W, y1: y(top * f), y2: y(top * f), class: "grid"}));
      svg.appendChild(el("text", {x: LEFT - 4, y: y(top * f) + 4, class: "axis", "text-anchor": "end"}, label(top * f)));
    }
    const seconds = Math.round(windowMillis / 1000);
    svg.appendChild(el("text", {x: LEFT, y: H - 4, class: "axis"},
        seconds % 60 === 0 ? "-" + seconds / 60 + " min" : "-" + seconds + " s"));
    svg.appendChild(el("text", {x: W, y: H - 4, class: "axis", "text-anchor": "end"}, "now"));
    const shown = points.filter(p => now - p.t <= windowMillis).sort((a, b) => a.t - b.t);
    if (shown.length === 0) return;
    const path = shown.map(p => x(p.t).toFixed(1) + "," + y(p.v).toFixed(1)).join(" ");
    const first = x(shown[0].t).toFixed(1), last = x(shown[shown.length - 1].t).toFixed(1);
    svg.appendChild(el("polygon", {points: first + "," + y(0) + " " + path + " " + last + "," + y(0), class: "area"}));
    svg.appendChild(el("polyline", {points: path, class: "line", "data-points": shown.length}));
  }

  return {line};
})();
