/**
 * The packet budget of one channel: at most `perSecond` packets, one per epoch-aligned slot
 * 1000/N ms wide. Fixed slots rather than "1000/N ms since the last packet": a packet that went out
 * late (a busy event loop) does not push every later packet back, so timer jitter never accumulates
 * into latency, and a calendar second never holds more than N packets.
 */
export class PacketSlots {
  private lastSlot = Number.NEGATIVE_INFINITY;

  constructor(private readonly perSecond: number) {}

  /** Uses the current slot when it is still free; false when a packet already went out in it. */
  tryTake(now: number): boolean {
    const slot = this.slotAt(now);
    if (slot > this.lastSlot) {
      this.lastSlot = slot;
      return true;
    }
    return false;
  }

  /** Epoch ms (whole) at which the next free slot opens; in the past when the current one is free. */
  nextOpening(now: number): number {
    this.slotAt(now);
    return Math.ceil(((this.lastSlot + 1) * 1000) / this.perSecond);
  }

  private slotAt(now: number): number {
    // now × N / 1000 keeps slot edges exactly on whole seconds (no 1000/N rounding).
    const slot = Math.floor((now * this.perSecond) / 1000);
    if (slot < this.lastSlot) {
      // The wall clock went back: forget the slot used "in the future" rather than fall silent until it comes again.
      this.lastSlot = slot - 1;
    }
    return slot;
  }
}
