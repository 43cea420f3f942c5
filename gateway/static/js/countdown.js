// A countdown to a server instant, on the server's clock (see clock.js).

import { msUntil } from "./clock.js";
import { h } from "./dom.js";
import { clockText } from "./format.js";

const WARN_MS = 60_000;

/**
 * A "mm:ss left" element counting down to `expiresAt`; onWarn runs once when a minute is left,
 * onEnd once when it reaches zero (never synchronously, so a caller can finish using the
 * element first). Answers {element, stop}.
 */
export function countdown(
  expiresAt,
  { label = "left to pay", onWarn = () => {}, onEnd = () => {} } = {},
) {
  const time = h("span", { class: "countdown__time" });
  const element = h("p", { class: "countdown", role: "timer" }, time, ` ${label}`);
  let ended = false;
  let warned = msUntil(expiresAt) <= WARN_MS;
  let stopped = false;
  const tick = () => {
    const ms = msUntil(expiresAt);
    time.textContent = clockText(ms);
    element.classList.toggle("countdown--warn", ms <= WARN_MS);
    if (ms <= WARN_MS && ms > 0 && !warned) {
      warned = true;
      onWarn();
    }
    if (ms <= 0 && !ended) {
      ended = true;
      clearInterval(timer);
      setTimeout(() => stopped || onEnd());
    }
  };
  const timer = setInterval(tick, 250);
  tick();
  const stop = () => {
    stopped = true;
    clearInterval(timer);
  };
  return { element, stop };
}
