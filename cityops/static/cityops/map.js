// The town map: grids coloured by village, grid labels, places, and the region tree beside it.
// Everything comes from cityops' own API; base tiles only when an intranet tile server is set.
(function () {
  "use strict";

  const el = document.getElementById("map");
  if (!el || typeof L === "undefined") return;

  const T = JSON.parse(document.getElementById("map-i18n").textContent);
  const KINDS = {};
  JSON.parse(document.getElementById("map-place-kinds").textContent).forEach(function (k) {
    KINDS[k.value] = k;
  });
  const htmlLang = document.documentElement.lang || "zh-hans";
  const numbers = new Intl.NumberFormat(htmlLang === "zh-hans" ? "zh-CN" : htmlLang, {
    maximumFractionDigits: 2,
  });
  const statusBox = document.getElementById("map-status");
  const summary = document.getElementById("map-summary");
  const tree = document.getElementById("region-tree");

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

  function node(tag, className, text) {
    const n = document.createElement(tag);
    if (className) n.className = className;
    if (text !== undefined && text !== null) n.textContent = text;
    return n;
  }

  function showStatus(message) {
    statusBox.textContent = message;
    statusBox.hidden = !message;
  }

  async function problemText(resp) {
    try {
      const body = await resp.json();
      return body.detail || body.title || String(resp.status);
    } catch (e) {
      return String(resp.status);
    }
  }

  async function getJSON(url) {
    const resp = await fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } });
    if (!resp.ok) throw new Error(await problemText(resp));
    return resp.json();
  }

  // Every page of a paged list: grids carry `paging`, other lists carry the totals at the top.
  async function fetchAll(url, pick) {
    const items = [];
    let page = 1;
    let pages = 1;
    do {
      const sep = url.indexOf("?") >= 0 ? "&" : "?";
      const body = await getJSON(url + sep + "page=" + page);
      items.push.apply(items, pick(body));
      pages = (body.paging || body).pages || 1;
      page += 1;
    } while (page <= pages);
    return items;
  }

  const maxZoom = parseInt(el.dataset.maxZoom, 10) || 18;
  const map = L.map(el, { zoomSnap: 0.5, maxZoom: maxZoom, zoomControl: true });
  map.attributionControl.setPrefix("Leaflet");
  L.control.scale({ imperial: false }).addTo(map);
  // labels sit above the grids but under the place markers, so a marker is never hidden by a label
  map.createPane("gridLabels").style.zIndex = 420;
  map.createPane("places").style.zIndex = 450;
  if (el.dataset.tileUrl) {
    const tiles = L.tileLayer(el.dataset.tileUrl, {
      maxZoom: maxZoom,
      attribution: el.dataset.tileAttribution || "",
    });
    tiles.addTo(map);
  }

  const gridStyle = { color: "#ffffff", weight: 1.2, opacity: 1, fillOpacity: 0.55 };
  const selectedStyle = { color: "#0b3a6e", weight: 3 };
  const gridByCode = {};
  let selected = [];
  const inspectorCache = {};

  function styleFor(feature) {
    return Object.assign({ className: "grid-shape", fillColor: villageColour(feature.properties.parent) }, gridStyle);
  }

  function select(layers) {
    selected.forEach(function (l) {
      l.setStyle(gridStyle);
    });
    selected = layers;
    selected.forEach(function (l) {
      l.setStyle(selectedStyle);
      l.bringToFront();
    });
  }

  function markTree(level, code) {
    if (!tree) return;
    tree.querySelectorAll(".tree-label.is-selected").forEach(function (b) {
      b.classList.remove("is-selected");
    });
    const btn = tree.querySelector('.tree-label[data-level="' + level + '"][data-code="' + CSS.escape(code) + '"]');
    if (!btn) return;
    btn.classList.add("is-selected");
    let item = btn.closest(".tree-item");
    while (item) {
      setOpen(item, true);
      item = item.parentElement.closest(".tree-item");
    }
    btn.scrollIntoView({ block: "nearest" });
  }

  function inspectorsList(code, target) {
    const render = function (people) {
      target.textContent = "";
      if (!people.length) {
        target.appendChild(node("li", "muted", T.noInspectors));
        return;
      }
      people.forEach(function (p) {
        const li = node("li", null, p.display_name);
        if (p.phone) li.appendChild(node("span", "muted", " " + p.phone));
        target.appendChild(li);
      });
    };
    if (inspectorCache[code]) return render(inspectorCache[code]);
    target.appendChild(node("li", "muted", T.loading));
    getJSON(el.dataset.inspectorsUrl.replace("__code__", encodeURIComponent(code)))
      .then(function (people) {
        inspectorCache[code] = people;
        render(people);
      })
      .catch(function (err) {
        target.textContent = "";
        target.appendChild(node("li", "error", T.loadFailed + ": " + err.message));
      });
  }

  function popupContent(props) {
    const box = node("div", "grid-popup");
    const title = node("h3", null, props.name + " ");
    title.appendChild(node("span", "code", props.code));
    box.appendChild(title);
    const facts = node("dl", "facts facts-compact");
    const add = function (label, value) {
      facts.appendChild(node("dt", null, label));
      facts.appendChild(node("dd", null, value));
    };
    add(T.village, props.village_name);
    add(T.area, props.area_name);
    add(T.size, numbers.format(props.area_m2 / 1e6) + " " + T.km2);
    box.appendChild(facts);
    box.appendChild(node("h4", null, T.inspectors));
    const list = node("ul", "inspectors");
    box.appendChild(list);
    inspectorsList(props.code, list);
    return box;
  }

  // A grid's label shows only when the grid is large enough on screen to hold it; a village's
  // name shows instead while none of its grids can show theirs (the town seen whole).
  const villageLabels = {};

  function labelFits(layer, tipEl) {
    const b = layer.getBounds();
    const sw = map.latLngToContainerPoint(b.getSouthWest());
    const ne = map.latLngToContainerPoint(b.getNorthEast());
    return ne.x - sw.x > tipEl.offsetWidth + 8 && sw.y - ne.y > tipEl.offsetHeight + 4;
  }

  function updateLabels() {
    const villageShowsGrids = {};
    Object.keys(gridByCode).forEach(function (code) {
      const layer = gridByCode[code];
      const tip = layer.getTooltip();
      const tipEl = tip && tip.getElement();
      if (!tipEl) return;
      const fits = labelFits(layer, tipEl);
      tipEl.classList.toggle("is-hidden", !fits);
      if (fits) villageShowsGrids[layer.feature.properties.parent] = true;
    });
    Object.keys(villageLabels).forEach(function (code) {
      const tipEl = villageLabels[code].getElement();
      if (tipEl) tipEl.classList.toggle("is-hidden", !!villageShowsGrids[code]);
    });
  }

  // The village name goes on the centre of the grid nearest the middle of the village's grids,
  // so it always lands inside the village whatever its shape.
  function villageLabelLayer() {
    const byVillage = {};
    Object.keys(gridByCode).forEach(function (code) {
      const p = gridByCode[code].feature.properties;
      (byVillage[p.parent] = byVillage[p.parent] || { name: p.village_name, centres: [] }).centres.push(
        gridByCode[code].getCenter(),
      );
    });
    const group = L.layerGroup();
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
      villageLabels[code] = L.tooltip({
        permanent: true,
        direction: "center",
        className: "village-label",
        pane: "gridLabels",
        interactive: false,
      })
        .setLatLng(best)
        .setContent(node("span", null, v.name));
      group.addLayer(villageLabels[code]);
    });
    return group;
  }

  function boundsOf(level, code) {
    const bounds = L.latLngBounds([]);
    const layers = [];
    Object.keys(gridByCode).forEach(function (c) {
      const layer = gridByCode[c];
      const p = layer.feature.properties;
      const hit =
        level === "town" ||
        (level === "area" && p.area_code === code) ||
        (level === "village" && p.parent === code) ||
        (level === "grid" && p.code === code);
      if (hit) {
        bounds.extend(layer.getBounds());
        layers.push(layer);
      }
    });
    return { bounds: bounds, layers: layers };
  }

  function zoomTo(level, code) {
    const found = boundsOf(level, code);
    if (!found.bounds.isValid()) return;
    map.fitBounds(found.bounds, { padding: [24, 24], maxZoom: Math.min(maxZoom, 17) });
    select(level === "town" ? [] : found.layers);
    if (level === "grid") found.layers[0].openPopup();
    else map.closePopup();
  }

  function loadGrids() {
    return fetchAll(el.dataset.gridsUrl, function (body) {
      return body.features;
    }).then(function (features) {
      const layer = L.geoJSON(features, {
        style: styleFor,
        onEachFeature: function (feature, l) {
          const p = feature.properties;
          gridByCode[p.code] = l;
          l.bindTooltip(node("span", null, p.name), {
            permanent: true,
            direction: "center",
            className: "grid-label",
            pane: "gridLabels",
            interactive: false,
          });
          l.bindPopup(
            function () {
              return popupContent(p);
            },
            { maxWidth: 300, minWidth: 200 },
          );
          l.on("click", function () {
            select([l]);
            markTree("grid", p.code);
          });
          l.on("mouseover", function () {
            if (selected.indexOf(l) < 0) l.setStyle({ weight: 2.5, color: "#1f3b63" });
          });
          l.on("mouseout", function () {
            if (selected.indexOf(l) < 0) l.setStyle(gridStyle);
          });
        },
      });
      const villages = new Set(features.map(function (f) {
        return f.properties.parent;
      }));
      summary.textContent = features.length
        ? T.summary.replace("{grids}", numbers.format(features.length)).replace("{villages}", numbers.format(villages.size))
        : T.noGrids;
      if (features.length) map.fitBounds(layer.getBounds(), { padding: [20, 20] });
      else map.fitWorld();
      // the grids overlay: the polygons with their village names, switched on and off together
      layer.addTo(map); // polygons must be on the map before their centres can be computed
      const overlay = L.layerGroup([layer, villageLabelLayer()]).addTo(map);
      Object.keys(gridByCode).forEach(function (code) {
        gridByCode[code].getElement().setAttribute("data-grid", code);
      });
      el.dataset.grids = String(features.length);
      return overlay;
    });
  }

  function loadPlaces() {
    return fetchAll(el.dataset.placesUrl, function (body) {
      return body.results;
    }).then(function (places) {
      const group = L.layerGroup();
      places.forEach(function (p) {
        const kind = KINDS[p.kind] || { colour: "#595959", label: p.kind_label };
        L.circleMarker([p.lat, p.lon], {
          pane: "places",
          className: "place-marker",
          radius: 6,
          color: "#ffffff",
          weight: 1.5,
          fillColor: kind.colour,
          fillOpacity: 0.95,
        })
          .bindTooltip(p.name + " · " + (p.kind_label || kind.label), { direction: "top", offset: [0, -6] })
          .addTo(group);
      });
      return group;
    });
  }

  function setOpen(item, open) {
    item.classList.toggle("is-open", open);
    const toggle = item.querySelector(":scope > .tree-row > .tree-toggle");
    if (toggle) toggle.setAttribute("aria-expanded", open ? "true" : "false");
  }

  function initTree() {
    if (!tree) return;
    if (tree.querySelectorAll(".tree-grid").length > 40) {
      tree.querySelectorAll(".tree-village").forEach(function (v) {
        setOpen(v, false);
      });
    }
    tree.querySelectorAll(".swatch[data-village]").forEach(function (s) {
      s.style.background = villageColour(s.dataset.village);
    });
    tree.addEventListener("click", function (evt) {
      const toggle = evt.target.closest(".tree-toggle");
      if (toggle) {
        const item = toggle.closest(".tree-item");
        setOpen(item, !item.classList.contains("is-open"));
        return;
      }
      const label = evt.target.closest(".tree-label");
      if (!label) return;
      markTree(label.dataset.level, label.dataset.code);
      zoomTo(label.dataset.level, label.dataset.code);
    });
    const filter = document.getElementById("tree-filter");
    filter.addEventListener("input", function () {
      const q = filter.value.trim().toLowerCase();
      tree.querySelectorAll(".tree-area").forEach(function (area) {
        let areaHits = 0;
        area.querySelectorAll(".tree-village").forEach(function (v) {
          const villageHit = !q || v.dataset.search.toLowerCase().indexOf(q) >= 0;
          let gridHits = 0;
          v.querySelectorAll(".tree-grid").forEach(function (g) {
            const hit = villageHit || g.dataset.search.toLowerCase().indexOf(q) >= 0;
            g.hidden = !hit;
            if (hit) gridHits += 1;
          });
          v.hidden = !(villageHit || gridHits);
          if (q && !v.hidden) setOpen(v, true);
          if (!v.hidden) areaHits += 1;
        });
        area.hidden = !areaHits;
      });
    });
  }

  initTree();
  map.on("zoomend", updateLabels);
  const places = loadPlaces().catch(function (err) {
    showStatus(T.loadFailed + ": " + err.message);
    return L.layerGroup();
  });
  Promise.all([loadGrids(), places])
    .then(function (layers) {
      const overlays = {};
      overlays[T.grids] = layers[0];
      overlays[T.places] = layers[1].addTo(map);
      L.control.layers({}, overlays, { collapsed: window.innerWidth < 700 }).addTo(map);
      map.on("overlayadd", updateLabels);
      updateLabels();
      el.dataset.ready = "true";
    })
    .catch(function (err) {
      showStatus(T.loadFailed + ": " + err.message);
      if (!map._loaded) map.fitWorld();
    });
})();
