import os from 'node:os';
import { workerConfig, workerCount, workerExecArgv } from '../../src/workers';
import { buildConfig } from '../helpers/config';

describe('server workers', () => {
  test('by default, MySQL/MariaDB gets one process per core and SQLite one; a set number is taken as it is', () => {
    expect(workerCount(buildConfig({ database: { url: '' } }))).toBe(1);
    expect(workerCount(buildConfig({ database: { url: 'sqlite:///var/lib/patchscope/p.db' } }))).toBe(1);
    expect(workerCount(buildConfig({ database: { url: 'mysql://root@127.0.0.1:3306/patchscope' } }))).toBe(os.availableParallelism());
    expect(workerCount(buildConfig({ server: { workers: 3 }, database: { url: '' } }))).toBe(3);
  });

  test('a worker does not migrate (the primary did), and only the first runs the jobs, if jobs are on at all', () => {
    const config = buildConfig({ database: { url: '', migrateOnStart: true }, jobs: { enabled: true } });
    expect(workerConfig(config, 0)).toMatchObject({ database: { migrateOnStart: false }, jobs: { enabled: true } });
    expect(workerConfig(config, 1)).toMatchObject({ database: { migrateOnStart: false }, jobs: { enabled: false } });
    expect(workerConfig(buildConfig({ jobs: { enabled: false } }), 0).jobs.enabled).toBe(false);
    expect(workerConfig(config, 1).server).toEqual(config.server);
  });

  test('workers get a 64 MB young generation unless node was told otherwise', () => {
    expect(workerExecArgv(['--enable-source-maps'])).toEqual(['--enable-source-maps', '--max-semi-space-size=64']);
    expect(workerExecArgv(['--max-semi-space-size=16'])).toEqual(['--max-semi-space-size=16']);
  });
});
