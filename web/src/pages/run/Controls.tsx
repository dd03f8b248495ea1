/**
 * The run's manual controls (docs/REQUIREMENTS.md section 7), each shown only when the run's state allows
 * it: cancel an unfinished run, retry a failed one from its failed phase, re-run or delete a
 * finished one. Cancel and delete ask first. (Skip lives on the phase in the timeline.)
 */
import { api, post, type Run } from '../../api';
import { navigate } from '../../router';
import { isFinished, retryableExecution } from './model';
import { ActionButton, ConfirmAction } from './parts';

export function Controls({ run, onChanged }: { run: Run; onChanged: () => void }) {
  const path = `/api/runs/${encodeURIComponent(run.id)}`;
  const retry = retryableExecution(run);
  const finished = isFinished(run);
  return (
    <div className="run-controls" role="group" aria-label="Run controls">
      {!finished && (
        <ConfirmAction
          label="Cancel run"
          question="Cancel this run? The phase in progress is stopped and no later phase starts."
          confirmLabel="Yes, cancel the run"
          reason="optional"
          onConfirm={async (reason) => {
            await post(`${path}/cancel`, reason ? { reason } : {});
            onChanged();
          }}
        />
      )}
      {retry && (
        <ActionButton
          label={`Retry ${retry.phaseId}`}
          className="primary"
          onRun={async () => {
            await post(`${path}/retry`);
            onChanged();
          }}
        />
      )}
      {finished && (
        <ActionButton
          label="Re-run"
          onRun={async () => {
            const next = await post<Run>(`${path}/rerun`);
            navigate(`/runs/${next.id}`);
          }}
        />
      )}
      {finished && (
        <ConfirmAction
          label="Delete run"
          question="Delete this run? It leaves every list and page; its audit trail stays."
          confirmLabel="Yes, delete the run"
          onConfirm={async () => {
            await api('DELETE', path);
            navigate(`/workflows/${run.workflowId}`);
          }}
        />
      )}
    </div>
  );
}
