import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadExamples, membersCtx } from './fixtures/examples.js';
import { wellFormedDefinition } from './fixtures/arbitraries.js';
import type { Phase } from './schema.js';
import { validateDefinition } from './validate.js';

/*
 * validateDefinition sits behind a public endpoint: whatever arrives, it answers either
 * "valid" with a definition or "invalid" with problems that name a path. It never throws.
 */

function expectAnswer(input: unknown): void {
  const result = validateDefinition(input, membersCtx);
  if (result.ok) {
    expect(result.definition).toBeTypeOf('object');
    expectForwardOnly(result.definition.phases);
    return;
  }
  expect(result.problems.length).toBeGreaterThan(0);
  for (const p of result.problems) {
    expect(typeof p.path).toBe('string');
    expect(typeof p.message).toBe('string');
    expect(p.message.length).toBeGreaterThan(0);
  }
}

// What the jump rules promise: an accepted workflow only ever moves forward, so every run ends.
function expectForwardOnly(phases: Phase[]): void {
  const index = new Map(phases.map((p, i) => [p.id, i]));
  phases.forEach((p, i) => {
    const jumps = [p.next, p.type === 'approval' && typeof p.onDeny === 'object' ? p.onDeny.goto : undefined];
    if (p.type === 'condition') jumps.push(p.then, p.else);
    for (const to of jumps) {
      if (to === undefined || to === 'end') continue;
      expect(index.get(to)).toBeGreaterThan(i);
    }
  });
}

const ids = fc.constantFrom('a', 'b', 'c', 'd', 'gate', 'end', 'Bad Id', '');
const jump = fc.option(fc.oneof(ids, fc.constant('end')), { nil: undefined });
const duration = fc.constantFrom('90s', '15m', '48h', '2d', '0s', 'soon', '-1h');
const template = fc.constantFrom(
  'Hello',
  '{{target.title}}',
  '{{phases.a.output.caption}}',
  '{{phases.d.output}}',
  '{{ input.x }}',
  '{{constructor.name}}',
  '{{target.title',
  'x }}',
  '{{}}',
  '',
);
const person = fc.constantFrom('user_ann', 'user_bob', 'stranger', 'ann@brand.example', 'not-an-email', 'assignees', 'approvers');
const members = fc.array(fc.constantFrom('user_ann', 'user_bob', 'stranger'), { maxLength: 3 });
const emails = fc.array(fc.constantFrom('a@brand.example', 'b@brand.example', 'nope'), { maxLength: 2 });
const leaf = fc.record({
  field: fc.constantFrom('target.status', 'phases.a.output.score', 'phases.zz.output', 'env.x', 'bad path'),
  op: fc.constantFrom('eq', 'neq', 'in', 'gt', 'contains', 'exists', 'like'),
  value: fc.option(fc.jsonValue({ maxDepth: 2 }), { nil: undefined }),
});
const condition = fc.letrec((tie) => ({
  cond: fc.oneof(
    { depthSize: 'small' },
    leaf,
    fc.record({ all: fc.array(tie('cond'), { maxLength: 3 }) }),
    fc.record({ any: fc.array(tie('cond'), { maxLength: 3 }) }),
    fc.record({ not: tie('cond') }),
  ),
})).cond;

