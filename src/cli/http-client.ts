/**
 * The CLI's client for a running Flowgate server: JSON over HTTP with a bearer token. Every
 * failure becomes an ApiError whose message is the API's own sentence (or says why the
 * server could not be reached), so commands print it as is and exit 1.
 */

export const DEFAULT_URL = 'http://127.0.0.1:3000';

export interface Connection {
  url: string;
  token?: string;
}

/** `--url` / `--token` win over FLOWGATE_URL / FLOWGATE_TOKEN; the URL defaults to a local server. */
export function resolveConnection(opts: { url?: string; token?: string }, env: NodeJS.ProcessEnv = process.env): Connection {
  const url = (opts.url || env.FLOWGATE_URL || DEFAULT_URL).replace(/\/+$/, '');
  const token = opts.token || env.FLOWGATE_TOKEN || undefined;
  return { url, token };
}

export class ApiError extends Error {
  constructor(
    message: string,
    /** The HTTP status, or 0 when the server could not be reached. */
    readonly status: number,
    readonly code: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export type Query = Record<string, string | number | undefined | null>;

export class FlowgateClient {
  constructor(readonly conn: Connection) {}

  async request<T = any>(method: string, path: string, opts: { body?: unknown; query?: Query } = {}): Promise<T> {
    const qs = new URLSearchParams();
    for (const [k, v] of Object.entries(opts.query ?? {})) if (v !== undefined && v !== null && v !== '') qs.set(k, String(v));
    const url = `${this.conn.url}${path}${qs.size ? `?${qs}` : ''}`;
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.conn.token) headers.authorization = `Bearer ${this.conn.token}`;
    let body: string | undefined;
    if (opts.body !== undefined) {
      body = JSON.stringify(opts.body);
      headers['content-type'] = 'application/json';
    }
    let res: Response;
    try {
      res = await fetch(url, { method, headers, body });
    } catch (err) {
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      const why = cause?.code ?? cause?.message ?? (err as Error).message;
      throw new ApiError(`cannot reach the Flowgate server at ${this.conn.url} (${why}); start it with \`flowgate serve\` or pass --url / set FLOWGATE_URL`, 0, 'unreachable');
    }
    const text = await res.text();
    let parsed: unknown = undefined;
    if (text) {
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = text;
      }
    }
    if (!res.ok) {
      const e = (parsed as { error?: { code?: string; message?: string; details?: unknown } } | undefined)?.error;
      let message = e?.message ?? `the server answered ${res.status} ${res.statusText}`.trim();
      if (res.status === 401 && !this.conn.token) message += ' (no token given: pass --token or set FLOWGATE_TOKEN)';
      throw new ApiError(message, res.status, e?.code ?? `http_${res.status}`, e?.details);
    }
    return parsed as T;
  }

  get<T = any>(path: string, query?: Query) {
    return this.request<T>('GET', path, { query });
  }

  post<T = any>(path: string, body?: unknown) {
    return this.request<T>('POST', path, { body: body ?? {} });
  }

  delete<T = any>(path: string) {
    return this.request<T>('DELETE', path);
  }
}
