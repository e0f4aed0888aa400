/** Where database.url points (src/db/connection.ts), worked out without connecting. */
import path from 'node:path';
import { resolveDatabaseTarget } from '../../../src/db';
import { ConfigError } from '../../../src/errors';

const target = (url: string) => resolveDatabaseTarget({ database: { url } as never, dataDir: '/srv/patchscope' });

describe('database target', () => {
  test('when the URL is empty, then it is the embedded SQLite file in the data directory', () => {
    expect(target('')).toEqual({ dialect: 'sqlite', filename: path.resolve('/srv/patchscope', 'patchscope.db') });
  });

  test('when the URL is sqlite://, then it is that file', () => {
    expect(target('sqlite:///var/lib/other.db')).toEqual({ dialect: 'sqlite', filename: '/var/lib/other.db' });
  });

  test('when the URL is mysql://, then host, port, user, password and database come from it, and defaults fill the gaps', () => {
    expect(target('mysql://patchscope:s%40cret@db.example.org:3307/patchscope')).toEqual({
      dialect: 'mysql',
      mysql: { host: 'db.example.org', port: 3307, user: 'patchscope', password: 's@cret', database: 'patchscope' },
    });
    expect(target('mysql://db.example.org/patchscope').mysql).toMatchObject({ port: 3306, user: 'root', password: '' });
  });

  test('when the URL names a socket, then connections go through that Unix socket', () => {
    expect(target('mysql://patchscope@localhost/patchscope?socket=/run/mysqld/mysqld.sock').mysql).toMatchObject({
      socketPath: '/run/mysqld/mysqld.sock',
      database: 'patchscope',
    });
    expect(target('mysql://patchscope@localhost/patchscope?socket=%2Frun%2Fmysqld%2Fmysqld.sock').mysql?.socketPath).toBe('/run/mysqld/mysqld.sock');
  });

  test.each([
    ['mysql://db.example.org/', 'the MySQL URL needs a database name'],
    ['mysql://db.example.org/patchscope?sock=/run/mysqld/mysqld.sock', 'unknown parameter "sock" (known: socket)'],
    ['mysql://db.example.org/patchscope?socket=', 'socket must be the absolute path'],
    ['mysql://db.example.org/patchscope?socket=mysqld.sock', 'socket must be the absolute path'],
    ['sqlite://', 'sqlite:// needs a file path'],
  ])('when the URL is %s, then it is refused with a message that names the problem', (url, message) => {
    expect(() => target(url)).toThrow(ConfigError);
    expect(() => target(url)).toThrow(message);
  });
});
