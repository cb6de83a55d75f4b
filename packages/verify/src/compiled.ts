/**
 * The transition cache (placeholder: every step goes to xstate).
 * @module
 */
import type { AnyMachineSnapshot, AnyStateMachine, EventObject } from 'xstate';
import type { MachineStepper, StepResult } from './stepper.js';

/** @internal */
export class CompiledCache {
  static forMachine(_machine: AnyStateMachine): CompiledCache | undefined {
    return undefined;
  }
  step(_stepper: MachineStepper, _snapshot: AnyMachineSnapshot, _event: EventObject): StepResult | undefined {
    return undefined;
  }
}
