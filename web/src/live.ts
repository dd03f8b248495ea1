/**
 * Live lists: one Server-Sent Events stream per page (`GET /api/stream`, docs/API.md "Live
 * lists"). A page gives the topics it shows and its own `reload`; the hook reloads the list
 * when an event concerns it (at most once a second, however many runs change), when the
 * stream starts or says `reset` (events were missed), and falls back to polling every
 * `pollMs` when the stream cannot be opened, trying it again every 30 s. `LiveBadge` shows
 * which of these the page is in; `Elapsed` ticks the time a running phase has taken.
 */
import { createElement, useEffect, useRef, useState } from 'react';
import type { Run } from './api';

export type LiveState = 'connecting' | 'live' | 'reconnecting' | 'polling';
export type LiveTopic = 'runs' | 'inbox';

export interface LiveOptions {
  topics: LiveTopic[];
  /** Narrow the runs streamed to one space or one workflow. */
  spaceId?: string;
  workflowId?: string;
  /** Reads the page's list again. */
  reload: () => void;
  /** The polling period when the stream is unavailable. */
  pollMs: number;
  /** Whether an event concerns this list; all do by default. */
  relevant?: (event: { type: string; data: any }) => boolean;
}

/** Failed connection attempts in a row (without a `hello`) before falling back to polling. */
const MAX_FAILURES = 3;
const RETRY_STREAM_MS = 30_000;
const MIN_RELOAD_GAP_MS = 1000;

export function useLive(o: LiveOptions): { state: LiveState; pollMs: number } {
  const [state, setState] = useState<LiveState>('connecting');
  const opts = useRef(o);
  opts.current = o;
  const key = `${o.topics.join(',')}|${o.spaceId ?? ''}|${o.workflowId ?? ''}`;

  useEffect(() => {
    let closed = false;
    let es: EventSource | null = null;
    let failures = 0;
    let poll: ReturnType<typeof setInterval> | null = null;
    let retry: ReturnType<typeof setTimeout> | null = null;
    let pending: ReturnType<typeof setTimeout> | null = null;
    let lastReload = 0;

    const reloadSoon = () => {
      if (pending || closed) return;
      pending = setTimeout(() => {
        pending = null;
        lastReload = Date.now();
        opts.current.reload();
      }, Math.max(100, lastReload + MIN_RELOAD_GAP_MS - Date.now()));
    };
    const stopPolling = () => {
      if (poll) clearInterval(poll);
      poll = null;
    };
    const fallBack = () => {
      es?.close();
      es = null;
      setState('polling');
      if (!poll) poll = setInterval(() => document.visibilityState === 'visible' && opts.current.reload(), opts.current.pollMs);
      if (!retry) retry = setTimeout(() => {
        retry = null;
        connect();
      }, RETRY_STREAM_MS);
    };
    const connect = () => {
      if (closed || typeof EventSource === 'undefined') return fallBack();
      const q = new URLSearchParams({ topics: opts.current.topics.join(',') });
      if (opts.current.spaceId) q.set('spaceId', opts.current.spaceId);
      if (opts.current.workflowId) q.set('workflowId', opts.current.workflowId);
      failures = 0;
      const source = new EventSource(`/api/stream?${q}`);
      es = source;
      source.addEventListener('hello', (e) => {
        failures = 0;
        stopPolling();
        setState('live');
        // A fresh stream (not a resume) may have missed what changed before it opened.
        if (!JSON.parse((e as MessageEvent).data).resumed) reloadSoon();
      });
      source.addEventListener('reset', () => {
        failures = 0;
        stopPolling();
        setState('live');
        reloadSoon();
      });
      const onChange = (type: string) => (e: Event) => {
        const data = JSON.parse((e as MessageEvent).data);
        if (!opts.current.relevant || opts.current.relevant({ type, data })) reloadSoon();
      };
      source.addEventListener('run', onChange('run'));
      source.addEventListener('inbox', onChange('inbox'));
      source.onerror = () => {
        if (es !== source) return;
        // CLOSED: the route answered with an error and the browser gives up; CONNECTING: it retries.
        if (source.readyState === EventSource.CLOSED || ++failures >= MAX_FAILURES) return fallBack();
        setState('reconnecting');
      };
    };
    setState('connecting');
    connect();
    return () => {
      closed = true;
      es?.close();
      stopPolling();
      if (retry) clearTimeout(retry);
      if (pending) clearTimeout(pending);
    };
  }, [key]);

  return { state, pollMs: o.pollMs };
}

const BADGE: Record<LiveState, { cls: string; text: (pollMs: number) => string; title: string }> = {
  connecting: { cls: 'badge-pending', text: () => 'Connecting…', title: 'Opening the live stream' },
  live: { cls: 'badge-completed', text: () => 'Live', title: 'This list updates as runs change' },
  reconnecting: { cls: 'badge-waiting', text: () => 'Reconnecting…', title: 'The live stream was interrupted; reconnecting' },
  polling: { cls: 'badge-cancelled', text: (ms) => `Updating every ${Math.round(ms / 1000)} s`, title: 'The live stream is unavailable; the list is read again periodically' },
};

/** "Live", "Reconnecting…" or "Updating every N s", announced politely to screen readers. */
export function LiveBadge({ live }: { live: { state: LiveState; pollMs: number } }) {
  const b = BADGE[live.state];
  return createElement(
    'span',
    { className: `badge live-badge ${b.cls}`, role: 'status', 'aria-live': 'polite', 'data-live': live.state, title: b.title, style: { marginLeft: '.5rem', verticalAlign: 'middle', fontSize: '.75rem' } },
    b.text(live.pollMs),
  );
}

/** How long ago `since` was, as "12 s", "3 min 4 s" or "2 h 5 min". */
export function formatElapsed(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${s % 60} s`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h} h ${m % 60} min`;
  return `${Math.floor(h / 24)} d ${h % 24} h`;
}

/** The time since `since`, ticking every second. */
export function Elapsed({ since }: { since: string }) {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(t);
  }, []);
  return createElement('span', { className: 'elapsed muted', 'data-elapsed': since, title: `since ${new Date(since).toLocaleString()}` }, formatElapsed(now - Date.parse(since)));
}

/** The phase a run is in (running or waiting), when it has one. */
export function currentPhase(run: Run) {
  if (run.status !== 'active' && run.status !== 'waiting') return null;
  const p = [...(run.phases ?? [])].reverse().find((x) => (x.status === 'running' || x.status === 'waiting') && x.startedAt);
  return p ?? null;
}

/** " · for 12 s" after a run's "running …" / "waiting …", ticking. */
export function RunningFor({ run }: { run: Run }) {
  const p = currentPhase(run);
  if (!p?.startedAt) return null;
  return createElement('span', null, ' · for ', createElement(Elapsed, { since: p.startedAt }));
}
