/**
 * The statecharts of `/dev/xen/evtchn` (drivers/xen/evtchn.c):
 *
 * - `evtchnDeviceMachine`: one open file (`per_user_data`). Three parallel regions are the
 *   threads the C lock discipline lets interleave: `control` (everything under `bind_mutex`:
 *   ioctls, write; poll, which takes no lock), `reader` (`evtchn_read` under
 *   `ring_cons_mutex`, which may sleep) and `irq` (`evtchn_interrupt` under `ring_prod_lock`).
 *   The handler and the reader come in split steps (`irq.enter`/`irq.lock`/`irq.push`,
 *   `read`/`read.copy`) so the checker can interleave them, and as whole steps for the facade
 *   (`irq.interrupt`). `evtchn_bind_to_user` is a chain of eventless steps inside one ioctl,
 *   one state per C step and one transition per error path.
 * - `evtchnBindingMachine`: the lifecycle of one bound port (`struct user_evtchn`): enabled,
 *   disabled by its interrupt until `write()` re-enables it with a late EOI, unbound.
 *
 * Cost: the tree, the ring slots, the environment's tables and the ghost's per-port lists are
 * persistent maps behind array views (`persistent.ts`), so a step that touches k ports costs
 * O(k log n) in the number n of bound ports, and every snapshot stays immutable.
 *
 * Abstractions: ioctls and writes are atomic (they hold `bind_mutex`; a bind or reset that
 * needs the ring locks waits until neither thread holds them; unbind and release wait for a
 * running handler, as `disable_irq` does). The environment (hypervisor, irq layer, memory) is
 * a value in the context acted on through the ports of `ports.ts`.
 *
 * Where the C departs from intent (modelled as written, see the findings): the
 * `evtchn_bind_to_user` error paths (EVTCHN-1..4) and the wake-up decided on a stale
 * `ring_cons` (EVTCHN-5).
 *
 * Not covered: `fasync`, `llseek`, the VFS's own ioctls (FIONBIO, FIOCLEX...), several
 * readers at once (one reader thread is modelled), IRQF_SHARED and BIND_STATIC (later
 * kernels).
 *
 * @module
 */
import { assign, raise, setup } from 'xstate';
import { linuxErr } from '@kspec/spec-kit';
import { evtchnPollMask } from './model.js';
import type { EvtchnContext, EvtchnEvent, EvtchnInput } from './context.js';

import { evtchnGuards, steps } from './machine-steps.js';
import { evtchnOpenContext, reply, replyErrno, source, takeUpcallUpdate } from './machine-helpers.js';
export { SEED } from './machine-helpers.js';
export {
  evtchnBindingMachine,
  type EvtchnBindingContext,
  type EvtchnBindingEvent,
} from './binding-machine.js';

/**
 * The device machine: one open `/dev/xen/evtchn` file.
 * @category Machine
 */
