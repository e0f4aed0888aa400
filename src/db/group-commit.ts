/**
 * Group commit: requests that arrive while a write is in flight wait for the
 * next one, and one write takes all of them. With no write in flight a
 * request is written on the next turn of the event loop, so a quiet server
 * adds no delay. On a busy one (the last write held several requests) a
 * write that would hold only a few waits up to `lingerMs` for others to
 * join: a write's statements cost the same for one request as for ten.
 * Each request is answered with its own result once the write that held it
 * is done; when a write fails, every request in it gets the error.
 */
interface Pending<Request, Result> {
  request: Request;
  resolve(result: Result): void;
  reject(err: unknown): void;
}

export interface GroupCommitOptions<Request, Result> {
  /** Writes a batch; answers one result per request, in order. */
  write(batch: Request[]): Promise<Result[]>;
  maxBatch?: number;
  /** How long a small write waits for company when the last write held more than one request (0: never). */
  lingerMs?: number;
  /** Requests with the same key go in different batches (a host's row is written once per transaction). */
  keyOf?(request: Request): string;
}

/** A write that would hold this many requests or more starts at once. */
const LINGER_BELOW = 8;

export class GroupCommit<Request, Result> {
  private queue: Pending<Request, Result>[] = [];
  private writing = false;
  /** How many requests the last write held. */
  private lastSize = 0;
  /** The timer of a write waiting for company (lingerMs). */
  private lingering: NodeJS.Timeout | null = null;

  constructor(private readonly options: GroupCommitOptions<Request, Result>) {}

  submit(request: Request): Promise<Result> {
    return new Promise((resolve, reject) => {
      this.queue.push({ request, resolve, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.lingering && this.queue.length >= LINGER_BELOW) {
      // enough company arrived: no need to wait out the linger
      clearTimeout(this.lingering);
      this.lingering = null;
      setImmediate(() => void this.drain());
      return;
    }
    if (this.writing || this.queue.length === 0) return;
    this.writing = true;
    const { lingerMs = 0 } = this.options;
    if (lingerMs > 0 && this.lastSize > 1 && this.queue.length < LINGER_BELOW) {
      this.lingering = setTimeout(() => {
        this.lingering = null;
        void this.drain();
      }, lingerMs);
    } else {
      setImmediate(() => void this.drain());
    }
  }

  private async drain(): Promise<void> {
    const { maxBatch = Infinity, keyOf } = this.options;
    const batch: Pending<Request, Result>[] = [];
    const rest: Pending<Request, Result>[] = [];
    const keys = new Set<string>();
    for (const pending of this.queue) {
      const key = keyOf?.(pending.request);
      if (batch.length < maxBatch && (key === undefined || !keys.has(key))) {
        if (key !== undefined) keys.add(key);
        batch.push(pending);
      } else {
        rest.push(pending);
      }
    }
    this.queue = rest;
    this.lastSize = batch.length;
    try {
      const results = await this.options.write(batch.map((pending) => pending.request));
      batch.forEach((pending, i) => pending.resolve(results[i]));
    } catch (err) {
      for (const pending of batch) pending.reject(err);
    } finally {
      this.writing = false;
      this.schedule();
    }
  }
}
