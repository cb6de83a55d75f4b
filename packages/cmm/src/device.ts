/**
 * The kernel's entry points into the CMM driver as a typed facade over a live `cmmMachine`
 * actor: `init` (`cmm_init`), `exit` (`cmm_exit`), `tick` (the thread's current sleep ends and
 * it runs until it sleeps again), the three notifiers, the sysfs attributes and the module
 * parameters. Each returns what the C returns and the state a test needs is on `state`.
 *
 * Scheduling: a call runs its entry point to completion. When the entry point waits for the
 * thread (`kthread_stop` in the reboot notifier, the disable setter or exit), the thread is run
 * meanwhile: it finishes its round, sleeps out its sleep (the virtual clock jumps to its end,
 * as `msleep_interruptible` does not end early for a kthread) and exits. A {@link RaceHook}
 * runs a callback (typically a notifier call) at a chosen point of an entry point, e.g. after
 * iteration k of the thread's alloc loop, which replays exactly the interleavings the checker
 * finds.
 *
 * A crashed kernel (BUG, oops, hung task) makes the call that crashed it, and every later one,
 * throw {@link CmmKernelCrash}.
 *
 * @module
 */
import { createActor, type Actor, type SnapshotFrom } from 'xstate';
import type { PagePool } from '@kspec/shared-memory';
import { MEM, type MemoryAction, type RebootAction } from './constants.js';
import type { CmmEvent } from './events.js';
import type { CmmHypervisor, HcallRecord } from './hypervisor.js';
import type { CmmOptions, Crash, Kernel, Region } from './kernel.js';
import { cmmMachine } from './machine/machine.js';
import { paramShow, sysfsShow, type CmmParamName, type CmmSysfsAttr } from './model/params.js';
import {
  decodeOrThrow,
  LoadOptionsCodec,
  MemoryActionCodec,
  ParamNameCodec,
  RebootActionCodec,
  SysfsAttrCodec,
  WriteValueCodec,
} from './codecs.js';

/** The kernel died; `crash` says where and how. @category Facade */
export class CmmKernelCrash extends Error {
  override readonly name = 'CmmKernelCrash';
  constructor(readonly crash: Crash) {
    super(`${crash.kind} in ${crash.fn} (cmm.c ${crash.lines[0]}-${crash.lines[1]}): ${crash.what}`);
  }
}

/** Options of {@link loadCmm}: the kernel options (always live here). @category Facade */
export type CmmLoadOptions = Omit<CmmOptions, 'live'>;

/** What a {@link CmmModule.tick} did. @category Facade */
export interface TickResult {
  /** False when there was no sleeping thread to wake. */
  readonly ran: boolean;
  /** The sleep that ended (ms). */
  readonly sleptMs: number;
  /** The sleep the thread is in now (ms), or null when it exited. */
  readonly sleepMs: number | null;
  /** The virtual time after the tick (ms). */
  readonly now: number;
  readonly loanedBefore: number;
  readonly loanedAfter: number;
  readonly target: number;
  /** H_GET_MPP calls made by this round. */
  readonly hcalls: number;
}

/**
 * A race hook: `run` is called when the entry point's region reaches state `at` (a state name
 * of the chart, e.g. `allocating`, `startingAlloc`, `accounting`, `startingThread`); at a loop
 * head with `iteration`, once the loop has done that many iterations. Then the entry point goes
 * on. This replays the interleavings the checker finds.
 * @category Facade
 */
export interface RaceHook {
  readonly at: string;
  readonly iteration?: number;
  readonly run: (cmm: CmmModule) => void;
}

/** A view of the state of the module and its kernel. @category Facade */
export interface CmmState {
  readonly module: string;
  readonly thread: string;
  readonly oomNotifier: string;
  readonly memoryNotifier: string;
  readonly rebootNotifier: string;
  readonly paramWrite: string;
  readonly loanedPages: number;
  readonly loanedPagesTarget: number;
  readonly oomFreedPages: number;
  readonly hotplugMutexHeld: boolean;
  readonly hotplugOccurred: number;
  readonly totalramPages: number;
  readonly freePages: number;
  readonly balloonLength: number;
  readonly threadPtr: 'null' | 'task' | 'errptr';
  readonly cmmDisabled: number;
  readonly sleepUntil: number | null;
  readonly sleepMs: number | null;
  readonly now: number;
  readonly crash: Crash | null;
}

