// The video pages' filter forms submit themselves when a choice changes (the button stays for
// keyboards and for browsers without scripts).
(function () {
  "use strict";
  document.querySelectorAll("form[data-autosubmit]").forEach(function (form) {
    form.addEventListener("change", function () {
      form.requestSubmit();
    });
  });
})();
