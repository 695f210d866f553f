// The shopper's chat widget: socket.io to the Rasa server (REST through the web app as the
// fallback), the session id kept in localStorage so a reload continues the conversation.
import { io } from "socket.io-client";
import { el } from "./dom.js";
import { renderBotMessage } from "./render.js";

const SESSION_KEY = "aisle.session";
const CONNECT_TIMEOUT_MS = 5000;
const TYPING_TIMEOUT_MS = 90000;
const REST_POLL_MS = 4000;

function newSessionId() {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

class ChatWidget {
  constructor(root, config) {
    this.root = root;
    this.config = config;
    this.sessionId = localStorage.getItem(SESSION_KEY) || newSessionId();
    localStorage.setItem(SESSION_KEY, this.sessionId);
    this.mode = "connecting";
    this.socket = null;
    this.typingTimer = null;
    this.pollTimer = null;
    this.pending = 0;
    this.known = 0; // messages of the tracker's history already shown
    this.build();
  }

  build() {
    this.log = el("div", { class: "log", role: "log", "aria-live": "polite", "aria-label": "Conversation", tabindex: "0" });
    this.typing = el("div", { class: "typing", role: "status", "aria-live": "polite", hidden: true },
      el("span", { class: "dot" }), el("span", { class: "dot" }), el("span", { class: "dot" }),
      el("span", { class: "sr-only", text: "Aisle is typing…" }));
    this.input = el("input", { type: "text", name: "message", autocomplete: "off", "aria-label": "Your message",
      placeholder: "Ask about products, sizes, orders…", maxlength: this.config.maxChars || 2000 });
    this.form = el("form", { class: "composer", onsubmit: (e) => { e.preventDefault(); this.submit(); } },
      this.input, el("button", { type: "submit", class: "send", text: "Send" }));
    this.status = el("p", { class: "conn sr-only", role: "status", text: "" });
    const reset = el("button", { type: "button", class: "new-conversation", text: "New conversation",
      onclick: () => this.reset() });
    this.root.replaceChildren(
      el("header", { class: "widget-head" }, el("h2", { text: "Aisle — shop assistant" }), reset),
      this.log, this.typing, this.status, this.form);
    this.handlers = {
      send: (title, payload) => this.send(title, payload),
      click: (kind, detail) => this.recordClick(kind, detail),
      ask: (prefix) => { this.input.value = prefix; this.input.focus(); },
    };
  }

  async start() {
    await this.loadHistory();
    this.connect();
  }

  async loadHistory() {
    try {
      const response = await fetch(`/api/history/${encodeURIComponent(this.sessionId)}`);
      if (!response.ok) return;
      const history = await response.json();
      this.known = (history.messages || []).length;
      for (const message of history.messages || []) {
        if (message.role === "user") this.showUser(message.text);
        else this.showBot(message, message.role);
      }
    } catch (error) {
      console.warn("history unavailable", error);
    }
    if (!this.log.childElementCount) {
      this.showBot({ text: "Hi! I'm Aisle. Tell me what you're looking for — “a women's jacket under $80”, “what goes with it?”, “where is my order?”" });
    }
  }

  connect() {
    const socket = io(this.config.rasaUrl, { path: this.config.socketPath, transports: ["websocket"],
      reconnectionAttempts: 5, timeout: CONNECT_TIMEOUT_MS });
    this.socket = socket;
    const fallback = setTimeout(() => { if (this.mode !== "socket") this.useRest(); }, CONNECT_TIMEOUT_MS);
    socket.on("connect", () => socket.emit("session_request", { session_id: this.sessionId }));
    socket.on("session_confirm", () => {
      clearTimeout(fallback);
      this.mode = "socket";
      this.root.dataset.mode = "socket";
      this.status.textContent = "Connected";
    });
    socket.on("bot_uttered", (message) => {
      this.showBot(message, message.agent ? "agent" : "bot");
      this.stopTyping();
    });
    socket.on("connect_error", () => { if (this.mode !== "socket") this.useRest(); });
  }

  useRest() {
    if (this.mode === "rest") return;
    this.mode = "rest";
    this.root.dataset.mode = "rest";
    this.status.textContent = "Connected (fallback)";
    // Without the socket, an agent's messages are picked up from the conversation's history.
    clearInterval(this.pollTimer);
    this.pollTimer = setInterval(() => this.poll(), REST_POLL_MS);
  }

  /** Mark the tracker's history as shown (REST replies were rendered as they came back). */
  async syncKnown() {
    try {
      const response = await fetch(`/api/history/${encodeURIComponent(this.sessionId)}`);
      if (response.ok) this.known = ((await response.json()).messages || []).length;
    } catch {
      // keep the old count; a later poll may show a reply twice at worst
    }
  }

  async poll() {
    if (this.pending || this.mode !== "rest") return;
    try {
      const response = await fetch(`/api/history/${encodeURIComponent(this.sessionId)}`);
      if (!response.ok || this.pending) return;
      const messages = (await response.json()).messages || [];
      for (const message of messages.slice(this.known)) {
        if (message.role !== "user") this.showBot(message, message.role);
      }
      this.known = Math.max(this.known, messages.length);
    } catch {
      // the next poll tries again
    }
  }

  submit() {
    const text = this.input.value.trim();
    if (!text) return;
    this.input.value = "";
    this.send(text, text);
  }

  async send(title, payload) {
    this.showUser(title);
    this.startTyping();
    if (this.mode === "socket" && this.socket?.connected) {
      this.socket.emit("user_uttered", { message: payload, session_id: this.sessionId });
      return;
    }
    this.pending += 1;
    try {
      const response = await fetch("/api/chat", { method: "POST", headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ session_id: this.sessionId, message: payload }) });
      if (!response.ok) throw new Error(`chat failed: ${response.status}`);
      for (const message of await response.json()) this.showBot(message);
      await this.syncKnown();
    } catch (error) {
      this.showBot({ text: "Sorry, I can't reach the assistant right now. Please try again in a moment." });
    }
    this.pending -= 1;
    this.stopTyping();
  }

  recordClick(kind, detail) {
    const body = JSON.stringify({ kind, conversation_id: this.sessionId, product_ids: detail.product_ids || [],
      action: detail.action || "", title: (detail.title || "").slice(0, 200), payload: (detail.payload || "").slice(0, 500) });
    fetch("/api/events", { method: "POST", headers: { "Content-Type": "application/json" }, body, keepalive: true })
      .catch(() => {});
  }

  showUser(text) {
    this.append(el("div", { class: "msg user", "data-role": "user" },
      el("span", { class: "sr-only", text: "You: " }), el("p", { class: "text", text })));
  }

  showBot(message, role = "bot") {
    this.append(renderBotMessage(message, this.handlers, role));
  }

  append(node) {
    this.log.append(node);
    this.log.scrollTop = this.log.scrollHeight;
  }

  startTyping() {
    this.typing.hidden = false;
    clearTimeout(this.typingTimer);
    this.typingTimer = setTimeout(() => this.stopTyping(), TYPING_TIMEOUT_MS);
  }

  stopTyping() {
    clearTimeout(this.typingTimer);
    this.typing.hidden = true;
  }

  reset() {
    this.socket?.disconnect();
    clearInterval(this.pollTimer);
    this.known = 0;
    this.sessionId = newSessionId();
    localStorage.setItem(SESSION_KEY, this.sessionId);
    this.log.replaceChildren();
    this.mode = "connecting";
    this.start();
    this.input.focus();
  }
}

const root = document.getElementById("aisle-widget");
if (root) {
  const config = JSON.parse(document.getElementById("aisle-config").textContent);
  const widget = new ChatWidget(root, config);
  window.aisleWidget = widget;
  widget.start();
}
