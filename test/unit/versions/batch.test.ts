import { Readable, Writable } from 'node:stream';
import { compareBatch, type BatchMode } from '../../../src/versions';
import { loadVectors } from './vectors';

/** A Writable that records what it gets; `slow` makes every write async. */
function sink(opts: { slow?: boolean; highWaterMark?: number } = {}): { stream: Writable; text: () => string; writes: () => number } {
  const parts: Buffer[] = [];
  const stream = new Writable({
    highWaterMark: opts.highWaterMark,
    write(chunk: Buffer, _enc, cb) {
      parts.push(chunk);
      if (opts.slow) setImmediate(cb);
      else cb();
    },
  });
  return { stream, text: () => Buffer.concat(parts).toString('utf8'), writes: () => parts.length };
}

async function batch(mode: BatchMode, chunks: Array<string | Buffer>): Promise<{ out: string[]; lines: number; errors: number }> {
  const out = sink();
  const res = await compareBatch(mode, Readable.from(chunks), out.stream);
  const text = out.text();
  expect(text === '' || text.endsWith('\n')).toBe(true);
  return { ...res, out: text === '' ? [] : text.slice(0, -1).split('\n') };
}

describe('compareBatch', () => {
  test('when lines are given, then one result per line comes back in input order', async () => {
    const res = await batch('deb', ['1.0\t2.0\n2.0\t1.0\n1.0\t1.0-0\n1:0\t9\n']);
    expect(res).toEqual({ out: ['-1', '1', '0', '1'], lines: 4, errors: 0 });
  });

  test('when a line has no tab or two tabs, then it gets an error line and later lines still run', async () => {
    const res = await batch('rpm', ['1.0\n1.0\t2.0\t3.0\n\n1.0\t2.0\n']);
    const noTab = 'error: expected two versions separated by a tab';
    expect(res).toEqual({ out: [noTab, noTab, noTab, '-1'], lines: 4, errors: 3 });
  });

  test('when a Debian version cannot be parsed, then the error line names the problem', async () => {
    const res = await batch('deb', ['a:1\t1\n1\t1-\n\t1\n1\t2\n']);
    expect(res.out).toEqual([
      'error: epoch in version is not a number: "a:1"',
      'error: revision number is empty: "1-"',
      'error: version string is empty: ""',
      '-1',
    ]);
    expect(res.errors).toBe(3);
  });

  test('when lines end with CRLF, then the CR is not part of the version', async () => {
    const res = await batch('deb', ['1.0\t1.0\r\n1.0\t1.1\r\n1.1\t1.0\r\n']);
    expect(res.out).toEqual(['0', '-1', '1']);
  });

  test('when the last line has no newline, then it is still compared', async () => {
    expect((await batch('rpm', ['1.0\t1.0-1\n2\t1'])).out).toEqual(['-1', '1']);
    expect((await batch('rpm', ['2\t1\r'])).out).toEqual(['1']);
  });

  test('when the input is empty or ends with a newline, then no extra line is reported', async () => {
    expect(await batch('rpm', [])).toEqual({ out: [], lines: 0, errors: 0 });
    expect(await batch('rpm', [''])).toEqual({ out: [], lines: 0, errors: 0 });
    expect((await batch('rpm', ['1\t2\n'])).lines).toBe(1);
  });

  test('when lines and multi-byte characters are split across chunks, then they are reassembled', async () => {
    const bytes = Buffer.from('1.1.α\t1.1.β\n1.0~rc1\t1.0\n1é\t1+\n');
    const chunks = Array.from(bytes, (_b, i) => bytes.subarray(i, i + 1));
    // rpm treats every non-ASCII character as a separator, dpkg compares bytes.
    expect((await batch('rpmvercmp', chunks)).out).toEqual(['0', '-1', '0']);
    expect((await batch('deb', chunks)).out.slice(2)).toEqual(['-1']);
  });

  test('when the input stream yields strings, then they are handled like bytes', async () => {
    expect((await batch('deb', ['1.0\t', '1.1\n2', '\t1'])).out).toEqual(['-1', '1']);
  });

  test('when the output is slow, then every result still arrives, in order, in more than one write', async () => {
    const n = 100_000;
    const input = Array.from({ length: n }, (_, i) => `1.${i % 7}\t1.${i % 5}\n`).join('');
    const out = sink({ slow: true, highWaterMark: 1024 });
    const res = await compareBatch('rpm', Readable.from([input]), out.stream);
    const expected = Array.from({ length: n }, (_, i) => `${Math.sign((i % 7) - (i % 5))}\n`).join('');
    expect(res).toEqual({ lines: n, errors: 0 });
    expect(out.text()).toBe(expected);
    expect(out.writes()).toBeGreaterThan(1);
  });

  test('when the output fails, then the batch rejects instead of hanging', async () => {
    const input = Array.from({ length: 100_000 }, () => '1\t2\n').join('');
    const broken = new Writable({
      highWaterMark: 16,
      write(_chunk, _enc, cb) {
        setImmediate(() => cb(new Error('disk full')));
      },
    });
    broken.on('error', () => undefined);
    await expect(compareBatch('rpm', Readable.from([input]), broken)).rejects.toThrow(/disk full|closed/);
  });

  test('when the output errors while no drain is awaited, then the batch rejects with that error', async () => {
    const input = Array.from({ length: 100_000 }, () => '1\t2\n').join('');
    const broken = new Writable({
      highWaterMark: 1 << 30,
      write(_chunk, _enc, cb) {
        cb(new Error('pipe broke'));
      },
    });
    await expect(compareBatch('rpm', Readable.from([input]), broken)).rejects.toThrow('pipe broke');
  });

  test('when an unknown type is given, then it rejects', async () => {
    await expect(compareBatch('apk' as BatchMode, Readable.from([]), sink().stream)).rejects.toThrow(/unknown comparison type/);
  });

  test.each([
    ['rpmvercmp', 'rpm.tsv'],
    ['rpmvercmp', 'rpm-vercmp-matrix.tsv'],
    ['rpm', 'rpm-evr.tsv'],
    ['deb', 'deb.tsv'],
    ['deb', 'deb-invalid-syntax.tsv'],
  ] as Array<[BatchMode, string]>)('when %s mode gets the vectors of %s, then every line has the expected result', async (mode, file) => {
    const rows = loadVectors(file);
    const res = await batch(mode, [rows.map((r) => `${r.a}\t${r.b}\n`).join('')]);
    const wrong = rows.filter((r, i) => res.out[i] !== String(r.expected)).map((r) => `${file}:${r.line}`);
    expect(wrong).toEqual([]);
    expect(res.lines).toBe(rows.length);
  });
});
