// Who is signed in: the access token in localStorage, and the profile that goes with it.

import { configureAuth, get, post } from "./api.js";

const TOKEN_KEY = "cinema.token";
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
  profile = null;
  if (had) notify();
}

configureAuth(token, forget);

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
  const reply = await post("/api/auth/login", { email, password }, { auth: false });
  localStorage.setItem(TOKEN_KEY, reply.access_token);
  return restore();
}

export async function register(name, email, password) {
  await post("/api/auth/register", { name, email, password }, { auth: false });
  return login(email, password);
}

export const logout = forget;

// Another tab signed in or out.
window.addEventListener("storage", (event) => {
  if (event.key !== TOKEN_KEY) return;
  profile = null;
  if (event.newValue) restore();
  else notify();
});
