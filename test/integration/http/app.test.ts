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

describe('without a client certificate', () => {
  test('when a page is asked for, then the 401 page carries a strict Content-Security-Policy and the stylesheet is public', async () => {
    const app = createApp({ config: t.config, db: t.db, logger });
    const res = await request(app).get('/').set('Accept', 'text/html').expect(401);
    const csp = res.headers['content-security-policy'];
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(res.text).toContain('<link rel="stylesheet" href="/assets/patchscope.css">');
    await request(app).get('/assets/patchscope.css').expect(200).expect('Content-Type', /css/);
  });

  test('when an API path is asked for, then the answer is a JSON 401 saying what certificate is expected', async () => {
    const app = createApp({ config: t.config, db: t.db, logger });
    const res = await request(app).get('/api/v1/hosts').set('Accept', 'text/html').expect(401);
    expect(res.body).toEqual({ error: { status: 401, code: 'unauthenticated', message: 'Refused: no client certificate was presented.', details: { reason: 'no_certificate' } } });
  });
});

describe('the access log', () => {
  test('when the log level is info, then a report posted as the client sends it (the direct route) is logged like any request', async () => {
    const lines: string[] = [];
    const info = createLogger({ log: { level: 'info' } }, { write: (line: string) => lines.push(line) });
    const app = createApp({ config: t.config, db: t.db, logger: info });
    await request(app).post('/api/v1/reports').send('#\n').expect(401);
    await request(app).post('/api/v1/reports?spelt=otherwise').send('#\n').expect(401);
    const logged = lines.map((line) => JSON.parse(line)).filter((entry) => entry.req?.method === 'POST');
    expect(logged.map((entry) => [entry.req.url, entry.res.statusCode])).toEqual([['/api/v1/reports', 401], ['/api/v1/reports?spelt=otherwise', 401]]);
  });
});
