// api.js: every call to the converge HTTP API goes through here.
//
// Contract: the token comes from the page's URL fragment (#token=…, as `converge ui` prints it),
// is kept in sessionStorage and sent as a Bearer header; it never reaches the server in a URL.
// Failures reject with ApiError (status 0 when the instance cannot be reached).

const TOKEN_KEY = 'converge.token';

export class ApiError extends Error {
  constructor(status, message, field) {
    super(message);
    this.status = status;
    this.field = field;
  }
}

// Moves a token from the URL fragment into sessionStorage and removes it from the URL.
export function adoptTokenFromUrl() {
  const match = location.hash.match(/^#(?:.*&)?token=([^&]*)/);
  if (!match) return;
  sessionStorage.setItem(TOKEN_KEY, decodeURIComponent(match[1]));
  history.replaceState(null, '', location.pathname + location.search);
}

function headers() {
  const token = sessionStorage.getItem(TOKEN_KEY);
  return token ? { Authorization: `Bearer ${token}` } : {};
}

async function errorOf(response) {
  if (response.status === 401) {
    return new ApiError(401, 'Not authorized: open the URL `converge ui` prints ' +
      '(it carries the access token for this browser tab).');
  }
  let message = `${response.status} ${response.statusText}`;
  let field;
  try {
    const body = await response.json();
    if (body?.error) { message = body.error; field = body.field; }
  } catch { /* not JSON: keep the status line */ }
  return new ApiError(response.status, message, field);
}

// A checked response to GET `path` (status 2xx), its body not read yet.
export async function request(path, { signal } = {}) {
  let response;
  try {
    response = await fetch(path, { headers: headers(), signal, cache: 'no-store' });
  } catch (error) {
    if (error.name === 'AbortError') throw error;
    throw new ApiError(0, 'Cannot reach the converge instance (has it stopped?).');
  }
  if (!response.ok) throw await errorOf(response);
  return response;
}

export async function getJson(path, options) {
  return (await request(path, options)).json();
}

// Calls onText(chunk) with each decoded piece of a streamed body, until it ends.
export async function readText(response, onText) {
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    onText(decoder.decode(value, { stream: true }));
  }
  const rest = decoder.decode();
  if (rest) onText(rest);
}

// Calls onLine(object) with each JSON line of an NDJSON body, until it ends.
export async function readNdjson(response, onLine) {
  let buffered = '';
  await readText(response, (text) => {
    buffered += text;
    const lines = buffered.split('\n');
    buffered = lines.pop();
    for (const line of lines) if (line.trim()) onLine(JSON.parse(line));
  });
  if (buffered.trim()) onLine(JSON.parse(buffered));
}
