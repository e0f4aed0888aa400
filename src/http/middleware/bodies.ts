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

type Encoding = 'gzip' | 'deflate' | 'identity';
const ENCODINGS: Record<string, Encoding | undefined> = { gzip: 'gzip', 'x-gzip': 'gzip', deflate: 'deflate', identity: 'identity' };
const inflaters = { gzip: zlib.gunzipSync, deflate: zlib.inflateSync };

/** A report body as it arrived (compressedBody): the bytes and their Content-Encoding. */
export interface ArrivedBody {
  bytes: Buffer;
  encoding: Encoding;
}

/**
 * The body's bytes as they arrived, not inflated (the native report route
 * recognises a repeat from them and inflates only what it must read).
 * Content-Encoding gzip, deflate or none; anything else is 415.
 */
export function compressedBody(limit: number): RequestHandler {
  const read = express.raw({ type: () => true, limit, inflate: false });
  return (req, res, next) => {
    const given = (req.headers['content-encoding'] ?? 'identity').toLowerCase().trim();
    const encoding = ENCODINGS[given];
    if (!encoding) return next(new AppError(`unsupported content encoding "${given}" (gzip, deflate or none)`, 415, 'unsupported_encoding'));
    delete req.headers['content-encoding']; // read by us, not by body-parser
    read(req, res, (err?: unknown) => {
      if (!err) req.body = { bytes: Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0), encoding } satisfies ArrivedBody;
      next(err);
    });
  };
}

/**
 * The body inflated, in one synchronous call: for a report of a few hundred
 * kilobytes that is a tenth of a millisecond, where a streaming inflater costs
 * several times that in thread-pool round trips. The output is capped at the
 * limit, so a gzip bomb stops there (413) instead of filling memory.
 */
export function inflateBody(body: ArrivedBody, limit: number): Buffer {
  if (body.encoding === 'identity') return body.bytes;
  try {
    return inflaters[body.encoding](body.bytes, { maxOutputLength: limit });
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === 'ERR_BUFFER_TOO_LARGE') throw new PayloadTooLargeError('the request body is larger than this server accepts once inflated');
    throw new ValidationError(`the request body is not valid ${body.encoding} data`);
  }
}

/**
 * The start of the body as text, at most `max` characters' worth, inflating
 * no more than that: enough to read a report's header. Empty when even that
 * much cannot be read (the full read then gives the error).
 */
export function bodyHead(body: ArrivedBody, max = 8192): string {
  if (body.encoding === 'identity') return body.bytes.toString('utf8', 0, Math.min(body.bytes.length, max));
  try {
    // A few kilobytes of compressed input hold a header many times over; the
    // output cap only stops a bomb's first bytes from growing without bound.
    const flush = { finishFlush: zlib.constants.Z_SYNC_FLUSH, maxOutputLength: 1 << 20 };
    const head = inflaters[body.encoding](body.bytes.subarray(0, Math.min(body.bytes.length, 2048)), flush);
    return head.toString('utf8', 0, Math.min(head.length, max));
  } catch {
    return '';
  }
}

/** The body as bytes (Pakiti reports), inflated as inflateBody does. */
export function rawBody(limit: number): RequestHandler {
  const read = compressedBody(limit);
  return (req, res, next) =>
    read(req, res, (err?: unknown) => {
      if (err) return next(err);
      try {
        req.body = inflateBody(req.body as ArrivedBody, limit);
      } catch (e) {
        return next(e);
      }
      next();
    });
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
