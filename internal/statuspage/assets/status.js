// The status page's script: every INTERVAL ms it fetches the exposition
// (the body's data-metrics, relative to the page), fills in the tables the
// server rendered from their data-spec as the server does, computes rates
// between two scrapes and draws the recent values of charted columns.
// It builds the DOM with textContent only: label values are never markup.
"use strict";
(function () {
  const INTERVAL = 5000; // between the end of a scrape and the next
  const HISTORY = 60; // points per chart: 5 minutes
  const MAX_ROWS = 50; // as the server's MaxRows
  const MAX_LABEL = 80; // characters of a label value shown
  const SVG = "http://www.w3.org/2000/svg";

  const metricsURL = document.body.dataset.metrics;
  const statusLine = document.getElementById("status");
  const tables = Array.from(document.querySelectorAll("table[data-spec]"), (el) => ({
    el,
    spec: Object.assign({ match: [], by: [] }, JSON.parse(el.dataset.spec)),
    last: new Map(), // row key -> values of the previous scrape
    history: new Map(), // row key -> column -> recent values
  }));
  let lastTime = 0;
  let scrapes = 0;

  // parse reads the text exposition format into a Map from sample name to
  // [{labels, value}], in the order of the exposition.
  function parse(text) {
    const samples = new Map();
    for (const line of text.split("\n")) {
      if (line === "" || line[0] === "#") continue;
      let i = 0;
      while (i < line.length && line[i] !== "{" && line[i] !== " ") i++;
      const name = line.slice(0, i);
      const labels = Object.create(null);
      if (line[i] === "{") {
        i++;
        while (i < line.length && line[i] !== "}") {
          const eq = line.indexOf("=", i);
          const label = line.slice(i, eq).trim();
          let v = "";
          let j = eq + 2; // past ="
          for (; j < line.length && line[j] !== '"'; j++) {
            if (line[j] === "\\") {
              j++;
              v += line[j] === "n" ? "\n" : line[j];
            } else {
              v += line[j];
            }
          }
          labels[label] = v;
          i = j + 1;
          if (line[i] === ",") i++;
        }
        i++;
      }
      const value = number(line.slice(i).trim().split(" ")[0]);
      if (!samples.has(name)) samples.set(name, []);
      samples.get(name).push({ labels, value });
    }
    return samples;
  }

  function number(s) {
    if (s === "+Inf") return Infinity;
    if (s === "-Inf") return -Infinity;
    return parseFloat(s); // NaN for "NaN"
  }

  function label(s, l) {
    return l in s.labels ? s.labels[l] : "";
  }

  function matches(s, ms) {
    for (const m of ms || []) {
      const v = label(s, m.l);
      let ok = false;
      switch (m.op) {
        case "=": ok = v === m.v; break;
        case "!=": ok = v !== m.v; break;
        case "^": ok = v.startsWith(m.v); break;
        case "!^": ok = !v.startsWith(m.v); break;
      }
      if (!ok) return false;
    }
    return true;
  }

  // compute fills in the rows of a table spec as the server's Tables does.
  function compute(spec, samples) {
    const rows = new Map();
    const keyOf = (s) => spec.by.map((l) => label(s, l));
    const select = (name) => (samples.get(name) || []).filter((s) => matches(s, spec.match));
    for (const s of select(spec.family)) {
      const key = keyOf(s);
      const k = JSON.stringify(key);
      if (!rows.has(k)) {
        rows.set(k, { k, key, vals: spec.cols.map((c) => (c.kind === "sum" ? NaN : 0)), den: spec.cols.map(() => 0), hist: spec.cols.map(() => null) });
      }
    }
    spec.cols.forEach((c, i) => {
      const family = c.family || spec.family;
      if (c.kind === "sum" || c.kind === "ratio") {
        for (const s of select(family)) {
          const r = rows.get(JSON.stringify(keyOf(s)));
          if (!r) continue;
          if (c.kind === "ratio") r.den[i] += s.value;
          if (!matches(s, c.match)) continue;
          if (Number.isNaN(r.vals[i])) r.vals[i] = 0;
          r.vals[i] += s.value;
        }
      } else if (c.kind === "p95") {
        for (const s of select(family + "_bucket")) {
          const r = rows.get(JSON.stringify(keyOf(s)));
          if (!r) continue;
          if (!r.hist[i]) r.hist[i] = new Map();
          const le = number(s.labels.le);
          r.hist[i].set(le, (r.hist[i].get(le) || 0) + s.value);
        }
      }
    });
    const out = Array.from(rows.values());
    for (const r of out) {
      spec.cols.forEach((c, i) => {
        if (c.kind === "ratio") r.vals[i] = r.den[i] === 0 ? NaN : r.vals[i] / r.den[i];
        else if (c.kind === "p95") r.vals[i] = quantile(0.95, r.hist[i]);
        else if (c.kind === "rate") r.vals[i] = NaN;
      });
    }
    out.sort((a, b) => {
      if (spec.cols.length > 0 && a.vals[0] !== b.vals[0]) return b.vals[0] - a.vals[0];
      for (let i = 0; i < a.key.length; i++) {
        if (a.key[i] !== b.key[i]) return a.key[i] < b.key[i] ? -1 : 1;
      }
      return 0;
    });
    return out;
  }

  // quantile is the server's: histogram_quantile's interpolation.
  function quantile(q, buckets) {
    if (!buckets) return NaN;
    const bounds = Array.from(buckets.keys()).sort((a, b) => a - b);
    const n = bounds.length;
    if (n < 2 || bounds[n - 1] !== Infinity || buckets.get(bounds[n - 1]) === 0) return NaN;
    let rank = q * buckets.get(bounds[n - 1]);
    let b = 0;
    while (buckets.get(bounds[b]) < rank) b++;
    if (b === n - 1) return bounds[n - 2];
    if (b === 0 && bounds[0] <= 0) return bounds[0];
    let start = 0;
    const end = bounds[b];
    let count = buckets.get(bounds[b]);
    if (b > 0) {
      start = bounds[b - 1];
      count -= buckets.get(bounds[b - 1]);
      rank -= buckets.get(bounds[b - 1]);
    }
    return start + (end - start) * (rank / count);
  }

  // format is the server's Format, digit for digit.
  function format(f, v) {
    if (!Number.isFinite(v)) return "\u2013";
    switch (f) {
      case "pct": return fixed(v * 100, 1) + "%";
      case "sec": return v < 1 ? fixed(v * 1000, 1) + " ms" : fixed(v, 2) + " s";
      case "usd": return "$" + fixed(v, 4);
      case "rate": return fixed(v, 2) + "/s";
    }
    return fixed(v, 0);
  }

  function fixed(v, d) {
    const p = 10 ** d;
    return (Math.floor(v * p + 0.5) / p).toFixed(d);
  }

  function truncate(s) {
    const chars = Array.from(s);
    return chars.length <= MAX_LABEL ? s : chars.slice(0, MAX_LABEL).join("") + "\u2026";
  }

  // spark draws values (NaN: a gap) across its width, scaled to their
  // maximum.
  function spark(values) {
    const w = 90, h = 20;
    const svg = document.createElementNS(SVG, "svg");
    svg.setAttribute("class", "spark");
    svg.setAttribute("viewBox", `0 0 ${w} ${h}`);
    svg.setAttribute("width", w);
    svg.setAttribute("height", h);
    svg.setAttribute("aria-hidden", "true");
    const max = Math.max(0, ...values.filter(Number.isFinite));
    let points = [];
    const flush = () => {
      if (points.length > 0) {
        const line = document.createElementNS(SVG, "polyline");
        line.setAttribute("points", points.join(" "));
        svg.appendChild(line);
      }
      points = [];
    };
    values.forEach((v, i) => {
      if (!Number.isFinite(v)) return flush();
      const x = values.length > 1 ? (w * i) / (values.length - 1) : w;
      const y = max > 0 ? h - 1 - ((h - 2) * v) / max : h - 1;
      points.push(x.toFixed(1) + "," + y.toFixed(1));
    });
    flush();
    return svg;
  }

  function render(t, samples, dt) {
    const rows = compute(t.spec, samples);
    const last = new Map();
    for (const r of rows) {
      // A row new since the last scrape is a series created since: from 0.
      const prev = t.last.get(r.k) || r.vals.map(() => 0);
      t.spec.cols.forEach((c, i) => {
        if (c.kind !== "rate" || dt <= 0) return;
        const d = r.vals[c.of || 0] - prev[c.of || 0];
        r.vals[i] = d >= 0 ? d / dt : NaN; // a decrease is a restart
      });
      last.set(r.k, r.vals);
      let hist = t.history.get(r.k);
      if (!hist) t.history.set(r.k, (hist = t.spec.cols.map(() => [])));
      t.spec.cols.forEach((c, i) => {
        if (!c.chart) return;
        hist[i].push(r.vals[i]);
        if (hist[i].length > HISTORY) hist[i].shift();
      });
    }
    t.last = last;
    for (const k of t.history.keys()) if (!last.has(k)) t.history.delete(k);

    const body = document.createElement("tbody");
    for (const r of rows.slice(0, MAX_ROWS)) {
      const tr = document.createElement("tr");
      for (const v of r.key) {
        const td = document.createElement("td");
        td.className = "k";
        td.textContent = truncate(v);
        tr.appendChild(td);
      }
      t.spec.cols.forEach((c, i) => {
        const td = document.createElement("td");
        td.className = "n";
        td.textContent = format(c.format, r.vals[i]);
        if (c.chart) td.appendChild(spark(t.history.get(r.k)[i]));
        tr.appendChild(td);
      });
      body.appendChild(tr);
    }
    t.el.replaceChild(body, t.el.tBodies[0]);
    const section = t.el.parentElement;
    section.querySelector(".empty").hidden = rows.length > 0;
    const more = section.querySelector(".more");
    more.hidden = rows.length <= MAX_ROWS;
    more.textContent = `${rows.length - MAX_ROWS} more rows not shown: the busiest ${MAX_ROWS} are.`;
  }

  async function refresh() {
    try {
      const resp = await fetch(metricsURL, { cache: "no-store", credentials: "same-origin", headers: { Accept: "text/plain" } });
      if (!resp.ok) throw new Error("HTTP " + resp.status);
      const text = await resp.text();
      const now = performance.now();
      const dt = lastTime > 0 ? (now - lastTime) / 1000 : 0;
      lastTime = now;
      const samples = parse(text);
      for (const t of tables) render(t, samples, dt);
      scrapes++;
      document.body.dataset.scrapes = String(scrapes);
      statusLine.className = "";
      statusLine.textContent = `Updated ${new Date().toLocaleTimeString()}, every ${INTERVAL / 1000} s from ${metricsURL}; rates over the last ${dt > 0 ? dt.toFixed(1) + " s" : "two scrapes"}.`;
    } catch (err) {
      statusLine.className = "err";
      statusLine.textContent = `Could not read ${metricsURL} (${err.message}); the values shown are older. Retrying every ${INTERVAL / 1000} s.`;
    }
    setTimeout(refresh, INTERVAL);
  }

  refresh();
})();
