/**
 * Runs the real host client (client/patchscope-client) under real shells,
 * with stand-ins for the host's tools placed first on PATH
 * (test/fixtures/client/bin: rpm, dpkg-query, uname, hostname, dnf/yum,
 * apt-get) and --root for os-release, reboot-required and the apt sources.
 *
 * The stand-ins replay the real package lists in shared/data/packages: the
 * dpkg-query stand-in IS the real dpkg-query, reading a copy of a real dpkg
 * status file; the rpm stand-in renders rpm's --qf format from a table made
 * from the real `rpm -qa` outputs (see rpmRows* below for what those lists
 * lack and how it is filled in).
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { projectRoot } from '../../../src/paths';
import { sharedDataPath } from '../../helpers/shared-data';

export const clientScript = path.join(projectRoot, 'client', 'patchscope-client');
/** The script and the parts it sources (client/lib). */
export const clientFiles = [clientScript, ...fs.readdirSync(path.join(projectRoot, 'client', 'lib')).sort().map((f) => path.join(projectRoot, 'client', 'lib', f))];
export const fixturesDir = path.join(projectRoot, 'test', 'fixtures', 'client');
export const standinsDir = path.join(fixturesDir, 'bin');

export function which(command: string): string | null {
  for (const dir of (process.env.PATH ?? '').split(':')) {
    const file = path.join(dir || '.', command);
    try {
      fs.accessSync(file, fs.constants.X_OK);
      if (fs.statSync(file).isFile()) return file;
    } catch {
      // not here
    }
  }
  return null;
}

// ---------------------------------------------------------------------------
// shells

export interface Shell {
  name: string;
  /** argv before the script path */
  argv: string[];
  /** directories put after the stand-ins and before the normal PATH */
  pathDirs: string[];
}

/**
 * dash always (CI installs it). busybox when installed: `busybox sh` with a
 * directory of busybox applet links ahead of PATH, so that awk, sed, sort,
 * od, gzip, tr, mktemp ... are busybox's too, as on a busybox-only host.
 */
export const hasBusybox = which('busybox') !== null;
let busyboxDir: string | null = null;

function busyboxAppletDir(): string {
  if (busyboxDir) return busyboxDir;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'patchscope-busybox-'));
  const list = spawnSync('busybox', ['--list'], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean);
  // the stand-ins (and the real package tools behind them) must win
  const keep = new Set(['rpm', 'hostname', 'uname', 'dpkg', 'dpkg-deb', 'wget']);
  for (const applet of list) {
    if (keep.has(applet) || applet.includes('/')) continue;
    fs.symlinkSync(which('busybox')!, path.join(dir, applet));
  }
  process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
  busyboxDir = dir;
  return dir;
}

export const dash: Shell = { name: 'dash', argv: ['dash'], pathDirs: [] };
export function busybox(): Shell {
  return { name: 'busybox sh', argv: ['busybox', 'sh'], pathDirs: [busyboxAppletDir()] };
}
/** The shells every behaviour is checked under: [name, factory] for describe.each. */
export const shells: [string, () => Shell][] = [
  ['dash', () => dash],
  ...(hasBusybox ? ([['busybox sh', busybox]] as [string, () => Shell][]) : []),
];
if (!hasBusybox) {
  console.warn('busybox is not installed: the client tests run under dash only (apt-get install busybox)');
}

// ---------------------------------------------------------------------------
// a sandbox: temp dir with bin/ (stand-ins) and root/ (for --root)

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  env?: Record<string, string | undefined>;
  input?: string | Buffer;
  timeoutMs?: number;
}

export class Sandbox {
  readonly dir: string;
  readonly bin: string;
  readonly root: string;
  readonly env: Record<string, string> = {};

  constructor(readonly shell: Shell, prefix = 'patchscope-client-') {
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
    this.bin = path.join(this.dir, 'bin');
    this.root = path.join(this.dir, 'root');
    fs.mkdirSync(this.bin);
    fs.mkdirSync(path.join(this.root, 'etc'), { recursive: true });
    this.env.STANDIN_PM_LOG = path.join(this.dir, 'pm.log');
  }

