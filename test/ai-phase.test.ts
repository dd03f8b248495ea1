/**
 * The `ai` phase against a fake OpenAI-compatible server over real HTTP, on both dialects:
 * a valid answer used by a later phase, one repair round, invalid twice, token and cost
 * budgets (spent after a call, or too small to make one), provider errors, and no provider.
 * docs/REQUIREMENTS.md sections 3 and 8.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from './helpers/databases.js';
import { startFakeLlm, type FakeLlm } from './helpers/fake-llm.js';
import { setupWorld, startTestServer, type TestServer, type World } from './helpers/server.js';
import { freePort, until } from './helpers/smtp.js';

const FINISHED = ['completed', 'failed', 'cancelled'];

const CAPTION_SCHEMA = {
  type: 'object',
  properties: { caption: { type: 'string', maxLength: 200 } },
  required: ['caption'],
  additionalProperties: false,
};

function draftPhase(extra: Record<string, unknown> = {}) {
  return { id: 'draft', type: 'ai', prompt: "Write a caption for a social post titled '{{target.title}}'.", output: CAPTION_SCHEMA, ...extra };
}

/** A world on one server, with helpers to run a one-off workflow on a fresh content item. */
function harness(get: () => { s: TestServer; w: World }) {
  return async function runOn(phases: unknown[], title = 'Spring launch'): Promise<{ run: any; itemId: string }> {
    const { s, w } = get();
    const wf = await s.call('POST', `/api/spaces/${w.spaceId}/workflows`, { token: w.owner.token, body: { name: 'Caption', trigger: { type: 'manual' }, phases } });
    if (wf.status !== 201) throw new Error(`workflow: ${wf.status} ${JSON.stringify(wf.body)}`);
    const item = await s.call('POST', `/api/spaces/${w.spaceId}/content`, { token: w.owner.token, body: { title } });
    const started = await s.call('POST', `/api/workflows/${wf.body.id}/runs`, { token: w.owner.token, body: { target: { type: 'content', id: item.body.id } } });
    if (started.status !== 201) throw new Error(`start: ${started.status} ${JSON.stringify(started.body)}`);
    const run = await until(`run ${started.body.id} to finish`, async () => {
      const r = await s.call('GET', `/api/runs/${started.body.id}`, { token: w.owner.token });
      return FINISHED.includes(r.body.status) && r.body;
    });
    return { run, itemId: item.body.id };
  };
}

