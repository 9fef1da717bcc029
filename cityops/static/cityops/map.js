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

  const map = CityopsMap.baseMap(el, { zoomControl: true });
  const maxZoom = map.getMaxZoom();
  const node = CityopsMap.node;
  const showStatus = CityopsMap.statusLine(statusBox);
  const villageColour = CityopsMap.villageColour;

  const gridStyle = { color: "#ffffff", weight: 1.2 };
  const selectedStyle = { color: "#0b3a6e", weight: 3 };
  let gridByCode = {};
  let selected = [];
  const inspectorCache = {};

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
    CityopsMap.getJSON(el.dataset.inspectorsUrl.replace("__code__", encodeURIComponent(code)))
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

  let town = null;

  function loadGrids() {
    return CityopsMap.fetchAll(el.dataset.gridsUrl, function (body) {
      return body.features;
    }).then(function (features) {
      town = CityopsMap.townLayers(map, features, {
        onEachFeature: function (feature, l) {
          const p = feature.properties;
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
      gridByCode = town.byCode;
      const villages = new Set(features.map(function (f) {
        return f.properties.parent;
      }));
      summary.textContent = features.length
        ? T.summary.replace("{grids}", numbers.format(features.length)).replace("{villages}", numbers.format(villages.size))
        : T.noGrids;
      if (features.length) map.fitBounds(town.grids.getBounds(), { padding: [20, 20] });
      else map.fitWorld();
      el.dataset.grids = String(features.length);
      return town.overlay;
    });
  }

  function loadPlaces() {
    return CityopsMap.fetchAll(el.dataset.placesUrl, function (body) {
      return body.results;
    }).then(function (places) {
      const group = L.layerGroup();
      places.forEach(function (p) {
        const kind = KINDS[p.kind] || { colour: "#595959", label: p.kind_label };
        L.circleMarker([p.lat, p.lon], {
          pane: "points",
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
  const places = loadPlaces().catch(function (err) {
    showStatus(T.loadFailed + ": " + err.message);
    return L.layerGroup();
  });
  Promise.all([loadGrids(), places])
    .then(function (layers) {
      const overlays = {};
      overlays[T.grids] = layers[0];
      overlays[T.places] = layers[1].addTo(map);
      CityopsMap.layersControl(map, overlays);
      town.update();
      el.dataset.ready = "true";
    })
    .catch(function (err) {
      showStatus(T.loadFailed + ": " + err.message);
      if (!map._loaded) map.fitWorld();
    });
})();
