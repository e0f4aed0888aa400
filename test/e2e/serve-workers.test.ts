/**
 * `patchscope serve` with `server.workers` > 1 (src/workers.ts): a cluster
 * primary that prepares once and forks workers sharing the port, replaces a
 * worker that dies, stops them all gracefully on SIGTERM, and gives up with
 * exit code 1 when a worker cannot listen. Real processes, seen through /proc.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import https from 'node:https';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { cliPath, runCli } from '../helpers/cli';
import { httpsRequest, type HttpsResponse } from '../helpers/https';

jest.setTimeout(60_000);

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitFor(what: string, ready: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!ready()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await pause(50);
  }
}

// ---- processes, from /proc (Linux) ----

/** State and parent of a process from /proc/<pid>/stat (the fields after "comm) "); null when it is gone. */
function procStat(pid: number): { state: string; ppid: number } | null {
  try {
    const text = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const [state, ppid] = text.slice(text.lastIndexOf(') ') + 2).split(' ');
    return { state, ppid: Number(ppid) };
  } catch {
    return null;
  }
}

/** Running, not a zombie: a container's PID 1 may never reap the orphans it inherits. */
function alive(pid: number): boolean {
  const stat = procStat(pid);
  return stat !== null && stat.state !== 'Z';
}

const pids = () => fs.readdirSync('/proc').filter((entry) => /^\d+$/.test(entry)).map(Number);

/** The live children of `parent`. */
function childrenOf(parent: number): number[] {
  return pids().filter((pid) => {
    const stat = procStat(pid);
    return stat !== null && stat.ppid === parent && stat.state !== 'Z';
  });
}

/** Every live process whose working directory is `dir`: the primary and its workers, wherever they were reparented. */
function processesIn(dir: string): number[] {
  return pids().filter((pid) => {
    try {
      return pid !== process.pid && fs.readlinkSync(`/proc/${pid}/cwd`) === dir && alive(pid);
    } catch {
      return false;
    }
  });
}

// ---- a `patchscope serve` run ----

interface Serve {
  dir: string;
  child: ChildProcess;
  output(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const runs: Serve[] = [];
const dirs: string[] = [];

function serve(dir: string, port: number): Serve {
  const child = spawn(process.execPath, [cliPath, 'serve', '--host', '127.0.0.1', '--port', String(port)], {
    cwd: dir,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, PATCHSCOPE_LOG_LEVEL: 'info', PATCHSCOPE_WORKERS: '2' },
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const run = { dir, child, output: () => output, exited };
  runs.push(run);
  return run;
}

function tempDir(): string {
  // realpath: /proc/<pid>/cwd shows the resolved path
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'patchscope-workers-')));
  dirs.push(dir);
  return dir;
}

interface LogLine {
  msg?: string;
  worker?: number;
  port?: number;
  [key: string]: unknown;
}

/** The complete JSON log lines printed so far (the primary's and the workers', all on the same pipes). */
function logLines(run: Serve): LogLine[] {
  return run
    .output()
    .split('\n')
    .filter((line) => line.startsWith('{') && line.endsWith('}'))
    .map((line) => JSON.parse(line) as LogLine);
}

const listeningLines = (run: Serve) => logLines(run).filter((line) => /listening on https:\/\/[^:]+:\d+\//.test(line.msg ?? ''));
const linesWith = (run: Serve, msg: string) => logLines(run).filter((line) => line.msg === msg);

afterAll(async () => {
  for (const run of runs) if (run.child.exitCode === null && run.child.signalCode === null) run.child.kill('SIGKILL');
  for (const dir of dirs) {
    for (const pid of processesIn(dir)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone in the meantime
      }
    }
  }
  await pause(100);
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});

// ---- two workers on the SQLite default ----

