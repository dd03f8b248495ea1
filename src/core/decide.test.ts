import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decide,
  openExecution,
  type Command,
  type DecideContext,
  type Decision,
  type PhaseExec,
  type PhaseSpec,
  type RunEvent,
  type RunState,
} from './decide.js';
import { RETRYABLE_TYPES, SKIPPABLE_TYPES, isTerminal, type RunStatus } from './states.js';

/*
 * decide() is pure: no database, no clock, no randomness. Every call here goes through
 * `checkedDecide`, which deep-freezes what decide receives, compares the state with a clone
 * taken before the call, makes Date.now / Math.random throw while decide runs, and checks
 * that ids are only minted for the executions decide opens.
 */

type Accepted = Extract<Decision, { ok: true }>;
type Refused = Extract<Decision, { ok: false }>;

const T0 = Date.UTC(2025, 0, 6, 9, 0, 0);
const MINUTE = 60_000;

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const key of Object.keys(value)) deepFreeze((value as Record<string, unknown>)[key]);
  }
  return value;
}

function checkedDecide(phases: readonly PhaseSpec[], state: RunState, event: RunEvent, ctx: DecideContext): Decision {
  deepFreeze(phases);
  deepFreeze(state);
  deepFreeze(event);
  const phasesBefore = structuredClone(phases);
  const stateBefore = structuredClone(state);
  let minted = 0;
  const counted: DecideContext = {
    now: ctx.now,
    newId: () => {
      minted++;
      return ctx.newId();
    },
  };
  const realNow = Date.now;
  const realRandom = Math.random;
  Date.now = () => {
    throw new Error('decide read the clock');
  };
  Math.random = () => {
    throw new Error('decide used randomness');
  };
  let decision: Decision;
  try {
    decision = decide(phases, state, event, counted);
  } finally {
    Date.now = realNow;
    Math.random = realRandom;
  }
  expect(state).toStrictEqual(stateBefore);
  expect(phases).toStrictEqual(phasesBefore);
  if (decision.ok) {
    expect(decision.state).not.toBe(state);
    expect(decision.state.phases).not.toBe(state.phases);
    expect(minted).toBe(decision.commands.filter((c) => c.type === 'execute').length);
  } else {
    expect(minted).toBe(0);
    expect(decision.message).toMatch(/\S/);
    expect(decision).not.toHaveProperty('state');
  }
  return decision;
}

function accepted(d: Decision): Accepted {
  if (!d.ok) throw new Error(`expected the event to be accepted, got ${d.code}: ${d.message}`);
  return d;
}

function refused(d: Decision, code: Refused['code']): Refused {
  if (d.ok) throw new Error(`expected a ${code} refusal, got status ${d.state.status}`);
  expect(d.code).toBe(code);
  return d;
}

function triggeredRun(id = 'run_1'): RunState {
  return {
    id,
    status: 'triggered',
    outcome: null,
    currentPhaseId: null,
    waitingFor: null,
    error: null,
    targetVersionSeen: 1,
    startedAt: null,
    endedAt: null,
    deletedAt: null,
    phases: [],
  };
}

/** Drives one run through decide, keeping its state, a clock and an id counter. */
class Flow {
  state: RunState;
  now = T0;
  private seq = 0;

  constructor(
    readonly phases: readonly PhaseSpec[],
    state: RunState = triggeredRun(),
  ) {
    this.state = state;
  }

  ctx(now = this.now): DecideContext {
    return { now, newId: () => `ex${++this.seq}` };
  }

  /** Decides without applying. */
  try(event: RunEvent, now = this.now): Decision {
    return checkedDecide(this.phases, this.state, event, this.ctx(now));
  }

  /** Decides, expects acceptance, and applies. */
  do(event: RunEvent, now = this.now): Accepted {
    const d = accepted(this.try(event, now));
    this.state = d.state;
    return d;
  }

  tick(ms: number): this {
    this.now += ms;
    return this;
  }

  open(): PhaseExec {
    const exec = openExecution(this.state);
    if (!exec) throw new Error(`run is ${this.state.status} with no open execution`);
    return exec;
  }

  exec(phaseId: string, attempt = 1): PhaseExec {
    const exec = this.state.phases.find((p) => p.phaseId === phaseId && p.attempt === attempt);
    if (!exec) throw new Error(`no execution of ${phaseId} attempt ${attempt}`);
    return exec;
  }

  start(): Accepted {
    return this.do({ type: 'start' });
  }
  succeed(extra: Partial<Extract<RunEvent, { type: 'phase_succeeded' }>> = {}): Accepted {
    return this.do({ type: 'phase_succeeded', executionId: this.open().id, ...extra });
  }
  fail(code = 'external_error', message = 'HTTP 502 from publisher'): Accepted {
    return this.do({ type: 'phase_failed', executionId: this.open().id, code, message });
  }
  wait(waitingFor: 'wait' | 'approval', wakeAt: number | null): Accepted {
    return this.do({ type: 'phase_waiting', executionId: this.open().id, waitingFor, wakeAt });
  }
  fire(): Accepted {
    return this.do({ type: 'timer_fired', executionId: this.open().id });
  }
  decideGate(decision: 'approve' | 'deny', extra: { output?: unknown; targetVersion?: number } = {}): Accepted {
    return this.do({ type: 'gate_decided', executionId: this.open().id, decision, ...extra });
  }
}

const types = (commands: Command[]) => commands.map((c) => c.type);

// A small workflow used by many tests: wait, gate, publish, announce.
const pipeline: PhaseSpec[] = [
  { id: 'pause', type: 'wait' },
  { id: 'review', type: 'approval' },
  { id: 'publish', type: 'http' },
  { id: 'announce', type: 'notify' },
];

/** A Flow over `pipeline` brought to the given status. */
function flowIn(status: RunStatus): Flow {
  const f = new Flow(pipeline);
  switch (status) {
    case 'triggered':
      break;
    case 'active':
      f.start();
      break;
    case 'waiting':
      f.start();
      f.wait('wait', T0 + MINUTE);
      break;
    case 'completed':
      f.start();
      f.succeed();
      f.wait('approval', null);
      f.decideGate('deny');
      break;
    case 'failed':
      f.start();
      f.fail('timeout', 'wait handler timed out');
      break;
    case 'cancelled':
      f.start();
      f.do({ type: 'cancel', by: 'user_ann' });
      break;
  }
  expect(f.state.status).toBe(status);
  return f;
}

const ALL_STATUSES: RunStatus[] = ['triggered', 'active', 'waiting', 'completed', 'failed', 'cancelled'];
const TERMINAL: RunStatus[] = ['completed', 'failed', 'cancelled'];

describe('start', () => {
  it('makes a triggered run active with its first phase running and an execute command', () => {
    const f = new Flow(pipeline);
    const d = f.start();
    expect(d.state).toMatchObject({
      id: 'run_1',
      status: 'active',
      outcome: null,
      currentPhaseId: 'pause',
      waitingFor: null,
      error: null,
      targetVersionSeen: 1,
      startedAt: T0,
      endedAt: null,
    });
    expect(d.state.phases).toEqual([
      {
        id: 'ex1',
        phaseId: 'pause',
        index: 0,
        type: 'wait',
        attempt: 1,
        status: 'running',
        input: null,
        output: null,
        error: null,
        waitingFor: null,
        wakeAt: null,
        skippedBy: null,
        skipReason: null,
        startedAt: T0,
        endedAt: null,
      },
    ]);
    expect(d.commands).toEqual([{ type: 'execute', executionId: 'ex1', phaseId: 'pause', phaseType: 'wait' }]);
    expect(d.audit).toEqual([{ action: 'run.started', data: {} }]);
  });

  it('completes a run with no phases at once, outcome succeeded', () => {
    const f = new Flow([]);
    const d = f.start();
    expect(d.state).toMatchObject({
      status: 'completed',
      outcome: 'succeeded',
      startedAt: T0,
      endedAt: T0,
      currentPhaseId: null,
      error: null,
      phases: [],
    });
    expect(d.commands).toEqual([]);
    expect(d.audit).toEqual([
      { action: 'run.started', data: {} },
      { action: 'run.completed', data: { outcome: 'succeeded' } },
    ]);
  });

  it.each(ALL_STATUSES.filter((s) => s !== 'triggered'))('is refused with conflict on a %s run', (status) => {
    const f = flowIn(status);
    refused(f.try({ type: 'start' }), 'conflict');
  });

  it('uses the ctx clock and id source, nothing else', () => {
    const d = accepted(checkedDecide(pipeline, triggeredRun(), { type: 'start' }, { now: 42, newId: () => 'fixed-id' }));
    expect(d.state.startedAt).toBe(42);
    expect(d.state.phases[0]).toMatchObject({ id: 'fixed-id', startedAt: 42 });
  });
});

