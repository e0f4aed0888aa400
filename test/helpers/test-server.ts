import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Config } from '../../src/config';
import { createLogger } from '../../src/logger';
import { type Patchscope, startPatchscope } from '../../src/main';
import { type Profile, PkiStore } from '../../src/pki';
import type { DeepPartial } from './config';
import { createTestDatabase, type TestDatabase } from './database';
import type { Identity } from './https';

export interface TestServer {
  server: Patchscope;
  t: TestDatabase;
  pki: PkiStore;
  dir: string;
  caFile: string;
  config: Config;
  /** Issues (once) a certificate of the profile for the name and returns its files. */
  identity(profile: Profile, commonName: string): Identity;
  stop(): Promise<void>;
}

/**
 * A real Patchscope on a fresh test database (SQLite, or MariaDB with
 * TEST_DB=mysql), listening on 127.0.0.1 with its own test CA.
 */
export async function startTestServer(overrides: DeepPartial<Config> = {}): Promise<TestServer> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'patchscope-server-'));
  const pki = new PkiStore(path.join(dir, 'pki'));
  pki.init({ keyBits: 3072 });
  pki.issue('server', { commonName: 'localhost', name: 'server', sans: ['localhost', '127.0.0.1'], keyType: 'ec' });
  const t = await createTestDatabase();
  const config = {
    ...t.config,
    ...overrides,
    server: { ...t.config.server, host: '127.0.0.1', port: 0, ...overrides.server },
    pki: { dir: pki.dir },
    tls: { ...t.config.tls, reloadIntervalMs: 200, ...overrides.tls },
    reports: { ...t.config.reports, ...overrides.reports },
    compat: { ...t.config.compat, ...overrides.compat },
  } as Config;
  const server = await startPatchscope(config, createLogger({ log: { level: 'silent' } }));
  const issued = new Set<string>();
  return {
    server,
    t,
    pki,
    dir,
    config,
    caFile: pki.caCertPath,
    identity(profile, commonName) {
      const base = pki.basePath(profile, commonName.toLowerCase().replace(/[^a-z0-9.-]+/g, '-'));
      if (!issued.has(base) && !fs.existsSync(`${base}.crt`)) pki.issue(profile, { commonName, ...(profile === 'user' ? { p12Password: 'x' } : {}) });
      issued.add(base);
      return { cert: `${base}.crt`, key: `${base}.key` };
    },
    async stop() {
      await server.stop();
      await t.drop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
