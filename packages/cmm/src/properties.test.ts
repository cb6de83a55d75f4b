// fast-check drives 1,000 random sequences of ticks, notifiers, sysfs and parameter writes and
// hypervisor changes through the facade, and after every call checks the invariants the seed
// guarantees, what each call returns, and that the kernel crashes exactly when CMM-1 predicts
// (the facade runs entry points one after the other, so the race findings cannot occur; the
// race hooks replay those in findings.test.ts).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  CmmKernelCrash,
  ERR,
  GUARANTEED_INVARIANTS,
  NOTIFY_DONE,
  NOTIFY_OK,
  cmmInvariants,
  loadCmm,
  type CmmModule,
  type CmmSnapshot,
} from './index.js';

type Op =
  | { readonly op: 'tick' }
  | { readonly op: 'oom'; readonly freed: number }
  | { readonly op: 'offline'; readonly outcome: 'offlined' | 'cancelled' | 'vetoedBelow' }
  | { readonly op: 'reboot'; readonly action: 'RESTART' | 'HALT' | 'POWER_OFF' }
  | { readonly op: 'param'; readonly name: string; readonly value: string }
  | { readonly op: 'sysfs'; readonly attr: string; readonly value: string; readonly cap: boolean }
  | { readonly op: 'target'; readonly pages: number }
  | { readonly op: 'exit' };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: fc.constant<Op>({ op: 'tick' }) },
  { weight: 2, arbitrary: fc.nat(9).map((freed): Op => ({ op: 'oom', freed })) },
  {
    weight: 1,
    arbitrary: fc
      .constantFrom('offlined', 'cancelled', 'vetoedBelow')
      .map((outcome): Op => ({ op: 'offline', outcome })),
  },
  {
    weight: 1,
    arbitrary: fc
      .constantFrom('RESTART', 'HALT', 'POWER_OFF')
      .map((action): Op => ({ op: 'reboot', action })),
  },
  {
    weight: 2,
    arbitrary: fc
      .constantFrom(
        ['disable', '0'],
        ['disable', '1'],
        ['disable', '2'],
        ['delay', '0'],
        ['delay', '3'],
        ['delay', 'x'],
        ['oom_kb', '4'],
        ['oom_kb', '64'],
        ['hotplug_delay', '1'],
        ['min_mem_mb', '0'],
        ['min_mem_mb', '1'],
        ['debug', '1'],
        ['simulate', '1'],
      )
      .map(([name, value]): Op => ({ op: 'param', name: name!, value: value! })),
  },
  {
    weight: 1,
    arbitrary: fc
      .record({
        attr: fc.constantFrom('oom_freed_kb', 'loaned_kb', 'loaned_target_kb', 'simulate_loan_target_kb'),
        value: fc.constantFrom('0', '1', '40', 'zz'),
        cap: fc.boolean(),
      })
      .map((r): Op => ({ op: 'sysfs', ...r })),
  },
  { weight: 3, arbitrary: fc.nat(40).map((pages): Op => ({ op: 'target', pages })) },
  { weight: 1, arbitrary: fc.constant<Op>({ op: 'exit' }) },
);

const optionsArb = fc.record({
  pageShift: fc.constantFrom<12 | 16>(12, 16),
  pages: fc.integer({ min: 8, max: 48 }),
  oomKb: fc.constantFrom(0, 4, 64, 1024),
  simulate: fc.boolean(),
});

const guaranteed = cmmInvariants.filter((i) => (GUARANTEED_INVARIANTS as readonly string[]).includes(i.name));
const sequential = cmmInvariants.filter((i) =>
  [
    'kernelPagesNotLoaned',
    'hotplugMutexUnlockedByHolder',
    'threadPointerNullOrLive',
    'inflationWithinTarget',
    'allocRequestPositive',
    'oomFreedCountsPagesFreed',
    'freeRequestsWithinBalloon',
    'disabledMeansNoThread',
    'targetLeavesMinMem',
  ].includes(i.name),
);
const afterReboot = cmmInvariants.find((i) => i.name === 'afterRebootNothingLoaned')!;

function checkInvariants(cmm: CmmModule, restartedAfterReboot: boolean): void {
  const s = cmm.snapshot as CmmSnapshot;
  for (const inv of [...guaranteed, ...sequential]) expect(inv.holds(s), inv.name).toBe(true);
  if (!restartedAfterReboot) expect(afterReboot.holds(s), 'afterRebootNothingLoaned').toBe(true);
  const k = cmm.kernel;
  const kb = (n: number) => `${BigInt(n) << BigInt(k.cfg.pageShift - 10)}\n`;
  if (k.reg.files === 3) {
    expect(cmm.sysfsRead('loaned_kb')).toBe(kb(k.loanedPages));
    expect(cmm.sysfsRead('loaned_target_kb')).toBe(kb(k.loanedPagesTarget));
    expect(cmm.sysfsRead('oom_freed_kb')).toBe(kb(k.oomFreedPages));
  }
}

