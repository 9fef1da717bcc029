// What the cityops maps share: a Leaflet map on an element, with the scale and, when the page names
// one, the intranet tile layer (the data-tile-* attributes of map_page.html); and two DOM helpers.
(function () {
  "use strict";

  function baseMap(el) {
    const maxZoom = parseInt(el.dataset.maxZoom, 10) || 18;
    const map = L.map(el, { zoomSnap: 0.5, maxZoom: maxZoom });
    map.attributionControl.setPrefix("Leaflet");
    L.control.scale({ imperial: false }).addTo(map);
    if (el.dataset.tileUrl) {
      L.tileLayer(el.dataset.tileUrl, { maxZoom: maxZoom, attribution: el.dataset.tileAttribution || "" }).addTo(map);
    }
    map.fitWorld();
    return map;
  }

  function node(tag, className, text) {
    const n = document.createElement(tag);
    if (className) n.className = className;
    if (text !== undefined && text !== null) n.textContent = text;
    return n;
  }

  // A function that shows a message in the map's status line, or hides the line when it is empty.
  function statusLine(box) {
    return function (message) {
      box.textContent = message;
      box.hidden = !message;
    };
  }

  // GET a JSON document of cityops itself; a non-2xx answer is an error named by its status.
  function getJSON(url) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } }).then(function (resp) {
      if (!resp.ok) throw new Error(String(resp.status));
      return resp.json();
    });
  }

  // "{shown} …", "the {shown} most urgent of {total} …" or "none": the summary line of a points layer.
  function summaryText(T, body, numbers) {
    if (!body.points.length) return T.none;
    if (body.shown < body.total) {
      return T.capped.replace("{shown}", numbers.format(body.shown)).replace("{total}", numbers.format(body.total));
    }
    return T.summary.replace("{shown}", numbers.format(body.shown));
  }

  // The grids under a points layer, the view fitted to them, and a control to hide either layer.
  function gridsUnder(map, gridsUrl, points, labels, tooltipClass) {
    return getJSON(gridsUrl).then(function (body) {
      const grids = L.geoJSON(body.features, {
        style: { color: "#7b8fa6", weight: 1, fillColor: "#dde6f0", fillOpacity: 0.45 },
        onEachFeature: function (feature, layer) {
          const options = { sticky: true };
          if (tooltipClass) options.className = tooltipClass;
          layer.bindTooltip(node("span", null, feature.properties.name), options);
        },
      }).addTo(map);
      grids.bringToBack();
      if (grids.getLayers().length) map.fitBounds(grids.getBounds(), { padding: [20, 20] });
      const overlays = {};
      overlays[labels.grids] = grids;
      overlays[labels.points] = points;
      L.control.layers({}, overlays, { collapsed: window.innerWidth < 700 }).addTo(map);
      return grids;
    });
  }

  window.CityopsMap = {
    baseMap: baseMap,
    node: node,
    statusLine: statusLine,
    getJSON: getJSON,
    summaryText: summaryText,
    gridsUnder: gridsUnder,
  };
})();