describe('serve with PATCHSCOPE_WORKERS=2', () => {
  let run: Serve;
  let primary: number;
  let port: number;
  const certs = (...parts: string[]) => path.join(run.dir, 'certs', ...parts);
  const healthz = () => httpsRequest({ port, path: '/healthz', caFile: certs('ca/ca.crt') });

  async function expectAllHealthy(count: number): Promise<void> {
    const answers = await Promise.all(Array.from({ length: count }, () => healthz()));
    expect(answers.map((res) => res.status)).toEqual(Array(count).fill(200));
  }

  /** SIGTERM to the primary, once; remembers which workers it had at that moment. */
  let signalled: { workers: number[] } | undefined;
  function terminate(): { workers: number[] } {
    if (!signalled) {
      signalled = { workers: childrenOf(primary) };
      run.child.kill('SIGTERM');
    }
    return signalled;
  }

  beforeAll(async () => {
    run = serve(tempDir(), 0);
    primary = run.child.pid as number;
    await waitFor(`two workers listening:\n${run.output()}`, () => listeningLines(run).length >= 2 || run.child.exitCode !== null, 40_000);
    if (listeningLines(run).length < 2) throw new Error(`the workers did not start:\n${run.output()}`);
    port = Number(listeningLines(run)[0].port);
  });

  test('when started, then the primary has exactly two workers, both serve the same port, and the admin certificate is known', async () => {
    expect(linesWith(run, 'starting 2 server workers')).toHaveLength(1);
    expect(childrenOf(primary)).toHaveLength(2);
    // Each worker runs with the larger young generation (workerExecArgv).
    for (const pid of childrenOf(primary)) expect(fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')).toContain('--max-semi-space-size=64');

    const listening = listeningLines(run);
    expect(listening.map((line) => line.worker).sort()).toEqual([0, 1]);
    expect(listening.map((line) => line.port)).toEqual([port, port]);
    expect(port).toBeGreaterThan(0);

    await expectAllHealthy(20);

    const whoami = await httpsRequest({
      port,
      path: '/api/v1/whoami',
      caFile: certs('ca/ca.crt'),
      identity: { cert: certs('issued/users/patchscope-admin.crt'), key: certs('issued/users/patchscope-admin.key') },
    });
    expect(whoami.status).toBe(200);
    expect(whoami.json()).toMatchObject({ principal: { kind: 'user', role: 'admin', dn: 'CN=Patchscope Admin,OU=Users,O=Patchscope' } });
  });

  test('when a worker is killed with SIGKILL, then the other keeps answering and the primary starts a new one', async () => {
    const before = childrenOf(primary);
    expect(before).toHaveLength(2);
    const [victim, survivor] = before;
    process.kill(victim, 'SIGKILL');
    await waitFor(`worker ${victim} to die`, () => !alive(victim), 5_000);

    // the replacement comes about a second later: until then the survivor answers alone
    await expectAllHealthy(10);
    expect(alive(survivor)).toBe(true);

    await waitFor('a new second worker', () => {
      const now = childrenOf(primary);
      return now.length === 2 && now.includes(survivor) && !now.includes(victim);
    }, 10_000);
    expect(linesWith(run, 'a server worker stopped unexpectedly; starting another')).toHaveLength(1);
    await waitFor('the new worker to listen', () => listeningLines(run).length >= 3, 10_000);
    expect(listeningLines(run)[2].port).toBe(port);
    await expectAllHealthy(10);
    expect(childrenOf(primary)).toHaveLength(2);
  });

  test('when a host report is in flight as the primary gets SIGTERM, then it is still answered 200', async () => {
    const issued = await runCli(['certs', 'host', 'wn01.example.org'], { cwd: run.dir });
    expect(issued.code).toBe(0);
    const cert = issued.stdout.split('\n').find((line) => line.endsWith('.crt'));
    const key = issued.stdout.split('\n').find((line) => line.endsWith('.key'));
    expect(cert && key).toBeTruthy();

    const report = Buffer.from(
      [
        '#', 'arch: x86_64', 'host: wn01.example.org', 'kernel: 5.14.0-427.13.1.el9_4.x86_64', 'packager: rpm', 'site: PRAGUE',
        'system: Rocky Linux 9.4 (Blue Onyx)', 'format: patchscope-1', 'os-id: rocky', 'os-version-id: 9.4', 'os-codename:',
        'os-like: rhel centos fedora', 'reboot-required: no', 'client: patchscope-client 1.0.0', '#',
        'bash\t0:5.1.8-9.el9\tx86_64\tbash\t0:5.1.8-9.el9',
        'openssl-libs\t1:3.0.7-27.el9\tx86_64\topenssl\t1:3.0.7-27.el9',
        'kernel-core\t0:5.14.0-427.13.1.el9_4\tx86_64\tkernel\t0:5.14.0-427.13.1.el9_4',
        '#', '',
      ].join('\n'),
    );
    const half = Math.floor(report.length / 2);

    // Headers and half the body go out; SIGTERM follows while the server waits for the rest.
    let sentHead!: () => void;
    const headSent = new Promise<void>((resolve) => (sentHead = resolve));
    const answer = new Promise<HttpsResponse>((resolve, reject) => {
      const req = https.request(
        {
          host: '127.0.0.1',
          servername: 'localhost',
          port,
          path: '/api/v1/reports',
          method: 'POST',
          headers: { Accept: 'application/json', 'Content-Type': 'text/plain', 'Content-Length': String(report.length) },
          ca: fs.readFileSync(certs('ca/ca.crt')),
          cert: fs.readFileSync(cert as string),
          key: fs.readFileSync(key as string),
          agent: false,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json: () => JSON.parse(text), protocol: null });
          });
        },
      );
      req.on('error', reject);
      req.on('socket', (socket) => socket.once('secureConnect', () => req.write(report.subarray(0, half), () => sentHead())));
      void headSent.then(async () => {
        await pause(300);
        // every worker is shutting down before the rest of the body leaves
        const { workers } = terminate();
        await waitFor('the workers to start shutting down', () => linesWith(run, 'shutting down: finishing in-flight requests').length >= workers.length, 5_000).catch(() => undefined);
        req.end(report.subarray(half));
      });
    });

    const res = await answer;
    expect(linesWith(run, 'shutting down: finishing in-flight requests')).toHaveLength(terminate().workers.length);
    expect(res.status).toBe(200);
    expect(res.headers.connection).toBe('close');
    expect(res.json()).toMatchObject({ host: 'wn01.example.org', site: 'PRAGUE', verified: true, created: true, summary: { packages: 3 } });
  });

  test('when the primary gets SIGTERM, then the workers stop gracefully, the primary exits 0, and no process is left', async () => {
    const { workers } = terminate();
    expect(workers.length).toBeGreaterThan(0);
    const { code, signal } = await run.exited;
    expect({ code, signal }).toEqual({ code: 0, signal: null });
    // each worker finished its requests and closed its database before the primary exited
    expect(linesWith(run, 'signal received: stopping the workers')).toHaveLength(1);
    expect(linesWith(run, 'stopped')).toHaveLength(workers.length);
    // the primary waits for its workers: none may outlive it
    expect(workers.filter(alive)).toEqual([]);
    expect(processesIn(run.dir)).toEqual([]);
  });
});

