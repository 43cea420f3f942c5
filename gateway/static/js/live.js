// The live seat feed: WS /api/sessions/{id}/live with versions, reconnecting with backoff.

const BACKOFF_MS = [500, 1000, 2000, 4000, 8000, 15000];
const TRY_AGAIN_NOW = 1013; // the server dropped us for being too slow
const SESSION_GONE = new Set([4404, 4422]); // no such session; not a session id

export const liveUrl = (sessionId) =>
  `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/api/sessions/${sessionId}/live`;

/**
 * Whether a feed message should be applied over what we hold at `version`:
 * a snapshot always replaces everything, a change only if it is newer.
 */
export function isNewer(message, version) {
  if (message.type === "snapshot") return true;
  return message.type === "change" && message.version > version;
}

/**
 * Keeps one socket open for a session. onMessage gets each parsed message of this session;
 * onState gets "connecting", "open" (after the snapshot), "reconnecting" or "gone".
 */
export class LiveFeed {
  #socket = null;
  #timer = 0;
  #failures = 0;
  #stopped = false;

  constructor(sessionId, { onMessage, onState }) {
    this.sessionId = sessionId;
    this.onMessage = onMessage;
    this.onState = onState;
    this.reconnectNow = () => {
      if (!this.#socket && !this.#stopped) {
        clearTimeout(this.#timer);
        this.#connect();
      }
    };
  }

  start() {
    window.addEventListener("online", this.reconnectNow);
    this.#connect();
    return this;
  }

  stop() {
    this.#stopped = true;
    clearTimeout(this.#timer);
    window.removeEventListener("online", this.reconnectNow);
    this.#socket?.close(1000, "page left");
    this.#socket = null;
  }

  #connect() {
    this.onState("connecting");
    const socket = new WebSocket(liveUrl(this.sessionId));
    this.#socket = socket;
    socket.addEventListener("message", (event) => {
      let message;
      try {
        message = JSON.parse(event.data);
      } catch {
        return;
      }
      if (String(message.session_id) !== String(this.sessionId)) return;
      if (message.type === "snapshot") {
        this.#failures = 0;
        this.onState("open");
      }
      this.onMessage(message);
    });
    socket.addEventListener("close", (event) => {
      if (this.#socket !== socket) return;
      this.#socket = null;
      if (this.#stopped) return;
      if (SESSION_GONE.has(event.code)) {
        this.onState("gone");
        return;
      }
      this.onState("reconnecting");
      this.#timer = setTimeout(() => this.#connect(), this.#delay(event.code));
    });
  }

  /** At once after a first 1013, else backoff with jitter (reset by every snapshot). */
  #delay(code) {
    const now = code === TRY_AGAIN_NOW && this.#failures === 0;
    const base = BACKOFF_MS[Math.min(this.#failures, BACKOFF_MS.length - 1)];
    this.#failures += 1;
    return now ? 0 : base / 2 + Math.random() * (base / 2);
  }
}
