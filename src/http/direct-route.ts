/**
 * Routes answered ahead of express's request pipeline. A site's whole fleet
 * sends its native report every night, most of them byte-identical repeats
 * that cost the server little beyond the TLS handshake, and express's request
 * set-up, router and response helpers were a tenth of such a report's
 * instructions (ingest bench, --callgrind). A direct route runs the same
 * middleware functions as its express twin (the access log, the security
 * headers, authentication, body reading) and answers JSON itself; an error
 * gets the answer errorHandler gives it on an API path (errorAnswer). A
 * request it does not take (another method, or the path spelt otherwise)
 * goes to express, where the twin answers it the same way.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Express, Request, RequestHandler, Response } from 'express';
import type { Logger } from '../logger';
import { errorAnswer } from './middleware/error-handler';

/** Takes the request and answers it (true), or leaves it to express (false). */
export type DirectRoute = (req: IncomingMessage, res: ServerResponse) => boolean;

/**
 * The app with `routes` in front of it. Express's app function hands every
 * request to app.handle (express.js, createApplication), so they go in front
 * of that: whatever serves the app (the HTTPS listener, tests' supertest)
 * serves them.
 */
export function withDirectRoutes(app: Express, routes: DirectRoute[]): Express {
  const target = app as unknown as { handle(req: IncomingMessage, res: ServerResponse, next?: unknown): void };
  const handle = target.handle.bind(app);
  target.handle = (req, res, next) => {
    for (const route of routes) if (route(req, res)) return;
    handle(req, res, next);
  };
  return app;
}

/** `method` `path` (exactly, no query) through `chain`, then answered with what `answer` gives, as JSON. */
export function directRoute(method: string, path: string, chain: RequestHandler[], answer: (req: Request) => Promise<unknown>, logger: Logger): DirectRoute {
  return (incoming, outgoing) => {
    if (incoming.method !== method || incoming.url !== path) return false;
    const req = incoming as Request;
    const res = outgoing as Response;
    const fail = (err: unknown) => {
      if (res.headersSent) return void res.destroy();
      const { status, body } = errorAnswer(err, logger, { path, method });
      sendJson(res, status, body);
    };
    let i = 0;
    const next = (err?: unknown): void => {
      if (err) return fail(err);
      const handler = chain[i++];
      if (!handler) return void answer(req).then((body) => sendJson(res, 200, body), fail);
      try {
        handler(req, res, next);
      } catch (e) {
        fail(e);
      }
    };
    next();
    return true;
  };
}

/** JSON as express's res.json sends it. */
function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const json = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(json) });
  res.end(json);
}
