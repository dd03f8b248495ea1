/**
 * The workflow detail page (docs/REQUIREMENTS.md section 12): the workflow, its canvas (any saved version,
 * by the version picker), "Start run" and "Edit" for editors, and all its runs.
 */
import { useState } from 'react';
import { get, allPages, type Schemas } from '../api';
import { WorkflowCanvas } from '../components/WorkflowCanvas';
import { RunsBrowser } from '../components/RunsBrowser';
import { StartRunForm } from '../components/StartRunForm';
import { Link, navigate } from '../router';
import { useSession } from '../session';
import { ErrorBox, Time, useAsync } from '../ui';
import { canEdit, spaceName, triggerInWords, type Phase, type Trigger, type Workflow, type WorkflowVersion } from '../workflows';
import { EnabledBadge } from './Workflows';

/** One saved version as GET /api/workflows/{id}/versions/{version} answers it, its definition typed as in workflows.ts. */
type SavedVersion = Omit<Schemas['WorkflowVersion'], 'trigger' | 'phases'> & { trigger: Trigger; phases: Phase[] };

function VersionPicker({ current, versions, value, onChange }: { current: number; versions: WorkflowVersion[]; value: number; onChange: (v: number) => void }) {
  return (
    <select id="wf-version" value={value} onChange={(e) => onChange(Number(e.target.value))}>
      {(versions.length ? versions : [{ version: current, createdAt: '' }]).map((v) => (
        <option key={v.version} value={v.version}>
          v{v.version}
          {v.version === current ? ' (current)' : ''}
          {v.createdAt ? ` — saved ${new Date(v.createdAt).toLocaleString()}` : ''}
        </option>
      ))}
    </select>
  );
}

export function WorkflowDetail({ id }: { id: string }) {
  const session = useSession();
  const wf = useAsync(() => get<Workflow>(`/api/workflows/${id}`), [id]);
  const versions = useAsync(() => allPages<WorkflowVersion>(`/api/workflows/${id}/versions`), [id]);
  const [picked, setPicked] = useState<number | null>(null);
  const [starting, setStarting] = useState(false);
  const w = wf.data;
  const pickedOld = w && picked !== null && picked !== w.version ? picked : null;
  const old = useAsync(() => (pickedOld ? get<SavedVersion>(`/api/workflows/${id}/versions/${pickedOld}`) : Promise.resolve(null)), [id, pickedOld]);

  if (!w) return wf.error ? <ErrorBox error={wf.error} /> : <p className="muted">Loading…</p>;
  const shown = pickedOld && old.data?.version === pickedOld ? old.data : w;
  const editable = canEdit(session, w.spaceId);
  return (
    <>
      <p className="muted">
        <Link to="/workflows">Workflows</Link> › {spaceName(session.me, w.spaceId)}
      </p>
      <div className="wf-head">
        <h1>{w.name}</h1>
        <EnabledBadge enabled={w.enabled} />
        {editable && (
          <div className="wf-actions">
            <button type="button" className="primary" onClick={() => setStarting(true)} disabled={starting}>
              Start run
            </button>
            <button type="button" onClick={() => navigate(`/workflows/${w.id}/edit`)}>
              Edit
            </button>
          </div>
        )}
      </div>
      <ErrorBox error={versions.error ?? old.error} />
      {starting && <StartRunForm workflowId={w.id} onCancel={() => setStarting(false)} />}
      <dl className="wf-facts">
        <dt>Space</dt>
        <dd>{spaceName(session.me, w.spaceId)}</dd>
        <dt>
          <label htmlFor="wf-version">Version</label>
        </dt>
        <dd>
          <VersionPicker current={w.version} versions={versions.data ?? []} value={picked ?? w.version} onChange={setPicked} />
          {pickedOld && <span className="muted"> — showing an earlier version; new runs use v{w.version}</span>}
        </dd>
        <dt>Trigger</dt>
        <dd data-testid="trigger">
          {triggerInWords(shown.trigger)} <code className="muted">{shown.trigger.type}</code>
        </dd>
        <dt>Phases</dt>
        <dd>{shown.phases.length}</dd>
        <dt>Last saved</dt>
        <dd>
          <Time at={w.updatedAt} />
        </dd>
      </dl>
      <section aria-labelledby="canvas-h">
        <h2 id="canvas-h">
          Canvas <span className="muted">(v{shown.version})</span>
        </h2>
        <WorkflowCanvas phases={shown.phases} />
      </section>
      <section aria-labelledby="runs-h">
        <h2 id="runs-h">Runs</h2>
        <RunsBrowser workflowId={w.id} />
      </section>
    </>
  );
}
