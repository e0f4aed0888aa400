import { isKernelPackage, isRunningKernelPackage, newerKernelInstalled, parseRunningKernel, type KernelPackage } from '../../../src/status/kernels';

const rpm = (name: string, version: string, release: string, epoch = ''): KernelPackage => ({ type: 'rpm', name, epoch, version, release });
const deb = (name: string, version: string, release: string, epoch = ''): KernelPackage => ({ type: 'deb', name, epoch, version, release });

describe('parseRunningKernel', () => {
  it('when uname -r is a RHEL 9 kernel, then arch is stripped and the flavour is the default', () => {
    expect(parseRunningKernel('rpm', '5.14.0-427.13.1.el9_4.x86_64')).toEqual({ type: 'rpm', id: '5.14.0-427.13.1.el9_4', flavour: '' });
  });

  it('when uname -r carries a +debug (RHEL 8/9) or .debug (RHEL 7) suffix, then the flavour is debug', () => {
    expect(parseRunningKernel('rpm', '4.18.0-513.5.1.el8_9.x86_64+debug')).toEqual({ type: 'rpm', id: '4.18.0-513.5.1.el8_9', flavour: 'debug' });
    expect(parseRunningKernel('rpm', '3.10.0-1160.el7.x86_64.debug')).toEqual({ type: 'rpm', id: '3.10.0-1160.el7', flavour: 'debug' });
  });

  it('when uname -r is a Debian or Ubuntu kernel, then the ABI and flavour are apart', () => {
    expect(parseRunningKernel('deb', '6.1.0-18-amd64')).toEqual({ type: 'deb', id: '6.1.0-18', flavour: 'amd64' });
    expect(parseRunningKernel('deb', '5.15.0-91-generic')).toEqual({ type: 'deb', id: '5.15.0-91', flavour: 'generic' });
  });

  it('when there is no kernel, then nothing is known', () => {
    expect(parseRunningKernel('rpm', null)).toBeNull();
    expect(parseRunningKernel('deb', 'garbage')).toBeNull();
  });
});

describe('isKernelPackage', () => {
  it('when a package is an install-only kernel, then it is one; kernel-headers, kernel-tools and the Debian meta package are not', () => {
    expect(isKernelPackage(rpm('kernel-core', '5.14.0', '427.13.1.el9_4'))).toBe(true);
    expect(isKernelPackage(rpm('kernel', '3.10.0', '1160.el7'))).toBe(true);
    expect(isKernelPackage(rpm('kernel-debug-modules-extra', '5.14.0', '427.el9'))).toBe(true);
    expect(isKernelPackage(rpm('kernel-headers', '5.14.0', '427.el9'))).toBe(false);
    expect(isKernelPackage(rpm('kernel-tools', '5.14.0', '427.el9'))).toBe(false);
    expect(isKernelPackage(deb('linux-image-6.1.0-18-amd64', '6.1.76', '1'))).toBe(true);
    expect(isKernelPackage(deb('linux-headers-5.15.0-91', '5.15.0', '91.101'))).toBe(true);
    expect(isKernelPackage(deb('linux-image-amd64', '6.1.76', '1'))).toBe(false);
    expect(isKernelPackage(deb('linux-libc-dev', '6.1.76', '1'))).toBe(false);
  });

  it('when a package is built from the kernel source (headers, perf), then it is the kernel’s too: its CVEs count only through the running kernel', () => {
    expect(isKernelPackage({ ...deb('linux-libc-dev', '6.1.76', '1'), sourceName: 'linux' })).toBe(true);
    expect(isKernelPackage({ ...deb('linux-perf', '6.1.76', '1'), sourceName: 'linux' })).toBe(true);
    expect(isKernelPackage({ ...rpm('kernel-headers', '5.14.0', '427.el9'), sourceName: 'kernel' })).toBe(true);
    expect(isKernelPackage({ ...rpm('bash', '5.1.8', '9.el9'), sourceName: 'bash' })).toBe(false);
    expect(isKernelPackage({ ...deb('linux-base', '4.9', ''), sourceName: 'linux-base' })).toBe(false);
  });
});

