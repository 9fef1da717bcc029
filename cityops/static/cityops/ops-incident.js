// The incident map: the affected grids, where it started, and the sensors (latest readings), cameras
// (health) and resources near it, all from the page's own JSON (no request of its own).
(function () {
  "use strict";
  const el = document.getElementById("incident-map");
  const source = document.getElementById("incident-map-data");
  if (!el || !source || !window.CityopsMap) return;
  const data = JSON.parse(source.textContent);
  const map = CityopsMap.baseMap(el, { center: [data.incident.lat, data.incident.lon], zoom: 15 });
  const grids = L.geoJSON(data.grids, {
    style: { color: "#a8071a", weight: 2, fillColor: "#ff4d4f", fillOpacity: 0.22, dashArray: "5 4" },
    onEachFeature: function (feature, layer) {
      layer.bindTooltip(feature.properties.name, { sticky: true });
    },
  }).addTo(map);

  // A tooltip of a name and lines, built as DOM nodes so that no name is read as markup.
  function tip(item) {
    const box = CityopsMap.node("div", "em-tip");
    box.appendChild(CityopsMap.node("strong", "", item.label));
    (item.lines || []).forEach(function (line) {
      box.appendChild(CityopsMap.node("div", "", line));
    });
    return box;
  }
  function points(items, colour, radius) {
    return L.layerGroup(
      items.map(function (item) {
        return L.circleMarker([item.lat, item.lon], {
          pane: "points", radius: radius, color: "#ffffff", weight: 2, fillColor: item.colour || colour, fillOpacity: 1,
        }).bindTooltip(tip(item), { direction: "top", offset: [0, -6] });
      })
    ).addTo(map);
  }
  const T = el.dataset;
  const overlays = {};
  overlays[T.labelGrids] = grids;
  overlays[T.labelSensors] = points(data.sensors, "#0050b3", 7);
  overlays[T.labelCameras] = points(data.cameras, "#237804", 6);
  overlays[T.labelResources] = points(data.resources, "#531dab", 7);
  L.circleMarker([data.incident.lat, data.incident.lon], {
    pane: "points", radius: 11, color: "#ffffff", weight: 3, fillColor: data.incident.colour, fillOpacity: 1,
  }).bindTooltip(data.incident.title, { direction: "top", offset: [0, -9] }).addTo(map);
  CityopsMap.layersControl(map, overlays);
  if (grids.getLayers().length) map.fitBounds(grids.getBounds(), { padding: [30, 30], maxZoom: 16 });
  el.dataset.ready = "true";
})();

// The task board polls for changes; a poll must not wipe a status being chosen or a reason being
// typed in it, so while one is, the poll is skipped (the next one after it goes ahead).
(function () {
  document.body.addEventListener("htmx:beforeRequest", function (evt) {
    const board = evt.detail.elt;
    if (!board || board.id !== "task-board") return;
    const focused = board !== document.activeElement && board.contains(document.activeElement);
    const typed = Array.from(board.querySelectorAll("input[name=reason]")).some((i) => i.value.trim() !== "");
    const chosen = Array.from(board.querySelectorAll("select[name=status]")).some((s) => s.selectedIndex > 0);
    if (focused || typed || chosen) evt.preventDefault();
  });
})();