  path(...parts: string[]): string {
    return path.join(this.dir, ...parts);
  }

  write(rel: string, content: string | Buffer): string {
    const file = path.join(this.dir, rel);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, content);
    return file;
  }

  /** Puts stand-in NAME (from test/fixtures/client/bin) on PATH, as AS. */
  standin(name: string, as = name): this {
    const target = path.join(this.bin, as);
    fs.copyFileSync(path.join(standinsDir, name), target);
    fs.chmodSync(target, 0o755);
    return this;
  }

  host(fqdn: string, kernel: string, arch: string): this {
    this.standin('hostname').standin('uname');
    Object.assign(this.env, { STANDIN_FQDN: fqdn, STANDIN_KERNEL: kernel, STANDIN_ARCH: arch });
    return this;
  }

  osRelease(content: string): this {
    fs.writeFileSync(path.join(this.root, 'etc', 'os-release'), content);
    return this;
  }

  rootFile(rel: string, content: string): this {
    const file = path.join(this.root, rel);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, content);
    return this;
  }

  rpm(rows: RpmRow[]): this {
    const db = this.write('rpmdb.tsv', rows.map((r) => [r.name, r.epoch, r.version, r.release, r.arch, r.sourcerpm].join('\t') + '\n').join(''));
    this.standin('rpm');
    this.env.STANDIN_RPM_DB = db;
    return this;
  }

  /** dpkg-query (the real one) reading this status file. */
  dpkg(statusText: string): this {
    const admindir = path.join(this.dir, 'dpkg');
    fs.mkdirSync(path.join(admindir, 'info'), { recursive: true });
    fs.mkdirSync(path.join(admindir, 'updates'), { recursive: true });
    fs.writeFileSync(path.join(admindir, 'status'), statusText);
    this.standin('dpkg-query');
    this.env.STANDIN_DPKG_ADMINDIR = admindir;
    return this;
  }

  /** dnf and/or yum answering from a fixture directory. */
  packageManager(fixture: string, names: ('dnf' | 'yum')[]): this {
    for (const name of names) this.standin('dnf', name);
    this.env.STANDIN_PM_DIR = path.join(fixturesDir, fixture);
    return this;
  }

  aptGet(outputFile: string): this {
    this.standin('apt-get');
    this.env.STANDIN_APT_OUTPUT = outputFile;
    return this;
  }

  pmLog(): string {
    return fs.existsSync(this.env.STANDIN_PM_LOG) ? fs.readFileSync(this.env.STANDIN_PM_LOG, 'utf8') : '';
  }

  run(args: string[], options: RunOptions = {}): Promise<RunResult> {
    const PATH = [this.bin, ...this.shell.pathDirs, process.env.PATH ?? '/usr/bin:/bin'].join(':');
    const env: Record<string, string> = { HOME: this.dir, TMPDIR: this.dir, PATH, ...this.env };
    for (const [k, v] of Object.entries(options.env ?? {})) {
      if (v === undefined) delete env[k];
      else env[k] = v;
    }
    return runProcess(this.shell.argv[0], [...this.shell.argv.slice(1), clientScript, ...args], env, options);
  }

  /** Runs with --root and --output FILE, returns the report parsed. */
  async report(args: string[] = [], options: RunOptions = {}): Promise<{ result: RunResult; report: Report }> {
    const out = this.path(`report-${Math.random().toString(36).slice(2)}.txt`);
    const result = await this.run(['--root', this.root, '--output', out, ...args], options);
    if (result.code !== 0) throw new Error(`client exited ${result.code}: ${result.stderr}`);
    return { result, report: parseReport(fs.readFileSync(out, 'utf8')) };
  }

  cleanup(): void {
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Inside a describe block: makes sandboxes for the shell, and cleans them all up after the block. */
export function sandboxFactory(makeShell: () => Shell): () => Sandbox {
  let shell: Shell;
  const made: Sandbox[] = [];
  beforeAll(() => {
    shell = makeShell();
  });
  afterAll(() => made.forEach((sb) => sb.cleanup()));
  return () => {
    const sb = new Sandbox(shell);
    made.push(sb);
    return sb;
  };
}

export function runProcess(
  command: string,
  args: string[],
  env: Record<string, string>,
  options: RunOptions = {},
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env, cwd: env.HOME });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() });
    });
    // a client that exits before reading its stdin (usage errors) closes the pipe
    child.stdin.on('error', () => undefined);
    child.stdin.end(options.input ?? '');
  });
}

