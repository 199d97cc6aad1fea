/**
 * Bounded shutdown. Every step has a fixed time inside the shutdown timeout, and every wait ends at
 * its step's time, so stopping finishes by the deadline whatever handlers or instance disposal do,
 * as long as they do not block the event loop itself (no timer can fire then; see docs/sdk.md).
 */
import * as grpc from '@grpc/grpc-js';
import type { HclogLogger } from '../log/logger';
import type { CallTracker } from './calls';
import type { OpenCalls } from './open-calls';

export const SHUTTING_DOWN = 'the plugin is shutting down';

/** When each step happens, in ms from the start of shutdown. */
export interface DrainSchedule {
  /** In-flight calls had their chance to finish: every call's AbortSignal is aborted. */
  abortAt: number;
  /** Calls still open (handlers that ignore their signal) end with UNAVAILABLE. */
  endCallsAt: number;
  /** Connections still open are closed. */
  forceAt: number;
  /** Instance disposal is no longer waited for; the stop is complete. */
  deadline: number;
}

/**
 * The last quarter of the timeout (at most 500 ms) is kept for closing: long enough for an aborted
 * handler to send its own answer, short enough to leave draining most of the time.
 */
export function drainSchedule(timeoutMs: number): DrainSchedule {
  const reserve = Math.min(500, timeoutMs / 4);
  return { abortAt: timeoutMs - reserve, endCallsAt: timeoutMs - reserve / 2, forceAt: timeoutMs - reserve / 4, deadline: timeoutMs };
}

export interface DrainTargets {
  server: grpc.Server;
  calls: CallTracker;
  openCalls: OpenCalls;
  logger: HclogLogger;
  disposeInstances(): Promise<void>;
  /** Gives up what the process owns outside itself (its socket file); must not throw. */
  release(): void;
}

/** Resolves true if `promise` settles before the time `at` (ms since the epoch). */
async function settlesBy(promise: Promise<unknown>, at: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), Math.max(0, at - Date.now()));
  });
  try {
    return await Promise.race([promise.then(() => true, () => true), late]);
  } finally {
    clearTimeout(timer);
  }
}

export async function drain(targets: DrainTargets, reason: string, timeoutMs: number): Promise<void> {
  const { server, calls, openCalls, logger } = targets;
  const started = Date.now();
  const schedule = drainSchedule(timeoutMs);
  const by = (offset: number): number => started + offset;
  logger.info('shutting down', { reason, inFlightCalls: calls.size, timeoutMs });
  // The socket goes first: a server started in our place can bind at once, and is never unlinked later.
  targets.release();
  calls.abortStreams(SHUTTING_DOWN);
  const closed = new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
  if (!(await settlesBy(closed, by(schedule.abortAt)))) {
    logger.warn('in-flight calls did not finish in time; closing them', { inFlightCalls: calls.size });
    calls.abortAll(SHUTTING_DOWN);
    if (!(await settlesBy(closed, by(schedule.endCallsAt)))) {
      const ended = openCalls.endAll(grpc.status.UNAVAILABLE, SHUTTING_DOWN);
      if (ended > 0) logger.warn('calls whose handler ignored the abort end UNAVAILABLE', { calls: ended });
      if (!(await settlesBy(closed, by(schedule.forceAt)))) server.forceShutdown();
    }
  }
  if (!(await settlesBy(targets.disposeInstances(), by(schedule.deadline)))) {
    logger.warn('datasource instances did not finish disposing before the shutdown deadline; stopping anyway');
  }
  logger.info('stopped', { durationMs: Date.now() - started });
}
