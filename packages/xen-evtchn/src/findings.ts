/**
 * The findings of `@kspec/xen-evtchn`: seed defects the faithful device model exhibits, each
 * with the seed lines, the invariant it breaks and the shortest trace the checker finds
 * (pinned by `invariants.test.ts`).
 *
 * @module
 */
import type { Finding } from '@kspec/spec-kit';
import { src } from '@kspec/spec-kit';
import type { EvtchnEvent } from './context.js';
import { SEED } from './machine.js';

const T = (events: EvtchnEvent[]): readonly EvtchnEvent[] => events;

/** The findings: seed defects the faithful model exhibits. @category Checking */
export const evtchnFindings: readonly Finding[] = [
  {
    id: 'EVTCHN-1',
    title: 'irq bind failure closes the port twice and hits BUG()',
    invariant: 'noKernelBug',
    seed: [src(SEED, 'evtchn_bind_to_user', 400, 403), src(SEED, 'evtchn_bind_to_user', 408, 412)],
    summary:
      "When request_irq fails inside bind_evtchn_to_irqhandler_lateeoi, the helper has already closed the event channel through unbind_from_irq (facts 3.4). The err path of evtchn_bind_to_user closes it again: Xen answers -EINVAL for a free port and the driver calls BUG(). If another file was handed the freed port in between, the second close instead closes that file's channel.",
    trace: T([
      { type: 'env.fail', op: 'request_irq', errno: -12 },
      { type: 'ioctl.bindUnboundPort', arg: { remoteDomain: 1 } },
    ]),
    upstreamFix:
      'none known: mainline still closes in the err path (open-coded close replaced by xen_evtchn_close(), which also BUG()s, in the 2023 BIND_STATIC series)',
  },
  {
    id: 'EVTCHN-2',
    title: 'kzalloc failure in evtchn_bind_to_user leaks the hypervisor port',
    invariant: 'failedBindClosesItsPort',
    seed: [src(SEED, 'evtchn_bind_to_user', 384, 386)],
    summary:
      'The bind ioctls obtain a port from the hypervisor first; if the user_evtchn allocation then fails, evtchn_bind_to_user returns -ENOMEM without closing it. The port stays open in Xen, unknown to the file, and survives release.',
    trace: T([
      { type: 'env.fail', op: 'kzalloc', errno: -12 },
      { type: 'ioctl.bindUnboundPort', arg: { remoteDomain: 1 } },
    ]),
    upstreamFix: 'none known',
  },
  {
    id: 'EVTCHN-3',
    title: 'evtchn_make_refcounted failure returns an error but leaves the port bound',
    invariant: 'failedBindLeavesNoBinding',
    seed: [src(SEED, 'evtchn_bind_to_user', 405, 406), src(SEED, 'evtchn_ioctl', 459, 462)],
    summary:
      'The return code of evtchn_make_refcounted is returned as is: on failure the ioctl reports an error, but the port stays in the tree, counted, with its irq handler bound and interrupts flowing into the ring; the caller never learns the port number (only release cleans it up).',
    trace: T([
      { type: 'env.fail', op: 'make_refcounted', errno: -2 },
      { type: 'ioctl.bindUnboundPort', arg: { remoteDomain: 1 } },
    ]),
    upstreamFix: 'none known',
  },
  {
    id: 'EVTCHN-4',
    title: 'a port handed out again: the -EEXIST path closes the live binding and empties the tree',
    invariant: 'nrEvtchnsCountsTree',
    seed: [
      src(SEED, 'add_evtchn', 111, 124),
      src(SEED, 'evtchn_bind_to_user', 375, 394),
      src(SEED, 'del_evtchn', 134, 139),
    ],
    summary:
      'evtchn_bind_to_user relies on "ports are never reused" (lines 375-377). If the hypervisor hands out a port this file still has bound, add_evtchn counts the node and returns -EEXIST; the err path then closes the channel the existing binding uses and del_evtchn rb_erases a node that was never linked: with a NULL parent it is taken for the root, so the whole tree is emptied (inferred from lib/rbtree.c). nr_evtchns keeps counting the lost nodes, their irq handlers stay bound, write() and UNBIND no longer find them, and release leaves them bound to a freed per_user_data.',
    trace: T([
      { type: 'ioctl.bindUnboundPort', arg: { remoteDomain: 1 } },
      { type: 'env.reuse', port: 1 },
      { type: 'ioctl.bindUnboundPort', arg: { remoteDomain: 1 } },
    ]),
    upstreamFix:
      'none known (IOCTL_EVTCHN_BIND_STATIC, 2023, added an -EISCONN pre-check for its own path only)',
  },
  {
    id: 'EVTCHN-5',
    title: 'lost wake-up: the handler decides to wake from a stale ring_cons',
    invariant: 'sleepingReaderImpliesEmptyRing',
    seed: [src(SEED, 'evtchn_interrupt', 173, 186), src(SEED, 'evtchn_read', 211, 232)],
    summary:
      'evtchn_interrupt reads ring_cons once under ring_prod_lock, which readers do not take, and wakes readers only if that snapshot showed an empty ring. A reader can drain the ring and go to sleep between the snapshot and the push: the push then finds cons != prod in its snapshot, wakes nobody, and the reader (or a poll()er) sleeps with a non-empty ring; later interrupts see a non-empty ring and never wake it either.',
    trace: T([
      { type: 'ioctl.bindUnboundPort', arg: { remoteDomain: 1 } },
      { type: 'ioctl.bindUnboundPort', arg: { remoteDomain: 1 } },
      { type: 'hv.raise', port: 1 },
      { type: 'hv.raise', port: 2 },
      { type: 'irq.enter', port: 1 },
      { type: 'irq.lock' },
      { type: 'irq.push' },
      { type: 'read', count: 4 },
      { type: 'irq.enter', port: 2 },
      { type: 'irq.lock' },
      { type: 'read.copy' },
      { type: 'read', count: 4 },
      { type: 'irq.push' },
    ]),
    upstreamFix:
      'none known (the 2021 "read producer index only once" series kept the snapshot-based wake-up)',
  },
];
