// Renders the assistant's messages: text, buttons and every typed custom payload the actions
// send (products, comparison, cart, quote, order, answer, promotions, handoff, agent).
import { el, money, safeImage } from "./dom.js";

/**
 * @param {object} message  {text?, buttons?, quick_replies?, custom?}
 * @param {object} handlers {send(text, payload), click(kind, detail), ask(text)}
 * @param {string} role     "bot" or "agent"
 */
export function renderBotMessage(message, handlers, role = "bot") {
  const parts = [];
  const custom = message.custom && typeof message.custom === "object" ? message.custom : null;
  // The text of a promotions message repeats its list; the structured list is shown instead.
  if (message.text && !(custom && ["answer", "promotions"].includes(custom.type))) {
    parts.push(el("p", { class: "text", text: message.text }));
  }
  if (custom) parts.push(renderCustom(custom, handlers, message.text));
  const buttons = message.buttons?.length ? message.buttons : message.quick_replies || [];
  if (buttons.length) parts.push(renderButtons(buttons, handlers));
  const kind = role === "agent" || custom?.type === "agent" ? "agent" : "bot";
  const who = kind === "agent" ? "Store colleague" : "Aisle";
  return el("div", { class: `msg ${kind}`, "data-role": kind },
    el("span", { class: "sr-only", text: `${who}: ` }), ...parts);
}

function renderButtons(buttons, handlers) {
  return el("div", { class: "quick-replies", role: "group", "aria-label": "Suggested replies" },
    buttons.map((b) => el("button", {
      type: "button", class: "chip", text: b.title,
      onclick: () => {
        handlers.click("button_click", { title: b.title, payload: b.payload, product_ids: [] });
        handlers.send(b.title, b.payload);
      },
    })));
}

function renderCustom(custom, handlers, text) {
  switch (custom.type) {
    case "products": return renderProducts(custom.products || [], handlers);
    case "comparison": return renderComparison(custom, handlers);
    case "cart": case "quote": return renderCart(custom);
    case "order": return renderOrder(custom);
    case "answer": return renderAnswer(custom, text);
    case "promotions": return renderPromotions(custom.promotions || []);
    case "handoff": return el("p", { class: "notice", text: "A person from the store will join this chat." });
    case "agent": return el("p", { class: "notice", text: agentNotice(custom) });
    default: return el("span");
  }
}

function agentNotice(custom) {
  if (custom.status === "joined") return "A store colleague joined the conversation.";
  if (custom.status === "left") return "The store colleague handed you back to Aisle.";
  return `${custom.agent || "Store colleague"} (store team)`;
}

export function productCard(card, handlers, compact = false) {
  const img = safeImage(card.image);
  const meta = [];
  if (card.colors?.length) meta.push(el("p", { class: "colors", text: `Colours: ${card.colors.join(", ")}` }));
  if (card.sizes?.length) meta.push(el("p", { class: "sizes", text: `Sizes: ${card.sizes.join(", ")}` }));
  const detail = { product_ids: [card.id], title: card.name };
  const actions = compact ? [] : [
    el("button", { type: "button", class: "card-add", text: "Add to cart",
      onclick: () => {
        handlers.click("card_click", { ...detail, action: "add_to_cart" });
        handlers.send(`Add the ${card.name} to my cart`, `/add_to_cart${JSON.stringify({ product: card.name })}`);
      } }),
    el("button", { type: "button", class: "card-similar", text: "More like this",
      onclick: () => {
        handlers.click("card_click", { ...detail, action: "more_like_this" });
        handlers.send(`More like the ${card.name}`, `/ask_similar${JSON.stringify({ product: card.name })}`);
      } }),
    el("button", { type: "button", class: "card-ask", text: "Ask a question",
      onclick: () => {
        handlers.click("card_click", { ...detail, action: "ask_question" });
        handlers.ask(`About the ${card.name}: `);
      } }),
  ];
  return el("article", { class: "card", "data-product-id": card.id, "aria-label": card.name },
    img ? el("img", { src: img, alt: card.name, loading: "lazy", width: 160, height: 160 })
      : el("div", { class: "noimg", "aria-hidden": "true" }),
    el("div", { class: "card-body" },
      el("h3", { class: "name", text: card.name }),
      card.price !== null && card.price !== undefined
        ? el("p", { class: "price", text: money(card.price, card.currency) }) : null,
      ...meta,
      card.reason ? el("p", { class: "reason", text: card.reason }) : null,
      actions.length ? el("div", { class: "card-actions" }, actions) : null));
}