describe('phase_succeeded', () => {
  it('closes the execution and opens the next phase in the list', () => {
    const f = new Flow([
      { id: 'a', type: 'notify' },
      { id: 'b', type: 'mutate' },
      { id: 'c', type: 'comment' },
    ]);
    f.start();
    f.tick(5 * MINUTE);
    const d = f.succeed();
    expect(d.state.status).toBe('active');
    expect(d.state.currentPhaseId).toBe('b');
    expect(d.state.phases).toHaveLength(2);
    expect(d.state.phases[0]).toMatchObject({ id: 'ex1', status: 'succeeded', startedAt: T0, endedAt: T0 + 5 * MINUTE });
    expect(d.state.phases[1]).toMatchObject({ id: 'ex2', phaseId: 'b', index: 1, type: 'mutate', attempt: 1, status: 'running', startedAt: T0 + 5 * MINUTE });
    expect(d.commands).toEqual([{ type: 'execute', executionId: 'ex2', phaseId: 'b', phaseType: 'mutate' }]);
    expect(d.audit).toEqual([]);
  });

  it('records the input and output the handler reports', () => {
    const f = new Flow([{ id: 'a', type: 'http' }, { id: 'b', type: 'notify' }]);
    f.start();
    const d = f.succeed({ input: { url: 'https://pub.example/post' }, output: { status: 201, postId: 'p9' } });
    expect(d.state.phases[0]).toMatchObject({ input: { url: 'https://pub.example/post' }, output: { status: 201, postId: 'p9' } });
  });

  it('leaves input as it was and output null when the event carries none', () => {
    const f = new Flow([{ id: 'a', type: 'notify' }, { id: 'b', type: 'notify' }]);
    f.start();
    const d = f.succeed();
    expect(d.state.phases[0]).toMatchObject({ input: null, output: null });
  });

  it('records targetVersion as the version the run has seen', () => {
    const f = new Flow([{ id: 'a', type: 'mutate' }, { id: 'b', type: 'notify' }]);
    f.start();
    const d = f.succeed({ targetVersion: 7 });
    expect(d.state.targetVersionSeen).toBe(7);
    const d2 = f.succeed();
    expect(d2.state.targetVersionSeen).toBe(7);
  });

  it("follows the phase's own `next`", () => {
    const f = new Flow([
      { id: 'a', type: 'notify', next: 'c' },
      { id: 'b', type: 'mutate' },
      { id: 'c', type: 'comment' },
    ]);
    f.start();
    const d = f.succeed();
    expect(d.state.currentPhaseId).toBe('c');
    expect(d.state.phases.map((p) => p.phaseId)).toEqual(['a', 'c']);
    expect(d.state.phases[1]!.index).toBe(2);
    expect(d.commands).toEqual([{ type: 'execute', executionId: 'ex2', phaseId: 'c', phaseType: 'comment' }]);
  });

  it("follows the event's `next` (a condition's branch), over the phase's own `next`", () => {
    const phases: PhaseSpec[] = [
      { id: 'cond', type: 'condition', next: 'then' },
      { id: 'then', type: 'notify', next: 'end' },
      { id: 'else', type: 'comment' },
    ];
    const elseBranch = new Flow(phases);
    elseBranch.start();
    expect(elseBranch.succeed({ next: 'else', output: { result: false } }).state.currentPhaseId).toBe('else');
    expect(elseBranch.exec('cond').output).toEqual({ result: false });

    const thenBranch = new Flow(phases);
    thenBranch.start();
    expect(thenBranch.succeed({ next: 'then' }).state.currentPhaseId).toBe('then');
  });

  it('completes the run on `next: "end"` in the phase, skipping the rest', () => {
    const f = new Flow([
      { id: 'a', type: 'notify', next: 'end' },
      { id: 'b', type: 'mutate' },
    ]);
    f.start();
    f.tick(MINUTE);
    const d = f.succeed();
    expect(d.state).toMatchObject({ status: 'completed', outcome: 'succeeded', endedAt: T0 + MINUTE, currentPhaseId: null });
    expect(d.state.phases).toHaveLength(1);
    expect(d.commands).toEqual([]);
  });

  it('completes the run on an event `next: "end"`', () => {
    const f = new Flow([
      { id: 'cond', type: 'condition' },
      { id: 'b', type: 'mutate' },
    ]);
    f.start();
    const d = f.succeed({ next: 'end' });
    expect(d.state).toMatchObject({ status: 'completed', outcome: 'succeeded' });
  });

  it('completes the run after the last phase: succeeded, endedAt = now', () => {
    const f = new Flow([{ id: 'a', type: 'notify' }, { id: 'b', type: 'comment' }]);
    f.start();
    f.tick(MINUTE);
    f.succeed();
    f.tick(2 * MINUTE);
    const d = f.succeed({ output: { commentId: 'c1' } });
    expect(d.state).toMatchObject({
      status: 'completed',
      outcome: 'succeeded',
      startedAt: T0,
      endedAt: T0 + 3 * MINUTE,
      currentPhaseId: null,
      waitingFor: null,
      error: null,
    });
    expect(d.state.phases.map((p) => p.status)).toEqual(['succeeded', 'succeeded']);
    expect(d.state.phases[1]).toMatchObject({ endedAt: T0 + 3 * MINUTE, output: { commentId: 'c1' } });
    expect(d.commands).toEqual([]);
    expect(d.audit).toEqual([{ action: 'run.completed', data: { outcome: 'succeeded' } }]);
  });

  it('fails the run with `internal` on a jump that does not go forward (a corrupt definition)', () => {
    const backward = new Flow([
      { id: 'a', type: 'notify' },
      { id: 'b', type: 'notify', next: 'a' },
    ]);
    backward.start();
    backward.succeed();
    const d = backward.succeed();
    expect(d.state).toMatchObject({ status: 'failed', error: { phaseId: 'b', code: 'internal' } });
    expect(d.state.phases.filter((p) => p.phaseId === 'a')).toHaveLength(1);

    const unknown = new Flow([{ id: 'cond', type: 'condition' }, { id: 'b', type: 'notify' }]);
    unknown.start();
    expect(unknown.succeed({ next: 'nowhere' }).state).toMatchObject({ status: 'failed', error: { phaseId: 'cond', code: 'internal' } });

    const self = new Flow([{ id: 'cond', type: 'condition' }, { id: 'b', type: 'notify' }]);
    self.start();
    expect(self.succeed({ next: 'cond' }).state).toMatchObject({ status: 'failed', error: { code: 'internal' } });
  });

  describe('stale events are refused with stale_event', () => {
    it('an execution id that is not part of the run', () => {
      const f = flowIn('active');
      refused(f.try({ type: 'phase_succeeded', executionId: 'ex999' }), 'stale_event');
    });

    it('the same result delivered twice', () => {
      const f = new Flow(pipeline);
      f.start();
      const first = f.open().id;
      f.succeed();
      refused(f.try({ type: 'phase_succeeded', executionId: first }), 'stale_event');
    });

    it('an execution that is waiting, not running', () => {
      const f = flowIn('waiting');
      refused(f.try({ type: 'phase_succeeded', executionId: f.open().id }), 'stale_event');
    });

    it.each(TERMINAL)('any execution of a %s run', (status) => {
      const f = flowIn(status);
      for (const exec of f.state.phases) {
        refused(f.try({ type: 'phase_succeeded', executionId: exec.id }), 'stale_event');
      }
    });

    it('a late result from a handler whose run was cancelled', () => {
      const f = flowIn('active');
      const running = f.open().id;
      f.do({ type: 'cancel', by: 'user_ann' });
      refused(f.try({ type: 'phase_succeeded', executionId: running, output: { late: true } }), 'stale_event');
      expect(f.exec('pause').status).toBe('cancelled');
    });
  });
});

