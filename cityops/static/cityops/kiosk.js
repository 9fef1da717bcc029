// The kiosk: topic buttons and the letter keys fill the search, number keys the tracking number and
// phone; after the idle time without a touch the screen empties every field (a half-filled
// application too) and goes back to the start, replacing the history entry, so the next resident
// finds nothing of the last one's (no search, number or phone is ever in an address).
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

  // Empty every field (a half-typed application too), and what answered them (search results, a
  // progress lookup, a receipt), before the page is left: nothing of this resident stays on screen.
  function clearAll() {
    document.querySelectorAll("input:not([type=hidden]), textarea").forEach(function (el) {
      if (el.type === "checkbox" || el.type === "radio") { el.checked = el.defaultChecked = false; } else { el.value = el.defaultValue = ""; }
    });
    document.querySelectorAll("select").forEach(function (el) { el.selectedIndex = 0; });
    ["kiosk-results", "kiosk-track-result"].forEach(function (id) {
      var el = document.getElementById(id);
      if (el) { el.replaceChildren(); }
    });
  }
  function reset() {
    clearAll();
    var main = document.getElementById("main");
    if (main && window.location.pathname !== start) { main.replaceChildren(); }
    window.location.replace(start);
  }
  setInterval(function () {
    var quiet = Date.now() - last;
    if (notice && quiet > idle - Math.min(10000, idle / 3)) { notice.hidden = false; }
    if (quiet >= idle) { reset(); }
  }, 500);
  // a page restored from the back-forward cache starts its idle time again and keeps no typed text
  window.addEventListener("pageshow", function (e) { if (e.persisted) { clearAll(); } touched(); });
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
  // "Done" on a receipt replaces it in the history: going back never shows it again.
  document.querySelectorAll("a[data-replace]").forEach(function (a) {
    a.addEventListener("click", function (e) { e.preventDefault(); clearAll(); window.location.replace(a.href); });
  });
  // The number keys type into the field of their form last touched (the tracking number, the phone, an ID).
  document.querySelectorAll("[data-pad]").forEach(function (pad) {
    var form = pad.closest("form");
    var fields = form ? form.querySelectorAll("input[inputmode=numeric], input[name=id_number], input[name=phone]") : [];
    var target = fields[0] || null;
    fields.forEach(function (f) { f.addEventListener("focus", function () { target = f; }); });
    pad.querySelectorAll("[data-pad-key]").forEach(function (b) {
      b.addEventListener("click", function () {
        if (!target) { return; }
        var k = b.dataset.padKey;
        if (k === "back") { target.value = target.value.slice(0, -1); }
        else if (!target.maxLength || target.maxLength < 0 || target.value.length < target.maxLength) { target.value += k; }
        target.focus();
      });
    });
  });
})();
