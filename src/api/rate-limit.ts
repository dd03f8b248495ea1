/**
 * Small in-memory rate limits for the public guest routes (the review page and
 * /api/guest/*), which anyone on the internet can call without signing in.
 *
 * Fixed windows: a key's first hit opens a window of `windowMs`; hits beyond `limit` inside
 * it are refused until it ends. State is per process and lost on restart, which is fine for
 * a brake on scanners and token guessing (tokens are 256-bit; this limits load, not luck).
 * The clock is passed in, so tests need no timers, and nothing here holds a timer either:
 * expired windows are swept when the map grows past `maxKeys`.
 */

export interface WindowLimit {
  /** Hits allowed per window. */
  limit: number;
  windowMs: number;
  /** Keys remembered before expired windows are swept (and, past that, the oldest dropped). */
  maxKeys?: number;
}

export interface Verdict {
  ok: boolean;
  /** Milliseconds until the key's window ends (0 when no window is open). */
  retryAfterMs: number;
}

export class FixedWindowLimiter {
  private readonly windows = new Map<string, { start: number; count: number }>();
  private readonly maxKeys: number;

  constructor(private readonly o: WindowLimit) {
    if (!(o.limit >= 0) || !(o.windowMs > 0)) throw new RangeError('A rate limit needs limit >= 0 and windowMs > 0.');
    this.maxKeys = o.maxKeys ?? 10_000;
  }

  /** Counts one hit for `key` and says whether it is within the limit. */
  hit(key: string, now: number): Verdict {
    let w = this.windows.get(key);
    if (!w || now >= w.start + this.o.windowMs) {
      if (w) this.windows.delete(key);
      w = { start: now, count: 0 };
      this.windows.set(key, w);
      this.sweep(now);
    }
    w.count++;
    return { ok: w.count <= this.o.limit, retryAfterMs: w.start + this.o.windowMs - now };
  }

  /** Whether `key` has used up its window, without counting a hit. */
  check(key: string, now: number): Verdict {
    const w = this.windows.get(key);
    if (!w || now >= w.start + this.o.windowMs) return { ok: true, retryAfterMs: 0 };
    return { ok: w.count < this.o.limit, retryAfterMs: w.start + this.o.windowMs - now };
  }

  /** Hits counted for `key` in its open window (0 when none is open). */
  hits(key: string, now: number): number {
    const w = this.windows.get(key);
    return !w || now >= w.start + this.o.windowMs ? 0 : w.count;
  }

  /** Keys currently remembered (for tests and metrics). */
  get size(): number {
    return this.windows.size;
  }

  private sweep(now: number) {
    if (this.windows.size <= this.maxKeys) return;
    for (const [k, w] of this.windows) if (now >= w.start + this.o.windowMs) this.windows.delete(k);
    // Still too many live keys: forget the oldest windows (Map keeps insertion order).
    for (const k of this.windows.keys()) {
      if (this.windows.size <= this.maxKeys) break;
      this.windows.delete(k);
    }
  }
}

export interface GuestLimitOptions {
  /** Requests per window by one IP address on one link (default 60). */
  requests?: number;
  /** Lookups of unknown tokens per window by one IP address (default 100); past it that IP's lookups of unknown tokens are refused (429) until the window ends. Links that exist are never refused for it. */
  failedLookups?: number;
  /** Default one minute. */
  windowMs?: number;
}

export const GUEST_LIMIT_DEFAULTS = { requests: 60, failedLookups: 100, windowMs: 60_000 } as const;

/**
 * The guest routes' two limits. Requests are counted per (IP, link), so one busy reviewer
 * or a test suite calling many links from 127.0.0.1 does not starve the others; failed
 * lookups are counted per IP, since guessing tokens means trying many of them. Past the
 * failure limit an IP's guesses are answered 429 instead of 404, so guessing slows down,
 * while the links it really holds keep working (a reviewer behind a shared address is not
 * locked out by someone else's guessing).
 */
export class GuestRateLimits {
  private readonly requests: FixedWindowLimiter;
  private readonly failures: FixedWindowLimiter;
  readonly failedLookups: number;

  constructor(o: GuestLimitOptions = {}) {
    const windowMs = o.windowMs ?? GUEST_LIMIT_DEFAULTS.windowMs;
    this.failedLookups = o.failedLookups ?? GUEST_LIMIT_DEFAULTS.failedLookups;
    this.requests = new FixedWindowLimiter({ limit: o.requests ?? GUEST_LIMIT_DEFAULTS.requests, windowMs });
    this.failures = new FixedWindowLimiter({ limit: this.failedLookups, windowMs });
  }

  /** Counts a request from `ip` on the link named by `tokenKey` (a hash of the token, never the token). */
  admit(ip: string, tokenKey: string, now: number): Verdict {
    return this.requests.hit(`${ip}\u0000${tokenKey}`, now);
  }

  /** Records a lookup of a token that matched no link; not ok once `ip` guessed too often. */
  failed(ip: string, now: number): Verdict {
    return this.failures.hit(ip, now);
  }

  /** Whether the last failed lookup by `ip` was the first one refused in its window (to report a guesser once per window). */
  firstRefusal(ip: string, now: number): boolean {
    return this.failures.hits(ip, now) === this.failedLookups + 1;
  }
}