describe('phase_failed', () => {
  it('fails the run and records which phase failed, the code and the message', () => {
    const f = new Flow(pipeline);
    f.start();
    f.succeed();
    f.wait('approval', null);
    f.decideGate('approve');
    f.tick(MINUTE);
    const execId = f.open().id;
    const d = f.do({ type: 'phase_failed', executionId: execId, input: { url: 'https://pub.example' }, code: 'external_error', message: 'HTTP 502' });
    expect(d.state).toMatchObject({
      status: 'failed',
      outcome: null,
      currentPhaseId: 'publish',
      waitingFor: null,
      error: { phaseId: 'publish', code: 'external_error', message: 'HTTP 502' },
      endedAt: T0 + MINUTE,
    });
    expect(f.exec('publish')).toMatchObject({
      id: execId,
      status: 'failed',
      error: { code: 'external_error', message: 'HTTP 502' },
      input: { url: 'https://pub.example' },
      endedAt: T0 + MINUTE,
    });
    expect(types(d.commands)).toEqual(expect.arrayContaining(['cancel_timers', 'close_links']));
    expect(types(d.commands)).not.toContain('execute');
    expect(d.audit).toEqual([{ action: 'run.failed', data: {} }]);
  });

  it('fails a waiting execution too (a gate or wait whose handler errors)', () => {
    const f = flowIn('waiting');
    const d = f.fail('deleted', 'The target was deleted.');
    expect(d.state).toMatchObject({ status: 'failed', waitingFor: null, error: { phaseId: 'pause', code: 'deleted', message: 'The target was deleted.' } });
    expect(f.exec('pause')).toMatchObject({ status: 'failed', error: { code: 'deleted', message: 'The target was deleted.' } });
    expect(types(d.commands)).toEqual(expect.arrayContaining(['cancel_timers', 'close_links']));
    expect(openExecution(d.state)).toBeUndefined();
  });

  it('keeps no "waiting for" on the execution it fails', () => {
    const f = new Flow(pipeline);
    f.start();
    f.succeed();
    f.wait('approval', T0 + 60 * MINUTE);
    const d = f.fail('internal', 'approver lookup failed');
    expect(d.state.phases[1]).toMatchObject({ status: 'failed', waitingFor: null });
  });

  it('accepts any of the section 8 codes', () => {
    for (const code of ['stale', 'deleted', 'budget_exceeded', 'invalid_output', 'no_recipients', 'external_error', 'timeout', 'internal']) {
      const f = flowIn('active');
      expect(f.fail(code, `failed: ${code}`).state.error).toEqual({ phaseId: 'pause', code, message: `failed: ${code}` });
    }
  });

  it('refuses stale failures: unknown execution, finished execution, terminal run', () => {
    const f = new Flow(pipeline);
    f.start();
    const first = f.open().id;
    refused(f.try({ type: 'phase_failed', executionId: 'nope', code: 'internal', message: 'x' }), 'stale_event');
    f.succeed();
    refused(f.try({ type: 'phase_failed', executionId: first, code: 'internal', message: 'x' }), 'stale_event');
    const second = f.open().id;
    f.fail();
    refused(f.try({ type: 'phase_failed', executionId: second, code: 'internal', message: 'again' }), 'stale_event');
  });
});

describe('phase_waiting', () => {
  it('makes the run wait for a timer and schedules it at wakeAt', () => {
    const f = new Flow(pipeline);
    f.start();
    const exec = f.open();
    const d = f.do({ type: 'phase_waiting', executionId: exec.id, waitingFor: 'wait', wakeAt: T0 + 48 * 60 * MINUTE, input: { duration: '48h' } });
    expect(d.state).toMatchObject({ status: 'waiting', waitingFor: 'wait', currentPhaseId: 'pause', endedAt: null });
    expect(d.state.phases[0]).toMatchObject({ status: 'waiting', waitingFor: 'wait', wakeAt: T0 + 48 * 60 * MINUTE, input: { duration: '48h' }, endedAt: null });
    expect(d.commands).toEqual([{ type: 'schedule_timer', executionId: exec.id, dueAt: T0 + 48 * 60 * MINUTE }]);
    expect(d.audit).toEqual([]);
  });

  it('makes the run wait for approvers with no timer when the gate has no timeout', () => {
    const f = new Flow(pipeline);
    f.start();
    f.succeed();
    const d = f.do({ type: 'phase_waiting', executionId: f.open().id, waitingFor: 'approval', wakeAt: null, output: { approvers: ['user_bob'] } });
    expect(d.state).toMatchObject({ status: 'waiting', waitingFor: 'approval', currentPhaseId: 'review' });
    expect(f.exec('review')).toMatchObject({ status: 'waiting', waitingFor: 'approval', wakeAt: null, output: { approvers: ['user_bob'] } });
    expect(d.commands).toEqual([]);
  });

  it('schedules the timeout of a gate that has one', () => {
    const f = new Flow(pipeline);
    f.start();
    f.succeed();
    const d = f.wait('approval', T0 + 72 * 60 * MINUTE);
    expect(d.commands).toEqual([{ type: 'schedule_timer', executionId: f.open().id, dueAt: T0 + 72 * 60 * MINUTE }]);
  });

  it('is refused for an execution that is already waiting, finished, or unknown', () => {
    const f = flowIn('waiting');
    const waiting = f.open().id;
    refused(f.try({ type: 'phase_waiting', executionId: waiting, waitingFor: 'wait', wakeAt: T0 }), 'stale_event');
    refused(f.try({ type: 'phase_waiting', executionId: 'ghost', waitingFor: 'wait', wakeAt: T0 }), 'stale_event');
    f.fire();
    refused(f.try({ type: 'phase_waiting', executionId: waiting, waitingFor: 'wait', wakeAt: T0 }), 'stale_event');
  });
});

describe('delete', () => {
  it('hides a finished run, once, with its audit event; nothing else changes', () => {
    const f = flowIn('completed');
    const before = f.state;
    f.tick(MINUTE);
    const d = f.do({ type: 'delete', by: 'user:ann' });
    expect(d.state).toEqual({ ...before, deletedAt: T0 + MINUTE });
    expect(d.commands).toEqual([]);
    expect(d.audit).toEqual([{ action: 'run.deleted', data: {} }]);
    refused(f.try({ type: 'delete', by: 'user:ann' }), 'conflict');
    const bulk = flowIn('completed').do({ type: 'delete', by: 'user:ann', bulkOperationId: 'op_1' });
    expect(bulk.audit).toEqual([{ action: 'run.deleted', data: { bulkOperationId: 'op_1' } }]);
  });

  it('refuses an unfinished run', () => {
    for (const status of ['triggered', 'active', 'waiting'] as const) refused(flowIn(status).try({ type: 'delete', by: 'user:ann' }), 'conflict');
  });
});

