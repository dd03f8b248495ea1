/**
 * Starts a run by hand (`POST /api/workflows/{id}/runs`) on an optional target, with an
 * optional JSON input, and opens the new run's page.
 */
import { useState, type FormEvent } from 'react';
import { post, type Run } from '../api';
import { navigate } from '../router';
import { Problems } from './Problems';

export function StartRunForm({ workflowId, onCancel }: { workflowId: string; onCancel: () => void }) {
  const [targetType, setTargetType] = useState<'' | 'content' | 'task'>('');
  const [targetId, setTargetId] = useState('');
  const [input, setInput] = useState('');
  const [error, setError] = useState<Error | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    let parsed: unknown;
    try {
      parsed = input.trim() ? JSON.parse(input) : undefined;
    } catch (err) {
      setError(new Error(`The input is not valid JSON: ${(err as Error).message}`));
      return;
    }
    if (parsed !== undefined && (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))) {
      setError(new Error('The input must be a JSON object, such as {"reason": "launch"}.'));
      return;
    }
    setBusy(true);
    try {
      const body = { ...(targetType && targetId.trim() ? { target: { type: targetType, id: targetId.trim() } } : {}), ...(parsed ? { input: parsed } : {}) };
      const run = await post<Run>(`/api/workflows/${workflowId}/runs`, body);
      navigate(`/runs/${run.id}`);
    } catch (err) {
      setError(err as Error);
      setBusy(false);
    }
  };

  return (
    <form className="form wf-panel" onSubmit={submit} aria-labelledby="start-run-h">
      <h2 id="start-run-h">Start a run</h2>
      <label htmlFor="run-target-type">Target</label>
      <select id="run-target-type" value={targetType} onChange={(e) => setTargetType(e.target.value as typeof targetType)}>
        <option value="">No target</option>
        <option value="content">A content item</option>
        <option value="task">A task</option>
      </select>
      {targetType && (
        <>
          <label htmlFor="run-target-id">{targetType === 'content' ? 'Content item id' : 'Task id'}</label>
          <input id="run-target-id" value={targetId} onChange={(e) => setTargetId(e.target.value)} required />
        </>
      )}
      <label htmlFor="run-input">Input (JSON object, optional)</label>
      <textarea id="run-input" rows={3} value={input} onChange={(e) => setInput(e.target.value)} placeholder='{"reason": "launch"}' />
      <Problems error={error} />
      <div className="wf-actions">
        <button type="submit" disabled={busy}>
          Start run
        </button>
        <button type="button" onClick={onCancel}>
          Close
        </button>
      </div>
    </form>
  );
}
