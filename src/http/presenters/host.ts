import type { HostSummary } from '../../repositories/host-queries';

/** What leaves the server about a host. */
export function presentHost(host: HostSummary) {
  return {
    hostname: host.hostname,
    site: host.site,
    verified: host.verified,
    senderAddress: host.senderAddress,
    os: host.os,
    osGroup: host.osGroup,
    arch: host.arch,
    kernel: host.kernel,
    packageCount: host.packageCount,
    packageSet: host.packageSet,
    rebootRequired: host.rebootRequired,
    status: host.status,
    counts: host.counts,
    evaluatedAt: host.evaluatedAt?.toISOString() ?? null,
    firstReportAt: host.firstReportAt.toISOString(),
    lastReportAt: host.lastReportAt.toISOString(),
    lastChangeAt: host.lastChangeAt.toISOString(),
  };
}
