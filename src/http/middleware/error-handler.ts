import type { ErrorRequestHandler, RequestHandler } from 'express';
import { AppError, NotFoundError, PayloadTooLargeError, ValidationError } from '../../errors';
import type { Logger } from '../../logger';
import { wantsJson } from '../respond';
import type { ViewEngine } from '../views';

/** Turns errors body-parser and friends raise (they carry `status`/`type`) into ours. */
function normalise(err: unknown): AppError | undefined {
  if (err instanceof AppError) return err;
  const e = err as { status?: number; type?: string; message?: string };
  if (e?.type === 'entity.too.large') return new PayloadTooLargeError('the request body is larger than this server accepts');
  if (e?.type === 'entity.parse.failed') return new ValidationError(`the request body could not be parsed: ${e.message}`);
  if (typeof e?.status === 'number' && e.status >= 400 && e.status < 500) {
    return new AppError(e.message ?? 'bad request', e.status, 'bad_request');
  }
  return undefined;
}

/** An error's answer (always JSON-shaped), logged as errorHandler logs it: known errors at info, anything else in full. */
export function errorAnswer(err: unknown, logger: Logger, req: { path: string; method: string }) {
  const known = normalise(err);
  const status = known?.status ?? 500;
  const body = {
    error: {
      status,
      code: known?.code ?? 'internal_error',
      message: known?.message ?? 'Something went wrong on the server. The error has been logged.',
      ...(known?.details ? { details: known.details } : {}),
    },
  };
  if (known) logger.info({ status, code: body.error.code, path: req.path, msg: known.message }, 'request refused');
  else logger.error({ err, path: req.path, method: req.method }, 'unhandled error');
  return { status, body };
}

/**
 * The one error handler. Known errors answer with their status, code and
 * message; anything else is logged in full and answered as a bare 500, so
 * internals never leave the server. HTML or JSON by Accept; the page escapes
 * everything it shows (the message may quote input).
 */
export function errorHandler(views: ViewEngine, logger: Logger): ErrorRequestHandler {
  return (err, req, res, next) => {
    if (res.headersSent) return next(err);
    const { status, body } = errorAnswer(err, logger, req);
    res.status(status);
    if (wantsJson(req)) {
      res.json(body);
    } else {
      const page = status === 401 ? 'errors/certificate' : 'errors/error';
      res.type('html').send(views.render(page, { title: `${status} ${body.error.code}`, ...body.error }));
    }
  };
}

export const notFound: RequestHandler = (req, _res, next) => {
  next(new NotFoundError(`nothing here: ${req.method} ${decodePath(req.path)}`));
};

/** The path as a person typed it (the page escapes it; JSON needs no escaping). */
function decodePath(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}
