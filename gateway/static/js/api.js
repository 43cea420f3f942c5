// The REST API: JSON in and out, the bearer token, errors as ApiError with the contract's body.

import { observe } from "./clock.js";
import { notify } from "./notice.js";

export class ApiError extends Error {
  /** `body` is the contract's error body: {error, code, ...details}; `retryAfter` in seconds. */
  constructor(status, body, retryAfter = null) {
    super(body?.error || `Request failed (${status})`);
    this.status = status;
    this.code = body?.code || "error";
    this.body = body || {};
    this.retryAfter = retryAfter;
  }

  /** The gateway turned the request away before any work: too many people at once. */
  get overloaded() {
    return this.status === 503 && this.code === "overloaded";
  }

  /**
   * Worth retrying with the same idempotency key: the request may not have arrived. Not an
   * overloaded answer: request() has waited and retried it once already, and more retries
   * would only add to the crowd.
   */
  get transient() {
    return (this.status === 0 || this.status === 502 || this.status === 503) && !this.overloaded;
  }
}

let tokenSource = () => null;
let unauthorized = () => {};
let renew = async () => null;

/**
 * auth.js tells the API where the access token is, how to renew it (answering the new token,
 * or null when the sign-in is over) and what to do when the server rejects it for good.
 */
export function configureAuth(getToken, onUnauthorized, renewToken) {
  tokenSource = getToken;
  unauthorized = onUnauthorized;
  renew = renewToken;
}

// Graceful overload: how long the page waits, at most, before its one retry of a request the
// gateway shed (503 overloaded), whatever Retry-After says; and a little random extra so that
// everybody turned away at the same moment does not come back at the same moment.
const MAX_OVERLOAD_WAIT_S = 10;
const DEFAULT_OVERLOAD_WAIT_S = 2;
const OVERLOAD_JITTER_MS = 500;

/**
 * Sends one request; answers {data, headers} or throws ApiError. A request the gateway sheds
 * as overloaded is sent once more after its Retry-After (capped), telling the person why.
 * Answers are not cached unless `options.cache` says so (e.g. "no-cache": keep, revalidate by
 * ETag).
 */
export async function request(method, path, options = {}) {
  try {
    return await authorized(method, path, options);
  } catch (error) {
    if (!(error instanceof ApiError) || !error.overloaded) throw error;
    const seconds = overloadWait(error.retryAfter);
    const withdraw = notify(
      `Lots of people are booking right now — trying again in ${seconds} s…`,
      "info",
    );
    await new Promise((resolve) => {
      setTimeout(resolve, seconds * 1000 + Math.random() * OVERLOAD_JITTER_MS);
    });
    const answer = await authorized(method, path, options);
    withdraw();
    return answer;
  }
}

/** Whole seconds to wait from a Retry-After (seconds or an HTTP date), 1 to the cap. */
function overloadWait(retryAfter) {
  const seconds = Number.isFinite(retryAfter) ? Math.ceil(retryAfter) : DEFAULT_OVERLOAD_WAIT_S;
  return Math.min(MAX_OVERLOAD_WAIT_S, Math.max(1, seconds));
}

function retryAfterSeconds(header) {
  if (!header) return null;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return seconds;
  const at = Date.parse(header);
  return Number.isNaN(at) ? null : (at - Date.now()) / 1000;
}

/**
 * One request with the bearer token. An access token the server rejects is renewed once,
 * silently, and the request sent again with the new one.
 */
async function authorized(method, path, options) {
  const token = options.auth === false ? null : tokenSource();
  try {
    return await send(method, path, options, token);
  } catch (error) {
    if (!(error instanceof ApiError) || error.status !== 401 || !token) throw error;
    const renewed = await renew(token);
    if (!renewed) {
      unauthorized();
      throw error;
    }
    return send(method, path, options, renewed);
  }
}

async function send(method, path, options, token) {
  const { body, headers = {}, text = false, cache = "no-store" } = options;
  const sent = { Accept: "application/json", ...headers };
  if (body !== undefined) sent["Content-Type"] = "application/json";
  if (token) sent.Authorization = `Bearer ${token}`;
  const sentAt = Date.now();
  let response;
  try {
    response = await fetch(path, {
      method,
      headers: sent,
      body: body === undefined ? undefined : JSON.stringify(body),
      cache,
    });
  } catch {
    throw new ApiError(0, {
      error: "Cannot reach the server. Check your connection and try again.",
      code: "network_error",
    });
  }
  observe(response.headers.get("Date"), sentAt, Date.now());
  const data = await read(response, text);
  if (!response.ok) {
    const retryAfter = retryAfterSeconds(response.headers.get("Retry-After"));
    throw new ApiError(response.status, data, retryAfter);
  }
  return { data, headers: response.headers };
}

/** The body of an answer: none for 204, text when asked for (CSV) and it succeeded, else JSON. */
async function read(response, text) {
  if (response.status === 204) return null;
  if (text && response.ok) return response.text();
  return response.json().catch(() => null);
}

export const get = async (path) => (await request("GET", path)).data;
/** A successful answer's body as text (an image, say); errors still as ApiError. */
export const getText = async (path, accept) =>
  (await request("GET", path, { text: true, headers: { Accept: accept } })).data;
export const post = async (path, body, options = {}) =>
  (await request("POST", path, { ...options, body })).data;

/** A fresh key for one booking attempt (crypto.randomUUID needs a secure context). */
export function newIdempotencyKey() {
  if (typeof crypto.randomUUID === "function") return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

const RETRY_DELAYS_MS = [300, 1000];

/**
 * POST with an Idempotency-Key, retried with the SAME key when the answer may have been lost,
 * so a retry never holds seats twice.
 */
export async function postOnce(path, body) {
  const key = newIdempotencyKey();
  for (let attempt = 0; ; attempt += 1) {
    try {
      return await post(path, body, { headers: { "Idempotency-Key": key } });
    } catch (error) {
      if (!(error instanceof ApiError) || !error.transient || attempt >= RETRY_DELAYS_MS.length) {
        throw error;
      }
      await new Promise((resolve) => setTimeout(resolve, RETRY_DELAYS_MS[attempt]));
    }
  }
}

/** Every page of a paginated list, up to `maxPages`. */
export async function getAll(path, { pageSize = 100, maxPages = 10 } = {}) {
  const items = [];
  const joiner = path.includes("?") ? "&" : "?";
  for (let page = 1; page <= maxPages; page += 1) {
    const data = await get(`${path}${joiner}page=${page}&page_size=${pageSize}`);
    items.push(...data.items);
    if (items.length >= data.total || data.items.length === 0) break;
  }
  return items;
}
