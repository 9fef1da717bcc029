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
        html: "<span>" + numbers.format(n) + "</span>",
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
    return fetch(el.dataset.pointsUrl + "?" + params.toString(), {
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    })
      .then(function (resp) {
        if (!resp.ok) throw new Error(String(resp.status));
        return resp.json();
      })
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
        if (!body.points.length) summary.textContent = T.none;
        else if (body.shown < body.total)
          summary.textContent = T.capped.replace("{shown}", numbers.format(body.shown)).replace("{total}", numbers.format(body.total));
        else summary.textContent = T.summary.replace("{shown}", numbers.format(body.shown));
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
    return fetch(el.dataset.gridsUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (resp) {
        if (!resp.ok) throw new Error(String(resp.status));
        return resp.json();
      })
      .then(function (body) {
        const grids = L.geoJSON(body.features, {
          style: { color: "#7b8fa6", weight: 1, fillColor: "#dde6f0", fillOpacity: 0.45 },
          onEachFeature: function (feature, layer) {
            layer.bindTooltip(node("span", null, feature.properties.name), { sticky: true, className: "grid-hover" });
          },
        }).addTo(map);
        grids.bringToBack();
        if (grids.getLayers().length) map.fitBounds(grids.getBounds(), { padding: [20, 20] });
        const overlays = {};
        overlays[T.grids] = grids;
        overlays[T.cases] = clusters;
        L.control.layers({}, overlays, { collapsed: window.innerWidth < 700 }).addTo(map);
      });
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
