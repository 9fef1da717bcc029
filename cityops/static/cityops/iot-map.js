// The device map: devices in scope, clustered, coloured by connectivity or status, over the grids.
// A cluster takes the colour of its worst member, so one offline sensor in a hundred still shows.
(function () {
  "use strict";

  const el = document.getElementById("device-map");
  if (!el || typeof L === "undefined" || !L.markerClusterGroup || !window.CityopsMap) return;

  const T = JSON.parse(document.getElementById("devmap-i18n").textContent);
  const LEGEND = JSON.parse(document.getElementById("devmap-legend-data").textContent);
  // worse first: what a duty officer must see through a cluster
  const RANK = {
    connectivity: { offline: 3, never: 2, online: 1 },
    status: { maintenance: 3, retired: 2, active: 1 },
  };
  const filters = document.getElementById("devmap-filters");
  const colourBy = document.getElementById("m-colour");
  const summary = document.getElementById("devmap-summary");
  const legendList = document.getElementById("devmap-legend-items");
  const statusBox = document.getElementById("map-status");
  const htmlLang = document.documentElement.lang || "zh-hans";
  const numbers = new Intl.NumberFormat(htmlLang === "zh-hans" ? "zh-CN" : htmlLang);

  const map = CityopsMap.baseMap(el);
  const node = CityopsMap.node;
  const showStatus = CityopsMap.statusLine(statusBox);

  function mode() {
    return colourBy.value === "status" ? "status" : "connectivity";
  }

  function colourIn(list, key) {
    const found = LEGEND[list].find(function (c) {
      return c.value === key;
    });
    return found ? found.colour : "#8c8c8c";
  }

  function colourOf(key) {
    return colourIn(mode(), key);
  }

  function labelOf(list, key) {
    const found = LEGEND[list].find(function (c) {
      return c.value === key;
    });
    return found ? found.label : key;
  }

  const clusters = L.markerClusterGroup({
    showCoverageOnHover: false,
    maxClusterRadius: 45,
    spiderfyOnMaxZoom: true,
    chunkedLoading: true,
    iconCreateFunction: function (cluster) {
      const rank = RANK[mode()];
      let worst = null;
      cluster.getAllChildMarkers().forEach(function (m) {
        const key = m.options.point[mode() === "status" ? "s" : "k"];
        if (worst === null || (rank[key] || 0) > (rank[worst] || 0)) worst = key;
      });
      const n = cluster.getChildCount();
      const size = n < 10 ? 34 : n < 100 ? 40 : 46;
      const count = node("span", null, numbers.format(n));
      count.style.setProperty("--c", colourOf(worst));
      return L.divIcon({
        html: count,
        className: "dev-cluster dev-cluster-" + worst,
        iconSize: L.point(size, size),
      });
    },
  });
  map.addLayer(clusters);

  function popup(p) {
    const box = node("div", "dev-popup");
    box.appendChild(node("h3", null, p.n));
    const line = node("div", "dev-popup-line");
    line.appendChild(node("span", "device-code", p.c));
    line.appendChild(node("span", "muted", p.t));
    box.appendChild(line);
    const badges = node("div", "dev-popup-line");
    const link = node("span", "badge", labelOf("connectivity", p.k));
    link.style.setProperty("--c", colourIn("connectivity", p.k));
    const status = node("span", "badge", labelOf("status", p.s));
    status.style.setProperty("--c", colourIn("status", p.s));
    badges.appendChild(link);
    badges.appendChild(status);
    box.appendChild(badges);
    box.appendChild(node("div", "muted", p.g + " · " + T.lastReading + " " + (p.l || T.never)));
    const open = node("a", "btn btn-small btn-primary", T.open);
    open.href = el.dataset.detailUrl.replace("__code__", encodeURIComponent(p.c));
    box.appendChild(open);
    return box;
  }

  function pinIcon(p) {
    const key = mode() === "status" ? p.s : p.k;
    const pin = node("span");
    pin.style.setProperty("--c", colourOf(key));
    return L.divIcon({
      className: "dev-pin dev-pin-" + key,
      html: pin,
      iconSize: L.point(14, 14),
    });
  }

  function marker(p) {
    return L.marker([p.lat, p.lon], { point: p, title: p.c + " " + p.n, icon: pinIcon(p) }).bindPopup(
      function () {
        return popup(p);
      },
      { minWidth: 220 }
    );
  }

  let points = [];

  function drawLegend() {
    const counts = {};
    const key = mode() === "status" ? "s" : "k";
    points.forEach(function (p) {
      counts[p[key]] = (counts[p[key]] || 0) + 1;
    });
    legendList.textContent = "";
    LEGEND[mode()].forEach(function (c) {
      const li = node("li");
      const dot = node("span", "dot");
      dot.style.setProperty("--dot", c.colour);
      li.appendChild(dot);
      li.appendChild(document.createTextNode(c.label));
      const n = node("span", "legend-n", numbers.format(counts[c.value] || 0));
      n.dataset.legendCount = c.value;
      li.appendChild(n);
      legendList.appendChild(li);
    });
  }

  function draw() {
    clusters.clearLayers();
    clusters.addLayers(points.map(marker));
    drawLegend();
  }

  let first = true;
  let seq = 0;

  function load() {
    const params = new URLSearchParams(new FormData(filters));
    params.delete("colour_by");
    const mine = ++seq;
    el.dataset.ready = "false";
    return CityopsMap.getJSON(el.dataset.pointsUrl + "?" + params.toString())
      .then(function (body) {
        if (mine !== seq) return;
        showStatus("");
        points = body.points;
        draw();
        summary.textContent = CityopsMap.summaryText(T, body, numbers);
        if (!first && points.length) map.fitBounds(clusters.getBounds(), { padding: [30, 30], maxZoom: 16 });
        first = false;
        el.dataset.points = String(points.length);
        el.dataset.ready = "true";
      })
      .catch(function (err) {
        showStatus(T.loadFailed + ": " + err.message);
        el.dataset.ready = "true";
      });
  }

  function loadGrids() {
    return CityopsMap.gridsUnder(map, el.dataset.gridsUrl, clusters, { grids: T.grids, points: T.devices });
  }

  filters.addEventListener("change", function (evt) {
    if (evt.target === colourBy) draw();
    else load();
  });
  let typing = null;
  filters.addEventListener("input", function (evt) {
    if (evt.target.name !== "q") return;
    clearTimeout(typing);
    typing = setTimeout(load, 400);
  });
  filters.addEventListener("submit", function (evt) {
    evt.preventDefault();
    load();
  });
  loadGrids()
    .catch(function (err) {
      showStatus(T.loadFailed + ": " + err.message);
    })
    .then(load);
})();
