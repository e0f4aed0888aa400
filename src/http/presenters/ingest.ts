import type { IngestResult } from '../../reports/ingest';

/** The JSON answer to a report (DESIGN.md §6.1). CVE figures arrive with evaluation. */
export function presentIngest(result: IngestResult) {
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
      cves: null,
      taggedCves: [],
    },
  };
}
