import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { expectHumanMessage, loadExamples, membersCtx } from './fixtures/examples.js';
import { PHASE_TYPES, TRIGGER_TYPES, workflowDefinitionSchema } from './schema.js';
import { validateDefinition, type Problem } from './validate.js';

const notify = { id: 'tell', type: 'notify', to: ['assignees'], message: 'Hello' };

function def(phases: unknown[], trigger: unknown = { type: 'manual' }, extra: Record<string, unknown> = {}) {
  return { name: 'Test', trigger, phases, ...extra };
}

function problemsOf(input: unknown): Problem[] {
  const result = validateDefinition(input, membersCtx);
  if (result.ok) throw new Error('expected the definition to be refused');
  result.problems.forEach((p) => expectHumanMessage(p.message));
  return result.problems;
}

/** Refused with exactly one problem at `path`; returns its message. */
function onlyProblem(input: unknown, path: string): string {
  const problems = problemsOf(input);
  expect(problems.map((p) => p.path)).toEqual([path]);
  return problems[0]!.message;
}

describe('examples', () => {
  const examples = loadExamples();

  it('has all six examples', () => {
    expect(examples.map((e) => e.file)).toHaveLength(6);
  });

  it.each(examples)('accepts $file', ({ definition }) => {
    const result = validateDefinition(definition, membersCtx);
    expect(result).toEqual({ ok: true, definition });
  });
});

describe('shape', () => {
  it('refuses an unknown phase type, naming the known ones', () => {
    const message = onlyProblem(def([{ id: 'x', type: 'teleport' }]), 'phases.0.type');
    expect(message).toBe(`unknown phase type "teleport"; expected one of ${PHASE_TYPES.join(', ')}`);
  });

  it('refuses an unknown trigger type', () => {
    expect(onlyProblem(def([notify], { type: 'content.deleted' }), 'trigger.type')).toMatch(
      /^unknown trigger type "content\.deleted"; expected one of manual, /,
    );
    expect(TRIGGER_TYPES).toContain('webhook');
  });

  it('refuses unknown fields one by one, with their paths', () => {
    const problems = problemsOf(def([{ ...notify, colour: 'red', size: 2 }], { type: 'manual' }, { owner: 'me' }));
    expect(problems).toEqual([
      { path: 'phases.0.colour', message: 'unknown field "colour"' },
      { path: 'phases.0.size', message: 'unknown field "size"' },
      { path: 'owner', message: 'unknown field "owner"' },
    ]);
  });

  it('says which fields are missing', () => {
    expect(problemsOf({ phases: [] })).toEqual([
      { path: 'name', message: 'is required' },
      { path: 'trigger', message: expect.stringMatching(/^is required/) },
      { path: 'phases', message: 'must have at least one phase' },
    ]);
    expect(onlyProblem(def([{ id: 'a', type: 'comment' }]), 'phases.0.body')).toBe('is required');
  });

  it('refuses a non-object definition', () => {
    expect(problemsOf(null)).toEqual([{ path: '', message: 'must be an object, not null' }]);
    expect(problemsOf([1])).toEqual([{ path: '', message: 'must be an object, not a list' }]);
  });

  it('limits the name and the number of phases', () => {
    expect(onlyProblem(def([notify], undefined, { name: '  ' }), 'name')).toBe('must not be blank');
    expect(onlyProblem(def([notify], undefined, { name: 'x'.repeat(201) }), 'name')).toMatch(/at most 200/);
    const many = Array.from({ length: 101 }, (_, i) => ({ ...notify, id: `p${i}` }));
    expect(onlyProblem(def(many), 'phases')).toBe('must have at most 100 phases');
  });

  it.each([
    ['Has Caps', /lowercase letters/],
    ['a.b', /lowercase letters/],
    ['end', /"end" is reserved/],
    ['x'.repeat(65), /at most 64/],
    ['', /must not be empty/],
  ])('refuses the phase id %j', (id, why) => {
    expect(onlyProblem(def([{ ...notify, id }]), 'phases.0.id')).toMatch(why);
  });

  it('accepts phase ids up to 64 characters', () => {
    expect(validateDefinition(def([{ ...notify, id: 'a'.repeat(64) }]), membersCtx).ok).toBe(true);
  });
});

