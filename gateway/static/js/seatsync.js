// Keeps a seat map in step with the server: the live feed, and polling while it is down.

import { request } from "./api.js";
import { isNewer, LiveFeed } from "./live.js";

const POLL_MS = 5000;
const VERSION_HEADER = "X-Seat-Map-Version";

/** GET the seat map: {seats, version}; the browser keeps it and asks again by its ETag (304). */
export async function fetchSeats(sessionId) {
  const reply = await request("GET", `/api/sessions/${sessionId}/seats`, { cache: "no-cache" });
  return { seats: reply.data, version: Number(reply.headers.get(VERSION_HEADER) ?? -1) };
}

/**
 * Applies every newer state of a session's seats to `seatmap`, starting from `initial`
 * ({seats, version}). onReplaced() runs after a whole new seat list, onLost(seats) with
 * selected seats someone else took, onState(state) with the live feed's state, onChange(change)
 * with each live change applied.
 */
export class SeatSync {
  #version;
  #poll = 0;
  #feed = null;

  constructor(sessionId, seatmap, initial, { onReplaced, onLost, onState, onChange = () => {} }) {
    this.sessionId = sessionId;
    this.seatmap = seatmap;
    this.callbacks = { onReplaced, onLost, onState, onChange };
    this.#version = initial.version;
    this.#replace(initial.seats, false);
  }

  start() {
    this.#feed = new LiveFeed(this.sessionId, {
      onMessage: (message) => this.#onMessage(message),
      onState: (state) => this.#onState(state),
    }).start();
    return this;
  }

  stop() {
    this.#feed?.stop();
    clearInterval(this.#poll);
    this.#poll = 0;
  }

  /** Fetches the seat map now and applies it if it is newer. */
  async refresh() {
    try {
      const fresh = await fetchSeats(this.sessionId);
      if (fresh.version <= this.#version) return;
      this.#version = fresh.version;
      this.#replace(fresh.seats, true);
    } catch {
      // the next poll or the live feed catches up
    }
  }

  #replace(seats, pulse) {
    const lost = this.seatmap.setSeats(seats, { pulse });
    this.callbacks.onReplaced();
    if (lost.length) this.callbacks.onLost(lost);
  }

  #onMessage(message) {
    if (!isNewer(message, this.#version)) return;
    this.#version = message.version;
    if (message.type === "snapshot") {
      this.#replace(message.seats, true);
      return;
    }
    const lost = this.seatmap.setStatus(message.seat_ids, message.status);
    this.callbacks.onChange(message);
    if (lost.length) this.callbacks.onLost(lost);
  }

  #onState(state) {
    this.callbacks.onState(state);
    if (state === "open") {
      clearInterval(this.#poll);
      this.#poll = 0;
    } else if (!this.#poll && state !== "gone") {
      this.#poll = setInterval(() => this.refresh(), POLL_MS);
    }
  }
}