// ---------------------------------------------------------------------------
// the native report (DESIGN.md §6.1), parsed strictly

export interface Report {
  raw: string;
  headerKeys: string[];
  header: Record<string, string>;
  /** package lines split on tabs */
  packages: string[][];
  sections: Record<string, string[][]>;
}

export function parseReport(raw: string): Report {
  if (!raw.endsWith('\n')) throw new Error('report does not end with a newline');
  const lines = raw.slice(0, -1).split('\n');
  let i = 0;
  const expect = (cond: boolean, what: string) => {
    if (!cond) throw new Error(`report line ${i + 1}: ${what}: ${JSON.stringify(lines[i])}`);
  };
  expect(lines[i] === '#', 'expected "#"');
  i++;
  const headerKeys: string[] = [];
  const header: Record<string, string> = {};
  for (; i < lines.length && lines[i] !== '#'; i++) {
    const m = /^([a-z-]+):(?: (.*))?$/.exec(lines[i]);
    expect(m !== null, 'expected "key: value"');
    expect(!/\s$/.test(lines[i]), 'trailing blank');
    headerKeys.push(m![1]);
    header[m![1]] = m![2] ?? '';
  }
  expect(lines[i] === '#', 'expected "#" after the header');
  i++;
  const packages: string[][] = [];
  for (; i < lines.length && lines[i] !== '#'; i++) {
    const f = lines[i].split('\t');
    expect(f.length === 5 && f.every((x) => x !== ''), 'expected 5 non-empty tab-separated fields');
    packages.push(f);
  }
  expect(lines[i] === '#', 'expected "#" after the packages');
  i++;
  const sections: Record<string, string[][]> = {};
  while (i < lines.length) {
    const m = /^#section ([a-z]+)$/.exec(lines[i]);
    expect(m !== null, 'expected "#section NAME"');
    i++;
    const rows: string[][] = [];
    for (; i < lines.length && lines[i] !== '#'; i++) rows.push(lines[i].split('\t'));
    expect(lines[i] === '#', 'expected "#" at the end of the section');
    i++;
    sections[m![1]] = rows;
  }
  return { raw, headerKeys, header, packages, sections };
}

/** The header keys, in the order DESIGN.md §6.1 shows them. */
export const HEADER_KEYS = [
  'arch', 'host', 'kernel', 'packager', 'site', 'system', 'tag', 'format',
  'os-id', 'os-version-id', 'os-codename', 'os-like', 'reboot-required', 'client',
];

export function byName(report: Report, name: string): string[][] {
  return report.packages.filter((p) => p[0] === name);
}

// ---------------------------------------------------------------------------
// real package lists from shared/data/packages, as the stand-ins serve them

export interface RpmRow {
  name: string;
  /** digits, or "(none)" as rpm prints a missing epoch */
  epoch: string;
  version: string;
  release: string;
  arch: string;
  /** e.g. "bash-5.1.8-4.el9.src.rpm", "(none)" for gpg-pubkey */
  sourcerpm: string;
}

