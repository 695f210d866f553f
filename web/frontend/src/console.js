// The agent-assist console: sign-in, the conversation list (waiting ones first), the transcript
// with NLU details, the shopper's products and cart, suggestions, takeover and hand-back, and
// "Export as test": the conversation as a draft conversation script (docs/conversation-tests.md).
import { el, money } from "./dom.js";
import { productCard } from "./render.js";

const REFRESH_MS = 3000;

async function api(path, options = {}) {
  const response = await fetch(path, { headers: { "Content-Type": "application/json" },
    credentials: "same-origin", ...options });
  if (response.status === 401) throw Object.assign(new Error("signed out"), { status: 401 });
  if (!response.ok) {
    const detail = await response.json().catch(() => ({}));
    throw Object.assign(new Error(detail.detail || `request failed (${response.status})`), { status: response.status });
  }
  return response.status === 204 ? null : response.json();
}

class Console {
  constructor(root) {
    this.root = root;
    this.selected = null;
    this.timer = null;
    this.lastCount = -1;
  }

  async start() {
    try {
      const me = await api("/api/agent/me");
      this.showConsole(me.agent);
    } catch {
      this.showSignIn();
    }
  }

  showSignIn(message = "") {
    clearInterval(this.timer);
    const password = el("input", { type: "password", id: "agent-password", name: "password", autocomplete: "current-password", required: true });
    const name = el("input", { type: "text", id: "agent-name", name: "name", value: "agent", maxlength: 40, autocomplete: "username", required: true });
    const error = el("p", { class: "error", role: "alert", text: message });
    const form = el("form", { class: "signin", onsubmit: async (e) => {
      e.preventDefault();
      try {
        const me = await api("/api/agent/login", { method: "POST", body: JSON.stringify({ password: password.value, name: name.value }) });
        this.showConsole(me.agent);
      } catch (err) {
        // 429: too many failed sign-ins; the server's message says how long to wait.
        error.textContent = err.status === 401 ? "Wrong account name or password." : err.message;
      }
    } },
      el("h1", { text: "Aisle agent console" }),
      el("label", { for: "agent-name", text: "Account" }), name,
      el("label", { for: "agent-password", text: "Password" }), password,
      el("button", { type: "submit", text: "Sign in" }), error);
    this.root.replaceChildren(form);
    password.focus();
  }

  showConsole(agent) {
    this.list = el("ul", { class: "conversations", "aria-label": "Conversations" });
    this.detail = el("section", { class: "detail", "aria-live": "polite" }, el("p", { class: "hint", text: "Select a conversation." }));
    this.assist = el("aside", { class: "assist", "aria-label": "Suggestions" });
    const logout = el("button", { type: "button", class: "logout", text: "Sign out", onclick: async () => {
      await api("/api/agent/logout", { method: "POST" }).catch(() => {});
      this.showSignIn();
    } });
    this.root.replaceChildren(
      el("header", { class: "console-head" }, el("h1", { text: "Aisle agent console" }),
        el("span", { class: "who", text: `Signed in as ${agent}` }), logout),
      el("main", { class: "panes" }, el("nav", { class: "list-pane" }, el("h2", { text: "Conversations" }), this.list),
        this.detail, this.assist));
    this.refresh();
    this.timer = setInterval(() => this.refresh(), REFRESH_MS);
  }

  guard(error) {
    if (error.status === 401) this.showSignIn("Your session expired; please sign in again.");
    else console.warn(error);
  }

  async refresh() {
    try {
      const conversations = await api("/api/agent/conversations");
      this.renderList(conversations);
      if (this.selected) await this.loadConversation(this.selected, false);
    } catch (error) { this.guard(error); }
  }

