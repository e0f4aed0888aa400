import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import knex, { type Knex } from 'knex';
import type { Config } from '../../src/config';
import { createDatabase, migrateLatest } from '../../src/db';
import { buildConfig } from './config';

/** Which database the integration tier runs on: SQLite by default, MariaDB/MySQL with TEST_DB=mysql. */
export const testDialect: 'sqlite' | 'mysql' = process.env.TEST_DB === 'mysql' ? 'mysql' : 'sqlite';

/** Server for TEST_DB=mysql; the test creates and drops its own database on it. */
const mysqlServerUrl = process.env.TEST_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306';

export interface TestDatabase {
  db: Knex;
  config: Config;
  /** Closes the connection and removes the database. */
  drop(): Promise<void>;
}

/** A fresh, empty database of the configured dialect; migrated unless `migrate: false`. */
export async function createTestDatabase(options: { migrate?: boolean; poolMax?: number } = {}): Promise<TestDatabase> {
  const name = `patchscope_test_${process.pid}_${crypto.randomBytes(4).toString('hex')}`;
  let config: Config;
  let cleanup: () => Promise<void>;
  if (testDialect === 'mysql') {
    const admin = knex({ client: 'mysql2', connection: mysqlServerUrl });
    await admin.raw(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`);
    await admin.destroy();
    config = buildConfig({ database: { url: `${mysqlServerUrl.replace(/\/$/, '')}/${name}` } });
    cleanup = async () => {
      const dropper = knex({ client: 'mysql2', connection: mysqlServerUrl });
      await dropper.raw(`DROP DATABASE IF EXISTS \`${name}\``);
      await dropper.destroy();
    };
  } else {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'patchscope-test-'));
    config = buildConfig({ dataDir: dir });
    cleanup = async () => fs.rmSync(dir, { recursive: true, force: true });
  }
  if (options.poolMax) config = { ...config, database: { ...config.database, poolMax: options.poolMax } };
  const db = createDatabase(config);
  if (options.migrate !== false) await migrateLatest(db);
  return {
    db,
    config,
    async drop() {
      await db.destroy();
      await cleanup();
    },
  };
}
