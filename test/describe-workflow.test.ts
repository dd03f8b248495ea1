/**
 * Describing a workflow in plain words (POST /api/spaces/{id}/workflows/describe) against a
 * local server speaking the chat-completions protocol, over real HTTP, on both stores (the
 * route reads the space's people and saves nothing): a valid first answer, an invalid one repaired
 * with its problems, invalid twice (422), no provider (503 saying how to configure one), a
 * provider that fails or cannot be reached (502), who may call it, and its rate limit.
 */
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from './helpers/databases.js';
import { startFakeLlm, type FakeLlm } from './helpers/fake-llm.js';
import { addUser, setupWorld, startTestServer, type TestServer, type World } from './helpers/server.js';
import { listenLocal, type LocalHttp } from './helpers/local-http.js';
import { freePort } from './helpers/smtp.js';
import { until } from './helpers/wait.js';

const DESCRIPTION = 'Two editors approve, then the client by email, auto-deny after 2 days, then publish.';

type Person = { id: string; token: string; email: string };

function clientSignOff(editors: string[]) {
  return {
    name: 'Editors then the client',
    trigger: { type: 'content.status_changed', to: 'Pending' },
    phases: [
      { id: 'editors', type: 'approval', name: 'Two editors', approvers: { members: editors }, required: 'all' },
      { id: 'client', type: 'approval', name: 'Client', approvers: { emails: ['client@example.com'] }, required: 'any', timeout: { after: '2d', action: 'deny' } },
      { id: 'publish', type: 'mutate', name: 'Publish', set: { status: 'Approved' } },
    ],
  };
}

