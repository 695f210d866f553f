// Renders every sample payload (payload-samples.json, generated from dialogue/payloads.py by
// `python -m scripts.payload_schema`) through the widget's real renderer (src/render.js and
// src/dom.js, unchanged) under Node, with a minimal DOM that has just what dom.js uses.
// Prints, per sample, what was drawn next to what the payload says should be drawn; run by
// tests/unit/test_payload_contract.py.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

class FakeNode {}

class FakeText extends FakeNode {
  constructor(text) { super(); this.text = String(text); }
  get textContent() { return this.text; }
}

class FakeElement extends FakeNode {
  constructor(tag) {
    super();
    this.tagName = tag.toUpperCase();
    this.className = "";
    this.attributes = {};
    this.children = [];
    this.listeners = {};
  }
  setAttribute(name, value) { this.attributes[name] = String(value); }
  getAttribute(name) { return this.attributes[name] ?? null; }
  addEventListener(kind, fn) { this.listeners[kind] = fn; }
  append(...nodes) {
    for (const node of nodes) {
      if (!(node instanceof FakeNode)) throw new TypeError(`append of a non-node: ${node}`);
      this.children.push(node);
    }
  }
  set textContent(value) { this.children = [new FakeText(value)]; }
  get textContent() { return this.children.map((c) => c.textContent).join(""); }
}

globalThis.Node = FakeNode;
globalThis.document = {
  createElement: (tag) => new FakeElement(tag),
  createTextNode: (text) => new FakeText(text),
};

// The sources are ES modules in a package without "type": "module": load copies as .mjs.
const here = dirname(fileURLToPath(import.meta.url));
const copies = mkdtempSync(join(tmpdir(), "aisle-render-"));
process.on("exit", () => rmSync(copies, { recursive: true, force: true }));
for (const name of ["dom", "render"]) {
  const source = readFileSync(join(here, "..", "src", `${name}.js`), "utf8");
  writeFileSync(join(copies, `${name}.mjs`), source.replaceAll('"./dom.js"', '"./dom.mjs"'));
}
const { renderBotMessage } = await import(pathToFileURL(join(copies, "render.mjs")).href);

/** Every element under ``root`` (itself included) with ``tag`` and, if given, ``cls``. */
function all(root, tag, cls) {
  const found = [];
  const visit = (node) => {
    if (!(node instanceof FakeElement)) return;
    const classes = node.className.split(" ");
    if (node.tagName === tag.toUpperCase() && (!cls || classes.includes(cls))) found.push(node);
    node.children.forEach(visit);
  };
  visit(root);
  return found;
}
const texts = (nodes) => nodes.map((n) => n.textContent);
const safe = (src) => typeof src === "string" && /^\/images\/[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(src);

/** [what was drawn, what the payload says should be drawn] for one sample. */
function check(root, p) {
  const totals = (c) => 2 + (c.promotions || []).length + (c.discount ? 1 : 0) + ("shipping" in c ? 1 : 0);
  switch (p.type) {
    case "products": return [
      { cards: texts(all(root, "h3", "name")), prices: all(root, "p", "price").length,
        images: all(root, "img").length, reasons: texts(all(root, "p", "reason")) },
      { cards: p.products.map((c) => c.name), prices: p.products.filter((c) => c.price !== null).length,
        images: p.products.filter((c) => safe(c.image)).length,
        reasons: p.products.map((c) => c.reason).filter(Boolean) }];
    case "search": return [{ cards: all(root, "article").length, text: texts(all(root, "p", "text")) },
      { cards: 0, text: ["caption"] }];
    case "answer": return [
      { grounded: all(root, "div", "grounded").length, quotes: texts(all(root, "blockquote")) },
      { grounded: p.grounded ? 1 : 0, quotes: p.citations.map((c) => c.quote) }];
    case "comparison": return [
      { rows: texts(all(root, "th").filter((th) => th.getAttribute("scope") === "row")),
        differs: all(root, "tr", "differs").length, cards: texts(all(root, "h3", "name")) },
      { rows: p.rows.map((r) => r.attribute), differs: p.rows.filter((r) => r.differs).length,
        cards: p.products.map((c) => c.name) }];
    case "cart": case "quote": return [
      { lines: texts(all(root, "span", "line-name")), totals: all(root, "div", "row").length,
        heading: texts(all(root, "h3")), note: texts(all(root, "p", "note")) },
      { lines: p.items.map((i) => i.name), totals: p.items.length ? totals(p) : 0,
        heading: [p.type === "quote" ? "Order summary" : "Your cart"],
        note: p.type === "quote" ? [`Payment: ${p.payment}`] : [] }];
    case "order": return [
      { heading: texts(all(root, "h3")), lines: all(root, "li", "line").length,
        totals: all(root, "div", "row").length },
      { heading: [`Order ${p.number} — ${p.status}`], lines: p.items.length, totals: totals(p) }];
    case "promotions": return [
      { names: texts(all(root, "strong")), coupons: all(root, "span", "coupon").length },
      { names: p.promotions.map((r) => r.name), coupons: p.promotions.filter((r) => r.coupon_code).length }];
    case "handoff": return [{ notice: texts(all(root, "p", "notice")) },
      { notice: ["A person from the store will join this chat."] }];
    case "agent": return [{ agent: root.getAttribute("data-role"), notice: all(root, "p", "notice").length },
      { agent: "agent", notice: 1 }];
    default: return [{ type: p.type }, { type: "a payload type this check does not know" }];
  }
}

const samples = JSON.parse(readFileSync(join(here, "payload-samples.json"), "utf8"));
const handlers = { send() {}, click() {}, ask() {} };
const results = samples.map((payload) => {
  const errors = [];
  const consoleError = console.error;
  console.error = (...args) => errors.push(args.join(" "));
  try {
    const root = renderBotMessage({ text: "caption", custom: payload }, handlers);
    const [found, expected] = check(root, payload);
    return { type: payload.type, errors, found, expected };
  } catch (error) {
    return { type: payload.type, errors: [...errors, String(error?.stack || error)], found: null, expected: null };
  } finally {
    console.error = consoleError;
  }
});
console.log(JSON.stringify(results, null, 1));