  renderList(conversations) {
    this.list.replaceChildren(...conversations.map((c) => el("li", {},
      el("button", { type: "button", class: `conv ${c.waiting ? "waiting" : ""} ${c.id === this.selected ? "selected" : ""}`,
        "data-id": c.id, "aria-current": c.id === this.selected ? "true" : null,
        onclick: () => this.select(c.id) },
        el("span", { class: "conv-id", text: c.id.slice(0, 12) }),
        c.waiting ? el("span", { class: "badge waiting", text: "waiting for a person" }) : null,
        c.agent_active ? el("span", { class: "badge held", text: "agent holds" }) : null,
        el("span", { class: "conv-last", text: c.last_text })))));
  }

  async select(id) {
    this.selected = id;
    this.lastCount = -1;
    this.assist.replaceChildren(el("p", { class: "hint", text: "Loading suggestions…" }));
    await this.loadConversation(id, true);
  }

  async loadConversation(id, fresh) {
    const conversation = await api(`/api/agent/conversations/${encodeURIComponent(id)}`);
    if (id !== this.selected) return;
    const changed = conversation.messages !== this.lastCount;
    if (fresh || changed) {
      this.renderDetail(conversation, fresh);
      this.lastCount = conversation.messages;
      this.loadSuggestions(id);
    } else {
      this.renderControls(conversation);
    }
  }

  renderDetail(conversation, fresh) {
    const draft = this.reply?.value || "";
    this.transcript = el("ol", { class: "transcript" }, conversation.transcript.map((m) => this.transcriptItem(m)));
    this.reply = el("textarea", { id: "agent-reply", rows: 4, "aria-label": "Reply to the shopper", maxlength: 2000 });
    this.reply.value = fresh ? "" : draft;
    this.controls = el("div", { class: "controls" });
    const send = el("button", { type: "button", class: "send-reply", text: "Send to shopper", onclick: () => this.sendReply() });
    this.detail.replaceChildren(
      el("h2", { text: `Conversation ${conversation.id}` }),
      this.controls, this.transcript,
      el("div", { class: "reply" }, el("label", { for: "agent-reply", text: "Your reply (the bot stays silent while you hold the chat)" }), this.reply, send));
    this.renderControls(conversation);
    this.transcript.lastElementChild?.scrollIntoView({ block: "nearest" });
  }

  renderControls(conversation) {
    const held = conversation.agent_active;
    this.controls.replaceChildren(
      el("span", { class: `state ${held ? "held" : "bot"}`, text: held ? "You hold this conversation" : (conversation.waiting ? "Waiting for a person" : "The bot is answering") }),
      held ? el("button", { type: "button", class: "handback", text: "Hand back to the bot", onclick: () => this.act("handback") })
        : el("button", { type: "button", class: "takeover", text: "Take over", onclick: () => this.act("takeover") }),
      el("button", { type: "button", class: "export-script", text: "Export as test",
        title: "Download this conversation as a draft conversation script", onclick: () => this.exportScript(conversation.id) }));
  }

