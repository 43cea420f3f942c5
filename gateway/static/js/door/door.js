// The door page: staff check tickets in by camera (BarcodeDetector) or by typed code, and get a
// big green or red answer with a sound. The server decides who may check in (staff, admins).

import { ApiError, get, post } from "../api.js";
import * as auth from "../auth.js";
import { h, replace } from "../dom.js";
import { dayHeading, seatName, timeOfDay } from "../format.js";
import { notify, showError } from "../notice.js";
import { canScan, startScanning } from "./scanner.js";
import { sound, unlockSound } from "./sound.js";

const SESSION_KEY = "cinema.door.session";
const SAME_CODE_PAUSE_MS = 4000; // the camera sees one code many times a second
const HISTORY_LENGTH = 8;
const TYPE_NOTES = { vip: " (VIP)", wheelchair: " (wheelchair space)", companion: " (companion)" };

const main = document.getElementById("main");
let stopCamera = null;

const timeWithSeconds = (iso) =>
  new Date(iso).toLocaleTimeString(undefined, {
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
  });

async function describeSession(sessionId) {
  try {
    const { session, movie, hall } = await get(`/api/sessions/${sessionId}/aggregate`);
    const title = movie?.title ?? `Session ${session.id}`;
    return `${title} at ${timeOfDay(session.start_time)}, ${hall.name || `Hall ${hall.number}`}`;
  } catch {
    return `session ${sessionId}`;
  }
}

/** The answer to show for a refused check-in: a headline and a detail line. */
async function refusal(error) {
  const body = error.body ?? {};
  switch (error.code) {
    case "already_checked_in":
      return [
        "Already checked in",
        `at ${timeWithSeconds(body.checked_in_at)} by staff #${body.checked_in_by}`,
      ];
    case "ticket_void":
      return ["Void ticket", "Its booking was cancelled."];
    case "wrong_session":
      return [
        "Wrong session",
        `This ticket is for ${await describeSession(body.ticket_session_id)}.`,
      ];
    case "invalid_ticket":
      return ["Not a valid ticket", "The code is mistyped, damaged or forged."];
    case "session_finished":
      return ["Session is over", "This ticket's session has ended."];
    case "ticket_not_found":
      return ["Unknown ticket", "No ticket has this code."];
    case "forbidden":
      return ["Not allowed", "Only staff accounts can check tickets in."];
    default:
      return ["Could not check in", error.message];
  }
}

function showAnswer(panel, admitted, headline, ...lines) {
  panel.dataset.answer = admitted ? "yes" : "no";
  replace(
    panel,
    h("span", { class: "door-answer__mark", "aria-hidden": "true", text: admitted ? "✓" : "✗" }),
    h("strong", { class: "door-answer__headline", text: headline }),
    ...lines.filter(Boolean).map((line) => h("span", { class: "door-answer__line", text: line })),
  );
  sound(admitted);
}

function admittedLines(result) {
  const seat = `${seatName(result.seat)}${TYPE_NOTES[result.seat.type] ?? ""}`;
  const session = result.session;
  const where = session.start_time
    ? `${dayHeading(session.start_time)}, ${timeOfDay(session.start_time)} · ${session.hall?.name || `Hall ${session.hall?.number}`}`
    : `Session ${session.id}`;
  return [seat, result.movie?.title ?? "", where];
}

function sessionPicker() {
  const select = h(
    "select",
    { id: "door-session", class: "door-session" },
    h("option", { value: "", text: "Any session" }),
  );
  const saved = localStorage.getItem(SESSION_KEY) ?? "";
  const today = new Date().toISOString().slice(0, 10);
  get(`/api/sessions?date=${today}&page_size=100`)
    .then(async (page) => {
      for (const session of page.items) {
        const option = h("option", {
          value: String(session.id),
          text: `${timeOfDay(session.start_time)} · session ${session.id}`,
        });
        select.append(option);
        describeSession(session.id).then((text) => {
          option.textContent = text;
        });
      }
      if (saved && !select.querySelector(`option[value="${CSS.escape(saved)}"]`)) {
        select.append(h("option", { value: saved, text: `Session ${saved}` }));
      }
      select.value = saved;
    })
    .catch((error) => showError(error, "Could not load today's sessions: "));
  select.addEventListener("change", () => localStorage.setItem(SESSION_KEY, select.value));
  return h(
    "div",
    { class: "field door-field" },
    h("label", { for: "door-session", text: "This door admits to" }),
    select,
  );
}

