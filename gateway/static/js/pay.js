// The demo provider's hosted checkout page (/pay/<payment id>): shows the amount, takes a test
// card, asks for the extra confirmation some cards need, and sends the customer back.

import { ApiError, get, post } from "./api.js";

const RETURN_DELAY_MS = 1500;
const paymentId = decodeURIComponent(location.pathname.split("/").pop() || "");
const base = `/api/demo-provider/payments/${encodeURIComponent(paymentId)}`;
const $ = (id) => document.getElementById(id);

function say(text, kind = "info") {
  $("message").textContent = text;
  $("message").dataset.kind = kind;
}

function formatAmount(amount, currency) {
  try {
    return new Intl.NumberFormat(undefined, { style: "currency", currency }).format(amount);
  } catch {
    return `${Number(amount).toFixed(2)} ${currency}`;
  }
}

function show(checkout) {
  $("amount").textContent = formatAmount(checkout.amount, checkout.currency);
  $("description").textContent = checkout.description;
  $("back").href = checkout.return_url;
  const done = checkout.status === "succeeded" || checkout.status === "refunded";
  $("card-form").hidden = done || checkout.status === "requires_action";
  $("challenge").hidden = checkout.status !== "requires_action";
  if (checkout.status === "succeeded") {
    say("Payment succeeded. Taking you back to the cinema…", "success");
    setTimeout(() => location.assign(checkout.return_url), RETURN_DELAY_MS);
  } else if (checkout.status === "refunded") {
    say("This payment was refunded.", "info");
  } else if (checkout.status === "declined") {
    say("Your card was declined. Try another card.", "error");
    $("card-number").focus();
  } else if (checkout.status === "requires_action") {
    say("One more step: confirm the payment.", "info");
    $("confirm").focus();
  }
}

async function act(button, send) {
  button.disabled = true;
  try {
    show(await send());
  } catch (error) {
    say(error instanceof ApiError ? error.message : "Something went wrong.", "error");
  } finally {
    button.disabled = false;
  }
}

$("card-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const number = $("card-number").value;
  act($("pay"), () => post(`${base}/card`, { number }, { auth: false }));
});
$("confirm").addEventListener("click", () =>
  act($("confirm"), () => post(`${base}/confirm`, undefined, { auth: false })),
);

get(base).then(show, (error) => {
  $("card-form").hidden = true;
  say(error instanceof ApiError ? error.message : "This payment cannot be shown.", "error");
});
