/**
 * Realistic reports for the benchmarks: the real rpm package lists in
 * shared/data/packages (CentOS 7, CentOS 8 with modules, Fedora 26), merged
 * and grown to ~1,500 packages by deriving extra packages from real names and
 * versions, as a large worker-node image would have.
 */
import fs from 'node:fs';
import path from 'node:path';

export interface BenchPackage {
  name: string;
  evr: string;
  arch: string;
  sourceName: string;
  sourceEvr: string;
}

/** shared/data, found from the bench's own location. */
export function sharedData(): string {
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, '..', 'shared', 'data');
    if (fs.existsSync(path.join(candidate, 'packages'))) return candidate;
    if (path.dirname(dir) === dir) throw new Error(`shared/data not found above ${__dirname}`);
  }
}

/** NAME<TAB>[EPOCH:]VERSION-RELEASE<TAB>SIZE lines (snyk rpm-parser outputs; modules has a label column first). */
export function readRpmList(file: string, labelled: boolean): BenchPackage[] {
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => line.split('\t'))
    .map((cols) => (labelled ? cols.slice(1) : cols))
    .filter(([name]) => name !== 'gpg-pubkey')
    .map(([name, version]) => {
      const evr = version.includes(':') ? version : `0:${version}`;
      return { name, evr, arch: name.endsWith('-common') || name.endsWith('-doc') ? 'noarch' : 'x86_64', sourceName: name, sourceEvr: evr };
    });
}

export function realPackages(target = 1500): BenchPackage[] {
  const dir = path.join(sharedData(), 'packages', 'snyk-rpm-parser');
  const byName = new Map<string, BenchPackage>();
  for (const pkg of [...readRpmList(path.join(dir, 'centos7_many'), false), ...readRpmList(path.join(dir, 'modules'), true), ...readRpmList(path.join(dir, 'fedora26_many'), false)]) {
    byName.set(pkg.name, pkg); // later lists win: one version per name, as on one host
  }
  const base = [...byName.values()];
  const grown = [...base];
  for (let i = 0; grown.length < target; i++) {
    const from = base[i % base.length];
    const suffix = ['-libs', '-devel', '-doc', '-tools', '-common'][Math.floor(i / base.length) % 5];
    grown.push({ ...from, name: `${from.name}${suffix}` });
  }
  return grown.slice(0, target);
}

/** A host's variant of the image: `changes` packages get a host-specific release. */
export function variant(packages: BenchPackage[], seed: number, changes: number): BenchPackage[] {
  const out = packages.slice();
  for (let k = 0; k < changes; k++) {
    const i = (seed * 7919 + k * 104729) % out.length;
    out[i] = { ...out[i], evr: `${out[i].evr}.${seed}.${k}` };
  }
  return out;
}

/**
 * A host's image after tonight's updates: `changes` packages, picked by the
 * seed from a pool of `pool` packages that got an update, move to the
 * update's version. Every host that takes an update gets the same new
 * version, as from a site's repositories; the combination makes each host's
 * package set its own.
 */
export function updated(packages: BenchPackage[], seed: number, changes: number, pool = 40): BenchPackage[] {
  const out = packages.slice();
  for (let k = 0; k < changes; k++) {
    const i = (((seed * 31 + k * 17) % pool) * 37) % out.length;
    out[i] = { ...out[i], evr: `${out[i].evr}.upd1` };
  }
  return out;
}

/**
 * What the hosts say they run, and the real feed that judges them.
 * centos7: the Red Hat 7 OVAL definitions here, seven of them, which leave
 * every host without a CVE. alma9: AlmaLinux 9's whole OSV feed, 1,783
 * advisories; the corpus's el7-era versions are older than every fix in it,
 * so each host has some 1,700 CVEs, as a long-unpatched one would.
 */
export const SYSTEMS = {
  centos7: { feed: 'redhat/rhel-7.oval.xml', os: ['system: CentOS Linux 7 (Core)', 'os-id: centos', 'os-version-id: 7', 'os-like: rhel fedora'] },
  alma9: { feed: 'osv-almalinux9.tar.gz', os: ['system: AlmaLinux 9.4 (Seafoam Ocelot)', 'os-id: almalinux', 'os-version-id: 9.4', 'os-like: rhel centos fedora'] },
};
export type BenchSystem = keyof typeof SYSTEMS;

/** The native report text (DESIGN.md §6.1). */
export function nativeReport(hostname: string, packages: BenchPackage[], system: BenchSystem = 'centos7'): string {
  const header = [
    '#',
    'arch: x86_64',
    `host: ${hostname}`,
    'kernel: 3.10.0-1160.119.1.el7.x86_64',
    'packager: rpm',
    'site: BENCH',
    'tag: worker-nodes',
    'format: patchscope-1',
    ...SYSTEMS[system].os,
    'os-codename:',
    'reboot-required: no',
    'client: patchscope-bench 1.0.0',
    '#',
  ];
  // Sorted as the client sends them (`LC_ALL=C sort -u`: by bytes, which for these ASCII lines is code-unit order).
  const lines = packages.map((p) => `${p.name}\t${p.evr}\t${p.arch}\t${p.sourceName}\t${p.sourceEvr}`).sort();
  return `${header.join('\n')}\n${lines.join('\n')}\n#\n`;
}