describe('triggers', () => {
  it('checks the cron expression', () => {
    const message = onlyProblem(def([notify].map((p) => ({ ...p, to: ['space_admins'] })), { type: 'schedule', cron: '0 9 * *', timezone: 'UTC' }), 'trigger.cron');
    expect(message).toMatch(/must have 5 fields/);
    onlyProblem(def([{ ...notify, to: ['space_admins'] }], { type: 'schedule', cron: '0 25 * * *', timezone: 'UTC' }), 'trigger.cron');
  });

  it('checks the time zone', () => {
    const trigger = { type: 'schedule', cron: '0 9 * * 2', timezone: 'Europe/Atlantis' };
    expect(onlyProblem(def([{ ...notify, to: ['space_admins'] }], trigger), 'trigger.timezone')).toMatch(/IANA time zone/);
  });

  it('checks the watched fields against the target kind', () => {
    onlyProblem(def([notify], { type: 'content.updated', fields: ['dueAt'] }), 'trigger.fields.0');
    onlyProblem(def([notify], { type: 'task.updated', fields: ['caption'] }), 'trigger.fields.0');
    expect(validateDefinition(def([notify], { type: 'task.updated', fields: ['dueAt'] }), membersCtx).ok).toBe(true);
  });

  it('refuses a status change from and to the same status', () => {
    onlyProblem(def([notify], { type: 'task.status_changed', from: 'Done', to: 'Done' }), 'trigger.to');
  });

  it('refuses fields on triggers that take none', () => {
    expect(onlyProblem(def([notify], { type: 'manual', cron: '* * * * *' }), 'trigger.cron')).toBe('unknown field "cron"');
  });
});

describe('approval phases', () => {
  const gate = { id: 'gate', type: 'approval', approvers: { members: ['user_a'] }, required: 'any' };

  it('needs at least one approver', () => {
    expect(onlyProblem(def([{ ...gate, approvers: {} }]), 'phases.0.approvers')).toMatch(/names no one/);
    onlyProblem(def([{ ...gate, approvers: { members: [], emails: [] } }]), 'phases.0.approvers');
  });

  it('checks approver emails', () => {
    expect(onlyProblem(def([{ ...gate, approvers: { emails: ['not-an-address'] } }]), 'phases.0.approvers.emails.0')).toBe(
      'must be an email address',
    );
  });

  it.each([0, -1, 1.5, 'some', null])('refuses required %j', (required) => {
    expect(onlyProblem(def([{ ...gate, required }]), 'phases.0.required')).toBe(
      'must be "any", "all" or a whole number of approvals of at least 1',
    );
  });

  it('needs escalateTo when the timeout escalates', () => {
    const timeout = { after: '48h', action: 'escalate' };
    expect(onlyProblem(def([{ ...gate, timeout }]), 'phases.0.timeout.escalateTo')).toBe(
      'is required when the action is "escalate"',
    );
  });

  it('refuses a second timeout after a deny', () => {
    const timeout = { after: '48h', action: 'deny', then: { after: '1h', action: 'deny' } };
    onlyProblem(def([{ ...gate, timeout }]), 'phases.0.timeout.then');
  });

  it('checks timeout durations and actions', () => {
    const problems = problemsOf(def([{ ...gate, timeout: { after: '2 days', action: 'wait' } }]));
    expect(problems.map((p) => p.path)).toEqual(['phases.0.timeout.after', 'phases.0.timeout.action']);
  });

  it('explains a malformed onDeny', () => {
    expect(onlyProblem(def([{ ...gate, onDeny: 'stop' }]), 'phases.0.onDeny')).toBe(
      'must be "end" or {"goto": "<later phase id>"}',
    );
    expect(onlyProblem(def([{ ...gate, onDeny: { goto: 3 } }]), 'phases.0.onDeny.goto')).toBe('must be a string, not a number');
  });
});

