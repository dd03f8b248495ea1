/**
 * The run's timeline: every phase execution in order, earlier attempts included, each with
 * its times, duration, input, output, error, waiting reason and skip record; then the
 * phases of the pinned version that have not run.
 */
import type { PhaseExecution, Run } from '../../api';
import { duration, Status, Time } from '../../ui';
import { isFinished, personName, type People, type PhaseDef } from './model';
import { ConfirmAction, JsonDetails } from './parts';
import { Elapsed } from '../../live';

export function Timeline({ run, defs, people, skippable, onSkip }: {
  run: Run;
  defs: PhaseDef[] | null;
  people: People | null;
  /** The execution the signed-in user may skip now, if any. */
  skippable: PhaseExecution | undefined;
  onSkip: (phaseId: string, reason: string) => Promise<unknown>;
}) {
  const byId = new Map((defs ?? []).map((d) => [d.id, d]));
  const ran = new Set(run.phases.map((p) => p.phaseId));
  const rest = (defs ?? []).filter((d) => !ran.has(d.id));
  return (
    <section aria-labelledby="timeline-h">
      <h2 id="timeline-h">Timeline</h2>
      {run.phases.length === 0 && <p className="muted">No phase has started yet.</p>}
      <ol className="timeline">
        {run.phases.map((p) => (
          <li key={p.executionId} className={`phase phase-${p.status}`} data-phase-id={p.phaseId} data-attempt={p.attempt} data-status={p.status}>
            <Execution p={p} def={byId.get(p.phaseId)} people={people} />
            {skippable?.executionId === p.executionId && (
              <div className="phase-actions">
                <ConfirmAction
                  label={`Skip ${p.phaseId}`}
                  question={`Skip phase ${p.phaseId}? The run moves on to the next phase${p.type === 'approval' ? ' (the approve path)' : ''}.`}
                  confirmLabel="Skip phase"
                  reason="required"
                  onConfirm={(reason) => onSkip(p.phaseId, reason)}
                />
              </div>
            )}
          </li>
        ))}
      </ol>
      {rest.length > 0 && (
        <>
          <h3 className="muted">{isFinished(run) ? 'Phases that did not run' : 'Phases not reached yet'}</h3>
          <ol className="timeline pending" start={run.phases.length + 1} style={{ counterReset: `phase ${run.phases.length}` }}>
            {rest.map((d) => (
              <li key={d.id} className="phase phase-unreached" data-phase-id={d.id} data-status="not-run">
                <div className="phase-title">
                  <strong>{d.name ?? d.id}</strong> <span className="type">{d.type}</span>
                  {d.name && <span className="muted mono"> {d.id}</span>}
                </div>
                <JsonDetails label="Definition" value={d} />
              </li>
            ))}
          </ol>
        </>
      )}
    </section>
  );
}

function Execution({ p, def, people }: { p: PhaseExecution; def: PhaseDef | undefined; people: People | null }) {
  return (
    <>
      <div className="phase-title">
        <strong>{def?.name ?? p.phaseId}</strong> <span className="type">{p.type}</span>
        {def?.name && <span className="muted mono"> {p.phaseId}</span>} <Status status={p.status} />
        {p.attempt > 1 && <span className="attempt">attempt {p.attempt}</span>}
      </div>
      <div className="phase-meta">
        <span>
          started <Time at={p.startedAt} />
        </span>
        <span>
          ended <Time at={p.endedAt} />
        </span>
        {p.startedAt && !p.endedAt && (p.status === 'running' || p.status === 'waiting') ? (
          <span data-field="duration">
            for <Elapsed since={p.startedAt} />
          </span>
        ) : (
          <span data-field="duration">took {duration(p.durationMs)}</span>
        )}
      </div>
      {p.waitingFor && (
        <p className="phase-wait-note">
          {p.waitingFor === 'approval' && 'Waiting for approvers'}
          {p.waitingFor === 'wait' && 'Waiting'}
          {p.waitingFor === 'flow_control' && 'Waiting for a free slot (flow control)'}
          {p.wakeAt && (
            <>
              {' '}
              until <Time at={p.wakeAt} />
            </>
          )}
        </p>
      )}
      {p.error && (
        <p className="phase-error">
          <code className="code">{p.error.code}</code> {p.error.message}
        </p>
      )}
      {p.status === 'skipped' && (
        <p className="phase-skip">
          Skipped by {personName(p.skippedBy, people)}
          {p.skipReason ? `: “${p.skipReason}”` : ''}
        </p>
      )}
      <div className="phase-data">
        <JsonDetails label="Input" value={p.input} />
        <JsonDetails label="Output" value={p.output} />
        {def && <JsonDetails label="Definition" value={def} />}
      </div>
    </>
  );
}
