import type { Clock } from './clock';
import { DeadlineScheduler } from './deadlines';

/** A hand-driven clock whose timers can be made to fire early, as Node's may (armed from a stale loop time). */
class ManualClock implements Clock {
  time = 1_000;
  timers = new Map<number, { at: number; callback: () => void }>();
  private nextId = 1;
  /** Fire the next timer armed this many ms before it is due (once). */
  earlyBy = 0;
  now(): number {
    return this.time;
  }
  setTimeout(callback: () => void, delayMs: number): unknown {
    const id = this.nextId++;
    this.timers.set(id, { at: this.time + Math.max(0, delayMs) - this.earlyBy, callback });
    this.earlyBy = 0;
    return id;
  }
  clearTimeout(handle: unknown): void {
    this.timers.delete(handle as number);
  }
  advanceTo(time: number): void {
    for (;;) {
      const next = [...this.timers.entries()].sort((a, b) => a[1].at - b[1].at)[0];
      if (!next || next[1].at > time) break;
      this.timers.delete(next[0]);
      this.time = Math.max(this.time, next[1].at);
      next[1].callback();
    }
    this.time = time;
  }
}

describe('DeadlineScheduler', () => {
  it('runs many callbacks due at one instant on a single timer, in deadline order', () => {
    const clock = new ManualClock();
    const scheduler = new DeadlineScheduler(clock);
    const calls: string[] = [];
    for (let i = 0; i < 100; i++) scheduler.schedule(1_050, () => calls.push(`a${i}`));
    scheduler.schedule(1_020, () => calls.push('early'));
    expect(clock.timers.size).toBe(1);
    clock.advanceTo(1_049);
    expect(calls).toEqual(['early']);
    clock.advanceTo(1_050);
    expect(calls).toHaveLength(101);
    expect(clock.timers.size).toBe(0);
  });

  it('never calls back before the deadline when the timer fires early', () => {
    const clock = new ManualClock();
    clock.earlyBy = 4;
    const scheduler = new DeadlineScheduler(clock);
    const firedAt: number[] = [];
    scheduler.schedule(1_050, () => firedAt.push(clock.now()));
    clock.advanceTo(1_047);
    expect(firedAt).toEqual([]);
    expect(clock.timers.size).toBe(1); // re-armed for the remaining time
    clock.advanceTo(1_060);
    expect(firedAt).toEqual([1_050]);
  });

  it('cancels one entry without touching others, and leaves no timer when nothing waits', () => {
    const clock = new ManualClock();
    const scheduler = new DeadlineScheduler(clock);
    const calls: string[] = [];
    const callback = () => calls.push('x');
    const cancelFirst = scheduler.schedule(1_010, callback);
    scheduler.schedule(1_010, callback);
    cancelFirst();
    cancelFirst();
    expect(scheduler.pending).toBe(1);
    clock.advanceTo(1_010);
    expect(calls).toEqual(['x']);
    const cancel = scheduler.schedule(2_000, callback);
    cancel();
    expect(clock.timers.size).toBe(0);
  });

  it('keeps going when a callback throws, and lets callbacks schedule the next deadline', () => {
    const clock = new ManualClock();
    const errors: unknown[] = [];
    const scheduler = new DeadlineScheduler(clock, (e) => errors.push(e));
    const ticks: number[] = [];
    const tick = () => {
      ticks.push(clock.now());
      if (ticks.length < 3) scheduler.schedule(clock.now() + 50, tick);
    };
    scheduler.schedule(1_050, () => {
      throw new Error('boom');
    });
    scheduler.schedule(1_050, tick);
    clock.advanceTo(2_000);
    expect(errors).toHaveLength(1);
    expect(ticks).toEqual([1_050, 1_100, 1_150]);
    expect(clock.timers.size).toBe(0);
  });

  it('calls every waiting callback when the wall clock went back since the timer was armed', () => {
    const clock = new ManualClock();
    const scheduler = new DeadlineScheduler(clock);
    const calls: string[] = [];
    scheduler.schedule(1_050, () => calls.push('first'));
    scheduler.schedule(5_000, () => calls.push('later'));
    const [[id, timer]] = [...clock.timers.entries()];
    clock.timers.delete(id);
    clock.time = 1_050 - 3_600_000; // the timer's 50 ms passed, but an NTP step set the clock back an hour
    timer.callback();
    expect(calls).toEqual(['first', 'later']); // not an hour of silence: their owners re-plan
    expect(clock.timers.size).toBe(0);
  });
});
