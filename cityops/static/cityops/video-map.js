// The camera map: cameras in service in scope, clustered, coloured by health, over the grids.
// A cluster takes the colour of its worst member, so one offline camera among a hundred still shows.
(function () {
  "use strict";

  const el = document.getElementById("camera-map");
  if (!el || typeof L === "undefined" || !L.markerClusterGroup || !window.CityopsMap) return;

  const T = JSON.parse(document.getElementById("vmap-i18n").textContent);
  const LEGEND = JSON.parse(document.getElementById("vmap-legend-data").textContent).health;
  const RANK = { offline: 3, unknown: 2, online: 1 }; // worse first
  const filters = document.getElementById("vmap-filters");
  const summary = document.getElementById("vmap-summary");
  const legendList = document.getElementById("vmap-legend-items");
  const htmlLang = document.documentElement.lang || "zh-hans";
  const numbers = new Intl.NumberFormat(htmlLang === "zh-hans" ? "zh-CN" : htmlLang);
  const map = CityopsMap.baseMap(el);
  const node = CityopsMap.node;
  const showStatus = CityopsMap.statusLine(document.getElementById("map-status"));

  function entry(key) {
    return LEGEND.find((c) => c.value === key) || { label: key, colour: "#595959" };
  }

  const clusters = L.markerClusterGroup({
    showCoverageOnHover: false,
    maxClusterRadius: 45,
    spiderfyOnMaxZoom: true,
    chunkedLoading: true,
    iconCreateFunction: function (cluster) {
      let worst = "online";
      cluster.getAllChildMarkers().forEach(function (m) {
        const h = m.options.point.h;
        if ((RANK[h] || 0) > (RANK[worst] || 0)) worst = h;
      });
      const n = cluster.getChildCount();
      const size = n < 10 ? 34 : n < 100 ? 40 : 46;
      const count = node("span", null, numbers.format(n));
      count.style.setProperty("--c", entry(worst).colour);
      return L.divIcon({ html: count, className: "dev-cluster dev-cluster-" + worst, iconSize: L.point(size, size) });
    },
  });
  map.addLayer(clusters);

  function popup(p) {
    const box = node("div", "dev-popup");
    box.appendChild(node("h3", null, p.n));
    const line = node("div", "dev-popup-line");
    line.appendChild(node("span", "device-code", p.c));
    box.appendChild(line);
    const badges = node("div", "dev-popup-line");
    const health = node("span", "badge", entry(p.h).label);
    health.style.setProperty("--c", entry(p.h).colour);
    badges.appendChild(health);
    badges.appendChild(node("span", "muted", p.p));
    box.appendChild(badges);
    box.appendChild(node("div", "muted", p.s + " · " + p.v + " " + p.g));
    const open = node("a", "btn btn-small btn-primary", T.open);
    open.href = el.dataset.channelUrl.replace("__id__", encodeURIComponent(p.c));
    box.appendChild(open);
    return box;
  }

  function marker(p) {
    const pin = node("span");
    pin.style.setProperty("--c", entry(p.h).colour);
    const icon = L.divIcon({ className: "dev-pin dev-pin-" + p.h, html: pin, iconSize: L.point(14, 14) });
    return L.marker([p.lat, p.lon], { point: p, title: p.c + " " + p.n, icon: icon }).bindPopup(
      function () {
        return popup(p);
      },
      { minWidth: 220 },
    );
  }

  function drawLegend(points) {
    const counts = {};
    points.forEach(function (p) {
      counts[p.h] = (counts[p.h] || 0) + 1;
    });
    legendList.textContent = "";
    LEGEND.forEach(function (c) {
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

  let first = true;
  let seq = 0;

  function load() {
    const params = new URLSearchParams(new FormData(filters));
    const mine = ++seq;
    el.dataset.ready = "false";
    return CityopsMap.getJSON(el.dataset.pointsUrl + "?" + params.toString())
      .then(function (body) {
        if (mine !== seq) return;
        showStatus("");
        clusters.clearLayers();
        clusters.addLayers(body.points.map(marker));
        drawLegend(body.points);
        summary.textContent = CityopsMap.summaryText(T, body, numbers);
        if (!first && body.points.length) map.fitBounds(clusters.getBounds(), { padding: [30, 30], maxZoom: 16 });
        first = false;
        el.dataset.points = String(body.points.length);
        el.dataset.ready = "true";
      })
      .catch(function (err) {
        showStatus(T.loadFailed + ": " + err.message);
        el.dataset.ready = "true";
      });
  }

  filters.addEventListener("change", load);
  filters.addEventListener("submit", function (evt) {
    evt.preventDefault();
    load();
  });
  CityopsMap.gridsUnder(map, el.dataset.gridsUrl, clusters, { grids: T.grids, points: T.cameras })
    .catch(function (err) {
      showStatus(T.loadFailed + ": " + err.message);
    })
    .then(load);
})();
