// The operations centre's big screen: the figures of one unit of the town from every capability's
// panels, the map of the unit (grids coloured by open or overdue cases; below the town, what stands
// in it), and the live feed from the server-sent events of /ops/events. A dropped stream shows a
// visible "stale" state; on reconnect the server replays what was missed after the last id the
// screen had, and a line already shown (by id) is never shown twice. Server text is set as text.
(function () {
  "use strict";

  const root = document.getElementById("screen");
  if (!root) return;
  const T = JSON.parse(document.getElementById("sc-labels").textContent);
  const M = window.CityopsMap;
  const node = M.node;
  const FEED_MAX = 60;
  const WATCHDOG_MS = 40000; // the server sends a ping every 15 s
  const REFRESH_MS = 60000; // figures from rollups: a minute is fresh enough
  const LEVELS = ["town", "area", "village", "grid"];

  const state = { unit: root.dataset.home, colour: "open", lastId: 0, seen: new Set(), es: null, charts: [] };

  function fmt(template, values) {
    return template.replace(/%\((\w+)\)s/g, function (_, k) {
      return values[k] === undefined || values[k] === null ? "" : String(values[k]);
    });
  }
  function pct(rate, digits) {
    return rate === null || rate === undefined ? "—" : (rate * 100).toFixed(digits === undefined ? 1 : digits) + "%";
  }
  function num(n) {
    return n === null || n === undefined ? "—" : Number(n).toLocaleString();
  }
  function figure(label, value, cls) {
    const box = node("div", "sc-fig" + (cls ? " " + cls : ""));
    box.append(node("span", "sc-fig-value", value), node("span", "sc-fig-label", label));
    return box;
  }

  // ---- the clock and the connection state --------------------------------------------------------

  const clock = document.getElementById("sc-clock");
  function tick() {
    const now = new Date();
    clock.textContent = now.toLocaleString(document.documentElement.lang, { hour12: false });
    clock.dateTime = now.toISOString();
  }
  tick();
  setInterval(tick, 1000);

  const live = document.getElementById("sc-live");
  const staleNote = document.getElementById("sc-stale-note");
  function setState(name) {
    root.dataset.state = name;
    live.textContent = T[name];
    staleNote.hidden = name !== "stale";
  }
  setState("connecting");

  // ---- panels ---------------------------------------------------------------------------------------

  function periodBlock(key, p, target) {
    const box = node("div", "sc-period");
    box.dataset.period = key;
    box.append(node("h3", "sc-period-title", T[key]));
    const row = node("div", "sc-figs");
    const rate = p.effective_disposal_rate;
    const cls = rate === null ? "is-none" : rate >= target ? "is-good" : "is-bad";
    row.append(
      figure(T.reported, num(p.reported)),
      figure(T.closed, num(p.closed)),
      figure(T.effective_rate, rate === null ? T.no_figure : pct(rate, 1), "sc-rate " + cls)
    );
    box.append(row);
    return box;
  }

  function casesPanel(data) {
    const body = document.getElementById("sc-cases");
    const target = node("p", "sc-target", fmt(T.target, { t: pct(data.target, 1) }) + " · " + T.effective_rate);
    const now = node("div", "sc-figs sc-now");
    now.append(
      figure(T.open_now, num(data.open_now)),
      figure(T.overdue_now, num(data.overdue_now), data.overdue_now ? "is-bad" : "")
    );
    const top = node("div", "sc-top");
    top.append(node("h3", "sc-period-title", T.top_items));
    const list = node("ol", "sc-top-list");
    data.top_items.forEach(function (t) {
      const li = node("li");
      li.append(node("span", "sc-top-name", t.name), node("span", "sc-top-n", num(t.open)));
      list.append(li);
    });
    top.append(list);
    body.replaceChildren(
      periodBlock("today", data.today, data.target),
      periodBlock("month", data.month, data.target),
      periodBlock("year", data.year, data.target),
      target,
      now,
      top
    );
    trendChart(data.trend);
  }

  // ECharts (the largest script by far) is loaded once the first figures stand, so it never holds
  // them up; the trend is drawn when it arrives.
  let trend = null;
  let trendData = null;
  let chartsLoading = false;
  function loadCharts() {
    if (chartsLoading) return;
    chartsLoading = true;
    const s = document.createElement("script");
    s.src = root.dataset.echartsUrl;
    s.onload = function () {
      if (trendData) trendChart(trendData);
    };
    document.head.append(s);
  }
  function trendChart(t) {
    trendData = t;
    const el = document.getElementById("sc-trend");
    if (typeof echarts === "undefined") return loadCharts();
    if (!trend) {
      trend = echarts.init(el, "dark", { renderer: "canvas" });
      state.charts.push(trend);
    }
    const size = parseFloat(getComputedStyle(document.documentElement).fontSize) || 16;
    trend.setOption({
      backgroundColor: "transparent",
      textStyle: { fontSize: size * 0.8 },
      grid: { left: size * 3, right: size, top: size * 2, bottom: size * 2 },
      legend: { top: 0, textStyle: { fontSize: size * 0.8 } },
      tooltip: { trigger: "axis" },
      xAxis: { type: "category", data: t.days.map((d) => d.slice(5)), axisLabel: { fontSize: size * 0.7 } },
      yAxis: { type: "value", minInterval: 1, axisLabel: { fontSize: size * 0.7 } },
      series: [
        { name: T.reported, type: "line", smooth: true, data: t.reported, color: "#4ea1ff", symbol: "none" },
        { name: T.closed, type: "line", smooth: true, data: t.closed, color: "#52d18b", symbol: "none" },
      ],
    });
  }

  function iotPanel(p) {
    const box = node("section", "sc-panel");
    box.append(node("h3", "sc-panel-title", p.title));
    const figs = node("div", "sc-figs");
    figs.append(figure(T.alarms_active, num(p.data.alarms_active), p.data.alarms_active ? "is-bad" : ""));
    Object.keys(p.data.alarms).forEach(function (sev) {
      const f = figure(p.data.severity_labels[sev], num(p.data.alarms[sev]), "sc-small");
      f.style.setProperty("--dot", p.data.severity_colours[sev]);
      f.classList.add("sc-dot");
      figs.append(f);
    });
    const dev = node("div", "sc-figs");
    dev.append(
      figure(T.online, num(p.data.devices.online)),
      figure(T.offline, num(p.data.devices.offline), p.data.devices.offline ? "is-warn" : ""),
      figure(T.never, num(p.data.devices.never), "sc-small")
    );
    box.append(figs, node("p", "sc-sub", T.devices), dev);
    return box;
  }

  function videoPanel(p) {
    const box = node("section", "sc-panel");
    box.append(node("h3", "sc-panel-title", p.title));
    const d = p.data;
    const figs = node("div", "sc-figs");
    [
      ["video_today", d.today],
      ["video_month", d.month],
    ].forEach(function (pair) {
      const r = pair[1];
      const value = r.rate === null ? "—" : r.rate.toFixed(2) + "%";
      const f = figure(T[pair[0]], value, r.met === false ? "is-bad" : r.met ? "is-good" : "");
      if (r.target !== null) f.append(node("span", "sc-fig-note", fmt(T.target, { t: r.target + "%" })));
      figs.append(f);
    });
    figs.append(figure(T.cameras_offline, num(d.offline_now), d.offline_now ? "is-warn" : ""));
    box.append(figs);
    return box;
  }

  // Any other capability's panel: its title and its figures, {"items": [{label, value}]} named in
  // the reader's language by the server (tests/ops/test_panel_items.py holds every panel to it; a
  // data key is never shown as a label).
  function genericPanel(p) {
    const box = node("section", "sc-panel");
    box.dataset.panel = p.key;
    box.append(node("h3", "sc-panel-title", p.title));
    const figs = node("div", "sc-figs");
    const items = Array.isArray(p.data.items) ? p.data.items : [];
    items.forEach(function (it) {
      figs.append(figure(String(it.label), typeof it.value === "number" ? num(it.value) : String(it.value)));
    });
    box.append(figs);
    return box;
  }

  // Patrol coverage now: the unit's share of grids with an inspector on patrol, the same one level
  // down (a click there drills down, like the map), and the patrol items found today.
  function patrolsPanel(p) {
    const box = node("section", "sc-panel sc-patrols");
    box.append(node("h3", "sc-panel-title", p.title));
    const d = p.data.now;
    const figs = node("div", "sc-figs");
    const cov = figure(fmt(T.coverage_now, { m: d.minutes }), pct(d.share, 0), d.share === null ? "is-none" : "");
    cov.append(node("span", "sc-fig-note", fmt(T.grids_of, { covered: num(d.covered), grids: num(d.grids) })));
    figs.append(cov, figure(T.on_patrol, num(d.on_patrol)));
    box.append(figs);
    if (d.parts.length > 1) {
      const list = node("ol", "sc-bars");
      d.parts.forEach(function (part) {
        const li = node("li", "sc-bar");
        const b = node("button", "sc-bar-name", part.name);
        b.type = "button";
        b.addEventListener("click", () => go(part.unit));
        const bar = node("span", "sc-bar-track");
        const fill = node("span", "sc-bar-fill");
        fill.style.width = Math.round((part.share || 0) * 100) + "%";
        bar.append(fill);
        li.append(b, bar, node("span", "sc-bar-n", part.covered + "/" + part.grids));
        list.append(li);
      });
      box.append(list);
    }
    const found = node("div", "sc-top");
    found.append(node("h3", "sc-period-title", T.found_today));
    if (p.data.found_today.length) {
      const list = node("ol", "sc-top-list");
      p.data.found_today.forEach(function (t) {
        const li = node("li");
        li.append(node("span", "sc-top-name", t.name), node("span", "sc-top-n", num(t.cases)));
        list.append(li);
      });
      found.append(list);
    } else {
      found.append(node("p", "sc-sub", T.nothing_found));
    }
    box.append(found);
    return box;
  }

  const RENDER = { "iot.figures": iotPanel, "video.figures": videoPanel, "cases.patrols": patrolsPanel };

  function showPanels(body) {
    const side = [];
    body.panels.forEach(function (p) {
      if (p.error) {
        const box = node("section", "sc-panel is-failed");
        box.append(node("h3", "sc-panel-title", p.title), node("p", "sc-sub", T.failed));
        side.push(box);
      } else if (p.key === "cases.figures") {
        casesPanel(p.data);
      } else {
        const box = (RENDER[p.key] || genericPanel)(p);
        box.dataset.panel = p.key;
        side.push(box);
      }
    });
    document.getElementById("sc-panels").replaceChildren(...side);
    crumbs(body.breadcrumb);
  }

  function crumbs(list) {
    const nav = document.getElementById("sc-crumbs");
    const parts = [];
    list.forEach(function (c, i) {
      if (i) parts.push(node("span", "sc-crumb-sep", "›"));
      if (i === list.length - 1) {
        const here = node("span", "sc-crumb is-here", c.name);
        here.setAttribute("aria-current", "page");
        parts.push(here);
      } else {
        const b = node("button", "sc-crumb", c.name);
        b.type = "button";
        b.addEventListener("click", () => go(c.unit));
        parts.push(b);
      }
    });
    nav.replaceChildren(...parts);
  }

  // the first answer of the page's head (ops-screen-start.js) for the home unit, once; else ask
  const started = window.CityopsScreenStart || {};
  function first(kind, url) {
    const answer = started[kind];
    started[kind] = null;
    return answer && started.unit === state.unit ? answer : M.getJSON(url);
  }

  function loadFigures() {
    return first("figures", root.dataset.figuresUrl + "?unit=" + encodeURIComponent(state.unit)).then(showPanels);
  }

  // ---- the map --------------------------------------------------------------------------------------

  const mapEl = document.getElementById("sc-map");
  const map = M.baseMap(mapEl, { zoomControl: false, attributionControl: true });
  let drawn = null;
  let points = [];
  let control = null;
  let lastMap = null;

  function shade(n, max) {
    if (!n) return "#1b3a5a";
    const t = Math.min(1, n / Math.max(1, max));
    const stops = state.colour === "overdue" ? ["#7a3b00", "#ff4d4f"] : ["#0f6a8a", "#ffb020"];
    return t < 0.5 ? stops[0] : stops[1];
  }

  function nextLevel(props) {
    const level = state.unit.split(":")[0];
    const at = LEVELS.indexOf(level);
    if (at === 0) return "area:" + props.area;
    if (at === 1) return "village:" + props.parent;
    if (at === 2) return "grid:" + props.code;
    return null;
  }

  function drawMap(body) {
    lastMap = body;
    if (drawn) {
      drawn.overlay.remove();
      map.off("zoomend overlayadd", drawn.update); // else it keeps every old layer alive
    }
    points.forEach((l) => l.remove());
    points = [];
    if (control) control.remove();
    const key = state.colour;
    const max = Math.max(1, ...body.features.map((f) => f.properties[key]));
    drawn = M.townLayers(map, body.features, {
      style: function (f) {
        return { fillColor: shade(f.properties[key], max), fillOpacity: 0.75, color: "#8fb3d9", weight: 1 };
      },
      borderStyle: { color: "#d6e4f0", weight: 2.5 },
      onEachFeature: function (f, layer) {
        layer.on("click", function () {
          const next = nextLevel(f.properties);
          if (next) go(next);
        });
      },
    });
    // no zoom animation: the unit is marked drawn (data-unit) only once its grids stand still under a
    // click, and a wall screen gains nothing from a glide
    if (drawn.grids.getLayers().length) map.fitBounds(drawn.grids.getBounds(), { padding: [10, 10], animate: false });
    drawn.update();
    if (body.cases) {
      const overlays = {};
      overlays[T.layer_cases] = pointLayer(body.cases, (c) => (c.overdue ? "#ff4d4f" : "#ffb020"), (c) => c.number + " " + c.item);
      overlays[T.layer_sensors] = pointLayer(body.sensors, (d) => (d.alarm ? "#ff4d4f" : d.online ? "#4ea1ff" : "#6b7a8c"), (d) => d.name);
      overlays[T.layer_cameras] = pointLayer(body.cameras, (c) => (c.health === "online" ? "#52d18b" : c.health === "offline" ? "#ff4d4f" : "#6b7a8c"), (c) => c.name);
      // a name only when the server sent one (the roles that direct patrols); else who stays unsaid
      overlays[T.layer_inspectors] = pointLayer(body.inspectors || [], (i) => (i.recent && i.on_patrol ? "#b37feb" : "#6b7a8c"), (i) => (i.name || T.inspector) + " · " + i.grid + " · " + i.at.slice(11, 16) + (i.on_patrol ? "" : " · " + T.checked_out));
      control = M.layersControl(map, overlays);
    }
    mapEl.dataset.ready = "true";
    mapEl.dataset.unit = body.unit;
  }

  function pointLayer(rows, colour, label) {
    const layer = L.layerGroup(
      rows.map((r) =>
        L.circleMarker([r.lat, r.lon], { pane: "points", radius: 6, color: "#0b1624", weight: 1.5, fillColor: colour(r), fillOpacity: 1 }).bindTooltip(label(r))
      )
    ).addTo(map);
    points.push(layer);
    return layer;
  }

  function loadMap() {
    return first("map", root.dataset.mapUrl + "?unit=" + encodeURIComponent(state.unit)).then(drawMap, function () {
      mapEl.dataset.error = T.map_failed;
    });
  }

  document.querySelectorAll(".sc-toggle button").forEach(function (b) {
    b.addEventListener("click", function () {
      state.colour = b.dataset.colour;
      document.querySelectorAll(".sc-toggle button").forEach(function (o) {
        o.classList.toggle("is-on", o === b);
        o.setAttribute("aria-pressed", String(o === b));
      });
      document.getElementById("sc-map-title").textContent = b.dataset.colour === "overdue" ? T.overdue_now : T.layer_cases;
      if (lastMap) drawMap(lastMap);
    });
  });

  function go(unit) {
    state.unit = unit;
    root.dataset.unit = unit;
    loadFigures();
    loadMap();
  }

  // ---- the live feed --------------------------------------------------------------------------------

  const feed = document.getElementById("sc-feed");

  function line(ev) {
    if (state.seen.has(ev.id)) return;
    state.seen.add(ev.id);
    const li = node("li", "sc-line sev-" + ev.severity);
    li.dataset.id = ev.id;
    li.dataset.kind = ev.kind;
    const at = node("time", "sc-line-at", ev.at.slice(11, 19));
    at.dateTime = ev.at;
    const title = ev.link ? node("a", "sc-line-title", ev.title) : node("span", "sc-line-title", ev.title);
    if (ev.link) title.href = ev.link;
    li.append(at, title);
    // lines arrive in id order, save for a late one: keep the list newest first by id
    let before = feed.firstElementChild;
    while (before && Number(before.dataset.id) > ev.id) before = before.nextElementSibling;
    feed.insertBefore(li, before);
    while (feed.children.length > FEED_MAX) {
      state.seen.delete(Number(feed.lastElementChild.dataset.id));
      feed.lastElementChild.remove();
    }
  }

  function loadFeed() {
    return first("feed", root.dataset.feedUrl).then(function (body) {
      feed.replaceChildren();
      state.seen.clear();
      body.events.forEach(line);
      state.lastId = Math.max(state.lastId, body.last_id);
    });
  }

  let refreshTimer = null;
  function refreshSoon() {
    if (refreshTimer) return;
    refreshTimer = setTimeout(function () {
      refreshTimer = null;
      loadFigures();
      loadMap();
    }, 5000);
  }

  let watchdog = null;
  let retry = null;
  function alive() {
    clearTimeout(watchdog);
    watchdog = setTimeout(function () {
      setState("stale");
      reconnect(0);
    }, WATCHDOG_MS);
  }

  function reconnect(delay) {
    if (state.es) state.es.close();
    state.es = null;
    clearTimeout(retry);
    retry = setTimeout(connect, delay);
  }

  function connect() {
    const es = new EventSource(root.dataset.eventsUrl + "?last=" + state.lastId);
    state.es = es;
    es.onopen = function () {
      setState("live");
      alive();
    };
    es.onmessage = function (e) {
      alive();
      const ev = JSON.parse(e.data);
      state.lastId = Math.max(state.lastId, ev.id);
      line(ev);
      refreshSoon();
    };
    es.addEventListener("ping", alive);
    es.addEventListener("reset", function (e) {
      state.lastId = Number(e.lastEventId) || state.lastId;
      loadFeed();
      loadFigures();
      loadMap();
    });
    es.addEventListener("bye", function () {
      reconnect(0); // the server ends each stream after a while: continue at once, nothing missed
    });
    es.onerror = function () {
      // a refused or broken connection: stale until a new one opens; try again with the last id
      if (es !== state.es) return;
      setState("stale");
      reconnect(3000);
    };
  }

  window.addEventListener("resize", function () {
    state.charts.forEach((c) => c.resize());
    map.invalidateSize();
  });

  // rollup figures and patrol positions move without a feed line: read them again every minute
  setInterval(function () {
    loadFigures();
    loadMap();
  }, REFRESH_MS);

  loadFigures();
  loadMap();
  loadFeed().then(connect, connect);
})();
