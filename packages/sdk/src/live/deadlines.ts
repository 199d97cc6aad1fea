/**
 * One timer for many deadlines. Live channels usually wake on the same grid (every 50 ms at 20 Hz),
 * so a hundred channels would otherwise arm a hundred timers for the same instant. Here every
 * callback due at the same epoch millisecond shares a bucket, and only the earliest bucket has a
 * timer. The deadline is checked against the clock when the timer fires: Node arms timers from the
 * event loop's cached time, which can lag by however long the current tick has run, so a timer may
 * fire early; it is then re-armed for the rest instead of calling anything before its time. If the
 * wall clock has gone back since the timer was armed (an NTP step), every waiting callback is called
 * at once: waiting for the wall clock to reach their deadlines again would silence them for as long
 * as the clock went back. Callers therefore check the time themselves and re-plan (the live channels do).
 */
import { systemClock, type Clock } from './clock';

export class DeadlineScheduler {
  /** Due times (epoch ms, whole) in ascending order, each with its callbacks. */
  private readonly dueTimes: number[] = [];
  private readonly buckets = new Map<number, Set<() => void>>();
  private timer: unknown;
  private armedFor = Number.NaN;
  /** Wall-clock time when the timer was armed. */
  private armedAt = Number.NaN;
  private firing = false;

  constructor(
    private readonly clock: Clock = systemClock,
    private readonly onError: (error: unknown) => void = () => undefined,
  ) {}

  /** Deadlines waiting (for tests and health). */
  get pending(): number {
    let count = 0;
    for (const bucket of this.buckets.values()) count += bucket.size;
    return count;
  }

  /** Calls `callback` once the clock reaches `atMs`; the returned function cancels it. */
  schedule(atMs: number, callback: () => void): () => void {
    const due = Math.ceil(atMs);
    let bucket = this.buckets.get(due);
    if (!bucket) {
      bucket = new Set();
      this.buckets.set(due, bucket);
      this.dueTimes.splice(this.insertionIndex(due), 0, due);
    }
    // Wrap so the same function may be scheduled twice and each cancel removes only its own entry.
    const entry = () => callback();
    bucket.add(entry);
    this.arm();
    return () => this.cancel(due, entry);
  }

  private cancel(due: number, entry: () => void): void {
    const bucket = this.buckets.get(due);
    if (!bucket?.delete(entry) || bucket.size > 0) {
      return;
    }
    this.buckets.delete(due);
    // Absent while a clock-back pass runs (it took every due time out first).
    const index = this.dueTimes.indexOf(due);
    if (index >= 0) this.dueTimes.splice(index, 1);
    this.arm();
  }

  private insertionIndex(due: number): number {
    let lo = 0;
    let hi = this.dueTimes.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.dueTimes[mid] < due) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Keeps exactly one timer, for the earliest deadline (none when nothing waits). */
  private arm(): void {
    if (this.firing) {
      return; // fire() arms once when it is done
    }
    const earliest = this.dueTimes.length > 0 ? this.dueTimes[0] : Number.NaN;
    if (earliest === this.armedFor) {
      return;
    }
    if (this.timer !== undefined) {
      this.clock.clearTimeout(this.timer);
      this.timer = undefined;
    }
    this.armedFor = earliest;
    if (!Number.isNaN(earliest)) {
      this.armedAt = this.clock.now();
      this.timer = this.clock.setTimeout(() => this.fire(), earliest - this.armedAt);
    }
  }

  private fire(): void {
    this.timer = undefined;
    this.armedFor = Number.NaN;
    const clockNow = this.clock.now();
    this.firing = true;
    if (clockNow < this.armedAt) {
      // The wall clock went back (see the header): every deadline waiting now is called once. Only
      // these: a callback that re-plans from the earlier clock waits for the next timer, so a
      // re-planning callback cannot keep this loop going.
      for (const due of this.dueTimes.splice(0)) this.runBucket(due);
    } else {
      while (this.dueTimes.length > 0 && this.dueTimes[0] <= clockNow) this.runBucket(this.dueTimes.shift()!);
    }
    this.firing = false;
    this.arm();
  }

  private runBucket(due: number): void {
    const bucket = this.buckets.get(due);
    if (!bucket) return; // emptied by cancels earlier in a clock-back pass
    this.buckets.delete(due);
    for (const entry of bucket) {
      try {
        entry();
      } catch (error) {
        this.onError(error);
      }
    }
  }
}
