import type { Report, ReportedPackage } from '../../src/reports/report';

/** An rpm package as a Rocky 9 host would report it. */
export function buildPackage(name: string, overrides: Partial<ReportedPackage> = {}): ReportedPackage {
  return { name, epoch: '0', version: '1.0', release: '1.el9', arch: 'x86_64', sourceName: name, sourceVersion: '0:1.0-1.el9', ...overrides };
}

/** A native report from a Rocky Linux 9.4 host with `count` packages (pkg0000 … ). */
export function buildReport(overrides: Partial<Report> = {}, count = 50): Report {
  const packages = Array.from({ length: count }, (_, i) => buildPackage(`pkg${String(i).padStart(4, '0')}`));
  return {
    format: 'patchscope-1',
    hostname: 'wn01.example.org',
    site: 'PRAGUE',
    tags: ['worker-nodes'],
    packager: 'rpm',
    arch: 'x86_64',
    kernel: '5.14.0-427.13.1.el9_4.x86_64',
    os: { name: 'Rocky Linux 9.4 (Blue Onyx)', id: 'rocky', versionId: '9.4', codename: null, idLike: ['rhel', 'centos', 'fedora'] },
    rebootRequired: false,
    client: 'patchscope-client 1.0.0',
    packages,
    updates: null,
    repos: null,
    extraHeaders: {},
    ...overrides,
  };
}
