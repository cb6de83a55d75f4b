/**
 * The lifecycle of one bound port of `/dev/xen/evtchn` (`struct user_evtchn`,
 * drivers/xen/evtchn.c lines 83-88) as its own small chart, spawned per binding by the facade
 * (`device.ts`). Not covered: the port's state inside the hypervisor (see `ports.ts`).
 *
 * @module
 */
import { assign, setup } from 'xstate';
import { source } from './machine-helpers.js';

/** Context of {@link evtchnBindingMachine}. @category Machine */
export interface EvtchnBindingContext {
  readonly port: number;
  /** `WARN(!evtchn->enabled)` hits. */
  readonly warnings: number;
  /** Interrupts taken (pushed or dropped on overflow). */
  readonly interrupts: number;
  /** Late EOIs issued by `write()`. */
  readonly lateEois: number;
}

/** Events of {@link evtchnBindingMachine}. @category Machine */
export type EvtchnBindingEvent = { type: 'irq.handle' } | { type: 'write.reenable' } | { type: 'unbind' };

/**
 * The lifecycle of one bound port (`struct user_evtchn`, lines 83-88), spawned per binding
 * by the facade: `enabled` after `evtchn_bind_to_user` (line 390), `disabled` once its
 * interrupt ran (line 171: the port is queued, or dropped on overflow, and the channel stays
 * masked awaiting late EOI), back to `enabled` when `write()` names it (lines 298-300), and
 * `unbound` (IOCTL_EVTCHN_UNBIND or release).
 * @category Machine
 */
export const evtchnBindingMachine = setup({
  types: {} as { context: EvtchnBindingContext; events: EvtchnBindingEvent; input: { port: number } },
  actions: {
    countInterrupt: assign(({ context }) => ({ interrupts: context.interrupts + 1 })),
    warnNotEnabled: assign(({ context }) => ({
      warnings: context.warnings + 1,
      interrupts: context.interrupts + 1,
    })),
    lateEoi: assign(({ context }) => ({ lateEois: context.lateEois + 1 })),
  },
}).createMachine({
  id: 'evtchnBinding',
  meta: source('evtchn_bind_to_user', 384, 406),
  context: ({ input }) => ({ port: input.port, warnings: 0, interrupts: 0, lateEois: 0 }),
  initial: 'enabled',
  states: {
    enabled: {
      meta: source('evtchn_bind_to_user', 390, 390),
      on: {
        'irq.handle': {
          target: 'disabled',
          actions: 'countInterrupt',
          meta: source('evtchn_interrupt', 171, 171),
        },
        unbind: { target: 'unbound', meta: source('evtchn_unbind_from_user', 417, 427) },
      },
    },
    disabled: {
      meta: source('evtchn_interrupt', 171, 188),
      on: {
        'irq.handle': { actions: 'warnNotEnabled', meta: source('evtchn_interrupt', 167, 171) },
        'write.reenable': { target: 'enabled', actions: 'lateEoi', meta: source('evtchn_write', 298, 300) },
        unbind: { target: 'unbound', meta: source('evtchn_unbind_from_user', 417, 427) },
      },
    },
    unbound: { meta: source('evtchn_unbind_from_user', 424, 426), type: 'final' },
  },
});
