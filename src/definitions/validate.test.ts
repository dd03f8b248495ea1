import { describe, expect, it } from 'vitest';
import { expectHumanMessage, membersCtx } from './fixtures/examples.js';
import { validateDefinition, type Problem } from './validate.js';

type P = Record<string, unknown>;

const note = (id: string, extra: P = {}): P => ({ id, type: 'notify', to: ['space_admins'], message: 'Hi', ...extra });
const gate = (id: string, extra: P = {}): P => ({
  id,
  type: 'approval',
  approvers: { members: ['user_ann', 'user_bob'] },
  required: 'any',
  ...extra,
});
const def = (phases: P[], trigger: P = { type: 'manual' }) => ({ name: 'Test', trigger, phases });

function problemsOf(input: unknown): Problem[] {
  const result = validateDefinition(input, membersCtx);
  if (result.ok) throw new Error('expected the definition to be refused');
  result.problems.forEach((p) => expectHumanMessage(p.message));
  return result.problems;
}

function accepted(input: unknown): void {
  const result = validateDefinition(input, membersCtx);
  expect(result.ok ? [] : result.problems).toEqual([]);
}

describe('phase ids', () => {
  it('refuses a duplicate id at the later phase', () => {
    expect(problemsOf(def([note('a'), note('b'), note('a')]))).toEqual([
      { path: 'phases.2.id', message: 'duplicate phase id "a" (already used by phases.0)' },
    ]);
  });
});

describe('jumps', () => {
  it('next must name a phase', () => {
    expect(problemsOf(def([note('a', { next: 'nowhere' }), note('b')]))).toEqual([
      { path: 'phases.0.next', message: 'unknown phase "nowhere"' },
    ]);
  });

  it('next may not jump backward, or to itself', () => {
    expect(problemsOf(def([note('a'), note('b', { next: 'a' }), note('c', { next: 'c' })]))).toEqual([
      { path: 'phases.1.next', message: 'jumps backward to "a"; jumps may only go forward' },
      { path: 'phases.2.next', message: 'jumps backward to "c"; jumps may only go forward' },
    ]);
  });

  it('next may skip ahead or end the run', () => {
    accepted(def([note('a', { next: 'c' }), note('b', { next: 'end' }), note('c', { next: 'end' })]));
  });

  it('a deny path must go forward', () => {
    expect(problemsOf(def([note('a'), gate('g', { onDeny: { goto: 'a' } })]))).toEqual([
      { path: 'phases.1.onDeny.goto', message: 'jumps backward to "a"; jumps may only go forward' },
    ]);
    expect(problemsOf(def([gate('g', { onDeny: { goto: 'later' } })]))).toEqual([
      { path: 'phases.0.onDeny.goto', message: 'unknown phase "later"' },
    ]);
    accepted(def([gate('g', { onDeny: { goto: 'b' } }), note('a'), note('b')]));
    accepted(def([gate('g', { onDeny: 'end' }), note('a')]));
  });

  it('condition branches must go forward', () => {
    const cond = (then: string, otherwise: string): P => ({
      id: 'c',
      type: 'condition',
      if: { field: 'target.status', op: 'exists' },
      then,
      else: otherwise,
    });
    expect(problemsOf(def([note('a'), cond('a', 'zzz'), note('b')]))).toEqual([
      { path: 'phases.1.then', message: 'jumps backward to "a"; jumps may only go forward' },
      { path: 'phases.1.else', message: 'unknown phase "zzz"' },
    ]);
    accepted(def([note('a'), cond('b', 'end'), note('b')]));
  });

  it('a condition phase may carry next, checked like any other jump', () => {
    const cond = (next: string): P => ({
      id: 'c',
      type: 'condition',
      if: { field: 'target.status', op: 'exists' },
      then: 'b',
      else: 'end',
      next,
    });
    // docs/API.md allows next on every phase; on a condition it has no effect (then/else decide),
    // and it is kept as sent.
    for (const next of ['b', 'd', 'end']) {
      const input = def([note('a'), cond(next), note('b'), note('d')]);
      expect(validateDefinition(input, membersCtx)).toEqual({ ok: true, definition: input });
    }
    expect(problemsOf(def([note('a'), cond('a'), note('b')]))).toEqual([
      { path: 'phases.1.next', message: 'jumps backward to "a"; jumps may only go forward' },
    ]);
    expect(problemsOf(def([note('a'), cond('c'), note('b')]))).toEqual([
      { path: 'phases.1.next', message: 'jumps backward to "c"; jumps may only go forward' },
    ]);
    expect(problemsOf(def([note('a'), cond('nowhere'), note('b')]))).toEqual([
      { path: 'phases.1.next', message: 'unknown phase "nowhere"' },
    ]);
    expect(problemsOf(def([note('a'), cond(''), note('b')]))).toEqual([{ path: 'phases.1.next', message: 'must not be empty' }]);
  });
});

