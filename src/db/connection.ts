import fs from 'node:fs';
import path from 'node:path';
import knex, { type Knex } from 'knex';
import type { Config } from '../config';
import { ConfigError } from '../errors';

export type Dialect = 'sqlite' | 'mysql';

/** Where a database is and how to reach it, worked out from the config. */
export interface DatabaseTarget {
  dialect: Dialect;
  /** SQLite: the file. */
  filename?: string;
  /** MySQL/MariaDB: connection settings from the URL. */
  mysql?: { host: string; port: number; user: string; password: string; database: string; socketPath?: string };
}

/**
 * The query parameters a MySQL URL may have; others are refused rather than
 * silently ignored. `socket`: the server's Unix socket, for a database on the
 * same machine (host and port are then ignored).
 */
const MYSQL_URL_PARAMETERS = new Set(['socket']);

export function resolveDatabaseTarget(config: Pick<Config, 'database' | 'dataDir'>): DatabaseTarget {
  const url = config.database.url;
  if (url === '') return { dialect: 'sqlite', filename: path.resolve(config.dataDir, 'patchscope.db') };
  const parsed = new URL(url);
  if (parsed.protocol === 'sqlite:') {
    const filename = decodeURIComponent(parsed.pathname);
    if (!filename || filename === '/') throw new ConfigError('invalid setting database.url: sqlite:// needs a file path');
    return { dialect: 'sqlite', filename };
  }
  const database = decodeURIComponent(parsed.pathname.replace(/^\//, ''));
  if (!database) throw new ConfigError('invalid setting database.url: the MySQL URL needs a database name');
  for (const name of parsed.searchParams.keys()) {
    if (!MYSQL_URL_PARAMETERS.has(name)) throw new ConfigError(`invalid setting database.url: unknown parameter "${name}" (known: ${[...MYSQL_URL_PARAMETERS].join(', ')})`);
  }
  const socket = parsed.searchParams.get('socket');
  if (socket === '' || (socket !== null && !path.isAbsolute(socket))) {
    throw new ConfigError(`invalid setting database.url: socket must be the absolute path of the server's Unix socket, got "${socket}"`);
  }
  return {
    dialect: 'mysql',
    mysql: {
      host: parsed.hostname || '127.0.0.1',
      port: parsed.port ? Number(parsed.port) : 3306,
      user: decodeURIComponent(parsed.username) || 'root',
      password: decodeURIComponent(parsed.password),
      database,
      ...(socket ? { socketPath: socket } : {}),
    },
  };
}

/**
 * Opens the database. All dialect-specific connection settings live here:
 * SQLite gets WAL (readers never block the writer), a busy timeout (writers
 * queue instead of failing) and foreign keys (off by default in SQLite);
 * MySQL/MariaDB gets utf8mb4, UTC, READ COMMITTED, and dates as strings so
 * both dialects hand the repositories the same 'YYYY-MM-DD HH:MM:SS.mmm' text.
 */
export function createDatabase(config: Pick<Config, 'database' | 'dataDir'>): Knex {
  const target = resolveDatabaseTarget(config);
  if (target.dialect === 'sqlite') {
    const filename = target.filename as string;
    fs.mkdirSync(path.dirname(filename), { recursive: true });
    const busyTimeoutMs = config.database.busyTimeoutMs;
    return knex({
      client: 'better-sqlite3',
      connection: { filename },
      useNullAsDefault: true,
      pool: {
        min: 1,
        max: 1,
        afterCreate(connection: SqliteHandle, done: (err: Error | null, connection: unknown) => void) {
          try {
            connection.pragma('journal_mode = WAL');
            connection.pragma('synchronous = NORMAL');
            connection.pragma(`busy_timeout = ${busyTimeoutMs}`);
            connection.pragma('foreign_keys = ON');
            done(null, connection);
          } catch (err) {
            done(err as Error, connection);
          }
        },
      },
    });
  }
  return knex({
    client: 'mysql2',
    connection: {
      ...target.mysql,
      charset: 'utf8mb4',
      timezone: 'Z',
      dateStrings: true,
      supportBigNumbers: true,
      bigNumberStrings: false,
    },
    pool: {
      min: 0,
      max: config.database.poolMax,
      afterCreate(connection: MysqlHandle, done: (err: Error | null, connection: unknown) => void) {
        connection.query("SET time_zone = '+00:00', SESSION sql_mode = CONCAT(@@sql_mode, ',STRICT_ALL_TABLES')", (err) => {
          if (err) return done(err, connection);
          // READ COMMITTED for every transaction: each statement sees what others
          // have committed (a package set another report just created) and InnoDB
          // takes no gap locks, which keeps concurrent ingest free of deadlocks.
          // Set once per connection, so no transaction pays a statement for it.
          connection.query('SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED', (err2) => done(err2, connection));
        });
      },
    },
  });
}

export function dialectOf(db: Knex): Dialect {
  const client = db.client.config.client;
  return client === 'mysql2' || client === 'mysql' ? 'mysql' : 'sqlite';
}

/** True when the database answers a trivial query. */
export async function isReachable(db: Knex): Promise<boolean> {
  try {
    await db.raw('select 1');
    return true;
  } catch {
    return false;
  }
}

interface SqliteHandle {
  pragma(source: string): unknown;
}
interface MysqlHandle {
  query(sql: string, callback: (err: Error | null) => void): void;
}
