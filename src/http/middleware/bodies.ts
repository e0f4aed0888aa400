import express, { type RequestHandler } from 'express';
import multer from 'multer';
import { ValidationError } from '../../errors';

/**
 * Body parsers for reports. `inflate` undoes Content-Encoding: gzip, and the
 * limit applies to the inflated bytes, so a gzip bomb is cut off at the limit
 * (413) instead of filling memory.
 */
export const rawBody = (limit: number): RequestHandler => express.raw({ type: () => true, limit, inflate: true });
export const formBody = (limit: number): RequestHandler => express.urlencoded({ extended: false, limit, inflate: true, parameterLimit: 100 });
export const jsonBody = (limit: number): RequestHandler => express.json({ limit, inflate: true, type: () => true });

/** multipart/form-data fields only (Patchman's client posts its report with curl -F); files are refused. */
export function multipartFields(limit: number): RequestHandler {
  const upload = multer({ limits: { fieldSize: limit, fields: 50, files: 0 } }).none();
  return (req, res, next) =>
    upload(req, res, (err: unknown) => {
      if (!err) return next();
      next(new ValidationError(`the multipart form could not be read: ${(err as Error).message}`));
    });
}

const decoder = new TextDecoder('utf-8', { fatal: true });

/** The body as UTF-8 text; a report that is not valid UTF-8 is refused rather than silently mangled. */
export function bodyText(body: unknown): string {
  if (!Buffer.isBuffer(body) || body.length === 0) throw new ValidationError('the request body is empty; expected a report');
  try {
    return decoder.decode(body);
  } catch {
    throw new ValidationError('the report is not valid UTF-8');
  }
}
