import request from 'supertest';
import { createApp } from '../../../src/app';
import { createLogger } from '../../../src/logger';
import { createTestDatabase, type TestDatabase } from '../../helpers/database';

let t: TestDatabase;
const logger = createLogger({ log: { level: 'silent' } });
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => t.drop());

describe('GET /healthz', () => {
  test('when the database answers, then it reports ok with the version and uptime', async () => {
    const app = createApp({ config: t.config, db: t.db, logger, startedAt: new Date(Date.now() - 5000) });
    const res = await request(app).get('/healthz').expect(200).expect('Content-Type', /json/);
    expect(res.body).toEqual({ status: 'ok', version: expect.stringMatching(/^\d+\.\d+\.\d+/), database: { reachable: true }, uptimeSeconds: 5 });
  });

  test('when the database is gone, then it answers 503 and says so', async () => {
    const other = await createTestDatabase({ migrate: false });
    const app = createApp({ config: other.config, db: other.db, logger });
    await other.drop();
    const res = await request(app).get('/healthz').expect(503);
    expect(res.body).toMatchObject({ status: 'degraded', database: { reachable: false } });
  });
});

describe('errors', () => {
  test('when a browser asks for a missing page, then it gets an HTML 404 that escapes what it echoes', async () => {
    const app = createApp({ config: t.config, db: t.db, logger });
    const res = await request(app).get('/no/<script>alert(1)</script>').set('Accept', 'text/html').expect(404);
    expect(res.headers['content-type']).toMatch(/html/);
    expect(res.text).toContain('not_found');
    expect(res.text).not.toContain('<script>alert(1)</script>');
    expect(res.text).toContain('&lt;script&gt;');
  });

  test('when an API client asks for a missing resource, then it gets a JSON error with a stable code', async () => {
    const app = createApp({ config: t.config, db: t.db, logger });
    const res = await request(app).get('/api/v1/nothing').set('Accept', 'text/html').expect(404);
    expect(res.body).toEqual({ error: { status: 404, code: 'not_found', message: 'nothing here: GET /api/v1/nothing' } });
  });

  test('when a page is served, then it carries a strict Content-Security-Policy', async () => {
    const app = createApp({ config: t.config, db: t.db, logger });
    const res = await request(app).get('/').set('Accept', 'text/html').expect(200);
    const csp = res.headers['content-security-policy'];
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(res.text).toContain('<link rel="stylesheet" href="/assets/patchscope.css">');
    await request(app).get('/assets/patchscope.css').expect(200).expect('Content-Type', /css/);
  });
});
