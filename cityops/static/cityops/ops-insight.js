// Decision support's map and chart, drawn from the page's own JSON (no request of their own): the
// grids coloured by their Gi* class, and a series' weeks with the forecast and its interval.
(function () {
  "use strict";

  function hotSpotMap() {
    const el = document.getElementById("insight-map");
    const source = document.getElementById("insight-map-data");
    if (!el || !source || !window.CityopsMap) return;
    const data = JSON.parse(source.textContent);
    const map = CityopsMap.baseMap(el, {});
    const layer = L.geoJSON(data, {
      style: function (f) {
        return { color: "#5c6b7a", weight: 1, fillColor: f.properties.colour, fillOpacity: 0.8 };
      },
      onEachFeature: function (f, lyr) {
        const p = f.properties;
        const box = CityopsMap.node("div", "insight-tip");
        box.appendChild(CityopsMap.node("strong", "", p.name));
        box.appendChild(CityopsMap.node("div", "", p.label));
        box.appendChild(CityopsMap.node("div", "", p.cases + " · z " + p.z + " · p " + p.p));
        lyr.bindTooltip(box, { sticky: true });
      },
    }).addTo(map);
    if (layer.getLayers().length) map.fitBounds(layer.getBounds(), { padding: [10, 10] });
    el.dataset.ready = "true";
  }

  function forecastChart() {
    const el = document.getElementById("forecast-chart");
    const source = document.getElementById("forecast-data");
    if (!el || !source || typeof echarts === "undefined") return;
    const data = JSON.parse(source.textContent);
    const T = el.dataset;
    const weeks = data.points.map((p) => p.week);
    const pick = (k) => data.points.map((p) => (p[k] === null || p[k] === undefined ? null : Math.round(p[k] * 10) / 10));
    const lower = pick("lower");
    const upper = pick("upper");
    const width = upper.map((u, i) => (u === null || lower[i] === null ? null : Math.round((u - lower[i]) * 10) / 10));
    const chart = echarts.init(el);
    chart.setOption({
      animation: false,
      tooltip: { trigger: "axis" },
      legend: { data: [T.actual, T.holdout, T.forecast, T.band], bottom: 0 },
      grid: { left: 50, right: 20, top: 20, bottom: 60 },
      xAxis: { type: "category", data: weeks, axisLabel: { formatter: (v) => v.slice(5) } },
      yAxis: { type: "value", min: 0 },
      series: [
        { name: T.band, type: "line", data: lower, stack: "band", symbol: "none", lineStyle: { opacity: 0 }, tooltip: { show: false } },
        { name: T.band, type: "line", data: width, stack: "band", symbol: "none", lineStyle: { opacity: 0 }, areaStyle: { color: "rgba(91,143,249,0.22)" } },
        { name: T.actual, type: "line", data: pick("actual"), symbolSize: 4, itemStyle: { color: "#0b3a6e" } },
        { name: T.holdout, type: "line", data: pick("holdout"), symbolSize: 4, lineStyle: { type: "dashed" }, itemStyle: { color: "#fa8c16" } },
        { name: T.forecast, type: "line", data: pick("forecast"), symbolSize: 5, lineStyle: { type: "dotted", width: 2 }, itemStyle: { color: "#5b8ff9" } },
      ],
    });
    window.addEventListener("resize", () => chart.resize());
    el.dataset.ready = "true";
  }

  hotSpotMap();
  forecastChart();
})();
