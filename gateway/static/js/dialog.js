// A modal question with two answers, on the native <dialog> (focus kept inside, Esc says no).

import { h } from "./dom.js";

/** Asks `question`; answers a promise of true (yes) or false (no, Esc). */
export function ask(question, { detail = "", yes = "Yes", no = "No" } = {}) {
  return new Promise((resolve) => {
    const opener = document.activeElement;
    const answer = (value) => () => dialog.close(value);
    const yesButton = h("button", {
      type: "button",
      class: "button button--primary",
      text: yes,
      on: { click: answer("yes") },
    });
    const dialog = h(
      "dialog",
      { class: "card dialog", "aria-labelledby": "dialog-title", "aria-describedby": "dialog-detail" },
      h("h2", { id: "dialog-title", text: question }),
      detail ? h("p", { id: "dialog-detail", text: detail }) : null,
      h(
        "div",
        { class: "actions" },
        yesButton,
        h("button", { type: "button", class: "button", text: no, on: { click: answer("no") } }),
      ),
    );
    dialog.addEventListener("close", () => {
      dialog.remove();
      if (opener instanceof HTMLElement && opener.isConnected) opener.focus({ preventScroll: true });
      resolve(dialog.returnValue === "yes");
    });
    document.body.append(dialog);
    dialog.showModal();
    yesButton.focus();
  });
}
