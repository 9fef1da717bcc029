// The top bar: when its links do not fit on one row beside the brand and the tools, they move to a
// row of their own (app.css, .topbar.is-stacked) instead of hiding in a scroll box. Loaded right
// after the header, before the page is painted, so the bar never shows clipped.
(function () {
  "use strict";

  const bar = document.querySelector(".topbar");
  const nav = bar && bar.querySelector(".mainnav");
  if (!nav) return;

  function fit() {
    bar.classList.remove("is-stacked");
    if (window.matchMedia("(max-width: 700px)").matches) return; // phones stack it in CSS
    if (nav.scrollWidth > nav.clientWidth + 1) bar.classList.add("is-stacked");
  }

  fit();
  let pending = 0;
  window.addEventListener("resize", function () {
    cancelAnimationFrame(pending);
    pending = requestAnimationFrame(fit);
  });
  // web fonts or a translated label may change the links' widths after the first layout
  if (document.fonts && document.fonts.ready) document.fonts.ready.then(fit);
})();
