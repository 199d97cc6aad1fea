/**
 * Frame tasks: the heavy part of a query (computing and encoding its frames) written as a pure
 * function of plain data, so the SDK can run it in a worker thread and keep the event loop that
 * serves live streams free. A task is registered in the plugin definition (`frameTasks`) so the
 * worker, which loads the same entry script, finds it by name.
 */
import type { Frame } from '../frames/model';
import type { RequestContext } from '../types';
import type { EncodedFrame } from './encoded-frame';

export interface FrameTask<Input> {
  /** Unique within the plugin; how the worker finds the task. */
  readonly name: string;
  /** Builds the frames. `input` is structured-cloned into the worker: plain data only. */
  run(input: Input, signal: AbortSignal): Frame[] | Promise<Frame[]>;
}

export function defineFrameTask<Input>(name: string, run: (input: Input, signal: AbortSignal) => Frame[] | Promise<Frame[]>): FrameTask<Input> {
  return { name, run };
}

/** What the SDK puts on a query's context to run frame tasks (a worker pool or inline). */
export interface FrameTaskRunner {
  run<Input>(task: FrameTask<Input>, input: Input, signal: AbortSignal): Promise<Array<Frame | EncodedFrame>>;
}

/**
 * Runs `task` for a query: in the SDK's worker pool when the SDK decided the query is heavy enough,
 * otherwise (small queries, tests, contexts without a runner) right here.
 */
export async function runFrameTask<Input>(ctx: RequestContext, task: FrameTask<Input>, input: Input): Promise<Array<Frame | EncodedFrame>> {
  if (ctx.frameTasks) return ctx.frameTasks.run(task, input, ctx.signal);
  ctx.signal.throwIfAborted();
  return task.run(input, ctx.signal);
}