// ---- a port that is taken ----

describe('serve with PATCHSCOPE_WORKERS=2 on a port in use', () => {
  let blocker: net.Server;
  afterAll(() => new Promise<void>((resolve) => (blocker ? blocker.close(() => resolve()) : resolve())));

  test('when the port is already taken, then it exits 1 with a message naming the problem and leaves no worker behind', async () => {
    blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const takenPort = (blocker.address() as net.AddressInfo).port;

    const run = serve(tempDir(), takenPort);
    const seen = new Set<number>();
    const watch = setInterval(() => childrenOf(run.child.pid as number).forEach((pid) => seen.add(pid)), 20);
    let timer: NodeJS.Timeout | undefined;
    const exit = await Promise.race([run.exited, new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), 40_000)))]);
    clearTimeout(timer);
    clearInterval(watch);
    if (!exit) throw new Error(`serve did not exit:\n${run.output()}`);

    expect(exit).toEqual({ code: 1, signal: null });
    expect(linesWith(run, 'starting 2 server workers')).toHaveLength(1);
    expect(run.output()).toMatch(new RegExp(`EADDRINUSE.*:${takenPort}`));
    expect(run.output()).toMatch(/^patchscope: worker [01] stopped before it could serve/m);
    expect(listeningLines(run)).toEqual([]);
    expect(seen.size).toBeGreaterThan(0);
    // The primary exits without waiting for the other worker; that one ends on SIGTERM or when its channel closes.
    await waitFor('the workers to end', () => [...seen].every((pid) => !alive(pid)) && processesIn(run.dir).length === 0, 5_000).catch(() => undefined);
    expect([...seen].filter(alive)).toEqual([]);
    expect(processesIn(run.dir)).toEqual([]);
  });
});
