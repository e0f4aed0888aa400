import net from 'node:net';
import cron from 'node-cron';
import { z } from 'zod';
import { osGroupRulesSchema } from '../advisories/os-groups';

/**
 * The shape of the configuration. `config/default.json` must hold every key
 * named here (a test checks it), so the schema has no defaults of its own:
 * the defaults live in one place, the JSON file, next to their notes.
 */
const cidr = z.string().refine(isAddressOrCidr, { message: 'must be an IP address or a CIDR block such as 10.0.0.0/8' });

const cronExpression = z.string().refine((expression) => cron.validate(expression), { message: 'must be a cron expression such as "17 3 * * *"' });

function compiles(pattern: string): boolean {
  try {
    new RegExp(pattern);
    return true;
  } catch {
    return false;
  }
}

export const configSchema = z.strictObject({
  env: z.string().min(1),
  dataDir: z.string().min(1),
  server: z.strictObject({
    host: z.string().min(1),
    port: z.number().int().min(0).max(65535),
    publicName: z.string(),
    shutdownTimeoutMs: z.number().int().min(0),
    requestTimeoutMs: z.number().int().min(1000),
    workers: z.number().int().min(0).max(256),
  }),
  database: z.strictObject({
    url: z.string().refine((url) => url === '' || /^(sqlite|mysql|mariadb):\/\//.test(url), {
      message: 'must be empty (embedded SQLite), sqlite:///path/to/file.db or mysql://user:password@host:port/database',
    }),
    poolMax: z.number().int().min(1).max(1000),
    busyTimeoutMs: z.number().int().min(0),
    migrateOnStart: z.boolean(),
  }),
  pki: z.strictObject({
    dir: z.string().min(1),
  }),
  tls: z.strictObject({
    certFile: z.string(),
    keyFile: z.string(),
    caFiles: z.array(z.string().min(1)),
    crlFiles: z.array(z.string().min(1)),
    reloadIntervalMs: z.number().int().min(100),
    principalCacheMs: z.number().int().min(0),
  }),
  proxy: z.strictObject({
    trustedAddresses: z.array(cidr),
    certHeader: z.string().min(1).transform((name) => name.toLowerCase()),
    verifyHeader: z.string().min(1).transform((name) => name.toLowerCase()),
  }),
  reports: z.strictObject({
    maxBytes: z.number().int().min(1024),
    defaultSite: z.string().min(1).max(191),
    keepRawPerHost: z.number().int().min(0),
    retentionDays: z.number().int().min(1),
  }),
  compat: z.strictObject({
    pakitiUnverifiedNetworks: z.array(cidr),
    patchmanUnverifiedNetworks: z.array(cidr),
  }),
  osGroups: z.strictObject({
    rules: osGroupRulesSchema,
  }),
  status: z.strictObject({
    staleAfterDays: z.number().int().min(1),
    parentGroups: z.array(
      z.strictObject({
        pattern: z.string().min(1).refine(compiles, { message: 'must be a valid regular expression' }),
        parent: z.string().min(1).max(64),
      }),
    ),
  }),
  advisories: z.strictObject({
    fetchTimeoutMs: z.number().int().min(1000),
  }),
  jobs: z.strictObject({
    pruneReports: cronExpression,
    syncAdvisories: cronExpression,
    refreshStatus: cronExpression,
    enabled: z.boolean(),
  }),
  log: z.strictObject({
    level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
  }),
});

export type Config = z.infer<typeof configSchema>;

/**
 * The `PATCHSCOPE_*` environment variables and the setting each one sets.
 * Values are parsed as the setting's type (numbers and booleans from text).
 */
export const environmentVariables: Record<string, string> = {
  PATCHSCOPE_ENV: 'env',
  PATCHSCOPE_DATA_DIR: 'dataDir',
  PATCHSCOPE_HOST: 'server.host',
  PATCHSCOPE_PORT: 'server.port',
  PATCHSCOPE_WORKERS: 'server.workers',
  PATCHSCOPE_PUBLIC_NAME: 'server.publicName',
  PATCHSCOPE_DB: 'database.url',
  PATCHSCOPE_DB_POOL_MAX: 'database.poolMax',
  PATCHSCOPE_MIGRATE_ON_START: 'database.migrateOnStart',
  PATCHSCOPE_PKI_DIR: 'pki.dir',
  PATCHSCOPE_LOG_LEVEL: 'log.level',
};

function isAddressOrCidr(value: string): boolean {
  const [address, bits, extra] = value.split('/');
  const family = net.isIP(address);
  if (family === 0 || extra !== undefined) return false;
  if (bits === undefined) return true;
  const prefix = Number(bits);
  return /^\d+$/.test(bits) && prefix <= (family === 4 ? 32 : 128);
}