describe('other phases', () => {
  it('wait needs exactly one of duration and until', () => {
    expect(onlyProblem(def([{ id: 'w', type: 'wait' }]), 'phases.0')).toMatch(/either "duration" or "until"/);
    onlyProblem(def([{ id: 'w', type: 'wait', duration: '1h', until: '2030-01-01T00:00:00Z' }]), 'phases.0');
    expect(onlyProblem(def([{ id: 'w', type: 'wait', duration: '1h', offset: '-1h' }]), 'phases.0.offset')).toBe(
      'only applies to "until"',
    );
  });

  it('wait until is an ISO time, UTC when it has no zone offset, or a template', () => {
    const untilOf = (until: string) => {
      const result = validateDefinition(def([{ id: 'w', type: 'wait', until }]), membersCtx);
      expect(result.ok ? [] : result.problems).toEqual([]);
      return result.ok && result.definition.phases[0]!.type === 'wait' ? result.definition.phases[0]!.until : undefined;
    };
    // Without an offset the time is UTC, and it is stored so: the server's own zone never counts.
    expect(untilOf('2026-12-01T09:00:00')).toBe('2026-12-01T09:00:00Z');
    expect(untilOf('2026-12-01T09:00')).toBe('2026-12-01T09:00Z');
    expect(untilOf('2026-12-01T09:00:00.250')).toBe('2026-12-01T09:00:00.250Z');
    expect(Date.parse(untilOf('2026-12-01T09:00:00')!)).toBe(Date.UTC(2026, 11, 1, 9));
    expect(untilOf('2030-01-01T09:00:00+02:00')).toBe('2030-01-01T09:00:00+02:00');
    expect(untilOf('2030-01-01T09:00:00Z')).toBe('2030-01-01T09:00:00Z');
    expect(untilOf('{{target.scheduledAt}}')).toBe('{{target.scheduledAt}}');
    const zoneless = { id: 'w', type: 'wait', until: '2026-12-01T09:00:00', offset: '-1h' };
    expect(validateDefinition(def([zoneless]), membersCtx)).toEqual({ ok: true, definition: def([{ ...zoneless, until: '2026-12-01T09:00:00Z' }]) });
    for (const until of ['next tuesday', '2030-01-01', '2030-13-01T09:00:00', '2030-01-01T09:00:00+2', '2030-01-01 09:00:00', '2030-01-01T09:00:00 ']) {
      expect(onlyProblem(def([{ id: 'w', type: 'wait', until }]), 'phases.0.until')).toMatch(/^must be an ISO-8601 time/);
    }
    onlyProblem(def([{ id: 'w', type: 'wait', until: '{{target.scheduledAt}}', offset: '-1 hour' }]), 'phases.0.offset');
  });

  it('durations may be decimal, and zero where zero means something', () => {
    const gate = { id: 'g', type: 'approval', approvers: { members: ['user_a'] }, required: 'any' };
    const accepted = [
      { id: 'w0', type: 'wait', duration: '0s' },
      { id: 'w1', type: 'wait', duration: '1.5h' },
      { id: 'w2', type: 'wait', until: '{{target.scheduledAt}}', offset: '0s' },
      { id: 'w3', type: 'wait', until: '{{target.scheduledAt}}', offset: '-1.5h' },
      { ...gate, timeout: { after: '1.5d', action: 'escalate', escalateTo: { emails: ['boss@x.example'] }, then: { after: '0.5h', action: 'deny' } }, linkExpiresIn: '2.5d' },
      { id: 'h', type: 'http', url: 'https://example.com/hook', timeout: '0.5s' },
    ];
    const ok = validateDefinition(def(accepted), membersCtx);
    expect(ok).toEqual({ ok: true, definition: def(accepted) });

    // Still refused: negative, malformed and unknown units, and zero where it would fire at once.
    for (const duration of ['-1h', '-0s', 'soon', '5y', '1.5ms', '1,5h']) {
      expect(onlyProblem(def([{ id: 'w', type: 'wait', duration }]), 'phases.0.duration')).toMatch(/^must be a duration like/);
    }
    expect(onlyProblem(def([{ id: 'w', type: 'wait', until: '{{target.scheduledAt}}', offset: '-1.5y' }]), 'phases.0.offset')).toMatch(
      /^must be a duration like/,
    );
    expect(onlyProblem(def([{ ...gate, timeout: { after: '0s', action: 'deny' } }]), 'phases.0.timeout.after')).toBe(
      'must be longer than zero: the gate would time out before anyone could decide',
    );
    const escalating = { after: '1h', action: 'escalate', escalateTo: { emails: ['boss@x.example'] }, then: { after: '0m', action: 'deny' } };
    expect(onlyProblem(def([{ ...gate, timeout: escalating }]), 'phases.0.timeout.then.after')).toMatch(/^must be longer than zero: /);
    expect(onlyProblem(def([{ ...gate, linkExpiresIn: '0h' }]), 'phases.0.linkExpiresIn')).toBe(
      'must be longer than zero: the links would expire as soon as they are sent',
    );
    expect(onlyProblem(def([{ id: 's', type: 'share_email', to: ['c@x.example'], linkExpiresIn: '0s' }]), 'phases.0.linkExpiresIn')).toMatch(
      /^must be longer than zero: /,
    );
    expect(onlyProblem(def([{ id: 'h', type: 'http', url: 'https://example.com/hook', timeout: '0s' }]), 'phases.0.timeout')).toBe(
      'must be longer than zero: every call would time out at once',
    );
    expect(onlyProblem(def([{ ...gate, timeout: { after: '-2h', action: 'deny' } }]), 'phases.0.timeout.after')).toMatch(/^must be a duration like/);
  });

  it('mutate sets only target fields, and at least one', () => {
    const problems = problemsOf(def([{ id: 'm', type: 'mutate', set: { status: 'Approved', owner: 'x' } }]));
    expect(problems).toEqual([{ path: 'phases.0.set.owner', message: '"owner" is not a field a mutation can set' }]);
    expect(onlyProblem(def([{ id: 'm', type: 'mutate', set: {} }]), 'phases.0.set')).toMatch(/^must set at least one of title/);
  });

  it('notify needs recipients and known channels', () => {
    expect(onlyProblem(def([{ ...notify, to: [] }]), 'phases.0.to')).toBe('must not be empty');
    expect(onlyProblem(def([{ ...notify, channels: ['sms'] }]), 'phases.0.channels.0')).toBe('must be "in_app" or "email"');
  });

  it('share_email sends to email addresses only', () => {
    const share = { id: 's', type: 'share_email', to: ['client@brand.example', 'assignees'] };
    expect(onlyProblem(def([share]), 'phases.0.to.1')).toBe('must be an email address');
  });

  it('ai output must be a JSON Schema that compiles', () => {
    const ai = { id: 'ai', type: 'ai', prompt: 'Write', output: { type: 'object' } };
    expect(validateDefinition(def([ai]), membersCtx).ok).toBe(true);
    expect(onlyProblem(def([{ ...ai, output: { type: 'thing' } }]), 'phases.0.output')).toMatch(/^is not a valid JSON Schema/);
    onlyProblem(def([{ ...ai, output: { type: 'string', pattern: '(' } }]), 'phases.0.output');
    onlyProblem(def([{ ...ai, output: 'string' }]), 'phases.0.output');
    const modern = { $schema: 'https://json-schema.org/draft/2020-12/schema', type: 'array', prefixItems: [{ type: 'string' }] };
    expect(validateDefinition(def([{ ...ai, output: modern }]), membersCtx).ok).toBe(true);
  });

  it('ai budget limits are positive', () => {
    const ai = { id: 'ai', type: 'ai', prompt: 'Write', output: {} };
    onlyProblem(def([{ ...ai, budget: { maxTokens: 0 } }]), 'phases.0.budget.maxTokens');
    onlyProblem(def([{ ...ai, budget: { maxCostUsd: -1 } }]), 'phases.0.budget.maxCostUsd');
    onlyProblem(def([{ ...ai, budget: { maxTokens: 1.5 } }]), 'phases.0.budget.maxTokens');
    onlyProblem(def([{ ...ai, budget: {} }]), 'phases.0.budget');
  });

  it('http method is case-insensitive, and stored upper case', () => {
    const http = { id: 'h', type: 'http', url: 'https://example.com/hook' };
    const methodOf = (method: string) => {
      const result = validateDefinition(def([{ ...http, method }]), membersCtx);
      expect(result.ok ? [] : result.problems).toEqual([]);
      return result.ok && result.definition.phases[0]!.type === 'http' ? result.definition.phases[0]!.method : undefined;
    };
    expect(methodOf('post')).toBe('POST');
    expect(methodOf('Get')).toBe('GET');
    expect(methodOf('pAtCh')).toBe('PATCH');
    expect(methodOf('DELETE')).toBe('DELETE');
    expect(validateDefinition(def([{ ...http, method: 'put' }]), membersCtx)).toEqual({ ok: true, definition: def([{ ...http, method: 'PUT' }]) });
    expect(validateDefinition(def([http]), membersCtx)).toEqual({ ok: true, definition: def([http]) });
    // Only the case is free: unknown methods and other spellings are still refused.
    for (const method of ['FETCH', 'fetch', 'HEAD', ' post', 'post ', 'p0st', '']) {
      expect(onlyProblem(def([{ ...http, method }]), 'phases.0.method')).toBe(
        'must be one of "GET", "POST", "PUT", "PATCH" or "DELETE" (in any case)',
      );
    }
    onlyProblem(def([{ ...http, method: 5 }]), 'phases.0.method');
  });

  it('http checks method, url, headers and timeout', () => {
    const http = { id: 'h', type: 'http', url: 'https://example.com/hook' };
    expect(validateDefinition(def([{ ...http, url: '{{input.callback}}' }]), membersCtx).ok).toBe(true);
    expect(onlyProblem(def([{ ...http, method: 'FETCH' }]), 'phases.0.method')).toMatch(/^must be one of "GET"/);
    onlyProblem(def([{ ...http, url: 'javascript:alert(1)' }]), 'phases.0.url');
    expect(onlyProblem(def([{ ...http, headers: { 'Bad Header': 'x' } }]), 'phases.0.headers.Bad Header')).toBe(
      '"Bad Header" is not a valid header name',
    );
    onlyProblem(def([{ ...http, headers: { 'X-Count': 1 } }]), 'phases.0.headers.X-Count');
    onlyProblem(def([{ ...http, timeout: '30' }]), 'phases.0.timeout');
  });

  it('condition reports the exact nested path', () => {
    const cond = (ifc: unknown) => ({ id: 'c', type: 'condition', if: ifc, then: 'end', else: 'end' });
    expect(onlyProblem(def([cond({ all: [{ field: 'target.status', op: 'like', value: 'x' }] })]), 'phases.0.if.all.0.op')).toMatch(
      /^must be one of "eq"/,
    );
    expect(onlyProblem(def([cond({ not: { any: [{ field: 'target.status', op: 'in', value: 'x' }] } })]), 'phases.0.if.not.any.0.value')).toMatch(
      /list/,
    );
    expect(onlyProblem(def([cond({ field: 'target.status', op: 'eq' })]), 'phases.0.if.value')).toBe(
      'is required for the "eq" operator',
    );
    onlyProblem(def([cond({ field: 'target.n', op: 'gt', value: { a: 1 } })]), 'phases.0.if.value');
    onlyProblem(def([cond({ all: [] })]), 'phases.0.if.all');
    expect(onlyProblem(def([cond({ any: [{ field: 'target.s', op: 'exists', why: 1 }] })]), 'phases.0.if.any.0.why')).toBe(
      'unknown field "why"',
    );
    expect(onlyProblem(def([cond({ maybe: true })]), 'phases.0.if')).toMatch(/^must be a condition/);
  });
});

describe('request schema', () => {
  it('converts to JSON Schema for the OpenAPI document', () => {
    const json = z.toJSONSchema(workflowDefinitionSchema, { io: 'input' }) as Record<string, unknown>;
    expect(json.type).toBe('object');
    expect(json.additionalProperties).toBe(false);
    expect(Object.keys(json.properties as object)).toEqual(['name', 'enabled', 'trigger', 'phases']);
    expect(JSON.stringify(json)).toContain('"approval"');
    const output = z.toJSONSchema(workflowDefinitionSchema, { io: 'output' });
    expect(output).toEqual(json);
  });

  it('gives human messages even without validateDefinition (as Fastify parses it)', () => {
    const result = workflowDefinitionSchema.safeParse(def([{ id: 'a', type: 'comment' }, { id: 'B', type: 'x' }]));
    expect(result.success).toBe(false);
    const issues = result.error!.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
    expect(issues).toEqual([
      { path: 'phases.0.body', message: 'is required' },
      { path: 'phases.1.type', message: expect.stringMatching(/^unknown phase type "x"/) },
    ]);
  });
});