describe('held (flow control has no slot)', () => {
  it('keeps the run where it is, waiting for a slot, and parks the event it held', () => {
    const f = new Flow(pipeline);
    const d = f.do({ type: 'held', event: { type: 'start' } });
    expect(d.state).toMatchObject({ status: 'triggered', waitingFor: 'flow_control', phases: [] });
    expect(d.commands).toEqual([{ type: 'park', event: { type: 'start' } }]);
    expect(d.audit).toEqual([]);
    // The held event applies later, as it would have: the run starts.
    expect(f.start().state).toMatchObject({ status: 'active', waitingFor: null, currentPhaseId: 'pause' });
  });

  it('holds a waiting run that a timer would wake, and refuses a finished run', () => {
    const f = flowIn('waiting');
    const timer = { type: 'timer_fired' as const, executionId: f.open().id };
    const d = f.do({ type: 'held', event: timer });
    expect(d.state).toMatchObject({ status: 'waiting', waitingFor: 'flow_control' });
    expect(f.open()).toMatchObject({ status: 'waiting', waitingFor: 'wait' });
    expect(f.do(timer).state).toMatchObject({ status: 'active', waitingFor: null });
    refused(flowIn('completed').try({ type: 'held', event: { type: 'start' } }), 'stale_event');
  });
});

describe('gate_escalated', () => {
  it('moves the waiting gate to its new deadline and output, and nothing else', () => {
    const f = new Flow(pipeline);
    f.start();
    f.succeed();
    f.wait('approval', T0 + MINUTE);
    const gate = f.open();
    const before = f.state;
    f.tick(MINUTE);
    const d = f.do({ type: 'gate_escalated', executionId: gate.id, wakeAt: T0 + 2 * MINUTE, output: { stage: 2 } });
    expect(d.commands).toEqual([]);
    expect(d.audit).toEqual([]);
    expect(d.state).toMatchObject({ status: before.status, waitingFor: 'approval', currentPhaseId: before.currentPhaseId });
    expect(f.exec(gate.phaseId)).toMatchObject({ status: 'waiting', waitingFor: 'approval', wakeAt: T0 + 2 * MINUTE, output: { stage: 2 } });
    // A second stage without a deadline clears it.
    f.do({ type: 'gate_escalated', executionId: gate.id, wakeAt: null, output: { stage: 2, timeoutAt: null } });
    expect(f.exec(gate.phaseId).wakeAt).toBeNull();
  });

  it('is refused for a wait, a decided gate, an unknown id', () => {
    const f = new Flow(pipeline);
    f.start();
    f.wait('wait', T0 + MINUTE);
    refused(f.try({ type: 'gate_escalated', executionId: f.open().id, wakeAt: null, output: {} }), 'stale_event');
    f.fire();
    f.wait('approval', T0 + MINUTE);
    const gate = f.open().id;
    f.decideGate('approve');
    refused(f.try({ type: 'gate_escalated', executionId: gate, wakeAt: null, output: {} }), 'stale_event');
    refused(f.try({ type: 'gate_escalated', executionId: 'ghost', wakeAt: null, output: {} }), 'stale_event');
  });
});

describe('timer_fired', () => {
  it('ends a wait and moves on to the next phase', () => {
    const f = new Flow(pipeline);
    f.start();
    f.do({ type: 'phase_waiting', executionId: f.open().id, waitingFor: 'wait', wakeAt: T0 + 30 * MINUTE, output: { until: 'later' } });
    f.tick(30 * MINUTE);
    const d = f.fire();
    expect(d.state).toMatchObject({ status: 'active', waitingFor: null, currentPhaseId: 'review' });
    expect(f.exec('pause')).toMatchObject({
      status: 'succeeded',
      waitingFor: null,
      endedAt: T0 + 30 * MINUTE,
      output: { until: 'later', waitedUntil: new Date(T0 + 30 * MINUTE).toISOString() },
    });
    expect(d.commands).toEqual([{ type: 'execute', executionId: f.exec('review').id, phaseId: 'review', phaseType: 'approval' }]);
  });

  it('completes the run when the wait was the last phase', () => {
    const f = new Flow([{ id: 'a', type: 'notify' }, { id: 'w', type: 'wait' }]);
    f.start();
    f.succeed();
    f.wait('wait', T0 + MINUTE);
    f.tick(MINUTE);
    expect(f.fire().state).toMatchObject({ status: 'completed', outcome: 'succeeded', endedAt: T0 + MINUTE });
  });

  it("follows the wait phase's `next`", () => {
    const f = new Flow([{ id: 'w', type: 'wait', next: 'c' }, { id: 'b', type: 'notify' }, { id: 'c', type: 'comment' }]);
    f.start();
    f.wait('wait', T0 + MINUTE);
    expect(f.fire().state.currentPhaseId).toBe('c');
  });

  it('is refused by a gate waiting for approval (even one with a timeout scheduled)', () => {
    const f = new Flow(pipeline);
    f.start();
    f.succeed();
    f.wait('approval', T0 + MINUTE);
    refused(f.try({ type: 'timer_fired', executionId: f.open().id }), 'stale_event');
  });

  it('is refused for a running execution, a timer that fires twice, an unknown id, a terminal run', () => {
    const f = flowIn('active');
    const exec = f.open().id;
    refused(f.try({ type: 'timer_fired', executionId: exec }), 'stale_event');
    f.wait('wait', T0 + MINUTE);
    f.fire();
    refused(f.try({ type: 'timer_fired', executionId: exec }), 'stale_event');
    refused(f.try({ type: 'timer_fired', executionId: 'ghost' }), 'stale_event');

    const cancelled = flowIn('waiting');
    const waiting = cancelled.open().id;
    cancelled.do({ type: 'cancel', by: 'user_ann' });
    refused(cancelled.try({ type: 'timer_fired', executionId: waiting }), 'stale_event');
  });
});

