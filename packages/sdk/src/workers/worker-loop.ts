/**
 * The worker-thread side of frame tasks: runs one task at a time, validates and encodes its frames in
 * the format the request asked for, and transfers the bytes back without copying.
 */
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { encodeFrame } from '../wire/convert/frame';
import { QueryError } from '../types';
import type { FrameTask } from './frame-task';
import { FRAME_WORKER_MARKER, type ResultMessage, type TaskFailure, type TaskMessage } from './protocol';

/** True inside a worker thread the SDK started for frame tasks. */
export function isFrameWorkerThread(): boolean {
  return !isMainThread && (workerData as Record<string, unknown> | null)?.[FRAME_WORKER_MARKER] === true;
}

/** A buffer that can move to the other thread: a view over a whole, unpooled ArrayBuffer. */
function transferable(bytes: Uint8Array): Uint8Array {
  const whole = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength && bytes.buffer instanceof ArrayBuffer;
  // Node's Buffer pool slices must not be transferred (it would detach the shared pool).
  return whole ? bytes : new Uint8Array(bytes);
}

function failureOf(err: unknown): TaskFailure {
  if (err instanceof QueryError) return { message: err.message, status: err.status, source: err.source };
  return { message: err instanceof Error ? err.message : String(err) };
}

/** Serves frame tasks on the worker's parent port until the pool terminates the thread. */
export function serveFrameTasks(tasks: ReadonlyArray<FrameTask<unknown>>): void {
  const port = parentPort;
  if (!port) throw new Error('serveFrameTasks runs only in a worker thread');
  const byName = new Map(tasks.map((task) => [task.name, task]));
  // Cancellation terminates the whole thread, so tasks here never see an aborted signal.
  const signal = new AbortController().signal;
  port.on('message', (message: TaskMessage) => {
    void (async (): Promise<ResultMessage> => {
      const task = byName.get(message.task);
      if (!task) return { id: message.id, ok: false, error: { message: `no frame task named "${message.task}" is registered` } };
      const frames = await task.run(message.input, signal);
      const encoded = frames.map((frame) => transferable(encodeFrame(frame, message.refId, message.format)));
      return { id: message.id, ok: true, frames: encoded };
    })().then(
      (result) => port.postMessage(result, result.ok ? result.frames.map((b) => b.buffer as ArrayBuffer) : []),
      (err: unknown) => port.postMessage({ id: message.id, ok: false, error: failureOf(err) } satisfies ResultMessage),
    );
  });
}