function renderDoor() {
  const panel = h(
    "output",
    { class: "door-answer", "aria-live": "assertive", dataset: { answer: "ready" } },
    h("strong", { class: "door-answer__headline", text: "Ready" }),
    h("span", { class: "door-answer__line", text: "Scan a ticket or type its code." }),
  );
  const history = h("ol", { class: "door-history", "aria-label": "Latest check-ins" });
  const picker = sessionPicker();
  const select = picker.querySelector("select");
  const input = h("input", {
    id: "door-code",
    name: "code",
    class: "door-code",
    autocomplete: "off",
    autocapitalize: "characters",
    spellcheck: "false",
    inputmode: "text",
    required: true,
    maxlength: 200,
    placeholder: "ABCD EFGH …",
  });
  const submit = h("button", { type: "submit", class: "button button--primary", text: "Check in" });
  const form = h(
    "form",
    { class: "door-form" },
    h("label", { for: "door-code", text: "Ticket code" }),
    h("div", { class: "door-form__row" }, input, submit),
  );
  const video = h("video", { class: "door-video", muted: true, playsinline: true, hidden: true });
  const camera = h("button", { type: "button", class: "button", text: "Scan with camera" });
  const cameraNote = h("p", { class: "hint" });
  let busy = false;
  let lastCode = "";
  let lastAt = 0;

  function remember(admitted, text) {
    history.prepend(
      h(
        "li",
        { class: admitted ? "is-yes" : "is-no" },
        `${new Date().toLocaleTimeString()} · ${text}`,
      ),
    );
    while (history.children.length > HISTORY_LENGTH) history.lastElementChild.remove();
  }

  async function checkIn(code) {
    if (busy) return;
    busy = true;
    submit.disabled = true;
    const query = select.value ? `?session_id=${encodeURIComponent(select.value)}` : "";
    try {
      const result = await post(`/api/tickets/check-in${query}`, { code });
      const lines = admittedLines(result);
      showAnswer(panel, true, "Admitted", ...lines);
      remember(true, `Admitted · ${lines[0]}`);
      input.value = "";
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      const [headline, detail] = await refusal(error);
      showAnswer(panel, false, headline, detail);
      remember(false, headline);
      input.select();
    } finally {
      busy = false;
      submit.disabled = false;
    }
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    unlockSound();
    const code = input.value.trim();
    if (code) checkIn(code);
  });

  camera.addEventListener("click", async () => {
    unlockSound();
    if (stopCamera) {
      stopCamera();
      stopCamera = null;
      video.hidden = true;
      camera.textContent = "Scan with camera";
      return;
    }
    try {
      video.hidden = false;
      stopCamera = await startScanning(video, (code) => {
        const now = Date.now();
        if (code === lastCode && now - lastAt < SAME_CODE_PAUSE_MS) return;
        lastCode = code;
        lastAt = now;
        checkIn(code);
      });
      camera.textContent = "Stop camera";
    } catch (error) {
      video.hidden = true;
      cameraNote.textContent = `The camera could not start (${error.name ?? "error"}). Type the code instead.`;
    }
  });

  canScan().then((able) => {
    camera.hidden = !able;
    if (!able) cameraNote.textContent = "This browser cannot read QR codes: type the code.";
  });

  replace(
    main,
    h("h1", { class: "visually-hidden", text: "Check tickets in" }),
    panel,
    h(
      "div",
      { class: "card door-controls" },
      picker,
      h("div", { class: "door-camera" }, camera, cameraNote),
      video,
      form,
    ),
    h("h2", { class: "door-history__title", text: "Latest" }),
    history,
  );
  input.focus();
}

function renderSignIn() {
  const email = h("input", {
    id: "door-email",
    type: "email",
    autocomplete: "username",
    required: true,
  });
  const password = h("input", {
    id: "door-password",
    type: "password",
    autocomplete: "current-password",
    required: true,
  });
  const error = h("p", { class: "form-error", role: "alert", hidden: true });
  const form = h(
    "form",
    { class: "card auth-form" },
    h("h1", { text: "Door sign-in" }),
    h("p", { class: "hint", text: "Sign in with a staff account to check tickets in." }),
    h("div", { class: "field" }, h("label", { for: "door-email", text: "Email" }), email),
    h("div", { class: "field" }, h("label", { for: "door-password", text: "Password" }), password),
    error,
    h("button", { type: "submit", class: "button button--primary button--wide", text: "Sign in" }),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    error.hidden = true;
    try {
      await auth.login(email.value, password.value);
    } catch (failure) {
      error.textContent = failure.message;
      error.hidden = false;
    }
  });
  replace(main, form);
  email.focus();
}

function renderAccount(profile) {
  const account = document.getElementById("account");
  if (!auth.signedIn()) {
    replace(account);
    return;
  }
  const role = profile?.role && profile.role !== "user" ? ` (${profile.role})` : "";
  if (profile?.role === "user") {
    notify("This account is not staff: the door refuses its check-ins. Sign in as staff.", "error");
  }
  replace(
    account,
    h("span", { class: "account__name", text: `${profile?.name ?? ""}${role}` }),
    h("button", {
      type: "button",
      class: "button button--ghost button--small",
      text: "Log out",
      on: { click: () => auth.logout() },
    }),
  );
}

let shown = null; // "door" or "sign-in"
function render(profile) {
  renderAccount(profile);
  const wanted = auth.signedIn() ? "door" : "sign-in";
  if (wanted === shown) return;
  shown = wanted;
  stopCamera?.();
  stopCamera = null;
  if (wanted === "door") renderDoor();
  else renderSignIn();
}

auth.onChange(render);
render(null);
auth.restore();
