/* The staff dashboard's live takeover: the nav badge counts chats waiting for a person (polled
 * every 3 s; the page title shows it too), and an open chat view appends new lines every second.
 * Served from /staff/static/staff-live.js (the dashboard's CSP allows only its own scripts). */
(function () {
  "use strict";
  var badge = document.getElementById("live-count");
  var baseTitle = document.title;

  function getJson(url) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } }).then(function (r) {
      if (!r.ok) throw new Error("HTTP " + r.status);
      return r.json();
    });
  }

  function pollWaiting() {
    getJson("/staff/live/waiting.json")
      .then(function (data) {
        var count = data.waiting || 0;
        badge.textContent = String(count);
        badge.setAttribute("aria-label", count + " waiting");
        badge.hidden = count === 0;
        document.title = count ? "(" + count + ") " + baseTitle : baseTitle;
      })
      .catch(function () {})
      .then(function () {
        window.setTimeout(pollWaiting, 3000);
      });
  }
  if (badge) pollWaiting();

  var lines = document.getElementById("live-lines");
  if (!lines) return;
  var after = parseInt(lines.getAttribute("data-after") || "0", 10) || 0;
  var status = document.getElementById("chat-status");

  function addLine(line) {
    var item = document.createElement("li");
    item.className = "turn " + line.role;
    item.setAttribute("data-line", String(line.id));
    var meta = document.createElement("div");
    meta.className = "meta";
    var who = document.createElement("strong");
    who.textContent = line.role === "staff" ? line.name || "Staff" : line.role.charAt(0).toUpperCase() + line.role.slice(1);
    var when = document.createElement("span");
    when.className = "when";
    when.textContent = line.shown || line.time;  // the clinic's time, formatted by the server
    meta.appendChild(who);
    meta.appendChild(document.createTextNode(" "));
    meta.appendChild(when);
    var text = document.createElement("div");
    text.className = "text";
    text.textContent = line.text;
    item.appendChild(meta);
    item.appendChild(text);
    lines.appendChild(item);
  }

  function pollLines() {
    var url = "/staff/live/" + lines.getAttribute("data-chat") + "/lines.json?after=" + after;
    getJson(url)
      .then(function (data) {
        (data.lines || []).forEach(function (line) {
          addLine(line);
          if (line.id > after) after = line.id;
        });
        if (status && data.status) {
          status.textContent = data.status.replace("_", " ");
          status.className = "status live-status-" + data.status;
        }
      })
      .catch(function () {})
      .then(function () {
        window.setTimeout(pollLines, 1000);
      });
  }
  window.setTimeout(pollLines, 1000);
})();