export const evtchnDeviceMachine = setup({
  types: {} as { context: EvtchnContext; events: EvtchnEvent; input: EvtchnInput | undefined },
  guards: evtchnGuards,
  actions: {
    replyEacces: replyErrno('EACCES'),
    replyEfault: replyErrno('EFAULT'),
    replyEinval: replyErrno('EINVAL'),
    replyEnotconn: replyErrno('ENOTCONN'),
    replyEnosys: replyErrno('ENOSYS'),
    hypercallBindVirq: assign(steps.hypercallBindVirq),
    hypercallBindInterdomain: assign(steps.hypercallBindInterdomain),
    hypercallAllocUnbound: assign(steps.hypercallAllocUnbound),
    replyHypercallError: assign(steps.replyHypercallError),
    replyKzallocEnomem: assign(steps.replyKzallocEnomem),
    addEvtchn: assign(steps.addEvtchn),
    resizeRing: assign(steps.resizeRing),
    bindIrqHandler: assign(steps.bindIrqHandler),
    makeRefcounted: assign(steps.makeRefcounted),
    replyBoundPort: assign(steps.replyBoundPort),
    replyRefcountErrorWithoutCleanup: assign(steps.replyRefcountErrorWithoutCleanup),
    closePortOnError: assign(steps.closePortOnError),
    delEvtchnOnError: assign(steps.delEvtchnOnError),
    unbindPort: assign(steps.unbindPort),
    notifyRemote: assign(steps.notifyRemote),
    resetRing: assign(steps.resetRing),
    restrictDomid: assign(steps.restrictDomid),
    replyWriteEnomem: assign(steps.replyWriteEnomem),
    replyWriteZero: assign({ result: reply('write', 0) }),
    replyWriteEfault: assign({ result: reply('write', linuxErr('EFAULT')) }),
    reenablePorts: assign(steps.reenablePorts),
    replyPollMask: assign(({ context }) => ({ result: reply('poll', evtchnPollMask(context.ring)) })),
    replyReadZero: assign({ readResult: reply('read', 0), reader: null }),
    replyReadEfbig: assign({ readResult: reply('read', linuxErr('EFBIG')), reader: null }),
    replyReadEagain: assign({ readResult: reply('read', linuxErr('EAGAIN')), reader: null }),
    replyReadErestartsys: assign({ readResult: reply('read', linuxErr('ERESTARTSYS')), reader: null }),
    startRead: assign(steps.startRead),
    snapshotConsProd: assign(steps.snapshotConsProd),
    copyAndConsume: assign(steps.copyAndConsume),
    replyReadEfault: assign(steps.replyReadEfault),
    wakeUpInterruptible: raise({ type: 'reader.wake' }),
    // Plain guarded transitions, not enqueueActions: the array enqueueActions collects actions
    // in is an array literal inside xstate, and once V8 pretenures it (old generation), each
    // step's dead array keeps that step's new context alive through minor GCs: most of a
    // raise()'s cost was that garbage collection.
    upcall: assign(({ context, event }) => takeUpcallUpdate(context, event)),
    interruptWhole: assign(steps.interruptWhole),
    enterIrqHandler: assign(steps.enterIrqHandler),
    snapshotProdCons: assign(steps.snapshotProdCons),
    pushPort: assign(steps.pushPort),
    setOverflow: assign(({ context }) => ({ ring: { ...context.ring, overflow: true }, irqThread: null })),
    releaseFile: assign(steps.releaseFile),
    hvRaise: assign(steps.hvRaise),
    hvOffer: assign(steps.hvOffer),
    armFault: assign(steps.armFault),
    armReuse: assign(steps.armReuse),
  },
}).createMachine({
  id: 'evtchnDevice',
  meta: source('evtchn_open', 618, 643),
  context: ({ input }) => evtchnOpenContext(input),
  initial: 'open',
  on: {
    'hv.raise': { actions: 'hvRaise', meta: source('evtchn_interrupt', 161, 193) },
    'hv.offer': { actions: 'hvOffer', meta: source('evtchn_ioctl', 465, 489) },
    'env.fail': { actions: 'armFault', meta: source('evtchn_bind_to_user', 369, 415) },
    'env.reuse': { actions: 'armReuse', meta: source('evtchn_bind_to_user', 375, 382) },
  },
  states: {
    open: {
      meta: source('evtchn_open', 632, 642),
      type: 'parallel',
      always: { guard: 'hasHitBug', target: 'crashed', meta: source('evtchn_bind_to_user', 411, 412) },
      on: {
        release: {
          guard: 'threadsIdle',
          target: 'releasing',
          actions: 'releaseFile',
          meta: source('evtchn_release', 645, 663),
        },
      },
      states: {
        control: {
          meta: source('evtchn_ioctl', 429, 597),
          initial: 'ready',
          states: {
            ready: {
              meta: source('evtchn_ioctl', 436, 437),
              on: {
                'ioctl.bindVirq': [
                  { guard: 'isRestricted', actions: 'replyEacces', meta: source('evtchn_ioctl', 444, 446) },
                  { guard: 'argFaulted', actions: 'replyEfault', meta: source('evtchn_ioctl', 448, 450) },
                  {
                    guard: 'ringLocksFree',
                    target: 'bindHypercallDone',
                    actions: 'hypercallBindVirq',
                    meta: source('evtchn_ioctl', 452, 455),
                  },
                ],
                'ioctl.bindInterdomain': [
                  { guard: 'argFaulted', actions: 'replyEfault', meta: source('evtchn_ioctl', 469, 471) },
                  {
                    guard: 'isRestrictedToOtherDomain',
                    actions: 'replyEacces',
                    meta: source('evtchn_ioctl', 473, 476),
                  },
                  {
                    guard: 'ringLocksFree',
                    target: 'bindHypercallDone',
                    actions: 'hypercallBindInterdomain',
                    meta: source('evtchn_ioctl', 478, 481),
                  },
                ],
                'ioctl.bindUnboundPort': [
                  { guard: 'isRestricted', actions: 'replyEacces', meta: source('evtchn_ioctl', 495, 497) },
                  { guard: 'argFaulted', actions: 'replyEfault', meta: source('evtchn_ioctl', 499, 501) },
                  {
                    guard: 'ringLocksFree',
                    target: 'bindHypercallDone',
                    actions: 'hypercallAllocUnbound',
                    meta: source('evtchn_ioctl', 503, 506),
                  },
                ],
                'ioctl.unbind': [
                  { guard: 'argFaulted', actions: 'replyEfault', meta: source('evtchn_ioctl', 520, 522) },
                  { guard: 'portOutOfRange', actions: 'replyEinval', meta: source('evtchn_ioctl', 524, 526) },
                  { guard: 'portNotBound', actions: 'replyEnotconn', meta: source('evtchn_ioctl', 528, 531) },
                  { guard: 'handlerIdle', actions: 'unbindPort', meta: source('evtchn_ioctl', 533, 536) },
                ],
                'ioctl.notify': [
                  { guard: 'argFaulted', actions: 'replyEfault', meta: source('evtchn_ioctl', 543, 545) },
                  { guard: 'portNotBound', actions: 'replyEnotconn', meta: source('evtchn_ioctl', 547, 549) },
                  { actions: 'notifyRemote', meta: source('evtchn_ioctl', 550, 551) },
                ],
                'ioctl.reset': {
                  guard: 'ringLocksFree',
                  actions: 'resetRing',
                  meta: source('evtchn_ioctl', 556, 566),
                },
                'ioctl.restrictDomid': [
                  { guard: 'isRestricted', actions: 'replyEacces', meta: source('evtchn_ioctl', 572, 574) },
                  { guard: 'argFaulted', actions: 'replyEfault', meta: source('evtchn_ioctl', 576, 578) },
                  { guard: 'domidInvalid', actions: 'replyEinval', meta: source('evtchn_ioctl', 580, 582) },
                  { actions: 'restrictDomid', meta: source('evtchn_ioctl', 584, 585) },
                ],
                'ioctl.unknown': { actions: 'replyEnosys', meta: source('evtchn_ioctl', 590, 592) },
                write: [
                  {
                    guard: 'pageAllocFails',
                    actions: 'replyWriteEnomem',
                    meta: source('evtchn_write', 271, 275),
                  },
                  {
                    guard: 'writeCountRoundsToZero',
                    actions: 'replyWriteZero',
                    meta: source('evtchn_write', 277, 282),
                  },
                  {
                    guard: 'writeArgFaulted',
                    actions: 'replyWriteEfault',
                    meta: source('evtchn_write', 287, 289),
                  },
                  { actions: 'reenablePorts', meta: source('evtchn_write', 291, 306) },
                ],
                poll: { actions: 'replyPollMask', meta: source('evtchn_poll', 599, 610) },
              },
            },
            bindHypercallDone: {
              meta: source('evtchn_ioctl', 456, 457),
              always: [
                {
                  guard: 'hypercallFailed',
                  target: 'ready',
                  actions: 'replyHypercallError',
                  meta: source('evtchn_ioctl', 456, 457),
                },
                { target: 'bindingToUser', meta: source('evtchn_ioctl', 459, 461) },
              ],
            },
            bindingToUser: {
              meta: source('evtchn_bind_to_user', 369, 415),
              initial: 'allocatingEvtchn',
              states: {
                allocatingEvtchn: {
                  meta: source('evtchn_bind_to_user', 384, 390),
                  always: [
                    {
                      guard: 'kzallocFails',
                      target: '#evtchnDevice.open.control.ready',
                      actions: 'replyKzallocEnomem',
                      meta: source('evtchn_bind_to_user', 384, 386),
                    },
                    {
                      target: 'addingEvtchn',
                      actions: 'addEvtchn',
                      meta: source('evtchn_bind_to_user', 388, 392),
                    },
                  ],
                },
                addingEvtchn: {
                  meta: source('add_evtchn', 107, 132),
                  always: [
                    {
                      guard: 'addFailed',
                      target: 'closingOnError',
                      actions: 'closePortOnError',
                      meta: source('evtchn_bind_to_user', 393, 394),
                    },
                    {
                      target: 'resizingRing',
                      actions: 'resizeRing',
                      meta: source('evtchn_bind_to_user', 396, 396),
                    },
                  ],
                },
                resizingRing: {
                  meta: source('evtchn_resize_ring', 313, 367),
                  always: [
                    {
                      guard: 'resizeFailed',
                      target: 'closingOnError',
                      actions: 'closePortOnError',
                      meta: source('evtchn_bind_to_user', 397, 398),
                    },
                    {
                      target: 'bindingIrq',
                      actions: 'bindIrqHandler',
                      meta: source('evtchn_bind_to_user', 400, 401),
                    },
                  ],
                },
                bindingIrq: {
                  meta: source('evtchn_bind_to_user', 400, 403),
                  always: [
                    {
                      guard: 'irqBindFailed',
                      target: 'closingOnError',
                      actions: 'closePortOnError',
                      meta: source('evtchn_bind_to_user', 402, 403),
                    },
                    {
                      target: 'makingRefcounted',
                      actions: 'makeRefcounted',
                      meta: source('evtchn_bind_to_user', 405, 405),
                    },
                  ],
                },
                makingRefcounted: {
                  meta: source('evtchn_bind_to_user', 405, 406),
                  always: [
                    {
                      guard: 'refcountFailed',
                      target: '#evtchnDevice.open.control.ready',
                      actions: 'replyRefcountErrorWithoutCleanup',
                      meta: source('evtchn_bind_to_user', 405, 406),
                    },
                    {
                      target: '#evtchnDevice.open.control.ready',
                      actions: 'replyBoundPort',
                      meta: source('evtchn_ioctl', 459, 462),
                    },
                  ],
                },
                closingOnError: {
                  meta: source('evtchn_bind_to_user', 408, 414),
                  always: {
                    guard: 'closeSucceeded',
                    target: '#evtchnDevice.open.control.ready',
                    actions: 'delEvtchnOnError',
                    meta: source('evtchn_bind_to_user', 413, 414),
                  },
                },
              },
            },
          },
        },
        reader: {
          meta: source('evtchn_read', 195, 265),
          initial: 'idle',
          states: {
            idle: {
              meta: source('evtchn_read', 195, 200),
              on: {
                read: [
                  {
                    guard: 'readCountRoundsToZero',
                    actions: 'replyReadZero',
                    meta: source('evtchn_read', 202, 206),
                  },
                  {
                    guard: 'ringOverflowed',
                    actions: ['startRead', 'replyReadEfbig'],
                    meta: source('evtchn_read', 212, 216),
                  },
                  {
                    guard: 'ringNonEmpty',
                    target: 'holdingConsMutex',
                    actions: ['startRead', 'snapshotConsProd'],
                    meta: source('evtchn_read', 218, 221),
                  },
                  {
                    guard: 'isNonblocking',
                    actions: ['startRead', 'replyReadEagain'],
                    meta: source('evtchn_read', 223, 226),
                  },
                  { target: 'asleep', actions: 'startRead', meta: source('evtchn_read', 228, 229) },
                ],
              },
            },
            asleep: {
              meta: source('evtchn_read', 228, 229),
              on: {
                'reader.wake': { target: 'woken', meta: source('evtchn_interrupt', 182, 186) },
                'read.signal': {
                  target: 'idle',
                  actions: 'replyReadErestartsys',
                  meta: source('evtchn_read', 230, 231),
                },
              },
            },
            woken: {
              meta: source('evtchn_read', 228, 232),
              on: {
                'read.retry': [
                  {
                    guard: 'ringOverflowed',
                    target: 'idle',
                    actions: 'replyReadEfbig',
                    meta: source('evtchn_read', 212, 216),
                  },
                  {
                    guard: 'ringNonEmpty',
                    target: 'holdingConsMutex',
                    actions: 'snapshotConsProd',
                    meta: source('evtchn_read', 218, 221),
                  },
                  { target: 'asleep', meta: source('evtchn_read', 228, 229) },
                ],
                'read.signal': {
                  target: 'idle',
                  actions: 'replyReadErestartsys',
                  meta: source('evtchn_read', 230, 231),
                },
              },
            },
            holdingConsMutex: {
              meta: source('evtchn_read', 234, 263),
              on: {
                'read.copy': [
                  {
                    guard: 'firstCopyToUserFaults',
                    target: 'idle',
                    actions: 'replyReadEfault',
                    meta: source('evtchn_read', 252, 257),
                  },
                  {
                    guard: 'secondCopyToUserFaults',
                    target: 'idle',
                    actions: 'replyReadEfault',
                    meta: source('evtchn_read', 255, 257),
                  },
                  {
                    target: 'idle',
                    actions: 'copyAndConsume',
                    meta: source('evtchn_read', 234, 264),
                  },
                ],
              },
            },
          },
        },
        irq: {
          meta: source('evtchn_interrupt', 161, 193),
          initial: 'idle',
          states: {
            idle: {
              meta: source('evtchn_interrupt', 161, 165),
              on: {
                'irq.interrupt': [
                  {
                    guard: 'deliverableIntoEmptyRing',
                    actions: ['interruptWhole', 'wakeUpInterruptible'],
                    meta: source('evtchn_interrupt', 167, 186),
                  },
                  {
                    guard: 'deliverableWithRoom',
                    actions: 'interruptWhole',
                    meta: source('evtchn_interrupt', 167, 181),
                  },
                  {
                    guard: 'isDeliverable',
                    actions: 'interruptWhole',
                    meta: source('evtchn_interrupt', 167, 188),
                  },
                ],
                'irq.upcall': [
                  {
                    guard: 'upcallWakesReader',
                    actions: ['upcall', 'wakeUpInterruptible'],
                    meta: source('evtchn_interrupt', 161, 193),
                  },
                  { actions: 'upcall', meta: source('evtchn_interrupt', 161, 193) },
                ],
                'irq.enter': {
                  guard: 'isDeliverable',
                  target: 'enabledCleared',
                  actions: 'enterIrqHandler',
                  meta: source('evtchn_interrupt', 167, 171),
                },
              },
            },
            enabledCleared: {
              meta: source('evtchn_interrupt', 171, 173),
              on: {
                'irq.lock': {
                  target: 'holdingProdLock',
                  actions: 'snapshotProdCons',
                  meta: source('evtchn_interrupt', 173, 176),
                },
              },
            },
            holdingProdLock: {
              meta: source('evtchn_interrupt', 175, 190),
              on: {
                'irq.push': [
                  {
                    guard: 'snapshotWasEmpty',
                    target: 'idle',
                    actions: ['pushPort', 'wakeUpInterruptible'],
                    meta: source('evtchn_interrupt', 178, 186),
                  },
                  {
                    guard: 'snapshotHasRoom',
                    target: 'idle',
                    actions: 'pushPort',
                    meta: source('evtchn_interrupt', 178, 181),
                  },
                  { target: 'idle', actions: 'setOverflow', meta: source('evtchn_interrupt', 187, 190) },
                ],
              },
            },
          },
        },
      },
    },
    releasing: {
      meta: source('evtchn_release', 650, 656),
      always: [
        { guard: 'hasHitBug', target: 'crashed', meta: source('evtchn_unbind_from_user', 420, 424) },
        { target: 'released', meta: source('evtchn_release', 658, 662) },
      ],
    },
    released: { meta: source('evtchn_release', 658, 662), type: 'final' },
    crashed: { meta: source('evtchn_bind_to_user', 411, 412), type: 'final' },
  },
});