const WAITS_FOR_THREAD = new Set(['stoppingThread', 'disableStopping', 'exitWaiting']);
const FREER = { module: 'exit', thread: 'thread', oom: 'oom', reboot: 'reboot', param: 'param' } as const;
const pauseOf = (h: RaceHook | undefined) =>
  h === undefined ? {} : { pauseAt: h.at, ...(h.iteration !== undefined ? { iteration: h.iteration } : {}) };
const RUN: Record<Exclude<Region, 'memory'>, CmmEvent['type']> = {
  module: 'module.run',
  thread: 'thread.run',
  oom: 'oom.run',
  reboot: 'reboot.run',
  param: 'param.run',
};

/**
 * One loaded CMM module over a live kernel.
 * @category Facade
 */
export class CmmModule {
  readonly actor: Actor<typeof cmmMachine>;

  constructor(options: CmmLoadOptions = {}) {
    this.actor = createActor(cmmMachine, { input: { ...options, live: true } });
    this.actor.start();
  }

  /** The current snapshot. */
  get snapshot(): SnapshotFrom<typeof cmmMachine> {
    return this.actor.getSnapshot();
  }

  /** The live kernel (changed in place by every call). */
  get kernel(): Kernel {
    return this.snapshot.context.k;
  }

  /** The hypervisor (set its loan policy, read its call log, arm faults through the options). */
  get hypervisor(): CmmHypervisor {
    return this.kernel.hv;
  }

  /** The page pool the balloon takes pages from. */
  get pool(): PagePool {
    return this.kernel.pool;
  }

  /** The state of one region (`module`, `thread`, ...). */
  regionState(region: Region): string {
    const v = this.snapshot.value;
    if (typeof v === 'string') return v;
    return (v as { kernel: Record<Region, string> }).kernel[region];
  }

  private send(e: CmmEvent): void {
    this.throwIfCrashed();
    this.actor.send(e);
    this.throwIfCrashed();
  }

  private throwIfCrashed(): void {
    const c = this.kernel.crash;
    if (c !== null || this.snapshot.status !== 'active') throw new CmmKernelCrash(c ?? crashUnknown);
  }

  /**
   * Runs `region` until it blocks, running the thread while the region waits for it to exit;
   * with `hook`, pauses once where the hook says and calls it.
   */
  private settle(region: Exclude<Region, 'memory'>, hook?: RaceHook): void {
    let pending = hook;
    for (let guard = 0; guard < 1_000_000; guard++) {
      this.send({ type: RUN[region], ...pauseOf(pending) } as CmmEvent);
      if (pending && this.isPausedAt(region, pending)) {
        const h = pending;
        pending = undefined;
        h.run(this);
        continue;
      }
      if (!WAITS_FOR_THREAD.has(this.regionState(region))) return;
      this.driveThreadToExit();
    }
    throw new Error(`cmm facade: ${region} does not settle`);
  }

  private isPausedAt(region: Exclude<Region, 'memory'>, hook: RaceHook): boolean {
    if (this.regionState(region) !== hook.at) return false;
    if (hook.iteration === undefined) return true;
    const k = this.kernel;
    const done =
      region === 'thread' && hook.at === 'allocating' ? k.thread?.iter : k.free[FREER[region]]?.freed;
    return done === hook.iteration;
  }

  /** Lets the thread run until it has exited (after a `kthread_stop`). */
  private driveThreadToExit(): void {
    for (let guard = 0; guard < 1_000_000; guard++) {
      const t = this.kernel.thread;
      if (t === null || t.exited) return;
      if (t.sleeping !== null) this.send({ type: 'thread.wake' });
      else this.send({ type: 'thread.run' });
    }
    throw new Error('cmm facade: the thread does not exit');
  }

  /** `cmm_init()`: 0 or a negative errno. */
  init(hook?: RaceHook): number {
    this.send({ type: 'module.init' });
    this.settle('module', hook);
    return this.kernel.reply.module ?? 0;
  }

  /** `cmm_exit()` (rmmod). Throws for a built-in module or one that is not loaded. */
  exit(hook?: RaceHook): void {
    if (this.regionState('module') !== 'live')
      throw new Error(`cmm: exit in module state ${this.regionState('module')}`);
    if (this.kernel.cfg.builtin) throw new Error('cmm: a built-in module has no exit');
    this.send({ type: 'module.exit' });
    this.settle('module', hook);
  }