/**
 * The shared rpm lists have NAME, [EPOCH:]VERSION-RELEASE (and, for ubi9,
 * ARCH) but no SOURCERPM. The stand-in database fills in what real rpm would
 * print: SOURCERPM = <source>-<version>-<release>.src.rpm, where <source> is
 * the binary's own name except for the subpackages below (their real source
 * packages), and the ARCH of the text lists (which have none) = the host's
 * arch. gpg-pubkey gets "(none)" for ARCH and SOURCERPM, as in real rpm.
 */
const SOURCE_OF: Record<string, string> = {
  'openssl-libs': 'openssl',
  'glibc-common': 'glibc',
  'glibc-minimal-langpack': 'glibc',
  'ncurses-base': 'ncurses',
  'ncurses-libs': 'ncurses',
  'systemd-libs': 'systemd',
  'systemd-pam': 'systemd',
  'rpm-libs': 'rpm',
  'rpm-build-libs': 'rpm',
  'dbus-libs': 'dbus',
  'dbus-common': 'dbus',
  'python3-libs': 'python3.9',
  'krb5-libs': 'krb5',
  'libcurl-minimal': 'curl',
  'curl-minimal': 'curl',
};
/** RHEL 9.0 builds device-mapper 1.02.183 from lvm2 2.03.14: the source version differs from the binary's. */
const SOURCE_RPM_OVERRIDE: Record<string, string> = {
  'device-mapper': 'lvm2-2.03.14-4.el9.src.rpm',
  'device-mapper-libs': 'lvm2-2.03.14-4.el9.src.rpm',
};

function rpmRow(name: string, epoch: string | undefined, version: string, release: string, arch: string): RpmRow {
  if (name === 'gpg-pubkey') return { name, epoch: '(none)', version, release, arch: '(none)', sourcerpm: '(none)' };
  const sourcerpm = SOURCE_RPM_OVERRIDE[name] ?? `${SOURCE_OF[name] ?? name}-${version}-${release}.src.rpm`;
  return { name, epoch: epoch ?? '(none)', version, release, arch, sourcerpm };
}

function splitEvr(evr: string): { epoch?: string; version: string; release: string } {
  const m = /^(?:(\d+):)?(.+)-([^-]+)$/.exec(evr);
  if (!m) throw new Error(`not [E:]V-R: ${evr}`);
  return { epoch: m[1], version: m[2], release: m[3] };
}

/** snyk-rpm-parser text lists: NAME \t [E:]V-R \t SIZE (or LABEL \t NAME \t [E:]V-R \t SIZE for "modules"). */
export function rpmRowsFromSnyk(rel: string, arch: string): RpmRow[] {
  const text = fs.readFileSync(sharedDataPath('packages', 'snyk-rpm-parser', rel), 'utf8');
  const modular = rel === 'modules';
  return text.split('\n').filter((l) => l.trim() !== '').map((line) => {
    const f = line.split('\t');
    const [name, evr] = modular ? [f[1], f[2]] : [f[0], f[1]];
    const { epoch, version, release } = splitEvr(evr);
    return rpmRow(name, epoch, version, release, arch);
  });
}

/** rpm-4.16/ubi9: a JSON array {name, version, release, epoch?, arch?}. */
export function rpmRowsFromUbi9(): RpmRow[] {
  const list = JSON.parse(fs.readFileSync(sharedDataPath('packages', 'snyk-rpm-parser', 'rpm-4.16', 'ubi9'), 'utf8')) as {
    name: string; version: string; release: string; epoch?: number; arch?: string;
  }[];
  return list.map((p) => rpmRow(p.name, p.epoch === undefined ? undefined : String(p.epoch), p.version, p.release, p.arch ?? '(none)'));
}

/** What the report must hold for these rows: the client's documented rules, restated. */
export function expectedRpmLines(rows: RpmRow[]): string[] {
  return rows.filter((r) => r.name !== 'gpg-pubkey').map((r) => {
    const e = r.epoch === '(none)' ? '0' : r.epoch;
    const m = /^(.+)-([^-]+)-([^-]+)\.src\.rpm$/.exec(r.sourcerpm)!;
    return [r.name, `${e}:${r.version}-${r.release}`, r.arch, m[1], `${e}:${m[2]}-${m[3]}`].join('\t');
  }).sort();
}

