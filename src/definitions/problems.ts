import type { z } from 'zod';
import { unknownFieldMessage } from './messages.js';

/** One thing wrong with a definition; `path` is dotted ("phases.2.next"), "" for the root. */
export type Problem = { path: string; message: string };

type Issue = z.core.$ZodIssue;
type Segment = PropertyKey;

export function joinPath(path: readonly Segment[]): string {
  return path.map((s) => String(s)).join('.');
}

// How badly a union branch missed: an unknown key there counts once per key, because it is
// the usual sign of the wrong branch ({"all": …} tried as a comparison).
function missScore(issues: readonly Issue[]): number {
  return issues.reduce((n, i) => n + (i.code === 'unrecognized_keys' ? i.keys.length : 1), 0);
}

function valueAt(root: unknown, path: readonly Segment[]): unknown {
  let current = root;
  for (const key of path) {
    if (current === null || typeof current !== 'object' || typeof key === 'symbol' || !Object.hasOwn(current, key)) {
      return undefined;
    }
    current = (current as Record<PropertyKey, unknown>)[key];
  }
  return current;
}

// A branch is worth reporting when it recognised at least one of the input's keys: for
// {"maybe": true} no branch did, and the union's own message says more than any of them.
function recognisesSomething(branch: readonly Issue[], value: unknown): boolean {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return true;
  const unknown = new Set(branch.flatMap((i) => (i.code === 'unrecognized_keys' && i.path.length === 0 ? i.keys : [])));
  return Object.keys(value).some((k) => !unknown.has(k));
}

function closestBranch(branches: readonly (readonly Issue[])[], value: unknown): readonly Issue[] | null {
  let best: readonly Issue[] | null = null;
  for (const branch of branches) {
    // A branch that failed only at its root (wrong type or value) says nothing useful.
    if (!branch.some((i) => i.path.length > 0 || i.code === 'unrecognized_keys' || i.code === 'custom')) continue;
    if (!recognisesSomething(branch, value)) continue;
    if (best === null || missScore(branch) < missScore(best)) best = branch;
  }
  return best;
}

function setFieldMessage(key: string): string {
  return `${JSON.stringify(key)} is not a field a mutation can set`;
}

function collect(issues: readonly Issue[], prefix: readonly Segment[], input: unknown, out: Problem[]): void {
  for (const issue of issues) {
    const path = [...prefix, ...issue.path];
    if (issue.code === 'unrecognized_keys') {
      const inSet = path.length >= 3 && path[path.length - 1] === 'set' && path[path.length - 3] === 'phases';
      for (const key of issue.keys) {
        out.push({ path: joinPath([...path, key]), message: inSet ? setFieldMessage(key) : unknownFieldMessage(key) });
      }
      continue;
    }
    if (issue.code === 'invalid_union' && issue.errors.length > 0) {
      const branch = closestBranch(issue.errors, valueAt(input, path));
      if (branch) {
        collect(branch, path, input, out);
        continue;
      }
    }
    if (issue.code === 'invalid_key' && issue.issues.length > 0) {
      const reason = issue.issues[0]!.message;
      out.push({ path: joinPath(path), message: `${JSON.stringify(String(path[path.length - 1]))} ${reason}` });
      continue;
    }
    out.push({ path: joinPath(path), message: issue.message });
  }
}

/**
 * Turns zod issues into problems: one per unknown key, and for a union that nothing matched,
 * the problems of the branch the input came closest to. `input` is what was parsed.
 */
export function problemsFromIssues(issues: readonly Issue[], input?: unknown): Problem[] {
  const out: Problem[] = [];
  collect(issues, [], input, out);
  const seen = new Set<string>();
  return out.filter((p) => {
    const key = `${p.path}\u0000${p.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
