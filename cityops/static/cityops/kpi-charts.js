// The KPI page's charts: the chosen indicator month by month (a line, with its numerator and
// denominator as bars on a second axis) and a ranking of the row dimension's members, best first,
// with the total as a mark line. The data comes embedded in the page (#kpi-charts-data) and is
// drawn again each time htmx swaps the table in.
(function () {
  "use strict";
  if (typeof echarts === "undefined") return;
  // ECharts writes a tooltip formatter's string as HTML: names (grids, departments) go in escaped
  const html = window.CityopsHTML.html;

  // the page's colours (app.css): brand blue for the indicator, light blues for the counts
  const BRAND = "#0b3a6e";
  const MUTED = "#6b7785";
  const BORDER = "#d9dee5";
  const NUMERATOR = "#5b8ff9";
  const DENOMINATOR = "#c6d9f5";
  const NEUTRAL = "#5b8ff9";
  const STACKED = window.matchMedia("(max-width: 1000px)");  // as the page's stylesheet
  const lang = document.documentElement.lang === "en" ? "en-GB" : "zh-CN";
  let charts = [];
  let observer = null;

  function percent(v) {
    return v === null || v === undefined ? "—" : (v * 100).toFixed(1) + "%";
  }

  function count(n) {
    return Number(n).toLocaleString(lang);
  }

  // Axis bounds around the values, in whole 5 %, so that differences near 98 % stay visible.
  function bounds(values) {
    const pct = values.filter((v) => v !== null).map((v) => v * 100);
    if (!pct.length) return { min: 0, max: 100 };
    const lo = Math.min.apply(null, pct);
    const hi = Math.max.apply(null, pct);
    const pad = Math.max(2, (hi - lo) * 0.3);
    return {
      min: lo - pad <= 10 ? 0 : Math.floor((lo - pad) / 5) * 5,
      max: Math.min(100, Math.ceil((hi + pad) / 5) * 5),
    };
  }

  // The table's colour scale (red for its worst value, green for its best), stronger for bars.
  function tint(value, lo, hi, data) {
    if (data.neutral) return NEUTRAL;
    let good = hi > lo ? (value - lo) / (hi - lo) : 1;
    if (data.lower_is_better && hi > lo) good = 1 - good;
    return "hsl(" + Math.round(good * 120) + ", 55%, 55%)";
  }

  // The smallest of 1, 2, 2.5 and 5 times a power of ten that is at least x.
  function nice(x) {
    const power = Math.pow(10, Math.floor(Math.log10(Math.max(x, 1e-9))));
    const step = [1, 2, 2.5, 5, 10].find((f) => f * power >= x);
    return step * power;
  }

  // The rate's axis in five steps, the line kept in the upper half so that its labels clear the
  // bars, which the count axis keeps in the lower half; both share the same five grid lines.
  function rateAxis(values) {
    const pct = values.filter((v) => v !== null).map((v) => v * 100);
    if (!pct.length) return { min: 0, max: 100, interval: 20 };
    const lo = Math.min.apply(null, pct);
    const hi = Math.max.apply(null, pct);
    let step = nice(Math.max(hi - lo, 1) / 2);
    let max = Math.min(100, Math.ceil((hi + step * 0.3) / step) * step);
    if (max < hi) max = Math.ceil(hi / step) * step;
    let min = max - 5 * step;
    if (min < 0) {
      min = 0;
      step = max / 5;
    }
    return { min: min, max: max, interval: step };
  }

  function countAxis(counts) {
    const step = nice(Math.max(1, Math.max.apply(null, counts) * 2.2) / 5);
    return { min: 0, max: 5 * step, interval: step };
  }

  function monthLabel(value, index) {
    const [year, month] = value.split("-");
    const name = lang === "zh-CN" ? Number(month) + "月" : month;
    return index === 0 || month === "01" ? name + "\n" + year : name;
  }

  // On a narrow chart a label on every month crowds the line: label the first, the last, the
  // lowest and the highest month only (the tooltip has the others).
  function labelled(rates, narrow) {
    const valued = rates.map((v, i) => [v, i]).filter((p) => p[0] !== null);
    if (!narrow || !valued.length) return () => true;
    const byValue = valued.slice().sort((a, b) => a[0] - b[0]);
    const keep = new Set([valued[0][1], valued[valued.length - 1][1], byValue[0][1], byValue[byValue.length - 1][1]]);
    return (i) => keep.has(i);
  }

  function dip(rates, i) {
    const v = rates[i];
    const before = i > 0 ? rates[i - 1] : null;
    const after = i < rates.length - 1 ? rates[i + 1] : null;
    return v !== null && (before !== null || after !== null) && (before === null || v < before) && (after === null || v < after);
  }

  function trendOption(data, narrow) {
    const months = data.trend.months;
    const k = data.kpi;
    const rates = months.map((m) => (m.value === null ? null : m.value));
    const shows = labelled(rates, narrow);
    const rate = rateAxis(rates);
    const counts = countAxis(months.map((m) => m.denominator));
    return {
      animation: false,
      color: [BRAND, NUMERATOR, DENOMINATOR],
      legend: { bottom: 0, left: "center", itemWidth: 16, itemHeight: 10, textStyle: { color: MUTED } },
      grid: { left: 8, right: 8, top: 24, bottom: 30, containLabel: true },
      tooltip: {
        trigger: "axis",
        confine: true,
        formatter: function (items) {
          const m = months[items[0].dataIndex];
          return (
            html`<b>${m.month}</b> <span style="color:${MUTED}">${m.start} – ${m.end}</span>` +
            html`<br>${k.label} <b>${percent(m.value)}</b>` +
            html`<br>${k.numerator} ${count(m.numerator)}` +
            html`<br>${k.denominator} ${count(m.denominator)}`
          );
        },
      },
      xAxis: {
        type: "category",
        data: months.map((m) => m.month),
        axisTick: { alignWithLabel: true },
        axisLine: { lineStyle: { color: BORDER } },
        axisLabel: { color: MUTED, hideOverlap: true, formatter: monthLabel },
      },
      yAxis: [
        Object.assign(rate, {
          type: "value",
          axisLabel: { color: MUTED, formatter: (v) => +v.toFixed(1) + "%" },
          splitLine: { lineStyle: { color: "#eef1f5" } },
        }),
        Object.assign(counts, {
          type: "value",
          axisLabel: { color: MUTED, formatter: (v) => count(v) },
          splitLine: { show: false },
        }),
      ],
      series: [
        {
          name: k.label,
          type: "line",
          z: 3,
          data: rates.map((v, i) => ({
            value: v === null ? null : +(v * 100).toFixed(2),
            // below a dip, so that the label does not sit on the two segments meeting there
            label: { show: shows(i), position: dip(rates, i) ? "bottom" : "top" },
          })),
          connectNulls: false,
          symbolSize: 7,
          lineStyle: { width: 2.5, color: BRAND },
          itemStyle: { color: BRAND },
          label: {
            show: true,
            position: "top",
            color: BRAND,
            fontSize: 11,
            formatter: (p) => p.value.toFixed(1) + "%",
          },
          labelLayout: { hideOverlap: true },
        },
        {
          name: k.numerator,
          type: "bar",
          yAxisIndex: 1,
          data: months.map((m) => m.numerator),
          itemStyle: { color: NUMERATOR, borderRadius: [2, 2, 0, 0] },
          barMaxWidth: 16,
          barGap: "10%",
        },
        {
          name: k.denominator,
          type: "bar",
          yAxisIndex: 1,
          data: months.map((m) => m.denominator),
          itemStyle: { color: DENOMINATOR, borderRadius: [2, 2, 0, 0] },
          barMaxWidth: 16,
        },
      ],
    };
  }

  function emptyOption(text) {
    return { graphic: { type: "text", left: "center", top: "middle", style: { text: text, fill: MUTED, fontSize: 13 } } };
  }

  function rankingOption(data, shown) {
    const bars = data.ranking.bars;
    const total = data.ranking.total;
    if (!bars.length) return emptyOption(data.text.none);
    const values = bars.map((r) => r.value);
    const lo = Math.min.apply(null, values);
    const hi = Math.max.apply(null, values);
    const b = bounds(values.concat([total.value]));
    const option = {
      animation: false,
      grid: { left: 8, right: 52, top: 26, bottom: 4, containLabel: true },
      tooltip: {
        trigger: "item",
        confine: true,
        formatter: function (p) {
          const r = bars[p.dataIndex];
          if (!r) return "";
          return (
            html`<b>${r.name}</b><br>${data.kpi.label} <b>${percent(r.value)}</b>` +
            html`<br>${count(r.numerator)} / ${count(r.denominator)}`
          );
        },
      },
      xAxis: {
        type: "value",
        min: b.min,
        max: b.max,
        axisLabel: { color: MUTED, formatter: "{value}%" },
        splitLine: { lineStyle: { color: "#eef1f5" } },
      },
      yAxis: {
        type: "category",
        inverse: true, // the best at the top
        data: bars.map((r) => r.name),
        axisTick: { show: false },
        axisLine: { lineStyle: { color: BORDER } },
        axisLabel: { color: "#1f2933", width: 96, overflow: "truncate" },
      },
      series: [
        {
          name: data.kpi.label,
          type: "bar",
          barMaxWidth: 18,
          data: bars.map((r) => ({
            value: +(r.value * 100).toFixed(2),
            itemStyle: { color: tint(r.value, lo, hi, data), borderRadius: [0, 2, 2, 0] },
          })),
          label: {
            show: true,
            position: "right",
            color: "#1f2933",
            fontSize: 11,
            // readable where a bar ends on the total's line
            backgroundColor: "rgba(255, 255, 255, 0.85)",
            padding: [1, 2],
            formatter: (p) => p.value.toFixed(1) + "%",
          },
          markLine: total.value === null ? undefined : {
            silent: true,
            z: 1, // behind the bars and their labels
            symbol: "none",
            lineStyle: { color: BRAND, type: "dashed", width: 1.5 },
            label: { position: "start", color: BRAND, formatter: data.text.total + " " + percent(total.value) },
            data: [{ xAxis: +(total.value * 100).toFixed(2) }],
          },
        },
      ],
    };
    if (bars.length > shown) {
      // too many members for the card's height: scroll through them, the best first
      option.dataZoom = [
        { type: "slider", yAxisIndex: 0, right: 4, width: 14, startValue: 0, endValue: shown - 1, showDetail: false, brushSelect: false },
        { type: "inside", yAxisIndex: 0, zoomOnMouseWheel: false, moveOnMouseWheel: true, moveOnMouseMove: false },
      ];
      option.grid.right = 72;
    }
    return option;
  }

  function fresh(el) {
    // a history restore brings back old chart markup: start from an empty box
    el.removeAttribute("_echarts_instance_");
    el.replaceChildren();
    const chart = echarts.init(el, null, { renderer: "canvas" });
    charts.push(chart);
    return chart;
  }

  function draw() {
    charts.forEach((c) => c.dispose());
    charts = [];
    if (observer) observer.disconnect();
    const source = document.getElementById("kpi-charts-data");
    const trendEl = document.getElementById("kpi-trend");
    const rankingEl = document.getElementById("kpi-ranking");
    if (!source || !trendEl || !rankingEl) return;
    const data = JSON.parse(source.textContent);
    fresh(trendEl).setOption(trendOption(data, trendEl.clientWidth < 560));
    const rows = data.ranking.bars.length;
    // stacked on a narrow screen, the ranking is as tall as its bars need
    rankingEl.style.height = STACKED.matches ? Math.min(360, Math.max(160, 70 + 30 * rows)) + "px" : "";
    const shown = Math.max(6, Math.floor((rankingEl.clientHeight - 30) / 22));
    fresh(rankingEl).setOption(rankingOption(data, Math.min(rows, shown)));
    if (typeof ResizeObserver !== "undefined") {
      observer = new ResizeObserver(() => charts.forEach((c) => c.resize()));
      observer.observe(trendEl);
      observer.observe(rankingEl);
    }
    trendEl.dataset.ready = rankingEl.dataset.ready = "true";
  }

  if (typeof ResizeObserver === "undefined") {
    window.addEventListener("resize", () => charts.forEach((c) => c.resize()));
  }
  document.body.addEventListener("htmx:afterSettle", function (evt) {
    if (evt.detail.target && evt.detail.target.id === "kpi-table") draw();
  });
  document.body.addEventListener("htmx:historyRestore", draw);
  STACKED.addEventListener("change", draw);
  draw();
})();
