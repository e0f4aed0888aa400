import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../../src/config';
import { ConfigError } from '../../../src/errors';
import { configDir } from '../../../src/paths';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'patchscope-config-'));
  fs.copyFileSync(path.join(configDir, 'default.json'), path.join(dir, 'default.json'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const write = (name: string, value: unknown) => {
  const file = path.join(dir, name);
  fs.writeFileSync(file, JSON.stringify(value));
  return file;
};

describe('loadConfig', () => {
  test('when nothing overrides, then the values of config/default.json apply', () => {
    const config = loadConfig({ env: {}, configDir: dir });
    expect(config.server.port).toBe(8443);
    expect(config.database.url).toBe('');
    expect(config.dataDir).toBe('data');
  });

  test('when layered, then <env>.json beats default.json, --config beats both, PATCHSCOPE_* beats all', () => {
    write('staging.json', { server: { port: 1001, host: '127.0.0.2' }, log: { level: 'warn' } });
    const file = write('site.json', { server: { port: 1002 }, log: { level: 'debug' } });
    const config = loadConfig({ env: { PATCHSCOPE_ENV: 'staging', PATCHSCOPE_LOG_LEVEL: 'error' }, file, configDir: dir });
    expect(config.env).toBe('staging');
    expect(config.server.host).toBe('127.0.0.2');
    expect(config.server.port).toBe(1002);
    expect(config.log.level).toBe('error');
  });

  test('when PATCHSCOPE_CONFIG names a file, then it is used like --config', () => {
    const file = write('x.json', { dataDir: '/srv/patchscope' });
    expect(loadConfig({ env: { PATCHSCOPE_CONFIG: file }, configDir: dir }).dataDir).toBe('/srv/patchscope');
  });

  test('when the documented environment variables are set, then they reach their settings with the right types', () => {
    const config = loadConfig({
      env: {
        PATCHSCOPE_DB: 'mysql://u:p@db.example.org:3307/patchscope',
        PATCHSCOPE_HOST: '127.0.0.1',
        PATCHSCOPE_PORT: '9443',
        PATCHSCOPE_DATA_DIR: '/var/lib/patchscope',
        PATCHSCOPE_LOG_LEVEL: 'debug',
        PATCHSCOPE_MIGRATE_ON_START: 'no',
      },
      configDir: dir,
    });
    expect(config.database.url).toBe('mysql://u:p@db.example.org:3307/patchscope');
    expect(config.server).toMatchObject({ host: '127.0.0.1', port: 9443 });
    expect(config.dataDir).toBe('/var/lib/patchscope');
    expect(config.log.level).toBe('debug');
    expect(config.database.migrateOnStart).toBe(false);
  });

  test('when loaded, then the object is frozen all the way down', () => {
    const config = loadConfig({ env: {}, configDir: dir });
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.server)).toBe(true);
  });

  test.each([
    [{ PATCHSCOPE_PORT: 'eighty' }, /server\.port \(from PATCHSCOPE_PORT\): expected a number, got "eighty"/],
    [{ PATCHSCOPE_PORT: '70000' }, /server\.port \(from PATCHSCOPE_PORT\)/],
    [{ PATCHSCOPE_LOG_LEVEL: 'loud' }, /log\.level \(from PATCHSCOPE_LOG_LEVEL\)/],
    [{ PATCHSCOPE_DB: 'postgres://x/y' }, /database\.url \(from PATCHSCOPE_DB\): must be empty/],
    [{ PATCHSCOPE_MIGRATE_ON_START: 'maybe' }, /database\.migrateOnStart \(from PATCHSCOPE_MIGRATE_ON_START\): expected true or false/],
  ])('when the environment holds a bad value %p, then loading fails naming the setting', (env, message) => {
    expect(() => loadConfig({ env, configDir: dir })).toThrow(message);
  });

  test('when a config file has a bad value, then the error names the setting and the file', () => {
    const file = write('bad.json', { server: { shutdownTimeoutMs: -5 } });
    expect(() => loadConfig({ env: {}, file, configDir: dir })).toThrow(new RegExp(`server\\.shutdownTimeoutMs \\(from ${file.replace(/[.\\/]/g, '\\$&')}\\)`));
  });

  test('when a config file has an unknown setting, then loading fails naming it', () => {
    const file = write('typo.json', { server: { prot: 1 } });
    expect(() => loadConfig({ env: {}, file, configDir: dir })).toThrow(/server/);
    expect(() => loadConfig({ env: {}, file, configDir: dir })).toThrow(/prot/);
  });

  test('when the config file is missing or not JSON, then the error says so', () => {
    expect(() => loadConfig({ env: {}, file: path.join(dir, 'none.json'), configDir: dir })).toThrow(/cannot read config file .*none\.json: ENOENT/);
    fs.writeFileSync(path.join(dir, 'broken.json'), '{ "server": ');
    expect(() => loadConfig({ env: {}, file: path.join(dir, 'broken.json'), configDir: dir })).toThrow(ConfigError);
  });
});

describe('config/default.json', () => {
  const defaults = JSON.parse(fs.readFileSync(path.join(configDir, 'default.json'), 'utf8'));

  test('when read, then every setting has a note beside it', () => {
    const missing: string[] = [];
    const walk = (node: Record<string, unknown>, prefix: string) => {
      for (const [key, value] of Object.entries(node)) {
        if (key.startsWith('//')) continue;
        if (typeof value === 'object' && value !== null && !Array.isArray(value)) walk(value as Record<string, unknown>, `${prefix}${key}.`);
        else if (typeof node[`//${key}`] !== 'string') missing.push(prefix + key);
      }
    };
    walk(defaults, '');
    expect(missing).toEqual([]);
  });
});
