/**
 * A fixed-size pool of worker threads that run frame tasks, so computing and encoding big query
 * answers never blocks the event loop that paces live streams.
 *
 * Written here rather than taken from a pool library (piscina, workerpool): those start their own
 * worker script from their package folder, which a single-file bundle or a single-executable build
 * cannot carry. Ours starts the plugin's own entry script, which recognises the worker marker.
 *
 * Cancellation is definitive: a queued task is dropped, a running one terminates its thread (the
 * task cannot be stuck in synchronous code past its cancel) and a fresh thread is started on demand.
 */
import { Worker } from 'node:worker_threads';
import type { Logger } from '../types';
import { QueryError } from '../types';
import type { WireFormat } from '../wire/messages';
import type { EncodedFrame } from './encoded-frame';
import { FRAME_WORKER_MARKER, type ResultMessage, type TaskMessage } from './protocol';

/** What each thread starts: the entry script's file, or its source (evaluated; single-executable builds). */
export type WorkerEntry = { file: string } | { source: string };

export interface FrameWorkerPoolOptions {
  /** The entry script to start in each thread (it must call `serve()` with the same plugin). */
  entry: WorkerEntry;
  /** Threads at most. */
  size: number;
  /** V8 old-space cap per thread: a runaway task dies alone (answered 413) instead of the process. */
  maxHeapMiB: number;
  logger: Logger;
}

interface Job {
  message: TaskMessage;
  signal: AbortSignal;
  resolve(frames: EncodedFrame[]): void;
  reject(error: unknown): void;
  onAbort(): void;
}

interface Slot {
  worker: Worker;
  job?: Job;
}

function cancelled(signal: AbortSignal): Error {
  const reason = signal.reason;
  return reason instanceof Error ? reason : new Error('the query was cancelled');
}

export class FrameWorkerPool {
  private readonly slots = new Set<Slot>();
  private readonly queue: Job[] = [];
  private nextId = 1;
  private closed = false;

  constructor(private readonly options: FrameWorkerPoolOptions) {}

  /** Threads alive (idle or busy). */
  get threads(): number {
    return this.slots.size;
  }

  /** Tasks waiting for a free thread. */
  get queued(): number {
    return this.queue.length;
  }

  run(task: string, input: unknown, refId: string, format: WireFormat, signal: AbortSignal): Promise<EncodedFrame[]> {
    if (this.closed) return Promise.reject(new Error('the plugin is shutting down'));
    if (signal.aborted) return Promise.reject(cancelled(signal));
    return new Promise<EncodedFrame[]>((resolve, reject) => {
      const job: Job = {
        message: { id: this.nextId++, task, input, refId, format },
        signal,
        resolve,
        reject,
        onAbort: () => this.abort(job),
      };
      signal.addEventListener('abort', job.onAbort, { once: true });
      this.queue.push(job);
      this.dispatch();
    });
  }

  /** Terminates every thread; queued and running tasks fail. */
  async close(): Promise<void> {
    this.closed = true;
    for (const job of this.queue.splice(0)) this.settle(job, new Error('the plugin is shutting down'));
    const slots = [...this.slots];
    this.slots.clear();
    for (const slot of slots) if (slot.job) this.settle(slot.job, new Error('the plugin is shutting down'));
    await Promise.all(slots.map((slot) => slot.worker.terminate().catch(() => undefined)));
  }

  private dispatch(): void {
    while (this.queue.length > 0) {
      let slot = [...this.slots].find((s) => !s.job);
      if (!slot && this.slots.size < this.options.size) slot = this.spawn();
      if (!slot) return;
      const job = this.queue.shift()!;
      slot.job = job;
      slot.worker.postMessage(job.message);
    }
  }

  private spawn(): Slot {
    const { entry } = this.options;
    const worker = new Worker('file' in entry ? entry.file : entry.source, {
      eval: 'source' in entry,
      workerData: { [FRAME_WORKER_MARKER]: true },
      resourceLimits: { maxOldGenerationSizeMb: this.options.maxHeapMiB },
      stdout: true,
    });
    // Idle threads must not keep a stopping process alive.
    worker.unref();
    const slot: Slot = { worker };
    this.slots.add(slot);
    worker.stdout.on('data', (chunk: Buffer) =>
      this.options.logger.warn('frame worker wrote to stdout (ignored)', { text: chunk.toString('utf8', 0, Math.min(chunk.length, 512)) }),
    );
    worker.on('message', (result: ResultMessage) => this.finish(slot, result));
    worker.on('error', (err) => this.lose(slot, err));
    worker.on('exit', (code) => this.lose(slot, new Error(`the query worker thread exited (code ${code})`)));
    return slot;
  }

  private finish(slot: Slot, result: ResultMessage): void {
    const job = slot.job;
    if (!job || job.message.id !== result.id) return;
    slot.job = undefined;
    if (result.ok) {
      this.settle(job, undefined, result.frames.map((bytes) => ({ kind: 'encoded-frame', format: job.message.format, bytes })));
    } else {
      const { message, status, source } = result.error;
      this.settle(job, status !== undefined ? new QueryError(message, status, source) : new Error(message));
    }
    this.dispatch();
  }

  /** A thread died (crash, out of memory, terminated): its task fails, the slot is freed. */
  private lose(slot: Slot, err: Error): void {
    if (!this.slots.delete(slot)) return;
    const job = slot.job;
    slot.job = undefined;
    if (job) {
      const outOfMemory = (err as NodeJS.ErrnoException).code === 'ERR_WORKER_OUT_OF_MEMORY';
      this.options.logger.error('query worker thread failed', { error: err.message, task: job.message.task, refId: job.message.refId });
      this.settle(
        job,
        outOfMemory
          ? new QueryError(`query ${job.message.refId} needs more memory than a query worker may use (${this.options.maxHeapMiB} MiB); narrow the query`, 413)
          : err,
      );
    }
    if (!this.closed) this.dispatch();
  }

  private abort(job: Job): void {
    const queuedAt = this.queue.indexOf(job);
    if (queuedAt >= 0) {
      this.queue.splice(queuedAt, 1);
      this.settle(job, cancelled(job.signal));
      return;
    }
    for (const slot of this.slots) {
      if (slot.job !== job) continue;
      this.slots.delete(slot);
      slot.job = undefined;
      void slot.worker.terminate();
      this.settle(job, cancelled(job.signal));
      this.dispatch();
      return;
    }
  }

  private settle(job: Job, error: unknown, frames?: EncodedFrame[]): void {
    job.signal.removeEventListener('abort', job.onAbort);
    if (error === undefined) job.resolve(frames!);
    else job.reject(error);
  }
}
