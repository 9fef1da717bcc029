// The online-rate page's charts: each project's rate day by day with its target as a dashed line,
// and every village's rate this month as bars, worst first, red below its target. The data comes
// embedded in the page (#vd-chart-data).
(function () {
  "use strict";
  if (typeof echarts === "undefined") return;
  const html = window.CityopsHTML.html; // a tooltip's string is HTML to ECharts: names go in escaped
  const data = JSON.parse(document.getElementById("vd-chart-data").textContent);
  const T = JSON.parse(document.getElementById("vd-i18n").textContent);
  const COLOURS = ["#0958d9", "#ad4e00", "#237804", "#722ed1"];
  const MISSED = "#cf1322";
  const MET = "#5b8ff9";
  const charts = [];

  function pct(v) {
    return v === null || v === undefined ? "—" : v.toFixed(2) + "%";
  }

  // Axis bounds around the values and targets, in whole percent, so differences near 98 % show.
  function bounds(values) {
    const seen = values.filter((v) => v !== null && v !== undefined);
    if (!seen.length) return { min: 90, max: 100 };
    return { min: Math.max(0, Math.floor(Math.min.apply(null, seen) - 1)), max: 100 };
  }

  function daily(el) {
    const series = [];
    const all = [];
    data.projects.forEach(function (p, i) {
      const colour = COLOURS[i % COLOURS.length];
      all.push.apply(all, p.rates);
      if (p.target !== null) all.push(p.target);
      series.push({
        name: p.name,
        type: "line",
        data: p.rates,
        connectNulls: false,
        symbolSize: 5,
        itemStyle: { color: colour },
        markLine:
          p.target === null
            ? undefined
            : {
                symbol: "none",
                silent: true,
                lineStyle: { color: colour, type: "dashed", width: 1.5 },
                label: { formatter: T.target + " " + p.target + "%", color: colour, position: "insideEndTop" },
                data: [{ yAxis: p.target }],
              },
      });
    });
    const y = bounds(all);
    const chart = echarts.init(el);
    chart.setOption({
      animation: false,
      legend: { bottom: 0 },
      grid: { left: 8, right: 16, top: 24, bottom: 36, containLabel: true },
      tooltip: {
        trigger: "axis",
        confine: true,
        formatter: function (items) {
          const rows = items.map((it) => html`<div>${it.seriesName}: <b>${pct(it.value)}</b></div>`);
          const head = html`<div>${items.length ? items[0].axisValue : ""}</div>`;
          return [head].concat(rows).join("");
        },
      },
      xAxis: { type: "category", data: data.days, axisLabel: { formatter: (d) => d.slice(5) } },
      yAxis: { type: "value", min: y.min, max: y.max, axisLabel: { formatter: "{value}%" } },
      series: series,
    });
    return chart;
  }

  function villages(el) {
    const rows = data.villages.slice().reverse(); // ECharts draws the first category at the bottom
    const values = rows.map((v) => v.rate);
    const y = bounds(values.concat(rows.map((v) => v.target)));
    el.style.height = Math.max(260, rows.length * 22 + 60) + "px";
    const chart = echarts.init(el);
    chart.setOption({
      animation: false,
      grid: { left: 8, right: 40, top: 8, bottom: 24, containLabel: true },
      tooltip: {
        trigger: "axis",
        axisPointer: { type: "shadow" },
        confine: true,
        formatter: function (items) {
          const v = rows[items[0].dataIndex];
          return html`<div>${v.name}</div><div>${T.rate}: <b>${pct(v.rate)}</b> · ${T.target} ${pct(v.target)}</div>`;
        },
      },
      xAxis: { type: "value", min: y.min, max: 100, axisLabel: { formatter: "{value}%" } },
      yAxis: { type: "category", data: rows.map((v) => v.name) },
      series: [
        {
          type: "bar",
          barMaxWidth: 16,
          data: rows.map((v) => ({
            value: v.rate,
            itemStyle: { color: v.rate !== null && v.target !== null && v.rate < v.target ? MISSED : MET },
          })),
          label: { show: true, position: "right", formatter: (it) => pct(it.value), fontSize: 11 },
        },
      ],
    });
    return chart;
  }

  const dailyEl = document.getElementById("vd-daily");
  const villageEl = document.getElementById("vd-villages");
  if (dailyEl) charts.push(daily(dailyEl));
  if (villageEl) charts.push(villages(villageEl));
  window.addEventListener("resize", function () {
    charts.forEach((c) => c.resize());
  });
  document.body.dataset.chartsReady = "true";
})();
