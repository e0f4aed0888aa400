/** Group commit (src/db/group-commit.ts), with a recording writer in place of a database. */
import { GroupCommit } from '../../../src/db/group-commit';

describe('group commit', () => {
  test('when requests arrive while a write is in flight, then they go in the next write together, each answered with its own result', async () => {
    const batches: number[][] = [];
    const group = new GroupCommit<number, string>({ write: async (batch) => (batches.push(batch), batch.map((n) => `stored ${n}`)) });
    const first = group.submit(1);
    await new Promise((resolve) => setImmediate(resolve)); // the first write has started
    const rest = [2, 3, 4].map((n) => group.submit(n));
    expect(await Promise.all([first, ...rest])).toEqual(['stored 1', 'stored 2', 'stored 3', 'stored 4']);
    expect(batches).toEqual([[1], [2, 3, 4]]);
  });

  test('when the last write held several requests, then a small write waits up to lingerMs for more; after a lone one, or with eight queued, it does not wait', async () => {
    jest.useFakeTimers({ doNotFake: ['setImmediate'] });
    try {
      const batches: number[][] = [];
      const group = new GroupCommit<number, number>({ write: async (batch) => (batches.push(batch), batch), lingerMs: 50 });
      // A lone request is written on the next turn of the event loop, no timer needed.
      await group.submit(1);
      // Two at once make a write of two...
      await Promise.all([group.submit(2), group.submit(3)]);
      // ...so the next write waits: a request 20 ms later still joins it.
      const waiting = group.submit(4);
      await jest.advanceTimersByTimeAsync(20);
      expect(batches).toEqual([[1], [2, 3]]);
      const joining = group.submit(5);
      await jest.advanceTimersByTimeAsync(30);
      await Promise.all([waiting, joining]);
      expect(batches).toEqual([[1], [2, 3], [4, 5]]);
      // Eight queued while it waits: the write starts without the timer.
      const eight = [6, 7, 8, 9, 10, 11, 12, 13].map((n) => group.submit(n));
      await Promise.all(eight);
      expect(batches[3]).toEqual([6, 7, 8, 9, 10, 11, 12, 13]);
    } finally {
      jest.useRealTimers();
    }
  });

  test('when requests share a key or exceed the batch size, then they wait for a later write', async () => {
    const batches: string[][] = [];
    const group = new GroupCommit<string, number>({ write: async (batch) => (batches.push(batch), batch.map(() => 0)), maxBatch: 2, keyOf: (r) => r.split(':')[0] });
    await Promise.all(['a:1', 'a:2', 'b:1', 'c:1'].map((r) => group.submit(r)));
    expect(batches).toEqual([['a:1', 'b:1'], ['a:2', 'c:1']]);
  });

  test('when a write fails, then every request in it gets the error, and the next write works again', async () => {
    let fail = true;
    const group = new GroupCommit<number, number>({
      write: async (batch) => {
        if (fail) throw new Error('the database went away');
        return batch;
      },
    });
    const outcomes = await Promise.allSettled([1, 2, 3].map((n) => group.submit(n)));
    expect(outcomes.map((o) => (o.status === 'rejected' ? (o.reason as Error).message : o.value))).toEqual(['the database went away', 'the database went away', 'the database went away']);
    fail = false;
    expect(await group.submit(4)).toBe(4);
  });
});
