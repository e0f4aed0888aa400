import crypto from 'node:crypto';
import { type Request, type RequestHandler, Router } from 'express';
import type { Knex } from 'knex';
import { authorizeReport, requireKind } from '../../auth/authorize';
import type { Config } from '../../config';
import type { IngestService } from '../../reports/ingest';
import { parseNativeReport } from '../../reports/native';
import { peekNativeIdentity } from '../../reports/native-peek';
import type { Report } from '../../reports/report';
import { ValidationError } from '../../errors';
import { type ArrivedBody, bodyHead, bodyText, compressedBody, inflateBody } from '../middleware/bodies';
import { presentIngest } from '../presenters/ingest';
import type { Evaluator } from '../../status/evaluator';
import { taggedCves } from '../../status/pakiti-answer';
import type { Logger } from '../../logger';
import { type DirectRoute, directRoute } from '../direct-route';

const remoteOf = (req: Request) => req.socket.remoteAddress?.replace(/^::ffff:/, '') ?? null;

/** Checks who may send this report, then stores it. Shared by every report endpoint. */
export async function acceptReport(
  ingest: IngestService, req: Request, report: Report, rawText: string | null, sizeBytes: number, reportHash: string | null = null, rawGzip: Buffer | null = null,
) {
  if (req.principal) authorizeReport(req.principal, report);
  return ingest.ingest({ report, rawText, rawGzip, reportHash, sizeBytes, principal: req.principal?.dn ?? null, remoteAddress: remoteOf(req) });
}

/** A native or Pakiti 5 report's text, with what recognising a repeat needs before (or instead of) reading all of it. */
export interface NativeText {
  /** sha256 of the report as it arrived: of its gzip bytes when it came so (the client compresses deterministically), else of its text. */
  hash: string;
  /** The start of the text, at least the header. */
  head: string;
  text(): string;
  sizeBytes: number;
  /** The text gzip-compressed, when it arrived so. */
  rawGzip: Buffer | null;
}

/** A report that arrived as text (Pakiti's form field or body). */
export function nativeText(text: string, sizeBytes: number): NativeText {
  return { hash: sha256(text), head: text, text: () => text, sizeBytes, rawGzip: null };
}

/**
 * A native or Pakiti 5 report: a byte-identical repeat of the host's last
 * report is recognised from its header and hash alone, without reading (or
 * inflating) the rest; anything else is read, parsed in full (and so
 * validated) and stored.
 */
export async function acceptNativeText(ingest: IngestService, req: Request, report: NativeText, format: 'patchscope-1' | 'pakiti-5') {
  const identity = peekNativeIdentity(report.head);
  if (identity) {
    if (req.principal) authorizeReport(req.principal, identity);
    const principal = req.principal?.dn ?? null;
    const repeat = await ingest.ingestRepeat(identity, { reportHash: report.hash, principal, remoteAddress: remoteOf(req), sizeBytes: report.sizeBytes, format });
    if (repeat) return repeat;
  }
  const text = report.text();
  return acceptReport(ingest, req, parseNativeReport(text, format), text, report.sizeBytes, report.hash, report.rawGzip);
}

/** The native report in a request body as compressedBody() left it. */
function arrivedText(arrived: ArrivedBody, limit: number): NativeText {
  if (arrived.bytes.length === 0) throw new ValidationError('the request body is empty; expected a report');
  // Only gzip is worth keeping compressed (our client sends it); a deflate body is inflated at once.
  const body: ArrivedBody = arrived.encoding === 'deflate' ? { bytes: inflateBody(arrived, limit), encoding: 'identity' } : arrived;
  const gzip = body.encoding === 'gzip';
  // The inflated size, for the report row, from the gzip trailer (ISIZE) rather than by inflating.
  const sizeBytes = gzip && body.bytes.length >= 18 ? body.bytes.readUInt32LE(body.bytes.length - 4) : body.bytes.length;
  let text: string | undefined;
  return {
    hash: sha256(body.bytes),
    head: bodyHead(body),
    text: () => (text ??= bodyText(inflateBody(body, limit))),
    sizeBytes,
    rawGzip: gzip ? body.bytes : null,
  };
}

function sha256(data: string | Buffer): string {
  return crypto.createHash('sha256').update(data).digest('hex');
}

const NATIVE_REPORTS = '/api/v1/reports';

/**
 * POST /api/v1/reports: the native format (DESIGN.md §6.1), from a host or a
 * relay, authenticated by `authenticate` (auth/authenticate.ts). The path as
 * the client sends it is a direct route (direct-route.ts), which runs the
 * app's own `appMiddleware` first; the router answers it spelt otherwise.
 */
export function reportRoutes(deps: {
  config: Config; db: Knex; ingest: IngestService; evaluator: Evaluator; authenticate: RequestHandler; appMiddleware: RequestHandler[]; logger: Logger;
}): { router: Router; direct: DirectRoute } {
  const { config, db, ingest, evaluator } = deps;
  const limit = config.reports.maxBytes;
  const chain = [deps.authenticate, requireKind('host', 'relay'), compressedBody(limit)];
  const answer = async (req: Request) => {
    const result = await acceptNativeText(ingest, req, arrivedText(req.body as ArrivedBody, limit), 'patchscope-1');
    // Most hosts have no tagged CVE; only those that do cost a look at their CVE list.
    const tagged = result.judged?.taggedCveCount ? await taggedCves(db, (await evaluator.hostVulns(result.host.id))?.vulns ?? []) : [];
    return presentIngest(result, tagged);
  };
  const router = Router();
  router.post(NATIVE_REPORTS, ...chain, async (req, res) => {
    res.json(await answer(req));
  });
  return { router, direct: directRoute('POST', NATIVE_REPORTS, [...deps.appMiddleware, ...chain], answer, deps.logger) };
}
