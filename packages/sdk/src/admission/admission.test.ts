/** Admission before work: cost estimates, the per-response budget and the process-wide memory budget. */
import { BYTES_PER_POINT, estimatedBytes } from './cost';
import { MemoryBudget } from './memory-budget';
import { admitToResponse } from './response-budget';

const MiB = 1024 * 1024;
const never = new AbortController().signal;

describe('cost estimates', () => {
  it('turn declared points into bytes per format, prefer declared bytes, and ignore nonsense', () => {
    expect(estimatedBytes({ points: 1000 }, 'ARROW')).toBe(1000 * BYTES_PER_POINT.ARROW + 1024);
    expect(estimatedBytes({ points: 1000 }, 'JSON')).toBe(1000 * BYTES_PER_POINT.JSON + 1024);
    expect(estimatedBytes({ points: 1000, bytes: 20 }, 'JSON')).toBe(20 + 1024);
    expect(estimatedBytes({ bytes: 5 }, 'ARROW')).toBe(5 + 1024);
    expect(estimatedBytes(undefined, 'ARROW')).toBeUndefined();
    expect(estimatedBytes({ points: Number.NaN }, 'ARROW')).toBeUndefined();
    expect(estimatedBytes({ points: -1 }, 'ARROW')).toBeUndefined();
  });
});

describe('per-response admission', () => {
  it('admits in request order while the estimates fit and explains each refusal', () => {
    const { admitted, refused } = admitToResponse(
      [
        { refId: 'A', bytes: 6 * MiB },
        { refId: 'B', bytes: 20 * MiB },
        { refId: 'C', bytes: 6 * MiB },
        { refId: 'D', bytes: 6 * MiB },
        { refId: 'E', bytes: undefined },
        { refId: 'F', bytes: 1 * MiB },
      ],
      16 * MiB,
    );
    expect([...admitted]).toEqual(['A', 'C', 'E', 'F']);
    expect(refused.map((r) => r.refId)).toEqual(['B', 'D']);
    expect(refused[0].message).toMatch(/query B: the result would be about 20\.0 MiB, more than Grafana accepts in one response \(16\.0 MiB\)/);
    expect(refused[1].message).toMatch(/query D: together with the other queries of this request the results would exceed one response/);
  });
});

describe('the process-wide memory budget', () => {
  it('grants at once while there is room, then queues first come first served', async () => {
    const budget = new MemoryBudget({ capacityBytes: 10, maxWaiting: 4, maxWaitMs: 60_000 });
    const a = await budget.reserve(6, never);
    expect(a.ok).toBe(true);
    const order: string[] = [];
    const big = budget.reserve(8, never).then((r) => (order.push('big'), r));
    const small = budget.reserve(1, never).then((r) => (order.push('small'), r));
    await new Promise((r) => setImmediate(r));
    // The small one would fit now, but it must not overtake the big one that waits at the head.
    expect(order).toEqual([]);
    expect(budget.waitingRequests).toBe(2);
    if (a.ok) a.release();
    const [bigGrant, smallGrant] = await Promise.all([big, small]);
    expect(order).toEqual(['big', 'small']);
    expect(budget.inUseBytes).toBe(9);
    if (bigGrant.ok) bigGrant.release();
    if (smallGrant.ok) smallGrant.release();
    expect(budget.inUseBytes).toBe(0);
  });

  it('refuses at once when the waiting line is full', async () => {
    const budget = new MemoryBudget({ capacityBytes: 10, maxWaiting: 1, maxWaitMs: 60_000 });
    const held = await budget.reserve(10, never);
    const waiting = budget.reserve(1, never);
    const refused = await budget.reserve(1, never);
    expect(refused).toEqual({ ok: false, reason: 'the backend is busy (1 requests already waiting); retry shortly' });
    if (held.ok) held.release();
    expect((await waiting).ok).toBe(true);
  });

  it('refuses a request that waited too long, and one whose caller cancelled', async () => {
    jest.useFakeTimers();
    try {
      const budget = new MemoryBudget({ capacityBytes: 10, maxWaiting: 8, maxWaitMs: 2_000 });
      const held = await budget.reserve(10, never);
      const late = budget.reserve(1, never);
      jest.advanceTimersByTime(2_000);
      expect(await late).toEqual({ ok: false, reason: 'the backend is busy: no memory for this request within 2 s; retry shortly' });
      const cancel = new AbortController();
      const cancelled = budget.reserve(1, cancel.signal);
      cancel.abort();
      expect(await cancelled).toEqual({ ok: false, reason: 'the query was cancelled while waiting for memory' });
      expect(budget.waitingRequests).toBe(0);
      if (held.ok) held.release();
      expect(budget.inUseBytes).toBe(0);
    } finally {
      jest.useRealTimers();
    }
  });

  it('lets a request bigger than the whole budget run alone rather than never', async () => {
    const budget = new MemoryBudget({ capacityBytes: 10, maxWaiting: 1, maxWaitMs: 60_000 });
    const huge = await budget.reserve(1_000, never);
    expect(huge.ok).toBe(true);
    expect(budget.inUseBytes).toBe(10);
  });
});
