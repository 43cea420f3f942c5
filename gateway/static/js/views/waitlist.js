// "Waiting list" under the seat map: wait for N seats (side by side or not); when seats free,
// the server holds them for you and tells you by email and push. One entry per showtime.

import { get, post, request } from "../api.js";
import { h, replace } from "../dom.js";
import { plural } from "../format.js";
import { announce, notify, showError } from "../notice.js";

const SERVED_TEXT = "Seats freed up and are held for you: pay for them in My bookings.";

/** The card for `sessionId`; answers {element}. Loads the user's entry itself. */
export function waitlistCard({ sessionId, maxSeats }) {
  const body = h("div", { class: "waitlist__body" });
  const element = h(
    "details",
    { class: "card waitlist" },
    h("summary", { class: "waitlist__summary", text: "Can't get the seats you want? Wait for them" }),
    body,
  );

  const waitingView = (entry) => {
    const kind = entry.together ? "side by side" : "anywhere in the hall";
    replace(
      body,
      h("p", {
        class: "waitlist__status",
        dataset: { status: entry.status },
        text: `You're on the waiting list for ${plural(entry.count, "seat")} ${kind}. When seats free up we hold them for you and email you.`,
      }),
      h("button", {
        type: "button",
        class: "button button--ghost",
        text: "Leave the waiting list",
        on: { click: () => leave(entry) },
      }),
    );
  };

  const servedView = () =>
    replace(
      body,
      h("p", { class: "waitlist__status", dataset: { status: "served" }, text: SERVED_TEXT }),
      h("a", { class: "button button--primary", href: "#/bookings", text: "My bookings" }),
    );

  const joinView = () => {
    const count = h(
      "select",
      { id: "waitlist-count", name: "count" },
      Array.from({ length: maxSeats }, (_, i) =>
        h("option", { value: i + 1, text: plural(i + 1, "seat") }),
      ),
    );
    count.value = String(Math.min(2, maxSeats));
    const together = h("input", { type: "checkbox", id: "waitlist-together", checked: true });
    const form = h(
      "form",
      { class: "waitlist__form" },
      h("label", { for: "waitlist-count", text: "How many" }),
      count,
      h("label", { class: "waitlist__together" }, together, " Side by side only"),
      h("button", { type: "submit", class: "button button--primary", text: "Join the waiting list" }),
    );
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      try {
        const entry = await post(`/api/sessions/${sessionId}/waitlist`, {
          count: Number(count.value),
          together: together.checked,
        });
        if (entry.status === "served") {
          notify(SERVED_TEXT, "success");
          servedView();
        } else {
          announce("You're on the waiting list.");
          waitingView(entry);
        }
      } catch (error) {
        showError(error, "Could not join the waiting list: ");
      }
    });
    replace(
      body,
      h("p", {
        class: "muted",
        text: "Join the waiting list: when seats free up, the first person they suit gets them held for 10 minutes.",
      }),
      form,
    );
  };

  async function leave(entry) {
    try {
      await request("DELETE", `/api/waitlist/${entry.id}`);
      announce("You left the waiting list.");
      joinView();
    } catch (error) {
      showError(error, "Could not leave the waiting list: ");
    }
  }

  joinView();
  get("/api/me/waitlist")
    .then((entries) => {
      const entry = entries.find((e) => e.session_id === sessionId);
      if (entry?.status === "waiting") {
        waitingView(entry);
        element.open = true;
      }
    })
    .catch(() => {});
  return { element };
}
