// Shared by the case pages: forms show the server's error answers inline (htmx leaves 4xx
// unswapped by default), "select all" boxes, and previews of the photos chosen for upload.
(function () {
  "use strict";

  // 403 forbidden, 409 conflict, 413 too large, 422 field errors, 429 too many: the page shows them
  const SHOWN = [403, 409, 413, 422, 429];

  document.body.addEventListener("htmx:beforeSwap", function (evt) {
    // a partial that came back as the sign-in (or password) page: the session ended, go there
    const landed = evt.detail.xhr.responseURL ? new URL(evt.detail.xhr.responseURL).pathname : "";
    if (landed.indexOf("/accounts/") === 0) {
      evt.detail.shouldSwap = false;
      window.location.href = evt.detail.xhr.responseURL;
      return;
    }
    if (SHOWN.indexOf(evt.detail.xhr.status) < 0) return;
    const elt = (evt.detail.requestConfig && evt.detail.requestConfig.elt) || evt.detail.elt;
    if (!elt || !elt.closest("[data-swap-errors]")) return;
    evt.detail.shouldSwap = true;
    evt.detail.isError = false;
  });

  function preview(input) {
    const box = input.parentElement.querySelector(".photo-previews");
    if (!box) return;
    box.textContent = "";
    Array.prototype.slice.call(input.files || [], 0, 9).forEach(function (file) {
      const img = document.createElement("img");
      img.alt = file.name;
      img.src = URL.createObjectURL(file);
      img.onload = function () {
        URL.revokeObjectURL(img.src);
      };
      box.appendChild(img);
    });
  }

  document.addEventListener("change", function (evt) {
    const all = evt.target.closest("[data-check-all]");
    if (all) {
      all.closest("form").querySelectorAll('input[type="checkbox"][name="cases"]').forEach(function (box) {
        box.checked = all.checked;
      });
      return;
    }
    const photos = evt.target.closest("[data-photo-input]");
    if (photos) preview(photos);
  });

  // a field the user has changed no longer carries the error the server gave it (its slot is
  // #err-<name>): "choose an item from the list" goes once an item is picked
  document.addEventListener("change", function (evt) {
    const form = evt.target.closest("[data-swap-errors]");
    if (!form || !evt.target.name) return;
    const slot = form.querySelector("#err-" + CSS.escape(evt.target.name));
    if (slot) slot.textContent = "";
  });

  // a picked item looks picked at once, before any search re-renders the list
  document.addEventListener("change", function (evt) {
    if (evt.target.name !== "item" || evt.target.type !== "radio") return;
    const list = evt.target.closest(".pick-list");
    if (!list) return;
    list.querySelectorAll(".pick").forEach(function (label) {
      label.classList.toggle("is-picked", label.contains(evt.target));
    });
  });
})();