describe.each(DIALECTS)('describe a workflow in words (%s)', (dialect) => {
  let llm: FakeLlm;
  let s: TestServer;
  let w: World;
  let eddie: Person;
  let erin: Person;
  let vera: Person;
  const describeAs = (token: string, body: unknown = { description: DESCRIPTION }, spaceId = w.spaceId) =>
    s.call('POST', `/api/spaces/${spaceId}/workflows/describe`, { token, body });

  beforeAll(async () => {
    llm = await startFakeLlm();
    s = await startTestServer(dialect, { ai: { baseUrl: llm.baseUrl, apiKey: 'sk-test', model: 'gpt-4o-mini' } });
    w = await setupWorld(s);
    eddie = await addUser(s, w.owner.token, { email: 'eddie@acme.example', name: 'Eddie Editor', spaceId: w.spaceId });
    erin = await addUser(s, w.owner.token, { email: 'erin@acme.example', name: 'Erin Editor', spaceId: w.spaceId });
    vera = await addUser(s, w.owner.token, { email: 'vera@acme.example', name: 'Vera Viewer', spaceId: w.spaceId, spaceRole: 'viewer' });
  });
  afterAll(async () => {
    await s?.close();
    await llm?.close();
  });

  it("answers a valid definition from the first answer, having shown the model the schema, the space's people and statuses", async () => {
    llm.script({ content: clientSignOff([eddie.id, erin.id]), usage: { prompt_tokens: 5000, completion_tokens: 300 } });
    const res = await describeAs(eddie.token);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toMatchObject({ definition: clientSignOff([eddie.id, erin.id]), problems: [], repaired: false, model: 'gpt-4o-mini', calls: 1 });
    expect(res.body.usage).toEqual({ promptTokens: 5000, completionTokens: 300, totalTokens: 5300 });
    expect(res.body.costUsd).toBeCloseTo((5000 * 0.15 + 300 * 0.6) / 1e6, 10);

    expect(llm.requests).toHaveLength(1);
    const req = llm.requests[0]!;
    expect(req.headers.authorization).toBe('Bearer sk-test');
    expect(req.body.model).toBe('gpt-4o-mini');
    expect(req.body.response_format).toEqual({ type: 'json_object' });
    const [system, user] = req.body.messages;
    expect(user).toEqual({ role: 'user', content: DESCRIPTION });
    expect(system!.role).toBe('system');
    // The people, by id, name, email and role (the org owner is an editor of the space they created).
    expect(system!.content).toContain(`- ${eddie.id}: Eddie Editor <eddie@acme.example>, editor`);
    expect(system!.content).toContain(`- ${erin.id}: Erin Editor <erin@acme.example>, editor`);
    expect(system!.content).toContain(`- ${vera.id}: Vera Viewer <vera@acme.example>, viewer`);
    expect(system!.content).toContain(`- ${w.owner.id}: Olive Owner <owner@acme.example>, editor`);
    expect(system!.content).toContain('"Ideas", "In Progress", "Pending", "Approved", "Completed"');
    // The JSON Schema derived from the definition language, with its phase types.
    expect(system!.content).toContain('JSON only');
    const schema = JSON.parse(system!.content.split('\n').at(-1)!);
    expect(schema.required).toEqual(['name', 'trigger', 'phases']);
    expect(JSON.stringify(schema.properties.phases)).toContain('"const":"approval"');
    expect(JSON.stringify(schema.properties.phases)).toContain('"const":"share_email"');

    // Nothing was saved.
    const list = await s.call('GET', `/api/spaces/${w.spaceId}/workflows`, { token: w.owner.token });
    expect(list.body.items).toEqual([]);
    // And what was answered saves as is.
    const saved = await s.call('POST', `/api/spaces/${w.spaceId}/workflows`, { token: eddie.token, body: res.body.definition });
    expect(saved.status, JSON.stringify(saved.body)).toBe(201);
  });

  it('repairs an invalid first answer once, sending the problems by path, and answers it canonical', async () => {
    const wrong = clientSignOff(['u_invented', erin.id]);
    wrong.phases[2] = { id: 'publish', type: 'mutate', name: 'Publish', set: { status: 'Approved' }, next: 'editors' } as (typeof wrong.phases)[number];
    const fixed = { ...clientSignOff([eddie.id, erin.id]), phases: [...clientSignOff([eddie.id, erin.id]).phases, { id: 'ping', type: 'http', url: 'https://hooks.example/published', method: 'post' }] };
    llm.script({ content: wrong, usage: { prompt_tokens: 5000, completion_tokens: 300 } }, { content: fixed, usage: { prompt_tokens: 5400, completion_tokens: 320 } });
    const res = await describeAs(eddie.token);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toMatchObject({ problems: [], repaired: true, calls: 2, usage: { promptTokens: 10400, completionTokens: 620, totalTokens: 11020 } });
    // The validator's canonical form: the http method upper case.
    expect(res.body.definition.phases[3]).toEqual({ id: 'ping', type: 'http', url: 'https://hooks.example/published', method: 'POST' });

    expect(llm.requests).toHaveLength(2);
    const second = llm.requests[1]!.body.messages;
    expect(second).toHaveLength(4);
    expect(second[2]).toEqual({ role: 'assistant', content: JSON.stringify(wrong) });
    expect(second[3]!.role).toBe('user');
    const repair = second[3]!.content;
    expect(repair).toMatch(/^Your workflow definition has 2 problems, by path:/);
    expect(repair).toMatch(/- phases\.0\.approvers\.members\.0: .*u_invented/);
    expect(repair).toMatch(/- phases\.2\.next: .*editors/);
    expect(repair).toContain('Answer again with the whole corrected definition');
  });

  it('answers 422 with the problems when the repaired answer is still invalid', async () => {
    const stillWrong = { name: 'Sign-off', trigger: { type: 'manual' }, phases: [{ id: 'ok', type: 'approval', approvers: { members: [vera.id] }, required: 3 }] };
    llm.script({ content: 'Sure! Here is your workflow: two editors, then the client.' }, { content: stillWrong });
    const res = await describeAs(eddie.token);
    expect(res.status, JSON.stringify(res.body)).toBe(422);
    expect(res.body.error).toMatchObject({ code: 'invalid_definition', calls: 2, definition: stillWrong });
    expect(res.body.error.message).toMatch(/after it was asked to correct it/);
    expect(res.body.error.details).toEqual([{ path: 'phases.0.required', message: expect.stringMatching(/3/) }]);
    expect(llm.requests).toHaveLength(2);
    expect(llm.requests[1]!.body.messages[3]!.content).toMatch(/\(the definition\): is not valid JSON/);
    const list = await s.call('GET', `/api/spaces/${w.spaceId}/workflows`, { token: w.owner.token });
    expect(list.body.items).toHaveLength(1);
  });

  it('answers 502 with the provider’s own message when it answers an error, or an answer that is not a completion', async () => {
    llm.script({ status: 503, body: JSON.stringify({ error: { message: 'The engine is currently overloaded' } }) });
    const res = await describeAs(eddie.token);
    expect(res.status, JSON.stringify(res.body)).toBe(502);
    expect(res.body.error).toMatchObject({ code: 'ai_provider_error', details: { kind: 'http' }, calls: 1 });
    expect(res.body.error.message).toMatch(/^The AI provider failed, so the workflow could not be described: The AI provider answered 503.*overloaded/);
    // A 200 that is not a chat completion is a provider failure too, not a server error.
    llm.script({ status: 200, body: '<html>gateway</html>' });
    const malformed = await describeAs(eddie.token);
    expect(malformed.status, JSON.stringify(malformed.body)).toBe(502);
    expect(malformed.body.error).toMatchObject({ code: 'ai_provider_error', details: { kind: 'malformed' } });
    expect(malformed.body.error.message).toMatch(/not JSON: <html>gateway<\/html>/);
  });

  it('lets only editors of the space (and org admins) describe', async () => {
    llm.script();
    const viewer = await describeAs(vera.token);
    expect(viewer.status).toBe(403);
    expect(viewer.body.error.code).toBe('forbidden');
    const other = await s.call('POST', '/api/spaces', { token: w.owner.token, body: { name: 'Newsletter' } });
    const outsider = await describeAs(eddie.token, undefined, other.body.id);
    expect(outsider.status).toBe(403);
    const unknown = await describeAs(eddie.token, undefined, 'no-such-space');
    expect(unknown.status).toBe(404);
    const anonymous = await s.call('POST', `/api/spaces/${w.spaceId}/workflows/describe`, { body: { description: DESCRIPTION } });
    expect(anonymous.status).toBe(401);
    expect(llm.requests).toHaveLength(0);
  });

  it('refuses an empty, blank or over-long description with 400, without calling the model', async () => {
    llm.script();
    for (const description of ['', '   \n ', 'x'.repeat(2001)]) {
      const res = await describeAs(eddie.token, { description });
      expect(res.status, description.slice(0, 10)).toBe(400);
      expect(res.body.error.code).toBe('invalid_input');
      expect(res.body.error.details[0].path).toBe('description');
    }
    expect((await describeAs(eddie.token, {})).status).toBe(400);
    expect((await describeAs(eddie.token, { description: DESCRIPTION, extra: 1 })).status).toBe(400);
    expect(llm.requests).toHaveLength(0);
  });

  it('limits each person to 10 descriptions a minute', async () => {
    const rita = await addUser(s, w.owner.token, { email: 'rita@acme.example', name: 'Rita', spaceId: w.spaceId });
    llm.script(...Array.from({ length: 10 }, () => ({ content: clientSignOff([eddie.id, erin.id]) })));
    for (let i = 0; i < 10; i++) expect((await describeAs(rita.token)).status).toBe(200);
    const refused = await describeAs(rita.token);
    expect(refused.status).toBe(429);
    expect(refused.body.error.code).toBe('rate_limited');
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(llm.requests).toHaveLength(10);
  });

  it('says a provider is configured, and is in the OpenAPI document', async () => {
    const ai = await s.call('GET', '/api/ai', { token: vera.token });
    expect(ai.body).toEqual({ configured: true, model: 'gpt-4o-mini', message: null });
    const doc = await s.call('GET', '/api/openapi.json');
    const op = doc.body.paths['/api/spaces/{spaceId}/workflows/describe'].post;
    expect(Object.keys(op.responses)).toEqual(expect.arrayContaining(['200', '422', '502', '503']));
  });
});

