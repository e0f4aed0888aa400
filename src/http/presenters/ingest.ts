import type { IngestResult } from '../../reports/ingest';

/** The JSON answer to a report (DESIGN.md §6.1): the host, the report, and what evaluation made of the host. */
export function presentIngest(result: IngestResult, taggedCves: { cve: string; package: string; tag: string }[] = []) {
  const judged = result.judged;
  return {
    host: result.host.hostname,
    site: result.host.site,
    verified: result.host.verified,
    reportId: result.reportId,
    created: result.created,
    changed: result.changed,
    summary: {
      packages: result.summary.packages,
      packageSet: result.summary.packageSet,
      osGroup: result.summary.osGroup,
      rebootRequired: result.summary.rebootRequired,
      // null when evaluation failed after the report was stored (it catches up later).
      status: judged?.status ?? null,
      cves: judged ? { total: judged.cveCount, fixable: judged.fixableCveCount, tagged: judged.taggedCveCount, knownExploited: judged.kevCveCount } : null,
      taggedCves,
    },
  };
}