describe('gate_decided', () => {
  /** A Flow over `phases`, started and advanced to a waiting gate `gateId`. */
  function atGate(phases: PhaseSpec[], gateId = 'gate'): Flow {
    const f = new Flow(phases);
    f.start();
    while (f.open().phaseId !== gateId) f.succeed();
    f.wait('approval', null);
    return f;
  }

  const gated: PhaseSpec[] = [
    { id: 'draft', type: 'mutate' },
    { id: 'gate', type: 'approval' },
    { id: 'publish', type: 'http' },
    { id: 'fix', type: 'comment' },
  ];

  it('approve resumes at the next phase; closes links and cancels timers', () => {
    const f = atGate(gated);
    f.tick(10 * MINUTE);
    const d = f.decideGate('approve');
    expect(d.state).toMatchObject({ status: 'active', waitingFor: null, currentPhaseId: 'publish', outcome: null });
    expect(f.exec('gate')).toMatchObject({ status: 'succeeded', waitingFor: null, output: { decision: 'approve' }, endedAt: T0 + 10 * MINUTE });
    expect(types(d.commands)).toEqual(expect.arrayContaining(['cancel_timers', 'close_links', 'execute']));
    expect(d.commands.find((c) => c.type === 'execute')).toEqual({ type: 'execute', executionId: f.exec('publish').id, phaseId: 'publish', phaseType: 'http' });
  });

  it("approve follows the gate's `next`", () => {
    const f = atGate([{ id: 'gate', type: 'approval', next: 'fix' }, { id: 'publish', type: 'http' }, { id: 'fix', type: 'comment' }]);
    expect(f.decideGate('approve').state.currentPhaseId).toBe('fix');
  });

  it('approve on the last phase completes the run, succeeded', () => {
    const f = atGate([{ id: 'draft', type: 'mutate' }, { id: 'gate', type: 'approval' }]);
    f.tick(MINUTE);
    const d = f.decideGate('approve');
    expect(d.state).toMatchObject({ status: 'completed', outcome: 'succeeded', endedAt: T0 + MINUTE });
    expect(types(d.commands)).toEqual(expect.arrayContaining(['cancel_timers', 'close_links']));
  });

  it('records the output the gate reports (the decisions)', () => {
    const f = atGate(gated);
    const output = { decision: 'approve', decisions: [{ by: 'user_bob', decision: 'approve', targetVersion: 3 }] };
    f.decideGate('approve', { output });
    expect(f.exec('gate').output).toEqual(output);
  });

  it('records the target version the approval was made on', () => {
    const f = atGate(gated);
    expect(f.decideGate('approve', { targetVersion: 4 }).state.targetVersionSeen).toBe(4);
    const g = atGate(gated);
    expect(g.decideGate('deny', { targetVersion: 9 }).state.targetVersionSeen).toBe(9);
    const h = atGate(gated);
    expect(h.decideGate('approve').state.targetVersionSeen).toBe(1);
  });

  it('deny with onDeny "end" completes the run with outcome denied', () => {
    const f = atGate([{ id: 'gate', type: 'approval', onDeny: 'end' }, { id: 'publish', type: 'http' }]);
    f.tick(MINUTE);
    const d = f.decideGate('deny');
    expect(d.state).toMatchObject({ status: 'completed', outcome: 'denied', endedAt: T0 + MINUTE, waitingFor: null, currentPhaseId: null, error: null });
    expect(f.exec('gate')).toMatchObject({ status: 'succeeded', output: { decision: 'deny' } });
    expect(d.state.phases).toHaveLength(1);
    expect(types(d.commands).sort()).toEqual(['cancel_timers', 'close_links']);
    expect(d.audit).toEqual([{ action: 'run.completed', data: { outcome: 'denied' } }]);
  });

  it('deny without onDeny ends the run too (default), even with phases after the gate', () => {
    const f = atGate(gated);
    const d = f.decideGate('deny');
    expect(d.state).toMatchObject({ status: 'completed', outcome: 'denied' });
    expect(types(d.commands)).not.toContain('execute');
  });

  it('deny with onDeny goto jumps to that later phase, past the approve path', () => {
    const f = atGate([
      { id: 'gate', type: 'approval', next: 'publish', onDeny: { goto: 'fix' } },
      { id: 'publish', type: 'http' },
      { id: 'announce', type: 'notify' },
      { id: 'fix', type: 'comment' },
    ]);
    const d = f.decideGate('deny');
    expect(d.state).toMatchObject({ status: 'active', outcome: null, currentPhaseId: 'fix', waitingFor: null });
    expect(d.state.phases.map((p) => p.phaseId)).toEqual(['gate', 'fix']);
    expect(types(d.commands)).toEqual(expect.arrayContaining(['cancel_timers', 'close_links', 'execute']));
    // the run then ends normally: the deny path is not an outcome by itself
    expect(f.succeed().state).toMatchObject({ status: 'completed', outcome: 'succeeded' });
  });

  it('approve ignores onDeny', () => {
    const f = atGate([{ id: 'gate', type: 'approval', onDeny: { goto: 'fix' } }, { id: 'publish', type: 'http' }, { id: 'fix', type: 'comment' }]);
    expect(f.decideGate('approve').state.currentPhaseId).toBe('publish');
  });

  it('is refused for a gate still running, a second decision, an unknown id, and a cancelled run', () => {
    const f = new Flow(gated);
    f.start();
    f.succeed();
    const gateExec = f.open().id;
    refused(f.try({ type: 'gate_decided', executionId: gateExec, decision: 'approve' }), 'stale_event');
    f.wait('approval', null);
    f.decideGate('approve');
    refused(f.try({ type: 'gate_decided', executionId: gateExec, decision: 'deny' }), 'stale_event');
    refused(f.try({ type: 'gate_decided', executionId: 'ghost', decision: 'approve' }), 'stale_event');

    const c = atGate(gated);
    const waiting = c.open().id;
    c.do({ type: 'cancel', by: 'user_ann' });
    refused(c.try({ type: 'gate_decided', executionId: waiting, decision: 'approve' }), 'stale_event');
  });

  it('is refused for an execution waiting on a timer, not on approvers', () => {
    const f = flowIn('waiting');
    expect(f.open().waitingFor).toBe('wait');
    refused(f.try({ type: 'gate_decided', executionId: f.open().id, decision: 'deny' }), 'stale_event');
  });
});

describe('cancel', () => {
  it('cancels a triggered run (nothing is executing)', () => {
    const f = new Flow(pipeline);
    f.tick(MINUTE);
    const d = f.do({ type: 'cancel', by: 'user_ann', reason: 'wrong target' });
    expect(d.state).toMatchObject({ status: 'cancelled', outcome: null, endedAt: T0 + MINUTE, waitingFor: null, phases: [] });
    expect(types(d.commands)).not.toContain('abort');
    expect(types(d.commands)).not.toContain('execute');
    expect(d.audit).toEqual([{ action: 'run.cancelled', data: { by: 'user_ann', reason: 'wrong target', phaseId: null } }]);
  });

  it('cancels an active run and aborts the running execution', () => {
    const f = flowIn('active');
    const exec = f.open().id;
    f.tick(MINUTE);
    const d = f.do({ type: 'cancel', by: 'user_bob', reason: 'duplicate' });
    expect(d.state).toMatchObject({ status: 'cancelled', outcome: null, endedAt: T0 + MINUTE, error: null });
    expect(d.state.phases[0]).toMatchObject({ id: exec, status: 'cancelled', endedAt: T0 + MINUTE });
    expect(d.commands).toContainEqual({ type: 'abort', executionId: exec });
    expect(types(d.commands)).toEqual(expect.arrayContaining(['cancel_timers', 'close_links']));
    expect(openExecution(d.state)).toBeUndefined();
    expect(d.audit).toEqual([{ action: 'run.cancelled', data: { by: 'user_bob', reason: 'duplicate', phaseId: 'pause' } }]);
  });

  it('cancels a waiting run: the execution is cancelled, timers cancelled, links closed', () => {
    const f = new Flow(pipeline);
    f.start();
    f.succeed();
    f.wait('approval', T0 + 60 * MINUTE);
    f.tick(MINUTE);
    const d = f.do({ type: 'cancel', by: 'user_ann' });
    expect(d.state).toMatchObject({ status: 'cancelled', waitingFor: null, endedAt: T0 + MINUTE });
    expect(f.exec('review')).toMatchObject({ status: 'cancelled', waitingFor: null, endedAt: T0 + MINUTE });
    expect(types(d.commands)).toEqual(expect.arrayContaining(['cancel_timers', 'close_links']));
    expect(types(d.commands)).not.toContain('execute');
    expect(d.audit).toEqual([{ action: 'run.cancelled', data: { by: 'user_ann', reason: null, phaseId: 'review' } }]);
  });

  it('starts no later phase', () => {
    const f = flowIn('active');
    const d = f.do({ type: 'cancel', by: 'user_ann' });
    expect(d.state.phases).toHaveLength(1);
    refused(f.try({ type: 'start' }), 'conflict');
  });

  it.each(TERMINAL)('is refused with conflict on a %s run', (status) => {
    const f = flowIn(status);
    refused(f.try({ type: 'cancel', by: 'user_ann', reason: 'late' }), 'conflict');
  });
});

