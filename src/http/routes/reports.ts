import { type Request, Router } from 'express';
import { authorizeReport, requireKind } from '../../auth/authorize';
import type { Config } from '../../config';
import type { IngestService } from '../../reports/ingest';
import { parseNativeReport } from '../../reports/native';
import type { Report } from '../../reports/report';
import { bodyText, rawBody } from '../middleware/bodies';
import { presentIngest } from '../presenters/ingest';

/** Checks who may send this report, then stores it. Shared by every report endpoint. */
export async function acceptReport(ingest: IngestService, req: Request, report: Report, rawText: string | null, sizeBytes: number) {
  if (req.principal) authorizeReport(req.principal, report);
  return ingest.ingest({
    report,
    rawText,
    sizeBytes,
    principal: req.principal?.dn ?? null,
    remoteAddress: req.socket.remoteAddress?.replace(/^::ffff:/, '') ?? null,
  });
}

/** POST /api/v1/reports: the native format (DESIGN.md §6.1), from a host or a relay. */
export function reportRoutes({ config, ingest }: { config: Config; ingest: IngestService }): Router {
  const router = Router();
  router.post('/api/v1/reports', requireKind('host', 'relay'), rawBody(config.reports.maxBytes), async (req, res) => {
    const text = bodyText(req.body);
    const report = parseNativeReport(text, 'patchscope-1');
    const result = await acceptReport(ingest, req, report, text, Buffer.byteLength(text));
    res.json(presentIngest(result));
  });
  return router;
}
