/** The comments on the run's target, oldest first, with a box to add one. */
import { useId, useState, type FormEvent } from 'react';
import { get, post, type Page } from '../../api';
import { Link } from '../../router';
import { ErrorBox, shortId, Time, useAsync } from '../../ui';
import { targetPath, type TargetComment } from './model';
import { useAction } from './parts';

export function Comments({ target, refreshKey, canWrite }: { target: { type: 'content' | 'task'; id: string }; refreshKey: number; canWrite: boolean }) {
  const list = useAsync(() => allComments(target), [target.type, target.id, refreshKey]);
  const items = list.data ?? [];
  return (
    <section aria-labelledby="comments-h">
      <h2 id="comments-h">Comments on the {target.type === 'content' ? 'content item' : 'task'}</h2>
      <ErrorBox error={list.error} />
      {list.data && items.length === 0 && <p className="muted">No comments yet.</p>}
      <ul className="comments">
        {items.map((c) => (
          <li key={c.id} data-comment-id={c.id}>
            <div className="meta">
              <Author c={c} /> · <Time at={c.createdAt} />
            </div>
            <div className="body">{c.body}</div>
          </li>
        ))}
      </ul>
      {canWrite && !list.error && <AddComment target={target} onAdded={list.reload} />}
    </section>
  );
}

/** Every comment, oldest first, page by page. */
async function allComments(target: { type: 'content' | 'task'; id: string }): Promise<TargetComment[]> {
  const out: TargetComment[] = [];
  let cursor: string | null = null;
  do {
    const page: Page<TargetComment> = await get(`${targetPath(target)}/comments?limit=500${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    out.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return out;
}

function Author({ c }: { c: TargetComment }) {
  const a = c.author;
  if (a && 'userId' in a) return <strong>{a.name ?? a.userId}</strong>;
  if (a && 'email' in a) return <strong>{a.email} <span className="muted">(outside reviewer)</span></strong>;
  if (a && 'workflowRunId' in a) {
    return (
      <strong>
        workflow <Link to={`/runs/${a.workflowRunId}`}>run {shortId(a.workflowRunId)}</Link>
      </strong>
    );
  }
  return <strong className="muted">unknown</strong>;
}

function AddComment({ target, onAdded }: { target: { type: 'content' | 'task'; id: string }; onAdded: () => void }) {
  const [body, setBody] = useState('');
  const action = useAction();
  const id = useId();
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (await action.run(() => post(`${targetPath(target)}/comments`, { body: body.trim() }))) {
      setBody('');
      onAdded();
    }
  };
  return (
    <form className="add-comment" onSubmit={submit}>
      <label htmlFor={id}>Add a comment</label>
      <textarea id={id} value={body} onChange={(e) => setBody(e.target.value)} rows={3} maxLength={10000} required />
      <button type="submit" disabled={action.busy || !body.trim()}>
        Post comment
      </button>
      <ErrorBox error={action.error} />
    </form>
  );
}
