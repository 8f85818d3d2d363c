// CryptoSentiment local dashboard: reads /api/* (parameterised queries over the embedded warehouse) and draws
// Chart.js charts. No network beyond this server. State lives in the URL (?from=&to=&coins=) so views can be shared.
(() => {
  "use strict";

  const SENTIMENT = { Positive: "#16a34a", Negative: "#dc2626", Neutral: "#94a3b8" };
  const DIVERGENCE = "#f59e0b";
  const SCORE_LINE = "#2563eb"; // sentiment vs price: one meaning per colour whatever the coin
  // 16 distinct coin colours, none close to the sentiment colours (green / red / grey) or the divergence amber.
  const PALETTE = ["#2563eb", "#ea580c", "#7c3aed", "#0891b2", "#db2777", "#65a30d", "#0f766e", "#92400e",
    "#1e3a8a", "#c026d3", "#38bdf8", "#818cf8", "#fb7185", "#334155", "#ca8a04", "#14b8a6"];
  const MAX_LINES = 8;
  const DAY_MS = 86400000;

  const $ = (id) => document.getElementById(id);
  const fmtInt = new Intl.NumberFormat("en-US");
  const fmt = (v, digits = 3) => v == null ? "—" : Number(v).toFixed(digits);
  const pct = (v, digits = 1) => v == null ? "—" : `${(v * 100).toFixed(digits)}%`;
  const signed = (v, digits = 3) => v == null ? "—" : (v > 0 ? "+" : "") + Number(v).toFixed(digits);
  const dayMs = (d) => Date.parse(`${d}T00:00:00Z`);
  const isoDay = (ms) => new Date(ms).toISOString().slice(0, 10);
  const shortDay = (ms) => new Date(ms).toLocaleDateString("en-US", { month: "short", day: "2-digit", timeZone: "UTC" });
  const longHour = (ms) => new Date(ms).toLocaleString("en-US", { month: "short", day: "2-digit", hour: "2-digit", minute: "2-digit", hour12: false, timeZone: "UTC" }) + " UTC";

  const state = { meta: null, from: null, to: null, coins: [], focus: null, colors: {} };
  const charts = {};
  // Exposed for people poking around in devtools and for the browser tests.
  window.dashboard = { state, charts, renders: 0, lastError: null, data: {} };

  Chart.defaults.font.family = getComputedStyle(document.documentElement).fontFamily;
  Chart.defaults.font.size = 12;
  Chart.defaults.color = "#334155";
  Chart.defaults.borderColor = "#e2e8f0";
  Chart.defaults.animation = false;
  Chart.defaults.plugins.legend.labels.boxWidth = 12;
  Chart.defaults.plugins.legend.labels.boxHeight = 12;

  async function api(path, params) {
    const q = new URLSearchParams(Object.entries(params || {}).filter(([, v]) => v != null && v !== ""));
    const res = await fetch(`${path}${q.size ? "?" + q : ""}`, { headers: { Accept: "application/json" } });
    const body = await res.json().catch(() => ({ error: `${res.status} ${res.statusText}` }));
    if (!res.ok) throw new Error(body.error || `${path}: HTTP ${res.status}`);
    return body;
  }

  function showError(message) {
    const el = $("error");
    el.hidden = !message;
    el.textContent = message || "";
    window.dashboard.lastError = message || null;
  }

  function filterParams() {
    return { from: state.from, to: state.to, coins: state.coins.join(",") };
  }

  function syncUrl() {
    const q = new URLSearchParams(Object.entries(filterParams()).filter(([, v]) => v));
    history.replaceState(null, "", `${location.pathname}${q.size ? "?" + q : ""}${location.hash}`);
  }

  function colorOf(coin) { return state.colors[coin] || "#64748b"; }

  // ---------- filters ----------
  function renderChips() {
    const box = $("coin-chips");
    box.replaceChildren();
    const all = document.createElement("button");
    all.type = "button";
    all.className = "chip";
    all.dataset.coin = "";
    all.textContent = "All coins";
    all.setAttribute("aria-pressed", String(state.coins.length === 0));
    all.addEventListener("click", () => { state.coins = []; refresh(); });
    box.append(all);
    for (const { coin, mentions } of state.meta.coins) {
      const b = document.createElement("button");
      b.type = "button";
      b.className = "chip";
      b.dataset.coin = coin;
      b.title = `${fmtInt.format(mentions)} mentions`;
      const dot = document.createElement("span");
      dot.className = "dot";
      dot.style.background = colorOf(coin);
      b.append(dot, document.createTextNode(coin));
      b.setAttribute("aria-pressed", String(state.coins.includes(coin)));
      b.addEventListener("click", () => {
        state.coins = state.coins.includes(coin) ? state.coins.filter((c) => c !== coin) : [...state.coins, coin];
        refresh();
      });
      box.append(b);
    }
  }

  function wireFilters() {
    const from = $("filter-from"), to = $("filter-to");
    for (const input of [from, to]) {
      input.min = state.meta.firstDay || "";
      input.max = state.meta.lastDay || "";
      input.addEventListener("change", () => {
        state.from = from.value || state.meta.firstDay;
        state.to = to.value || state.meta.lastDay;
        refresh();
      });
    }
    $("range-7d").addEventListener("click", () => {
      if (!state.meta.lastDay) return;
      state.to = state.meta.lastDay;
      const start = dayMs(state.meta.lastDay) - 6 * DAY_MS;
      state.from = isoDay(Math.max(start, dayMs(state.meta.firstDay)));
      refresh();
    });
    $("range-all").addEventListener("click", () => { state.from = state.meta.firstDay; state.to = state.meta.lastDay; refresh(); });
    $("focus-coin").addEventListener("change", (e) => { state.focus = e.target.value; drawPrice(window.dashboard.data.price); });
  }

  // ---------- charts ----------
  function upsert(name, canvasId, config) {
    if (charts[name]) charts[name].destroy();
    charts[name] = new Chart($(canvasId), config);
    return charts[name];
  }

  /** A linear time axis over the filter's days (hourly data runs to the end of the last day). */
  const timeAxis = (title, hourly) => ({
    type: "linear",
    min: dayMs(state.from),
    max: dayMs(state.to) + (hourly ? DAY_MS : 0),
    title: { display: true, text: title },
    ticks: { callback: (v) => shortDay(v), maxTicksLimit: 10, stepSize: DAY_MS, maxRotation: 0 },
    grid: { display: false },
  });

  /** Up to MAX_LINES coins with the most rows/mentions in the given series, in filter order. */
  function pickCoins(rows, weight) {
    const totals = new Map();
    for (const r of rows) totals.set(r.coin, (totals.get(r.coin) || 0) + weight(r));
    return [...totals.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).slice(0, MAX_LINES).map(([c]) => c);
  }

  function drawOverview(o) {
    const d = o.distribution;
    const mentions = d.mentions || 0;
    $("kpi-mentions").textContent = fmtInt.format(mentions);
    $("kpi-coins").textContent = fmtInt.format(d.coins || 0);
    $("kpi-days").textContent = fmtInt.format(d.days || 0);
    $("kpi-net").textContent = mentions ? signed((d.positive - d.negative) / mentions * 100, 1) + " pts" : "—";
    $("kpi-net").className = "kpi-value " + (d.positive > d.negative ? "positive" : d.positive < d.negative ? "negative" : "neutral");
    $("kpi-positive").textContent = mentions ? pct(d.positive / mentions) : "—";
    $("kpi-negative").textContent = mentions ? pct(d.negative / mentions) : "—";
    $("kpi-neutral").textContent = mentions ? pct(d.neutral / mentions) : "—";

    const top = o.topCoin;
    $("top-coin-name").textContent = top ? top.coin : "—";
    $("top-coin-score").textContent = top ? signed(top.weighted_score) : "—";
    $("top-coin-mentions").textContent = top ? fmtInt.format(top.mentions) : "—";
    $("top-coin-day").textContent = top ? `· ${top.day}` : "· no eligible coin in range";
    $("top-coin-name").style.color = top ? colorOf(top.coin) : "";

    upsert("distribution", "chart-distribution", {
      type: "doughnut",
      data: {
        labels: ["Positive", "Negative", "Neutral"],
        datasets: [{ data: [d.positive, d.negative, d.neutral], backgroundColor: [SENTIMENT.Positive, SENTIMENT.Negative, SENTIMENT.Neutral], borderWidth: 2, borderColor: "#fff" }],
      },
      options: {
        maintainAspectRatio: false, cutout: "62%",
        plugins: {
          legend: { position: "bottom" },
          tooltip: { callbacks: { label: (c) => ` ${c.label}: ${fmtInt.format(c.raw)} (${mentions ? pct(c.raw / mentions) : "—"})` } },
        },
      },
    });

    const coins = pickCoins(o.trend, (r) => r.mentions);
    const shown = new Set(coins);
    const allCoins = new Set(o.trend.map((r) => r.coin));
    $("trend-note").textContent = allCoins.size > coins.length ? `· ${coins.length} most mentioned of ${allCoins.size} coins` : "";
    upsert("trend", "chart-trend", {
      type: "line",
      data: {
        datasets: coins.map((coin) => ({
          label: coin,
          data: o.trend.filter((r) => r.coin === coin && shown.has(coin)).map((r) => ({ x: dayMs(r.day), y: r.weighted_score, mentions: r.mentions })),
          borderColor: colorOf(coin), backgroundColor: colorOf(coin), cubicInterpolationMode: "monotone", pointRadius: 3, borderWidth: 2, spanGaps: true,
        })),
      },
      options: {
        maintainAspectRatio: false,
        interaction: { mode: "nearest", intersect: false },
        scales: {
          x: timeAxis("Day (UTC)"),
          y: { min: -1, max: 1, title: { display: true, text: "Weighted sentiment score (−1 … +1)" } },
        },
        plugins: {
          legend: { position: "bottom" },
          tooltip: { callbacks: {
            title: (items) => items.length ? shortDay(items[0].parsed.x) : "",
            label: (c) => ` ${c.dataset.label}: ${signed(c.parsed.y)} (${fmtInt.format(c.raw.mentions)} mentions)`,
          } },
        },
      },
    });

    const body = $("headlines").querySelector("tbody");
    body.replaceChildren();
    for (const h of o.headlines) {
      const tr = document.createElement("tr");
      const when = document.createElement("td");
      when.className = "when";
      when.textContent = h.published_at.slice(0, 16).replace("T", " ");
      const title = document.createElement("td");
      title.className = "title";
      if (h.url && /^https?:\/\//i.test(h.url)) {
        const a = document.createElement("a");
        a.href = h.url; a.target = "_blank"; a.rel = "noopener noreferrer"; a.textContent = h.title;
        title.append(a);
      } else title.textContent = h.title;
      if (h.source) { const s = document.createElement("div"); s.className = "muted"; s.textContent = h.source; title.append(s); }
      const coin = document.createElement("td");
      coin.className = "coin-tag"; coin.textContent = h.coin; coin.style.color = colorOf(h.coin);
      const label = document.createElement("td");
      const badge = document.createElement("span");
      badge.className = `badge ${h.label}`; badge.textContent = h.label;
      label.append(badge);
      const conf = document.createElement("td");
      conf.className = "num"; conf.textContent = pct(h.confidence, 0);
      const scorer = document.createElement("td");
      scorer.textContent = h.scorer;
      tr.append(when, title, coin, label, conf, scorer);
      body.append(tr);
    }
    $("headlines-note").textContent = `· ${o.headlines.length} newest`;
  }

  function drawPrice(p) {
    const coins = [...new Set(p.series.map((r) => r.coin))];
    const select = $("focus-coin");
    if (!coins.includes(state.focus)) {
      const top = window.dashboard.data.overview?.topCoin?.coin;
      state.focus = coins.includes(top) ? top : (p.summary[0]?.coin ?? coins[0] ?? null);
    }
    select.replaceChildren(...coins.map((c) => new Option(c, c, false, c === state.focus)));
    const rows = p.series.filter((r) => r.coin === state.focus);
    const score = rows.map((r) => ({ x: Date.parse(r.hour), y: r.score_24h }));
    const ret = rows.map((r) => ({ x: Date.parse(r.hour), y: r.return_24h == null ? null : r.return_24h * 100 }));
    const flagged = rows.filter((r) => r.divergence).map((r) => ({ x: Date.parse(r.hour), y: r.score_24h, ret: r.return_24h }));
    upsert("price", "chart-price", {
      type: "line",
      data: {
        datasets: [
          { label: "Divergence", data: flagged, type: "scatter", yAxisID: "y", pointStyle: "rectRot", pointRadius: 6,
            backgroundColor: DIVERGENCE, borderColor: "#b45309", order: 0 },
          { label: `score_24h (${state.focus ?? "—"})`, data: score, yAxisID: "y", borderColor: SCORE_LINE, backgroundColor: SCORE_LINE,
            pointRadius: 0, borderWidth: 2, cubicInterpolationMode: "monotone", spanGaps: true, order: 1 },
          { label: "return_24h (%)", data: ret, yAxisID: "y2", borderColor: "#334155", backgroundColor: "#334155",
            borderDash: [5, 4], pointRadius: 0, borderWidth: 1.5, spanGaps: false, order: 2 },
        ],
      },
      options: {
        maintainAspectRatio: false,
        interaction: { mode: "nearest", axis: "x", intersect: false },
        scales: {
          x: timeAxis("Hour (UTC)", true),
          y: { min: -1, max: 1, position: "left", title: { display: true, text: "Rolling 24 h sentiment score" } },
          y2: { position: "right", grid: { display: false }, title: { display: true, text: "24 h price return (%)" },
            ticks: { callback: (v) => `${v}%` } },
        },
        plugins: {
          legend: { position: "bottom" },
          tooltip: { callbacks: {
            title: (items) => items.length ? longHour(items[0].parsed.x) : "",
            label: (c) => c.dataset.yAxisID === "y2" ? ` return_24h: ${signed(c.parsed.y, 2)}%`
              : c.dataset.type === "scatter" ? ` divergence: score ${signed(c.raw.y)} vs return ${signed(c.raw.ret * 100, 2)}%`
              : ` score_24h: ${signed(c.parsed.y)}`,
          } },
        },
      },
    });

    drawIndicators(rows);

    const body = $("divergence").querySelector("tbody");
    body.replaceChildren();
    for (const s of p.summary) {
      const tr = document.createElement("tr");
      if (s.divergent_hours > 0) tr.className = "flagged";
      const cells = [s.coin, fmtInt.format(s.divergent_hours), fmtInt.format(s.compared_hours),
        s.compared_hours ? pct(s.divergent_hours / s.compared_hours) : "—", fmt(s.correlation, 2)];
      cells.forEach((text, i) => {
        const td = document.createElement("td");
        td.textContent = text;
        if (i > 0) td.className = "num"; else { td.className = "coin-tag"; td.style.color = colorOf(s.coin); }
        tr.append(td);
      });
      tr.addEventListener("click", () => { state.focus = s.coin; drawPrice(p); });
      tr.style.cursor = "pointer";
      body.append(tr);
    }
  }

  /** §12 price indicators of the focused coin: close with SMA/EMA 24 h, and RSI 14 h with its 30/70 bands. */
  function drawIndicators(rows) {
    const priced = rows.filter((r) => r.close_usd != null);
    const at = (key) => priced.map((r) => ({ x: Date.parse(r.hour), y: r[key] }));
    $("indicators-coin").textContent = state.focus ?? "—";
    upsert("indicators", "chart-indicators", {
      type: "line",
      data: {
        datasets: [
          { label: "close_usd", data: at("close_usd"), borderColor: "#334155", backgroundColor: "#334155", pointRadius: 0, borderWidth: 1.6 },
          { label: "sma_24h", data: at("sma_24h"), borderColor: SCORE_LINE, backgroundColor: SCORE_LINE, pointRadius: 0, borderWidth: 1.6 },
          { label: "ema_24h", data: at("ema_24h"), borderColor: DIVERGENCE, backgroundColor: DIVERGENCE, pointRadius: 0, borderWidth: 1.6,
            borderDash: [5, 3] },
        ],
      },
      options: {
        maintainAspectRatio: false,
        interaction: { mode: "nearest", axis: "x", intersect: false },
        scales: { x: timeAxis("Hour (UTC)", true), y: { title: { display: true, text: "Price (USD)" } } },
        plugins: {
          legend: { position: "bottom" },
          tooltip: { callbacks: { title: (items) => items.length ? longHour(items[0].parsed.x) : "", label: (c) => ` ${c.dataset.label}: ${fmt(c.parsed.y, 2)}` } },
        },
      },
    });
    const rsi = at("rsi_14h");
    const known = rsi.filter((p) => p.y != null).length;
    $("rsi-note").textContent = known ? `· ${state.focus}` : `· ${state.focus ?? "—"}: fewer than 15 hourly closes`;
    const band = (y) => priced.length ? [{ x: Date.parse(priced[0].hour), y }, { x: Date.parse(priced[priced.length - 1].hour), y }] : [];
    upsert("rsi", "chart-rsi", {
      type: "line",
      data: {
        datasets: [
          { label: "rsi_14h", data: rsi, borderColor: "#7c3aed", backgroundColor: "#7c3aed", pointRadius: 0, borderWidth: 1.6 },
          { label: "70 (overbought)", data: band(70), borderColor: "#dc2626", borderDash: [4, 4], pointRadius: 0, borderWidth: 1 },
          { label: "30 (oversold)", data: band(30), borderColor: "#16a34a", borderDash: [4, 4], pointRadius: 0, borderWidth: 1 },
        ],
      },
      options: {
        maintainAspectRatio: false,
        interaction: { mode: "nearest", axis: "x", intersect: false },
        scales: { x: timeAxis("Hour (UTC)", true), y: { min: 0, max: 100, title: { display: true, text: "RSI" } } },
        plugins: {
          legend: { position: "bottom" },
          tooltip: { callbacks: { title: (items) => items.length ? longHour(items[0].parsed.x) : "", label: (c) => ` ${c.dataset.label}: ${fmt(c.parsed.y, 1)}` } },
        },
      },
    });
  }

  function drawVolatility(v) {
    const coins = v.summary.slice(0, MAX_LINES).map((s) => s.coin);
    // Over more than 3 days the hourly lines turn into noise: plot each day's mean instead (volatility_daily.sql).
    const daily = dayMs(state.to) - dayMs(state.from) >= 3 * DAY_MS;
    $("volatility-title").textContent = daily ? "volatility_24h, daily mean" : "volatility_24h by hour";
    $("volatility-note").textContent = v.summary.length > coins.length ? `· ${coins.length} most volatile of ${v.summary.length} coins` : "";
    upsert("volatility", "chart-volatility", {
      type: "line",
      data: {
        datasets: coins.map((coin) => ({
          label: coin,
          data: daily
            ? v.daily.filter((r) => r.coin === coin).map((r) => ({ x: dayMs(r.day), y: r.volatility_24h }))
            : v.series.filter((r) => r.coin === coin).map((r) => ({ x: Date.parse(r.hour), y: r.volatility_24h })),
          borderColor: colorOf(coin), backgroundColor: colorOf(coin), pointRadius: daily ? 2.5 : 0, borderWidth: daily ? 2 : 1.6,
          cubicInterpolationMode: "monotone",
        })),
      },
      options: {
        maintainAspectRatio: false,
        interaction: { mode: "nearest", axis: "x", intersect: false },
        scales: {
          x: timeAxis(daily ? "Day (UTC)" : "Hour (UTC)", !daily),
          y: { min: 0, title: { display: true, text: "Volatility index (σ of hourly score, 24 h)" } },
        },
        plugins: {
          legend: { position: "bottom" },
          tooltip: { callbacks: { title: (items) => items.length ? (daily ? shortDay : longHour)(items[0].parsed.x) : "", label: (c) => ` ${c.dataset.label}: ${fmt(c.parsed.y)}` } },
        },
      },
    });
    upsert("volatilityAvg", "chart-volatility-avg", {
      type: "bar",
      data: {
        labels: v.summary.map((s) => s.coin),
        datasets: [{ label: "Average volatility_24h", data: v.summary.map((s) => s.avg_volatility),
          backgroundColor: v.summary.map((s) => colorOf(s.coin)), borderRadius: 4 }],
      },
      options: {
        maintainAspectRatio: false, indexAxis: "y",
        scales: {
          x: { min: 0, title: { display: true, text: "Average Sentiment Volatility Index" } },
          y: { title: { display: true, text: "Coin" }, grid: { display: false }, ticks: { autoSkip: false } },
        },
        plugins: { legend: { display: false },
          tooltip: { callbacks: { label: (c) => ` avg ${fmt(c.raw)} · peak ${fmt(v.summary[c.dataIndex].max_volatility)} · latest ${fmt(v.summary[c.dataIndex].last_volatility)}` } } },
      },
    });
  }

  // ---------- alerts & health ----------
  const KINDS = { sentiment_shift: "#7c3aed", volume_spike: "#0891b2", divergence: DIVERGENCE, scorer_drift: "#dc2626" };
  const SEVERITY = { critical: "negative", warning: "warning", info: "neutral" };

  function drawHealth(h) {
    const total = h.alertCounts.reduce((n, r) => n + r.alerts, 0);
    $("kpi-alerts").textContent = fmtInt.format(total);
    const byKind = {};
    for (const r of h.alertCounts) byKind[r.kind] = (byKind[r.kind] || 0) + r.alerts;
    $("kpi-alert-kinds").textContent = Object.keys(byKind).length
      ? Object.entries(byKind).map(([k, n]) => `${fmtInt.format(n)} ${k.replace("_", " ")}`).join(" · ") : "none";
    $("kpi-critical").textContent = fmtInt.format(h.alertCounts.reduce((n, r) => n + r.critical, 0));
    const days = [...new Set(h.scorer.map((r) => r.day))].sort();
    $("kpi-drifted").textContent = fmtInt.format(new Set(h.scorer.filter((r) => r.drifted).map((r) => r.day)).size);
    const last = h.scorer.filter((r) => r.day === days[days.length - 1]);
    const lastPsi = last.map((r) => r.psi).filter((v) => v != null);
    $("kpi-psi").textContent = lastPsi.length ? fmt(Math.max(...lastPsi)) : "—";
    $("kpi-fallback").textContent = last.length ? pct(last[0].fallback_share) : "—";
    const agreement = last.map((r) => r.agreement_offline).filter((v) => v != null);
    $("kpi-agreement").textContent = agreement.length ? pct(agreement[0]) : "n/a";

    // label mix per day over every scorer row of the day (weighted by headlines)
    const mix = days.map((d) => {
      const rows = h.scorer.filter((r) => r.day === d);
      const n = rows.reduce((a, r) => a + r.headlines, 0);
      const share = (k) => n ? rows.reduce((a, r) => a + r[k] * r.headlines, 0) / n : null;
      return { day: d, positive: share("share_positive"), negative: share("share_negative"), neutral: share("share_neutral") };
    });
    upsert("scorerMix", "chart-scorer-mix", {
      type: "bar",
      data: {
        labels: days.map((d) => shortDay(dayMs(d))),
        datasets: [
          { label: "Positive", data: mix.map((m) => m.positive), backgroundColor: SENTIMENT.Positive },
          { label: "Neutral", data: mix.map((m) => m.neutral), backgroundColor: SENTIMENT.Neutral },
          { label: "Negative", data: mix.map((m) => m.negative), backgroundColor: SENTIMENT.Negative },
        ],
      },
      options: { maintainAspectRatio: false, scales: { x: { stacked: true }, y: { stacked: true, min: 0, max: 1, ticks: { callback: (v) => pct(v, 0) } } },
        plugins: { tooltip: { callbacks: { label: (c) => ` ${c.dataset.label}: ${pct(c.raw)}` } } } },
    });
    const psi = days.map((d) => {
      const v = h.scorer.filter((r) => r.day === d && r.psi != null).map((r) => r.psi);
      return v.length ? Math.max(...v) : null;
    });
    const fallback = days.map((d) => (h.scorer.find((r) => r.day === d) || {}).fallback_share ?? null);
    upsert("drift", "chart-drift", {
      type: "line",
      data: {
        labels: days.map((d) => shortDay(dayMs(d))),
        datasets: [
          { label: "PSI (label mix vs 14 days)", data: psi, borderColor: "#7c3aed", backgroundColor: "#7c3aed", spanGaps: true,
            pointBackgroundColor: days.map((d) => h.scorer.some((r) => r.day === d && r.drifted) ? "#dc2626" : "#7c3aed"), pointRadius: 4 },
          { label: "Fallback share", data: fallback, borderColor: "#ea580c", backgroundColor: "#ea580c", borderDash: [4, 3] },
          { label: "Drift threshold", data: days.map(() => 0.2), borderColor: "#94a3b8", borderWidth: 1, pointRadius: 0 },
        ],
      },
      options: { maintainAspectRatio: false, scales: { y: { min: 0, suggestedMax: 0.3 } } },
    });
    const alertDays = [...new Set(h.alertCounts.map((r) => r.day))].sort();
    upsert("alerts", "chart-alerts", {
      type: "bar",
      data: {
        labels: alertDays.map((d) => shortDay(dayMs(d))),
        datasets: Object.keys(KINDS).map((k) => ({
          label: k.replace("_", " "), backgroundColor: KINDS[k],
          data: alertDays.map((d) => (h.alertCounts.find((r) => r.day === d && r.kind === k) || { alerts: null }).alerts),
        })),
      },
      options: { maintainAspectRatio: false, scales: { x: { stacked: true }, y: { stacked: true, min: 0, ticks: { precision: 0 } } } },
    });

    drawLag(h);

    const body = $("alerts").querySelector("tbody");
    body.replaceChildren();
    for (const a of h.alerts) {
      const tr = document.createElement("tr");
      tr.dataset.kind = a.kind;
      const cells = [longHour(Date.parse(a.hour)), a.kind.replace("_", " "), a.coin || "—", a.severity,
        fmt(a.value), fmt(a.baseline), a.zscore == null ? "—" : signed(a.zscore, 1), a.message];
      cells.forEach((text, i) => {
        const td = document.createElement("td");
        td.textContent = text;
        if (i >= 4 && i <= 6) td.className = "num";
        if (i === 2) td.className = "coin-tag";
        if (i === 3) td.className = `severity ${SEVERITY[a.severity] || ""}`;
        tr.append(td);
      });
      body.append(tr);
    }
    $("alerts-note").textContent = h.alerts.length ? `(${h.alerts.length} newest in range)` : "(none in range)";
  }

  /** Event lag (§10 cryptosentiment.event.lag) of the newest ingest hours, from the lake's bronze: p50 and p95 per stream. */
  function drawLag(h) {
    const lag = h.lag || [];
    const hours = [...new Set(lag.map((r) => r.hour))].sort((a, b) => Date.parse(a) - Date.parse(b));
    const streams = { news: "#2563eb", prices: "#ea580c" };
    const datasets = [];
    for (const [stream, color] of Object.entries(streams)) {
      const at = (key) => hours.map((hr) => (lag.find((r) => r.stream === stream && r.hour === hr) || {})[key] ?? null);
      if (!lag.some((r) => r.stream === stream)) continue;
      datasets.push({ type: "bar", label: `${stream} p95`, data: at("lag_p95_s"), borderColor: color, backgroundColor: color + "99",
        maxBarThickness: 48, order: 2 });
      datasets.push({ type: "line", label: `${stream} p50`, data: at("lag_p50_s"), borderColor: color, backgroundColor: "#ffffff", pointRadius: 3,
        borderWidth: 1.4, borderDash: [4, 3], spanGaps: false, order: 1 });
    }
    const newest = hours[hours.length - 1];
    const p95 = lag.filter((r) => r.hour === newest && r.lag_p95_s != null).map((r) => r.lag_p95_s);
    $("lag-p95").textContent = p95.length ? `${fmt(Math.max(...p95), 1)} s` : "—";
    $("lag-events").textContent = fmtInt.format(lag.reduce((n, r) => n + r.events, 0));
    const unmeasured = lag.reduce((n, r) => n + r.unmeasured, 0);
    $("lag-note").textContent = h.lagNote ? `· ${h.lagNote}` : !lag.length ? "· no events in bronze"
      : unmeasured ? `· ${fmtInt.format(unmeasured)} events without an enqueued time` : "";
    upsert("lag", "chart-lag", {
      type: "bar",
      data: { labels: hours.map((hr) => longHour(Date.parse(hr))), datasets },
      options: {
        maintainAspectRatio: false,
        interaction: { mode: "index", intersect: false },
        scales: { x: { title: { display: true, text: "Ingest hour (UTC)" }, ticks: { maxTicksLimit: 12, maxRotation: 0 }, grid: { display: false } },
          y: { min: 0, title: { display: true, text: "Lag (s)" } } },
        plugins: {
          legend: { position: "bottom" },
          tooltip: { callbacks: { label: (c) => ` ${c.dataset.label}: ${fmt(c.raw, 2)} s` } },
        },
      },
    });
  }

  // ---------- load ----------
  let pending = 0;
  async function refresh() {
    const ticket = ++pending;
    syncUrl();
    renderChips();
    $("filter-from").value = state.from || "";
    $("filter-to").value = state.to || "";
    try {
      const params = filterParams();
      const [overview, price, volatility, health] = await Promise.all([
        api("/api/overview", params), api("/api/sentiment-price", params), api("/api/volatility", params), api("/api/health", params)]);
      if (ticket !== pending) return; // a newer filter change is on its way
      window.dashboard.data = { overview, price, volatility, health };
      state.from = overview.filter.from;
      state.to = overview.filter.to;
      $("filter-from").value = state.from;
      $("filter-to").value = state.to;
      $("data-range").textContent = `${state.from} → ${state.to} (data ${state.meta.firstDay} → ${state.meta.lastDay})`;
      drawOverview(overview);
      drawPrice(price);
      drawVolatility(volatility);
      drawHealth(health);
      showError(null);
      window.dashboard.renders++;
      document.body.dataset.renders = String(window.dashboard.renders);
    } catch (e) {
      if (ticket === pending) showError(e.message);
    }
  }

  async function start() {
    try {
      state.meta = await api("/api/meta");
    } catch (e) {
      showError(e.message);
      return;
    }
    $("warehouse-path").textContent = state.meta.warehouse;
    state.meta.coins.forEach(({ coin }, i) => { state.colors[coin] = PALETTE[i % PALETTE.length]; });
    const q = new URLSearchParams(location.search);
    state.from = q.get("from") || state.meta.firstDay;
    state.to = q.get("to") || state.meta.lastDay;
    state.coins = (q.get("coins") || "").split(",").map((c) => c.trim().toUpperCase()).filter(Boolean);
    if (!state.meta.lastDay) showError("The warehouse holds no data yet: run `crypto-sentiment demo` (or replay + load) first.");
    wireFilters();
    await refresh();
  }

  start();
})();
