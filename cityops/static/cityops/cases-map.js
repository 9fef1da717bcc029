// The case map: open cases in scope, clustered and coloured by their deadline colour, over the
// grids; the filters on the side reload the points. Everything comes from cityops itself.
(function () {
  "use strict";

  const el = document.getElementById("case-map");
  if (!el || typeof L === "undefined" || !L.markerClusterGroup || !window.CityopsMap) return;

  const T = JSON.parse(document.getElementById("casemap-i18n").textContent);
  const COLOURS = {};
  JSON.parse(document.getElementById("casemap-colours").textContent).forEach(function (c) {
    COLOURS[c.value] = c;
  });
  const RANK = { red: 3, yellow: 2, green: 1, none: 0 };
  const filters = document.getElementById("casemap-filters");
  const summary = document.getElementById("casemap-summary");
  const statusBox = document.getElementById("map-status");
  const htmlLang = document.documentElement.lang || "zh-hans";
  const numbers = new Intl.NumberFormat(htmlLang === "zh-hans" ? "zh-CN" : htmlLang);

  const map = CityopsMap.baseMap(el);
  const node = CityopsMap.node;
  const showStatus = CityopsMap.statusLine(statusBox);

  const clusters = L.markerClusterGroup({
    showCoverageOnHover: false,
    maxClusterRadius: 45,
    spiderfyOnMaxZoom: true,
    iconCreateFunction: function (cluster) {
      let worst = "none";
      cluster.getAllChildMarkers().forEach(function (m) {
        if (RANK[m.options.colourKey] > RANK[worst]) worst = m.options.colourKey;
      });
      const n = cluster.getChildCount();
      const size = n < 10 ? 34 : n < 100 ? 40 : 46;
      return L.divIcon({
        html: node("span", null, numbers.format(n)),
        className: "case-cluster case-cluster-" + worst,
        iconSize: L.point(size, size),
      });
    },
  });
  map.addLayer(clusters);

  function popup(p) {
    const box = node("div", "case-popup");
    const title = node("h3", null, p.i);
    box.appendChild(title);
    const line = node("div", "case-popup-line");
    line.appendChild(node("span", "case-number", p.n));
    const badge = node("span", "badge", p.s);
    badge.style.setProperty("--c", p.sc);
    line.appendChild(badge);
    box.appendChild(line);
    box.appendChild(node("div", "muted", p.g));
    if (p.d) {
      const due = node("div", "case-popup-due");
      const dot = node("span", "dot");
      dot.style.setProperty("--dot", (COLOURS[p.c] || COLOURS.none).colour);
      due.appendChild(dot);
      due.appendChild(document.createTextNode(" " + T.deadline + " " + p.d));
      box.appendChild(due);
    }
    const link = node("a", "btn btn-small btn-primary", T.open);
    link.href = el.dataset.detailUrl.replace("__number__", encodeURIComponent(p.n));
    box.appendChild(link);
    return box;
  }

  function marker(p) {
    const colour = COLOURS[p.c] ? p.c : "none";
    return L.marker([p.lat, p.lon], {
      colourKey: colour,
      title: p.n + " " + p.i,
      icon: L.divIcon({ className: "case-pin case-pin-" + colour, iconSize: L.point(16, 16) }),
    }).bindPopup(function () {
      return popup(p);
    }, { minWidth: 200 });
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
        const counts = { red: 0, yellow: 0, green: 0, none: 0 };
        const markers = body.points.map(function (p) {
          counts[COLOURS[p.c] ? p.c : "none"] += 1;
          return marker(p);
        });
        clusters.addLayers(markers);
        document.querySelectorAll("[data-colour-count]").forEach(function (span) {
          span.textContent = numbers.format(counts[span.dataset.colourCount] || 0);
        });
        summary.textContent = CityopsMap.summaryText(T, body, numbers);
        if (!first && markers.length) map.fitBounds(clusters.getBounds(), { padding: [30, 30], maxZoom: 16 });
        first = false;
        el.dataset.points = String(markers.length);
        el.dataset.ready = "true";
      })
      .catch(function (err) {
        showStatus(T.loadFailed + ": " + err.message);
        el.dataset.ready = "true";
      });
  }

  function loadGrids() {
    return CityopsMap.gridsUnder(map, el.dataset.gridsUrl, clusters, { grids: T.grids, points: T.cases }, "grid-hover");
  }

  filters.addEventListener("change", load);
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
