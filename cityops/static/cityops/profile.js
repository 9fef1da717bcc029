// The profile page: issue and revoke API tokens through the JSON API with htmx.
(function () {
  "use strict";

  // htmx sends forms url-encoded; the API takes JSON, with number inputs as numbers.
  htmx.defineExtension("cityops-json", {
    onEvent: function (name, evt) {
      if (name === "htmx:configRequest") {
        evt.detail.headers["Content-Type"] = "application/json";
        evt.detail.headers["Accept"] = "application/json";
      }
    },
    encodeParameters: function (xhr, parameters, elt) {
      xhr.overrideMimeType("text/json");
      const body = {};
      parameters.forEach(function (value, key) {
        const input = elt.elements && elt.elements[key];
        body[key] = input && input.type === "number" && value !== "" ? Number(value) : value;
      });
      return JSON.stringify(body);
    },
  });

  const panel = document.getElementById("token-panel");
  if (!panel) return;
  const errorBox = document.getElementById("token-error");
  const secretBox = document.getElementById("token-secret");

  function problemText(xhr) {
    try {
      const body = JSON.parse(xhr.responseText);
      return body.detail || body.title || panel.dataset.msgFailed;
    } catch (e) {
      return panel.dataset.msgFailed + " (" + xhr.status + ")";
    }
  }

  panel.addEventListener("htmx:afterRequest", function (evt) {
    const elt = evt.detail.elt;
    const isCreate = elt.id === "token-create";
    if (!isCreate && !elt.hasAttribute("data-token-revoke")) return;
    const xhr = evt.detail.xhr;
    if (!evt.detail.successful) {
      errorBox.textContent = problemText(xhr);
      errorBox.hidden = false;
      return;
    }
    errorBox.hidden = true;
    if (isCreate) {
      const created = JSON.parse(xhr.responseText);
      secretBox.querySelector(".secret").textContent = created.token;
      secretBox.hidden = false;
      elt.reset();
    } else {
      secretBox.hidden = true;
    }
    htmx.trigger(document.body, "tokens-changed");
  });

  // one click selects the whole secret, ready to copy
  secretBox.querySelector(".secret").addEventListener("click", function (evt) {
    const range = document.createRange();
    range.selectNodeContents(evt.currentTarget);
    const sel = window.getSelection();
    sel.removeAllRanges();
    sel.addRange(range);
  });
})();
