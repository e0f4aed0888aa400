/**
 * Accepted principals are remembered by certificate fingerprint for
 * tls.principalCacheMs (src/auth/authenticate.ts); refusals are not. Over
 * real HTTPS with user certificates, whose CN names a person, so that a user
 * who is gone cannot pass as a host.
 */
import { deleteUser, insertUser } from '../../src/repositories/users';
import { httpsRequest, type Identity } from '../helpers/https';
import { startTestServer, type TestServer } from '../helpers/test-server';

jest.setTimeout(60_000);

const dnOf = (commonName: string) => `CN=${commonName},OU=Users,O=Patchscope`;
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const whoami = (s: TestServer, identity: Identity) => httpsRequest({ port: s.server.port, path: '/api/v1/whoami', caFile: s.caFile, identity });
const errorOf = (res: { json(): unknown }) => (res.json() as { error: { code: string; message: string; details?: { reason?: string } } }).error;

async function expectAccepted(s: TestServer, identity: Identity, commonName: string, role = 'viewer') {
  const res = await whoami(s, identity);
  expect(res.status).toBe(200);
  expect(res.json()).toMatchObject({ principal: { kind: 'user', dn: dnOf(commonName), role } });
}

async function expectRefused(s: TestServer, identity: Identity, commonName: string) {
  const res = await whoami(s, identity);
  expect(res.status).toBe(401);
  expect(errorOf(res)).toMatchObject({ code: 'unauthenticated', details: { reason: 'unknown_subject' } });
  expect(errorOf(res).message).toContain(dnOf(commonName));
}

describe('with tls.principalCacheMs 60000', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer({ tls: { principalCacheMs: 60_000 } });
  });
  afterAll(async () => s?.stop());

  test('when a user is deleted after being accepted, then their next request is still accepted, as the user they were', async () => {
    const carol = s.identity('user', 'Carol Cached');
    const id = await insertUser(s.t.db, { dn: dnOf('Carol Cached'), role: 'admin' });
    await expectAccepted(s, carol, 'Carol Cached', 'admin');

    await deleteUser(s.t.db, id);
    expect(await s.t.db('users').where({ id }).first()).toBeUndefined();
    await expectAccepted(s, carol, 'Carol Cached', 'admin');
    // Remembered, not looked up: the admin API still lets the deleted admin in.
    expect((await httpsRequest({ port: s.server.port, path: '/api/v1/users', caFile: s.caFile, identity: carol })).status).toBe(200);
  });

  test('when an unregistered user is refused and then registered, then the next request is accepted at once (refusals are not remembered)', async () => {
    const dave = s.identity('user', 'Dave Latecomer');
    await expectRefused(s, dave, 'Dave Latecomer');
    await expectRefused(s, dave, 'Dave Latecomer');

    await insertUser(s.t.db, { dn: dnOf('Dave Latecomer'), role: 'viewer' });
    await expectAccepted(s, dave, 'Dave Latecomer');
  });
});

describe('with tls.principalCacheMs 0', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer({ tls: { principalCacheMs: 0 } });
  });
  afterAll(async () => s?.stop());

  test('when a user is deleted after being accepted, then their next request is refused with unknown_subject', async () => {
    const erin = s.identity('user', 'Erin Uncached');
    const id = await insertUser(s.t.db, { dn: dnOf('Erin Uncached'), role: 'viewer' });
    await expectAccepted(s, erin, 'Erin Uncached');
    await expectAccepted(s, erin, 'Erin Uncached');

    await deleteUser(s.t.db, id);
    await expectRefused(s, erin, 'Erin Uncached');
  });
});

describe('with tls.principalCacheMs 500', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer({ tls: { principalCacheMs: 500 } });
  });
  afterAll(async () => s?.stop());

  test('when a deleted user comes back after the cache time, then they are looked up again and refused', async () => {
    const frank = s.identity('user', 'Frank Expiring');
    const id = await insertUser(s.t.db, { dn: dnOf('Frank Expiring'), role: 'viewer' });
    const accepted = Date.now();
    await expectAccepted(s, frank, 'Frank Expiring');
    await deleteUser(s.t.db, id);
    if (Date.now() - accepted < 400) await expectAccepted(s, frank, 'Frank Expiring'); // still within the time (on a slow machine, skipped)

    await pause(Math.max(0, accepted + 700 - Date.now()));
    await expectRefused(s, frank, 'Frank Expiring');
  });
});
