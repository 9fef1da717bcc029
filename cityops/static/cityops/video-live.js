// The live view: play each <video data-hls-src> with hls.js (or the browser's own HLS), and say in
// words what went wrong when it cannot. No HTML is built from strings: errors go in as text.
(function () {
  "use strict";

  function say(video, key, detail) {
    var box = video.parentNode.querySelector(".video-live-error");
    if (!box) return;
    box.textContent = (video.dataset[key] || "") + (detail ? " " + detail : "");
    box.hidden = false;
    video.dataset.state = "error";
  }

  function start(video) {
    var src = video.dataset.hlsSrc;
    if (video.dataset.started) return;
    video.dataset.started = "yes";
    if (window.Hls && window.Hls.isSupported()) {
      var hls = new window.Hls({ lowLatencyMode: true, manifestLoadingMaxRetry: 2 });
      hls.on(window.Hls.Events.ERROR, function (_event, data) {
        if (!data.fatal) return;
        var detail = data.details + (data.response && data.response.code ? " (HTTP " + data.response.code + ")" : "");
        if (data.type === window.Hls.ErrorTypes.NETWORK_ERROR) say(video, "msgNetwork", detail);
        else if (data.type === window.Hls.ErrorTypes.MEDIA_ERROR) say(video, "msgMedia", detail);
        else say(video, "msgOther", detail);
        hls.destroy();
      });
      hls.loadSource(src);
      hls.attachMedia(video);
      video._hls = hls;
    } else if (video.canPlayType("application/vnd.apple.mpegurl")) {
      video.src = src;
      video.addEventListener("error", function () { say(video, "msgMedia", ""); });
    } else {
      say(video, "msgUnsupported", "");
      return;
    }
    video.addEventListener("playing", function () { video.dataset.state = "playing"; });
    var play = video.play();
    if (play && play.catch) play.catch(function () { /* autoplay refused: the controls remain */ });
  }

  function init(root) {
    (root || document).querySelectorAll("video[data-hls-src]").forEach(start);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", function () { init(); });
  else init();
  document.addEventListener("htmx:afterSwap", function (e) { init(e.target); });
})();