  async exportScript(id) {
    try {
      const response = await fetch(`/api/agent/conversations/${encodeURIComponent(id)}/script`, { credentials: "same-origin" });
      if (response.status === 401) throw Object.assign(new Error("signed out"), { status: 401 });
      if (!response.ok) {
        const detail = await response.json().catch(() => ({}));
        throw new Error(detail.detail || `export failed (${response.status})`);
      }
      const url = URL.createObjectURL(await response.blob());
      const link = el("a", { href: url, download: `conversation-${id}.yml`, hidden: true });
      document.body.append(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
    } catch (error) {
      if (error.status === 401) return this.guard(error);
      this.controls.append(el("span", { class: "error", role: "alert", text: `Export failed: ${error.message}` }));
    }
  }

  transcriptItem(m) {
    const meta = [];
    if (m.role === "user") {
      if (m.intent) meta.push(el("span", { class: "intent", text: `${m.intent} ${m.confidence != null ? (m.confidence * 100).toFixed(0) + "%" : ""}` }));
      for (const e of m.entities || []) meta.push(el("span", { class: "entity", text: `${e.entity}=${e.value}` }));
    } else if (m.custom?.type) {
      meta.push(el("span", { class: "payload", text: m.custom.type }));
    }
    const label = { user: "Shopper", bot: "Aisle", agent: "Agent" }[m.role] || m.role;
    return el("li", { class: `t ${m.role}` }, el("span", { class: "who", text: label }),
      el("p", { class: "text", text: m.text }), meta.length ? el("div", { class: "nlu" }, meta) : null);
  }

  async loadSuggestions(id) {
    try {
      const s = await api(`/api/agent/conversations/${encodeURIComponent(id)}/suggestions`);
      if (id === this.selected) this.renderSuggestions(s);
    } catch (error) {
      if (error.status === 401) return this.guard(error);
      this.assist.replaceChildren(el("p", { class: "error", text: `Suggestions unavailable: ${error.message}` }));
    }
  }

  insert(text) {
    const current = this.reply.value.trim();
    this.reply.value = current ? `${current}\n${text}` : text;
    this.reply.focus();
  }

  renderSuggestions(s) {
    const noop = { send: () => {}, click: () => {}, ask: () => {} };
    const draft = s.draft ? el("section", { class: "draft" }, el("h3", { text: "Draft reply" }),
      el("p", { class: "text", text: s.draft }),
      el("button", { type: "button", class: "insert-draft", text: "Insert", onclick: () => this.insert(s.draft) })) : null;
    const snippets = el("section", { class: "snippets" }, el("h3", { text: "Knowledge for the last question" }),
      s.snippets.length ? el("ul", {}, s.snippets.map((c) => el("li", { class: "snippet" },
        el("blockquote", { text: c.quote }), el("cite", { text: `${c.source}: ${c.title}` }),
        el("button", { type: "button", class: "insert-snippet", text: "Insert", onclick: () => this.insert(`“${c.quote}” (${c.title})`) }))))
        : el("p", { class: "hint", text: "Nothing cited for the last message." }));
    const products = el("section", { class: "products" }, el("h3", { text: "Products for this shopper" }),
      el("div", { class: "cards compact" }, s.products.map((p) => {
        const card = productCard(p, noop, true);
        card.append(el("button", { type: "button", class: "insert-product", text: "Insert",
          onclick: () => this.insert(`${p.name}${p.price != null ? ` (${money(p.price, p.currency)})` : ""}${p.reason ? `: ${p.reason}` : ""}.`) }));
        return card;
      })));
    const cart = s.cart?.items?.length ? el("section", { class: "cart-summary" }, el("h3", { text: "Cart" }),
      el("ul", {}, s.cart.items.map((i) => el("li", { text: `${i.quantity} × ${i.name}${i.size ? ` (${[i.size, i.color].filter(Boolean).join(", ")})` : ""}` }))),
      el("p", { text: `Total ${money(s.cart.total, s.cart.currency)}` })) : el("section", { class: "cart-summary" }, el("h3", { text: "Cart" }), el("p", { class: "hint", text: "Empty." }));
    const viewed = el("section", { class: "viewed" }, el("h3", { text: "Viewed by the shopper" }),
      s.viewed?.length ? el("ul", {}, s.viewed.map((p) => el("li", { text: `${p.name}${p.price != null ? ` — ${money(p.price, p.currency)}` : ""}` })))
        : el("p", { class: "hint", text: "Nothing yet." }));
    this.assist.replaceChildren(el("h2", { text: "Suggestions" }), draft, snippets, products, viewed, cart);
  }

  async act(step) {
    try {
      await api(`/api/agent/conversations/${encodeURIComponent(this.selected)}/${step}`, { method: "POST" });
      await this.refresh();
    } catch (error) { this.guard(error); }
  }

  async sendReply() {
    const text = this.reply.value.trim();
    if (!text) return;
    try {
      await api(`/api/agent/conversations/${encodeURIComponent(this.selected)}/messages`, { method: "POST", body: JSON.stringify({ text }) });
      this.reply.value = "";
      await this.refresh();
    } catch (error) { this.guard(error); }
  }
}

const root = document.getElementById("aisle-console");
if (root) new Console(root).start();
