/**
 * The site of the evaluate bench: package sets built from the real package
 * lists in shared/data/packages, as Debian 12, Ubuntu 24.04 and 18.04,
 * AlmaLinux 9 and CentOS 7 hosts, grown to a real host's size and varied per
 * set (some packages updated, a few at older releases, one or two kernels);
 * and a RHEL 7 OVAL feed with the volume of the real one, replicated from the
 * real definitions under new ids onto the CentOS 7 package names.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Report, ReportedOs, ReportedPackage } from '../../src/reports/report';
import { packageFromFull } from '../../src/reports/validate';
import { readRpmList, sharedData } from './report-corpus';

export type Kind = 'debian-12' | 'ubuntu-24.04' | 'ubuntu-18.04' | 'alma-9' | 'centos-7';

interface Pkg {
  name: string;
  /** Full version: [epoch:]version[-release]. */
  full: string;
  arch: string;
  sourceName: string | null;
  sourceFull: string | null;
}

interface Image {
  kind: Kind;
  packager: 'deb' | 'rpm';
  os: ReportedOs;
  packages: Pkg[];
  /** Kernel packages: the older one (running) and a newer one. */
  oldKernel: Pkg[];
  newKernel: Pkg[];
  running: string;
}

const packagesDir = () => path.join(sharedData(), 'packages');

