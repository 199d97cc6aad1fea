/** Decides whether this process gets a frame worker pool, what its threads start, and how many. */
import { existsSync } from 'node:fs';
import os from 'node:os';
import sea from 'node:sea';
import type { Logger, PluginDefinition } from '../types';
import { FrameWorkerPool, type WorkerEntry } from './pool';

/**
 * In a single-executable build the entry script is not a file a thread can start, so such builds
 * embed the plugin's entry bundle as this asset, and worker threads evaluate it.
 */
export const FRAME_WORKER_ASSET = 'frame-worker.js';

/** One thread per CPU beyond the one serving gRPC and streams, at least one, at most four. */
export function defaultWorkerCount(): number {
  return Math.max(1, Math.min(4, os.availableParallelism() - 1));
}

/** Old-space cap per worker thread: above the largest answer one response may carry, with room to compute it. */
const WORKER_HEAP_MIB = 256;

export function createFrameWorkerPool(
  definition: PluginDefinition<unknown, unknown>,
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
  const entry = workerEntry(script);
  if (!entry) {
    logger.warn('frame tasks run on the main thread: the entry script cannot be started as a worker thread', { script: script ?? '' });
    return undefined;
  }
  return new FrameWorkerPool({ entry, size, maxHeapMiB: WORKER_HEAP_MIB, logger });
}

/** A worker starts the entry script again: a JavaScript file on disk, or the executable's embedded asset. */
function workerEntry(script: string | undefined): WorkerEntry | undefined {
  if (sea.isSea()) {
    try {
      return { source: sea.getAsset(FRAME_WORKER_ASSET, 'utf8') };
    } catch {
      return undefined;
    }
  }
  if (!script || !/\.[cm]?js$/.test(script) || !existsSync(script)) return undefined;
  return { file: script };
}
