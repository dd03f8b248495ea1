/**
 * An API error with the problems it lists by path (docs/API.md "Errors": a 400's `details`), e.g. each
 * problem of a refused workflow definition: "phases.2.next: jumps backward to …".
 */
import { ApiError } from '../api';
import { ErrorBox } from '../ui';

export interface Problem {
  path: string;
  message: string;
}

export function problemsOf(error: Error | null): Problem[] {
  if (!(error instanceof ApiError) || !Array.isArray(error.details)) return [];
  return error.details.filter((d): d is Problem => !!d && typeof d === 'object' && typeof (d as Problem).message === 'string');
}

/** `title` replaces the error's own message above the list (which often repeats it). */
export function Problems({ error, title }: { error: Error | null; title?: string }) {
  const problems = problemsOf(error);
  if (!error) return null;
  if (problems.length === 0) return <ErrorBox error={error} />;
  return (
    <div className="error" role="alert" data-testid="problems">
      <strong>{title ?? error.message}</strong>
      <ul className="wf-problems">
        {problems.map((p, i) => (
          <li key={i} data-path={p.path}>
            <code>{p.path || '(definition)'}</code>: {p.message}
          </li>
        ))}
      </ul>
    </div>
  );
}