/** FNV-1a of a string and a seed, for deterministic choices. */
function hash(text: string, seed: number): number {
  let h = 0x811c9dc5 ^ seed;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** Ubuntu 18.04 dpkg status: binary packages with their source (the map also gives other lists' binaries their sources). */
function readDpkgStatus(): Pkg[] {
  const text = fs.readFileSync(path.join(packagesDir(), 'claircore', 'texlive.status'), 'utf8');
  const out: Pkg[] = [];
  for (const paragraph of text.split(/\n\n+/)) {
    const field = (key: string) => new RegExp(`^${key}: (.*)$`, 'm').exec(paragraph)?.[1].trim();
    const name = field('Package');
    const full = field('Version');
    if (!name || !full || !field('Status')?.endsWith(' installed')) continue;
    const source = /^(\S+)(?: \((.+)\))?$/.exec(field('Source') ?? name);
    out.push({ name, full, arch: field('Architecture') ?? 'amd64', sourceName: source?.[1] ?? name, sourceFull: source?.[2] ?? full });
  }
  return out;
}

function withSources(list: { name: string; full: string; arch: string }[], sources: Map<string, string>): Pkg[] {
  return list.map((p) => ({ ...p, sourceName: sources.get(p.name) ?? p.name, sourceFull: p.full }));
}

function readDebianIndex(sources: Map<string, string>): Pkg[] {
  const index = JSON.parse(fs.readFileSync(path.join(packagesDir(), 'claircore', 'docker.io-library-debian-10.index.json'), 'utf8'));
  const list = Object.values(index.packages as Record<string, { name: string; version: string; arch: string; kind: string }>)
    .filter((p) => p.kind === 'binary')
    .map((p) => ({ name: p.name, full: p.version, arch: p.arch || 'amd64' }));
  return withSources(list, sources);
}

function readUbuntuTable(sources: Map<string, string>): Pkg[] {
  const text = fs.readFileSync(path.join(packagesDir(), 'cybozu-ubuntu-base', 'ubuntu-debug-24.04.md'), 'utf8');
  const list = text
    .split('\n')
    .map((line) => line.split('|').map((c) => c.trim()))
    .filter((c) => c.length >= 4 && /^\d/.test(c[2] ?? ''))
    .map((c) => {
      const [name, arch] = c[1].split(':');
      return { name, full: c[2], arch: arch ?? 'amd64' };
    });
  return withSources(list, sources);
}

function readUbi9(): Pkg[] {
  const list = JSON.parse(fs.readFileSync(path.join(packagesDir(), 'snyk-rpm-parser', 'rpm-4.16', 'ubi9'), 'utf8')) as { name: string; version: string; release: string; epoch?: number; arch?: string }[];
  return list
    .filter((p) => p.name !== 'gpg-pubkey')
    .map((p) => {
      const full = `${p.epoch ?? 0}:${p.version}-${p.release}`;
      return { name: p.name, full, arch: p.arch === 'noarch' ? 'noarch' : 'x86_64', sourceName: p.name, sourceFull: full };
    });
}

function readRpm(file: string, labelled = false): Pkg[] {
  return readRpmList(path.join(packagesDir(), 'snyk-rpm-parser', file), labelled).map((p) => ({ name: p.name, full: p.evr, arch: p.arch, sourceName: p.sourceName, sourceFull: p.sourceEvr }));
}

/** The lists merged (earlier lists win a name), then grown with packages derived from them to `target`. */
function grow(lists: Pkg[][], target: number, packager: 'deb' | 'rpm'): Pkg[] {
  const byName = new Map<string, Pkg>();
  for (const list of lists) for (const p of list) if (!byName.has(p.name)) byName.set(p.name, p);
  const base = [...byName.values()];
  const grown = [...base];
  // Kernel sources build one set of binaries per kernel: nothing is derived from them.
  const derivable = base.filter((p) => !/^(?:linux|kernel)/.test(p.sourceName ?? p.name));
  const suffixes = packager === 'deb' ? ['-doc', '-dev', '-common', '-data', '-utils'] : ['-libs', '-devel', '-doc', '-tools', '-common'];
  for (let i = 0; grown.length < target; i++) {
    const from = derivable[i % derivable.length];
    const name = `${from.name}${suffixes[Math.floor(i / derivable.length) % suffixes.length]}`;
    if (!byName.has(name)) grown.push({ ...from, name }); // a binary of the same source, as real distributions have many
  }
  return grown.slice(0, target);
}

function deb(name: string, full: string, sourceName: string): Pkg {
  return { name, full, arch: 'amd64', sourceName, sourceFull: full };
}

function rpm(names: string[], full: string): Pkg[] {
  return names.map((name) => ({ name, full, arch: 'x86_64', sourceName: 'kernel', sourceFull: full }));
}

const RPM_KERNEL = ['kernel', 'kernel-core', 'kernel-modules', 'kernel-modules-core'];

export function images(): Image[] {
  const bionic = readDpkgStatus();
  const sources = new Map(bionic.map((p) => [p.name, p.sourceName as string]));
  const debian = readDebianIndex(sources);
  const noble = readUbuntuTable(sources);
  const [ubi9, centos7, fedora, modules] = [readUbi9(), readRpm('centos7_many'), readRpm('fedora26_many'), readRpm('modules', true)];
  const ubuntu = (versionId: string, codename: string): ReportedOs => ({ name: `Ubuntu ${versionId} LTS`, id: 'ubuntu', versionId, codename, idLike: ['debian'] });
  const ubuntuKernel = (abi: string, full: string) => [deb(`linux-image-${abi}-generic`, full, 'linux-signed'), deb(`linux-modules-${abi}-generic`, full, 'linux')];
  return [
    {
      kind: 'debian-12', packager: 'deb', packages: grow([debian, bionic, noble], 1000, 'deb'),
      os: { name: 'Debian GNU/Linux 12 (bookworm)', id: 'debian', versionId: '12', codename: 'bookworm', idLike: [] },
      oldKernel: [deb('linux-image-6.1.0-18-amd64', '6.1.76-1', 'linux-signed-amd64')],
      newKernel: [deb('linux-image-6.1.0-21-amd64', '6.1.90-1', 'linux-signed-amd64')],
      running: '6.1.0-18-amd64',
    },
    {
      kind: 'ubuntu-24.04', packager: 'deb', os: ubuntu('24.04', 'noble'), packages: grow([noble, debian, bionic], 1200, 'deb'),
      oldKernel: ubuntuKernel('6.8.0-31', '6.8.0-31.31'), newKernel: ubuntuKernel('6.8.0-45', '6.8.0-45.45'), running: '6.8.0-31-generic',
    },
    {
      kind: 'ubuntu-18.04', packager: 'deb', os: ubuntu('18.04', 'bionic'), packages: grow([bionic, debian, noble], 800, 'deb'),
      oldKernel: ubuntuKernel('4.15.0-20', '4.15.0-20.21'), newKernel: ubuntuKernel('4.15.0-213', '4.15.0-213.224'), running: '4.15.0-20-generic',
    },
    {
      kind: 'alma-9', packager: 'rpm', packages: grow([ubi9, centos7, modules, fedora], 1000, 'rpm'),
      os: { name: 'AlmaLinux 9.4 (Seafoam Ocelot)', id: 'almalinux', versionId: '9.4', codename: '', idLike: ['rhel', 'centos', 'fedora'] },
      oldKernel: rpm(RPM_KERNEL, '5.14.0-70.13.1.el9_0'), newKernel: rpm(RPM_KERNEL, '5.14.0-427.13.1.el9_4'), running: '5.14.0-70.13.1.el9_0.x86_64',
    },
    {
      kind: 'centos-7', packager: 'rpm', packages: grow([centos7, fedora], 700, 'rpm'),
      os: { name: 'CentOS Linux 7 (Core)', id: 'centos', versionId: '7', codename: '', idLike: ['rhel', 'fedora'] },
      oldKernel: rpm(['kernel'], '3.10.0-1062.1.2.el7'), newKernel: rpm(['kernel'], '3.10.0-1160.108.1.el7'), running: '3.10.0-1062.1.2.el7.x86_64',
    },
  ];
}

/** A newer build of a full version: the epoch raised by one, so every fix up to now is in. */
function updated(full: string): string {
  const m = /^(\d+):(.*)$/.exec(full);
  return m ? `${Number(m[1]) + 1}:${m[2]}` : `1:${full}`;
}

/** Share of a set's packages that are updated, by the set's index within its kind. */
const UPDATED_SHARE = [0, 0.1, 0.25, 0.5, 0.8, 1];

/**
 * Set `k` of an image: a share of its packages updated, three at a release
 * older than the image's (which makes every set distinct), and its kernels:
 * two installed with the older one running, one, or none (a container).
 */
export function setPackages(image: Image, k: number): Pkg[] {
  const share = UPDATED_SHARE[k % UPDATED_SHARE.length];
  const older = new Set([0, 1, 2].map((j) => (k * 7919 + j * 104729) % image.packages.length));
  const packages = image.packages.map((p, i) => {
    if (older.has(i)) return { ...p, full: `${p.full}~bench${k}`, sourceFull: p.sourceFull && `${p.sourceFull}~bench${k}` };
    if (hash(p.name, k) / 2 ** 32 < share) return { ...p, full: updated(p.full), sourceFull: p.sourceFull && updated(p.sourceFull) };
    return p;
  });
  const kernels = k % 3 === 0 ? [...image.oldKernel, ...image.newKernel] : k % 3 === 1 ? image.oldKernel : [];
  return [...packages, ...kernels];
}

/** How many of `sets` sets each kind gets: Debian a third, then Ubuntu 24.04, AlmaLinux, CentOS 7, Ubuntu 18.04. */
export function setsPerKind(sets: number): Map<Kind, number> {
  const weights: [Kind, number][] = [['debian-12', 10], ['ubuntu-24.04', 7], ['ubuntu-18.04', 3], ['alma-9', 6], ['centos-7', 4]];
  const counts = new Map<Kind, number>();
  let left = sets;
  weights.forEach(([kind, w], i) => {
    const n = i === weights.length - 1 ? left : Math.max(1, Math.round((sets * w) / 30));
    counts.set(kind, Math.min(n, left));
    left -= Math.min(n, left);
  });
  return counts;
}

export function report(image: Image, hostname: string, site: string, packages: Pkg[]): Report {
  const reported: ReportedPackage[] = packages.map((p) => packageFromFull(image.packager, p.name, p.full, p.arch, p.sourceName, p.sourceFull, null));
  return {
    format: 'patchscope-1', hostname, site, tags: [], packager: image.packager, arch: 'x86_64', kernel: image.running, os: image.os,
    rebootRequired: false, client: 'patchscope-bench 1.0.0', packages: reported, updates: null, repos: null, extraHeaders: {},
  };
}

/** A release number raised (`up`) or an old one, for a fixed version after or before the installed one. */
function fixedAround(full: string, up: boolean, k: number): string {
  const m = /^(?:(\d+):)?([^-]+)-(\d+)(.*)$/.exec(full);
  if (!m) return up ? updated(full) : `0:0.${k}-1.el7`;
  const [, epoch = '0', version, release] = m;
  return up ? `${epoch}:${version}-${Number(release) + 1 + (k % 5)}.el7_9` : `${epoch}:${version}-0.${k}.el7`;
}

/**
 * The real RHEL 7 OVAL's definitions copied `copies` times under new ids
 * (oval, RHSA and CVE ids), each copy's packages renamed onto the CentOS 7
 * image's packages, fixed at a release after the installed one for about a
 * third of them (the host lacks that fix) and before it for the rest.
 */
export function replicatedRhel7Oval(image: Image, copies: number): string {
  const text = fs.readFileSync(path.join(sharedData(), 'advisories', 'redhat', 'rhel-7.oval.xml'), 'utf8');
  const start = text.indexOf('<definitions>') + '<definitions>'.length;
  const end = text.indexOf('</definitions>');
  const templates = text.slice(start, end).split('</definition>').filter((d) => d.includes('<definition ')).map((d) => `${d}</definition>`);
  const names = image.packages.filter((p) => !p.name.startsWith('kernel'));
  const out: string[] = [text.slice(0, start)];
  let nextName = 0;
  let nextCve = 1;
  for (let c = 0; c < copies; c++) {
    templates.forEach((template, t) => {
      const n = c * templates.length + t;
      const cves = new Map<string, string>();
      const pkgs = new Map<string, Pkg>();
      const pkgOf = (name: string) => {
        let p = pkgs.get(name);
        if (!p) pkgs.set(name, (p = names[nextName++ % names.length]));
        return p;
      };
      out.push(
        template
          .replace(/id="oval:com\.redhat\.rhsa:def:\d+"/, `id="oval:org.patchscope.bench:def:${n + 1}"`)
          .replace(/RHSA-\d{4}:\d+/g, `RHSA-2098:${n + 1}`)
          .replace(/CVE-\d{4}-\d+/g, (cve) => cves.get(cve) ?? (cves.set(cve, `CVE-2098-${String(nextCve++).padStart(5, '0')}`), cves.get(cve) as string))
          .replace(/comment="(\S+) is earlier than ([^"]+)"/g, (_m, name: string) => {
            const p = pkgOf(name);
            return `comment="${p.name} is earlier than ${fixedAround(p.full, hash(p.name, n) % 3 === 0, n)}"`;
          })
          .replace(/comment="(\S+) is signed with/g, (_m, name: string) => `comment="${pkgOf(name).name} is signed with`),
      );
    });
  }
  out.push(text.slice(end));
  return out.join('\n');
}
