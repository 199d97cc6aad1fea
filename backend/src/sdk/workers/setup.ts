/** Decides whether this process gets a frame worker pool, and sizes it to the machine. */
import { existsSync } from 'node:fs';
import os from 'node:os';
import type { Logger, PluginDefinition } from '../types';
import { FrameWorkerPool } from './pool';

/** One thread per CPU beyond the one serving gRPC and streams, at least one, at most four. */
export function defaultWorkerCount(): number {
  return Math.max(1, Math.min(4, os.availableParallelism() - 1));
}

/** Old-space cap per worker thread: above the largest answer one response may carry, with room to compute it. */
const WORKER_HEAP_MIB = 256;

export function createFrameWorkerPool(
  definition: PluginDefinition<unknown>,
  requestedThreads: number | undefined,
  script: string | undefined,
  logger: Logger,
): FrameWorkerPool | undefined {
  if (!definition.frameTasks?.length) return undefined;
  const size = requestedThreads ?? defaultWorkerCount();
  if (size === 0) {
    logger.info('query worker threads are off; frame tasks run on the main thread');
    return undefined;
  }
  // A worker starts the entry script again; only a JavaScript file on disk can be started that way.
  if (!script || !/\.[cm]?js$/.test(script) || !existsSync(script)) {
    logger.warn('frame tasks run on the main thread: the entry script cannot be started as a worker thread', { script: script ?? '' });
    return undefined;
  }
  return new FrameWorkerPool({ script, size, maxHeapMiB: WORKER_HEAP_MIB, logger });
}
