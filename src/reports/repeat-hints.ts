/**
 * The repeat path's hints (each host's last report hash, repeat-batch.ts),
 * shared between the server's worker processes. The kernel hands a host's
 * connections to whichever worker is free, so without sharing a worker knows
 * only the hosts that happened to reach it last time: with two workers, half
 * of the changed reports would first try a repeat batch (a transaction and a
 * locked read) to learn that they are not repeats.
 *
 * A hint is advisory (RepeatBatcher.mayRepeat): one that arrives late or out
 * of order costs a report the longer path, never its correctness. So hints go
 * out in small bundles, a few milliseconds after they were learned, and are
 * dropped rather than queued without bound when the primary is not listening.
 */
import cluster, { type Worker } from 'node:cluster';

/** A host (RepeatBatcher's key) and the hash of its last report, or null when it has none. */
export type Hint = [hostKey: string, reportHash: string | null];

/** How hints travel between processes; RepeatBatcher works without one (a single process). */
export interface HintChannel {
  /** Sends hints this process learned to the other processes. */
  publish(hints: Hint[]): void;
  /** Calls `listener` with the hints other processes learned. */
  subscribe(listener: (hints: Hint[]) => void): void;
}

const MESSAGE = 'patchscope:repeat-hints';

interface HintMessage {
  type: typeof MESSAGE;
  hints: Hint[];
}

function isHintMessage(message: unknown): message is HintMessage {
  return typeof message === 'object' && message !== null && (message as HintMessage).type === MESSAGE && Array.isArray((message as HintMessage).hints);
}

/** In a cluster worker: hints go to the primary, which passes them on (relayHints). Undefined in a single process. */
export function workerHintChannel(): HintChannel | undefined {
  if (!cluster.isWorker || typeof process.send !== 'function') return undefined;
  const send = process.send.bind(process);
  return {
    publish(hints) {
      if (!process.connected) return;
      // The callback takes a failed send (the primary going away) instead of an 'error' event.
      send({ type: MESSAGE, hints } satisfies HintMessage, undefined, {}, () => undefined);
    },
    subscribe(listener) {
      process.on('message', (message: unknown) => {
        if (isHintMessage(message)) listener(message.hints);
      });
    },
  };
}

/** In the primary: a worker's hints go to every other worker. Other messages are not ours and are left alone. */
export function relayHints(from: Worker, message: unknown, workers: Iterable<Worker>): void {
  if (!isHintMessage(message)) return;
  for (const worker of workers) {
    if (worker !== from && worker.isConnected()) worker.send(message, undefined, () => undefined);
  }
}
