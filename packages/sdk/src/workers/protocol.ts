/** Messages between the main thread and a frame worker (structured-cloned; frame bytes transferred). */
import type { ErrorSource } from '../types';
import type { WireFormat } from '../wire/messages';

/** `workerData` key that tells an entry script it was started as a frame worker. */
export const FRAME_WORKER_MARKER = '__grafanaNodeSdkFrameWorker';

export interface TaskMessage {
  id: number;
  task: string;
  input: unknown;
  refId: string;
  format: WireFormat;
}

export interface TaskFailure {
  message: string;
  /** Set when the task threw a QueryError: the query's status and error source survive the thread hop. */
  status?: number;
  source?: ErrorSource;
}

export type ResultMessage =
  | { id: number; ok: true; frames: Uint8Array[] }
  | { id: number; ok: false; error: TaskFailure };
