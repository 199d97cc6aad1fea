/** The topic filters of the latest queries (newest first, bounded): Save & test probes them when no test topic is set. */
export const MAX_RECENT_FILTERS = 5;

export class RecentFilters {
  private readonly filters: string[] = [];

  add(filter: string): void {
    const at = this.filters.indexOf(filter);
    if (at >= 0) {
      this.filters.splice(at, 1);
    }
    this.filters.unshift(filter);
    this.filters.length = Math.min(this.filters.length, MAX_RECENT_FILTERS);
  }

  list(): string[] {
    return [...this.filters];
  }
}
