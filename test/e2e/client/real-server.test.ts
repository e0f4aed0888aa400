/**
 * The real client (under dash) against the real Patchscope server over real
 * mutual TLS, with the real CentOS 7 package list replayed by the rpm
 * stand-in: the host appears in `patchscope hosts`, a repeat is unchanged,
 * and a client with another host's certificate is refused with exit 4.
 */
import { runCli } from '../../helpers/cli';
import { startTestServer, type TestServer } from '../../helpers/test-server';
import { dash, OS_RELEASE, rpmRowsFromSnyk, Sandbox } from './harness';

jest.setTimeout(90_000);

let s: TestServer;
let sb: Sandbox;
beforeAll(async () => {
  s = await startTestServer();
  sb = new Sandbox(dash);
  sb.osRelease(OS_RELEASE.centos7).host('wn01.example.org', '3.10.0-957.el7.x86_64', 'x86_64').rpm(rpmRowsFromSnyk('centos7_many', 'x86_64'));
});
afterAll(async () => {
  sb?.cleanup();
  await s?.stop();
});

function send(identity = s.identity('host', 'wn01.example.org'), extra: string[] = []) {
  return sb.run(['--root', sb.root, '--server', `https://localhost:${s.server.port}`, '--cert', identity.cert as string, '--key', identity.key as string, '--cacert', s.caFile, '--site', 'PRAGUE', ...extra]);
}
const cliEnv = () => ({ PATCHSCOPE_DATA_DIR: s.config.dataDir, PATCHSCOPE_DB: s.config.database.url, PATCHSCOPE_MIGRATE_ON_START: 'false' });

describe('patchscope-client against patchscope serve', () => {
  test('when the client reports, then the host is listed with its 415 packages (416 lines less gpg-pubkey)', async () => {
    const first = await send();
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    const shown = await runCli(['hosts', 'show', 'wn01.example.org', '--json'], { env: cliEnv() });
    expect(shown.code).toBe(0);
    expect(JSON.parse(shown.stdout)).toMatchObject({ hostname: 'wn01.example.org', site: 'PRAGUE', verified: true, packageCount: 415, kernel: '3.10.0-957.el7.x86_64', osGroup: 'centos-7' });
    const listed = await runCli(['hosts', 'list'], { env: cliEnv() });
    expect(listed.stdout).toMatch(/^wn01\.example\.org\tPRAGUE\tcentos-7\t415\t/m);
  });

  test('when the same host reports again, then the report is stored as unchanged', async () => {
    expect((await send()).code).toBe(0);
    const rows = await s.t.db('reports').orderBy('id').select('changed');
    expect(rows.map((r: { changed: number | boolean }) => Boolean(r.changed))).toEqual([true, false]);
  });

  test('when the client holds another host\'s certificate, then the server refuses and the client exits 4 with its message', async () => {
    const result = await send(s.identity('host', 'wn99.example.org'));
    expect(result.code).toBe(4);
    expect(result.stderr).toMatch(/may not report for wn01\.example\.org/);
  });
});