describe('describe a workflow without a usable provider', () => {
  let none: TestServer;
  let down: TestServer;
  let wNone: World;
  let wDown: World;
  let slow: TestServer;
  let wSlow: World;
  let hanging: LocalHttp;
  const hangingCalls: Array<{ closed: boolean }> = [];

  beforeAll(async () => {
    none = await startTestServer('sqlite');
    wNone = await setupWorld(none);
    const port = await freePort();
    down = await startTestServer('sqlite', { ai: { baseUrl: `http://127.0.0.1:${port}/v1`, apiKey: 'sk-test' } });
    wDown = await setupWorld(down);
    // A provider that takes the request and never answers.
    hanging = await listenLocal((req) => {
      const call = { closed: false };
      hangingCalls.push(call);
      req.resume();
      req.socket.on('close', () => (call.closed = true));
    });
    slow = await startTestServer('sqlite', { ai: { baseUrl: `${hanging.url}/v1` } });
    wSlow = await setupWorld(slow);
  });
  afterAll(async () => {
    await none?.close();
    await down?.close();
    await slow?.close();
    await hanging?.close();
  });

  it('answers 503 saying which settings configure a provider', async () => {
    const res = await none.call('POST', `/api/spaces/${wNone.spaceId}/workflows/describe`, { token: wNone.owner.token, body: { description: DESCRIPTION } });
    expect(res.status).toBe(503);
    expect(res.body.error.code).toBe('ai_not_configured');
    expect(res.body.error.message).toMatch(/FLOWGATE_AI_BASE_URL/);
    expect(res.body.error.message).toMatch(/FLOWGATE_AI_API_KEY/);
    const ai = await none.call('GET', '/api/ai', { token: wNone.owner.token });
    expect(ai.body).toEqual({ configured: false, model: null, message: res.body.error.message });
    expect((await none.call('GET', '/api/ai')).status).toBe(401);
  });

  it('answers 502 when the provider cannot be reached', async () => {
    const res = await down.call('POST', `/api/spaces/${wDown.spaceId}/workflows/describe`, { token: wDown.owner.token, body: { description: DESCRIPTION } });
    expect(res.status, JSON.stringify(res.body)).toBe(502);
    expect(res.body.error).toMatchObject({ code: 'ai_provider_error', details: { kind: 'unreachable' }, calls: 1 });
    expect(res.body.error.message).toMatch(/Could not reach the AI provider at http:\/\/127\.0\.0\.1:\d+\/v1: .*ECONNREFUSED/);
  });

  it('stops the call to the provider when the person gives up waiting', async () => {
    // A plain connection of its own, closed by the client mid-request.
    const req = http.request(`${slow.url}/api/spaces/${wSlow.spaceId}/workflows/describe`, {
      method: 'POST',
      agent: false,
      headers: { authorization: `Bearer ${wSlow.owner.token}`, 'content-type': 'application/json' },
    });
    const gone = new Promise<void>((resolve) => req.on('error', () => resolve()).on('close', () => resolve()));
    req.end(JSON.stringify({ description: DESCRIPTION }));
    await until('the provider to be called', async () => hangingCalls.length === 1);
    expect(hangingCalls[0]!.closed).toBe(false);
    req.destroy();
    await gone;
    await until('the call to the provider to be closed', async () => hangingCalls[0]!.closed, 5000);
  });
});
