/**
 * The run detail page (docs/REQUIREMENTS.md section 12): the run's header, its approval gates with
 * Approve / Deny for the signed-in approver, the phase-by-phase timeline, the manual
 * controls the run's state allows, what changed in its target since the user last decided or
 * looked, and the comments on its target. It follows the run live
 * through `GET /api/runs/{id}/stream` and reloads everything it shows on each change.
 */
import { useState } from 'react';
import { ApiError, get, post, type Page, type Run } from '../api';
import { Link } from '../router';
import { useSession } from '../session';
import { ErrorBox, useAsync } from '../ui';
import { ChangesSinceSeen } from '../components/ChangesSinceSeen';
import { Comments } from './run/Comments';
import { Controls } from './run/Controls';
import { Gates } from './run/Gates';
import { useRunStream } from './run/live';
import { skippableExecution, targetPath, type Gate, type OrgUser, type Target, type WorkflowVersion } from './run/model';
import { RunHeader } from './run/RunHeader';
import { Timeline } from './run/Timeline';

export function RunPage({ id }: { id: string }) {
  const { me, orgRole } = useSession();
  const [tick, setTick] = useState(0);
  const refresh = () => setTick((t) => t + 1);
  const path = `/api/runs/${encodeURIComponent(id)}`;

  const run = useAsync(() => get<Run>(path), [path, tick]);
  const gates = useAsync(() => get<Page<Gate>>(`${path}/approvals`), [path, tick]);
  const people = useAsync(async () => new Map((await get<Page<OrgUser>>('/api/users')).items.map((u) => [u.id, u])), []);
  const r = run.data;
  const version = useAsync(
    () => (r ? get<WorkflowVersion>(`/api/workflows/${encodeURIComponent(r.workflowId)}/versions/${r.workflowVersion}`) : Promise.resolve(null)),
    [r?.workflowId, r?.workflowVersion],
  );
  const target = useAsync(() => (r?.target ? get<Target>(targetPath(r.target)) : Promise.resolve(null)), [r?.target?.type, r?.target?.id, tick]);
  const live = useRunStream(id, !!r, refresh);

  if (!r) {
    if (run.error instanceof ApiError && (run.error.status === 404 || run.error.status === 403)) {
      return (
        <>
          <h1>Run not found</h1>
          <p role="alert" className="error">
            This run does not exist or you cannot see it.
          </p>
          <p>
            <Link to="/">Go to the command center</Link>
          </p>
        </>
      );
    }
    return run.error ? <ErrorBox error={run.error} /> : <p className="muted">Loading…</p>;
  }

  const space = me.spaces.find((s) => s.id === r.spaceId);
  const canWrite = orgRole === 'owner' || orgRole === 'admin' || space?.role === 'editor';
  const phaseNames = new Map((version.data?.phases ?? []).flatMap((d) => (d.name ? [[d.id, d.name] as const] : [])));
  const skip = (phaseId: string, reason: string) => post(`${path}/phases/${encodeURIComponent(phaseId)}/skip`, { reason }).then(refresh);

  return (
    <div className="run-page" data-run-id={r.id} data-status={r.status}>
      <RunHeader run={r} workflowName={version.data?.name ?? null} target={target.data} targetError={target.error} people={people.data} live={live} />
      <ErrorBox error={run.error ?? gates.error ?? version.error ?? people.error} />
      {r.target && <ChangesSinceSeen runId={r.id} refreshKey={`${tick}:${target.data?.version ?? ''}`} people={people.data} />}
      {canWrite && <Controls run={r} onChanged={refresh} />}
      <Gates runId={r.id} gates={gates.data?.items ?? []} people={people.data} userId={me.user.id} names={phaseNames} onDecided={refresh} />
      <Timeline run={r} defs={version.data?.phases ?? null} people={people.data} skippable={canWrite ? skippableExecution(r) : undefined} onSkip={skip} />
      {r.target && <Comments target={r.target} refreshKey={tick} canWrite={canWrite && !target.error} />}
    </div>
  );
}
