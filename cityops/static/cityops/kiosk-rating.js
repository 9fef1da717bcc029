// The kiosk's number pad: it types into the tracking number or phone field last touched (the first
// by default); the idle reset of kiosk.js empties both.
(function () {
  "use strict";
  var fields = Array.prototype.slice.call(document.querySelectorAll("[data-pad-field]"));
  if (!fields.length) { return; }
  var target = fields[0];
  fields.forEach(function (f) { f.addEventListener("focus", function () { target = f; }); });
  document.querySelectorAll("[data-pad]").forEach(function (b) {
    b.addEventListener("click", function () {
      var k = b.dataset.pad;
      if (k === "back") { target.value = target.value.slice(0, -1); }
      else if (k === "next") { target = fields[(fields.indexOf(target) + 1) % fields.length]; }
      else if (target.value.length < (target.maxLength > 0 ? target.maxLength : 20)) { target.value += k; }
      target.focus();
    });
  });
})();