describe('skip', () => {
  /** A one-phase-then-notify flow whose first phase has type `type`, started. */
  function running(type: string, next?: string): Flow {
    const first: PhaseSpec = next ? { id: 'x', type, next } : { id: 'x', type };
    const f = new Flow([first, { id: 'y', type: 'notify' }, { id: 'z', type: 'comment' }]);
    f.start();
    return f;
  }

  it.each(SKIPPABLE_TYPES.map((t) => [t]))('skips a running %s phase: aborts it, records who and why, moves on', (type) => {
    const f = running(type);
    const exec = f.open().id;
    f.tick(MINUTE);
    const d = f.do({ type: 'skip', phaseId: 'x', by: 'user_ann', reason: 'publisher is down, posting by hand' });
    expect(d.state.phases[0]).toMatchObject({
      id: exec,
      status: 'skipped',
      skippedBy: 'user_ann',
      skipReason: 'publisher is down, posting by hand',
      endedAt: T0 + MINUTE,
      waitingFor: null,
    });
    expect(d.commands).toContainEqual({ type: 'abort', executionId: exec });
    expect(d.commands).toContainEqual({ type: 'execute', executionId: f.exec('y').id, phaseId: 'y', phaseType: 'notify' });
    expect(d.state).toMatchObject({ status: 'active', currentPhaseId: 'y' });
    expect(d.audit).toContainEqual({ action: 'phase.skipped', data: { phaseId: 'x', attempt: 1, by: 'user_ann', reason: 'publisher is down, posting by hand' } });
  });

  it('skips a waiting wait phase: no abort, its timer is cancelled', () => {
    const f = running('wait');
    f.wait('wait', T0 + 24 * 60 * MINUTE);
    const d = f.do({ type: 'skip', phaseId: 'x', by: 'user_ann', reason: 'no need to wait' });
    expect(types(d.commands)).not.toContain('abort');
    expect(types(d.commands)).toContain('cancel_timers');
    expect(d.state).toMatchObject({ status: 'active', waitingFor: null, currentPhaseId: 'y' });
    expect(f.exec('x')).toMatchObject({ status: 'skipped', waitingFor: null, skippedBy: 'user_ann', skipReason: 'no need to wait' });
  });

  it('skips a waiting approval gate: its timers are cancelled and its links closed', () => {
    const f = running('approval');
    f.wait('approval', null);
    const d = f.do({ type: 'skip', phaseId: 'x', by: 'user_admin', reason: 'approved by phone' });
    expect(types(d.commands)).toEqual(expect.arrayContaining(['cancel_timers', 'close_links', 'execute']));
    expect(types(d.commands)).not.toContain('abort');
    expect(d.state.currentPhaseId).toBe('y');
  });

  it("moves on by the phase's own `next`", () => {
    const f = running('http', 'z');
    expect(f.do({ type: 'skip', phaseId: 'x', by: 'u', reason: 'r' }).state.currentPhaseId).toBe('z');
    const g = running('notify', 'end');
    expect(g.do({ type: 'skip', phaseId: 'x', by: 'u', reason: 'r' }).state).toMatchObject({ status: 'completed', outcome: 'succeeded' });
  });

  it('a skipped gate takes the approve path, never its deny path', () => {
    const f = new Flow([{ id: 'gate', type: 'approval', onDeny: { goto: 'fix' } }, { id: 'publish', type: 'http' }, { id: 'fix', type: 'comment' }]);
    f.start();
    f.wait('approval', null);
    expect(f.do({ type: 'skip', phaseId: 'gate', by: 'u', reason: 'r' }).state.currentPhaseId).toBe('publish');
  });

  it('completes the run when the skipped phase was the last one', () => {
    const f = new Flow([{ id: 'a', type: 'comment' }, { id: 'w', type: 'wait' }]);
    f.start();
    f.succeed();
    f.wait('wait', T0 + MINUTE);
    f.tick(MINUTE);
    const d = f.do({ type: 'skip', phaseId: 'w', by: 'u', reason: 'r' });
    expect(d.state).toMatchObject({ status: 'completed', outcome: 'succeeded', endedAt: T0 + MINUTE, currentPhaseId: null });
  });

  it.each(['mutate', 'comment', 'condition', 'share_email'])('is refused with conflict for a %s phase', (type) => {
    expect(SKIPPABLE_TYPES).not.toContain(type);
    const f = running(type);
    refused(f.try({ type: 'skip', phaseId: 'x', by: 'user_ann', reason: 'r' }), 'conflict');
  });

  it('is refused for a phase that is not the open one', () => {
    const f = new Flow(pipeline);
    f.start();
    f.succeed();
    f.wait('approval', null);
    refused(f.try({ type: 'skip', phaseId: 'publish', by: 'u', reason: 'later phase' }), 'conflict');
    refused(f.try({ type: 'skip', phaseId: 'pause', by: 'u', reason: 'finished phase' }), 'conflict');
    refused(f.try({ type: 'skip', phaseId: 'nope', by: 'u', reason: 'unknown phase' }), 'conflict');
  });

  it('is refused on a triggered run (no phase is open)', () => {
    refused(flowIn('triggered').try({ type: 'skip', phaseId: 'pause', by: 'u', reason: 'r' }), 'conflict');
  });

  it.each(TERMINAL)('is refused on a %s run', (status) => {
    const f = flowIn(status);
    for (const spec of pipeline) refused(f.try({ type: 'skip', phaseId: spec.id, by: 'u', reason: 'r' }), 'conflict');
  });
});

describe('retry', () => {
  const flaky: PhaseSpec[] = [
    { id: 'prep', type: 'comment' },
    { id: 'publish', type: 'http' },
    { id: 'announce', type: 'notify' },
  ];

  function failedAt(phases: PhaseSpec[], phaseId: string): Flow {
    const f = new Flow(phases);
    f.start();
    while (f.open().phaseId !== phaseId) f.succeed();
    f.tick(MINUTE);
    f.fail('external_error', 'HTTP 503');
    return f;
  }

  it('continues a failed run with a new attempt of the failed phase', () => {
    const f = failedAt(flaky, 'publish');
    const first = f.exec('publish');
    f.tick(MINUTE);
    const d = f.do({ type: 'retry', by: 'user_ann' });
    expect(d.state).toMatchObject({ status: 'active', error: null, outcome: null, endedAt: null, startedAt: T0, currentPhaseId: 'publish', waitingFor: null });
    expect(d.state.phases).toHaveLength(3);
    expect(d.state.phases[1]).toEqual(first); // the earlier attempt stays, untouched
    expect(d.state.phases[1]).toMatchObject({ status: 'failed', error: { code: 'external_error', message: 'HTTP 503' } });
    expect(d.state.phases[2]).toMatchObject({ phaseId: 'publish', index: 1, type: 'http', attempt: 2, status: 'running', startedAt: T0 + 2 * MINUTE, error: null });
    expect(d.state.phases[2]!.id).not.toBe(first.id);
    expect(d.commands).toEqual([{ type: 'execute', executionId: d.state.phases[2]!.id, phaseId: 'publish', phaseType: 'http' }]);
    expect(d.audit).toEqual([{ action: 'run.retried', data: { by: 'user_ann', phaseId: 'publish', attempt: 2 } }]);
  });

  it('a second retry makes attempt 3; every attempt stays in order', () => {
    const f = failedAt(flaky, 'publish');
    f.do({ type: 'retry', by: 'user_ann' });
    f.fail('timeout', 'no answer in 30s');
    const d = f.do({ type: 'retry', by: 'user_bob' });
    expect(d.state.phases.map((p) => [p.phaseId, p.attempt, p.status])).toEqual([
      ['prep', 1, 'succeeded'],
      ['publish', 1, 'failed'],
      ['publish', 2, 'failed'],
      ['publish', 3, 'running'],
    ]);
    expect(d.audit).toEqual([{ action: 'run.retried', data: { by: 'user_bob', phaseId: 'publish', attempt: 3 } }]);
  });

  it('a retried phase that succeeds lets the run go on and complete', () => {
    const f = failedAt(flaky, 'publish');
    f.do({ type: 'retry', by: 'user_ann' });
    expect(f.succeed({ output: { postId: 'p1' } }).state.currentPhaseId).toBe('announce');
    expect(f.succeed().state).toMatchObject({ status: 'completed', outcome: 'succeeded', error: null });
  });

  it('a retry of a failed run refuses the failed attempt\'s late result', () => {
    const f = failedAt(flaky, 'publish');
    const old = f.exec('publish', 1).id;
    f.do({ type: 'retry', by: 'user_ann' });
    refused(f.try({ type: 'phase_succeeded', executionId: old }), 'stale_event');
  });

  it.each(RETRYABLE_TYPES.map((t) => [t]))('is allowed for a failed %s phase', (type) => {
    const f = failedAt([{ id: 'a', type: 'notify' }, { id: 'x', type }], 'x');
    const d = f.do({ type: 'retry', by: 'u' });
    expect(d.state.phases.at(-1)).toMatchObject({ phaseId: 'x', type, attempt: 2, status: 'running' });
  });

  it('is allowed for a wait that failed while waiting', () => {
    const f = new Flow([{ id: 'w', type: 'wait' }]);
    f.start();
    f.wait('wait', T0 + MINUTE);
    f.fail('deleted', 'the time field is missing');
    const d = f.do({ type: 'retry', by: 'u' });
    expect(d.state).toMatchObject({ status: 'active', waitingFor: null });
    expect(d.state.phases.at(-1)).toMatchObject({ attempt: 2, status: 'running', waitingFor: null, wakeAt: null });
  });

  it.each(['approval', 'condition'])('is refused for a failed %s phase', (type) => {
    expect(RETRYABLE_TYPES).not.toContain(type);
    const f = new Flow([{ id: 'x', type }, { id: 'y', type: 'notify' }]);
    f.start();
    if (type === 'approval') f.wait('approval', null);
    f.fail('internal', 'boom');
    refused(f.try({ type: 'retry', by: 'u' }), 'conflict');
  });

  it.each(ALL_STATUSES.filter((s) => s !== 'failed'))('is refused on a %s run', (status) => {
    refused(flowIn(status).try({ type: 'retry', by: 'u' }), 'conflict');
  });
});

