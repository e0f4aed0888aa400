import type { SetVuln } from '../../../src/repositories/package-vulns';
import { hostVulns, judgeHost, type HostVuln } from '../../../src/status/host-status';
import { parseRunningKernel } from '../../../src/status/kernels';
import type { CveException } from '../../../src/repositories/cve-exceptions';

const vuln = (cveId: string, name: string, version: string, release: string, fixedVersion: string | null): SetVuln => ({
  packageId: name.length, cveId, fixedVersion, severity: 'high', sourceId: 1, advisoryId: null,
  pkg: { id: name.length, type: 'rpm', name, epoch: '', version, release, arch: 'x86_64', sourceName: null, sourceVersion: null },
});
const judgement = { runningKernel: parseRunningKernel('rpm', '5.14.0-503.11.1.el9_5.x86_64'), exceptions: [] as CveException[], osGroup: 'rhel-9' };
const none = new Set<string>();

describe('hostVulns', () => {
  it('when an old kernel is installed beside the running one, then only the running kernel’s CVEs count', () => {
    const vulns = [
      vuln('CVE-2024-1000', 'kernel-core', '5.14.0', '427.13.1.el9_4', '5.14.0-503.11.1.el9_5'), // installed, not running
      vuln('CVE-2024-2000', 'kernel-core', '5.14.0', '503.11.1.el9_5', '5.14.0-503.15.1.el9_5'), // running
      vuln('CVE-2024-3000', 'openssl', '3.0.7', '27.el9', '3.0.7-28.el9'),
    ];
    expect(hostVulns(vulns, judgement).map((v) => v.cveId).sort()).toEqual(['CVE-2024-2000', 'CVE-2024-3000']);
  });

  it('when an exception covers a locally rebuilt package, then its CVE is hidden on that OS group only', () => {
    const exception: CveException = {
      id: 1, cveId: 'CVE-2024-3000', packageName: 'openssl', packageVersion: '3.0.7-27.el9', osGroup: 'rhel-9', reason: 'rebuilt with the patch', createdBy: 'cli:alice', createdAt: '2026-11-21 08:00:00.000',
    };
    const vulns = [vuln('CVE-2024-3000', 'openssl', '3.0.7', '27.el9', '3.0.7-28.el9')];
    expect(hostVulns(vulns, { ...judgement, exceptions: [exception] })).toEqual([]);
    expect(hostVulns(vulns, { ...judgement, exceptions: [exception], osGroup: 'alma-9' })).toHaveLength(1);
  });
});

describe('judgeHost', () => {
  const v = (cveId: string, packageName: string, fixedVersion: string | null): HostVuln => ({
    cveId, packageId: 1, packageName, arch: 'x86_64', installedVersion: '1-1', fixedVersion, severity: 'high', sourceId: 1,
  });
  const base = { covered: true, stale: false, vulns: [] as HostVuln[], reportedUpdates: [], taggedCves: none, kevCves: none };

  it('when nothing is wrong, then the host is secure', () => {
    expect(judgeHost(base).status).toBe('secure');
  });

  it('when no feed covers the host, then it is not-covered, never secure', () => {
    expect(judgeHost({ ...base, covered: false }).status).toBe('not-covered');
  });

  it('when the host stopped reporting, then it is stale whatever else holds', () => {
    expect(judgeHost({ ...base, stale: true, vulns: [v('CVE-1', 'a', '2')] }).status).toBe('stale');
  });

  it('when a CVE has a fix, then the host needs security updates; counts say how many', () => {
    const result = judgeHost({ ...base, vulns: [v('CVE-1', 'a', '2'), v('CVE-1', 'b', null), v('CVE-2', 'c', null)], taggedCves: new Set(['CVE-2']), kevCves: new Set(['CVE-1']) });
    expect(result).toEqual({ status: 'security', cveCount: 2, fixableCveCount: 1, taggedCveCount: 1, kevCveCount: 1, updateCount: 0, securityUpdateCount: 1 });
  });

  it('when every CVE lacks a fix, then the host is exposed', () => {
    expect(judgeHost({ ...base, vulns: [v('CVE-2', 'c', null)] }).status).toBe('exposed');
  });

  it('when only plain updates are pending, then the status is updates; a security-marked one makes it security', () => {
    expect(judgeHost({ ...base, reportedUpdates: [{ name: 'tzdata', kind: 'enhancement' }] })).toMatchObject({ status: 'updates', updateCount: 1, securityUpdateCount: 0 });
    expect(judgeHost({ ...base, reportedUpdates: [{ name: 'sudo', kind: 'security' }] })).toMatchObject({ status: 'security', securityUpdateCount: 1 });
  });
});
