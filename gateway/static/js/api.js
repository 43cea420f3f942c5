// The REST API: JSON in and out, the bearer token, errors as ApiError with the contract's body.

import { observe } from "./clock.js";

export class ApiError extends Error {
  /** `body` is the contract's error body: {error, code, ...details}. */
  constructor(status, body) {
    super(body?.error || `Request failed (${status})`);
    this.status = status;
    this.code = body?.code || "error";
    this.body = body || {};
  }

  /** Worth retrying with the same idempotency key: the request may not have arrived. */
  get transient() {
    return this.status === 0 || this.status === 502 || this.status === 503;
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

/**
 * Sends one request; answers {data, headers} or throws ApiError. An access token the server
 * rejects is renewed once, silently, and the request sent again with the new one. Answers are
 * not cached unless `options.cache` says so (e.g. "no-cache": keep, revalidate by ETag).
 */
export async function request(method, path, options = {}) {
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
  if (!response.ok) throw new ApiError(response.status, data);
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
