// Text from the server is never markup. The few places that must hand a library an HTML string
// (ECharts tooltips render their formatter's string as HTML) build it with the `html` template tag,
// which escapes every value put into it; everything else sets text (textContent, text nodes).
(function () {
  "use strict";

  const ENTITIES = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

  // A value as HTML text: safe between tags and inside quoted attributes.
  function esc(value) {
    if (value === null || value === undefined) return "";
    return String(value).replace(/[&<>"']/g, function (c) {
      return ENTITIES[c];
    });
  }

  // html`<b>${name}</b>`: the template's own markup stays, every ${value} is escaped.
  function html(strings) {
    let out = strings[0];
    for (let i = 1; i < strings.length; i++) {
      out += esc(arguments[i]) + strings[i];
    }
    return out;
  }

  window.CityopsHTML = { esc: esc, html: html };
})();
