/**
 * The command center (docs/REQUIREMENTS.md section 12): the runs the signed-in user is involved in across all
 * their spaces — waiting on their decision first, then the ones they started, then the ones
 * they are assigned to or were notified about. `GET /api/me/runs`, read again when a run in
 * the caller's spaces changes (the live stream, web/src/live.ts), or every 5 s without it.
 */
import { get, type Run } from '../api';
import { useSession, workflowNames } from '../session';
import { ErrorBox, RunTable, useAsync } from '../ui';
import { LiveBadge, useLive } from '../live';

interface MeRuns {
  waitingOnMe: Run[];
  startedByMe: Run[];
  involved: Run[];
}

export function CommandCenter() {
  const { me } = useSession();
  const runs = useAsync(() => get<MeRuns>('/api/me/runs'), []);
  const names = useAsync(() => workflowNames(me), [me]);
  const live = useLive({ topics: ['runs', 'inbox'], reload: runs.reload, pollMs: 5000 });
  const n = names.data ?? undefined;
  return (
    <>
      <h1>
        Command center <LiveBadge live={live} />
      </h1>
      <ErrorBox error={runs.error} />
      {runs.data && (
        <>
          <section aria-labelledby="waiting-h" className={runs.data.waitingOnMe.length ? 'attention' : ''}>
            <h2 id="waiting-h">Waiting on your decision ({runs.data.waitingOnMe.length})</h2>
            <RunTable runs={runs.data.waitingOnMe} names={n} empty="Nothing is waiting on you." />
          </section>
          <section aria-labelledby="started-h">
            <h2 id="started-h">Started by you ({runs.data.startedByMe.length})</h2>
            <RunTable runs={runs.data.startedByMe} names={n} empty="You have not started any runs." />
          </section>
          <section aria-labelledby="involved-h">
            <h2 id="involved-h">Assigned to you or notified ({runs.data.involved.length})</h2>
            <RunTable runs={runs.data.involved} names={n} empty="No other runs involve you." />
          </section>
        </>
      )}
    </>
  );
}
