// The big screen's first reads, started from the page's head: the figures, the map and the feed of
// the screen's own unit are on their way while the browser still loads the map and chart libraries;
// ops-screen.js takes these answers instead of asking again. The addresses are on <html>.
(function () {
  "use strict";
  const d = document.documentElement.dataset;
  if (!d.scFigures) return;
  function get(url) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } }).then(function (resp) {
      if (!resp.ok) throw new Error(String(resp.status));
      return resp.json();
    });
  }
  const unit = "?unit=" + encodeURIComponent(d.scHome);
  const started = {
    unit: d.scHome,
    figures: get(d.scFigures + unit),
    map: get(d.scMap + unit),
    feed: get(d.scFeed),
  };
  // a failure is handled by the one who takes the answer; none is left unhandled meanwhile
  ["figures", "map", "feed"].forEach((k) => started[k].catch(() => null));
  window.CityopsScreenStart = started;
})();