describe('approval gates', () => {
  it('required may not exceed the number of approvers', () => {
    const problems = problemsOf(def([gate('g', { required: 3 })]));
    expect(problems).toEqual([{ path: 'phases.0.required', message: 'required 3 is more than the 2 approvers' }]);
    expect(problemsOf(def([gate('g', { approvers: { emails: ['a@b.co'] }, required: 2 })]))).toEqual([
      { path: 'phases.0.required', message: 'required 2 is more than the 1 approver' },
    ]);
  });

  it('counts members and emails together, once each', () => {
    accepted(def([gate('g', { approvers: { members: ['user_ann'], emails: ['a@b.co'] }, required: 2 })]));
    accepted(def([gate('g', { required: 'all' })]));
    const problems = problemsOf(
      def([gate('g', { approvers: { members: ['user_ann'], emails: ['a@b.co', 'A@B.co'] }, required: 3 })]),
    );
    expect(problems).toEqual([
      { path: 'phases.0.approvers.emails.1', message: 'address "A@B.co" is listed twice' },
      { path: 'phases.0.required', message: 'required 3 is more than the 2 approvers' },
    ]);
  });

  it('member approvers must belong to the space', () => {
    expect(problemsOf(def([gate('g', { approvers: { members: ['user_ann', 'stranger'] } })]))).toEqual([
      { path: 'phases.0.approvers.members.1', message: 'user "stranger" is not a member of this space' },
    ]);
  });

  it('escalation approvers must belong to the space too', () => {
    const timeout = { after: '48h', action: 'escalate', escalateTo: { members: ['stranger'], emails: ['boss@x.co'] } };
    expect(problemsOf(def([gate('g', { timeout })]))).toEqual([
      { path: 'phases.0.timeout.escalateTo.members.0', message: 'user "stranger" is not a member of this space' },
    ]);
  });

  it('refuses an approver listed twice', () => {
    expect(problemsOf(def([gate('g', { approvers: { members: ['user_ann', 'user_ann'] } })]))).toEqual([
      { path: 'phases.0.approvers.members.1', message: 'user "user_ann" is listed twice' },
    ]);
  });
});

describe('notify recipients', () => {
  it('accepts roles, addresses and space members', () => {
    accepted(def([gate('g'), note('n', { to: ['assignees', 'space_admins', 'approvers', 'ops@brand.example', 'user_ann'] })]));
  });

  it('refuses anything else, naming what is allowed', () => {
    expect(problemsOf(def([note('n', { to: ['space_admins', 'someone', 'admins'] })]))).toEqual([
      {
        path: 'phases.0.to.1',
        message: '"someone" is not a role (assignees, space_admins, approvers), an email address or a member of this space',
      },
      {
        path: 'phases.0.to.2',
        message: '"admins" is not a role (assignees, space_admins, approvers), an email address or a member of this space',
      },
    ]);
  });

  it('"approvers" is accepted without a gate (it names nobody then); other recipients are still checked', () => {
    accepted(def([note('n', { to: ['approvers'] })]));
    accepted(def([note('n', { to: ['approvers', 'ops@brand.example'] })]));
    accepted(def([note('n', { to: ['approvers'] })], { type: 'webhook' }));
    expect(problemsOf(def([note('n', { to: ['approvers', 'Approvers', 'stranger'] })]))).toEqual([
      {
        path: 'phases.0.to.1',
        message: '"Approvers" is not a role (assignees, space_admins, approvers), an email address or a member of this space',
      },
      {
        path: 'phases.0.to.2',
        message: '"stranger" is not a role (assignees, space_admins, approvers), an email address or a member of this space',
      },
    ]);
    expect(problemsOf(def([note('n', { to: [] })]))).toEqual([{ path: 'phases.0.to', message: 'must not be empty' }]);
  });

  it('"assignees" needs a target', () => {
    const schedule = { type: 'schedule', cron: '0 9 * * 1', timezone: 'UTC' };
    expect(problemsOf(def([note('n', { to: ['assignees'] })], schedule))).toEqual([
      { path: 'phases.0.to.0', message: 'the "assignees" role needs a target, but a scheduled workflow has none' },
    ]);
  });
});

