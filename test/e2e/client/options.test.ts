/**
 * The client's command line and configuration file, its portability
 * (checkbashisms, shellcheck, dash and busybox), and its rpm version
 * comparison checked against rpm's own test vectors under every awk here.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sharedDataPath } from '../../helpers/shared-data';
import { clientFiles, clientScript, hasBusybox, OS_RELEASE, rpmRowsFromUbi9, Sandbox, shells, which, type Shell } from './harness';

jest.setTimeout(60_000);

describe.each(shells)('command line under %s', (_name, makeShell) => {
  let shell: Shell;
  const sandboxes: Sandbox[] = [];
  const host = () => {
    const sb = new Sandbox(shell);
    sandboxes.push(sb);
    return sb.osRelease(OS_RELEASE.rhel90).host('wn01.example.org', '5.14.0-70.13.1.el9_0.aarch64', 'aarch64').rpm(rpmRowsFromUbi9());
  };
  beforeAll(() => {
    shell = makeShell();
  });
  afterAll(() => sandboxes.forEach((s) => s.cleanup()));

  test('--help documents every option and the exit codes; --version', async () => {
    const sb = host();
    const help = await sb.run(['--help']);
    expect(help.code).toBe(0);
    for (const opt of ['--server', '--config', '--site', '--tag', '--host', '--cert', '--key', '--cacert', '--packager', '--updates',
      '--no-updates', '--timeout', '--sleep', '--output', '--input', '--dry-run', '--root', '--verbose', '--help', '--version']) {
      expect(help.stdout).toContain(`  ${opt}`);
    }
    expect(help.stdout).toMatch(/Exit status:\n {2}0 {2}sent and accepted[\s\S]*\n {2}1 {2}usage or configuration error[\s\S]*\n {2}2 {2}collection error[\s\S]*\n {2}3 {2}network or TLS error[\s\S]*\n {2}4 {2}the server refused/);
    const version = await sb.run(['--version']);
    expect(version).toEqual({ code: 0, stdout: 'patchscope-client 1.0.0\n', stderr: '' });
  });

  test.each([
    [['--bogus'], /unknown option: --bogus/],
    [['extra-argument'], /unexpected argument: extra-argument/],
    [['--server'], /option --server needs a value/],
    [['--verbose=yes'], /option --verbose takes no value/],
    [['--sleep', 'soon', '--output', '-'], /--sleep needs a number of seconds/],
    [['--timeout', '0', '--output', '-'], /timeout must be a positive number/],
    [['--packager', 'apk', '--output', '-'], /packager must be rpm or dpkg/],
    [['--root', '/nonexistent/dir', '--output', '-'], /--root: not a directory/],
    [['--config', '/nonexistent/client.conf', '--output', '-'], /configuration file not found/],
    [['--site', 'a\tb', '--output', '-'], /must not contain tabs/],
  ])('usage error %j: exit 1', async (args, message) => {
    const sb = host();
    const r = await sb.run(args as string[]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(message as RegExp);
    expect(r.stdout).toBe('');
  });

  test('--output -, --opt=value forms, --output to an unwritable place', async () => {
    const sb = host();
    const r = await sb.run([`--root=${sb.root}`, '--output=-', '--site=CERN', '--tag', 'batch']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^site: CERN$/m);
    expect(r.stdout).toMatch(/^tag: batch$/m);
    const bad = await sb.run(['--root', sb.root, '--output', path.join(sb.dir, 'no', 'such', 'dir', 'r.txt')]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/cannot write/);
  });

  test('config file: parsed, never sourced; quotes, comments, export, unknown keys', async () => {
    const sb = host();
    const marker = sb.path('pwned');
    const conf = sb.write('client.conf', [
      '# comment',
      '',
      '   SITE = x', // not KEY=value: rejected below, so first a good file
    ].join('\n'));
    let r = await sb.run(['--root', sb.root, '--config', conf, '--output', '-']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/client\.conf:3: expected KEY=value, got: SITE = x/);

    fs.writeFileSync(conf, [
      '# Patchscope client',
      'export SITE="Physics \\"B\\" $HOME"   # a comment after a quoted value',
      `TAG='$(touch ${marker})'`,
      'HOST=`id`',
      'PACKAGER=rpm',
      'UPDATES=no',
      'FUTURE_SETTING=1',
      '\r',
    ].join('\r\n'));
    r = await sb.run(['--root', sb.root, '--config', conf, '--output', '-']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('\nsite: Physics "B" $HOME\n');
    expect(r.stdout).toContain(`\ntag: $(touch ${marker})\n`);
    expect(r.stdout).toContain('\nhost: `id`\n');
    expect(fs.existsSync(marker)).toBe(false);
    expect(r.stderr).toMatch(/unknown setting FUTURE_SETTING ignored/);

    for (const [line, message] of [
      ['SITE="unterminated', /unterminated quote/],
      ['SITE=two words', /contains blanks: quote it/],
      ['SITE="a" b', /unexpected text after the quoted value/],
      ['UPDATES=maybe', /UPDATES must be yes or no/],
      ['TIMEOUT=soon', /timeout must be a positive number/],
      ['SERVER=ftp://example.org', /must be an https:\/\/ URL/],
    ] as [string, RegExp][]) {
      fs.writeFileSync(conf, `${line}\n`);
      r = await sb.run(['--root', sb.root, '--config', conf, '--dry-run']);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(message);
    }
    // --config /dev/null: no settings at all
    r = await sb.run(['--root', sb.root, '--config', '/dev/null', '--output', '-']);
    expect(r.code).toBe(0);
  });

  test('os-release: quoting and escapes, /usr/lib/os-release fallback, none at all', async () => {
    const sb = host();
    sb.osRelease([
      "ID='rocky'", 'ID_LIKE="rhel centos fedora"', 'VERSION_ID="9.4"', 'VERSION_CODENAME=',
      'PRETTY_NAME="Rocky Linux 9.4 \\"Blue Onyx\\" \\\\ \\$x"', 'PRETTY_NAME_IS_NOT="this"', '',
    ].join('\n'));
    let r = await sb.run(['--root', sb.root, '--output', '-']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('\nsystem: Rocky Linux 9.4 "Blue Onyx" \\ $x\n');
    expect(r.stdout).toContain('\nos-id: rocky\nos-version-id: 9.4\nos-codename:\nos-like: rhel centos fedora\n');

    fs.renameSync(path.join(sb.root, 'etc', 'os-release'), path.join(sb.dir, 'os-release'));
    sb.rootFile('usr/lib/os-release', OS_RELEASE.centos8);
    r = await sb.run(['--root', sb.root, '--output', '-']);
    expect(r.stdout).toContain('\nsystem: CentOS Linux 8\n');

    fs.rmSync(path.join(sb.root, 'usr'), { recursive: true });
    sb.rootFile('etc/redhat-release', 'CentOS release 6.10 (Final)\n');
    r = await sb.run(['--root', sb.root, '--output', '-', '--packager', 'rpm']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('\nsystem: CentOS release 6.10 (Final)\n');
    expect(r.stdout).toContain('\nos-id:\n');
    expect(r.stderr).toMatch(/no os-release file/);
  });

  test('--sleep 0 and --sleep 1 work', async () => {
    const sb = host();
    const started = Date.now();
    expect((await sb.run(['--root', sb.root, '--output', '-', '--sleep', '0'])).code).toBe(0);
    const r = await sb.run(['--root', sb.root, '--output', '-', '--sleep', '1', '--verbose']);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/sleeping [01] seconds \(--sleep 1\)/);
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  test('--host overrides hostname -f; host names are lower-cased', async () => {
    const sb = host();
    let r = await sb.run(['--root', sb.root, '--output', '-', '--host', 'wn99.example.org']);
    expect(r.stdout).toMatch(/^host: wn99\.example\.org$/m);
    sb.env.STANDIN_FQDN = 'WN01.Example.ORG';
    r = await sb.run(['--root', sb.root, '--output', '-']);
    expect(r.stdout).toMatch(/^host: wn01\.example\.org$/m);
  });
});

describe('installed layout', () => {
  test('when installed as bin/patchscope-client with share/patchscope-client beside it, then it finds its parts; without them it says so', () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'patchscope-install-'));
    try {
      fs.mkdirSync(path.join(root, 'sbin'));
      fs.mkdirSync(path.join(root, 'share', 'patchscope-client'), { recursive: true });
      fs.copyFileSync(clientScript, path.join(root, 'sbin', 'patchscope-client'));
      fs.writeFileSync(path.join(root, 'not-a-report'), 'x\n');
      const run = () => spawnSync('dash', [path.join(root, 'sbin', 'patchscope-client'), '--input', path.join(root, 'not-a-report'), '--output', '-'], { encoding: 'utf8', env: { PATH: process.env.PATH } });
      const missing = run();
      expect(missing.status).toBe(1);
      expect(missing.stderr).toMatch(/cannot find the client's parts/);
      for (const file of clientFiles.slice(1)) fs.copyFileSync(file, path.join(root, 'share', 'patchscope-client', path.basename(file)));
      const installed = run();
      expect(installed.status).toBe(1);
      expect(installed.stderr).toMatch(/is not a Patchscope\/Pakiti report/);
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});

describe('portability', () => {
  const checkbashisms = which('checkbashisms');
  (checkbashisms ? test : test.skip)('checkbashisms finds nothing (apt-get install devscripts)', () => {
    const r = spawnSync('checkbashisms', ['--force', '--extra', ...clientFiles], { encoding: 'utf8' });
    expect(r.stderr + r.stdout).toBe('');
    expect(r.status).toBe(0);
  });
  (which('shellcheck') ? test : test.skip)('shellcheck -s sh finds nothing', () => {
    const r = spawnSync('shellcheck', ['-s', 'sh', '-x', '-P', 'SCRIPTDIR', clientScript], { encoding: 'utf8' });
    expect(r.stdout).toBe('');
    expect(r.status).toBe(0);
  });
  test('the client tests run under dash, and under busybox sh when it is installed', () => {
    if (!hasBusybox) console.warn('busybox missing: install it to run the client tests under busybox sh');
    expect(shells.map(([n]) => n)).toContain('dash');
  });
  test('the script is executable and starts with #!/bin/sh', () => {
    expect(fs.readFileSync(clientScript, 'utf8').startsWith('#!/bin/sh\n')).toBe(true);
    expect(fs.statSync(clientScript).mode & 0o111).not.toBe(0);
  });
});

describe("the client's rpmvercmp (awk) against rpm's test vectors", () => {
  // the awk function the client uses for kernels, cut from the script itself
  const script = clientFiles.map((f) => fs.readFileSync(f, 'utf8')).join('\n');
  const m = /\nRPMVERCMP_AWK='\n([\s\S]*?\n})'\n/.exec(script);
  const awks: string[][] = [['awk'], ...(hasBusybox ? [['busybox', 'awk']] : []),
    ...['mawk', 'gawk', 'original-awk'].filter((a) => which(a)).map((a) => [a])];

  test('the function is found in the script', () => {
    expect(m).not.toBeNull();
  });

  describe.each(awks.map((a) => [a.join(' '), a]))('%s', (_n, awk) => {
    test.each(['rpm.tsv', 'rpm-vercmp-matrix.tsv'])('%s: every row', (file) => {
      const tsv = fs.readFileSync(sharedDataPath('version-vectors', file), 'utf8');
      const rows = tsv.split('\n').slice(1).filter((l) => l !== '');
      const program = `${m![1]}\nNR > 1 && NF >= 3 { r = rpmvercmp($1, $2); if (r != $3) printf "MISMATCH\\t%s\\t%s\\texpected %s got %s\\n", $1, $2, $3, r; n++ }\nEND { print n " rows" }`;
      const r = spawnSync(awk[0], [...awk.slice(1), '-F', '\t', program], { input: tsv, encoding: 'utf8', env: { ...process.env, LC_ALL: 'C' } });
      expect(r.stderr).toBe('');
      expect(r.stdout).toBe(`${rows.length} rows\n`);
    });
  });
});
