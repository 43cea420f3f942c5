// Log in and sign up forms.

import { ApiError } from "../api.js";
import { login, register } from "../auth.js";
import { h, replace } from "../dom.js";
import { dismiss } from "../notice.js";

/** The login page, coming back to `next` (a hash route) afterwards. */
export const loginLink = (next = "") =>
  next && next !== "#/login" ? `#/login?next=${encodeURIComponent(next)}` : "#/login";

/** What each field needs, said plainly, for the browser's own checks and the API's 422s. */
const FIELD_MESSAGES = {
  name: { missing: "Please enter your name.", invalid: "Please enter a shorter name." },
  email: {
    missing: "Please enter your email address.",
    invalid: "Please enter an email address like ann@example.com.",
    taken: "An account with this email already exists. Log in instead?",
  },
  password: {
    missing: "Please enter a password.",
    invalid: "Use at least 8 characters, with letters and digits.",
  },
};

/** API error codes that are about one field. */
const CODE_FIELDS = {
  invalid_email: ["email", "invalid"],
  email_taken: ["email", "taken"],
  weak_password: ["password", "invalid"],
};

/** A labelled input with a place for its own message (hint first, when given). */
function field(label, attrs, hint = "") {
  const id = `field-${attrs.name}`;
  const hintId = hint ? `${id}-hint` : null;
  const errorId = `${id}-error`;
  return h(
    "div",
    { class: "field", dataset: { field: attrs.name } },
    h("label", { for: id, text: label }),
    h("input", { id, "aria-describedby": [hintId, errorId].filter(Boolean).join(" "), ...attrs }),
    hint ? h("p", { id: hintId, class: "hint", text: hint }) : null,
    h("p", { id: errorId, class: "field-error", hidden: true }),
  );
}

function setFieldError(form, name, message) {
  const input = form.querySelector(`[name="${CSS.escape(name)}"]`);
  const error = form.querySelector(`#field-${CSS.escape(name)}-error`);
  if (!input || !error) return false;
  error.textContent = message;
  error.hidden = !message;
  if (message) input.setAttribute("aria-invalid", "true");
  else input.removeAttribute("aria-invalid");
  return true;
}

/** Every field's problem the browser can see before sending, as {name: message}. */
function localProblems(form) {
  const problems = {};
  for (const input of form.querySelectorAll("input")) {
    const messages = FIELD_MESSAGES[input.name] ?? {};
    if (input.validity.valueMissing || (input.required && !input.value.trim())) {
      problems[input.name] = messages.missing ?? "Please fill this in.";
    } else if (!input.validity.valid) {
      problems[input.name] = messages.invalid ?? input.validationMessage;
    } else if (input.dataset.check === "password" && passwordProblem(input.value)) {
      problems[input.name] = passwordProblem(input.value);
    }
  }
  return problems;
}

/** What a new password lacks, as user_svc's policy says, or "" when it is acceptable. */
function passwordProblem(value) {
  if (value.length < 8) return FIELD_MESSAGES.password.invalid;
  if (!/\p{L}/u.test(value)) return "Add at least one letter.";
  if (!/\p{N}/u.test(value)) return "Add at least one digit.";
  return "";
}

/** The API's answer as {name: message} for the fields it names (422 details or a code). */
function apiProblems(failure) {
  const problems = {};
  for (const { field: name, message } of failure?.body?.fields ?? []) {
    problems[name] = FIELD_MESSAGES[name]?.invalid ?? message;
  }
  const [name, kind] = CODE_FIELDS[failure?.code] ?? [];
  if (name) problems[name] = FIELD_MESSAGES[name][kind] ?? failure.message;
  return problems;
}

function safeNext(query) {
  const next = query.get("next") ?? "";
  return next.startsWith("#/") && !next.startsWith("#/login") && !next.startsWith("#/register")
    ? next
    : "#/";
}

function authForm(
  main,
  view,
  { title, fields, submitText, action, switchText, switchHref, checkFirst = false },
) {
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
  /** Shows every field's message at once; focus goes to the first field with one. */
  const showProblems = (problems) => {
    let first = null;
    for (const input of form.querySelectorAll("input")) {
      const message = problems[input.name] ?? "";
      setFieldError(form, input.name, message);
      if (message && !first) first = input;
    }
    first?.focus();
    return first !== null;
  };
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    error.hidden = true;
    if (checkFirst && showProblems(localProblems(form))) return;
    showProblems({});
    const values = Object.fromEntries(new FormData(form));
    submit.disabled = true;
    try {
      await action(values);
      dismiss();
      location.hash = safeNext(view.query);
    } catch (failure) {
      const placed = failure instanceof ApiError && showProblems(apiProblems(failure));
      if (!placed) {
        error.textContent =
          failure instanceof ApiError ? failure.message : "Something went wrong.";
        error.hidden = false;
        form.querySelector("input")?.focus();
      }
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
      field(
        "Password",
        {
          name: "password",
          type: "password",
          autocomplete: "new-password",
          required: true,
          maxlength: "128",
          dataset: { check: "password" },
        },
        "At least 8 characters, with letters and digits.",
      ),
    ],
    checkFirst: true,
    submitText: "Sign up",
    action: ({ name, email, password }) => register(name.trim(), email.trim(), password),
    switchText: "Have an account?",
    switchHref: `#/login${nextQuery(view)}`,
  });
}
