// The report forms (inspector's phone page and the residents' page): the position from the GPS,
// with a visible status, or from a tap on a small map of the grids when there is no GPS.
(function () {
  "use strict";

  const form = document.querySelector("[data-report-form]");
  const mapEl = document.getElementById("report-map");
  if (!form || !mapEl || !window.CityopsMap) return;

  const T = JSON.parse(document.getElementById("report-i18n").textContent);
  const lonInput = document.getElementById("report-lon");
  const latInput = document.getElementById("report-lat");
  const statusText = document.getElementById("gps-status");
  const statusBox = statusText.closest(".gps");

  const map = CityopsMap.baseMap(mapEl, { scrollWheelZoom: false });
  let marker = null;
  let placed = false;
  let grids = null; // the town's grid features, once loaded
  let town = null; // and their layers

  // The dot says which grid (and village) it is in, so the reporter can check the place at a glance.
  function nameThePlace() {
    if (!marker || !grids) return;
    const at = marker.getLatLng();
    const grid = CityopsMap.gridAt(grids, at.lat, at.lng);
    const p = grid ? grid.properties : null;
    const text = p ? [p.name, p.village_name].filter(Boolean).join(" · ") : T.outside;
    if (marker.getTooltip()) marker.setTooltipContent(text);
    else marker.bindTooltip(text, { permanent: true, direction: "top", offset: [0, -10], className: "report-place" });
    mapEl.dataset.grid = p ? p.code : "";
    hideCoveredLabel();
  }

  // the dot's own label names its grid: the grid's label in the middle would only repeat it
  function hideCoveredLabel() {
    if (!town) return;
    town.update();
    const layer = town.byCode[mapEl.dataset.grid];
    const tip = layer && layer.getTooltip().getElement();
    if (tip) tip.classList.add("is-hidden");
  }

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
        pane: "points",
      }).addTo(map);
    } else {
      marker.setLatLng([lat, lon]);
    }
    nameThePlace();
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

  // The town's own layers (grids with their names, village borders), so that the dot at GPS zoom
  // lands in a grid the reporter can name. They take no clicks: a tap anywhere sets the place.
  CityopsMap.fetchAll(mapEl.dataset.gridsUrl, function (body) {
    return body.features || [];
  })
    .then(function (features) {
      grids = features;
      town = CityopsMap.townLayers(map, features, { interactive: false, style: { fillOpacity: 0.35 } });
      map.on("zoomend", hideCoveredLabel);
      if (!placed && features.length) map.fitBounds(town.grids.getBounds(), { padding: [8, 8] });
      else if (!placed) map.setView([22.9, 113.8], 13);
      if (marker) nameThePlace();
      else town.update();
      mapEl.dataset.grids = String(features.length);
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
