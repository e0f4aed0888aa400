import { X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import tls from 'node:tls';
import { Command } from 'commander';
import { registerCerts } from '../../../src/cli/certs';
import { PkiStore } from '../../../src/pki';
import { fileMode, makeTempDir, removeTempDir } from './helpers';

let dir: string;
let pkiDir: string;

beforeAll(() => {
  dir = makeTempDir();
  pkiDir = path.join(dir, 'certs');
  // a CA made through the store with a smaller key keeps the suite fast; `certs init` itself is tested below
  new PkiStore(pkiDir).init({ commonName: 'CLI Test CA', keyBits: 3072 });
});
afterAll(() => removeTempDir(dir));

/** Runs `patchscope certs …` in-process and returns what it printed, line by line. */
async function run(args: string[], configDir: string | (() => never) = pkiDir): Promise<string[]> {
  const program = new Command('patchscope').exitOverride().configureOutput({ writeErr: () => undefined });
  const context = () => {
    if (typeof configDir === 'function') return configDir();
    return { config: { pki: { dir: configDir } } };
  };
  registerCerts(program, context);
  let printed = '';
  const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    printed += String(chunk);
    return true;
  });
  try {
    await program.parseAsync(['node', 'patchscope', 'certs', ...args]);
  } finally {
    spy.mockRestore();
  }
  return printed.split('\n').filter((line) => line !== '');
}

const noConfig = (): never => {
  throw new Error('the configuration should not be needed when --dir is given');
};

describe('patchscope certs', () => {
  it('init creates a CA in --dir (relative to the working directory) and refuses to run twice', async () => {
    const cwd = process.cwd();
    process.chdir(dir);
    try {
      const lines = await run(['init', '--dir', 'fresh', '--cn', 'Fresh CA', '--days', '30'], noConfig);
      const caDir = path.join(fs.realpathSync(dir), 'fresh', 'ca');
      expect(lines).toEqual([path.join(caDir, 'ca.crt'), path.join(caDir, 'ca.key'), path.join(caDir, 'crl.pem')]);
      const ca = new X509Certificate(fs.readFileSync(lines[0]));
      expect(ca.subject).toBe('O=Patchscope\nCN=Fresh CA');
      expect(ca.publicKey.asymmetricKeyDetails?.modulusLength).toBe(4096);
      expect(new Date(ca.validTo).getTime() - Date.now()).toBeLessThan(31 * 86_400_000);
      expect(fileMode(lines[1])).toBe(0o600);
      await expect(run(['init', '--dir', 'fresh'], noConfig)).rejects.toThrow(/^a CA already exists in .*refusing to replace it/);
    } finally {
      process.chdir(cwd);
    }
  });

  it('issues server, host, user and peer certificates into the configured directory', async () => {
    const issued = path.join(pkiDir, 'issued');
    expect(await run(['server', 'web.example.org', '--san', 'localhost', '--san', '127.0.0.1,::1'])).toEqual([
      path.join(issued, 'servers', 'web.example.org.key'),
      path.join(issued, 'servers', 'web.example.org.crt'),
    ]);
    const server = new X509Certificate(fs.readFileSync(path.join(issued, 'servers', 'web.example.org.crt')));
    expect(server.subjectAltName).toBe('DNS:web.example.org, DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1');
    // servers get ECDSA unless asked otherwise; hosts and peers RSA
    expect(server.publicKey.asymmetricKeyType).toBe('ec');
    await run(['server', 'rsa.example.org', '--key', 'rsa']);
    expect(new X509Certificate(fs.readFileSync(path.join(issued, 'servers', 'rsa.example.org.crt'))).publicKey.asymmetricKeyType).toBe('rsa');
    await expect(run(['server', 'dsa.example.org', '--key', 'dsa'])).rejects.toThrow(/--key <type>.*dsa.*rsa, ec/);

    expect(await run(['host', 'node1.example.org', '--days', '10'])).toEqual([
      path.join(issued, 'hosts', 'node1.example.org.key'),
      path.join(issued, 'hosts', 'node1.example.org.crt'),
    ]);

    const user = await run(['user', 'Alice Example', '--email', 'alice@example.org']);
    expect(user.slice(0, 3)).toEqual(['key', 'crt', 'p12'].map((ext) => path.join(issued, 'users', `alice-example.${ext}`)));
    const password = /^p12 password: (\S{20})$/.exec(user[3])?.[1];
    expect(password).toBeDefined();
    expect(user).toHaveLength(4);
    expect(() => tls.createSecureContext({ pfx: fs.readFileSync(user[2]), passphrase: password })).not.toThrow();

    const given = await run(['user', 'Bob', '--p12-password', 's3cret pass']);
    expect(given).toHaveLength(3);
    expect(() => tls.createSecureContext({ pfx: fs.readFileSync(given[2]), passphrase: 's3cret pass' })).not.toThrow();

    expect(await run(['peer', 'central.example.org', '--san', '10.0.0.1'])).toHaveLength(2);
    expect(new X509Certificate(fs.readFileSync(path.join(issued, 'peers', 'central.example.org.crt'))).publicKey.asymmetricKeyType).toBe('rsa');
    await run(['host', 'node2.example.org', '--key', 'ec']);
    expect(new X509Certificate(fs.readFileSync(path.join(issued, 'hosts', 'node2.example.org.crt'))).publicKey.asymmetricKeyType).toBe('ec');

    const printedKeys = [...user, ...given].join('\n');
    expect(printedKeys).not.toMatch(/PRIVATE KEY/);
  });

  it('refuses duplicates unless --overwrite, with one-line errors', async () => {
    await expect(run(['host', 'node1.example.org'])).rejects.toThrow(/^a host certificate named "node1.example.org" already exists/);
    expect(await run(['host', 'node1.example.org', '--overwrite'])).toHaveLength(2);
    await expect(run(['host', 'not a host'])).rejects.toThrow(/not a host name/);
    await expect(run(['host', 'x.example.org', '--days', 'ten'])).rejects.toThrow(/whole number of days/);
  });

  it('revokes (writing a new CRL), writes CRLs and lists', async () => {
    const store = new PkiStore(pkiDir);
    const peer = store.list().find((e) => e.profile === 'peer')!;
    expect(await run(['revoke', peer.serial.toUpperCase(), '--reason', 'cessationOfOperation'])).toEqual([store.crlPath]);
    await expect(run(['revoke', peer.serial])).rejects.toThrow(/already revoked/);
    await expect(run(['revoke', peer.serial, '--reason', 'whim'])).rejects.toThrow(/whim/);
    expect(await run(['crl', '--days', '3'])).toEqual([store.crlPath]);

    const table = await run(['list']);
    expect(table[0]).toMatch(/^STATUS\s+PROFILE\s+SERIAL\s+EXPIRES\s+SUBJECT$/);
    expect(table.find((l) => l.includes(peer.serial))).toMatch(/^revoked\s+peer\s/);
    expect(table.filter((l) => l.startsWith('valid'))).toHaveLength(7);

    const json = JSON.parse((await run(['list', '--json'])).join('\n'));
    expect(json.find((e: { serial: string }) => e.serial === peer.serial)).toMatchObject({ status: 'revoked', revocationReason: 'cessationOfOperation' });
  });
});
