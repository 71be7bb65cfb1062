// Live session pages (progressive enhancement: without JavaScript they show the start and planned
// end of the current pitch, and a reload shows the latest state).
// - The countdown of the current pitch (#slot-timer, data-timer-end), corrected by the server's clock.
// - Server-sent events from #live's data-live-stream: "slot" (the session's status, the current
//   pitch, the agenda's statuses), "progress" (jurors' progress, or the juror's own), "end" (the
//   session was locked: the page is reloaded to show it). EventSource reconnects by itself when the
//   stream ends. A scheduled session is followed too: the page shows it opening.
// - What depends on the session's status carries data-session-when (the statuses it shows for);
//   each agenda row's actions carry data-slot-when (the slot statuses they show for). The server
//   renders them with `hidden` as they should be, so the page works the same without JavaScript.
// - Changes are announced in #live-status (role="status", polite). When a change hides the
//   focused button, the focus moves to what replaced it (the row's status, "No pitch is live").
(function () {
  "use strict";
  var root = document.getElementById("live");
  if (!root) {
    return;
  }
  var offset = 0; // server clock minus this browser's clock, in ms

  function syncClock(serverNow) {
    var server = Date.parse(serverNow || "");
    if (!isNaN(server)) {
      offset = server - Date.now();
    }
  }

  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (_match, key) {
      return values[key] === undefined ? "" : String(values[key]);
    });
  }

  function setText(selector, text, scope) {
    var node = (scope || root).querySelector(selector);
    if (node) {
      node.textContent = text;
    }
  }

  // --- the countdown ---------------------------------------------------------------------------
  var timer = document.getElementById("slot-timer");

  function two(n) {
    return (n < 10 ? "0" : "") + n;
  }

  function tick() {
    if (!timer) {
      return;
    }
    var end = Date.parse(timer.dataset.timerEnd || "");
    if (isNaN(end)) {
      timer.textContent = "";
      return;
    }
    var seconds = Math.round((end - (Date.now() + offset)) / 1000);
    var abs = Math.abs(seconds);
    var time = Math.floor(abs / 60) + ":" + two(abs % 60);
    timer.textContent = fill(seconds >= 0 ? root.dataset.left : root.dataset.over, { time: time });
  }

  syncClock(root.dataset.serverNow);
  tick();
  window.setInterval(tick, 1000);

  // --- live updates -----------------------------------------------------------------------------
  var url = root.dataset.liveStream;
  if (!url || !window.EventSource) {
    return;
  }
  var status = document.getElementById("live-status");

  function announce(text) {
    if (status && text) {
      status.textContent = text;
    }
  }

  function showsFor(node, attribute, value) {
    return (node.getAttribute(attribute) || "").split(" ").indexOf(value) >= 0;
  }

  // Show or hide `node`; if hiding it would lose the focus, the focus moves to `fallback` first.
  function toggle(node, show, fallback) {
    if (!node) {
      return;
    }
    if (!show && !node.hidden && fallback && node.contains(document.activeElement)) {
      if (!fallback.hasAttribute("tabindex")) {
        fallback.setAttribute("tabindex", "-1");
      }
      node.hidden = true;
      fallback.focus();
      return;
    }
    node.hidden = !show;
  }

  function showSession(state) {
    if (!state) {
      return;
    }
    var before = root.dataset.session;
    root.dataset.session = state;
    Array.prototype.forEach.call(root.querySelectorAll("[data-session-when]"), function (node) {
      toggle(node, showsFor(node, "data-session-when", state), document.getElementById("session-status"));
    });
    if (before && before !== state && state === "open") {
      announce(root.dataset.opened);
    }
  }

  function showRows(slots, state) {
    var table = document.getElementById("agenda");
    var rows = table ? table.querySelectorAll("tbody tr[data-slot-id]") : [];
    var editable = state === "scheduled" || state === "open";
    var changes = [];
    // Rows added, removed or moved elsewhere: this page cannot draw them, it says so.
    var notice = root.querySelector("[data-agenda-changed]");
    var shown = Array.prototype.map.call(rows, function (row) {
      return row.dataset.slotId;
    });
    var sent = slots.map(function (slot) {
      return String(slot.id);
    });
    if (notice && notice.hidden && shown.join(" ") !== sent.join(" ")) {
      notice.hidden = false;
      changes.push(notice.textContent.trim());
    }
    slots.forEach(function (slot) {
      var row = table && table.querySelector('tr[data-slot-id="' + slot.id + '"]');
      if (!row) {
        return;
      }
      var cell = row.querySelector("[data-slot-status]");
      if (row.dataset.status !== slot.status) {
        changes.push(fill(root.dataset.rowStatus, { title: row.dataset.title, status: slot.label }));
        row.dataset.status = slot.status;
        if (cell) {
          cell.textContent = slot.label;
        }
      }
      Array.prototype.forEach.call(row.querySelectorAll("[data-slot-when]"), function (part) {
        toggle(part, editable && showsFor(part, "data-slot-when", slot.status), cell);
      });
    });
    if (changes.length) {
      announce(changes.join(" "));
    }
  }

  function showCurrent(current) {
    var box = root.querySelector("[data-current]");
    var none = root.querySelector("[data-no-current]");
    if (none) {
      none.hidden = !!current;
    }
    toggle(box, !!current, none);
    toggle(document.querySelector("[data-current-lock]"), !!current, none);
    if (!current) {
      if (timer) {
        timer.dataset.timerEnd = "";
      }
      return;
    }
    setText("[data-current-title]", current.title);
    setText("[data-current-team]", current.team);
    setText("[data-current-start]", current.start_label);
    setText("[data-current-end]", current.end_label);
    setText("[data-current-duration]", current.duration_minutes);
    if (timer) {
      timer.dataset.timerEnd = current.planned_end || "";
    }
    var slotInput = document.querySelector("[data-current-slot]");
    if (slotInput) {
      slotInput.value = current.slot;
    }
    var score = root.querySelector("[data-score]");
    var link = root.querySelector("[data-score-link]");
    if (score && link) {
      score.hidden = !current.score_url;
      link.setAttribute("href", current.score_url || "");
    }
    var note = root.querySelector("[data-score-note]");
    if (note) {
      note.hidden = !current.note;
      note.textContent = current.note || "";
    }
  }

  function onSlot(event) {
    if (leaving) {
      return; // a form of this page was sent: its answer shows the new state
    }
    var data = JSON.parse(event.data);
    syncClock(data.server_now);
    setText("#session-status", data.status_label);
    showSession(data.status);
    showCurrent(data.current);
    if (data.slots) {
      showRows(data.slots, data.status);
    }
    tick();
  }

  function onProgress(event) {
    var data = JSON.parse(event.data);
    var template = root.dataset.progress;
    (data.jurors || []).forEach(function (juror) {
      var row = root.querySelector('#juror-progress [data-juror="' + juror.id + '"]');
      if (row) {
        setText("[data-progress-cell]", fill(template, { done: juror.submitted, total: juror.assigned }), row);
      }
    });
    (data.slots || []).forEach(function (slot) {
      var row = root.querySelector('[data-slot-id="' + slot.id + '"]');
      if (row) {
        setText("[data-slot-submitted]", slot.submitted, row);
      }
    });
    if (data.done !== undefined) {
      setText("[data-own-progress]", fill(template, data));
    }
  }

  var source = new EventSource(url);
  // The stream ends every few minutes and the browser reconnects at once: only a connection that
  // stays lost is announced.
  source.addEventListener("open", function () {
    if (status && status.textContent !== root.dataset.connected) {
      status.textContent = root.dataset.connected;
    }
  });
  source.addEventListener("error", function () {
    window.setTimeout(function () {
      if (status && source.readyState === EventSource.CONNECTING) {
        status.textContent = root.dataset.reconnecting;
      }
    }, 8000);
  });
  source.addEventListener("slot", onSlot);
  source.addEventListener("progress", onProgress);
  // The session was locked: reload to show it, unless this page is already being left (the
  // organiser pressed "Lock the session" here, and the answer to that form is on its way).
  var leaving = false;
  window.addEventListener("beforeunload", function () {
    leaving = true;
  });
  document.addEventListener("submit", function () {
    leaving = true;
  });
  source.addEventListener("end", function () {
    source.close();
    if (!leaving) {
      window.location.reload();
    }
  });
})();
