/**
 * The messages between the bench driver (run.ts) and a peer system's process (dbos-app.ts,
 * graphile-app.ts). The peer process starts the workload's runs itself, the way an
 * application embedding that library would, and reports each run's start and end times.
 *
 *   peer → driver  { type: 'ready' }                          once launched
 *   driver → peer  { type: 'start', workload, prefix, n, … }  start n runs, 32 calls in flight
 *   peer → driver  { type: 'result', runs, ownQueries }       once every run has finished
 *   driver → peer  { type: 'stop' }                           shut down and exit 0
 *   peer → driver  { type: 'error', message }                 the trial cannot go on
 */

export type Workload = 'three' | 'gated';

export interface StartMessage {
  type: 'start';
  workload: Workload;
  /** Run keys are `${prefix}-${i}`: unique per trial, so the driver can find the runs in the store. */
  prefix: string;
  n: number;
  /** Start calls in flight. */
  concurrency: number;
}

export interface RunTimes {
  key: string;
  /** Wall-clock ms (Date.now()) just before the start call. */
  startedAt: number;
  /** Wall-clock ms when the run was seen finished. */
  endedAt: number;
}

export type PeerMessage =
  | { type: 'ready' }
  | { type: 'result'; runs: RunTimes[]; elapsedMs: number; ownQueries: number }
  | { type: 'error'; message: string };

export type DriverMessage = StartMessage | { type: 'stop' };

/** Peer side: answers the driver's messages; `start` runs one batch, `stop` shuts down. */
export function servePeer(handlers: { start(m: StartMessage): Promise<{ runs: RunTimes[]; elapsedMs: number; ownQueries: number }>; stop(): Promise<void> }) {
  const send = (m: PeerMessage) => process.send!(m);
  process.on('message', (m: DriverMessage) => {
    if (m.type === 'stop') {
      void handlers.stop().then(
        () => process.exit(0),
        (e) => (console.error(e), process.exit(1)),
      );
      return;
    }
    handlers.start(m).then(
      (r) => send({ type: 'result', ...r }),
      (e: unknown) => send({ type: 'error', message: e instanceof Error ? (e.stack ?? e.message) : String(e) }),
    );
  });
  // The driver went away (it crashed or was killed): never outlive it.
  process.on('disconnect', () => process.exit(1));
  send({ type: 'ready' });
}
