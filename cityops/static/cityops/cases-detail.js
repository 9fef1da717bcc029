// The small map of a case: its point over its grid's polygon (from cityops' own geography API).
(function () {
  "use strict";

  const el = document.getElementById("case-map");
  if (!el || !window.CityopsMap) return;
  CityopsMap.pointMap(el, "case-point");
})();
