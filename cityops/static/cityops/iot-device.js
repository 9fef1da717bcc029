// One device: its point on a small map, and a chart per quantity over the chosen period.
// Short periods show every reading; long ones the server rolls up into min/mean/max buckets,
// drawn as a band (min to max) with the mean as a line.
(function () {
  "use strict";

  // ---- the small map ----
  const point = document.getElementById("device-point");
  if (point && window.CityopsMap) CityopsMap.pointMap(point, "device-point");

  // ---- the charts ----
  const box = document.getElementById("iot-charts");
  if (!box || typeof echarts === "undefined") return;
  // ECharts writes a tooltip formatter's string as HTML: the unit (set through the API) goes in escaped
  const html = window.CityopsHTML.html;
  const T = JSON.parse(document.getElementById("iot-chart-i18n").textContent);
  const tz = box.dataset.tz || "Asia/Shanghai";
  const lang = document.documentElement.lang === "en" ? "en-GB" : "zh-CN";
  const note = document.getElementById("iot-chart-note");
  const form = document.getElementById("iot-period");
  const custom = form.querySelector(".iot-period-custom");
  const HOUR = 3600 * 1000;
  const PERIODS = { "24h": 24 * HOUR, "7d": 7 * 24 * HOUR, "30d": 30 * 24 * HOUR, "1y": 365 * 24 * HOUR };
  const charts = [];

  function formatter(options) {
    const f = new Intl.DateTimeFormat(lang, Object.assign({ timeZone: tz, hour12: false }, options));
    return function (ms) {
      return f.format(new Date(ms));
    };
  }
  const full = formatter({ year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit" });

  function axisFormat(span) {
    if (span <= 2 * 24 * HOUR) return formatter({ hour: "2-digit", minute: "2-digit" });
    if (span <= 400 * 24 * HOUR) return formatter({ month: "2-digit", day: "2-digit" });
    return formatter({ year: "numeric", month: "2-digit" });
  }

  function number(v) {
    return v === null || v === undefined ? "—" : Number(v.toFixed(3)).toLocaleString(lang);
  }

  function baseOption(el, start, end) {
    return {
      animation: false,
      grid: { left: 56, right: 18, top: 16, bottom: 30 },
      tooltip: { trigger: "axis", confine: true },
      xAxis: {
        type: "time",
        min: start,
        max: end,
        axisLabel: { formatter: axisFormat(end - start), hideOverlap: true },
      },
      yAxis: { type: "value", scale: true },
    };
  }

  function rawOption(el, body, start, end) {
    const option = baseOption(el, start, end);
    option.tooltip.formatter = function (items) {
      const p = items[0];
      return html`${full(p.value[0])}<br>${number(p.value[1])} ${el.dataset.unit || ""}`;
    };
    option.series = [
      {
        name: T.value,
        type: "line",
        data: body.points,
        showSymbol: body.points.length < 60,
        symbolSize: 5,
        sampling: "lttb",
        lineStyle: { width: 1.6, color: "#1677ff" },
        itemStyle: { color: "#1677ff" },
      },
    ];
    return option;
  }

  function bandOption(el, body, start, end) {
    const option = baseOption(el, start, end);
    const lows = body.buckets.map((b) => [b[0], b[1]]);
    const spans = body.buckets.map((b) => [b[0], b[3] - b[1]]);
    const means = body.buckets.map((b) => [b[0], b[2]]);
    const byTime = {};
    body.buckets.forEach(function (b) {
      byTime[b[0]] = b;
    });
    option.tooltip.formatter = function (items) {
      const b = byTime[items[0].value[0]];
      if (!b) return "";
      const unit = el.dataset.unit || "";
      return (
        html`${full(b[0])}` +
        html`<br>${T.max} ${number(b[3])} ${unit}` +
        html`<br>${T.mean} ${number(b[2])} ${unit}` +
        html`<br>${T.min} ${number(b[1])} ${unit}` +
        html`<br>${T.count} ${b[4].toLocaleString(lang)}`
      );
    };
    const symbols = body.buckets.length < 60;
    option.series = [
      { name: T.min, type: "line", data: lows, stack: "band", symbol: "none", lineStyle: { opacity: 0 } },
      {
        name: T.max,
        type: "line",
        data: spans,
        stack: "band",
        symbol: "none",
        lineStyle: { opacity: 0 },
        areaStyle: { color: "rgba(22, 119, 255, 0.18)" },
      },
      {
        name: T.mean,
        type: "line",
        data: means,
        showSymbol: symbols,
        symbolSize: 4,
        lineStyle: { width: 1.6, color: "#0b3a6e" },
        itemStyle: { color: "#0b3a6e" },
      },
    ];
    return option;
  }

  function chartOf(el) {
    let chart = echarts.getInstanceByDom(el);
    if (!chart) {
      chart = echarts.init(el, null, { renderer: "canvas" });
      charts.push(chart);
    }
    return chart;
  }

  function loadOne(el, params, start, end) {
    const chart = chartOf(el);
    chart.showLoading({ text: T.loading });
    const url = box.dataset.seriesUrl + "?" + new URLSearchParams(Object.assign({ quantity: el.dataset.quantity }, params));
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (resp) {
        return resp.json().then(function (body) {
          if (!resp.ok) throw new Error(body.detail || String(resp.status));
          return body;
        });
      })
      .then(function (body) {
        chart.hideLoading();
        const raw = body.mode === "raw";
        const n = raw ? body.points.length : body.buckets.length;
        const option = raw ? rawOption(el, body, start, end) : bandOption(el, body, start, end);
        if (!n) {
          // an empty chart shrinks to one line so the ones with data stay in view
          option.graphic = { type: "text", left: "center", top: "middle", style: { text: T.empty, fill: "#8c8c8c", fontSize: 13 } };
          option.xAxis.show = false;
          option.yAxis.show = false;
          option.grid = { left: 0, right: 0, top: 0, bottom: 0 };
        }
        el.classList.toggle("is-empty", !n);
        chart.resize();
        chart.setOption(option, true);
        el.dataset.mode = body.mode;
        el.dataset.grain = body.grain || "";
        el.dataset.count = String(n);
        return body;
      })
      .catch(function (err) {
        chart.hideLoading();
        chart.clear();
        el.dataset.mode = "error";
        note.textContent = T.failed + ": " + err.message;
      });
  }

  function show(params, start, end) {
    box.dataset.ready = "false";
    note.textContent = "";
    const els = Array.prototype.slice.call(box.querySelectorAll(".iot-chart"));
    Promise.all(els.map((el) => loadOne(el, params, start, end))).then(function (bodies) {
      const body = bodies.find(Boolean);
      if (body && !note.textContent) {
        note.textContent = body.mode === "raw" ? T.raw : T.buckets.replace("%(grain)s", T.grains[String(body.grain)] || "");
      }
      box.dataset.ready = "true";
    });
  }

  function preset(key) {
    const end = Date.now();
    const start = end - PERIODS[key];
    show({ start: new Date(start).toISOString(), end: new Date(end).toISOString() }, start, end);
  }

  function press(button) {
    form.querySelectorAll("[data-period]").forEach(function (b) {
      const on = b === button;
      b.classList.toggle("is-active", on);
      b.setAttribute("aria-pressed", on ? "true" : "false");
    });
  }

  function localInput(ms) {
    // a datetime-local value in the town's time zone
    const parts = {};
    new Intl.DateTimeFormat("en-CA", {
      timeZone: tz, hour12: false, year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit",
    }).formatToParts(new Date(ms)).forEach(function (p) {
      parts[p.type] = p.value;
    });
    const hour = parts.hour === "24" ? "00" : parts.hour;
    return parts.year + "-" + parts.month + "-" + parts.day + "T" + hour + ":" + parts.minute;
  }

  form.addEventListener("click", function (evt) {
    const button = evt.target.closest("[data-period]");
    if (!button) return;
    press(button);
    const key = button.dataset.period;
    custom.hidden = key !== "custom";
    if (key === "custom") {
      if (!form.start.value) form.start.value = localInput(Date.now() - 3 * 24 * HOUR);
      if (!form.end.value) form.end.value = localInput(Date.now());
      form.start.focus();
      return;
    }
    preset(key);
  });

  form.addEventListener("submit", function (evt) {
    evt.preventDefault();
    const start = form.start.value;
    const end = form.end.value;
    if (!start || !end || start >= end) {
      note.textContent = T.badRange;
      return;
    }
    // the inputs are local times of the town: the server reads a time without offset as such
    const offset = "+08:00";
    show({ start: start, end: end }, Date.parse(start + ":00" + offset), Date.parse(end + ":00" + offset));
  });

  window.addEventListener("resize", function () {
    charts.forEach((c) => c.resize());
  });

  preset("24h");
})();
