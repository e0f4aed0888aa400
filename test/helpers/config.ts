import { type Config, loadConfig } from '../../src/config';

export type DeepPartial<T> = { [K in keyof T]?: T[K] extends object ? DeepPartial<T[K]> : T[K] };

/** The default configuration (no environment), with overrides, for tests. */
export function buildConfig(overrides: DeepPartial<Config> = {}): Config {
  const base = structuredClone(loadConfig({ env: {} })) as Config;
  for (const [section, value] of Object.entries(overrides)) {
    const key = section as keyof Config;
    if (typeof value === 'object' && value !== null) {
      (base as Record<string, unknown>)[key] = { ...(base[key] as object), ...value };
    } else {
      (base as Record<string, unknown>)[key] = value;
    }
  }
  return base;
}