describe('random sequences through the facade', () => {
  it('hold every guarantee, return what the C returns, and crash only as CMM-1 predicts (1000 runs)', () => {
    fc.assert(
      fc.property(optionsArb, fc.array(opArb, { maxLength: 30 }), (o, ops) => {
        const pageSize = 1 << o.pageShift;
        const cmm = loadCmm({
          pageShift: o.pageShift,
          ramBytes: o.pages * pageSize,
          ...(o.simulate ? { firmwareCmo: false } : {}),
          params: { min_mem_mb: 0, oom_kb: o.oomKb, simulate: o.simulate },
          loanPolicy: { kind: 'target', bytes: 0n },
        });
        expect(cmm.init()).toBe(0);
        let restartedAfterReboot = false;
        for (const op of ops) {
          const k = cmm.kernel;
          const live = cmm.state.module === 'live';
          switch (op.op) {
            case 'tick': {
              const before = { mutex: k.hotplugMutex, occurred: k.hotplugOccurred };
              const r = cmm.tick();
              if (
                r.ran &&
                before.mutex === 'unlocked' &&
                before.occurred === 0 &&
                r.hcalls + (k.simulate ? 1 : 0) > 0
              ) {
                expect(r.loanedAfter).toBe(r.target); // a full round reaches its target
              }
              break;
            }
            case 'oom': {
              const want = k.oomKb >>> (k.cfg.pageShift - 10);
              if (!k.reg.oom) {
                expect(cmm.oom(op.freed)).toBeNull();
              } else if (want > k.loanedPages) {
                // CMM-1: balloon_page_dequeue BUG()s once the balloon is empty
                expect(() => cmm.oom(op.freed)).toThrow(CmmKernelCrash);
                expect(cmm.state.crash).toMatchObject({ kind: 'BUG', fn: 'cmm_free_pages' });
                return;
              } else {
                const loaned = k.loanedPages;
                expect(cmm.oom(op.freed)).toEqual({ rc: NOTIFY_OK, freed: op.freed + want });
                expect(cmm.state).toMatchObject({
                  loanedPages: loaned - want,
                  loanedPagesTarget: loaned - want,
                });
              }
              break;
            }
            case 'offline':
              cmm.memoryOffline(op.outcome);
              break;
            case 'reboot': {
              const r = cmm.reboot(op.action);
              if (r !== null) expect(r).toBe(NOTIFY_DONE);
              break;
            }
            case 'param': {
              const wasDisabled = k.cmmDisabled;
              const rc = cmm.writeParam(op.name, op.value);
              if (!k.reg.params) expect(rc).toBe(ERR.ENOENT);
              else if (op.name === 'simulate') expect(rc).toBe(ERR.EACCES);
              else if (op.value === 'x' || op.value === '2') expect(rc).toBe(ERR.EINVAL);
              else expect(rc).toBe(op.value.length);
              if (
                op.name === 'disable' &&
                op.value === '0' &&
                wasDisabled === 1 &&
                cmm.state.rebootNotifier === 'done'
              )
                restartedAfterReboot = true; // CMM-13
              break;
            }
            case 'sysfs': {
              const rc = cmm.sysfsWrite(op.attr, op.value, { capSysAdmin: op.cap });
              if (!live) expect(rc).toBe(ERR.ENOENT);
              else if (op.attr === 'loaned_kb' || op.attr === 'loaned_target_kb') expect(rc).toBe(ERR.EACCES);
              else if (op.attr === 'oom_freed_kb') {
                const v = op.value === 'zz' ? 0 : Number(op.value);
                expect(rc).toBe(!op.cap ? ERR.EPERM : v !== 0 ? ERR.EBADMSG : op.value.length);
              } else if (!k.simulate) expect(rc).toBe(ERR.ENOENT);
              else expect(rc).toBe(op.value === 'zz' ? ERR.EINVAL : op.value.length);
              break;
            }
            case 'target':
              cmm.hypervisor.policy = { kind: 'target', bytes: BigInt(op.pages * pageSize) };
              if (k.simulate && k.reg.simulateAttr)
                cmm.sysfsWrite('simulate_loan_target_kb', String(op.pages * (pageSize / 1024)));
              break;
            case 'exit':
              if (live) cmm.exit();
              break;
          }
          checkInvariants(cmm, restartedAfterReboot);
        }
      }),
      { numRuns: 1000, seed: 7 },
    );
  }, 120_000);
});