describe('purity', () => {
  it('never mutates its input: a whole journey on deep-frozen states, checked against clones', () => {
    // checkedDecide deep-freezes every state it is given (so a write would throw in this
    // strict-mode module) and compares it with a structuredClone afterwards.
    const f = new Flow(pipeline);
    const states: RunState[] = [f.state];
    const snapshots: RunState[] = [structuredClone(f.state)];
    const record = () => {
      states.push(f.state);
      snapshots.push(structuredClone(f.state));
    };
    f.start(), record();
    f.wait('wait', T0 + MINUTE), record();
    f.fire(), record();
    f.wait('approval', null), record();
    f.decideGate('approve', { targetVersion: 2, output: { decision: 'approve' } }), record();
    f.fail('external_error', 'x'), record();
    f.do({ type: 'retry', by: 'u' }), record();
    f.do({ type: 'skip', phaseId: 'publish', by: 'u', reason: 'r' }), record();
    f.do({ type: 'cancel', by: 'u' }), record();
    states.forEach((s, i) => expect(s).toStrictEqual(snapshots[i]));
    expect(states.every((s) => Object.isFrozen(s) || s === f.state)).toBe(true);
  });

  it('returns the same decision for the same inputs', () => {
    const f = flowIn('waiting');
    const event: RunEvent = { type: 'timer_fired', executionId: f.open().id };
    const a = checkedDecide(pipeline, f.state, event, { now: 7, newId: () => 'n' });
    const b = checkedDecide(pipeline, f.state, event, { now: 7, newId: () => 'n' });
    expect(a).toEqual(b);
  });

  it('does not alias the previous state: changing an output object later changes nothing', () => {
    const f = flowIn('active');
    const before = f.state;
    f.succeed({ output: { n: 1 } });
    expect(before.phases[0]!.status).toBe('running');
    expect(before.status).toBe('active');
  });
});

// ---------------------------------------------------------------------------------------
// Property: random events on random workflows.

const TYPES = ['wait', 'mutate', 'notify', 'comment', 'condition', 'approval', 'http'] as const;

/** Forward-only phase lists, as validation guarantees: `next` and `goto` point later (or end). */
const phaseListArb = fc
  .array(
    fc.record({
      type: fc.constantFrom(...TYPES),
      next: fc.option(fc.nat(), { nil: undefined }),
      deny: fc.option(fc.nat(), { nil: undefined }),
    }),
    { maxLength: 6 },
  )
  .map((raw) => {
    const ids = raw.map((_, i) => `p${i}`);
    return raw.map((r, i): PhaseSpec => {
      const later = ids.slice(i + 1);
      const spec: PhaseSpec = { id: ids[i]!, type: r.type };
      if (r.next !== undefined) spec.next = [...later, 'end'][r.next % (later.length + 1)]!;
      if (r.type === 'approval' && r.deny !== undefined) {
        const k = r.deny % (later.length + 1);
        spec.onDeny = k === later.length ? 'end' : { goto: later[k]! };
      }
      return spec;
    });
  });

type Ref = { kind: 'open' } | { kind: 'nth'; n: number } | { kind: 'unknown' };
const refArb: fc.Arbitrary<Ref> = fc.oneof(
  { weight: 8, arbitrary: fc.constant({ kind: 'open' } as const) },
  { weight: 2, arbitrary: fc.nat().map((n) => ({ kind: 'nth', n }) as const) },
  { weight: 1, arbitrary: fc.constant({ kind: 'unknown' } as const) },
);

type Step =
  | { t: 'start' }
  | { t: 'succeeded'; ref: Ref; branch?: number; targetVersion?: number; output?: unknown }
  | { t: 'failed'; ref: Ref; code: string }
  | { t: 'waiting'; ref: Ref; waitingFor: 'wait' | 'approval'; wakeIn: number | null }
  | { t: 'timer'; ref: Ref }
  | { t: 'gate'; ref: Ref; decision: 'approve' | 'deny'; targetVersion?: number }
  | { t: 'cancel'; reason?: string }
  | { t: 'skip'; phase?: number }
  | { t: 'retry' }
  | { t: 'tick'; ms: number };

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  { weight: 2, arbitrary: fc.constant({ t: 'start' } as const) },
  {
    weight: 8,
    arbitrary: fc.record(
      {
        t: fc.constant('succeeded' as const),
        ref: refArb,
        branch: fc.option(fc.nat(), { nil: undefined, freq: 3 }),
        targetVersion: fc.option(fc.nat(50), { nil: undefined }),
        output: fc.option(fc.jsonValue({ maxDepth: 2 }), { nil: undefined }),
      },
      { requiredKeys: ['t', 'ref'] },
    ),
  },
  { weight: 3, arbitrary: fc.record({ t: fc.constant('failed' as const), ref: refArb, code: fc.constantFrom('stale', 'timeout', 'internal', 'external_error') }) },
  {
    weight: 4,
    arbitrary: fc.record({
      t: fc.constant('waiting' as const),
      ref: refArb,
      waitingFor: fc.constantFrom('wait' as const, 'approval' as const),
      wakeIn: fc.option(fc.nat(10 * MINUTE), { nil: null }),
    }),
  },
  { weight: 3, arbitrary: fc.record({ t: fc.constant('timer' as const), ref: refArb }) },
  {
    weight: 3,
    arbitrary: fc.record(
      { t: fc.constant('gate' as const), ref: refArb, decision: fc.constantFrom('approve' as const, 'deny' as const), targetVersion: fc.option(fc.nat(50), { nil: undefined }) },
      { requiredKeys: ['t', 'ref', 'decision'] },
    ),
  },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('cancel' as const), reason: fc.option(fc.string({ maxLength: 8 }), { nil: undefined }) }, { requiredKeys: ['t'] }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('skip' as const), phase: fc.option(fc.nat(), { nil: undefined }) }, { requiredKeys: ['t'] }) },
  { weight: 2, arbitrary: fc.constant({ t: 'retry' } as const) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('tick' as const), ms: fc.nat(60 * MINUTE) }) },
);

function resolveRef(state: RunState, ref: Ref): string {
  if (ref.kind === 'unknown') return 'not-an-execution';
  if (ref.kind === 'open') return openExecution(state)?.id ?? state.phases.at(-1)?.id ?? 'not-an-execution';
  return state.phases.length ? state.phases[ref.n % state.phases.length]!.id : 'not-an-execution';
}

