/* The resident chat widget: socket.io-client 4 (served from node_modules) and the DOM, nothing else.
 *
 * Protocol (rasa_plugins/channels.py): session_request {session_id} → session_confirm id, then session_history
 * {messages, expired, new}; user_uttered {message, session_id, customData} → bot_uttered {text, quick_replies}.
 * The server's tracker store is the one record of the conversation: on every (re)connection its history is
 * compared with what the page shows, the missing messages are added and what the server never got is sent again.
 *
 * Nothing typed or received is inserted as HTML: text nodes only, and links built as elements when their address
 * is http, https, mailto or tel.
 */
(function () {
  "use strict";

  var STORE_KEY = "bassin-minier-chat";
  var SAFE_SCHEMES = ["http:", "https:", "mailto:", "tel:"];
  var texts = JSON.parse(document.getElementById("chat-texts").textContent);

  var el = {
    open: document.getElementById("chat-open"),
    chat: document.getElementById("chat"),
    close: document.getElementById("chat-close"),
    reset: document.getElementById("chat-new"),
    status: document.getElementById("chat-status"),
    log: document.getElementById("chat-log"),
    form: document.getElementById("chat-form"),
    input: document.getElementById("chat-input")
  };

  var saved = load();
  var socket = null;
  var sessionId = saved.sessionId || null;
  var ready = false;        // session confirmed and its history applied, on the current connection
  var everConnected = false;
  var shown = 0;            // messages of the server's session history that the log shows
  var inflight = [];        // sent, not yet answered: {text, display, node}
  var queue = [];           // typed while disconnected: {text, display, node}

  // --- storage -----------------------------------------------------------------------------------------------
  function load() {
    try {
      var value = JSON.parse(window.localStorage.getItem(STORE_KEY) || "{}");
      return value && typeof value === "object" ? value : {};
    } catch (error) {
      return {};
    }
  }

  function save() {
    var unsent = inflight.concat(queue).map(function (item) { return { text: item.text, display: item.display }; });
    try {
      window.localStorage.setItem(STORE_KEY, JSON.stringify({
        sessionId: sessionId, open: !el.chat.hidden, unsent: unsent
      }));
    } catch (error) { /* private browsing: the conversation lasts as long as the page */ }
  }

  // --- rendering ---------------------------------------------------------------------------------------------
  function setStatus(state) {
    el.status.dataset.state = state;
    el.status.textContent = texts["status_" + state] || "";
  }

  function safeHref(address) {
    var url;
    if (!/^(https?:\/\/|mailto:|tel:)/i.test(address)) { return null; }
    try { url = new URL(address); } catch (error) { return null; }
    return SAFE_SCHEMES.indexOf(url.protocol) >= 0 ? url.href : null;
  }

  // [title](address), or a bare http(s) address, mailto: or tel: address.
  var LINK = /\[([^\]\n]{1,200})\]\(([^)\s]{1,2000})\)|\b(https?:\/\/[^\s<>"«»]+[^\s<>"«».,;:!?)])|\b(mailto:[^\s<>"«»,;]+[^\s<>"«».,;:!?)])|\b(tel:\+?[0-9][0-9 .-]{2,20}[0-9])/gi;

  // French typography: no line break just inside « » or before : ; ! ?
  function frenchSpaces(text) {
    return text.replace(/« /g, "«\u00a0").replace(/ ([»:;!?])/g, "\u00a0$1");
  }

  function appendRich(container, raw) {
    var text = frenchSpaces(raw);
    var last = 0;
    var match;
    LINK.lastIndex = 0;
    while ((match = LINK.exec(text)) !== null) {
      var label = match[1] !== undefined ? match[1] : match[0];
      var address = match[2] !== undefined ? match[2] : match[0];
      var href = safeHref(address.replace(/ /g, ""));
      if (!href) { continue; }  // left as plain text, e.g. a javascript: address
      container.appendChild(document.createTextNode(text.slice(last, match.index)));
      var link = document.createElement("a");
      link.href = href;
      link.textContent = label;
      if (/^https?:/i.test(href)) {
        link.target = "_blank";
        link.rel = "noopener noreferrer";
        var hint = document.createElement("span");
        hint.className = "sr-only";
        hint.textContent = " " + texts.new_window;
        link.appendChild(hint);
      }
      container.appendChild(link);
      last = match.index + match[0].length;
    }
    container.appendChild(document.createTextNode(text.slice(last)));
  }

  function addMessage(author, text) {
    var item = document.createElement("div");
    item.className = "msg msg-" + author;
    var who = document.createElement("span");
    who.className = author === "officer" ? "msg-author" : "sr-only";
    who.textContent = texts["author_" + author] + " ";
    item.appendChild(who);
    var body = document.createElement("p");
    if (author === "user" || author === "notice") {
      body.textContent = text;
    } else {
      appendRich(body, text);
    }
    item.appendChild(body);
    el.log.appendChild(item);
    el.log.scrollTop = el.log.scrollHeight;
    return item;
  }

  function addQuickReplies(item, replies) {
    var group = document.createElement("div");
    group.className = "quick-replies";
    group.setAttribute("role", "group");
    group.setAttribute("aria-label", texts.quick_replies);
    replies.forEach(function (reply) {
      if (!reply || typeof reply.title !== "string" || typeof reply.payload !== "string") { return; }
      var button = document.createElement("button");
      button.type = "button";
      button.className = "button button-small";
      button.textContent = reply.title;
      button.addEventListener("click", function () { send(reply.payload, reply.title); });
      group.appendChild(button);
    });
    item.appendChild(group);
    el.log.scrollTop = el.log.scrollHeight;
  }

  function clearQuickReplies() {
    Array.prototype.forEach.call(el.log.querySelectorAll(".quick-replies"), function (group) {
      group.parentNode.removeChild(group);
    });
  }

  function markPending(node, pending) {
    var state = node.querySelector(".msg-state");
    if (pending && !state) {
      state = document.createElement("span");
      state.className = "msg-state";
      state.textContent = texts.pending;
      node.appendChild(state);
      node.classList.add("msg-pending");
    } else if (!pending && state) {
      node.removeChild(state);
      node.classList.remove("msg-pending");
    }
  }

  // A message of the server (live or from the history); false when there is nothing to show.
  function showServerMessage(message, withReplies) {
    if (!message || typeof message !== "object") { return false; }
    var text = typeof message.text === "string" ? message.text : "";
    var replies = Array.isArray(message.quick_replies) ? message.quick_replies
      : (Array.isArray(message.buttons) ? message.buttons : []);
    if (!text && !replies.length) { return false; }
    var author = message.author === "user" ? "user" : (message.author === "officer" ? "officer" : "bot");
    var node = addMessage(author, text);
    if (replies.length && withReplies) { addQuickReplies(node, replies); }
    return true;
  }

  // --- sending -----------------------------------------------------------------------------------------------
  function emit(item) {
    var custom = { lang: "fr" };
    if (item.display) { custom.display = item.display; }
    socket.emit("user_uttered", { message: item.text, session_id: sessionId, customData: custom });
    inflight.push(item);
  }

  function send(text, display) {
    clearQuickReplies();
    var item = { text: text, display: display || null, node: addMessage("user", display || text) };
    if (socket && socket.connected && ready) {
      emit(item);
    } else {
      queue.push(item);
      markPending(item.node, true);
    }
    save();
    el.input.focus();
  }

  function flushQueue() {
    while (queue.length && socket.connected && ready) {
      var item = queue.shift();
      markPending(item.node, false);
      emit(item);
    }
    save();
  }

  // --- the server's history ----------------------------------------------------------------------------------
  function startOver(notice) {
    el.log.textContent = "";
    shown = 0;
    inflight.forEach(function (item) { queue.push(item); });
    inflight = [];
    if (notice) { addMessage("notice", texts[notice]); }
    queue.forEach(function (item) {
      item.node = addMessage("user", item.display || item.text);
      markPending(item.node, true);
    });
  }

  function onHistory(history) {
    if (!history || !Array.isArray(history.messages)) { return; }
    if (history.new) {
      var hadConversation = shown > 0 || saved.hadSession;
      startOver(history.expired ? "session_expired" : (hadConversation ? "session_lost" : null));
    } else {
      // What was typed while disconnected stays after the messages the server adds.
      queue.forEach(function (item) { if (item.node && item.node.parentNode) { el.log.removeChild(item.node); } });
      var missing = history.messages.slice(shown);
      var last = history.messages.length - 1;
      var lastUser = -1;
      history.messages.forEach(function (m, i) { if (m.author === "user") { lastUser = i; } });
      missing.forEach(function (message, offset) {
        var index = shown + offset;
        if (message.author === "user" && inflight.length && inflight[0].node &&
            (inflight[0].display || inflight[0].text) === message.text) {
          markPending(inflight.shift().node, false);  // the server got it before the connection dropped
          return;
        }
        showServerMessage(message, index > lastUser && index <= last);
      });
      shown = history.messages.length;
      queue.forEach(function (item) {
        if (!item.node) { item.node = addMessage("user", item.display || item.text); } else { el.log.appendChild(item.node); }
        markPending(item.node, true);
      });
      // Sent but never received by the server: sent again, in order, before what was typed since.
      queue = inflight.concat(queue);
      inflight = [];
    }
    saved.hadSession = true;
    ready = true;
    flushQueue();
  }

  // --- connection --------------------------------------------------------------------------------------------
  function connect() {
    if (socket) { return; }
    if (typeof window.io !== "function") { setStatus("unavailable"); return; }
    setStatus("connecting");
    socket = window.io({ path: "/socket.io", transports: ["websocket", "polling"], reconnectionDelayMax: 5000 });
    socket.on("connect", function () {
      ready = false;
      socket.emit("session_request", { session_id: sessionId });
    });
    socket.on("session_confirm", function (id) {
      if (typeof id !== "string") { return; }
      sessionId = id;
      // Not ready yet: a message sent before the history arrives would be sent again by onHistory (the server may
      // answer the history late, while it reads a message; a new session then requeues what is in flight).
      setStatus(everConnected ? "reconnected" : "connected");
      everConnected = true;
      save();
    });
    socket.on("session_history", onHistory);
    socket.on("bot_uttered", function (message) {
      var author = message && message.author;
      if (author !== "officer" && inflight.length) {
        inflight.forEach(function (item) { markPending(item.node, false); });
        shown += inflight.length;
        inflight = [];
      }
      if (showServerMessage(message, true)) { shown += 1; }
      save();
    });
    socket.on("disconnect", function (reason) {
      ready = false;
      if (reason === "io client disconnect") { return; }  // « Nouvelle conversation »
      setStatus(navigator.onLine === false ? "offline" : "lost");
      inflight.concat(queue).forEach(function (item) { markPending(item.node, true); });
    });
    socket.on("connect_error", function () {
      setStatus(everConnected ? (navigator.onLine === false ? "offline" : "lost") : "unavailable");
    });
  }

  function restoreUnsent() {
    (saved.unsent || []).forEach(function (item) {
      if (!item || typeof item.text !== "string") { return; }
      var entry = { text: item.text, display: typeof item.display === "string" ? item.display : null };
      queue.push(entry);
    });
    saved.hadSession = Boolean(saved.sessionId);
  }

  // --- page --------------------------------------------------------------------------------------------------
  function openChat(focus) {
    el.chat.hidden = false;
    el.open.setAttribute("aria-expanded", "true");
    connect();
    save();
    if (focus) { el.input.focus(); }
  }

  function closeChat() {
    el.chat.hidden = true;
    el.open.setAttribute("aria-expanded", "false");
    save();
    el.open.focus();
  }

  el.open.addEventListener("click", function () { openChat(true); });
  el.close.addEventListener("click", closeChat);
  el.reset.addEventListener("click", function () {
    sessionId = null;
    queue = [];
    inflight = [];
    saved.hadSession = false;
    startOver("session_new");
    save();
    if (socket) {
      socket.disconnect();
      socket.connect();
    }
    el.input.focus();
  });
  el.form.addEventListener("submit", function (event) {
    event.preventDefault();
    var text = el.input.value.trim();
    if (!text) {
      el.input.setAttribute("aria-invalid", "true");
      setStatusHint(texts.empty_message);
      return;
    }
    var maxChars = parseInt(el.form.getAttribute("data-max-chars"), 10);
    if (maxChars > 0 && text.length > maxChars) {  // the server would refuse it: kept here to be shortened
      el.input.setAttribute("aria-invalid", "true");
      setStatusHint(texts.too_long.replace("{count}", text.length.toLocaleString("fr-FR"))
        .replace("{max}", maxChars.toLocaleString("fr-FR")));
      return;
    }
    el.input.removeAttribute("aria-invalid");
    setStatusHint("");
    el.input.value = "";
    send(text, null);
  });

  var hint = document.getElementById("chat-hint");
  var hintText = hint.textContent;
  function setStatusHint(message) { hint.textContent = message || hintText; }

  restoreUnsent();
  queue.forEach(function (item) { item.node = addMessage("user", item.display || item.text); markPending(item.node, true); });
  if (saved.open) { openChat(false); }
})();
