import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from './helpers/databases.js';
import { addUser, setupWorld, startTestServer, type TestServer, type World } from './helpers/server.js';

describe.each(DIALECTS)('identity and tenancy (%s)', (dialect) => {
  let s: TestServer;
  let w: World;
  beforeAll(async () => {
    s = await startTestServer(dialect);
    w = await setupWorld(s);
  });
  afterAll(async () => s?.close());

  it('answers health', async () => {
    expect(await s.call('GET', '/api/health')).toMatchObject({ status: 200, body: { ok: true } });
  });

  it('refuses a second setup with 409', async () => {
    const res = await s.call('POST', '/api/setup', { body: { orgName: 'X', email: 'x@x.example', name: 'X', password: 'correct horse' } });
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('already_set_up');
  });

  it('validates setup input with paths', async () => {
    const res = await s.call('POST', '/api/setup', { body: { orgName: '', email: 'nope', name: 'X', password: '' } });
    expect(res.status).toBe(400);
    expect(res.body.error.details.map((d: { path: string }) => d.path).sort()).toEqual(['email', 'orgName', 'password']);
  });

  it('logs in and out; a revoked token is refused', async () => {
    const login = await s.call('POST', '/api/auth/login', { body: { email: w.owner.email, password: 'correct horse' } });
    expect(login.status).toBe(200);
    expect(login.body.user.email).toBe(w.owner.email);
    const me = await s.call('GET', '/api/me', { token: login.body.token });
    expect(me.status).toBe(200);
    expect(me.body.orgs).toEqual([expect.objectContaining({ id: w.orgId, role: 'owner' })]);
    expect(me.body.spaces).toEqual([expect.objectContaining({ id: w.spaceId, name: 'Social' })]);
    expect((await s.call('POST', '/api/auth/logout', { token: login.body.token })).status).toBe(200);
    expect((await s.call('GET', '/api/me', { token: login.body.token })).status).toBe(401);
  });

  it('refuses a wrong password and a missing token with 401', async () => {
    expect((await s.call('POST', '/api/auth/login', { body: { email: w.owner.email, password: 'wrong password' } })).status).toBe(401);
    const res = await s.call('GET', '/api/me');
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('unauthenticated');
  });

  it('lets only org admins add users, spaces and change the org', async () => {
    const m = await addUser(s, w.owner.token, { email: 'member@acme.example' });
    expect((await s.call('POST', '/api/users', { token: m.token, body: { email: 'z@acme.example', name: 'Z', password: 'correct horse', role: 'member' } })).status).toBe(403);
    expect((await s.call('POST', '/api/spaces', { token: m.token, body: { name: 'Nope' } })).status).toBe(403);
    expect((await s.call('PATCH', '/api/org', { token: m.token, body: { maxActiveRuns: 5 } })).status).toBe(403);
    const patched = await s.call('PATCH', '/api/org', { token: w.owner.token, body: { maxActiveRuns: 7 } });
    expect(patched).toMatchObject({ status: 200, body: { maxActiveRuns: 7 } });
    expect((await s.call('POST', '/api/users', { token: w.owner.token, body: { email: 'member@acme.example', name: 'Again', password: 'correct horse', role: 'member' } })).status).toBe(409);
  });

  it('keeps orgs apart: another org answers 404, only the instance admin creates orgs', async () => {
    const other = await s.call('POST', '/api/orgs', { token: w.owner.token, body: { name: 'Globex', owner: { email: 'boss@globex.example', name: 'Boss', password: 'correct horse' } } });
    expect(other.status).toBe(201);
    const login = await s.call('POST', '/api/auth/login', { body: { email: 'boss@globex.example', password: 'correct horse' } });
    const t2 = login.body.token;
    expect((await s.call('GET', `/api/spaces/${w.spaceId}`, { token: t2 })).status).toBe(404);
    expect((await s.call('PUT', `/api/spaces/${w.spaceId}/members/${w.owner.id}`, { token: t2, body: { role: 'viewer' } })).status).toBe(404);
    expect((await s.call('POST', '/api/orgs', { token: t2, body: { name: 'Initech', owner: { email: 'x@initech.example', name: 'X', password: 'correct horse' } } })).status).toBe(403);
  });

  it('asks a user of several orgs to choose one at login', async () => {
    const res = await s.call('POST', '/api/orgs', { token: w.owner.token, body: { name: 'Second', owner: { email: w.owner.email, name: 'Olive', password: 'whatever123' } } });
    expect(res.status).toBe(201);
    const ambiguous = await s.call('POST', '/api/auth/login', { body: { email: w.owner.email, password: 'correct horse' } });
    expect(ambiguous.status).toBe(409);
    const chosen = await s.call('POST', '/api/auth/login', { body: { email: w.owner.email, password: 'correct horse', orgId: res.body.org.id } });
    expect(chosen.status).toBe(200);
    const me = await s.call('GET', '/api/me', { token: chosen.body.token });
    expect(me.body.orgId).toBe(res.body.org.id);
  });

  it('space roles: viewers read, editors manage members, non-members are refused', async () => {
    const viewer = await addUser(s, w.owner.token, { email: 'viewer@acme.example', spaceId: w.spaceId, spaceRole: 'viewer' });
    const outsider = await addUser(s, w.owner.token, { email: 'outsider@acme.example' });
    expect((await s.call('GET', `/api/spaces/${w.spaceId}`, { token: viewer.token })).status).toBe(200);
    expect((await s.call('PUT', `/api/spaces/${w.spaceId}/members/${outsider.id}`, { token: viewer.token, body: { role: 'viewer' } })).status).toBe(403);
    expect((await s.call('GET', `/api/spaces/${w.spaceId}`, { token: outsider.token })).status).toBe(403);
    expect((await s.call('PUT', `/api/spaces/${w.spaceId}/members/nope`, { token: w.owner.token, body: { role: 'viewer' } })).status).toBe(404);
    expect((await s.call('PUT', `/api/spaces/${w.spaceId}/members/${outsider.id}`, { token: w.owner.token, body: { role: 'admin' } })).status).toBe(400);
  });

  it('answers 413 for a body over 1 MiB and 400 for broken JSON', async () => {
    const big = await s.call('POST', '/api/auth/login', { raw: JSON.stringify({ email: 'a'.repeat(1_100_000), password: 'x' }), headers: { 'content-type': 'application/json' } });
    expect(big.status).toBe(413);
    expect(big.body.error.code).toBe('payload_too_large');
    const broken = await s.call('POST', '/api/auth/login', { raw: '{"email":', headers: { 'content-type': 'application/json' } });
    expect(broken.status).toBe(400);
    expect(broken.body.error.code).toBe('invalid_input');
  });

  it('publishes the OpenAPI document', async () => {
    const res = await s.call('GET', '/api/openapi.json');
    expect(res.status).toBe(200);
    expect(res.body.openapi).toBe('3.1.0');
    expect(res.body.paths['/api/setup'].post.requestBody).toBeDefined();
  });
});
