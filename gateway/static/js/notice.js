// Messages to the user: a dismissible banner for errors and news, a polite live region.

import { h, replace } from "./dom.js";

let hideTimer = 0;

/** Shows `message` in the banner; kind is "error", "info" or "success". */
export function notify(message, kind = "info", { sticky = kind === "error" } = {}) {
  const banner = document.getElementById("notice");
  clearTimeout(hideTimer);
  replace(
    banner,
    h("p", { text: message }),
    h("button", {
      type: "button",
      class: "notice__close",
      "aria-label": "Dismiss message",
      text: "×",
      on: { click: dismiss },
    }),
  );
  banner.dataset.kind = kind;
  banner.setAttribute("role", kind === "error" ? "alert" : "status");
  banner.hidden = false;
  if (!sticky) hideTimer = setTimeout(dismiss, 6000);
}

/** An API error's message, from the contract's {"error", "code"} body. */
export function showError(error, prefix = "") {
  notify(prefix + (error?.message || "Something went wrong."), "error");
}

export function dismiss() {
  clearTimeout(hideTimer);
  const banner = document.getElementById("notice");
  banner.hidden = true;
  banner.replaceChildren();
}

/** Says `text` to screen readers without moving focus. */
export function announce(text) {
  const region = document.getElementById("announcer");
  region.textContent = "";
  requestAnimationFrame(() => {
    region.textContent = text;
  });
}
