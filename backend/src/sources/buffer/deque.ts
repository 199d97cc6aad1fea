/**
 * A FIFO with O(1) amortised push/shift and O(1) indexed reads (binary search by time or seq), for
 * the message rings. Node has no deque in its standard library and this is a few lines on a plain
 * array, not worth a dependency: shifted slots are reclaimed in bulk once they make up half of the
 * array, which keeps every operation amortised O(1).
 */
export class Deque<T> {
  private items: (T | undefined)[] = [];
  private head = 0;

  get length(): number {
    return this.items.length - this.head;
  }

  push(item: T): void {
    this.items.push(item);
  }

  /** The item at `index` from the oldest (0), or undefined. */
  at(index: number): T | undefined {
    return index >= 0 && index < this.length ? this.items[this.head + index] : undefined;
  }

  peek(): T | undefined {
    return this.at(0);
  }

  peekLast(): T | undefined {
    return this.at(this.length - 1);
  }

  shift(): T | undefined {
    if (this.length === 0) return undefined;
    const item = this.items[this.head];
    this.items[this.head] = undefined;
    this.head++;
    if (this.head === this.items.length) {
      this.items = [];
      this.head = 0;
    } else if (this.head >= 1024 && this.head * 2 >= this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }

  clear(): void {
    this.items = [];
    this.head = 0;
  }

  /** Index of the first item for which `isAtOrAfter` holds (items must be ordered for it), or `length`. */
  lowerBound(isAtOrAfter: (item: T) => boolean): number {
    let lo = 0;
    let hi = this.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (isAtOrAfter(this.items[this.head + mid] as T)) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }

  /** Copies of the items [from, to). */
  slice(from: number, to: number): T[] {
    return this.items.slice(this.head + Math.max(0, from), this.head + Math.min(this.length, to)) as T[];
  }
}
