// The kiosk: topic buttons and the letter keys fill the search; after the idle time without a touch
// the screen empties every field and goes back to the start, replacing the history entry, so the
// next resident finds nothing of the last one's (no search is ever in an address).
(function () {
  "use strict";
  var body = document.body;
  var idle = (parseInt(body.dataset.idleSeconds, 10) || 60) * 1000;
  var start = body.dataset.startUrl;
  var last = Date.now();
  var q = document.getElementById("kiosk-q");
  var form = document.getElementById("kiosk-form");
  var notice = document.getElementById("kiosk-idle");

  function submit() { if (form) { form.requestSubmit ? form.requestSubmit() : form.submit(); } }
  function touched() { last = Date.now(); if (notice) { notice.hidden = true; } }
  ["pointerdown", "keydown", "input", "touchstart", "wheel"].forEach(function (e) {
    document.addEventListener(e, touched, { passive: true, capture: true });
  });

  function reset() {
    document.querySelectorAll("input:not([type=hidden]), textarea").forEach(function (el) { el.value = ""; });
    var results = document.getElementById("kiosk-results");
    if (results) { results.replaceChildren(); }
    window.location.replace(start);
  }
  setInterval(function () {
    var quiet = Date.now() - last;
    if (notice && quiet > idle - Math.min(10000, idle / 3)) { notice.hidden = false; }
    if (quiet >= idle) { reset(); }
  }, 500);
  // a page restored from the back-forward cache starts its idle time again and keeps no typed text
  window.addEventListener("pageshow", function (e) { if (e.persisted && q) { q.value = ""; } touched(); });
  if (window.location.pathname === start && window.location.search) { history.replaceState(null, "", start); }

  document.querySelectorAll("[data-topic]").forEach(function (b) {
    b.addEventListener("click", function () { if (q) { q.value = b.dataset.topic; submit(); } });
  });
  document.querySelectorAll("[data-key]").forEach(function (b) {
    b.addEventListener("click", function () {
      if (!q) { return; }
      var k = b.dataset.key;
      q.value = k === "clear" ? "" : k === "back" ? q.value.slice(0, -1) : q.value + k;
      if (q.value) { submit(); } else { document.getElementById("kiosk-results").replaceChildren(); }
    });
  });
  var choices = document.querySelectorAll("[data-situation]");
  function show(id) {
    choices.forEach(function (c) { c.setAttribute("aria-pressed", String(c.dataset.situation === id)); });
    document.querySelectorAll("[data-for]").forEach(function (li) { li.hidden = li.dataset.for !== id; });
  }
  choices.forEach(function (c) { c.addEventListener("click", function () { show(c.dataset.situation); }); });
  if (choices.length) { show(""); }
  document.querySelectorAll("[data-print]").forEach(function (b) { b.addEventListener("click", function () { window.print(); }); });
})();