describe('isRunningKernelPackage', () => {
  const running = parseRunningKernel('rpm', '5.14.0-427.13.1.el9_4.x86_64');

  it('when an rpm kernel has the running version-release and flavour, then it runs; an older or debug copy does not', () => {
    expect(isRunningKernelPackage(rpm('kernel-core', '5.14.0', '427.13.1.el9_4'), running)).toBe(true);
    expect(isRunningKernelPackage(rpm('kernel-modules', '5.14.0', '427.13.1.el9_4'), running)).toBe(true);
    expect(isRunningKernelPackage(rpm('kernel-core', '5.14.0', '362.8.1.el9_3'), running)).toBe(false);
    expect(isRunningKernelPackage(rpm('kernel-debug-core', '5.14.0', '427.13.1.el9_4'), running)).toBe(false);
  });

  it('when a Debian kernel package carries the running ABI in its name, then it runs', () => {
    const debRunning = parseRunningKernel('deb', '6.1.0-18-amd64');
    expect(isRunningKernelPackage(deb('linux-image-6.1.0-18-amd64', '6.1.76', '1'), debRunning)).toBe(true);
    expect(isRunningKernelPackage(deb('linux-image-6.1.0-17-amd64', '6.1.69', '1'), debRunning)).toBe(false);
  });
});

describe('newerKernelInstalled', () => {
  it('when kernel-core 427 runs and 503 is installed too, then a reboot is due', () => {
    const running = parseRunningKernel('rpm', '5.14.0-427.13.1.el9_4.x86_64');
    const installed = [rpm('kernel-core', '5.14.0', '427.13.1.el9_4'), rpm('kernel-core', '5.14.0', '503.11.1.el9_5'), rpm('kernel-headers', '5.14.0', '600.el9')];
    expect(newerKernelInstalled(installed, running)).toBe(true);
  });

  it('when the newest installed kernel runs, then no reboot is due (kernel-headers being newer does not count)', () => {
    const running = parseRunningKernel('rpm', '5.14.0-503.11.1.el9_5.x86_64');
    const installed = [rpm('kernel-core', '5.14.0', '427.13.1.el9_4'), rpm('kernel-core', '5.14.0', '503.11.1.el9_5'), rpm('kernel-headers', '5.14.0', '600.el9')];
    expect(newerKernelInstalled(installed, running)).toBe(false);
  });

  it('when a RHEL 7 host (package "kernel") runs an older kernel, then a reboot is due', () => {
    const running = parseRunningKernel('rpm', '3.10.0-1160.el7.x86_64');
    expect(newerKernelInstalled([rpm('kernel', '3.10.0', '1160.el7'), rpm('kernel', '3.10.0', '1160.119.1.el7')], running)).toBe(true);
  });

  it('when a Debian host runs ABI 17 and ABI 18 of the same flavour is installed, then a reboot is due', () => {
    const running = parseRunningKernel('deb', '6.1.0-17-amd64');
    const installed = [deb('linux-image-6.1.0-17-amd64', '6.1.69', '1'), deb('linux-image-6.1.0-18-amd64', '6.1.76', '1'), deb('linux-image-amd64', '6.1.76', '1')];
    expect(newerKernelInstalled(installed, running)).toBe(true);
    expect(newerKernelInstalled(installed, parseRunningKernel('deb', '6.1.0-18-amd64'))).toBe(false);
  });

  it('when the running kernel is not installed at all (a container), then nothing is claimed', () => {
    const running = parseRunningKernel('rpm', '6.5.0-1.fc39.x86_64');
    expect(newerKernelInstalled([rpm('kernel-core', '5.14.0', '503.el9')], running)).toBe(false);
  });
});
