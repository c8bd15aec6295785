/*
 * Clinic chat widget loader. Add one line to any page:
 *
 *   <script src="https://CLINIC-HOST/widget.js" defer></script>
 *
 * It adds one transparent frame (chat.html on CLINIC-HOST), holding the launcher and the chat
 * window. The conversation, and the visitor's session (an HttpOnly cookie of CLINIC-HOST), stay in
 * that frame: scripts on this page cannot read either. This loader only sizes the frame: small
 * around the launcher when closed, the window's size when open, the whole screen on a phone. The
 * frame tells it {type: "clinic-chat", open: true|false} by postMessage; messages from any other
 * window or origin are ignored, and the loader writes to the frame's origin only.
 * Optional attribute: data-title="..." (the window's heading before the clinic name is known).
 * The page may call ClinicChat.open() and ClinicChat.close().
 */
(function () {
  "use strict";

  if (window.ClinicChat) return;

  var script = document.currentScript;
  if (!script) {
    var candidates = document.querySelectorAll('script[src*="widget.js"]');
    script = candidates[candidates.length - 1];
  }
  if (!script || !script.src) return;

  var BASE = new URL(".", script.src);
  var ORIGIN = BASE.origin;
  var MESSAGE_TYPE = "clinic-chat";
  var PHONE = window.matchMedia ? window.matchMedia("(max-width: 480px)") : null;

  var src = new URL("chat", BASE);
  src.searchParams.set("host", window.location.origin);
  if (script.getAttribute("data-title")) src.searchParams.set("title", script.getAttribute("data-title"));

  var frame = document.createElement("iframe");
  frame.src = src.href;
  frame.className = "clinic-chat-frame";
  frame.title = script.getAttribute("data-title") || "Chat";
  frame.setAttribute("allow", "");
  frame.setAttribute("referrerpolicy", "no-referrer");
  var open = false;

  var BASE_STYLE = "position:fixed;right:0;bottom:0;border:0;margin:0;padding:0;background:transparent;" +
    "color-scheme:normal;z-index:2147483000;max-width:100vw;max-height:100vh;";

  function layout() {
    var size;
    if (!open) size = "width:220px;height:96px;";
    else if (PHONE && PHONE.matches) size = "width:100vw;height:100vh;height:100dvh;";
    else size = "width:500px;height:min(720px, 100vh);";
    frame.setAttribute("style", BASE_STYLE + size);
  }

  function setOpen(value, fromFrame) {
    open = value;
    layout();
    if (!fromFrame && frame.contentWindow) {
      frame.contentWindow.postMessage({ type: MESSAGE_TYPE, open: value }, ORIGIN);
    }
  }

  window.addEventListener("message", function (event) {
    if (event.source !== frame.contentWindow || event.origin !== ORIGIN) return;
    var data = event.data;
    if (!data || data.type !== MESSAGE_TYPE || typeof data.open !== "boolean") return;
    setOpen(data.open, true);
  });
  if (PHONE && PHONE.addEventListener) PHONE.addEventListener("change", layout);

  window.ClinicChat = {
    open: function () {
      setOpen(true, false);
    },
    close: function () {
      setOpen(false, false);
    },
  };

  layout();
  (document.body || document.documentElement).appendChild(frame);
})();
