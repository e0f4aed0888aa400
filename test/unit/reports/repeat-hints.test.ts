/**
 * Repeat hints between server workers (src/reports/repeat-hints.ts): real
 * cluster workers, whose hints the primary passes on with relayHints.
 */
import cluster, { type Worker } from 'node:cluster';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { projectRoot } from '../../../src/paths';
import { relayHints, workerHintChannel } from '../../../src/reports/repeat-hints';

jest.setTimeout(30_000);

/** A worker that reports what it hears and publishes what it is told to (the built module, as `patchscope serve` runs it). */
const WORKER = `
const { workerHintChannel } = require(${JSON.stringify(path.join(projectRoot, 'dist', 'src', 'reports', 'repeat-hints.js'))});
const channel = workerHintChannel();
channel.subscribe((hints) => process.send({ heard: hints }));
process.on('message', (m) => { if (m && m.publish) channel.publish(m.publish); });
process.send({ ready: true });
`;

describe('repeat hints between workers', () => {
  let dir: string;
  const workers: Worker[] = [];

  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'patchscope-hints-'));
    fs.writeFileSync(path.join(dir, 'worker.js'), WORKER);
  });
  afterAll(() => {
    for (const worker of workers) worker.kill();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('outside a cluster worker there is no channel', () => {
    expect(workerHintChannel()).toBeUndefined();
  });

  test('when a worker publishes hints, then every other worker hears them once, and the sender and other messages are left alone', async () => {
    cluster.setupPrimary({ exec: path.join(dir, 'worker.js'), silent: true });
    const heard = new Map<Worker, unknown[]>();
    await Promise.all(
      [0, 1, 2].map(
        () =>
          new Promise<void>((resolve) => {
            const worker = cluster.fork();
            workers.push(worker);
            heard.set(worker, []);
            worker.on('message', (message: { ready?: boolean; heard?: unknown }) => {
              if (message.ready) resolve();
              if (message.heard) heard.get(worker)?.push(message.heard);
              relayHints(worker, message, workers);
            });
          }),
      ),
    );
    const hints = [['1\twn01.example.org\t', 'a'.repeat(64)], ['1\twn02.example.org\t', null]];
    workers[0].send({ publish: hints });
    const deadline = Date.now() + 10_000;
    while ((heard.get(workers[1])?.length ?? 0) + (heard.get(workers[2])?.length ?? 0) < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setTimeout(r, 200)); // time enough for anything that should not come
    expect(heard.get(workers[0])).toEqual([]);
    expect(heard.get(workers[1])).toEqual([hints]);
    expect(heard.get(workers[2])).toEqual([hints]);
  });
});
