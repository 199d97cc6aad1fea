/**
 * Save & test for a web source: open the stream the datasource would open (the same code path, so
 * redirects, TLS and limits behave the same), wait for the first message or the first failure, and
 * say exactly what happened in one line. No retry: the first failure is the answer.
 */
import type { ProbeResult, RawMessage } from '../contracts';
import { DEFAULT_BUFFER_SETTINGS, type BufferSettings } from '../../../../src/shared/mqtt';
import { payloadSample } from '../mqtt/probe';
import type { StreamSubscription } from './sharedStreams';

export const DEFAULT_PROBE_WAIT_MS = 5_000;

/** The buffer of a probe's throw-away source: small, and gone as soon as the probe ends. */
export const PROBE_BUFFER: BufferSettings = { ...DEFAULT_BUFFER_SETTINGS, maxMessages: 10, maxMemoryMiB: 16, idleGraceSeconds: 0 };

export interface ProbedSource<Spec> {
  subscribe(spec: Spec): StreamSubscription;
  close(): void;
}

export interface ProbeRun<Spec> {
  /** Creates the throw-away source (may throw an Error saying what is wrong with the settings). */
  source: () => ProbedSource<Spec>;
  spec: Spec;
  /** What was contacted, for the message (no query string, no secret). */
  display: () => string;
  waitMs: number;
  /** Polling: one successful answer is the whole test (no rows then means none at the path). */
  answerIsEnough?: boolean;
  /** Says what was asked of the server, after "Connected to X". */
  connectedNote?: string;
}

type Outcome = { kind: 'message'; message: RawMessage } | { kind: 'failed'; error: string } | { kind: 'answered' } | { kind: 'timeout'; connected: boolean };

export async function probeSource<Spec>(run: ProbeRun<Spec>): Promise<ProbeResult> {
  let source: ProbedSource<Spec>;
  let subscription: StreamSubscription;
  try {
    source = run.source();
  } catch (error) {
    return { ok: false, message: `Invalid settings: ${(error as Error).message}` };
  }
  try {
    subscription = source.subscribe(run.spec);
  } catch (error) {
    source.close();
    return { ok: false, message: `Invalid query: ${(error as Error).message}` };
  }
  const display = run.display();
  const started = Date.now();
  try {
    const outcome = await firstOutcome(subscription, run);
    const note = run.connectedNote ? ` ${run.connectedNote}` : '';
    switch (outcome.kind) {
      case 'failed':
        return { ok: false, message: `Could not connect to ${display}: ${outcome.error}` };
      case 'answered':
        return { ok: true, message: `Connected to ${display}${note}; the answer held no rows` };
      case 'timeout':
        return outcome.connected
          ? { ok: true, message: `Connected to ${display}${note}, but no message within ${formatSeconds(run.waitMs)}` }
          : { ok: false, message: `No answer from ${display} within ${formatSeconds(run.waitMs)}` };
      case 'message': {
        const { message } = outcome;
        return {
          ok: true,
          message: `Connected to ${display}${note}; received a message on "${message.topic}" after ${message.receivedAtMs - started} ms`,
          sample: { topic: message.topic, payload: payloadSample(message.payload), receivedAtMs: message.receivedAtMs },
        };
      }
    }
  } finally {
    subscription.release();
    source.close();
  }
}

function firstOutcome<Spec>(subscription: StreamSubscription, run: ProbeRun<Spec>): Promise<Outcome> {
  return new Promise((resolve) => {
    let unfollow = () => {};
    const finish = (outcome: Outcome) => {
      clearTimeout(timer);
      clearInterval(watch);
      unfollow();
      resolve(outcome);
    };
    const timer = setTimeout(() => finish({ kind: 'timeout', connected: subscription.state().state === 'connected' }), run.waitMs);
    // States have no event of their own; a 20 ms look is plenty for a one-off test.
    const watch = setInterval(() => {
      const state = subscription.state();
      if (state.state === 'failing') finish({ kind: 'failed', error: state.error });
      else if (state.state === 'connected' && run.answerIsEnough) finish({ kind: 'answered' });
    }, 20);
    unfollow = subscription.follow(0, (messages) => {
      if (messages.length > 0) finish({ kind: 'message', message: messages[0] });
    });
  });
}

function formatSeconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${(ms / 1000).toFixed(1)} s`;
}
