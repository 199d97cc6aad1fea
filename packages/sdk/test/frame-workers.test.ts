/**
 * The frame worker pool with real worker threads: results come back encoded and intact, a cancelled
 * task stops even when it never yields, a thread that runs out of memory fails only its task, and a
 * QueryError keeps its status across the thread hop.
 */
import { tableFromIPC } from 'apache-arrow';
import { readFileSync } from 'node:fs';
import { FrameWorkerPool } from '../src/workers/pool';
import { buildTestBundle } from './helpers';

jest.setTimeout(60_000);

const logged: Array<{ message: string; fields?: Record<string, unknown> }> = [];
const logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: (message: string, fields?: Record<string, unknown>) => void logged.push({ message, fields }),
  error: (message: string, fields?: Record<string, unknown>) => void logged.push({ message, fields }),
  with: () => logger,
};

let pool: FrameWorkerPool;
let script: string;

beforeAll(() => {
  script = buildTestBundle('frame-worker', 'test/fixtures/frame-worker-main.ts');
  pool = new FrameWorkerPool({ entry: { file: script }, size: 2, maxHeapMiB: 64, logger });
});

afterAll(() => pool.close());

const never = new AbortController().signal;

test('a task runs in a worker and comes back as the Arrow file of its frame', async () => {
  const [encoded] = await pool.run('test.rows', { rows: 1000 }, 'A', 'ARROW', never);
  expect(encoded.kind).toBe('encoded-frame');
  const table = tableFromIPC(encoded.bytes);
  expect(table.numRows).toBe(1000);
  expect(table.schema.metadata.get('refId')).toBe('A');
  expect(table.getChild('value')!.get(999)).toBe(1998);
});

test('JSON requests get frame JSON', async () => {
  const [encoded] = await pool.run('test.rows', { rows: 3 }, 'B', 'JSON', never);
  const json = JSON.parse(Buffer.from(encoded.bytes).toString('utf8'));
  expect(json.schema.refId).toBe('B');
  expect(json.data.values[1]).toEqual([0, 2, 4]);
});

test('cancelling a task that never yields ends it at once, and the pool keeps working', async () => {
  const cancel = new AbortController();
  const spinning = pool.run('test.spin', {}, 'S', 'ARROW', cancel.signal);
  setTimeout(() => cancel.abort(new Error('the call was cancelled by the client')), 100);
  await expect(spinning).rejects.toThrow('the call was cancelled by the client');
  const [after] = await pool.run('test.rows', { rows: 5 }, 'A', 'ARROW', never);
  expect(tableFromIPC(after.bytes).numRows).toBe(5);
  expect(pool.threads).toBeLessThanOrEqual(2);
});

test('queued tasks are dropped on cancel without ever running', async () => {
  const spinners = [new AbortController(), new AbortController()];
  const busy = spinners.map((c) => pool.run('test.spin', {}, 'S', 'ARROW', c.signal).catch((e: Error) => e));
  const queuedCancel = new AbortController();
  const queued = pool.run('test.rows', { rows: 1 }, 'Q', 'ARROW', queuedCancel.signal);
  expect(pool.queued).toBe(1);
  queuedCancel.abort(new Error('cancelled while queued'));
  await expect(queued).rejects.toThrow('cancelled while queued');
  expect(pool.queued).toBe(0);
  spinners.forEach((c) => c.abort());
  await Promise.all(busy);
});

test('a thread that runs out of memory fails its task with 413, not the process', async () => {
  await expect(pool.run('test.hog', {}, 'H', 'ARROW', never)).rejects.toMatchObject({ status: 413, message: expect.stringMatching(/more memory than a query worker may use \(64 MiB\)/) });
  expect(logged.some((l) => l.message === 'query worker thread failed')).toBe(true);
  const [after] = await pool.run('test.rows', { rows: 2 }, 'A', 'ARROW', never);
  expect(tableFromIPC(after.bytes).numRows).toBe(2);
});

test('a QueryError thrown in the worker keeps its status and source', async () => {
  await expect(pool.run('test.refuse', {}, 'R', 'ARROW', never)).rejects.toMatchObject({ name: 'QueryError', status: 422, source: 'downstream', message: 'the test task refuses' });
  await expect(pool.run('test.unknown', {}, 'U', 'ARROW', never)).rejects.toThrow('no frame task named "test.unknown" is registered');
});

test("a thread can also start from the entry script's source (how single-executable builds run it)", async () => {
  const fromSource = new FrameWorkerPool({ entry: { source: readFileSync(script, 'utf8') }, size: 1, maxHeapMiB: 64, logger });
  try {
    const [encoded] = await fromSource.run('test.rows', { rows: 7 }, 'E', 'ARROW', never);
    expect(tableFromIPC(encoded.bytes).numRows).toBe(7);
  } finally {
    await fromSource.close();
  }
});

test('after close, tasks are refused with a clear error', async () => {
  const closing = new FrameWorkerPool({ entry: { file: buildTestBundle('frame-worker', 'test/fixtures/frame-worker-main.ts') }, size: 1, maxHeapMiB: 64, logger });
  const running = closing.run('test.spin', {}, 'S', 'ARROW', never).catch((e: Error) => e);
  await closing.close();
  expect(await running).toEqual(new Error('the plugin is shutting down'));
  await expect(closing.run('test.rows', { rows: 1 }, 'A', 'ARROW', never)).rejects.toThrow('the plugin is shutting down');
});