export function kernelRow(name: string, version: string, release: string, arch: string, source = 'kernel'): RpmRow {
  return { name, epoch: '(none)', version, release, arch, sourcerpm: `${source}-${version}-${release}.src.rpm` };
}

/** A real dpkg status file from the shared data. */
export function sharedStatusFile(...rel: string[]): string {
  return fs.readFileSync(sharedDataPath('packages', ...rel), 'utf8');
}

/**
 * claircore's IndexReport of debian:10 as a dpkg status file: one stanza per
 * binary package with its Version, Architecture and, when the index names
 * one, the Source field exactly as dpkg stored it ("util-linux (2.33.1-0.1)").
 */
export function debian10StatusFile(): { status: string; packages: { name: string; version: string; arch: string; source: string }[] } {
  const index = JSON.parse(fs.readFileSync(sharedDataPath('packages', 'claircore', 'docker.io-library-debian-10.index.json'), 'utf8')) as {
    packages: Record<string, { name: string; version: string; arch: string; kind: string; source: { name: string } }>;
  };
  const packages = Object.values(index.packages).filter((p) => p.kind === 'binary')
    .map((p) => ({ name: p.name, version: p.version, arch: p.arch, source: p.source.name }));
  const status = packages.map((p) => [
    `Package: ${p.name}`,
    'Status: install ok installed',
    'Priority: optional',
    `Architecture: ${p.arch}`,
    ...(p.source ? [`Source: ${p.source}`] : []),
    `Version: ${p.version}`,
    `Description: ${p.name}`,
    '',
  ].join('\n')).join('\n');
  return { status, packages };
}

/** Stanzas of a dpkg status file: field name -> value (first line). */
export function statusStanzas(text: string): Record<string, string>[] {
  return text.split(/\n\n+/).filter((s) => s.trim() !== '').map((stanza) => {
    const fields: Record<string, string> = {};
    for (const line of stanza.split('\n')) {
      const m = /^([A-Za-z0-9-]+):\s?(.*)$/.exec(line);
      if (m) fields[m[1]] = m[2];
    }
    return fields;
  });
}

/** The package lines the client must write for a status file, restated from dpkg's own rules. */
export function expectedDpkgLines(text: string): string[] {
  return statusStanzas(text).filter((s) => {
    const state = (s.Status ?? '').split(' ')[2];
    return state !== undefined && state !== 'not-installed' && state !== 'config-files';
  }).map((s) => {
    const m = /^(\S+)(?: \((.+)\))?$/.exec(s.Source ?? '');
    const srcName = m ? m[1] : s.Package;
    const srcVersion = m && m[2] ? m[2] : s.Version;
    return [s.Package, s.Version, s.Architecture, srcName, srcVersion].join('\t');
  }).sort();
}

// ---------------------------------------------------------------------------
// os-release files of the systems the shared package lists come from

