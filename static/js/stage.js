// The stage screen (progressive enhancement: without JavaScript the page reloads itself and shows
// the countdown as it was when served).
// - The countdown (#stage-timer, data-timer-end) ticks every second, corrected by the server's
//   clock (data-server-now, then each event's server_now). No animation, no blinking.
// - Server-sent events from #stage's data-stream: "stage" carries the screen's body, rendered by
//   the server (the same template as the page), which replaces #stage-body when it changed;
//   "end" (the sharing link was replaced) reloads the page, which then says it is gone.
(function () {
  "use strict";
  var root = document.getElementById("stage");
  if (!root) {
    return;
  }
  var body = document.getElementById("stage-body");
  var offset = 0; // server clock minus this browser's clock, in ms

  function syncClock(serverNow) {
    var server = Date.parse(serverNow || "");
    if (!isNaN(server)) {
      offset = server - Date.now();
    }
  }

  function two(n) {
    return (n < 10 ? "0" : "") + n;
  }

  function tick() {
    var timer = document.getElementById("stage-timer");
    if (!timer) {
      return;
    }
    var end = Date.parse(timer.dataset.timerEnd || "");
    if (isNaN(end)) {
      return;
    }
    var seconds = Math.round((end - (Date.now() + offset)) / 1000);
    var abs = Math.abs(seconds);
    timer.textContent = (seconds < 0 ? "+" : "") + Math.floor(abs / 60) + ":" + two(abs % 60);
    var label = body.querySelector("[data-timer-label]");
    var wanted = seconds < 0 ? root.dataset.over : root.dataset.left;
    if (label && label.textContent !== wanted) {
      label.textContent = wanted;
    }
  }

  syncClock(root.dataset.serverNow);
  tick();
  window.setInterval(tick, 1000);

  var url = root.dataset.stream;
  if (!url || !window.EventSource) {
    return;
  }
  var shown = null;
  var source = new EventSource(url);
  source.addEventListener("stage", function (event) {
    var data = JSON.parse(event.data);
    syncClock(data.server_now);
    if (data.html !== shown) {
      shown = data.html;
      // Rendered and escaped by the server's templates, like the page itself.
      body.innerHTML = data.html;
    }
    root.dataset.phase = data.phase;
    tick();
  });
  source.addEventListener("end", function () {
    source.close();
    window.location.reload();
  });
})();
