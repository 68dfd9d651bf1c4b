// The admin API, called with the admin key kept in this tab's sessionStorage.
//
// The key never goes into a URL or a cookie: it is sent only as a bearer token, to this origin,
// and sessionStorage forgets it when the tab closes (or at sign-out).

const KEY = 'sluice.adminKey';

export function adminKey() {
  return sessionStorage.getItem(KEY);
}

export function signIn(key) {
  sessionStorage.setItem(KEY, key);
}

export function signOut() {
  sessionStorage.removeItem(KEY);
}

/** An error the API answered with (OpenAI format), or a failure to reach it. */
export class ApiError extends Error {
  constructor(status, message, code) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

/** GETs an admin API path with query parameters (undefined and null ones left out); the JSON answer. */
export async function get(path, params = {}, key = adminKey()) {
  const query = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v != null && v !== '') query.set(k, v);
  const qs = query.toString();
  const url = path + (qs ? '?' + qs : '');
  let res;
  try {
    res = await fetch(url, {
      headers: { authorization: 'Bearer ' + key, accept: 'application/json' },
      cache: 'no-store',
      credentials: 'omit',
    });
  } catch (e) {
    throw new ApiError(0, 'Sluice did not answer (' + e.message + '). Is it still running?', 'unreachable');
  }
  let body = null;
  try {
    body = await res.json();
  } catch {
    // not JSON: reported below
  }
  if (!res.ok) {
    const err = body && body.error ? body.error : {};
    throw new ApiError(res.status, err.message || 'HTTP ' + res.status + ' from ' + path, err.code || null);
  }
  return body;
}
