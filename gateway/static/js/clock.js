// The server's clock, estimated from the Date header of API answers.
//
// A Date header is whole seconds, so each answer bounds the offset (server minus local time):
// the server read its clock between our send and our receipt. Intersecting those bounds over
// several answers narrows the estimate well below a second.

let lower = -Infinity;
let upper = Infinity;

/** Learns from one answer: its Date header, and when (local ms) we sent and received it. */
export function observe(dateHeader, sentAt, receivedAt) {
  const server = Date.parse(dateHeader ?? "");
  if (Number.isNaN(server)) return;
  const low = server - receivedAt;
  const high = server + 1000 - sentAt;
  if (Math.max(lower, low) > Math.min(upper, high)) {
    lower = low; // a clock jumped: start over from this answer
    upper = high;
  } else {
    lower = Math.max(lower, low);
    upper = Math.min(upper, high);
  }
}

/** Milliseconds to add to the local clock to get the server's. */
export const offset = () => (Number.isFinite(lower) ? (lower + upper) / 2 : 0);

export const serverNow = () => Date.now() + offset();

/** Milliseconds from now (server time) until an ISO instant. */
export const msUntil = (iso) => Date.parse(iso) - serverNow();
