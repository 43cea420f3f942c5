// The cancel dialog of a booking: give back some seats or cancel all, or keep the booking.

import { postOnce } from "../api.js";
import { h, replace } from "../dom.js";
import { money, seatName } from "../format.js";

/**
 * Opens the dialog for `booking`; `onChanged(updated, message)` runs after a cancellation
 * (of some seats or of the whole booking). Paid bookings are refunded for what they give back.
 */
export function openCancelDialog(booking, { onChanged }) {
  const paid = booking.status === "confirmed";
  const boxes = booking.seats.map((seat) =>
    h("input", { type: "checkbox", value: seat.seat_id, checked: true }),
  );
  const error = h("p", { class: "cancel-dialog__error", role: "alert", hidden: true });
  const confirm = h("button", { type: "button", class: "button button--danger" });
  const keep = h("button", {
    type: "button",
    class: "button button--primary",
    text: "Keep booking",
  });
  const dialog = h(
    "dialog",
    { class: "cancel-dialog", "aria-labelledby": "cancel-title" },
    h("h2", { id: "cancel-title", text: "Cancel which seats?" }),
    h(
      "fieldset",
      {},
      h("legend", { class: "muted", text: "Ticked seats are cancelled; untick the ones you keep." }),
      booking.seats.map((seat, index) =>
        h(
          "label",
          {},
          boxes[index],
          h("span", { text: `${seatName(seat)} · ${money(seat.price)}` }),
        ),
      ),
    ),
    error,
    h("div", { class: "actions" }, keep, confirm),
  );

  const chosen = () => boxes.filter((box) => box.checked).map((box) => Number(box.value));
  const label = () => {
    const count = chosen().length;
    const all = count === booking.seats.length;
    const what = all ? "Cancel whole booking" : `Cancel ${count} of ${booking.seats.length} seats`;
    confirm.textContent = paid ? `${what} and refund` : what;
    confirm.disabled = count === 0;
  };
  for (const box of boxes) box.addEventListener("change", label);
  label();

  const close = () => {
    dialog.close();
    dialog.remove();
  };
  keep.addEventListener("click", close);
  dialog.addEventListener("cancel", () => dialog.remove());
  confirm.addEventListener("click", async () => {
    const seatIds = chosen();
    const all = seatIds.length === booking.seats.length;
    confirm.disabled = true;
    try {
      const updated = await postOnce(
        `/api/bookings/${booking.id}/cancel`,
        all ? undefined : { seat_ids: seatIds },
      );
      close();
      onChanged(updated, all ? "Booking cancelled." : `${seatIds.length} seats given back.`);
    } catch (failure) {
      error.hidden = false;
      replace(error, failure.message);
      confirm.disabled = false;
    }
  });
  document.body.append(dialog);
  dialog.showModal();
  keep.focus();
}
