import type { Request, Response } from 'express';
import type { ViewEngine } from './views';

/**
 * Whether the client wants JSON. API paths always answer JSON; elsewhere the
 * Accept header decides, and a browser (which asks for text/html first) gets HTML.
 */
export function wantsJson(req: Request): boolean {
  if (req.path.startsWith('/api/') || req.path === '/healthz') return true;
  return req.accepts(['html', 'json']) === 'json';
}

/** Answers with the page for a browser or the same view model as JSON. */
export function respond(req: Request, res: Response, views: ViewEngine, page: string, model: Record<string, unknown>, status = 200): void {
  res.status(status);
  if (wantsJson(req)) {
    res.json(model);
  } else {
    res.type('html').send(views.render(page, model));
  }
}