function renderProducts(cards, handlers) {
  return el("div", { class: "cards", role: "list" },
    cards.map((c) => { const node = productCard(c, handlers); node.setAttribute("role", "listitem"); return node; }));
}

function renderComparison(custom, handlers) {
  const products = custom.products || [];
  const head = el("tr", {}, el("th", { scope: "col", text: "" }),
    products.map((p) => el("th", { scope: "col", text: p.name })));
  const rows = (custom.rows || []).map((row) => el("tr", { class: row.differs ? "differs" : "" },
    el("th", { scope: "row", text: row.attribute }),
    (row.values || []).map((v) => el("td", { text: v ?? "" }))));
  return el("div", { class: "comparison" },
    el("div", { class: "table-wrap" }, el("table", {}, el("thead", {}, head), el("tbody", {}, rows))),
    el("div", { class: "cards compact" }, products.map((p) => productCard(p, handlers, true))));
}

function totalsRows(custom) {
  const currency = custom.currency || "USD";
  const rows = [["Subtotal", money(custom.subtotal, currency)]];
  for (const p of custom.promotions || []) {
    rows.push([`Promotion: ${p.name}`, p.amount ? `−${money(p.amount, currency)}` : (p.free_shipping ? "free shipping" : "")]);
  }
  if (custom.discount) rows.push(["Discount", `−${money(custom.discount, currency)}`]);
  if ("shipping" in custom) {
    rows.push(["Shipping", custom.shipping === null ? "not available" : (custom.shipping === 0 ? "free" : money(custom.shipping, currency))]);
  }
  rows.push(["Total", money(custom.total, currency)]);
  return rows.map(([k, v]) => el("div", { class: "row" }, el("dt", { text: k }), el("dd", { text: v })));
}

function renderCart(custom) {
  const currency = custom.currency || "USD";
  const items = custom.items || [];
  const variant = (i) => [i.size, i.color].filter(Boolean).join(", ");
  return el("section", { class: "cart", "aria-label": custom.type === "quote" ? "Order summary" : "Your cart" },
    el("h3", { text: custom.type === "quote" ? "Order summary" : "Your cart" }),
    items.length ? el("ul", { class: "lines" }, items.map((i) => el("li", { class: "line" },
      el("span", { class: "qty", text: `${i.quantity} ×` }), " ",
      el("span", { class: "line-name", text: i.name }),
      variant(i) ? el("span", { class: "variant", text: ` (${variant(i)})` }) : null,
      el("span", { class: "line-total", text: money(i.line_total, currency) }))))
      : el("p", { text: "Your cart is empty." }),
    items.length ? el("dl", { class: "totals" }, totalsRows(custom)) : null,
    custom.type === "quote" && custom.payment ? el("p", { class: "note", text: `Payment: ${custom.payment}` }) : null);
}

function renderOrder(custom) {
  return el("section", { class: "order cart", "aria-label": `Order ${custom.number}` },
    el("h3", { text: `Order ${custom.number} — ${custom.status}` }),
    el("ul", { class: "lines" }, (custom.items || []).map((i) => el("li", { class: "line" },
      el("span", { text: `${i.quantity} × ${i.name}` })))),
    el("dl", { class: "totals" }, totalsRows(custom)));
}

const SOURCE_NAMES = { description: "Product description", attribute: "Product details",
  review: "Shopper review", policy: "Store policy", qa: "Shopper Q&A" };

function renderAnswer(custom, text) {
  const citations = custom.citations || [];
  return el("div", { class: `answer ${custom.grounded ? "grounded" : "not-grounded"}` },
    el("p", { class: "text", text: custom.text || text || "" }),
    citations.length ? el("details", { class: "citations" },
      el("summary", { text: `${citations.length} cited source${citations.length === 1 ? "" : "s"}` }),
      el("ol", {}, citations.map((c) => el("li", { class: "citation" },
        el("blockquote", { text: c.quote }),
        el("cite", { text: `${SOURCE_NAMES[c.source] || c.source}: ${c.title}` }))))) : null);
}

function renderPromotions(promotions) {
  return el("ul", { class: "promotions" }, promotions.map((p) => el("li", {},
    el("strong", { text: p.name || "" }),
    p.description ? el("span", { text: ` — ${p.description}` }) : null,
    p.coupon_code ? el("span", { class: "coupon", text: ` (code ${p.coupon_code})` }) : null)));
}
