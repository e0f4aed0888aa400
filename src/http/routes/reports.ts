import crypto from 'node:crypto';
import { type Request, Router } from 'express';
import type { Knex } from 'knex';
import { authorizeReport, requireKind } from '../../auth/authorize';
import type { Config } from '../../config';
import type { IngestService } from '../../reports/ingest';
import { parseNativeReport } from '../../reports/native';
import { peekNativeIdentity } from '../../reports/native-peek';
import type { Report } from '../../reports/report';
import { ValidationError } from '../../errors';
import { bodyText, rawBody } from '../middleware/bodies';
import { presentIngest } from '../presenters/ingest';
import type { Evaluator } from '../../status/evaluator';
import { taggedCves } from '../../status/pakiti-answer';

const remoteOf = (req: Request) => req.socket.remoteAddress?.replace(/^::ffff:/, '') ?? null;

/** Checks who may send this report, then stores it. Shared by every report endpoint. */
export async function acceptReport(
  ingest: IngestService, req: Request, report: Report, rawText: string | null, sizeBytes: number, reportHash: string | null = null, rawGzip: Buffer | null = null,
) {
  if (req.principal) authorizeReport(req.principal, report);
  return ingest.ingest({ report, rawText, rawGzip, reportHash, sizeBytes, principal: req.principal?.dn ?? null, remoteAddress: remoteOf(req) });
}

/**
 * A native or Pakiti 5 report: a byte-identical repeat of the host's last
 * report is recognised from its header and hash alone; anything else is
 * decoded, parsed in full (and so validated) and stored. Given the body's
 * bytes, a repeat is never decoded at all: the hash is of the bytes (the same
 * as of the text they hold) and the host is read from the header's bytes.
 */
export async function acceptNativeText(
  ingest: IngestService, req: Request, report: string | Buffer, format: 'patchscope-1' | 'pakiti-5', sizeBytes: number, rawGzip: Buffer | null = null,
) {
  const reportHash = crypto.createHash('sha256').update(report).digest('hex');
  const identity = peekNativeIdentity(typeof report === 'string' ? report : headerText(report));
  if (identity) {
    if (req.principal) authorizeReport(req.principal, identity);
    const principal = req.principal?.dn ?? null;
    const repeat = await ingest.ingestRepeat(identity, { reportHash, principal, remoteAddress: remoteOf(req), sizeBytes, format });
    if (repeat) return repeat;
  }
  const text = typeof report === 'string' ? report : bodyText(report);
  return acceptReport(ingest, req, parseNativeReport(text, format), text, sizeBytes, reportHash, rawGzip);
}

/** The start of a report, enough for its header (peekNativeIdentity gives up on anything longer). */
function headerText(body: Buffer): string {
  return body.toString('utf8', 0, Math.min(body.length, 16_384));
}

/** POST /api/v1/reports: the native format (DESIGN.md §6.1), from a host or a relay. */
export function reportRoutes({ config, db, ingest, evaluator }: { config: Config; db: Knex; ingest: IngestService; evaluator: Evaluator }): Router {
  const router = Router();
  router.post('/api/v1/reports', requireKind('host', 'relay'), rawBody(config.reports.maxBytes), async (req, res) => {
    if (!Buffer.isBuffer(req.body) || req.body.length === 0) throw new ValidationError('the request body is empty; expected a report');
    const result = await acceptNativeText(ingest, req, req.body, 'patchscope-1', req.body.length, req.gzipBody ?? null);
    // Most hosts have no tagged CVE; only those that do cost a look at their CVE list.
    const tagged = result.judged?.taggedCveCount ? await taggedCves(db, (await evaluator.hostVulns(result.host.id))?.vulns ?? []) : [];
    res.json(presentIngest(result, tagged));
  });
  return router;
}
