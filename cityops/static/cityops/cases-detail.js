// The small map of a case: its point over its grid's polygon (from cityops' own geography API).
(function () {
  "use strict";

  const el = document.getElementById("case-map");
  if (!el || typeof L === "undefined") return;

  function text(value) {
    const span = document.createElement("span");
    span.textContent = value || "";
    return span;
  }

  const lat = parseFloat(el.dataset.lat);
  const lon = parseFloat(el.dataset.lon);
  const maxZoom = parseInt(el.dataset.maxZoom, 10) || 18;
  const map = L.map(el, { zoomSnap: 0.5, maxZoom: maxZoom, scrollWheelZoom: false }).setView([lat, lon], 16);
  map.attributionControl.setPrefix("Leaflet");
  if (el.dataset.tileUrl) {
    L.tileLayer(el.dataset.tileUrl, { maxZoom: maxZoom, attribution: el.dataset.tileAttribution || "" }).addTo(map);
  }
  const point = L.circleMarker([lat, lon], {
    radius: 9,
    color: "#ffffff",
    weight: 2.5,
    fillColor: "#cf1322",
    fillOpacity: 1,
    className: "case-point",
  })
    .bindTooltip(text(el.dataset.label), { direction: "top", offset: [0, -8] })
    .addTo(map);

  fetch(el.dataset.gridUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
    .then(function (resp) {
      return resp.ok ? resp.json() : null;
    })
    .then(function (feature) {
      if (feature) {
        const grid = L.geoJSON(feature, {
          style: { color: "#0b3a6e", weight: 2, fillColor: "#5b8ff9", fillOpacity: 0.15, dashArray: "4 3" },
          interactive: false,
        }).addTo(map);
        grid.bindTooltip(text(feature.properties.name), { permanent: false });
        map.fitBounds(grid.getBounds().extend(point.getLatLng()), { padding: [18, 18], maxZoom: 17 });
        point.bringToFront();
      }
      el.dataset.ready = "true";
    })
    .catch(function () {
      el.dataset.ready = "true";
    });
})();
