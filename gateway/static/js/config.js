// The cinema's public settings, written into the page's meta tags by the gateway (GET /api/config).

const meta = (name) => document.querySelector(`meta[name="${name}"]`)?.content ?? "";
const filled = (value) => (value && !value.startsWith("{{") ? value : "");

export const config = Object.freeze({
  currency: filled(meta("cinema-currency")) || "EUR",
  timeZone: filled(meta("cinema-timezone")) || "UTC",
  maxSeats: Number(meta("booking-max-seats")) || 4,
});