describe.each(DIALECTS)('ai phase (%s)', (dialect) => {
  let llm: FakeLlm;
  let s: TestServer;
  let w: World;
  const runOn = harness(() => ({ s, w }));

  beforeAll(async () => {
    llm = await startFakeLlm();
    s = await startTestServer(dialect, { ai: { baseUrl: llm.baseUrl, apiKey: 'test', model: 'gpt-4o-mini' } });
    w = await setupWorld(s);
  });
  afterAll(async () => {
    await s?.close();
    await llm?.close();
  });

  it('asks for JSON matching the schema and hands the answer to later phases', async () => {
    llm.script({ content: { caption: 'Spring is here 🌷' }, usage: { prompt_tokens: 120, completion_tokens: 12 } });
    const { run, itemId } = await runOn([draftPhase({ budget: { maxTokens: 2000 } }), { id: 'save', type: 'mutate', set: { caption: '{{phases.draft.output.caption}}' } }]);
    expect(run).toMatchObject({ status: 'completed', outcome: 'succeeded' });

    expect(llm.requests).toHaveLength(1);
    const req = llm.requests[0]!;
    expect(req.headers.authorization).toBe('Bearer test');
    expect(req.body.model).toBe('gpt-4o-mini');
    expect(req.body.response_format).toEqual({ type: 'json_object' });
    expect(req.body.max_tokens).toBeGreaterThan(0);
    expect(req.body.max_tokens).toBeLessThanOrEqual(2000);
    expect(req.body.messages[0]!.role).toBe('system');
    expect(req.body.messages[0]!.content).toMatch(/JSON only/);
    expect(req.body.messages[0]!.content).toContain('"maxLength": 200');
    expect(req.body.messages[1]).toEqual({ role: 'user', content: "Write a caption for a social post titled 'Spring launch'." });

    const draft = run.phases.find((p: any) => p.phaseId === 'draft');
    expect(draft.output).toEqual({ caption: 'Spring is here 🌷' });
    expect(draft.input).toMatchObject({
      prompt: "Write a caption for a social post titled 'Spring launch'.",
      model: 'gpt-4o-mini',
      usage: { promptTokens: 120, completionTokens: 12, totalTokens: 132 },
      calls: 1,
    });
    // gpt-4o-mini: $0.15 per 1M prompt tokens, $0.60 per 1M completion tokens.
    expect(draft.input.costUsd).toBeCloseTo((120 * 0.15 + 12 * 0.6) / 1e6, 10);

    const item = await s.call('GET', `/api/content/${itemId}`, { token: w.owner.token });
    expect(item.body.caption).toBe('Spring is here 🌷');
  });

  it('asks once to repair an invalid answer, showing what was wrong', async () => {
    llm.script({ content: { title: 'oops' } }, { content: { caption: 'Fixed caption' } });
    const { run } = await runOn([draftPhase()]);
    expect(run.status).toBe('completed');
    expect(llm.requests).toHaveLength(2);
    const second = llm.requests[1]!.body.messages;
    expect(second).toHaveLength(4);
    expect(second[2]).toEqual({ role: 'assistant', content: '{"title":"oops"}' });
    expect(second[3]!.role).toBe('user');
    expect(second[3]!.content).toContain("must have required property 'caption'");
    expect(second[3]!.content).toContain('must NOT have additional properties');
    const draft = run.phases.find((p: any) => p.phaseId === 'draft');
    expect(draft.output).toEqual({ caption: 'Fixed caption' });
    expect(draft.input).toMatchObject({ calls: 2, usage: { totalTokens: 120 } });
  });

  it('fails invalid_output when the repaired answer is still invalid', async () => {
    llm.script({ content: 'Sure! Here is a caption: spring' }, { content: { caption: 42 } });
    const { run } = await runOn([draftPhase()]);
    expect(run.status).toBe('failed');
    expect(run.error).toMatchObject({ phaseId: 'draft', code: 'invalid_output' });
    expect(run.error.message).toContain('answer/caption must be string');
    expect(llm.requests).toHaveLength(2);
    expect(llm.requests[1]!.body.messages[3]!.content).toContain('not valid JSON');
  });

  it('fails budget_exceeded when the reported usage passes maxTokens', async () => {
    llm.script({ content: { caption: 'Long thoughts' }, usage: { prompt_tokens: 400, completion_tokens: 300 } });
    const { run } = await runOn([draftPhase({ budget: { maxTokens: 500 } })]);
    expect(run.error).toMatchObject({ phaseId: 'draft', code: 'budget_exceeded' });
    expect(run.error.message).toContain('700');
    expect(llm.requests).toHaveLength(1);
    expect(llm.requests[0]!.body.max_tokens).toBeLessThan(500);
    const draft = run.phases.find((p: any) => p.phaseId === 'draft');
    expect(draft.input.usage).toEqual({ promptTokens: 400, completionTokens: 300, totalTokens: 700 });
  });

  it('counts the repair call against the same budget', async () => {
    llm.script({ content: { nope: true }, usage: { prompt_tokens: 300, completion_tokens: 100 } });
    const { run } = await runOn([draftPhase({ budget: { maxTokens: 500 } })]);
    expect(run.error).toMatchObject({ phaseId: 'draft', code: 'budget_exceeded' });
    // 400 spent, and the repair prompt alone needs more than the 100 left: no second call.
    expect(llm.requests).toHaveLength(1);
  });

  it('does not call the model when the budget cannot cover the prompt', async () => {
    llm.script({ content: { caption: 'never sent' } });
    const { run } = await runOn([draftPhase({ budget: { maxTokens: 10 } })]);
    expect(run.error).toMatchObject({ phaseId: 'draft', code: 'budget_exceeded' });
    expect(run.error.message).toMatch(/not called/);
    expect(llm.requests).toHaveLength(0);

    const cost = await runOn([draftPhase({ model: 'gpt-4o', budget: { maxCostUsd: 0.000001 } })]);
    expect(cost.run.error).toMatchObject({ phaseId: 'draft', code: 'budget_exceeded' });
    expect(cost.run.error.message).toMatch(/maxCostUsd/);
    expect(llm.requests).toHaveLength(0);
  });

  it('fails external_error when the provider answers with an error', async () => {
    llm.script({ status: 503, body: JSON.stringify({ error: { message: 'The engine is currently overloaded' } }) });
    const { run } = await runOn([draftPhase()]);
    expect(run.error).toMatchObject({ phaseId: 'draft', code: 'external_error' });
    expect(run.error.message).toContain('503');
    expect(run.error.message).toContain('overloaded');
    expect(llm.requests).toHaveLength(1);
  });
});

describe.each(DIALECTS)('ai phase without a reachable provider (%s)', (dialect) => {
  let down: TestServer;
  let none: TestServer;
  let wDown: World;
  let wNone: World;
  const runDown = harness(() => ({ s: down, w: wDown }));
  const runNone = harness(() => ({ s: none, w: wNone }));

  beforeAll(async () => {
    const port = await freePort();
    down = await startTestServer(dialect, { ai: { baseUrl: `http://127.0.0.1:${port}/v1`, apiKey: 'test' } });
    wDown = await setupWorld(down);
    none = await startTestServer(dialect);
    wNone = await setupWorld(none);
  });
  afterAll(async () => {
    await down?.close();
    await none?.close();
  });

  it('fails external_error when the provider is unreachable', async () => {
    const { run } = await runDown([draftPhase()]);
    expect(run.error).toMatchObject({ phaseId: 'draft', code: 'external_error' });
    expect(run.error.message).toMatch(/Could not reach the AI provider/);
    expect(run.error.message).toMatch(/ECONNREFUSED/);
  });

  it('fails external_error with a clear message when no provider is configured', async () => {
    const { run } = await runNone([draftPhase()]);
    expect(run.error).toMatchObject({ phaseId: 'draft', code: 'external_error' });
    expect(run.error.message).toMatch(/^No AI provider is configured: set FLOWGATE_AI_BASE_URL/);
    expect(run.phases[0].input).toMatchObject({ prompt: "Write a caption for a social post titled 'Spring launch'.", model: 'gpt-4o-mini' });
  });
});
