/**
 * A virtual clock for tests: XState's `clock` option and the SCXML interpreter's delayed
 * sends both schedule on it, and a test advances it explicitly (no real timers, no waiting).
 */
export class VirtualClock {
  private now = 0;
  private seq = 0;
  private readonly timers = new Map<number, { due: number; seq: number; fn: () => void }>();

  setTimeout = (fn: () => void, ms: number): number => {
    const id = ++this.seq;
    this.timers.set(id, { due: this.now + Math.max(0, ms || 0), seq: id, fn });
    return id;
  };

  clearTimeout = (id: unknown): void => {
    this.timers.delete(id as number);
  };

  /** Moves time forward by `ms`, firing every timer that falls due, in (due, order) order. */
  advance(ms: number): void {
    const until = this.now + ms;
    while (true) {
      let next: [number, { due: number; seq: number; fn: () => void }] | undefined;
      for (const entry of this.timers) {
        if (entry[1].due > until) continue;
        if (
          !next ||
          entry[1].due < next[1].due ||
          (entry[1].due === next[1].due && entry[1].seq < next[1].seq)
        ) {
          next = entry;
        }
      }
      if (!next) break;
      this.timers.delete(next[0]);
      this.now = next[1].due;
      next[1].fn();
    }
    this.now = until;
  }

  get pending(): number {
    return this.timers.size;
  }
}
