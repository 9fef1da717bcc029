// The inspector's patrol: check in at the phone's position, send the GPS track in chunks every
// 30 seconds (a chunk is resent with the same number until the server has it), check out.
(function () {
  "use strict";

  const box = document.getElementById("patrol");
  if (!box) return;
  const T = JSON.parse(document.getElementById("patrol-i18n").textContent);
  const api = box.dataset.api;
  const interval = parseInt(box.dataset.interval, 10) || 30000;
  const state = box.querySelector(".patrol-state");
  const title = document.getElementById("patrol-title");
  const timeOut = document.getElementById("patrol-time");
  const pointsOut = document.getElementById("patrol-points");
  const distanceOut = document.getElementById("patrol-distance");
  const gpsText = document.getElementById("patrol-gps");
  const gpsBox = gpsText.closest(".gps");
  const errorBox = document.getElementById("patrol-error");
  const inButton = document.getElementById("patrol-in");
  const outButton = document.getElementById("patrol-out");
  const numbers = new Intl.NumberFormat(document.documentElement.lang === "en" ? "en" : "zh-CN", {
    maximumFractionDigits: 0,
  });

  let session = box.dataset.session ? parseInt(box.dataset.session, 10) : null;
  let started = box.dataset.started ? new Date(box.dataset.started) : null;
  let watch = null;
  let timer = null;
  let clock = null;
  let buffer = [];
  let pending = null; // {seq, points}: sent but not yet confirmed
  let lastAccuracy = null;
  let stored = parseInt(box.dataset.points || "0", 10); // points the server has

  function showPoints() {
    const waiting = buffer.length + (pending ? pending.points.length : 0);
    pointsOut.textContent = numbers.format(stored + waiting);
  }

  function seqKey() {
    return "cityops.patrol." + session + ".seq";
  }
  function nextSeq() {
    const n = parseInt(localStorage.getItem(seqKey()) || "0", 10);
    localStorage.setItem(seqKey(), String(n + 1));
    return n;
  }

  function gps(kind, text) {
    gpsBox.dataset.state = kind;
    gpsText.textContent = text;
  }
  function fail(message) {
    errorBox.textContent = message;
    errorBox.hidden = !message;
  }

  async function post(url, body) {
    const resp = await fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": box.dataset.csrf },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    let data = null;
    try {
      data = await resp.json();
    } catch (e) {
      data = null;
    }
    if (!resp.ok) {
      const err = new Error((data && (data.detail || data.title)) || T.requestFailed + " (" + resp.status + ")");
      err.status = resp.status;
      throw err;
    }
    return data;
  }

  function pad(n) {
    return String(n).padStart(2, "0");
  }
  function tick() {
    if (!started) return;
    const s = Math.max(0, Math.floor((Date.now() - started.getTime()) / 1000));
    timeOut.textContent = pad(Math.floor(s / 3600)) + ":" + pad(Math.floor(s / 60) % 60) + ":" + pad(s % 60);
  }

  function show(figures) {
    if (figures.points !== undefined) stored = figures.points;
    showPoints();
    if (figures.distance_m !== undefined) distanceOut.textContent = numbers.format(figures.distance_m) + " m";
  }

  async function flush() {
    if (!session) return;
    if (!pending && buffer.length) {
      pending = { seq: nextSeq(), points: buffer.splice(0, 1000) };
    }
    if (!pending) return;
    try {
      const result = await post(api + "/" + session + "/points", pending);
      pending = null;
      show(result);
      fail("");
      if (lastAccuracy !== null) {
        gps("ok", T.tracking.replace("{m}", String(lastAccuracy)).replace("{time}", new Date().toLocaleTimeString()));
      }
    } catch (err) {
      fail(err.message);
      // A refused chunk (4xx: e.g. a phone clock far ahead) would be refused forever: drop it so the
      // rest of the track gets through. A network error or 5xx keeps it for the next round.
      if (err.status >= 400 && err.status < 500) pending = null;
    }
  }

  function onPosition(pos) {
    const c = pos.coords;
    lastAccuracy = Math.max(1, Math.round(c.accuracy));
    buffer.push([c.longitude, c.latitude, Math.floor(pos.timestamp / 1000), c.accuracy]);
    showPoints();
    if (gpsBox.dataset.state !== "ok") gps("ok", T.waiting.replace("{m}", String(lastAccuracy)));
  }
  function onError(err) {
    gps("failed", err && err.code === 1 ? T.denied : T.failed);
  }

  function startTracking() {
    state.dataset.state = "on";
    inButton.hidden = true;
    outButton.hidden = false;
    title.textContent = T.on.replace("{grid}", box.dataset.grid || "");
    tick();
    clock = setInterval(tick, 1000);
    if (navigator.geolocation) {
      watch = navigator.geolocation.watchPosition(onPosition, onError, {
        enableHighAccuracy: true,
        maximumAge: 10000,
        timeout: 30000,
      });
    }
    timer = setInterval(flush, interval);
  }

  function stopTracking() {
    if (watch !== null) navigator.geolocation.clearWatch(watch);
    clearInterval(timer);
    clearInterval(clock);
    watch = timer = clock = null;
  }

  inButton.addEventListener("click", function () {
    if (!navigator.geolocation) return gps("failed", T.failed);
    inButton.disabled = true;
    gps("pending", T.locating);
    navigator.geolocation.getCurrentPosition(
      async function (pos) {
        try {
          const s = await post(api, { lon: pos.coords.longitude, lat: pos.coords.latitude, accuracy: pos.coords.accuracy });
          session = s.id;
          started = new Date(s.started_at);
          box.dataset.session = String(s.id);
          box.dataset.grid = s.grid_name;
          show(s);
          fail("");
          onPosition(pos);
          startTracking();
        } catch (err) {
          fail(err.message);
          gps("idle", "");
        } finally {
          inButton.disabled = false;
        }
      },
      function (err) {
        onError(err);
        inButton.disabled = false;
      },
      { enableHighAccuracy: true, timeout: 20000, maximumAge: 0 },
    );
  });

  outButton.addEventListener("click", async function () {
    outButton.disabled = true;
    await flush();
    await flush();
    try {
      const s = await post(api + "/" + session + "/end");
      stopTracking();
      localStorage.removeItem(seqKey());
      show(s);
      state.dataset.state = "off";
      title.textContent = T.ended.replace("{minutes}", s.minutes_inside.toFixed(1)).replace("{distance}", numbers.format(s.distance_m));
      session = null;
      outButton.hidden = true;
      inButton.hidden = false;
      gps("idle", "");
      fail("");
    } catch (err) {
      fail(err.message);
    } finally {
      outButton.disabled = false;
    }
  });

  window.addEventListener("pagehide", function () {
    if (session && buffer.length) flush();
  });

  if (session) startTracking();
})();
