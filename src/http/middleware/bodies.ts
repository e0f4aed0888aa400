import zlib from 'node:zlib';
import express, { type RequestHandler } from 'express';
import multer from 'multer';
import { AppError, PayloadTooLargeError, ValidationError } from '../../errors';

/**
 * Body parsers for reports. `inflate` undoes Content-Encoding: gzip, and the
 * limit applies to the inflated bytes, so a gzip bomb is cut off at the limit
 * (413) instead of filling memory.
 */
export const formBody = (limit: number): RequestHandler => express.urlencoded({ extended: false, limit, inflate: true, parameterLimit: 100 });
export const jsonBody = (limit: number): RequestHandler => express.json({ limit, inflate: true, type: () => true });

declare module 'express-serve-static-core' {
  interface Request {
    /** The body as it arrived, when it came gzip-compressed (rawBody): kept as the report's stored copy, not compressed again. */
    gzipBody?: Buffer;
  }
}

const inflaters: Record<string, ((body: Buffer, options: zlib.ZlibOptions) => Buffer) | undefined> = {
  gzip: zlib.gunzipSync,
  'x-gzip': zlib.gunzipSync,
  deflate: zlib.inflateSync,
  identity: (body) => body,
};

/**
 * The body as bytes (native and Pakiti reports), inflated in one synchronous
 * call once it has arrived: for a report of a few hundred kilobytes that is a
 * tenth of a millisecond, where a streaming inflater costs several times that
 * in thread-pool round trips. The output is capped at the limit, so a gzip
 * bomb stops there (413) instead of filling memory.
 */
export function rawBody(limit: number): RequestHandler {
  const read = express.raw({ type: () => true, limit, inflate: false });
  return (req, res, next) => {
    const encoding = (req.headers['content-encoding'] ?? 'identity').toLowerCase().trim();
    const inflate = inflaters[encoding];
    if (!inflate) return next(new AppError(`unsupported content encoding "${encoding}" (gzip, deflate or none)`, 415, 'unsupported_encoding'));
    delete req.headers['content-encoding']; // read below, not by body-parser
    read(req, res, (err?: unknown) => {
      if (err || !Buffer.isBuffer(req.body) || encoding === 'identity') return next(err);
      try {
        const compressed = req.body;
        req.body = inflate(compressed, { maxOutputLength: limit });
        if (encoding === 'gzip' || encoding === 'x-gzip') req.gzipBody = compressed;
      } catch (e) {
        const code = (e as { code?: string }).code;
        if (code === 'ERR_BUFFER_TOO_LARGE') return next(new PayloadTooLargeError('the request body is larger than this server accepts once inflated'));
        return next(new ValidationError(`the request body is not valid ${encoding} data`));
      }
      next();
    });
  };
}
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
