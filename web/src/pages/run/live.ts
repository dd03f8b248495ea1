/**
 * Live updates of one run: `GET /api/runs/{id}/stream` sends an event on every change (the
 * session cookie authenticates it). While the stream is down the browser keeps reconnecting
 * and the page polls every 5 s instead, so it never goes stale.
 */
import { useEffect, useRef, useState } from 'react';
import { useInterval } from '../../ui';

export type LiveMode = 'connecting' | 'live' | 'polling';

export function useRunStream(id: string, enabled: boolean, onChange: () => void): LiveMode {
  const [mode, setMode] = useState<LiveMode>('connecting');
  const saved = useRef(onChange);
  saved.current = onChange;
  useEffect(() => {
    if (!enabled) return;
    if (typeof EventSource === 'undefined') {
      setMode('polling');
      return;
    }
    const es = new EventSource(`/api/runs/${encodeURIComponent(id)}/stream`);
    es.addEventListener('run', () => saved.current());
    es.onopen = () => setMode('live');
    es.onerror = () => setMode('polling');
    return () => es.close();
  }, [id, enabled]);
  useInterval(() => enabled && mode === 'polling' && saved.current(), 5000);
  return mode;
}