describe('templates', () => {
  it('must be well-formed, reported at the string that holds them', () => {
    const phases: P[] = [
      note('n', { message: 'Hello {{target.title' }),
      { id: 'c', type: 'comment', body: 'Done }}' },
      { id: 'm', type: 'mutate', set: { caption: '{{ target.caption + "!" }}' } },
      { id: 'h', type: 'http', url: 'https://x.example', headers: { 'X-Title': '{{target.title' }, body: { a: [{ b: '{{}}' }] } },
      { id: 'w', type: 'wait', until: '{{target.scheduledAt' },
      { id: 'ai', type: 'ai', prompt: '{{target}} }}', output: {} },
      { id: 's', type: 'share_email', to: ['c@x.example'], message: '{{ {{target.title}} }}' },
    ];
    expect(problemsOf(def(phases)).map((p) => p.path)).toEqual([
      'phases.0.message',
      'phases.1.body',
      'phases.2.set.caption',
      'phases.3.headers.X-Title',
      'phases.3.body.a.0.b',
      'phases.4.until',
      'phases.5.prompt',
      'phases.6.message',
    ]);
    expect(problemsOf(def([phases[0]!]))[0]!.message).toBe('has a "{{" that is never closed with "}}"');
  });

  it('may refer only to earlier phases', () => {
    const phases: P[] = [
      { id: 'draft', type: 'ai', prompt: 'Write about {{target.title}}', output: { type: 'object' } },
      note('a', { message: '{{phases.draft.output.caption}} / {{phases.later.output}} / {{phases.a.output}}' }),
      note('later'),
      { id: 'm', type: 'mutate', set: { tags: ['{{phases.nope.output.tags}}'] } },
    ];
    expect(problemsOf(def(phases))).toEqual([
      { path: 'phases.1.message', message: 'refers to phase "later", which does not come before this phase' },
      { path: 'phases.1.message', message: 'refers to phase "a", which does not come before this phase' },
      { path: 'phases.3.set.tags.0', message: 'refers to unknown phase "nope"' },
    ]);
  });

  it('may refer only to what a run provides', () => {
    expect(problemsOf(def([note('a', { message: '{{secrets.token}} {{phases}}' })]))).toEqual([
      {
        path: 'phases.0.message',
        message: 'refers to "secrets.token", but references start with target., phases.<id>., input. or run.',
      },
      { path: 'phases.0.message', message: 'refers to "phases" without naming a phase, as in phases.<id>.output' },
    ]);
    accepted(def([note('a', { message: '{{input.user.name}} in {{run.id}} on {{target.title}}' })]));
  });

  it('may not refer to the target of a webhook workflow', () => {
    expect(problemsOf(def([note('a', { message: 'Got {{target.title}}' })], { type: 'webhook' }))).toEqual([
      { path: 'phases.0.message', message: 'refers to the target, but a webhook workflow has none' },
    ]);
    accepted(def([note('a', { message: 'Got {{input.title}}' })], { type: 'webhook' }));
  });
});

describe('condition fields', () => {
  const cond = (ifc: unknown): P => ({ id: 'c', type: 'condition', if: ifc, then: 'end', else: 'b' });

  it('must name earlier phases', () => {
    const ifc = { all: [{ field: 'phases.a.output.score', op: 'gt', value: 1 }, { not: { field: 'phases.b.output', op: 'exists' } }] };
    expect(problemsOf(def([note('a'), cond(ifc), note('b')]))).toEqual([
      { path: 'phases.1.if.all.1.not.field', message: 'refers to phase "b", which does not come before this phase' },
    ]);
  });

  it('must be dotted paths into the run scope', () => {
    expect(problemsOf(def([cond({ any: [{ field: 'target status', op: 'exists' }, { field: 'env.HOME', op: 'exists' }] }), note('b')]))).toEqual([
      { path: 'phases.0.if.any.0.field', message: 'must be a dotted path such as "target.status"' },
      {
        path: 'phases.0.if.any.1.field',
        message: 'refers to "env.HOME", but references start with target., phases.<id>., input. or run.',
      },
    ]);
  });
});

