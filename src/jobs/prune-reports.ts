import { deleteOrphanChunks, deleteOrphanPackageSets } from '../repositories/package-sets';
import { pruneReportsBefore, trimRawTexts } from '../repositories/reports';
import type { Job } from './job';

/**
 * Deletes report rows past the retention period (a host's latest report
 * always stays), then the raw text of all but each host's newest
 * `reports.keepRawPerHost` reports (the ingest only adds text, which keeps a
 * statement off every changed report), then package sets nothing points at
 * any more, then the chunks no set holds.
 */
export const pruneReports: Job = {
  name: 'prune-reports',
  schedule: (config) => config.jobs.pruneReports,
  async run({ db, config }) {
    const cutoff = new Date(Date.now() - config.reports.retentionDays * 86_400_000);
    const deleted = await pruneReportsBefore(db, cutoff);
    const rawTrimmed = await trimRawTexts(db, config.reports.keepRawPerHost);
    const orphanSets = await deleteOrphanPackageSets(db, new Date(Date.now() - 86_400_000));
    const orphanChunks = await deleteOrphanChunks(db);
    return { deleted, rawTrimmed, orphanSets, orphanChunks, before: cutoff.toISOString() };
  },
};
