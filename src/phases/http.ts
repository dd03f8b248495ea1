/**
 * `http`: calls an external service (a publishing API, a webhook) outside any transaction.
 *
 * - The URL, header values and body strings are templates. Only http and https URLs go out.
 * - The method goes out in upper case, however the definition spelled it ("post" → POST).
 * - Every request carries `Idempotency-Key: <run id>:<phase id>`, the same for every attempt
 *   of this phase in this run: a re-execution after a crash and a manual retry both send the
 *   key of the first try, so a receiver that honours the header does the work once. (A
 *   re-run is a new run, so it gets a new key.) A definition may set its own
 *   `Idempotency-Key` header, which then wins.
 * - Redirects are not followed: a 3xx fails the phase naming the Location, rather than
 *   silently turning a POST into a GET at another address.
 * - 2xx → output `{status, headers, body}` (body parsed as JSON when it says it is JSON,
 *   otherwise text; at most 64 KiB is read). Non-2xx and network errors → `external_error`;
 *   no answer within `timeout` (default 30s, covering the whole exchange) → `timeout`.
 * - The recorded input hides the values of credential-like headers and URL parts.
 */
import { DEFAULTS, parseDuration, renderTemplate, renderValue, type HttpPhase } from '../definitions/index.js';
import { failed, type PhaseHandler, type PhaseResult } from './types.js';

/** How much of a response body is read and kept. */
export const MAX_RESPONSE_BYTES = 64 * 1024;
/** How much of a failed answer goes into the error message. */
const EXCERPT_CHARS = 500;
const SAFE_RESPONSE_HEADERS = ['content-type', 'content-length', 'location', 'etag', 'last-modified', 'retry-after', 'x-request-id'];
const SECRET_NAME_RE = /authorization|cookie|api[-_]?key|token|secret|password|passwd|signature|credential|session/i;
const REDACTED = '[redacted]';

/** The key sent as `Idempotency-Key`: stable across attempts of one phase in one run. */
export function idempotencyKey(runId: string, phaseId: string): string {
  return `${runId}:${phaseId}`;
}

export const httpPhase: PhaseHandler<HttpPhase> = {
  mode: 'io',
  async execute({ spec, scope, run, signal }) {
    // Stored definitions already hold the method upper case (validateDefinition); this also
    // covers a spec that did not come through it, so "post" always goes out as POST.
    const method = (spec.method ?? DEFAULTS.http.method).toUpperCase();
    const timeoutSpec = spec.timeout ?? DEFAULTS.http.timeout;
    const timeoutMs = parseDuration(timeoutSpec) ?? 30_000;
    const rawUrl = renderTemplate(spec.url, scope).trim();

    const headers: Record<string, string> = { 'user-agent': 'Flowgate', 'idempotency-key': idempotencyKey(run.id, spec.id) };
    for (const [name, tpl] of Object.entries(spec.headers ?? {})) headers[name.toLowerCase()] = renderTemplate(tpl, scope);
    let body: string | undefined;
    let bodyValue: unknown;
    if (spec.body !== undefined) {
      bodyValue = renderValue(spec.body, scope) ?? null;
      body = JSON.stringify(bodyValue);
      headers['content-type'] ??= 'application/json';
    }
    const input = { method, url: redactUrl(rawUrl), headers: redactHeaders(headers), ...(spec.body !== undefined ? { body: bodyValue } : {}), timeout: timeoutSpec };

    const url = parseHttpUrl(rawUrl);
    if (!url) return failed('internal', `The URL ${JSON.stringify(redactUrl(rawUrl))} is not an http or https URL.`, input);
    for (const [name, value] of Object.entries(headers)) {
      if (/[\r\n\0]/.test(value)) return failed('internal', `The header "${name}" has a line break in its value after templates were filled in.`, input);
    }
    if (body !== undefined && method === 'GET') return failed('internal', 'A GET request cannot carry a body: remove "body" or use another method.', input);

    const timer = new AbortController();
    const timeoutHandle = setTimeout(() => timer.abort(new Error('timeout')), timeoutMs);
    const where = `${method} ${input.url}`;
    try {
      const res = await fetch(url, { method, headers, body, redirect: 'manual', signal: AbortSignal.any([signal, timer.signal]) });
      const { text, truncated } = await readBounded(res, MAX_RESPONSE_BYTES);
      if (res.status < 200 || res.status >= 300) {
        const location = res.status >= 300 && res.status < 400 ? res.headers.get('location') : null;
        const why = location ? ` (redirects are not followed; it points to ${location})` : '';
        const excerpt = oneLine(text).slice(0, EXCERPT_CHARS);
        return failed('external_error', `${where} answered ${res.status}${res.statusText ? ` ${res.statusText}` : ''}${why}${excerpt ? `: ${excerpt}` : ''}`, input);
      }
      const output = { status: res.status, headers: safeHeaders(res.headers), body: parseBody(text, truncated, res.headers.get('content-type')), ...(truncated ? { truncated: true } : {}) };
      return { kind: 'succeeded', input, output };
    } catch (err) {
      return failure(err, { signal, timedOut: timer.signal.aborted, where, timeoutSpec, input });
    } finally {
      clearTimeout(timeoutHandle);
    }
  },
};