export const OS_RELEASE = {
  rhel90: [
    'NAME="Red Hat Enterprise Linux"', 'VERSION="9.0 (Plow)"', 'ID="rhel"', 'ID_LIKE="fedora"', 'VERSION_ID="9.0"',
    'PLATFORM_ID="platform:el9"', 'PRETTY_NAME="Red Hat Enterprise Linux 9.0 (Plow)"', 'ANSI_COLOR="0;31"',
    'LOGO="fedora-logo-icon"', 'CPE_NAME="cpe:/o:redhat:enterprise_linux:9::baseos"', 'HOME_URL="https://www.redhat.com/"',
    'REDHAT_SUPPORT_PRODUCT="Red Hat Enterprise Linux"', 'REDHAT_SUPPORT_PRODUCT_VERSION="9.0"', '',
  ].join('\n'),
  centos7: [
    'NAME="CentOS Linux"', 'VERSION="7 (Core)"', 'ID="centos"', 'ID_LIKE="rhel fedora"', 'VERSION_ID="7"',
    'PRETTY_NAME="CentOS Linux 7 (Core)"', 'ANSI_COLOR="0;31"', 'CPE_NAME="cpe:/o:centos:centos:7"',
    'HOME_URL="https://www.centos.org/"', 'BUG_REPORT_URL="https://bugs.centos.org/"', '',
    'CENTOS_MANTISBT_PROJECT="CentOS-7"', 'CENTOS_MANTISBT_PROJECT_VERSION="7"', 'REDHAT_SUPPORT_PRODUCT="centos"',
    'REDHAT_SUPPORT_PRODUCT_VERSION="7"', '', '',
  ].join('\n'),
  centos8: [
    'NAME="CentOS Linux"', 'VERSION="8"', 'ID="centos"', 'ID_LIKE="rhel fedora"', 'VERSION_ID="8"',
    'PLATFORM_ID="platform:el8"', 'PRETTY_NAME="CentOS Linux 8"', 'ANSI_COLOR="0;31"', 'CPE_NAME="cpe:/o:centos:centos:8"',
    'HOME_URL="https://centos.org/"', 'BUG_REPORT_URL="https://bugs.centos.org/"', 'CENTOS_MANTISBT_PROJECT="CentOS-8"',
    'CENTOS_MANTISBT_PROJECT_VERSION="8"', '',
  ].join('\n'),
  fedora26: [
    'NAME=Fedora', 'VERSION="26 (Twenty Six)"', 'ID=fedora', 'VERSION_ID=26', 'PRETTY_NAME="Fedora 26 (Twenty Six)"',
    'ANSI_COLOR="0;34"', 'CPE_NAME="cpe:/o:fedoraproject:fedora:26"', 'HOME_URL="https://fedoraproject.org/"',
    'REDHAT_BUGZILLA_PRODUCT="Fedora"', 'REDHAT_BUGZILLA_PRODUCT_VERSION=26', 'REDHAT_SUPPORT_PRODUCT="Fedora"',
    'REDHAT_SUPPORT_PRODUCT_VERSION=26', 'PRIVACY_POLICY_URL=https://fedoraproject.org/wiki/Legal:PrivacyPolicy', '',
  ].join('\n'),
  ubuntu1804: [
    'NAME="Ubuntu"', 'VERSION="18.04.5 LTS (Bionic Beaver)"', 'ID=ubuntu', 'ID_LIKE=debian',
    'PRETTY_NAME="Ubuntu 18.04.5 LTS"', 'VERSION_ID="18.04"', 'HOME_URL="https://www.ubuntu.com/"',
    'SUPPORT_URL="https://help.ubuntu.com/"', 'BUG_REPORT_URL="https://bugs.launchpad.net/ubuntu/"',
    'PRIVACY_POLICY_URL="https://www.ubuntu.com/legal/terms-and-policies/privacy-policy"',
    'VERSION_CODENAME=bionic', 'UBUNTU_CODENAME=bionic', '',
  ].join('\n'),
  debian10: [
    'PRETTY_NAME="Debian GNU/Linux 10 (buster)"', 'NAME="Debian GNU/Linux"', 'VERSION_ID="10"', 'VERSION="10 (buster)"',
    'VERSION_CODENAME=buster', 'ID=debian', 'HOME_URL="https://www.debian.org/"', 'SUPPORT_URL="https://www.debian.org/support"',
    'BUG_REPORT_URL="https://bugs.debian.org/"', '',
  ].join('\n'),
  sles15: [
    'NAME="SLES"', 'VERSION="15-SP5"', 'VERSION_ID="15.5"', 'PRETTY_NAME="SUSE Linux Enterprise Server 15 SP5"', 'ID="sles"',
    'ID_LIKE="suse"', 'ANSI_COLOR="0;32"', 'CPE_NAME="cpe:/o:suse:sles:15:sp5"', 'DOCUMENTATION_URL="https://documentation.suse.com/"', '',
  ].join('\n'),
};
