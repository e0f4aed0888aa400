import express, { type RequestHandler } from 'express';
import request from 'supertest';
import { directRoute, withDirectRoutes } from '../../../src/http/direct-route';
import { ValidationError } from '../../../src/errors';
import { createLogger } from '../../../src/logger';

const logger = createLogger({ log: { level: 'silent' } });

/** An app whose express route and direct route for POST /x answer who served them, after `chain`. */
function appWith(chain: RequestHandler[], answer: () => Promise<unknown> = async () => ({ by: 'direct' })) {
  const app = express();
  app.post('/x', ...chain, (_req, res) => {
    res.json({ by: 'express' });
  });
  return withDirectRoutes(app, [directRoute('POST', '/x', chain, answer, logger)]);
}

const stamp: RequestHandler = (_req, res, next) => {
  res.setHeader('X-Stamp', 'yes');
  next();
};

describe('a direct route', () => {
  test('when the request is the method and path exactly, then the direct route answers it as JSON, after its middleware', async () => {
    const res = await request(appWith([stamp])).post('/x');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ by: 'direct' });
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(res.headers['x-stamp']).toBe('yes');
  });

  test('when the method differs or the path has a query, then express answers', async () => {
    const app = appWith([stamp]);
    expect((await request(app).post('/x?y=1')).body).toEqual({ by: 'express' });
    expect((await request(app).get('/x')).status).toBe(404);
    expect((await request(app).post('/other')).status).toBe(404);
  });

  test('when a middleware passes an error on, then the answer is the error handler’s: status, code and message', async () => {
    const refuse: RequestHandler = (_req, _res, next) => next(new ValidationError('line 3: no version'));
    const res = await request(appWith([stamp, refuse])).post('/x');
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ error: { status: 400, code: 'invalid_input', message: 'line 3: no version' } });
    expect(res.headers['x-stamp']).toBe('yes');
  });

  test('when a middleware throws or the answer fails unexpectedly, then it is a bare 500 that shows nothing of the error', async () => {
    const thrower: RequestHandler = () => {
      throw new Error('secret internals');
    };
    for (const app of [appWith([thrower]), appWith([], () => Promise.reject(new Error('secret internals')))]) {
      const res = await request(app).post('/x');
      expect(res.status).toBe(500);
      expect(res.body.error.code).toBe('internal_error');
      expect(res.text).not.toMatch(/secret/);
    }
  });
});
