/*
 * Clinic chat widget. Add one line to any page:
 *
 *   <script src="https://CLINIC-HOST/widget.js" defer></script>
 *
 * It adds a launcher button and a chat window (in a shadow root, so page styles and the widget's
 * never mix) and talks to the chat API next to this script (/api/..., CORS for other sites).
 * Plain JS, no framework, no build step. Everything it shows is set with textContent: the
 * visitor's and the assistant's words are never parsed as HTML. In the assistant's replies, phone
 * numbers become tel: links and the clinic's address a map link (elements built here, text set with
 * textContent); a reply marked `alert` (the wording catalog's alerts) is shown with role="alert",
 * emphasised.
 * Optional attribute: data-title="..." (the window's heading before the clinic name is known).
 */
(function () {
  "use strict";

  if (window.__clinicChatWidget) return;
  window.__clinicChatWidget = true;

  var script = document.currentScript;
  if (!script) {
    var candidates = document.querySelectorAll('script[src*="widget.js"]');
    script = candidates[candidates.length - 1];
  }
  if (!script || !script.src) return;

  var BASE = new URL(".", script.src);
  var STORE_KEY = "clinic-chat:" + BASE.host + ":session";
  var MOBILE = "(max-width: 480px)";

  function apiUrl(path) {
    return new URL("api/" + path, BASE).href;
  }

  // ---- storage (may be unavailable, e.g. blocked third-party storage) ----------------------
  var memoryToken = null;
  function loadToken() {
    try {
      return window.localStorage.getItem(STORE_KEY);
    } catch (e) {
      return memoryToken;
    }
  }
  function saveToken(value) {
    memoryToken = value;
    try {
      if (value) window.localStorage.setItem(STORE_KEY, value);
      else window.localStorage.removeItem(STORE_KEY);
    } catch (e) {
      /* memory only */
    }
  }

  // ---- DOM helpers --------------------------------------------------------------------------
  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (key) {
      var value = attrs[key];
      if (key === "text") node.textContent = value;
      else if (key === "class") node.className = value;
      else node.setAttribute(key, value);
    });
    (children || []).forEach(function (child) {
      node.appendChild(child);
    });
    return node;
  }

  var CSS = [
    ":host { all: initial; }",
    "*, *::before, *::after { box-sizing: border-box; }",
    "[hidden] { display: none !important; }",
    ".sr-only { position: absolute; width: 1px; height: 1px; padding: 0; margin: -1px; overflow: hidden;",
    "  clip: rect(0 0 0 0); white-space: nowrap; border: 0; }",
    ".launcher, .dialog { font: 16px/1.45 system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif; color: #1d2327; }",
    ".launcher { position: fixed; right: 20px; bottom: 20px; z-index: 2147483000; display: flex; align-items: center;",
    "  gap: 8px; padding: 12px 18px; border: 0; border-radius: 999px; background: #2f6f73; color: #fff;",
    "  font-weight: 600; cursor: pointer; box-shadow: 0 4px 14px rgba(0,0,0,.25); }",
    ".launcher:hover { background: #245a5d; }",
    ".launcher svg { width: 20px; height: 20px; fill: currentColor; }",
    "button:focus-visible, input:focus-visible, a:focus-visible, .log:focus-visible { outline: 3px solid #f2a900;",
    "  outline-offset: 2px; }",
    ".dialog { position: fixed; right: 20px; bottom: 84px; z-index: 2147483001; width: 380px;",
    "  height: min(620px, calc(100vh - 104px)); display: flex; flex-direction: column; background: #fff;",
    "  border-radius: 12px; box-shadow: 0 10px 40px rgba(0,0,0,.3); overflow: hidden; }",
    ".head { display: flex; align-items: center; gap: 8px; padding: 10px 12px 10px 16px; background: #2f6f73; color: #fff; }",
    ".head h2 { flex: 1; margin: 0; font-size: 1rem; font-weight: 600; line-height: 1.25; }",
    ".head .sub { display: block; font-weight: 400; font-size: .8rem; opacity: .9; }",
    ".head button { border: 1px solid rgba(255,255,255,.6); background: transparent; color: #fff; border-radius: 6px;",
    "  padding: 5px 9px; font: inherit; font-size: .85rem; cursor: pointer; }",
    ".head button.close { font-size: 1.2rem; line-height: 1; padding: 4px 9px; }",
    ".head button:hover { background: rgba(255,255,255,.15); }",
    ".scroll { flex: 1; overflow-y: auto; padding: 12px 14px; background: #f6f7f7; }",
    ".notice { font-size: .82rem; color: #333d42; background: #fff8e6; border: 1px solid #f0dca8; border-radius: 8px;",
    "  padding: 8px 10px; margin-bottom: 12px; }",
    ".notice p { margin: 0 0 6px; } .notice p:last-child { margin: 0; }",
    ".log { display: flex; flex-direction: column; gap: 8px; }",
    ".log:focus { outline: none; }",
    ".msg { display: flex; }",
    ".msg .bubble { margin: 0; max-width: 85%; padding: 8px 12px; border-radius: 14px; white-space: pre-wrap;",
    "  overflow-wrap: anywhere; }",
    ".msg.assistant .bubble { background: #fff; border: 1px solid #dde3e4; border-bottom-left-radius: 4px; }",
    ".msg.assistant .bubble a { color: #1f4f52; font-weight: 600; text-decoration: underline; text-underline-offset: 2px; }",
    ".msg.assistant .bubble.alert { max-width: 92%; background: #fdecea; border: 2px solid #b3261e;",
    "  border-left-width: 6px; color: #4a0e0a; }",
    ".msg.assistant .bubble a[href^='tel:'] { white-space: nowrap; }",
    ".bubble.alert .lead { font-weight: 700; }",
    ".msg.assistant .bubble.alert a { color: #8a1c1c; font-weight: 700; }",
    ".msg.visitor { justify-content: flex-end; }",
    ".msg.visitor .bubble { background: #2f6f73; color: #fff; border-bottom-right-radius: 4px; }",
    ".note { text-align: center; font-size: .8rem; color: #56646b; margin: 4px 0; }",
    ".quick { display: flex; flex-wrap: wrap; gap: 6px; }",
    ".quick button { border: 1px solid #2f6f73; background: #fff; color: #1f4f52; border-radius: 999px;",
    "  padding: 6px 12px; font: inherit; font-size: .9rem; cursor: pointer; text-align: left; }",
    ".quick button:hover { background: #e8f2f2; }",
    ".typing { padding: 4px 16px; font-size: .85rem; color: #56646b; min-height: 0; }",
    ".typing .dot { display: inline-block; width: 6px; height: 6px; margin-left: 3px; border-radius: 50%;",
    "  background: #56646b; animation: blink 1.2s infinite both; }",
    ".typing .dot:nth-child(2) { animation-delay: .2s; } .typing .dot:nth-child(3) { animation-delay: .4s; }",
    "@keyframes blink { 0%, 80%, 100% { opacity: .2; } 40% { opacity: 1; } }",
    "@media (prefers-reduced-motion: reduce) { .typing .dot { animation: none; } }",
    ".error { margin: 0; padding: 6px 16px; font-size: .85rem; color: #8a1c1c; background: #fdeeee; }",
    ".composer { display: flex; gap: 8px; padding: 10px 12px; border-top: 1px solid #e2e6e7; background: #fff; }",
    ".composer input { flex: 1; min-width: 0; padding: 9px 12px; font: inherit; font-size: 16px;",
    "  border: 1px solid #9aa5a9; border-radius: 8px; color: #1d2327; background: #fff; }",
    ".composer button { padding: 9px 16px; border: 0; border-radius: 8px; background: #2f6f73; color: #fff;",
    "  font: inherit; font-weight: 600; cursor: pointer; }",
    "@media " + MOBILE + " {",
    "  .dialog { inset: 0; right: 0; bottom: 0; width: 100%; height: 100%; max-height: none; border-radius: 0; }",
    "  .launcher { right: 12px; bottom: 12px; }",
    "}",
  ].join("\n");

  // ---- the window ---------------------------------------------------------------------------
  var host = el("div", { id: "clinic-chat-widget" });
  var root = host.attachShadow ? host.attachShadow({ mode: "open" }) : host;
  if (root.adoptedStyleSheets !== undefined && window.CSSStyleSheet && "replaceSync" in CSSStyleSheet.prototype) {
    var sheet = new CSSStyleSheet();
    sheet.replaceSync(CSS); // not an inline <style>: works under a strict style-src policy too
    root.adoptedStyleSheets = [sheet];
  } else {
    root.appendChild(el("style", { text: CSS }));
  }

  var icon = document.createElementNS("http://www.w3.org/2000/svg", "svg");
  icon.setAttribute("viewBox", "0 0 24 24");
  icon.setAttribute("aria-hidden", "true");
  icon.setAttribute("focusable", "false");
  var iconPath = document.createElementNS("http://www.w3.org/2000/svg", "path");
  iconPath.setAttribute("d", "M4 3h16a2 2 0 0 1 2 2v11a2 2 0 0 1-2 2H9l-5 4v-4H4a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2z");
  icon.appendChild(iconPath);

  var launcher = el("button", {
    type: "button",
    class: "launcher",
    "aria-haspopup": "dialog",
    "aria-expanded": "false",
    "aria-controls": "cc-dialog",
  });
  launcher.appendChild(icon);
  launcher.appendChild(el("span", { text: "Chat with us" }));

  var titleText = el("span", { class: "name", text: script.getAttribute("data-title") || "Clinic assistant" });
  var title = el("h2", { id: "cc-title" }, [titleText, el("span", { class: "sub", text: "Automated assistant" })]);
  var newChat = el("button", { type: "button", class: "new", text: "New chat", "aria-label": "Start a new chat" });
  var closeButton = el("button", { type: "button", class: "close", "aria-label": "Close chat", text: "\u00d7" });

  var emergency = el("span", { text: "your local emergency number" });
  var disclosure = el("p", { id: "cc-disclosure" }, [
    el("strong", { text: "You're chatting with an automated assistant, not a clinician. " }),
    document.createTextNode("It gives general information only, not medical advice or a diagnosis. In an emergency, call "),
    emergency,
    document.createTextNode("."),
  ]);
  var privacy = el("p", {
    id: "cc-privacy",
    text:
      "Privacy: the clinic stores this conversation, including any name, phone number or e-mail you give, " +
      "so its staff can follow up. Please share only what is needed. This browser keeps a chat key for a day " +
      "so you can continue after reloading; choose \u201cNew chat\u201d to forget it on this device.",
  });
  var log = el("div", { class: "log", role: "log", "aria-live": "polite", "aria-label": "Conversation", tabindex: "-1" });
  var scroller = el("div", { class: "scroll" }, [el("div", { class: "notice" }, [disclosure, privacy]), log]);
  var typing = el("div", { class: "typing", role: "status" });
  var errorLine = el("p", { class: "error", role: "alert", hidden: "" });
  var input = el("input", {
    id: "cc-input",
    type: "text",
    autocomplete: "off",
    enterkeyhint: "send",
    maxlength: "1000",
    placeholder: "Type your message",
  });
  var sendButton = el("button", { type: "submit", text: "Send" });
  var form = el("form", { class: "composer", novalidate: "" }, [
    el("label", { for: "cc-input", class: "sr-only", text: "Your message" }),
    input,
    sendButton,
  ]);
  var dialog = el(
    "div",
    {
      id: "cc-dialog",
      class: "dialog",
      role: "dialog",
      "aria-labelledby": "cc-title",
      "aria-describedby": "cc-disclosure",
      hidden: "",
    },
    [el("div", { class: "head" }, [title, newChat, closeButton]), scroller, typing, errorLine, form]
  );
  root.appendChild(launcher);
  root.appendChild(dialog);
  (document.body || document.documentElement).appendChild(host);

  // ---- state --------------------------------------------------------------------------------
  var token = loadToken();
  var busy = false;
  var historyLoaded = false;
  var configLoading = null; // the /api/config request, once started (null again if it failed)
  var clinicPhone = null;
  var emergencyNumber = null;
  var clinicAddress = null;
  var mapUrl = null;
  var activeButtons = []; // the quick replies of the assistant's latest turn

  // ---- links in the assistant's replies -----------------------------------------------------
  // Phone-number-shaped text (US formats: 818 555 0199, (818) 555-0199, +1 818-555-0199), the
  // clinic's phone and emergency number as /api/config gives them, and the clinic's address.
  var PHONE = /(?:\+?1[ .\-\u00a0]?)?(?:\(\d{3}\)|\d{3})[ .\-\u00a0]?\d{3}[ .\-\u00a0]?\d{4}/;

  function telHref(number) {
    return "tel:" + (/^\s*\+/.test(number) ? "+" : "") + number.replace(/\D/g, "");
  }

  function isWordChar(ch) {
    return !!ch && /[0-9A-Za-z]/.test(ch);
  }

  function linkSpans(text) {
    var found = [];
    function add(start, end, href, external) {
      if (isWordChar(text.charAt(start - 1)) || isWordChar(text.charAt(end))) return; // part of a longer word
      found.push({ start: start, end: end, href: href, external: external });
    }
    function exact(needle, href, external) {
      if (!needle || !href) return;
      for (var at = text.indexOf(needle); at !== -1; at = text.indexOf(needle, at + needle.length)) {
        add(at, at + needle.length, href, external);
      }
    }
    exact(clinicAddress, mapUrl, true);
    exact(clinicPhone, clinicPhone && telHref(clinicPhone), false);
    exact(emergencyNumber, emergencyNumber && telHref(emergencyNumber), false);
    var phone = new RegExp(PHONE.source, "g");
    for (var match = phone.exec(text); match; match = phone.exec(text)) {
      add(match.index, match.index + match[0].length, telHref(match[0]), false);
    }
    found.sort(function (a, b) {
      return a.start - b.start || b.end - a.end;
    });
    var kept = [];
    var end = 0;
    found.forEach(function (span) {
      if (span.start >= end) {
        kept.push(span);
        end = span.end;
      }
    });
    return kept;
  }

  // The text as text nodes and <a> elements (never parsed as HTML).
  function linked(text) {
    var fragment = document.createDocumentFragment();
    var at = 0;
    linkSpans(text).forEach(function (span) {
      if (span.start > at) fragment.appendChild(document.createTextNode(text.slice(at, span.start)));
      var attrs = { href: span.href, text: text.slice(span.start, span.end) };
      if (span.external) {
        attrs.target = "_blank";
        attrs.rel = "noopener noreferrer";
      }
      fragment.appendChild(el("a", attrs));
      at = span.end;
    });
    if (at < text.length) fragment.appendChild(document.createTextNode(text.slice(at)));
    return fragment;
  }

  // An assistant's bubble; an alert is announced at once (role="alert") and its first sentence is bold.
  function assistantBubble(text, alert) {
    if (!alert) {
      var bubble = el("p", { class: "bubble" });
      bubble.appendChild(linked(text));
      return bubble;
    }
    var node = el("p", { class: "bubble alert", role: "alert", "aria-live": "assertive", "aria-atomic": "true" });
    var lead = /^\s*[\s\S]*?[.!?](?=\s|$)/.exec(text);
    var leadText = lead ? lead[0] : text;
    var strong = el("strong", { class: "lead" });
    strong.appendChild(linked(leadText));
    node.appendChild(strong);
    node.appendChild(linked(text.slice(leadText.length)));
    return node;
  }

  function scrollDown() {
    scroller.scrollTop = scroller.scrollHeight;
  }

  function addMessage(role, text, time, alert) {
    var item = el("div", { class: "msg " + role }, [
      el("span", { class: "sr-only", text: role === "visitor" ? "You said: " : "Assistant: " }),
      role === "visitor" ? el("p", { class: "bubble", text: text }) : assistantBubble(text, alert),
    ]);
    if (time) {
      var when = new Date(time);
      if (!isNaN(when.getTime())) item.title = when.toLocaleString();
    }
    log.appendChild(item);
    scrollDown();
    return item;
  }

  function addNote(text) {
    log.appendChild(el("p", { class: "note", text: text }));
    scrollDown();
  }

  function addQuickReplies(buttons) {
    if (!buttons || !buttons.length) return;
    var group = el("div", { class: "quick", role: "group", "aria-label": "Suggested replies" });
    buttons.forEach(function (button) {
      var chip = el("button", { type: "button", text: button.title });
      chip.addEventListener("click", function () {
        choose(button);
      });
      group.appendChild(chip);
      activeButtons.push(button);
    });
    log.appendChild(group);
    scrollDown();
  }

  function clearQuickReplies() {
    var removed = activeButtons;
    activeButtons = [];
    Array.prototype.forEach.call(log.querySelectorAll(".quick"), function (group) {
      group.remove();
    });
    return removed;
  }

  function setTyping(on) {
    typing.textContent = "";
    if (on) {
      typing.appendChild(document.createTextNode("Assistant is typing"));
      for (var i = 0; i < 3; i++) typing.appendChild(el("span", { class: "dot", "aria-hidden": "true" }));
    }
  }

  function showError(message) {
    errorLine.textContent = message;
    errorLine.hidden = false;
  }

  function clearError() {
    errorLine.textContent = "";
    errorLine.hidden = true;
  }

  function renderAssistant(messages, trailingActive) {
    (messages || []).forEach(function (message) {
      if (message.text) addMessage("assistant", message.text, message.time, message.alert === true);
      if (trailingActive && message.buttons && message.buttons.length) addQuickReplies(message.buttons);
    });
  }

  // ---- the API ------------------------------------------------------------------------------
  function ApiError(status, message) {
    this.status = status;
    this.message = message;
  }

  function friendly(status, data, retryAfter) {
    if (status === 429) {
      return (
        "You're sending messages quickly. Please wait " +
        (retryAfter ? retryAfter + " seconds" : "a moment") +
        " and try again."
      );
    }
    if (status === 401) {
      return "Your chat session has ended. Send your message again to start a new conversation.";
    }
    if (status >= 500) {
      return (
        "The assistant is unavailable right now. Please try again in a few minutes" +
        (clinicPhone ? ", or call the clinic at " + clinicPhone : "") +
        "."
      );
    }
    if (data && typeof data.error === "string" && data.error) return data.error;
    return "Something went wrong. Please try again.";
  }

  async function call(path, options) {
    var headers = {};
    if (options.token) headers.Authorization = "Bearer " + options.token;
    if (options.body) headers["Content-Type"] = "application/json";
    var response;
    try {
      response = await fetch(apiUrl(path), {
        method: options.method || "GET",
        headers: headers,
        body: options.body ? JSON.stringify(options.body) : undefined,
        credentials: "omit",
        mode: "cors",
      });
    } catch (e) {
      throw new ApiError(0, "We couldn't reach the assistant. Please check your connection and try again.");
    }
    var data = null;
    try {
      data = await response.json();
    } catch (e) {
      data = null;
    }
    if (!response.ok) {
      var retry = parseInt(response.headers.get("Retry-After") || "", 10);
      throw new ApiError(response.status, friendly(response.status, data, isNaN(retry) ? null : retry));
    }
    return data || {};
  }

  async function ensureSession() {
    if (token) return token;
    var data = await call("session", { method: "POST" });
    if (!data.session) throw new ApiError(500, friendly(500));
    token = data.session;
    saveToken(token);
    return token;
  }

  function forgetSession() {
    token = null;
    saveToken(null);
  }

  function applyConfig(config) {
    if (typeof config.clinic === "string" && config.clinic) titleText.textContent = config.clinic;
    if (typeof config.emergency_number === "string" && config.emergency_number) {
      emergency.textContent = config.emergency_number;
      emergencyNumber = config.emergency_number;
    }
    if (typeof config.phone === "string") clinicPhone = config.phone;
    if (typeof config.address === "string" && config.address) clinicAddress = config.address;
    if (typeof config.map_url === "string" && /^https:\/\//i.test(config.map_url)) mapUrl = config.map_url;
    if (config.max_message_chars > 0) input.setAttribute("maxlength", String(config.max_message_chars));
  }

  // Resolves once the configuration is known (or could not be had: the defaults stay, and the next
  // call tries again). Replies are rendered after it, so that their numbers and address are linked.
  function loadConfig() {
    if (!configLoading) {
      configLoading = call("config", {})
        .then(applyConfig)
        .catch(function () {
          configLoading = null;
        });
    }
    return configLoading;
  }

  async function loadHistory() {
    if (historyLoaded || busy) return;
    if (!token) {
      historyLoaded = true;
      return;
    }
    busy = true;
    setTyping(true);
    try {
      var data = await call("history", { token: token });
      await loadConfig();
      var messages = data.messages || [];
      var lastVisitor = -1;
      messages.forEach(function (message, index) {
        if (message.role === "visitor") lastVisitor = index;
      });
      messages.forEach(function (message, index) {
        if (message.role === "visitor") {
          addMessage("visitor", message.text, message.time);
        } else {
          renderAssistant([message], index > lastVisitor);
        }
      });
      historyLoaded = true;
    } catch (err) {
      if (err.status === 401) {
        forgetSession(); // expired: the next message starts a new conversation
        historyLoaded = true;
      } else {
        showError("We couldn't load your earlier messages. " + err.message);
      }
    } finally {
      busy = false;
      setTyping(false);
    }
  }

  async function send(payload, shown, typed) {
    if (busy) return;
    busy = true;
    clearError();
    var bubble = addMessage("visitor", shown);
    var offered = clearQuickReplies();
    setTyping(true);
    try {
      var session = await ensureSession();
      var data = await call("chat", { method: "POST", token: session, body: { message: payload } });
      await loadConfig();
      renderAssistant(data.messages, true);
    } catch (err) {
      bubble.remove();
      if (typed) {
        // Never lose what the visitor typed: put it back (before anything typed since).
        input.value = input.value ? shown + " " + input.value : shown;
      } else {
        addQuickReplies(offered);
      }
      if (err.status === 401) forgetSession();
      showError(err.message || friendly(500));
    } finally {
      busy = false;
      setTyping(false);
    }
  }

  function choose(button) {
    if (busy) return;
    send(button.payload, button.title, false);
    // The chips are gone: keep keyboard focus inside the window. On touch screens, focusing the
    // input would pop up the keyboard over the next quick replies, so the log takes focus there.
    if (window.matchMedia && window.matchMedia("(pointer: coarse)").matches) log.focus();
    else input.focus();
  }

  // ---- events -------------------------------------------------------------------------------
  function openChat() {
    dialog.hidden = false;
    launcher.setAttribute("aria-expanded", "true");
    if (window.matchMedia && window.matchMedia(MOBILE).matches) launcher.hidden = true;
    input.focus();
    loadConfig();
    loadHistory();
  }

  function closeChat() {
    dialog.hidden = true;
    launcher.hidden = false;
    launcher.setAttribute("aria-expanded", "false");
    launcher.focus();
  }

  launcher.addEventListener("click", function () {
    if (dialog.hidden) openChat();
    else closeChat();
  });
  closeButton.addEventListener("click", closeChat);

  newChat.addEventListener("click", function () {
    if (busy) return;
    forgetSession();
    clearQuickReplies();
    log.textContent = "";
    clearError();
    historyLoaded = true;
    addNote("New conversation started. Your earlier chat is no longer linked to this browser.");
    input.focus();
  });

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var text = input.value.trim();
    if (!text) {
      showError("Please type a message.");
      return;
    }
    if (busy) return;
    input.value = "";
    send(text, text, true);
  });

  function focusables() {
    return Array.prototype.filter.call(dialog.querySelectorAll("button, input"), function (node) {
      return !node.disabled && node.offsetParent !== null;
    });
  }

  dialog.addEventListener("keydown", function (event) {
    if (event.key === "Escape") {
      event.preventDefault();
      closeChat();
      return;
    }
    // Full-screen on a phone the page behind is covered: keep Tab inside the window there.
    if (event.key === "Tab" && window.matchMedia && window.matchMedia(MOBILE).matches) {
      var items = focusables();
      if (!items.length) return;
      var current = root.activeElement;
      if (event.shiftKey && current === items[0]) {
        event.preventDefault();
        items[items.length - 1].focus();
      } else if (!event.shiftKey && current === items[items.length - 1]) {
        event.preventDefault();
        items[0].focus();
      }
    }
  });
})();