const base = { id: ids, next: jump };
const phase = fc.oneof(
  fc.record(
    {
      ...base,
      type: fc.constant('approval'),
      approvers: fc.record({ members, emails }, { requiredKeys: [] }),
      required: fc.oneof(fc.constantFrom('any', 'all'), fc.integer({ min: -1, max: 4 })),
      timeout: fc.record(
        {
          after: duration,
          action: fc.constantFrom('deny', 'escalate'),
          escalateTo: fc.record({ members, emails }, { requiredKeys: [] }),
          then: fc.record({ after: duration, action: fc.constantFrom('deny', 'escalate') }),
        },
        { requiredKeys: ['after', 'action'] },
      ),
      onDeny: fc.oneof(fc.constant('end'), fc.record({ goto: ids })),
      allowSelfApproval: fc.boolean(),
    },
    { requiredKeys: ['id', 'type', 'approvers', 'required'] },
  ),
  fc.record(
    {
      ...base,
      type: fc.constant('wait'),
      duration,
      until: fc.constantFrom('2030-01-01T00:00:00Z', '{{target.scheduledAt}}', 'tomorrow'),
      offset: fc.constantFrom('-1h', '+5m', 'x'),
    },
    { requiredKeys: ['id', 'type'] },
  ),
  fc.record(
    {
      ...base,
      type: fc.constant('mutate'),
      set: fc.dictionary(fc.constantFrom('title', 'status', 'dueAt', 'caption', 'owner'), fc.oneof(template, fc.jsonValue({ maxDepth: 1 }))),
    },
    { requiredKeys: ['id', 'type', 'set'] },
  ),
  fc.record(
    {
      ...base,
      type: fc.constant('notify'),
      to: fc.array(person, { maxLength: 3 }),
      channels: fc.array(fc.constantFrom('in_app', 'email', 'sms'), { maxLength: 2 }),
      message: template,
    },
    { requiredKeys: ['id', 'type', 'to', 'message'] },
  ),
  fc.record({ ...base, type: fc.constant('comment'), body: template }, { requiredKeys: ['id', 'type', 'body'] }),
  fc.record(
    { ...base, type: fc.constant('share_email'), to: emails, message: template, linkExpiresIn: duration },
    { requiredKeys: ['id', 'type', 'to'] },
  ),
  fc.record(
    {
      ...base,
      type: fc.constant('ai'),
      prompt: template,
      output: fc.oneof(
        fc.constant({ type: 'object' }),
        fc.constant({ type: 'nonsense' }),
        fc.dictionary(fc.constantFrom('type', 'properties', 'items', '$ref', 'pattern'), fc.jsonValue({ maxDepth: 2 })),
      ),
      budget: fc.record({ maxTokens: fc.integer({ min: -5, max: 5000 }), maxCostUsd: fc.double({ min: -1, max: 1, noNaN: true }) }, { requiredKeys: [] }),
    },
    { requiredKeys: ['id', 'type', 'prompt', 'output'] },
  ),
  fc.record(
    {
      ...base,
      type: fc.constant('http'),
      method: fc.constantFrom('GET', 'POST', 'FETCH'),
      url: fc.constantFrom('https://x.example/hook', '{{input.url}}', 'ftp://x', ''),
      headers: fc.dictionary(fc.constantFrom('X-A', 'Bad Header'), template),
      body: fc.jsonValue({ maxDepth: 3 }),
      timeout: duration,
    },
    { requiredKeys: ['id', 'type', 'url'] },
  ),
  fc.record(
    { ...base, type: fc.constant('condition'), if: condition, then: ids, else: jump },
    { requiredKeys: ['id', 'type', 'if', 'then'] },
  ),
  fc.record({ id: ids, type: fc.constantFrom('teleport', 42, null) }),
);

const trigger = fc.oneof(
  fc.constantFrom(
    { type: 'manual' },
    { type: 'content.created' },
    { type: 'content.updated', fields: ['status'] },
    { type: 'task.status_changed', from: 'A', to: 'B' },
    { type: 'schedule', cron: '0 9 * * 2', timezone: 'Europe/Paris' },
    { type: 'schedule', cron: '61 * * * *', timezone: 'Nowhere/City' },
    { type: 'webhook' },
    { type: 'content.deleted' },
  ),
  fc.jsonValue({ maxDepth: 2 }),
);

const definition = fc.record(
  {
    name: fc.oneof(fc.constant('Flow'), fc.string({ maxLength: 3 })),
    enabled: fc.boolean(),
    trigger,
    phases: fc.array(phase, { maxLength: 6 }),
  },
  { requiredKeys: ['name', 'trigger', 'phases'] },
);

// Replace one random subtree of a real example with random data.
const examples = loadExamples().map((e) => e.definition);
const mutatedExample = fc
  .record({
    which: fc.nat({ max: examples.length - 1 }),
    steps: fc.array(fc.nat(), { maxLength: 5 }),
    replacement: fc.anything({ maxDepth: 2 }),
  })
  .map(({ which, steps, replacement }) => {
    const copy = structuredClone(examples[which]) as Record<string, unknown>;
    let node: Record<string, unknown> = copy;
    for (const step of steps) {
      const keys = Object.keys(node);
      if (keys.length === 0) break;
      const key = keys[step % keys.length]!;
      const child = node[key];
      if (child === null || typeof child !== 'object' || step % 3 === 0) {
        node[key] = replacement;
        return copy;
      }
      node = child as Record<string, unknown>;
    }
    node.extra = replacement;
    return copy;
  });

describe('validateDefinition', () => {
  it('accepts every well-formed definition', () => {
    fc.assert(
      fc.property(wellFormedDefinition, (d) => {
        const result = validateDefinition(d, membersCtx);
        expect(result.ok ? [] : result.problems).toEqual([]);
        expect(result.ok && result.definition).toEqual(d);
      }),
      { numRuns: 150 },
    );
  });
});

describe('validateDefinition never throws', () => {
  it('on definitions built from plausible and implausible phases', () => {
    fc.assert(fc.property(definition, expectAnswer), { numRuns: 150 });
  });

  it('on examples with a random part replaced', () => {
    fc.assert(fc.property(mutatedExample, expectAnswer), { numRuns: 100 });
  });

  it('on arbitrary JSON', () => {
    fc.assert(fc.property(fc.jsonValue(), expectAnswer), { numRuns: 50 });
  });

  it('on arbitrary JavaScript values', () => {
    const anything = fc.anything({
      withBigInt: true,
      withBoxedValues: true,
      withDate: true,
      withMap: true,
      withSet: true,
      withNullPrototype: true,
      withObjectString: true,
      withSparseArray: true,
      withTypedArray: true,
      withUnicodeString: true,
    });
    fc.assert(fc.property(anything, expectAnswer), { numRuns: 50 });
  });
});
