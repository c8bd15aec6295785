/*
 * The clinic chat window. It runs in a frame on the assistant's own origin (chat.html), put on the
 * clinic's page by the loader (widget.js): the page's scripts cannot reach into it, and the visitor's
 * session is an HttpOnly cookie of this origin that no script reads, not even this one. The API
 * calls (/api/...) are same-origin, marked with the X-Chat-Frame header. The only messages to the
 * host page are open/close, to the host page's origin only (given by the loader as ?host=); the
 * only ones accepted come from that window and origin.
 *
 * Plain JS, no framework, no build step. Everything it shows is set with textContent: the
 * visitor's and the assistant's words are never parsed as HTML. In the assistant's replies, phone
 * numbers become tel: links and the clinic's address a map link (elements built here, text set with
 * textContent); a reply marked `alert` (the wording catalog's alerts) is shown with role="alert",
 * emphasised. Slot buttons are grouped under their day. A reply that arrives while the window is
 * closed counts on the launcher's badge, kept across reloads.
 */
(function () {
  "use strict";

  var MOBILE = "(max-width: 480px)";
  var ACTIVE_KEY = "clinic-chat:active"; // "1" while this browser has a conversation (not the key to it)
  var UNREAD_KEY = "clinic-chat:unread";
  var MESSAGE_TYPE = "clinic-chat";
  var params = new URLSearchParams(window.location.search);
  var embedded = window.parent !== window;
  var hostOrigin = null;
  try {
    hostOrigin = new URL(params.get("host") || "").origin;
  } catch (e) {
    hostOrigin = null;
  }
  if (hostOrigin === "null") hostOrigin = null;

  function apiUrl(path) {
    return new URL("api/" + path, window.location.href).href;
  }

  // ---- small flags in this origin's storage (may be unavailable: memory then) ----------------
  var memory = {};
  function remember(key, value) {
    memory[key] = value;
    try {
      if (value) window.localStorage.setItem(key, value);
      else window.localStorage.removeItem(key);
    } catch (e) {
      /* memory only */
    }
  }
  function recall(key) {
    try {
      return window.localStorage.getItem(key);
    } catch (e) {
      return memory[key] || null;
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


  // ---- the window ---------------------------------------------------------------------------
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
  var badge = el("span", { class: "badge", "aria-hidden": "true", hidden: "" });
  var unreadLabel = el("span", { class: "sr-only" });
  launcher.appendChild(icon);
  launcher.appendChild(el("span", { text: "Chat with us" }));
  launcher.appendChild(unreadLabel);
  launcher.appendChild(badge);

  var titleText = el("span", { class: "name", text: params.get("title") || "Clinic assistant" });
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
      "so you can continue after reloading (a cookie only the chat server reads); choose \u201cNew chat\u201d to " +
      "forget it on this device.",
  });
  var log = el("div", { class: "log", role: "log", "aria-live": "polite", "aria-label": "Conversation", tabindex: "-1" });
  var scroller = el("div", { class: "scroll" }, [el("div", { class: "notice" }, [disclosure, privacy]), log]);
  var typing = el("div", { class: "typing", role: "status" });
  var confirmText = el("p", { id: "cc-confirm-text" });
  var confirmYes = el("button", { type: "button", class: "danger" });
  var confirmNo = el("button", { type: "button" });
  var confirmBar = el("div", { class: "confirm", role: "group", "aria-labelledby": "cc-confirm-text", hidden: "" }, [
    confirmText,
    confirmYes,
    confirmNo,
  ]);
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
    [el("div", { class: "head" }, [title, newChat, closeButton]), confirmBar, scroller, typing, errorLine, form]
  );
  document.body.appendChild(launcher);
  document.body.appendChild(dialog);

  // ---- state --------------------------------------------------------------------------------
  var busy = false;
  var historyLoaded = false;
  var configLoading = null; // the /api/config request, once started (null again if it failed)
  var clinicPhone = null;
  var emergencyNumber = null;
  var clinicAddress = null;
  var mapUrl = null;
  var activeButtons = []; // the quick replies of the assistant's latest turn
  var greeting = null; // {text, suggestions: [{title, payload}]} from /api/config
  var confirmWords = null; // {question, yes, no} from /api/config
  var greetingShown = false;

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

  // After a reply: to its end if it fits, else to its start (the visitor reads it from the top).
  function scrollToReply(first) {
    if (!first) return;
    var top = first.getBoundingClientRect().top - scroller.getBoundingClientRect().top + scroller.scrollTop - 8;
    if (scroller.scrollHeight - top > scroller.clientHeight) scroller.scrollTop = Math.max(0, top);
    else scrollDown();
  }

  function addMessage(role, text, time, alert) {
    var item = el("div", { class: "msg " + role }, [
      el("span", { class: "sr-only", text: role === "visitor" ? "You said: " : "Assistant: " }),
      role === "assistant" ? assistantBubble(text, alert) : el("p", { class: "bubble", text: text }),
    ]);
    if (role !== "visitor" && dialog.hidden) setUnread(unread() + 1);
    if (time) {
      var when = new Date(time);
      if (!isNaN(when.getTime())) item.title = when.toLocaleString();
    }
    log.appendChild(item);
    scrollDown();
    return item;
  }

  // A staff member's line in a live chat, under their name.
  function addStaffMessage(name, text, time) {
    var item = addMessage("staff", text, time);
    item.insertBefore(el("span", { class: "who", "aria-hidden": "true", text: name || "Staff" }), item.children[1]);
    item.firstChild.textContent = (name || "Staff") + " said: ";
    return item;
  }

  // One line of a live chat: a staff reply, a notice (shown as the assistant's), or the visitor's own.
  function addLiveLine(line) {
    if (line.role === "staff") return addStaffMessage(line.name, line.text, line.time);
    return addMessage(line.role === "visitor" ? "visitor" : "assistant", line.text, line.time);
  }

  // ---- live takeover: while staff have the chat, their lines are polled every second ---------
  var liveAfter = 0; // the last live line shown
  var liveTimer = null;

  function followLive(live) {
    if (!live || !live.open) return;
    if (live.after > liveAfter) liveAfter = live.after;
    if (!liveTimer) liveTimer = window.setTimeout(pollLive, 1000);
  }

  async function pollLive() {
    var open = true;
    try {
      var data = await call("live?after=" + liveAfter, {});
      await loadConfig();
      var first = null;
      (data.lines || []).forEach(function (line) {
        first = first || addLiveLine(line);
        if (line.id > liveAfter) liveAfter = line.id;
      });
      first = renderAssistant(data.messages, true) || first;
      if (first) scrollToReply(first);
      open = data.open === true;
    } catch (err) {
      if (err.status === 401) open = false;
    }
    liveTimer = open ? window.setTimeout(pollLive, 1000) : null;
  }

  function addNote(text) {
    log.appendChild(el("p", { class: "note", text: text }));
    scrollDown();
  }

  // A slot button's title is "Tuesday, November 24 at 3:00 pm": its day and its time.
  var SLOT_TITLE = /^(.+) at (\d{1,2}:\d{2}\s*[ap]m)$/i;

  function slotParts(button) {
    if (!/^\/choose_slot/.test(button.payload)) return null;
    var match = SLOT_TITLE.exec(button.title);
    return match ? { day: match[1], time: match[2] } : null;
  }

  // Quick replies; slot choices are grouped under their day, each chip showing only its time (its
  // accessible name is the whole title).
  function addQuickReplies(buttons, label) {
    if (!buttons || !buttons.length) return;
    var group = el("div", { class: "quick", role: "group", "aria-label": label || "Suggested replies" });
    var lastDay = null;
    buttons.forEach(function (button) {
      var slot = slotParts(button);
      var chip;
      if (slot) {
        if (slot.day !== lastDay) group.appendChild(el("p", { class: "day", text: slot.day }));
        lastDay = slot.day;
        chip = el("button", { type: "button", text: slot.time, "aria-label": button.title });
      } else {
        lastDay = null;
        chip = el("button", { type: "button", text: button.title });
      }
      chip.addEventListener("click", function () {
        choose(button);
      });
      group.appendChild(chip);
      activeButtons.push(button);
    });
    log.appendChild(group);
    return group;
  }

  // The greeting and its suggested first questions, while the conversation is empty.
  function showGreeting() {
    if (greetingShown || !greeting || log.querySelector(".msg")) return;
    greetingShown = true;
    var item = el("div", { class: "msg greeting" }, [
      el("span", { class: "sr-only", text: "Assistant: " }),
      el("p", { class: "bubble", text: greeting.text }),
    ]);
    log.insertBefore(item, log.firstChild);
    addQuickReplies(greeting.suggestions, greeting.label);
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

  // The assistant's messages; the first element added (to scroll to).
  function renderAssistant(messages, trailingActive) {
    var first = null;
    (messages || []).forEach(function (message) {
      var added = null;
      if (message.text) added = addMessage("assistant", message.text, message.time, message.alert === true);
      if (trailingActive && message.buttons && message.buttons.length) {
        var group = addQuickReplies(message.buttons);
        added = added || group;
      }
      first = first || added;
    });
    return first;
  }

  // ---- unread replies (the launcher's badge) -------------------------------------------------
  function unread() {
    return parseInt(recall(UNREAD_KEY) || "0", 10) || 0;
  }

  function setUnread(count) {
    remember(UNREAD_KEY, count > 0 ? String(count) : null);
    showUnread();
  }

  function showUnread() {
    var count = unread();
    badge.textContent = count > 9 ? "9+" : count ? String(count) : "";
    badge.hidden = count === 0;
    unreadLabel.textContent = count ? " (" + count + " unread)" : "";
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
    var headers = { "X-Chat-Frame": "1" };
    if (options.body) headers["Content-Type"] = "application/json";
    var response;
    try {
      response = await fetch(apiUrl(path), {
        method: options.method || "GET",
        headers: headers,
        body: options.body ? JSON.stringify(options.body) : undefined,
        credentials: "same-origin",
        mode: "same-origin",
      });
    } catch (e) {
      throw new ApiError(0, "We couldn't reach the assistant. Please check your connection and try again.");
    }
    var data = null;
    try {
      data = response.status === 204 ? {} : await response.json();
    } catch (e) {
      data = null;
    }
    if (!response.ok) {
      var retry = parseInt(response.headers.get("Retry-After") || "", 10);
      throw new ApiError(response.status, friendly(response.status, data, isNaN(retry) ? null : retry));
    }
    return data || {};
  }

  // The session lives in an HttpOnly cookie set by /api/frame-session; this frame only notes
  // that it has one.
  async function ensureSession() {
    if (recall(ACTIVE_KEY)) return;
    await call("frame-session", { method: "POST" });
    remember(ACTIVE_KEY, "1");
  }

  function forgetSession() {
    remember(ACTIVE_KEY, null);
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
    var welcome = config.greeting;
    if (welcome && typeof welcome.text === "string" && Array.isArray(welcome.suggestions)) greeting = welcome;
    var ask = config.new_chat;
    if (ask && typeof ask.question === "string") confirmWords = ask;
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
    if (!recall(ACTIVE_KEY)) {
      historyLoaded = true;
      await loadConfig();
      showGreeting();
      return;
    }
    busy = true;
    setTyping(true);
    try {
      var data = await call("history", {});
      await loadConfig();
      var messages = data.messages || [];
      var lastVisitor = -1;
      messages.forEach(function (message, index) {
        if (message.role === "visitor") lastVisitor = index;
      });
      messages.forEach(function (message, index) {
        if (message.role === "visitor") {
          addMessage("visitor", message.text, message.time);
        } else if (message.role === "staff" || message.role === "system") {
          addLiveLine(message);
        } else {
          renderAssistant([message], index > lastVisitor);
        }
      });
      historyLoaded = true;
      showGreeting();
      followLive(data.live);
    } catch (err) {
      if (err.status === 401) {
        forgetSession(); // expired: the next message starts a new conversation
        historyLoaded = true;
        showGreeting();
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
      await ensureSession();
      var data = await call("chat", { method: "POST", body: { message: payload } });
      await loadConfig();
      scrollToReply(renderAssistant(data.messages, true));
      followLive(data.live);
    } catch (err) {
      bubble.remove();
      if (typed) {
        // Never lose what the visitor typed: put it back (before anything typed since).
        input.value = input.value ? shown + " " + input.value : shown;
      } else {
        addQuickReplies(offered);
        scrollDown();
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
  // Tell the host page (its loader sizes this frame): {type: "clinic-chat", open: true|false}.
  function tellHost(open) {
    if (embedded && hostOrigin) window.parent.postMessage({ type: MESSAGE_TYPE, open: open }, hostOrigin);
  }

  function openChat() {
    document.documentElement.classList.add("open");
    dialog.hidden = false;
    launcher.setAttribute("aria-expanded", "true");
    tellHost(true);
    setUnread(0);
    input.focus();
    loadConfig();
    loadHistory();
  }

  function closeChat(keepFocus) {
    hideConfirm();
    document.documentElement.classList.remove("open");
    dialog.hidden = true;
    launcher.setAttribute("aria-expanded", "false");
    tellHost(false);
    if (!keepFocus) launcher.focus();
  }

  // The host page may open or close the window too (the loader's ClinicChat.open/close).
  window.addEventListener("message", function (event) {
    if (!embedded || event.source !== window.parent || event.origin !== hostOrigin) return;
    var data = event.data;
    if (!data || data.type !== MESSAGE_TYPE || typeof data.open !== "boolean") return;
    if (data.open && dialog.hidden) openChat();
    else if (!data.open && !dialog.hidden) closeChat(true);
  });

  launcher.addEventListener("click", function () {
    if (dialog.hidden) openChat();
    else closeChat();
  });
  closeButton.addEventListener("click", function () {
    closeChat();
  });

  // "New chat" asks first; only then is the session cookie cleared (by the server: it is HttpOnly).
  function hideConfirm() {
    confirmBar.hidden = true;
  }

  newChat.addEventListener("click", async function () {
    if (busy) return;
    await loadConfig();
    var words = confirmWords || { question: "Start a new chat?", confirm: "Start a new chat", keep: "Keep this chat" };
    confirmText.textContent = words.question;
    confirmYes.textContent = words.confirm;
    confirmNo.textContent = words.keep;
    confirmBar.hidden = false;
    confirmNo.focus();
  });

  confirmNo.addEventListener("click", function () {
    hideConfirm();
    input.focus();
  });

  confirmYes.addEventListener("click", async function () {
    if (busy) return;
    hideConfirm();
    try {
      await call("frame-session", { method: "DELETE" });
    } catch (err) {
      showError(err.message);
      return;
    }
    forgetSession();
    clearQuickReplies();
    log.textContent = "";
    clearError();
    historyLoaded = true;
    addNote("New conversation started. Your earlier chat is no longer linked to this browser.");
    greetingShown = false;
    showGreeting();
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
      var current = document.activeElement;
      if (event.shiftKey && current === items[0]) {
        event.preventDefault();
        items[items.length - 1].focus();
      } else if (!event.shiftKey && current === items[items.length - 1]) {
        event.preventDefault();
        items[0].focus();
      }
    }
  });

  showUnread();
  if (!embedded) openChat(); // opened on its own (no host page): the window is the page
})();