  /**
   * The thread's current sleep ends (the virtual clock jumps to its end) and it runs until it
   * sleeps again. With `hook`, `hook.run` is called when the round reaches `hook.at` (e.g.
   * `allocating` after `iteration` pages, `freeing`, `startingAlloc`), then the round goes on.
   */
  tick(hook?: RaceHook): TickResult {
    this.throwIfCrashed();
    const k = this.kernel;
    const t = k.thread;
    const before = k.loanedPages;
    const calls = k.hv.callCount;
    if (t === null || t.sleeping === null || t.exited) {
      return {
        ran: false,
        sleptMs: 0,
        sleepMs: t?.sleeping ? t.sleepMs : null,
        now: k.now,
        loanedBefore: before,
        loanedAfter: before,
        target: k.loanedPagesTarget,
        hcalls: 0,
      };
    }
    const slept = t.sleepMs;
    this.send({ type: 'thread.wake' });
    this.send({ type: 'thread.run', ...pauseOf(hook) });
    if (hook && this.isPausedAt('thread', hook)) {
      hook.run(this);
      const th = this.kernel.thread;
      if (th !== null && th.sleeping === null && !th.exited) this.send({ type: 'thread.run' });
    }
    const after = this.kernel.thread;
    return {
      ran: true,
      sleptMs: slept,
      sleepMs: after !== null && after.sleeping !== null ? after.sleepMs : null,
      now: this.kernel.now,
      loanedBefore: before,
      loanedAfter: this.kernel.loanedPages,
      target: this.kernel.loanedPagesTarget,
      hcalls: this.kernel.hv.callCount - calls,
    };
  }

  /** Runs every thread wake-up due by `ms` (virtual time), then sets the clock to `ms`. */
  advanceTo(ms: number): TickResult[] {
    const out: TickResult[] = [];
    for (;;) {
      const t = this.kernel.thread;
      if (t === null || t.sleeping === null || t.sleepUntil > ms) break;
      out.push(this.tick());
    }
    if (this.kernel.now < ms) this.kernel.now = ms;
    return out;
  }

  /** `cmm_oom_notify(nb, 0, &freed)`: `{ rc: NOTIFY_OK, freed }`, or null when not registered. */
  oom(freed = 0, hook?: RaceHook): { readonly rc: number; readonly freed: number } | null {
    if (!this.kernel.reg.oom) return null;
    this.send({ type: 'oom.notify', freed });
    this.settle('oom', hook);
    return this.kernel.reply.oom;
  }

  /** `cmm_memory_cb(nb, action, arg)`: NOTIFY_OK, or null when not registered. */
  memoryNotify(action: MemoryAction): number | null {
    const a = decodeOrThrow(MemoryActionCodec, action, 'memoryNotify(action)');
    if (!this.kernel.reg.memory) return null;
    this.send({ type: 'memory.notify', action: a });
    return this.kernel.reply.memory;
  }

  /**
   * One memory offline operation as mm/memory_hotplug.c sends it: MEM_GOING_OFFLINE, then
   * MEM_OFFLINE (`offlined`) or MEM_CANCEL_OFFLINE (`cancelled`, e.g. a page could not be
   * migrated). `vetoedAbove`: a notifier of higher priority refuses MEM_GOING_OFFLINE, so CMM
   * only sees the MEM_CANCEL_OFFLINE sent to every notifier; `vetoedBelow`: one of lower
   * priority refuses it after CMM. `between` runs after CMM's MEM_GOING_OFFLINE.
   */
  memoryOffline(
    outcome: 'offlined' | 'cancelled' | 'vetoedAbove' | 'vetoedBelow',
    between?: (cmm: CmmModule) => void,
  ): MemoryAction[] {
    const sent: MemoryAction[] = [];
    const note = (a: MemoryAction) => {
      if (this.memoryNotify(a) !== null) sent.push(a);
    };
    if (outcome !== 'vetoedAbove') {
      note('GOING_OFFLINE');
      between?.(this);
    }
    note(outcome === 'offlined' ? 'OFFLINE' : 'CANCEL_OFFLINE');
    return sent;
  }

  /** `cmm_reboot_notifier(nb, action, NULL)`: NOTIFY_DONE, or null when not registered. */
  reboot(action: RebootAction = 'RESTART', hook?: RaceHook): number | null {
    const a = decodeOrThrow(RebootActionCodec, action, 'reboot(action)');
    if (!this.kernel.reg.reboot || this.regionState('reboot') !== 'idle') return null;
    this.send({ type: 'reboot.notify', action: a });
    this.settle('reboot', hook);
    return this.kernel.reply.reboot;
  }

