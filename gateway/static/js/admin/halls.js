// Halls: every hall with its size, and a new hall laid out as rows x seats.

import { getAll, post } from "../api.js";
import { h, replace } from "../dom.js";
import { plural } from "../format.js";
import { showError } from "../notice.js";
import { busy, field, FormErrors } from "./forms.js";

export const hallName = (hall) =>
  hall.name ? `Hall ${hall.number} · ${hall.name}` : `Hall ${hall.number}`;

/** Every hall, by number. */
export async function loadHalls() {
  return (await getAll("/api/halls")).sort((a, b) => a.number - b.number);
}

function hallCard(hall, canEdit) {
  const rows = new Set(hall.seats.map((seat) => seat.row)).size;
  return h(
    "li",
    { class: "card hall-card", dataset: { hallId: hall.id } },
    h("h2", { text: hallName(hall) }),
    h("p", {
      class: "muted",
      text: `${plural(hall.seats.length, "seat")} in ${plural(rows, "row")}`,
    }),
    h(
      "div",
      { class: "hall-card__actions" },
      h("a", {
        class: "button button--small",
        href: `#/halls/${hall.id}`,
        text: canEdit ? "Edit layout" : "Layout",
      }),
      h("a", {
        class: "button button--small button--ghost",
        href: `#/schedule?hall=${hall.id}`,
        text: "Schedule",
      }),
    ),
  );
}

function createForm() {
  const inputs = {
    number: h("input", {
      name: "number",
      type: "number",
      min: 1,
      max: 9999,
      required: true,
      inputmode: "numeric",
    }),
    name: h("input", { name: "name", maxlength: 100, placeholder: "Red Hall" }),
    rows: h("input", {
      name: "rows",
      type: "number",
      min: 1,
      max: 50,
      value: 8,
      inputmode: "numeric",
    }),
    seats_per_row: h("input", {
      name: "seats_per_row",
      type: "number",
      min: 1,
      max: 60,
      value: 12,
      inputmode: "numeric",
    }),
  };
  const form = h(
    "form",
    { class: "card console-form", novalidate: true, "aria-labelledby": "new-hall-title" },
    h("h2", { id: "new-hall-title", text: "New hall" }),
    h(
      "div",
      { class: "form-grid" },
      field("Number", inputs.number, { hint: "As shown at the door" }),
      field("Name", inputs.name),
      field("Rows", inputs.rows),
      field("Seats per row", inputs.seats_per_row),
    ),
  );
  const errors = new FormErrors(form);
  form.append(
    errors.box,
    h(
      "div",
      { class: "form-actions" },
      h("button", { type: "submit", class: "button button--primary", text: "Create hall" }),
    ),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    errors.clear();
    const body = {
      number: Number(inputs.number.value),
      name: inputs.name.value.trim(),
      rows: Number(inputs.rows.value),
      seats_per_row: Number(inputs.seats_per_row.value),
    };
    try {
      const hall = await busy(form, () => post("/api/halls", body));
      location.hash = `#/halls/${hall.id}`;
    } catch (failure) {
      errors.show(failure);
    }
  });
  return form;
}

export async function renderHalls(main, view, { canEdit }) {
  replace(main, h("h1", { text: "Halls" }), h("p", { class: "muted", text: "Loading halls…" }));
  let halls;
  try {
    halls = await loadHalls();
  } catch (failure) {
    showError(failure);
    return;
  }
  if (view.left) return;
  const form = canEdit ? createForm() : null;
  replace(
    main,
    h(
      "div",
      { class: "page-head" },
      h("h1", { text: "Halls" }),
      form
        ? h("button", {
            type: "button",
            class: "button button--primary",
            text: "New hall",
            on: {
              click: () => {
                form.scrollIntoView({ block: "start" });
                form.querySelector("input").focus({ preventScroll: true });
              },
            },
          })
        : null,
    ),
    h(
      "div",
      { class: "console-columns" },
      h(
        "section",
        { "aria-label": "Every hall" },
        halls.length
          ? h(
              "ul",
              { class: "hall-list" },
              halls.map((hall) => hallCard(hall, canEdit)),
            )
          : h("p", { class: "card empty", text: "No halls yet." }),
      ),
      form,
    ),
  );
}
