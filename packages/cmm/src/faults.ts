/**
 * Fault injection for every call the driver makes into its environment: the hcalls
 * (H_GET_MPP, H_PAGE_INIT by its flags), the page allocator (`balloon_page_alloc`) and the
 * kernel services of module init (`kern_mount`, `alloc_anon_inode`, the notifier
 * registrations, sysfs, `kthread_run`). A fault names the operation, which call of it fails
 * (the n-th, counting from 1 since the kernel was created) and the return code it gets.
 *
 * The plan and its call counters are part of the kernel state (cloned with it), so the
 * checker explores faults as state, and a facade run can be replayed exactly.
 *
 * @module
 */

/**
 * Operations a fault can target.
 * @category Ports
 */
export const FAULT_OPS = [
  'H_GET_MPP',
  'H_PAGE_INIT',
  'H_PAGE_INIT.loaned',
  'H_PAGE_INIT.active',
  'balloon_page_alloc',
  'kern_mount',
  'alloc_anon_inode',
  'register_oom_notifier',
  'register_reboot_notifier',
  'subsys_system_register',
  'device_register',
  'device_create_file',
  'register_memory_notifier',
  'kthread_run',
] as const;

/**
 * One of {@link FAULT_OPS}. `H_PAGE_INIT` counts every page-state hcall; `.loaned` and
 * `.active` count only those with `H_PAGE_SET_LOANED` or `H_PAGE_SET_ACTIVE`.
 * @category Ports
 */
export type FaultOp = (typeof FAULT_OPS)[number];

/**
 * One injected fault: the `nth` call (1-based) of `op` fails with `rc` (an hcall return code
 * for the hcalls, a negative errno for the kernel services; ignored by `balloon_page_alloc`,
 * which returns NULL).
 * @category Ports
 */
export interface Fault {
  readonly op: FaultOp;
  readonly nth: number;
  readonly rc: number;
}

/**
 * The faults of one kernel and the call counts so far.
 * @category Ports
 */
export class FaultPlan {
  private readonly counts = new Map<FaultOp, number>();
  private readonly byOp = new Map<FaultOp, Fault[]>();

  constructor(faults: readonly Fault[] = []) {
    for (const f of faults) {
      if (!(FAULT_OPS as readonly string[]).includes(f.op))
        throw new RangeError(`fault: unknown operation '${String(f.op)}'`);
      if (!Number.isInteger(f.nth) || f.nth < 1)
        throw new RangeError(`fault ${f.op}: nth must be an integer >= 1, got ${String(f.nth)}`);
      if (!Number.isInteger(f.rc)) throw new RangeError(`fault ${f.op}: rc must be an integer`);
      const list = this.byOp.get(f.op) ?? [];
      list.push(f);
      this.byOp.set(f.op, list);
    }
  }

  /** True when some fault targets `op` (a cheap test for the hot paths). */
  armed(op: FaultOp): boolean {
    return this.byOp.has(op);
  }

  /**
   * Counts one call of `op` and returns the return code it must fail with, or `null` when this
   * call succeeds. Calls of an operation no fault targets are not counted.
   */
  take(op: FaultOp): number | null {
    const list = this.byOp.get(op);
    if (list === undefined) return null;
    const n = (this.counts.get(op) ?? 0) + 1;
    this.counts.set(op, n);
    for (const f of list) if (f.nth === n) return f.rc;
    return null;
  }

  /** Calls counted so far of `op` (only counted while a fault targets it). */
  calls(op: FaultOp): number {
    return this.counts.get(op) ?? 0;
  }

  /** True when a fault of `op` is still ahead. */
  pending(op: FaultOp): boolean {
    const list = this.byOp.get(op);
    if (list === undefined) return false;
    const n = this.counts.get(op) ?? 0;
    return list.some((f) => f.nth > n);
  }

  /** The faults, as given. */
  faults(): Fault[] {
    return [...this.byOp.values()].flat();
  }

  /** An independent copy with the same counts. */
  clone(): FaultPlan {
    const c = new FaultPlan(this.faults());
    for (const [k, v] of this.counts) c.counts.set(k, v);
    return c;
  }

  /** A canonical key: for each operation with a fault still ahead, its call count. */
  key(): string {
    let s = '';
    for (const op of this.byOp.keys()) if (this.pending(op)) s += `${op}:${this.calls(op)};`;
    return s;
  }
}
