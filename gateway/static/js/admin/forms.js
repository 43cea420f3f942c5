// Console forms: labelled fields, the API's messages next to their field, confirmation dialogs.

import { ApiError } from "../api.js";
import { h } from "../dom.js";

let fieldCount = 0;

/** A labelled control with room for its own error; `control` carries the API field's name. */
export function field(label, control, { hint = "", wide = false } = {}) {
  fieldCount += 1;
  const id = control.id || `field-${control.name}-${fieldCount}`;
  control.id = id;
  const error = h("p", { class: "field__error", id: `${id}-error`, hidden: true });
  const hintNode = hint ? h("p", { class: "hint", id: `${id}-hint`, text: hint }) : null;
  control.setAttribute("aria-describedby", hintNode ? `${id}-error ${id}-hint` : `${id}-error`);
  return h(
    "div",
    { class: wide ? "field field--wide" : "field", dataset: { field: control.name } },
    h("label", { for: id, text: label }),
    control,
    hintNode,
    error,
  );
}

/** A <select> of [value, label] pairs with `value` chosen. */
/** A form's foot: its submit button and a Close button. */
export function formActions(submitText, onClose) {
  return h(
    "div",
    { class: "form-actions" },
    h("button", { type: "submit", class: "button button--primary", text: submitText }),
    h("button", {
      type: "button",
      class: "button button--ghost",
      text: "Close",
      on: { click: onClose },
    }),
  );
}

export function select(name, options, value = "") {
  return h(
    "select",
    { name },
    options.map(([optionValue, label]) =>
      h("option", { value: optionValue, selected: String(optionValue) === String(value) }, label),
    ),
  );
}

/**
 * Shows an API error on `form`: each field the API names gets its message under it (the
 * contract's `fields` of a 422), anything else goes in the box at the top of the form.
 */
export class FormErrors {
  constructor(form) {
    this.form = form;
    this.box = h("p", { class: "form-error", role: "alert", hidden: true });
  }

  clear() {
    this.box.hidden = true;
    this.box.textContent = "";
    for (const wrapper of this.form.querySelectorAll(".field")) {
      const error = wrapper.querySelector(".field__error");
      error.hidden = true;
      error.textContent = "";
      wrapper.querySelector("[name]")?.removeAttribute("aria-invalid");
    }
  }

  show(failure) {
    this.clear();
    const unplaced = [];
    const fields = failure instanceof ApiError ? (failure.body.fields ?? []) : [];
    for (const { field: name, message } of fields) {
      const wrapper = this.#wrapperOf(name);
      if (!wrapper) {
        unplaced.push(`${name}: ${message}`);
        continue;
      }
      const error = wrapper.querySelector(".field__error");
      error.textContent = error.textContent ? `${error.textContent}; ${message}` : message;
      error.hidden = false;
      wrapper.querySelector("[name]")?.setAttribute("aria-invalid", "true");
    }
    const placedAll = fields.length > 0 && unplaced.length === 0;
    if (!placedAll) {
      this.box.textContent = unplaced.length ? unplaced.join(" · ") : messageOf(failure);
      this.box.hidden = false;
    }
    const first = this.form.querySelector('[aria-invalid="true"]');
    (first ?? this.box).scrollIntoView?.({ block: "nearest" });
    first?.focus();
  }

  /** The field named exactly, else the one named by the path's first part ("genres_id.0"). */
  #wrapperOf(name) {
    const wrappers = [...this.form.querySelectorAll(".field")];
    const base = String(name).split(".")[0];
    return (
      wrappers.find((w) => w.dataset.field === name) ??
      wrappers.find((w) => w.dataset.field === base)
    );
  }
}

export const messageOf = (failure) =>
  failure instanceof ApiError ? failure.message : "Something went wrong. Try again.";

/**
 * Asks a yes/no question in a modal dialog; resolves true when `confirmText` is chosen.
 * Escape or the other button answers false.
 */
export function confirmDialog({ title, body, confirmText, cancelText = "Keep it", danger = true }) {
  return new Promise((resolve) => {
    const dialog = h(
      "dialog",
      { class: "dialog", "aria-labelledby": "dialog-title" },
      h(
        "form",
        { method: "dialog", class: "dialog__form" },
        h("h2", { id: "dialog-title", text: title }),
        [body].flat().map((line) => h("p", { text: line })),
        h(
          "div",
          { class: "dialog__actions" },
          h("button", { value: "no", class: "button button--ghost", text: cancelText }),
          h("button", {
            value: "yes",
            class: danger ? "button button--danger" : "button button--primary",
            text: confirmText,
          }),
        ),
      ),
    );
    dialog.addEventListener("close", () => {
      dialog.remove();
      resolve(dialog.returnValue === "yes");
    });
    document.body.append(dialog);
    dialog.showModal();
    dialog.querySelector('button[value="no"]').focus();
  });
}

/** Disables a form's controls while `work` runs. */
export async function busy(form, work) {
  const controls = [...form.querySelectorAll("button, input, select, textarea")];
  const before = controls.map((control) => control.disabled);
  controls.forEach((control) => {
    control.disabled = true;
  });
  form.setAttribute("aria-busy", "true");
  try {
    return await work();
  } finally {
    controls.forEach((control, index) => {
      control.disabled = before[index];
    });
    form.removeAttribute("aria-busy");
  }
}