  /** `write(2)` of `value` to /sys/module/cmm/parameters/`name`: the byte count or -errno. */
  writeParam(
    name: string,
    value: string,
    options: { readonly asRoot?: boolean; readonly hook?: RaceHook } = {},
  ): number {
    const v = decodeOrThrow(WriteValueCodec, value, `writeParam(${name})`);
    this.send({ type: 'param.set', name, value: v, ...(options.asRoot === false ? { asRoot: false } : {}) });
    this.settle('param', options.hook);
    return this.kernel.reply.param?.rc ?? 0;
  }

  /** Reading /sys/module/cmm/parameters/`name`: its text, or -ENOENT. */
  readParam(name: CmmParamName): string | number {
    return paramShow(this.kernel, decodeOrThrow(ParamNameCodec, name, 'readParam(name)'));
  }

  /**
   * `write(2)` to /sys/devices/system/cmm/cmm0/`attr`: the byte count or -errno. `asRoot`
   * (default true): the writer passes the 0644 permission check; `capSysAdmin` (default true).
   */
  sysfsWrite(
    attr: string,
    value: string,
    creds: { readonly asRoot?: boolean; readonly capSysAdmin?: boolean } = {},
  ): number {
    const v = decodeOrThrow(WriteValueCodec, value, `sysfsWrite(${attr})`);
    this.send({
      type: 'sysfs.store',
      attr,
      value: v,
      ...(creds.asRoot === false ? { asRoot: false } : {}),
      ...(creds.capSysAdmin === false ? { capSysAdmin: false } : {}),
    });
    return this.kernel.reply.sysfs?.rc ?? 0;
  }

  /** Reading /sys/devices/system/cmm/cmm0/`attr`: its text, or -ENOENT. */
  sysfsRead(attr: CmmSysfsAttr): string | number {
    return sysfsShow(this.kernel, decodeOrThrow(SysfsAttrCodec, attr, 'sysfsRead(attr)'));
  }

  /** The balloon's pages, head first (O(n)). */
  balloonPages(): number[] {
    return this.kernel.balloon.toArray();
  }

  /** The hypervisor's logged calls. */
  hcalls(): readonly HcallRecord[] {
    return this.kernel.hv.calls();
  }

  /** The state a test needs. */
  get state(): CmmState {
    const k = this.kernel;
    const t = k.thread;
    return {
      module: this.regionState('module'),
      thread: this.regionState('thread'),
      oomNotifier: this.regionState('oom'),
      memoryNotifier: this.regionState('memory'),
      rebootNotifier: this.regionState('reboot'),
      paramWrite: this.regionState('param'),
      loanedPages: k.loanedPages,
      loanedPagesTarget: k.loanedPagesTarget,
      oomFreedPages: k.oomFreedPages,
      hotplugMutexHeld: k.hotplugMutex !== 'unlocked',
      hotplugOccurred: k.hotplugOccurred,
      totalramPages: k.totalram,
      freePages: k.pool.count('free'),
      balloonLength: k.balloon.length,
      threadPtr: k.threadPtr === null ? 'null' : 'task' in k.threadPtr ? 'task' : 'errptr',
      cmmDisabled: k.cmmDisabled,
      sleepUntil: t !== null && t.sleeping !== null ? t.sleepUntil : null,
      sleepMs: t !== null && t.sleeping !== null ? t.sleepMs : null,
      now: k.now,
      crash: k.crash,
    };
  }
}

const crashUnknown: Crash = { kind: 'oops', fn: 'cmm_init', lines: [620, 665], what: 'the machine stopped' };

/**
 * Loads the module (`insmod cmm.ko` with `options.params`); call `init()` next.
 * @category Facade
 */
export function loadCmm(options: CmmLoadOptions = {}): CmmModule {
  return new CmmModule(decodeOrThrow(LoadOptionsCodec, options, 'loadCmm(options)') as CmmLoadOptions);
}

/** The memory-hotplug action names, for callers holding numbers. @category Facade */
export function memoryActionName(value: number): MemoryAction | undefined {
  return (Object.keys(MEM) as MemoryAction[]).find((k) => MEM[k] === value);
}
