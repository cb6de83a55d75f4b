/**
 * Helpers every step of the model uses: the kernel log (`cmm_dbg` when `debug` is set,
 * `pr_err` always), the log of kernel-service calls, crashing the kernel, and the CMO page
 * loops `plpar_page_set_loaned` / `plpar_page_set_active` (lines 93-131).
 *
 * The page loops run one H_PAGE_INIT per CMO page of the kernel page (one with 4 KiB CMO pages
 * and 4 KiB kernel pages, 16 with 64 KiB kernel pages), stop at the first failure, and roll the
 * earlier CMO pages back to the other state with their failures ignored, exactly in the C's
 * order: the failing page itself is not rolled back (its call failed), the others from the one
 * before it down to the first.
 *
 * @module
 */
import { H_PAGE_SET_ACTIVE, H_PAGE_SET_LOANED, H_SUCCESS } from '../constants.js';
import { logTo, type Crash, type Kernel } from '../kernel.js';

/** `cmm_dbg(...)`: logged only while the `debug` parameter is non-zero. @category Model */
export function cmmDbg(k: Kernel, msg: string): void {
  if (k.cmmDebug !== 0) logTo(k, 'klog', `cmm: ${msg}`);
}

/** `pr_err(...)`: always logged. @category Model */
export function prErr(k: Kernel, msg: string): void {
  logTo(k, 'klog', `cmm: ${msg}`);
}

/** Records a kernel-service call (`register_oom_notifier`, `device_create_file(loaned_kb)`, ...). @category Model */
export function kcall(k: Kernel, name: string): void {
  logTo(k, 'calls', name);
}

/** The kernel dies here. @category Model */
export function crash(k: Kernel, c: Crash): void {
  if (k.crash === null) k.crash = c;
}

/** The physical address of page `pfn` (`page_to_phys`). @category Model */
export function pagePhys(k: Kernel, pfn: number): number {
  return k.pool.address(pfn);
}

function pageLoop(k: Kernel, pfn: number, to: bigint, back: bigint): bigint {
  const vpa = pagePhys(k, pfn);
  const step = k.cfg.cmoPageSize;
  const size = k.cfg.pageSize;
  let rc = H_SUCCESS;
  let i = 0;
  for (; rc === H_SUCCESS && i < size; i += step) rc = k.hv.hPageInit(to, vpa + i, k.now, k.faults);
  for (i -= step; rc !== H_SUCCESS && i !== 0; i -= step)
    k.hv.hPageInit(back, vpa + i - step, k.now, k.faults);
  return rc;
}

/** `plpar_page_set_loaned(page)` (lines 93-111): 0 in simulate mode. @category Model */
export function plparPageSetLoaned(k: Kernel, pfn: number): bigint {
  if (k.simulate) return H_SUCCESS;
  return pageLoop(k, pfn, H_PAGE_SET_LOANED, H_PAGE_SET_ACTIVE);
}

/** `plpar_page_set_active(page)` (lines 113-131): 0 in simulate mode. @category Model */
export function plparPageSetActive(k: Kernel, pfn: number): bigint {
  if (k.simulate) return H_SUCCESS;
  return pageLoop(k, pfn, H_PAGE_SET_ACTIVE, H_PAGE_SET_LOANED);
}

/** Counts one entry-point event for the checker's bounds. @category Model */
export function countEvent(k: Kernel, name: string): void {
  k.ghost.events[name] = (k.ghost.events[name] ?? 0) + 1;
}
