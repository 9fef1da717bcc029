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

  window.CityopsMap = { baseMap: baseMap, node: node, statusLine: statusLine };
})();
