/**
 * What `/dev/xen/evtchn` promises, as named invariants over the device machine's snapshots.
 * The bounded alphabets and projections the checker explores are in `check-space.ts`, the
 * check models (one per environment scope) in `check-models.ts`, and the findings (seed
 * defects the faithful model exhibits) in `findings.ts`.
 *
 * Scopes, not machine parameters, bound the exploration: how many ports may be bound, which
 * bind ioctls are tried, which environment faults may be armed (at most `maxArmed` in one
 * run), whether the interrupt handler and reader run as split steps (interleavings) or whole,
 * and whether the user writes back only ports it has read ("well-behaved") or any bound port.
 * The ring keeps its C size (64 from the first bind); overflow is reached faithfully by a user
 * that re-enables a port without reading it.
 *
 * @module
 */
import type { Invariant } from '@kspec/spec-kit';
import { src } from '@kspec/spec-kit';
import type { SnapshotFrom } from 'xstate';
import type { evtchnDeviceMachine } from './machine.js';
import { SEED } from './machine.js';
import { evtchnRingOccupancy } from './model.js';
import { rbCheck, rbInOrder } from './rbtree.js';

/** A snapshot of the device machine. @category Checking */
export type EvtchnSnapshot = SnapshotFrom<typeof evtchnDeviceMachine>;

const inv = (
  name: string,
  statement: string,
  holds: (s: EvtchnSnapshot) => boolean,
  fn?: string,
  lines?: [number, number],
): Invariant<EvtchnSnapshot> => ({
  name,
  statement,
  holds,
  ...(fn && lines ? { source: src(SEED, fn, lines[0], lines[1]) } : {}),
});

/** The rb-tree's shape is valid and holds exactly the ports of `evtchns` (descending in order). */
function rbTreeMatches(c: EvtchnSnapshot['context']): boolean {
  if (rbCheck(c.rbtree).length > 0) return false;
  const order = rbInOrder(c.rbtree);
  const n = c.evtchns.length;
  return order.length === n && order.every((p, i) => p === (c.evtchns[n - 1 - i] as { port: number }).port);
}

const isPow2From64 = (n: number): boolean => n === 0 || (n >= 64 && (n & (n - 1)) === 0);
const isU32 = (n: number): boolean => Number.isInteger(n) && n >= 0 && n <= 0xffffffff;

/**
 * The device's invariants, type shape first.
 * @category Checking
 */
export const evtchnInvariants: readonly Invariant<EvtchnSnapshot>[] = [
  inv(
    'contextWellFormed',
    'The ring size is 0 or a power of two from 64 with that many slots, indices are u32, bound ports are sorted and unique, and the rb-tree is a valid red-black tree of exactly those ports in add_evtchn order.',
    ({ context: c }) =>
      isPow2From64(c.ring.size) &&
      c.ring.slots.length === c.ring.size &&
      isU32(c.ring.cons) &&
      isU32(c.ring.prod) &&
      isU32(c.nrEvtchns) &&
      c.evtchns.every((e, i, a) => i === 0 || (a[i - 1] as { port: number }).port < e.port) &&
      rbTreeMatches(c),
  ),
  inv(
    'ringOccupancyWithinSize',
    'The ring never holds more ports than it has slots: (prod - cons) mod 2^32 <= ring_size.',
    ({ context: c }) => evtchnRingOccupancy(c.ring) <= c.ring.size,
    'evtchn_interrupt',
    [178, 188],
  ),
  inv(
    'ringSizeCoversBindings',
    'The ring has a slot for every bound port (nr_evtchns <= ring_size), as evtchn_resize_ring intends.',
    ({ context: c }) => c.bind !== null || c.nrEvtchns <= c.ring.size,
    'evtchn_resize_ring',
    [318, 323],
  ),
  inv(
    'nrEvtchnsCountsTree',
    'nr_evtchns equals the number of ports bound in the tree.',
    ({ context: c }) => c.bind !== null || c.nrEvtchns === c.evtchns.length,
    'add_evtchn',
    [107, 139],
  ),
  inv(
    'portQueuedOncePerEnable',
    'A port sits in the ring at most once until write() re-enables it.',
    ({ context: c }) => c.ghost.queuedSinceEnable.every((q) => q.n <= 1),
    'evtchn_interrupt',
    [171, 181],
  ),
  inv(
    'boundPortsAreOpen',
    'Every port bound in the tree is an open event channel in the hypervisor (until a BUG() stops the kernel).',
    // After BUG() (line 412) nothing runs: the err path's del_evtchn (413) never happens, so
    // the tree still holds the closed port. Like releaseLeavesNothingBound, this invariant
    // speaks of a running kernel; noKernelBug (EVTCHN-1) is the one that fails there.
    ({ context: c }) =>
      c.bug !== null || c.evtchns.every((e) => c.hypervisor.channel(c.env, e.port) !== undefined),
    'evtchn_bind_to_user',
    [408, 414],
  ),
  inv(
    'restrictedFileBindsOnlyItsDomain',
    'A restricted file never binds a VIRQ, an unbound port or a port of a domain other than its own.',
    ({ context: c }) => c.ghost.forbiddenBinds === 0,
    'evtchn_ioctl',
    [440, 514],
  ),
  inv(
    'releaseLeavesNothingBound',
    'After release no irq handler of the file is bound and no channel it opened is left open.',
    (s) =>
      s.status !== 'done' ||
      s.context.bug !== null ||
      (s.context.env.irq.bindings.length === 0 && s.context.env.hv.channels.length === 0),
    'evtchn_release',
    [645, 663],
  ),
  inv(
    'failedBindClosesItsPort',
    'A bind ioctl that fails leaves the port it obtained from the hypervisor closed.',
    ({ context: c }) =>
      c.ghost.failedBindPort === null || c.hypervisor.channel(c.env, c.ghost.failedBindPort) === undefined,
    'evtchn_bind_to_user',
    [384, 414],
  ),
  inv(
    'failedBindLeavesNoBinding',
    'A bind ioctl that fails leaves the port neither in the tree nor bound to an irq handler.',
    ({ context: c }) =>
      c.ghost.failedBindPort === null ||
      (c.evtchns.every((e) => e.port !== c.ghost.failedBindPort) &&
        c.irqLayer.irqFromEvtchn(c.env, c.ghost.failedBindPort) < 0),
    'evtchn_bind_to_user',
    [400, 414],
  ),
  inv(
    'noKernelBug',
    'No path reaches BUG() or BUG_ON().',
    ({ context: c }) => c.bug === null,
    'evtchn_bind_to_user',
    [408, 414],
  ),
  inv(
    'sleepingReaderImpliesEmptyRing',
    'A reader asleep in wait_event_interruptible implies an empty ring (no lost wake-up).',
    (s) =>
      s.status !== 'active' ||
      !s.matches({ open: { reader: 'asleep' } }) ||
      s.context.ring.cons === s.context.ring.prod,
    'evtchn_read',
    [228, 229],
  ),
];
