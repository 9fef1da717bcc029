// The alarm console and alarm page: a refused action (403, 409, 422) comes back as the list or panel
// with the reason in it, so htmx must swap those answers in instead of treating them as failures;
// and the duration of an ongoing silence counts on while the page is open.
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

  // An ongoing silence counts on while the page is open (the server wrote it for the moment it
  // rendered the page): the duration formats are the server's, in the page's language.
  const formatsEl = document.getElementById("alarm-duration-formats");
  const FORMATS = formatsEl ? JSON.parse(formatsEl.textContent) : null;

  function durationText(seconds) {
    const fill = (f, v) => f.replace(/%\((\w)\)s/g, (_, k) => String(v[k]));
    const minutes = Math.max(0, Math.floor(seconds / 60));
    if (minutes < 60) return fill(FORMATS.m, { m: minutes });
    const hours = Math.floor(minutes / 60);
    if (hours < 24) return fill(FORMATS.hm, { h: hours, m: minutes % 60 });
    return fill(FORMATS.dh, { d: Math.floor(hours / 24), h: hours % 24 });
  }

  function tick() {
    document.querySelectorAll(".alarm-duration[data-since]").forEach(function (span) {
      span.textContent = durationText((Date.now() - Date.parse(span.dataset.since)) / 1000);
    });
  }
  if (FORMATS) setInterval(tick, 20000);

  // polling must not fight the person: hold the refresh while a confirm or a request is pending
  document.body.addEventListener("htmx:beforeRequest", function (evt) {
    const list = document.getElementById("alarm-list");
    if (evt.detail.elt === list && list.querySelector(".htmx-request")) evt.preventDefault();
  });
})();