function failure(err: unknown, o: { signal: AbortSignal; timedOut: boolean; where: string; timeoutSpec: string; input: unknown }): PhaseResult {
  // The engine ignores this result: the execution was cancelled or skipped and is no longer running.
  if (o.signal.aborted) return failed('internal', 'cancelled', o.input);
  if (o.timedOut) return failed('timeout', `${o.where} did not answer within ${o.timeoutSpec}.`, o.input);
  return failed('external_error', `${o.where} failed: ${networkReason(err)}`, o.input);
}

/** "ECONNREFUSED", "getaddrinfo ENOTFOUND host", … from fetch's "fetch failed" TypeError. */
export function networkReason(err: unknown): string {
  const cause = (err as { cause?: unknown })?.cause as { code?: string; message?: string } | undefined;
  if (cause?.code && cause.message && !cause.message.includes(cause.code)) return `${cause.code} ${cause.message}`;
  if (cause?.message) return cause.message;
  if (cause?.code) return cause.code;
  return err instanceof Error ? err.message : String(err);
}

function parseHttpUrl(s: string): URL | null {
  try {
    const u = new URL(s);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u : null;
  } catch {
    return null;
  }
}

/** Reads at most `limit` bytes of a body and drops the rest; decodes as UTF-8. */
export async function readBounded(res: Response, limit: number): Promise<{ text: string; truncated: boolean }> {
  if (!res.body) return { text: '', truncated: false };
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  let truncated = false;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (size + value.byteLength > limit) {
      chunks.push(value.subarray(0, limit - size));
      size = limit;
      truncated = true;
      await reader.cancel().catch(() => {});
      break;
    }
    chunks.push(value);
    size += value.byteLength;
  }
  // A cut in the middle of a multi-byte character decodes to U+FFFD rather than failing.
  return { text: new TextDecoder().decode(Buffer.concat(chunks)), truncated };
}

function parseBody(text: string, truncated: boolean, contentType: string | null): unknown {
  if (text === '') return null;
  if (!truncated && /[/+]json\b/i.test(contentType ?? '')) {
    try {
      return JSON.parse(text);
    } catch {
      return text;
    }
  }
  return text;
}

function safeHeaders(h: Headers): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of SAFE_RESPONSE_HEADERS) {
    const v = h.get(name);
    if (v !== null) out[name] = v;
  }
  return out;
}

function oneLine(s: string): string {
  return s.replace(/\s+/g, ' ').trim();
}

export function redactHeaders(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, SECRET_NAME_RE.test(k) ? REDACTED : v]));
}

/** Hides a password in the URL and the values of credential-like query parameters. */
export function redactUrl(s: string): string {
  let u: URL;
  try {
    u = new URL(s);
  } catch {
    return s;
  }
  let changed = false;
  if (u.password) {
    u.password = 'redacted';
    changed = true;
  }
  for (const key of new Set(u.searchParams.keys())) {
    if (SECRET_NAME_RE.test(key) || /^(key|sig|code)$/i.test(key)) {
      u.searchParams.set(key, 'redacted');
      changed = true;
    }
  }
  return changed ? u.toString() : s;
}
