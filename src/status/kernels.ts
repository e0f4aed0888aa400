/**
 * Kernels (DESIGN.md §8): only the running kernel's packages count for CVEs,
 * and an installed kernel newer than the running one means a reboot is due.
 *
 * rpm hosts install kernels side by side under one name (kernel-core 5.14.0-427
 * and 5.14.0-503 both installed); the running one is told by its
 * version-release, which is what `uname -r` prints before the arch and the
 * flavour ("5.14.0-427.13.1.el9_4.x86_64+debug"). dpkg hosts put the kernel ABI
 * in the package name (linux-image-6.1.0-18-amd64), which `uname -r` prints
 * whole ("6.1.0-18-amd64").
 */
import { compareDebVersions, compareEvr, type PackageType } from '../versions';

export interface KernelPackage {
  type: PackageType;
  name: string;
  /** The source package, when known: headers and tools built from the kernel's source are the kernel's too. */
  sourceName?: string | null;
  epoch: string;
  version: string;
  release: string;
}

export interface RunningKernel {
  type: PackageType;
  /** rpm: "version-release" of the running kernel; deb: the ABI ("6.1.0-18"). */
  id: string;
  /** rpm: '' | 'debug' | '64k'; deb: the flavour after the ABI ("amd64", "generic", "rt-amd64"). */
  flavour: string;
}

// Install-only kernel packages: the ones that exist once per installed kernel.
// kernel-headers, kernel-tools, perf and friends are ordinary packages.
const RPM_KERNEL = /^kernel(?:-rt|-uek|-64k|-debug|-rt-debug|-64k-debug|-uek-debug|-zfcpdump)?(?:-core|-modules|-modules-core|-modules-extra|-modules-internal|-devel|-devel-matched)?$/;
const RPM_ARCH = /\.(?:x86_64|aarch64|ppc64le|ppc64|s390x|i686|i586|armv7hl|noarch)$/;
const DEB_KERNEL = /^linux-(?:image|modules|modules-extra|headers|buildinfo|image-unsigned)-(\d+\.\d+(?:\.\d+)?-\d+)(?:-(.+))?$/;
const DEB_ABI = /^(\d+\.\d+(?:\.\d+)?-\d+)(?:-(.+))?$/;

// Sources whose binaries are the kernel or built from its tree (linux-libc-dev, linux-perf, kernel-headers, perf, bpftool).
const KERNEL_SOURCE = /^(?:kernel(?:-rt|-uek|-alt)?|linux(?:-signed(?:-[a-z0-9]+)?)?)$/;

/** Whether a package may be an installed kernel, for the reboot check: what the repositories' KERNEL_LIKE selects, in memory. */
export function isKernelLike(name: string): boolean {
  return name.startsWith('kernel') || name.startsWith('linux-');
}

/**
 * Whether the package belongs to a kernel: one copy of an installed kernel,
 * or a package built from the kernel's source (headers, perf, bpftool). Their
 * CVEs are kernel CVEs, which count only through the running kernel.
 */
export function isKernelPackage(pkg: KernelPackage): boolean {
  if (pkg.type === 'rpm' ? RPM_KERNEL.test(pkg.name) : DEB_KERNEL.test(pkg.name)) return true;
  return pkg.sourceName !== undefined && pkg.sourceName !== null && pkg.sourceName !== pkg.name && KERNEL_SOURCE.test(pkg.sourceName);
}

function rpmFlavourOfName(name: string): string {
  if (name.includes('-debug')) return 'debug';
  if (name.startsWith('kernel-64k')) return '64k';
  return '';
}

/** What `uname -r` says about the running kernel, or null when it says nothing usable. */
export function parseRunningKernel(type: PackageType, uname: string | null): RunningKernel | null {
  if (!uname) return null;
  let text = uname.trim();
  if (type === 'rpm') {
    let flavour = '';
    const plus = /\+(debug|64k|rt)$/.exec(text); // RHEL 8/9: "…x86_64+debug"
    if (plus) {
      flavour = plus[1] === 'rt' ? '' : plus[1];
      text = text.slice(0, plus.index);
    }
    if (text.endsWith('.debug')) {
      flavour = 'debug'; // RHEL 7: "…x86_64.debug"
      text = text.slice(0, -'.debug'.length);
    }
    text = text.replace(RPM_ARCH, '');
    return text.includes('-') ? { type, id: text, flavour } : null;
  }
  const m = DEB_ABI.exec(text);
  return m ? { type, id: m[1], flavour: m[2] ?? '' } : null;
}

/** Whether this kernel package belongs to the running kernel. */
export function isRunningKernelPackage(pkg: KernelPackage, running: RunningKernel | null): boolean {
  if (running === null || running.type !== pkg.type) return false;
  if (pkg.type === 'rpm') return `${pkg.version}-${pkg.release}` === running.id && rpmFlavourOfName(pkg.name) === running.flavour;
  const m = DEB_KERNEL.exec(pkg.name);
  return m !== null && m[1] === running.id;
}

/**
 * Whether a kernel newer than the running one is installed (of the same
 * flavour). Unknown when the running kernel is not among the installed
 * packages (a container reports its host's kernel): then false.
 */
export function newerKernelInstalled(packages: readonly KernelPackage[], running: RunningKernel | null): boolean {
  if (running === null) return false;
  if (running.type === 'rpm') {
    const images = packages.filter((p) => p.type === 'rpm' && /^kernel(?:-[a-z0-9]+)*-core$|^kernel(?:-debug|-64k|-64k-debug|-rt|-rt-debug|-uek|-uek-debug)?$/.test(p.name) && rpmFlavourOfName(p.name) === running.flavour);
    const current = images.find((p) => `${p.version}-${p.release}` === running.id);
    if (!current) return false;
    const currentEvr = evr(current);
    return images.some((p) => p.name === current.name && compareEvr(evr(p), currentEvr) > 0);
  }
  const images = packages
    .map((p) => ({ p, m: /^linux-image-(?:unsigned-)?(\d+\.\d+(?:\.\d+)?-\d+)-(.+)$/.exec(p.name) }))
    .filter(({ m }) => m !== null && m[2] === running.flavour);
  const current = images.find(({ m }) => m?.[1] === running.id);
  if (!current) return false;
  const currentVersion = evr(current.p);
  return images.some(({ p, m }) => m?.[1] !== running.id && compareDebVersions(evr(p), currentVersion) > 0);
}

function evr(p: KernelPackage): string {
  const head = p.epoch && p.epoch !== '0' ? `${p.epoch}:${p.version}` : p.version;
  return p.release ? `${head}-${p.release}` : head;
}
