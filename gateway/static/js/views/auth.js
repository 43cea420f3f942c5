// Log in and sign up forms.

import { ApiError } from "../api.js";
import { login, register } from "../auth.js";
import { h, replace } from "../dom.js";
import { dismiss } from "../notice.js";

/** The login page, coming back to `next` (a hash route) afterwards. */
export const loginLink = (next = "") =>
  next && next !== "#/login" ? `#/login?next=${encodeURIComponent(next)}` : "#/login";

function field(label, attrs) {
  const id = `field-${attrs.name}`;
  return h(
    "div",
    { class: "field" },
    h("label", { for: id, text: label }),
    h("input", { id, ...attrs }),
  );
}

function safeNext(query) {
  const next = query.get("next") ?? "";
  return next.startsWith("#/") && !next.startsWith("#/login") && !next.startsWith("#/register")
    ? next
    : "#/";
}

function authForm(main, view, { title, fields, submitText, action, switchText, switchHref }) {
  const error = h("p", { class: "form-error", role: "alert", hidden: true });
  const submit = h("button", {
    type: "submit",
    class: "button button--primary button--wide",
    text: submitText,
  });
  const form = h(
    "form",
    { class: "card auth-form", novalidate: true },
    h("h1", { text: title }),
    fields,
    error,
    submit,
    h(
      "p",
      { class: "muted switch" },
      switchText,
      " ",
      h("a", {
        href: switchHref,
        text: switchHref.startsWith("#/register") ? "Sign up" : "Log in",
      }),
    ),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const values = Object.fromEntries(new FormData(form));
    error.hidden = true;
    submit.disabled = true;
    try {
      await action(values);
      dismiss();
      location.hash = safeNext(view.query);
    } catch (failure) {
      error.textContent = failure instanceof ApiError ? failure.message : "Something went wrong.";
      error.hidden = false;
      const named = failure?.body?.fields?.[0]?.field;
      form.querySelector(named ? `[name="${CSS.escape(named)}"]` : "input")?.focus();
    } finally {
      submit.disabled = false;
    }
  });
  replace(main, form);
  form.querySelector("input")?.focus();
}

const nextQuery = (view) =>
  view.query.get("next") ? `?next=${encodeURIComponent(view.query.get("next"))}` : "";

export function renderLogin(main, view) {
  authForm(main, view, {
    title: "Log in",
    fields: [
      field("Email", {
        name: "email",
        type: "email",
        autocomplete: "email",
        required: true,
        maxlength: "254",
      }),
      field("Password", {
        name: "password",
        type: "password",
        autocomplete: "current-password",
        required: true,
        maxlength: "128",
      }),
    ],
    submitText: "Log in",
    action: ({ email, password }) => login(email.trim(), password),
    switchText: "New here?",
    switchHref: `#/register${nextQuery(view)}`,
  });
}

export function renderRegister(main, view) {
  authForm(main, view, {
    title: "Create an account",
    fields: [
      field("Name", { name: "name", autocomplete: "name", required: true, maxlength: "100" }),
      field("Email", {
        name: "email",
        type: "email",
        autocomplete: "email",
        required: true,
        maxlength: "254",
      }),
      h(
        "div",
        { class: "field" },
        h("label", { for: "field-password", text: "Password" }),
        h("input", {
          id: "field-password",
          name: "password",
          type: "password",
          autocomplete: "new-password",
          required: true,
          maxlength: "128",
          "aria-describedby": "password-hint",
        }),
        h("p", {
          id: "password-hint",
          class: "hint",
          text: "At least 8 characters, with letters and digits.",
        }),
      ),
    ],
    submitText: "Sign up",
    action: ({ name, email, password }) => register(name.trim(), email.trim(), password),
    switchText: "Have an account?",
    switchHref: `#/login${nextQuery(view)}`,
  });
}