/** Turns a step into an event against the current state; `null` for a clock tick. */
function toEvent(phases: readonly PhaseSpec[], state: RunState, step: Step, now: number): RunEvent | null {
  switch (step.t) {
    case 'start':
      return { type: 'start' };
    case 'succeeded': {
      const ev: Extract<RunEvent, { type: 'phase_succeeded' }> = { type: 'phase_succeeded', executionId: resolveRef(state, step.ref) };
      // Mostly branches that a condition could take (any id, forward or not, or end).
      if (step.branch !== undefined) ev.next = [...phases.map((p) => p.id), 'end'][step.branch % (phases.length + 1)]!;
      if (step.targetVersion !== undefined) ev.targetVersion = step.targetVersion;
      if (step.output !== undefined) ev.output = step.output;
      return ev;
    }
    case 'failed':
      return { type: 'phase_failed', executionId: resolveRef(state, step.ref), code: step.code, message: `failed with ${step.code}` };
    case 'waiting':
      return { type: 'phase_waiting', executionId: resolveRef(state, step.ref), waitingFor: step.waitingFor, wakeAt: step.wakeIn === null ? null : now + step.wakeIn };
    case 'timer':
      return { type: 'timer_fired', executionId: resolveRef(state, step.ref) };
    case 'gate': {
      const ev: Extract<RunEvent, { type: 'gate_decided' }> = { type: 'gate_decided', executionId: resolveRef(state, step.ref), decision: step.decision };
      if (step.targetVersion !== undefined) ev.targetVersion = step.targetVersion;
      return ev;
    }
    case 'cancel':
      return step.reason === undefined ? { type: 'cancel', by: 'user_p' } : { type: 'cancel', by: 'user_p', reason: step.reason };
    case 'skip': {
      const phaseId = step.phase === undefined ? (openExecution(state)?.phaseId ?? 'p0') : (phases[step.phase % Math.max(phases.length, 1)]?.id ?? 'p0');
      return { type: 'skip', phaseId, by: 'user_p', reason: 'property' };
    }
    case 'retry':
      return { type: 'retry', by: 'user_p' };
    case 'tick':
      return null;
  }
}

/** What must hold of every state decide ever returns. */
function expectConsistent(phases: readonly PhaseSpec[], s: RunState): void {
  const open = s.phases.filter((p) => p.status === 'running' || p.status === 'waiting');
  expect(open.length).toBeLessThanOrEqual(1);
  const ids = s.phases.map((p) => p.id);
  expect(new Set(ids).size).toBe(ids.length);
  for (const p of s.phases) {
    expect(phases[p.index]?.id).toBe(p.phaseId);
    expect(phases[p.index]?.type).toBe(p.type);
    expect(p.waitingFor !== null).toBe(p.status === 'waiting');
    if (p.status === 'running' || p.status === 'waiting') expect(p.endedAt).toBeNull();
    else expect(p.endedAt).not.toBeNull();
    if (p.status === 'failed') expect(p.error).not.toBeNull();
    if (p.status === 'skipped') expect(p.skippedBy).not.toBeNull();
  }
  // attempts of one phase number 1, 2, 3… in order
  const seen = new Map<string, number>();
  for (const p of s.phases) {
    expect(p.attempt).toBe((seen.get(p.phaseId) ?? 0) + 1);
    seen.set(p.phaseId, p.attempt);
  }
  switch (s.status) {
    case 'triggered':
      expect(s.phases).toEqual([]);
      expect(s.startedAt).toBeNull();
      break;
    case 'active':
      expect(open.map((p) => p.status)).toEqual(['running']);
      expect(s.currentPhaseId).toBe(open[0]!.phaseId);
      expect(s.waitingFor).toBeNull();
      break;
    case 'waiting':
      expect(open.map((p) => p.status)).toEqual(['waiting']);
      expect(s.currentPhaseId).toBe(open[0]!.phaseId);
      expect(s.waitingFor).toBe(open[0]!.waitingFor);
      break;
    case 'completed':
      expect(open).toEqual([]);
      expect(s.outcome === 'succeeded' || s.outcome === 'denied').toBe(true);
      expect(s.error).toBeNull();
      break;
    case 'failed':
      expect(open).toEqual([]);
      expect(s.outcome).toBeNull();
      expect(s.error).not.toBeNull();
      expect(s.phases.findLast((p) => p.status === 'failed')?.phaseId).toBe(s.error!.phaseId);
      break;
    case 'cancelled':
      expect(open).toEqual([]);
      expect(s.outcome).toBeNull();
      break;
  }
  if (isTerminal(s.status)) expect(s.waitingFor).toBeNull();
  expect(s.endedAt !== null).toBe(isTerminal(s.status));
  // a run cancelled before it started never started
  if (s.status !== 'triggered' && s.status !== 'cancelled') expect(s.startedAt).not.toBeNull();
}

describe('property: random events on random workflows', () => {
  it('never throws, keeps one open execution at most, terminal stays terminal (but retry), phases only grow', () => {
    fc.assert(
      fc.property(phaseListArb, fc.boolean(), fc.array(stepArb, { maxLength: 60, size: 'large' }), (phases, startFirst, rest) => {
        // Most runs get started first, so the sequence explores more than a triggered run.
        const steps: Step[] = startFirst ? [{ t: 'start' }, ...rest] : rest;
        let state = triggeredRun('run_p');
        let now = T0;
        let seq = 0;
        const newId = () => `px${++seq}`;
        for (const step of steps) {
          const event = toEvent(phases, state, step, now);
          if (event === null) {
            now += (step as { ms: number }).ms;
            continue;
          }
          const d = checkedDecide(phases, state, event, { now, newId });
          if (!d.ok) continue;
          const next = d.state;
          // terminal stays terminal, except a retry of a failed run
          if (isTerminal(state.status)) {
            expect(event.type).toBe('retry');
            expect(state.status).toBe('failed');
            expect(next.status).toBe('active');
          }
          if (event.type === 'retry') expect(state.status).toBe('failed');
          // phases only grow; what finished stays as it was
          expect(next.phases.length).toBeGreaterThanOrEqual(state.phases.length);
          expect(next.phases.length - state.phases.length).toBeLessThanOrEqual(1);
          state.phases.forEach((before, i) => {
            const after = next.phases[i]!;
            expect([after.id, after.phaseId, after.attempt, after.index]).toEqual([before.id, before.phaseId, before.attempt, before.index]);
            if (before.status !== 'running' && before.status !== 'waiting') expect(after).toEqual(before);
          });
          // every execute command names the execution now running; timers are for the waiting one
          for (const c of d.commands) {
            if (c.type === 'execute') {
              expect(openExecution(next)).toMatchObject({ id: c.executionId, phaseId: c.phaseId, type: c.phaseType, status: 'running' });
            }
            if (c.type === 'schedule_timer') expect(openExecution(next)).toMatchObject({ id: c.executionId, status: 'waiting', wakeAt: c.dueAt });
            if (c.type === 'abort') expect(state.phases.some((p) => p.id === c.executionId)).toBe(true);
          }
          expectConsistent(phases, next);
          state = next;
        }
      }),
      { numRuns: 400 },
    );
  });

  it('a run whose phases all succeed ends, completed, within as many steps as it has phases', () => {
    fc.assert(
      fc.property(phaseListArb, fc.array(fc.boolean(), { maxLength: 6 }), (phases, waits) => {
        const f = new Flow(phases);
        f.start();
        let steps = 0;
        while (!isTerminal(f.state.status)) {
          expect(steps++).toBeLessThan(phases.length);
          const exec = f.open();
          if (exec.type === 'approval') {
            f.wait('approval', null);
            f.decideGate(waits[steps % Math.max(waits.length, 1)] ? 'deny' : 'approve');
          } else if (exec.type === 'wait' && waits[exec.index]) {
            f.wait('wait', f.now + MINUTE);
            f.fire();
          } else {
            f.succeed();
          }
        }
        expect(f.state.status).toBe('completed');
        expect(f.state.endedAt).toBe(T0);
        expectConsistent(phases, f.state);
      }),
      { numRuns: 300 },
    );
  });
});
