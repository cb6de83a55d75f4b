/**
 * Copies and views of a kernel: {@link cloneKernel} (an independent copy, the environment
 * included, for pure steps), {@link draft} (copy unless live), {@link projectKernel} (the
 * canonical state key the checker uses: time, logs, replies and the call counters of exhausted
 * faults are not part of it) and {@link kernelJson} (a JSON-safe view for traces and reports).
 *
 * @module
 */
import type { FreeLoop, Kernel } from './kernel.js';

/**
 * An independent copy of `k` (the environment included), for pure steps.
 * @category Kernel
 */
export function cloneKernel(k: Kernel): Kernel {
  return {
    ...k,
    thread: k.thread ? { ...k.thread } : null,
    balloon: k.balloon.clone(),
    reg: { ...k.reg },
    free: {
      thread: k.free.thread ? { ...k.free.thread } : null,
      oom: k.free.oom ? { ...k.free.oom } : null,
      reboot: k.free.reboot ? { ...k.free.reboot } : null,
      param: k.free.param ? { ...k.free.param } : null,
      exit: k.free.exit ? { ...k.free.exit } : null,
    },
    reply: { ...k.reply },
    pool: k.pool.clone(),
    hv: k.hv.clone(),
    faults: k.faults.clone(),
    klog: k.klog.slice(),
    calls: k.calls.slice(),
    ghost: { ...k.ghost, events: { ...k.ghost.events } },
    at: { ...k.at },
  };
}

/** Copies `k` unless it is live. @category Kernel */
export function draft(k: Kernel): Kernel {
  return k.cfg.live ? k : cloneKernel(k);
}

const freeKey = (f: FreeLoop | null): string => (f ? `${f.request}/${f.nr}/${f.freed}` : '-');

/**
 * The canonical state key of `k` for the checker: everything that can change what happens
 * next. Left out: the clock and sleep deadlines (the checker lets any sleep end at any time),
 * the logs, replies, and call counters of operations with no fault ahead.
 * @category Kernel
 */
export function projectKernel(k: Kernel): string {
  const t = k.thread;
  const ptr = k.threadPtr === null ? 'N' : 'task' in k.threadPtr ? 'T' : `E${k.threadPtr.err}`;
  const pages: string[] = [];
  for (let p = 0; p < Math.min(k.pool.pageCount, 64); p++) pages.push(k.pool.state(p)[0]!);
  const g = k.ghost;
  return [
    k.delay,
    k.hotplugDelay,
    k.oomKb,
    k.cmmDebug,
    k.cmmDisabled,
    k.minMemMb,
    k.simulateLoanTargetKb,
    k.loanedPages,
    k.loanedPagesTarget,
    k.oomFreedPages,
    k.hotplugMutex,
    k.hotplugOccurred,
    ptr,
    t
      ? `${t.shouldStop ? 1 : 0}${t.exited ? 1 : 0}${t.sleeping ?? '-'}:${t.loanedSnapshot}:${t.request}:${t.nr}:${t.page}:${t.rc}:${t.mppRc}:${t.mppLoanRequest}`
      : '-',
    k.balloon.toArray().join('.'),
    k.balloonInit ? 1 : 0,
    k.totalram,
    Object.values(k.reg)
      .map((v) => (typeof v === 'number' ? v : v ? 1 : 0))
      .join(''),
    freeKey(k.free.thread),
    freeKey(k.free.oom),
    freeKey(k.free.reboot),
    freeKey(k.free.param),
    freeKey(k.free.exit),
    k.oom ? `${k.oom.freedIn}/${k.oom.requested}` : '-',
    k.reboot ? k.reboot.action : '-',
    k.param ? `${k.param.name}=${k.param.value}/${k.param.disable}` : '-',
    pages.join(''),
    k.hv.key(),
    k.faults.key(),
    k.crash ? k.crash.kind + k.crash.fn : '-',
    `${g.mutexMisuse}${g.oomMiscounted ? 1 : 0}${g.resetBelowAchieved ? 1 : 0}${g.minMemBreached ? 1 : 0}${g.inflating ? 1 : 0}`,
    Object.entries(g.events)
      .sort()
      .map(([a, b]) => `${a}${b}`)
      .join(','),
  ].join('|');
}

const big = (_key: string, v: unknown): unknown => (typeof v === 'bigint' ? v.toString() : v);

/**
 * A JSON-safe view of `k`: its scalars, the balloon (head first), the pool's counts, the
 * hypervisor's loan state, and the clock.
 * @category Kernel
 */
export function kernelJson(k: Kernel): unknown {
  return JSON.parse(
    JSON.stringify(
      {
        params: {
          delay: k.delay,
          hotplugDelay: k.hotplugDelay,
          oomKb: k.oomKb,
          debug: k.cmmDebug,
          disabled: k.cmmDisabled,
          minMemMb: k.minMemMb,
          simulate: k.simulate,
          simulateLoanTargetKb: k.simulateLoanTargetKb,
        },
        loanedPages: k.loanedPages,
        loanedPagesTarget: k.loanedPagesTarget,
        oomFreedPages: k.oomFreedPages,
        hotplugMutex: k.hotplugMutex,
        hotplugOccurred: k.hotplugOccurred,
        threadPtr: k.threadPtr,
        thread: k.thread,
        balloon: k.balloon.length <= 64 ? k.balloon.toArray() : { length: k.balloon.length },
        balloonInit: k.balloonInit,
        totalram: k.totalram,
        reg: k.reg,
        free: k.free,
        oom: k.oom,
        reboot: k.reboot,
        param: k.param,
        reply: k.reply,
        pool: k.pool.counts(),
        hv: { policy: k.hv.policy, loanedPages: k.hv.loanedPages, calls: k.hv.callCount },
        faults: k.faults.key(),
        now: k.now,
        crash: k.crash,
        ghost: k.ghost,
      },
      big,
    ),
  );
}
