// The report forms (inspector's phone page and the residents' page): the position from the GPS,
// with a visible status, or from a tap on a small map of the grids when there is no GPS.
(function () {
  "use strict";

  const form = document.querySelector("[data-report-form]");
  const mapEl = document.getElementById("report-map");
  if (!form || !mapEl || typeof L === "undefined") return;

  const T = JSON.parse(document.getElementById("report-i18n").textContent);
  function text(value) {
    const span = document.createElement("span");
    span.textContent = value || "";
    return span;
  }

  const lonInput = document.getElementById("report-lon");
  const latInput = document.getElementById("report-lat");
  const statusText = document.getElementById("gps-status");
  const statusBox = statusText.closest(".gps");
  const maxZoom = parseInt(mapEl.dataset.maxZoom, 10) || 18;

  const map = L.map(mapEl, { zoomSnap: 0.5, maxZoom: maxZoom, scrollWheelZoom: false });
  map.attributionControl.setPrefix("Leaflet");
  if (mapEl.dataset.tileUrl) {
    L.tileLayer(mapEl.dataset.tileUrl, { maxZoom: maxZoom, attribution: mapEl.dataset.tileAttribution || "" }).addTo(map);
  }
  let marker = null;
  let placed = false;

  function setState(state, text) {
    statusBox.dataset.state = state;
    statusText.textContent = text;
  }

  function place(lat, lon) {
    lonInput.value = lon.toFixed(7);
    latInput.value = lat.toFixed(7);
    placed = true;
    if (!marker) {
      marker = L.circleMarker([lat, lon], {
        radius: 10,
        color: "#ffffff",
        weight: 3,
        fillColor: "#cf1322",
        fillOpacity: 1,
        className: "report-point",
      }).addTo(map);
    } else {
      marker.setLatLng([lat, lon]);
    }
    mapEl.dataset.placed = "true";
  }

  function locate() {
    if (!navigator.geolocation) {
      setState("failed", T.unsupported);
      return;
    }
    setState("pending", T.locating);
    navigator.geolocation.getCurrentPosition(
      function (pos) {
        place(pos.coords.latitude, pos.coords.longitude);
        map.setView([pos.coords.latitude, pos.coords.longitude], Math.max(map.getZoom() || 0, 16));
        setState("ok", T.located.replace("{m}", String(Math.max(1, Math.round(pos.coords.accuracy)))));
      },
      function (err) {
        setState("failed", err && err.code === 1 ? T.denied : T.failed);
      },
      { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 },
    );
  }

  map.on("click", function (evt) {
    place(evt.latlng.lat, evt.latlng.lng);
    setState("ok", T.picked);
  });

  fetch(mapEl.dataset.gridsUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
    .then(function (resp) {
      return resp.ok ? resp.json() : { features: [] };
    })
    .then(function (body) {
      const grids = L.geoJSON(body.features || [], {
        style: { color: "#0b3a6e", weight: 1, fillColor: "#5b8ff9", fillOpacity: 0.12 },
        onEachFeature: function (feature, layer) {
          layer.bindTooltip(text(feature.properties.name), { sticky: true });
        },
      }).addTo(map);
      if (!placed && grids.getLayers().length) map.fitBounds(grids.getBounds(), { padding: [8, 8] });
      else if (!placed) map.setView([22.9, 113.8], 13);
      if (marker) marker.bringToFront();
      mapEl.dataset.ready = "true";
    })
    .catch(function () {
      if (!placed) map.setView([22.9, 113.8], 13);
      mapEl.dataset.ready = "true";
    });

  if (lonInput.value && latInput.value) {
    place(parseFloat(latInput.value), parseFloat(lonInput.value));
    map.setView([parseFloat(latInput.value), parseFloat(lonInput.value)], 16);
    setState("ok", T.picked);
  } else {
    locate();
  }
  form.querySelector("[data-locate]").addEventListener("click", locate);
})();
