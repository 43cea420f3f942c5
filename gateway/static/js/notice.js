// Messages to the user: a banner at the top of the window that goes away by itself (never over
// the page's primary action, which sits in the panel or the bottom bar), and live regions that
// say the same to screen readers.

import { h, replace } from "./dom.js";

const SHOW_MS = { info: 6000, success: 6000, error: 10000 };

let hideTimer = 0;
let remaining = 0;
let shownAt = 0;

function schedule(ms) {
  clearTimeout(hideTimer);
  remaining = ms;
  shownAt = Date.now();
  hideTimer = setTimeout(dismiss, ms);
}

/** Holds the countdown while the pointer or focus is on the banner (time to read it). */
function pause() {
  clearTimeout(hideTimer);
  remaining = Math.max(1500, remaining - (Date.now() - shownAt));
}

function banner() {
  const element = document.getElementById("notice");
  if (!element.dataset.wired) {
    element.dataset.wired = "true";
    element.addEventListener("pointerenter", pause);
    element.addEventListener("pointerleave", () => schedule(remaining));
    element.addEventListener("focusin", pause);
    element.addEventListener("focusout", () => schedule(remaining));
  }
  return element;
}

let shown = 0;

/**
 * Shows `message` for a while; kind is "error", "info" or "success". Answers a function that
 * takes this message away early, unless another has replaced it since.
 */
export function notify(message, kind = "info") {
  if (!document.getElementById("notice")) return () => {}; // a page without them (checkout)
  const id = ++shown;
  const withdraw = () => {
    if (id === shown) dismiss();
  };
  const element = banner();
  replace(
    element,
    h("p", { text: message }),
    h("button", {
      type: "button",
      class: "notice__close",
      "aria-label": "Dismiss message",
      text: "×",
      on: { click: dismiss },
    }),
  );
  element.dataset.kind = kind;
  element.hidden = false;
  announce(message, { urgent: kind === "error" });
  schedule(SHOW_MS[kind] ?? SHOW_MS.info);
  return withdraw;
}

/** An API error's message, from the contract's {"error", "code"} body. */
export function showError(error, prefix = "") {
  notify(prefix + (error?.message || "Something went wrong."), "error");
}

export function dismiss() {
  clearTimeout(hideTimer);
  const element = document.getElementById("notice");
  element.hidden = true;
  element.replaceChildren();
}

/** Says `text` to screen readers without moving focus; urgent ones interrupt. */
export function announce(text, { urgent = false } = {}) {
  const region = document.getElementById(urgent ? "alerter" : "announcer");
  region.textContent = "";
  requestAnimationFrame(() => {
    region.textContent = text;
  });
}
