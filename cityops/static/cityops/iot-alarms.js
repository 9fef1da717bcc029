// The alarm console and alarm page: a refused action (403, 409, 422) comes back as the list or panel
// with the reason in it, so htmx must swap those answers in instead of treating them as failures.
(function () {
  "use strict";
  if (typeof htmx === "undefined") return;

  htmx.config.responseHandling = [
    { code: "204", swap: false },
    { code: "[23]..", swap: true },
    { code: "(403|409|422)", swap: true, error: false },
    { code: "[45]..", swap: false, error: true },
  ];

  // anything else (the server down, a lost connection) is said where the feedback goes
  document.body.addEventListener("htmx:responseError", function (evt) {
    const box = document.getElementById("alarm-feedback");
    if (!box) return;
    const div = document.createElement("div");
    div.className = "message message-error";
    div.textContent = (box.dataset.failed || "") + " (" + evt.detail.xhr.status + ")";
    box.replaceChildren(div);
  });

  // polling must not fight the person: hold the refresh while a confirm or a request is pending
  document.body.addEventListener("htmx:beforeRequest", function (evt) {
    const list = document.getElementById("alarm-list");
    if (evt.detail.elt === list && list.querySelector(".htmx-request")) evt.preventDefault();
  });
})();
