import { type ErrorRequestHandler, type RequestHandler, Router } from 'express';
import { type AuthDeps, createAuthenticator } from '../../auth/authenticate';
import { networkList } from '../../auth/networks';
import { AppError, ForbiddenError, ValidationError } from '../../errors';
import type { Logger } from '../../logger';
import type { IngestResult, IngestService } from '../../reports/ingest';
import type { Report } from '../../reports/report';
import { authorizeReport } from '../../auth/authorize';
import type { Evaluator } from '../../status/evaluator';
import { taggedCveLines } from '../../status/pakiti-answer';
import { parseNativeReport } from '../../reports/native';
import { decodePakitiBody } from '../../reports/pakiti-body';
import { parsePakiti4 } from '../../reports/pakiti4';
import { parsePatchman1, parsePatchman2 } from '../../reports/patchman';
import { bodyText, jsonBody, multipartFields, rawBody } from '../middleware/bodies';
import { acceptNativeText, acceptReport, nativeText } from './reports';

const PAKITI_MODES = ['store-only', 'store-and-report', 'report-only'];
/** The Pakiti 2 client's "report" field: 0 store only, 1 store and report, 2 report only. */
const LEGACY_MODES: Record<string, string> = { '0': 'store-only', '1': 'store-and-report', '2': 'report-only' };

/** Form fields of a Pakiti 2 report (multipart, or a urlencoded body that is not a Pakiti 5 report), else null. */
function pakitiFormFields(body: unknown, contentType: string | undefined): Record<string, string> | null {
  if (!Buffer.isBuffer(body)) {
    return body && typeof body === 'object' ? Object.fromEntries(Object.entries(body).map(([k, v]) => [k, String(v)])) : null;
  }
  if (!/application\/x-www-form-urlencoded/i.test(contentType ?? '') || body.subarray(0, 64).toString('latin1').trimStart().startsWith('#')) return null;
  const fields = Object.fromEntries(new URLSearchParams(bodyText(body)));
  return 'pkgs' in fields ? fields : null;
}

/** Hosts, relays, or (from configured networks only) unverified senders may report through these endpoints. */
const reporters: RequestHandler = (req, _res, next) => {
  if (req.unverified || req.principal?.kind === 'host' || req.principal?.kind === 'relay') return next();
  next(new ForbiddenError(`a ${req.principal?.kind ?? 'client'} certificate may not send host reports`));
};

/**
 * The endpoints existing Pakiti and Patchman clients talk to (DESIGN.md §6.2),
 * so a site can switch servers without touching its hosts. Each can be told
 * to take certificate-less reports from listed networks; those are stored as
 * unverified hosts.
 */
export function compatRoutes(deps: AuthDeps & { ingest: IngestService; evaluator: Evaluator }): Router {
  const { config, ingest, evaluator } = deps;
  const limit = config.reports.maxBytes;
  const router = Router();
  const pakitiAuth = createAuthenticator(deps, { unverifiedFrom: networkList(config.compat.pakitiUnverifiedNetworks) });
  const patchmanAuth = createAuthenticator(deps, { unverifiedFrom: networkList(config.compat.patchmanUnverifiedNetworks) });

  // The Pakiti 2 client sends protocol 4 as a form, by hand or with curl -F; protocol 5 is a raw body.
  const raw = rawBody(limit);
  const multipart = multipartFields(limit);
  const pakitiBody: RequestHandler = (req, res, next) => (req.is('multipart/form-data') ? multipart(req, res, next) : raw(req, res, next));

  const pakiti = Router();
  pakiti.post(['/feed/', '/pakiti/feed/', '/feed', '/pakiti/feed'], pakitiAuth, reporters, pakitiBody, async (req, res) => {
    const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const fields = pakitiFormFields(req.body, req.headers['content-type']);
    // Pakiti 3's server takes the protocol from the query, then the form's
    // "protocol", then its "version" (the Pakiti 2 client sends version=4).
    const protocol = String(req.query.protocol ?? fields?.protocol ?? fields?.version ?? '5');
    const mode = String(req.query.mode ?? LEGACY_MODES[fields?.report ?? ''] ?? 'store-only');
    if (!PAKITI_MODES.includes(mode)) throw new ValidationError(`unknown mode "${mode}"; use ${PAKITI_MODES.join(', ')}`);
    let stored: IngestResult | null = null;
    let unstored: Report | null = null;
    if (protocol === '4') {
      if (!fields) throw new ValidationError('a Pakiti protocol 4 report is a form with the fields host, os, arch, kernel, pkgs, …');
      const report = parsePakiti4(fields);
      if (mode === 'report-only') unstored = report;
      else stored = await acceptReport(ingest, req, report, JSON.stringify(fields), Number(req.headers['content-length'] ?? body.length));
    } else if (protocol === '5') {
      const rawText = decodePakitiBody(req.headers['content-type'], body);
      if (mode === 'report-only') unstored = parseNativeReport(rawText, 'pakiti-5');
      else stored = await acceptNativeText(ingest, req, nativeText(rawText, body.length), 'pakiti-5');
    } else {
      throw new ValidationError(`unsupported Pakiti protocol "${protocol}"; this server speaks 4 and 5`);
    }
    if (mode === 'store-only') return void res.type('text/plain').send('OK\n');
    // The report modes list the host's tagged CVEs after OK.
    if (unstored && req.principal) authorizeReport(req.principal, unstored);
    const vulns = unstored ? await ingest.judgeUnstored(unstored) : ((await evaluator.hostVulns((stored as IngestResult).host.id))?.vulns ?? []);
    const lines = await taggedCveLines(deps.db, vulns);
    res.type('text/plain').send(['OK', ...lines].join('\n') + '\n');
  });
  pakiti.use(pakitiErrors(deps.logger.child({ area: 'pakiti' })));
  router.use(pakiti);

  router.post('/reports/upload/', patchmanAuth, reporters, multipartFields(limit), async (req, res) => {
    const fields = Object.fromEntries(Object.entries(req.body ?? {}).map(([k, v]) => [k, String(v)]));
    const report = parsePatchman1(fields);
    const result = await acceptReport(ingest, req, report, JSON.stringify(fields), Number(req.headers['content-length'] ?? 0));
    res.type('text/plain').send(`OK ${result.reportId}\n`);
  });
  router.post('/api/report/', patchmanAuth, reporters, jsonBody(limit), async (req, res) => {
    const report = parsePatchman2(req.body);
    const result = await acceptReport(ingest, req, report, JSON.stringify(req.body), Number(req.headers['content-length'] ?? 0));
    res.status(201).json({ status: 'ok', report: result.reportId, host: result.host.hostname });
  });
  return router;
}

/** Pakiti clients read the first line of the answer: OK, or ERROR with a status that says whose fault it was. */
function pakitiErrors(logger: Logger): ErrorRequestHandler {
  return (err, req, res, _next) => {
    const status = err instanceof AppError ? err.status : typeof err?.status === 'number' && err.status < 500 ? err.status : 500;
    const message = err instanceof AppError || status < 500 ? String(err.message) : 'internal error';
    if (status >= 500) logger.error({ err, path: req.path }, 'unhandled error');
    else logger.info({ status, path: req.path, msg: message }, 'report refused');
    res.status(status).type('text/plain').send(`ERROR\n${message}\n`);
  };
}