describe('targets', () => {
  const schedule = { type: 'schedule', cron: '0 9 * * 1', timezone: 'Europe/Paris' };

  it('a scheduled workflow cannot mutate or comment', () => {
    const phases: P[] = [
      note('n'),
      { id: 'm', type: 'mutate', set: { status: 'Approved' } },
      { id: 'c', type: 'comment', body: 'Done' },
      { id: 's', type: 'share_email', to: ['c@x.example'] },
    ];
    expect(problemsOf(def(phases, schedule))).toEqual([
      { path: 'phases.1', message: 'needs a target, but a scheduled workflow has none' },
      { path: 'phases.2', message: 'needs a target, but a scheduled workflow has none' },
      { path: 'phases.3', message: 'needs a target, but a scheduled workflow has none' },
    ]);
  });

  it('neither can a webhook workflow', () => {
    expect(problemsOf(def([{ id: 'c', type: 'comment', body: 'Done' }], { type: 'webhook' }))).toEqual([
      { path: 'phases.0', message: 'needs a target, but a webhook workflow has none' },
    ]);
  });

  it('a mutation sets fields of the kind of target the trigger names', () => {
    const set = { status: 'Done', caption: 'x', dueAt: '2030-01-01T00:00:00Z' };
    expect(problemsOf(def([{ id: 'm', type: 'mutate', set }], { type: 'task.created' }))).toEqual([
      { path: 'phases.0.set.caption', message: 'tasks have no field "caption"' },
    ]);
    expect(problemsOf(def([{ id: 'm', type: 'mutate', set }], { type: 'content.created' }))).toEqual([
      { path: 'phases.0.set.dueAt', message: 'content items have no field "dueAt"' },
    ]);
    accepted(def([{ id: 'm', type: 'mutate', set }], { type: 'manual' }));
  });
});

describe('validateDefinition', () => {
  it('reports every problem, in phase order', () => {
    const phases: P[] = [
      gate('g', { approvers: { members: ['stranger'] }, required: 2, onDeny: { goto: 'nope' } }),
      note('g', { to: ['nobody'], next: 'g' }),
    ];
    expect(problemsOf(def(phases)).map((p) => p.path)).toEqual([
      'phases.0.onDeny.goto',
      'phases.0.approvers.members.0',
      'phases.0.required',
      'phases.1.id',
      'phases.1.next',
      'phases.1.to.0',
    ]);
  });

  it('returns the parsed definition when it is valid', () => {
    const input = def([gate('g'), note('n')]);
    expect(validateDefinition(input, membersCtx)).toEqual({ ok: true, definition: input });
  });

  it('names the problems of the other phases too when one phase does not fit the schema', () => {
    const problems = problemsOf(def([note('a', { next: 'a' }), { id: 'b', type: 'nope' }, gate('g', { required: 3 }), note('g')]));
    expect(problems.map((p) => p.path)).toEqual(['phases.0.next', 'phases.1.type', 'phases.2.required', 'phases.3.id']);
    expect(problems[1]!.message).toMatch(/^unknown phase type "nope"/);
    expect(problems[2]!.message).toMatch(/more than the 2 approvers/);
  });

  it('keeps the id of a broken phase for the others: a jump or reference to it is not unknown', () => {
    const problems = problemsOf(def([note('a', { next: 'b' }), { id: 'b', type: 'nope' }, note('c', { message: 'After {{phases.b.output.x}}' })]));
    expect(problems.map((p) => p.path)).toEqual(['phases.1.type']);
  });

  it('says nothing of the phases while the trigger is broken: the rules depend on it', () => {
    const problems = problemsOf(def([{ id: 'b', type: 'nope' }, gate('g', { required: 3 })], { type: 'sometimes' }));
    expect(problems.map((p) => p.path)).toEqual(['trigger.type', 'phases.0.type']);
  });

  it('refuses absurd nesting instead of overflowing the stack', () => {
    let cond: unknown = { field: 'target.x', op: 'exists' };
    for (let i = 0; i < 50_000; i++) cond = { not: cond };
    expect(problemsOf(def([{ id: 'c', type: 'condition', if: cond, then: 'end', else: 'end' }]))).toEqual([
      { path: '', message: 'nests more than 64 levels deep' },
    ]);
  });

  it('passes on failures of the space lookup instead of blaming the definition', () => {
    const boom = new Error('database is down');
    const ctx = {
      isSpaceMember: () => {
        throw boom;
      },
    };
    expect(() => validateDefinition(def([gate('g')]), ctx)).toThrow(boom);
  });
});
