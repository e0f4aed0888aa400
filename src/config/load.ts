import fs from 'node:fs';
import path from 'node:path';
import { ConfigError } from '../errors';
import { configDir as defaultConfigDir } from '../paths';
import { type Config, configSchema, environmentVariables } from './schema';

type Json = Record<string, unknown>;

export interface LoadConfigOptions {
  /** A file named by `--config`; PATCHSCOPE_CONFIG is used when absent. */
  file?: string;
  env?: NodeJS.ProcessEnv;
  /** Where default.json and <env>.json live (tests point this elsewhere). */
  configDir?: string;
}

/**
 * Builds the one configuration object: default.json < <env>.json < the
 * --config file < PATCHSCOPE_* variables. Validated and deeply frozen; a bad
 * value throws a ConfigError naming the setting and where its value came from.
 */
export function loadConfig(options: LoadConfigOptions = {}): Config {
  const env = options.env ?? process.env;
  const dir = options.configDir ?? defaultConfigDir;
  const sources = new Map<string, string>();

  const defaults = readJson(path.join(dir, 'default.json'));
  const merged = mergeInto({}, defaults, 'config/default.json', sources);

  const envName = env.PATCHSCOPE_ENV ?? env.NODE_ENV ?? (merged.env as string);
  const envFile = path.join(dir, `${envName}.json`);
  if (/^[A-Za-z0-9_-]+$/.test(envName) && fs.existsSync(envFile)) {
    mergeInto(merged, readJson(envFile), `config/${envName}.json`, sources);
  }

  const file = options.file ?? env.PATCHSCOPE_CONFIG;
  if (file) mergeInto(merged, readJson(file), file, sources);

  for (const [variable, setting] of Object.entries(environmentVariables)) {
    const raw = env[variable];
    if (raw === undefined || (variable === 'PATCHSCOPE_ENV' && raw === '')) continue;
    setPath(merged, setting, parseEnvValue(raw, getPath(defaults, setting), variable, setting));
    sources.set(setting, variable);
  }
  if (env.PATCHSCOPE_ENV === undefined && env.NODE_ENV) merged.env = env.NODE_ENV;

  const result = configSchema.safeParse(merged);
  if (!result.success) {
    const issue = result.error.issues[0];
    const setting = issue.path.join('.') || '(top level)';
    const from = sources.get(setting) ?? sources.get(String(issue.path[0])) ?? 'the configuration';
    throw new ConfigError(`invalid setting ${setting} (from ${from}): ${issue.message}`);
  }
  return deepFreeze(result.data);
}

function readJson(file: string): Json {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read config file ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  try {
    const value: unknown = JSON.parse(text);
    if (!isObject(value)) throw new Error('the top level must be an object');
    return value;
  } catch (err) {
    throw new ConfigError(`config file ${file} is not valid JSON: ${(err as Error).message}`);
  }
}

/** Deep-merges `source` into `target`, dropping `//` notes and recording where each leaf came from. */
function mergeInto(target: Json, source: Json, origin: string, sources: Map<string, string>, prefix = ''): Json {
  for (const [key, value] of Object.entries(source)) {
    if (key.startsWith('//')) continue;
    const setting = prefix + key;
    if (isObject(value)) {
      const existing = isObject(target[key]) ? (target[key] as Json) : {};
      target[key] = mergeInto(existing, value, origin, sources, `${setting}.`);
    } else {
      target[key] = value;
      sources.set(setting, origin);
    }
  }
  return target;
}

function parseEnvValue(raw: string, template: unknown, variable: string, setting: string): unknown {
  if (typeof template === 'number') {
    const value = Number(raw);
    if (raw.trim() === '' || !Number.isFinite(value)) {
      throw new ConfigError(`invalid setting ${setting} (from ${variable}): expected a number, got "${raw}"`);
    }
    return value;
  }
  if (typeof template === 'boolean') {
    const lower = raw.trim().toLowerCase();
    if (['1', 'true', 'yes', 'on'].includes(lower)) return true;
    if (['0', 'false', 'no', 'off'].includes(lower)) return false;
    throw new ConfigError(`invalid setting ${setting} (from ${variable}): expected true or false, got "${raw}"`);
  }
  return raw;
}

function getPath(object: Json, dotted: string): unknown {
  return dotted.split('.').reduce<unknown>((node, key) => (isObject(node) ? node[key] : undefined), object);
}

function setPath(object: Json, dotted: string, value: unknown): void {
  const keys = dotted.split('.');
  let node = object;
  for (const key of keys.slice(0, -1)) {
    if (!isObject(node[key])) node[key] = {};
    node = node[key] as Json;
  }
  node[keys[keys.length - 1]] = value;
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
