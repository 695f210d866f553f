// Safe DOM building: every piece of data goes in as textContent or an attribute, never as HTML.

/** Create an element with attributes and children (strings become text nodes). */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") node.className = value;
    else if (key === "text") node.textContent = String(value);
    else if (key.startsWith("on") && typeof value === "function") {
      node.addEventListener(key.slice(2), value);
    } else node.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

/** Format a price; null stays "". */
export function money(value, currency = "USD") {
  if (value === null || value === undefined) return "";
  try {
    return new Intl.NumberFormat("en-US", { style: "currency", currency }).format(value);
  } catch {
    return `${Number(value).toFixed(2)} ${currency}`;
  }
}

/** Only same-origin image paths (the web app's /images/ route) are used as sources. */
export function safeImage(src) {
  return typeof src === "string" && /^\/images\/[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(src) ? src : null;
}
