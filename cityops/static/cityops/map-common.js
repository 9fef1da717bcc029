// The one Leaflet setup of cityops: every map (the town map, the case and device maps, the small
// maps of a case and a device, the report forms) is made here, with the scale, the attribution and,
// when the page names one, the town's intranet tile layer (the data-tile-* attributes of the map's
// element); and here are the town's own layers drawn from its own API: grids with their names,
// village borders and village names.
(function () {
  "use strict";

  if (typeof L === "undefined") return;

  // Leaflet writes a string given to a tooltip or a popup as HTML. Names come from the server (an
  // imported place, a grid, a device), so a string is always shown as text: markup in a name stays
  // visible characters. A caller that wants structure passes a DOM node, as before.
  if (typeof L.DivOverlay.prototype._updateContent !== "function") {
    throw new Error("map-common.js: this Leaflet has no DivOverlay._updateContent to make text-only");
  }
  L.DivOverlay.include({
    _updateContent: function () {
      if (!this._content) return;
      const content = typeof this._content === "function" ? this._content(this._source || this) : this._content;
      this._contentNode.replaceChildren(content instanceof Node ? content : String(content));
      this.fire("contentupdate");
    },
  });

  const esc = window.CityopsHTML.esc; // html.js, loaded before this file

  function baseMap(el, options) {
    const maxZoom = parseInt(el.dataset.maxZoom, 10) || 18;
    const map = L.map(el, Object.assign({ zoomSnap: 0.5, maxZoom: maxZoom }, options || {}));
    map.attributionControl.setPrefix("Leaflet");
    L.control.scale({ imperial: false }).addTo(map);
    if (el.dataset.tileUrl) {
      L.tileLayer(el.dataset.tileUrl, { maxZoom: maxZoom, attribution: el.dataset.tileAttribution || "" }).addTo(map);
    }
    // names sit above the grids but under the points, so a point is never hidden by a label
    map.createPane("gridLabels").style.zIndex = 420;
    map.createPane("points").style.zIndex = 450;
    if (!(options && options.center)) map.fitWorld();
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

  // GET a JSON document of cityops itself; a non-2xx answer is an error with the problem's detail.
  function getJSON(url) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } }).then(function (resp) {
      if (resp.ok) return resp.json();
      return resp
        .json()
        .then(
          function (body) {
            return body.detail || body.title || String(resp.status);
          },
          function () {
            return String(resp.status);
          },
        )
        .then(function (message) {
          throw new Error(message);
        });
    });
  }

  // Every page of a paged list: grids carry `paging`, other lists carry the totals at the top.
  function fetchAll(url, pick) {
    const items = [];
    const sep = url.indexOf("?") >= 0 ? "&" : "?";
    function from(page) {
      return getJSON(url + sep + "page=" + page).then(function (body) {
        items.push.apply(items, pick(body));
        return page < ((body.paging || body).pages || 1) ? from(page + 1) : items;
      });
    }
    return from(1);
  }

  // "{shown} …", "the {shown} most urgent of {total} …" or "none": the summary line of a points layer.
  function summaryText(T, body, numbers) {
    if (!body.points.length) return T.none;
    if (body.shown < body.total) {
      return T.capped.replace("{shown}", numbers.format(body.shown)).replace("{total}", numbers.format(body.total));
    }
    return T.summary.replace("{shown}", numbers.format(body.shown));
  }

  // A stable colour per village: the same village has the same colour for every user and page.
  const PALETTE = [
    "#5b8ff9", "#5ad8a6", "#f6bd16", "#e8684a", "#6dc8ec", "#9270ca", "#ff9d4d", "#269a99",
    "#ff99c3", "#5d7092", "#a0d911", "#c41d7f", "#36cfc9", "#d4b106", "#9254de", "#73d13d",
    "#fa541c", "#40a9ff", "#b37feb", "#7cb305",
  ];
  function fnv1a(text) {
    let h = 0x811c9dc5;
    for (let i = 0; i < text.length; i++) {
      h ^= text.charCodeAt(i);
      h = Math.imul(h, 0x01000193) >>> 0;
    }
    return h;
  }
  function villageColour(code) {
    return PALETTE[fnv1a(String(code)) % PALETTE.length];
  }

  // The layers control; Leaflet writes its names as HTML, so they are escaped here.
  function layersControl(map, overlays) {
    const named = {};
    Object.keys(overlays).forEach(function (name) {
      named[esc(name)] = overlays[name];
    });
    return L.control.layers({}, named, { collapsed: window.innerWidth < 700 }).addTo(map);
  }

  // ---- the town's own layers -------------------------------------------------------------------

  function polygonsOf(geometry) {
    if (!geometry) return [];
    if (geometry.type === "Polygon") return [geometry.coordinates];
    if (geometry.type === "MultiPolygon") return geometry.coordinates;
    return [];
  }

  function inRing(ring, lon, lat) {
    let inside = false;
    for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
      const xi = ring[i][0], yi = ring[i][1], xj = ring[j][0], yj = ring[j][1];
      if (yi > lat !== yj > lat && lon < ((xj - xi) * (lat - yi)) / (yj - yi) + xi) inside = !inside;
    }
    return inside;
  }

  // The grid feature a point lies in, or null.
  function gridAt(features, lat, lon) {
    return (
      features.find(function (f) {
        return polygonsOf(f.geometry).some(function (rings) {
          return inRing(rings[0], lon, lat) && !rings.slice(1).some((hole) => inRing(hole, lon, lat));
        });
      }) || null
    );
  }

  // The borders between villages, from the grids alone: an edge of a grid is a village border when
  // the grid on its other side is in another village, or when no grid is (the edge of the town, or
  // of what the user may see). Neighbouring grids share their vertices (the town's geography is
  // noded on import), so a shared edge is the same pair of points on both sides.
  function villageBorders(features, style) {
    const edges = new Map();
    const key = function (p) {
      return p[0].toFixed(7) + "," + p[1].toFixed(7);
    };
    features.forEach(function (f) {
      const village = f.properties.parent;
      polygonsOf(f.geometry).forEach(function (rings) {
        rings.forEach(function (ring) {
          for (let i = 0; i + 1 < ring.length; i++) {
            const a = key(ring[i]);
            const b = key(ring[i + 1]);
            if (a === b) continue;
            const k = a < b ? a + "|" + b : b + "|" + a;
            const edge = edges.get(k);
            if (edge) edge.villages.push(village);
            else edges.set(k, { from: ring[i], to: ring[i + 1], villages: [village] });
          }
        });
      });
    });
    const lines = [];
    edges.forEach(function (e) {
      if (e.villages.length === 1 || e.villages[1] !== e.villages[0]) {
        lines.push([
          [e.from[1], e.from[0]],
          [e.to[1], e.to[0]],
        ]);
      }
    });
    return L.polyline(
      lines,
      Object.assign({ color: "#243b53", weight: 2, opacity: 0.75, interactive: false, className: "village-border" }, style),
    );
  }

  // A grid's name shows only when the grid is large enough on screen to hold it.
  function labelFits(map, layer, tipEl) {
    const b = layer.getBounds();
    const sw = map.latLngToContainerPoint(b.getSouthWest());
    const ne = map.latLngToContainerPoint(b.getNorthEast());
    return ne.x - sw.x > tipEl.offsetWidth + 8 && sw.y - ne.y > tipEl.offsetHeight + 4;
  }

  // The village name goes on the centre of the grid nearest the middle of the village's grids,
  // so it always lands inside the village whatever its shape.
  function villageLabels(byCode) {
    const byVillage = {};
    Object.keys(byCode).forEach(function (code) {
      const p = byCode[code].feature.properties;
      if (!p.village_name) return;
      (byVillage[p.parent] = byVillage[p.parent] || { name: p.village_name, centres: [] }).centres.push(
        byCode[code].getCenter(),
      );
    });
    const labels = {};
    Object.keys(byVillage).forEach(function (code) {
      const v = byVillage[code];
      const mid = L.latLng(
        v.centres.reduce((sum, c) => sum + c.lat, 0) / v.centres.length,
        v.centres.reduce((sum, c) => sum + c.lng, 0) / v.centres.length,
      );
      let best = v.centres[0];
      v.centres.forEach(function (c) {
        if (c.distanceTo(mid) < best.distanceTo(mid)) best = c;
      });
      labels[code] = L.tooltip({
        permanent: true,
        direction: "center",
        className: "village-label",
        pane: "gridLabels",
        interactive: false,
      })
        .setLatLng(best)
        .setContent(v.name);
    });
    return labels;
  }

  // The town's grids on a map: polygons (coloured by village unless a style says otherwise) with
  // their names, the village borders, and the village names while no grid of a village can show
  // its own. `options.style` and `options.onEachFeature` let a page add its own look and events.
  // Returns {grids, byCode, overlay, update}; the overlay is on the map, the view not yet fitted.
  function townLayers(map, features, options) {
    const opts = options || {};
    const byCode = {};
    const grids = L.geoJSON(features, {
      interactive: opts.interactive !== false,
      style: function (feature) {
        const base = {
          className: "grid-shape",
          color: "#ffffff",
          weight: 1.2,
          opacity: 1,
          fillColor: villageColour(feature.properties.parent),
          fillOpacity: 0.55,
        };
        return Object.assign(base, typeof opts.style === "function" ? opts.style(feature) : opts.style);
      },
      onEachFeature: function (feature, layer) {
        byCode[feature.properties.code] = layer;
        layer.bindTooltip(feature.properties.name, {
          permanent: true,
          direction: "center",
          className: "grid-label",
          pane: "gridLabels",
          interactive: false,
        });
        if (opts.onEachFeature) opts.onEachFeature(feature, layer);
      },
    });
    grids.addTo(map); // polygons must be on the map before their centres can be computed
    const borders = villageBorders(features, opts.borderStyle);
    const villages = villageLabels(byCode);
    const names = L.layerGroup(Object.keys(villages).map((code) => villages[code]));
    const overlay = L.layerGroup([grids, borders, names]).addTo(map);
    Object.keys(byCode).forEach(function (code) {
      const el = byCode[code].getElement && byCode[code].getElement();
      if (el) el.setAttribute("data-grid", code);
    });

    function update() {
      const villageShowsGrids = {};
      Object.keys(byCode).forEach(function (code) {
        const layer = byCode[code];
        const tip = layer.getTooltip();
        const tipEl = tip && tip.getElement();
        if (!tipEl) return;
        const fits = labelFits(map, layer, tipEl);
        tipEl.classList.toggle("is-hidden", !fits);
        if (fits) villageShowsGrids[layer.feature.properties.parent] = true;
      });
      Object.keys(villages).forEach(function (code) {
        const tipEl = villages[code].getElement();
        if (tipEl) tipEl.classList.toggle("is-hidden", !!villageShowsGrids[code]);
      });
    }
    map.on("zoomend overlayadd", update);
    return { grids: grids, byCode: byCode, overlay: overlay, update: update };
  }

  // The grids under a points layer, the view fitted to them, and a control to hide either layer.
  function gridsUnder(map, gridsUrl, points, labels, tooltipClass) {
    return getJSON(gridsUrl).then(function (body) {
      const grids = L.geoJSON(body.features, {
        style: { color: "#7b8fa6", weight: 1, fillColor: "#dde6f0", fillOpacity: 0.45 },
        onEachFeature: function (feature, layer) {
          const options = { sticky: true };
          if (tooltipClass) options.className = tooltipClass;
          layer.bindTooltip(feature.properties.name, options);
        },
      }).addTo(map);
      grids.bringToBack();
      if (grids.getLayers().length) map.fitBounds(grids.getBounds(), { padding: [20, 20] });
      const overlays = {};
      overlays[labels.grids] = grids;
      overlays[labels.points] = points;
      layersControl(map, overlays);
      return grids;
    });
  }

  // ---- the small maps of one thing ---------------------------------------------------------------

  // A small map of one point (a case, a device) over its grid: data-lat, data-lon, data-label,
  // data-colour and data-grid-url on the element. Sets data-ready when drawn.
  function pointMap(el, pointClass) {
    const lat = parseFloat(el.dataset.lat);
    const lon = parseFloat(el.dataset.lon);
    const map = baseMap(el, { center: [lat, lon], zoom: 16, scrollWheelZoom: false });
    const point = L.circleMarker([lat, lon], {
      pane: "points",
      radius: 9,
      color: "#ffffff",
      weight: 2.5,
      fillColor: el.dataset.colour || "#cf1322",
      fillOpacity: 1,
      className: pointClass || "",
    })
      .bindTooltip(el.dataset.label || "", { direction: "top", offset: [0, -8] })
      .addTo(map);
    getJSON(el.dataset.gridUrl)
      .then(function (feature) {
        const grid = L.geoJSON(feature, {
          style: { color: "#0b3a6e", weight: 2, fillColor: "#5b8ff9", fillOpacity: 0.15, dashArray: "4 3" },
        }).addTo(map);
        grid.bindTooltip(feature.properties.name, { sticky: true });
        map.fitBounds(grid.getBounds().extend(point.getLatLng()), { padding: [18, 18], maxZoom: 17 });
      })
      .catch(function () {
        // the point alone is still a useful map
      })
      .then(function () {
        el.dataset.ready = "true";
      });
    return map;
  }

  window.CityopsMap = {
    baseMap: baseMap,
    node: node,
    statusLine: statusLine,
    getJSON: getJSON,
    fetchAll: fetchAll,
    summaryText: summaryText,
    villageColour: villageColour,
    layersControl: layersControl,
    villageBorders: villageBorders,
    gridAt: gridAt,
    townLayers: townLayers,
    gridsUnder: gridsUnder,
    pointMap: pointMap,
  };
})();
