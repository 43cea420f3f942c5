// Who is signed in: the access and refresh tokens in localStorage, and the profile that goes
// with them. An access token lives minutes; the refresh token renews it silently.

import { configureAuth, get, post } from "./api.js";

const TOKEN_KEY = "cinema.token";
const REFRESH_KEY = "cinema.refresh";
const listeners = new Set();
let profile = null;

/** The stored token; its expiry is the server's to judge (a 401 drops it), not this clock's. */
export const token = () => localStorage.getItem(TOKEN_KEY);

export const signedIn = () => token() !== null;
export const user = () => profile;

/** Calls `listener(profile)` whenever someone signs in or out. */
export function onChange(listener) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

function notify() {
  for (const listener of listeners) listener(profile);
}

function forget() {
  const had = localStorage.getItem(TOKEN_KEY) !== null || profile !== null;
  localStorage.removeItem(TOKEN_KEY);
  localStorage.removeItem(REFRESH_KEY);
  profile = null;
  if (had) notify();
}

function keep(reply) {
  localStorage.setItem(TOKEN_KEY, reply.access_token);
  localStorage.setItem(REFRESH_KEY, reply.refresh_token);
}

/**
 * A new access token in place of `rejected`, or null when the sign-in is over. One renewal
 * runs at a time across the tabs (a refresh token is used once: two tabs spending the same
 * one would end the sign-in), and a tab that waited takes what the other tab got.
 */
async function renewToken(rejected) {
  const renewOnce = async () => {
    const current = token();
    if (current && current !== rejected) return current;
    const refreshToken = localStorage.getItem(REFRESH_KEY);
    if (!refreshToken) return null;
    try {
      keep(await post("/api/auth/refresh", { refresh_token: refreshToken }, { auth: false }));
    } catch {
      return null;
    }
    return token();
  };
  if (!navigator.locks) return renewOnce();
  return navigator.locks.request("cinema.refresh", renewOnce);
}

configureAuth(token, forget, renewToken);

/** Loads the profile of a stored token (a stale token is dropped). */
export async function restore() {
  if (!token()) return null;
  try {
    profile = await get("/api/me");
  } catch {
    profile = null;
  }
  notify();
  return profile;
}

export async function login(email, password) {
  keep(await post("/api/auth/login", { email, password }, { auth: false }));
  return restore();
}

export async function register(name, email, password) {
  await post("/api/auth/register", { name, email, password }, { auth: false });
  return login(email, password);
}

/** Ends the sign-in on the server too, so the refresh token cannot be used again. */
export async function logout() {
  const refreshToken = localStorage.getItem(REFRESH_KEY);
  forget();
  if (refreshToken) {
    await post("/api/auth/logout", { refresh_token: refreshToken }, { auth: false }).catch(() => {});
  }
}

// Another tab signed in or out.
window.addEventListener("storage", (event) => {
  if (event.key !== TOKEN_KEY) return;
  profile = null;
  if (event.newValue) restore();
  else notify();
});
