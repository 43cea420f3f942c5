// Tiny DOM helpers: elements are built with textContent, never from HTML strings.

/**
 * Creates an element. `attrs` keys: `class`, `dataset` (object), `on` (event -> handler),
 * `text`, boolean/str attributes; children may be nodes, strings, arrays, null or false.
 */
export function h(tag, attrs = {}, ...children) {
  const element = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "class") element.className = value;
    else if (key === "text") element.textContent = value;
    else if (key === "dataset") Object.assign(element.dataset, value);
    else if (key === "on") {
      for (const [event, handler] of Object.entries(value))
        element.addEventListener(event, handler);
    } else element.setAttribute(key, value === true ? "" : String(value));
  }
  append(element, children);
  return element;
}

function append(parent, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(parent, child);
    else parent.append(child instanceof Node ? child : String(child));
  }
}

/** Replaces every child of `parent`. */
export function replace(parent, ...children) {
  parent.replaceChildren();
  append(parent, children);
  return parent;
}

const SVG_NS = "http://www.w3.org/2000/svg";

/** An inline SVG icon from path data, hidden from assistive technology. */
export function icon(name, paths, viewBox = "0 0 24 24") {
  const svg = document.createElementNS(SVG_NS, "svg");
  svg.setAttribute("viewBox", viewBox);
  svg.setAttribute("aria-hidden", "true");
  svg.setAttribute("focusable", "false");
  svg.classList.add("icon", `icon--${name}`);
  for (const d of paths) {
    const path = document.createElementNS(SVG_NS, "path");
    path.setAttribute("d", d);
    svg.append(path);
  }
  return svg;
}

const WHEELCHAIR = [
  "M8.1 3.6a1.4 1.4 0 1 0 2.8 0a1.4 1.4 0 1 0-2.8 0",
  "M9.5 7v6h6l2.5 6",
  "M9.5 10h4.5",
  "M6.6 12.4A5 5 0 1 0 15.2 17.2",
];
const STAR = ["M12 2.8l2.8 5.8 6.3.9-4.6 4.4 1.1 6.3L12 17.2l-5.6 3 1.1-6.3-4.6-4.4 6.3-.9z"];

export const wheelchairIcon = () => icon("wheelchair", WHEELCHAIR);
export const starIcon = () => icon("star", STAR);
