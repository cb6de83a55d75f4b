/**
 * One machine's pure step: `(snapshot, event) -> next snapshot + the chart transitions taken`.
 *
 * The reference semantics is xstate's pure `transition(machine, snapshot, event)`. That
 * function builds a fresh inert actor (and a whole initial snapshot) on every call; the
 * stepper instead keeps one inert actor scope per machine and calls `machine.transition` with
 * it, as `xstate/graph` does. The scope's `actionExecutor` drops executable actions (they
 * are deferred in the pure API too), and its inspection hook records the
 * `@xstate.microstep` events, whose `_transitions` are the very transition definition objects
 * of the chart: that is how a step knows which rows of spec-kit `listTransitions` it took.
 *
 * On top of that, a transition cache ({@link CompiledCache}) replays steps whose shape was
 * seen before (same configuration, event type and guard outcomes) without xstate; see
 * `compiled.ts`. `crossCheck` recomputes every step with the public `transition()` and
 * throws on any difference, which is how the tests prove the faster paths equal.
 *
 * @module
 */
import {
  createActor,
  transition as xstateTransition,
  type AnyMachineSnapshot,
  type AnyStateMachine,
  type AnyTransitionDefinition,
  type EventObject,
} from 'xstate';
import { listTransitions } from '@kspec/spec-kit';
import { CompiledCache } from './compiled.js';
import { ModelError, VerifyError } from './errors.js';

/** The outcome of one step. */
export interface StepResult {
  readonly next: AnyMachineSnapshot;
  /** Indices (into `transitionIds`) of the chart transitions taken, in microstep order. */
  readonly taken: readonly number[];
  /** True when the machine selected at least one transition for the event. */
  readonly accepted: boolean;
  /** True when the step came from the transition cache. */
  readonly compiled: boolean;
}

/** A guard, action or other model code threw while stepping. */
export class StepError extends VerifyError {
  override readonly name: string = 'StepError';
  constructor(
    message: string,
    override readonly cause: unknown,
  ) {
    super(message);
  }
}

/** Options of a stepper. */
export interface StepperOptions {
  /** Use the transition cache (default true). */
  readonly compiled?: boolean;
  /** Recompute every step with xstate's public `transition()` and throw on a difference. */
  readonly crossCheck?: boolean;
}

interface InertScope {
  self: unknown;
  defer: () => void;
  id: string;
  logger: () => void;
  sessionId: string;
  stopChild: () => void;
  system: { _sendInspectionEvent: (ev: { type: string; _transitions?: AnyTransitionDefinition[] }) => void };
  emit: () => void;
  actionExecutor: () => void;
}

function matchesDescriptor(eventType: string, descriptor: string): boolean {
  if (descriptor === eventType || descriptor === '*') return true;
  if (!descriptor.endsWith('.*')) return false;
  const d = descriptor.split('.');
  const e = eventType.split('.');
  for (let i = 0; i < d.length; i++) {
    if (d[i] === '*') return i === d.length - 1;
    if (d[i] !== e[i]) return false;
  }
  return true;
}

/**
 * Steps one machine purely, recording the chart transitions taken.
 * @internal
 */
export class MachineStepper {
  /** spec-kit transition ids, indexed by the numbers in {@link StepResult.taken}. */
  readonly transitionIds: readonly string[];
  private readonly indexOf = new Map<AnyTransitionDefinition, number>();
  private readonly scope: InertScope;
  private recording: number[] = [];
  private microsteps = 0;
  private acceptedFlag = false;
  private readonly descriptors: readonly string[];
  private readonly knownTypes = new Map<string, boolean>();
  private readonly cache: CompiledCache | undefined;
  private readonly crossCheck: boolean;
  private microstepListener: ((event: unknown) => void) | undefined;
  compiledSteps = 0;
  xstateSteps = 0;

  constructor(
    readonly machine: AnyStateMachine,
    readonly input: unknown,
    options: StepperOptions = {},
  ) {
    if (
      typeof machine !== 'object' ||
      machine === null ||
      typeof (machine as { transition?: unknown }).transition !== 'function' ||
      !('root' in machine)
    ) {
      throw new ModelError('expected an XState machine (created with setup().createMachine())');
    }
    const transitions = listTransitions(machine);
    this.transitionIds = transitions.map((t) => t.id);
    transitions.forEach((t, i) => this.indexOf.set(t.definition, i));
    this.descriptors = [...new Set(transitions.map((t) => t.eventType).filter((t) => t !== ''))];
    const self = createActor(machine, { input } as never);
    const system = self.system as unknown as InertScope['system'];
    system._sendInspectionEvent = (ev) => {
      if (ev.type !== '@xstate.microstep') return;
      this.microsteps++;
      this.microstepListener?.((ev as { event?: unknown }).event);
      const ts = ev._transitions;
      if (!ts || ts.length === 0) return;
      this.acceptedFlag = true;
      for (const t of ts) {
        const i = this.indexOf.get(t);
        if (i !== undefined) this.recording.push(i);
      }
    };
    this.scope = {
      self,
      defer: () => {},
      id: '',
      logger: () => {},
      sessionId: '',
      stopChild: () => {},
      system,
      emit: () => {},
      actionExecutor: () => {},
    };
    this.crossCheck = options.crossCheck ?? false;
    this.cache = options.compiled === false ? undefined : CompiledCache.forMachine(machine);
  }

  /** The inert actor the steps run in (`self` of assign arguments). */
  get inertSelf(): unknown {
    return this.scope.self;
  }

  /** Observes the event of every microstep until the returned function is called. */
  onMicrostep(listener: (event: unknown) => void): () => void {
    this.microstepListener = listener;
    return () => {
      this.microstepListener = undefined;
    };
  }

  /** True when the machine has a transition for `type` somewhere (exact or wildcard). */
  knowsEvent(type: string): boolean {
    let known = this.knownTypes.get(type);
    if (known === undefined) {
      known = this.descriptors.some((d) => matchesDescriptor(type, d));
      this.knownTypes.set(type, known);
    }
    return known;
  }

  /** The initial snapshot (and the transitions taken by initial eventless steps). */
  initial(): StepResult {
    this.recording = [];
    let next: AnyMachineSnapshot;
    try {
      next = this.machine.getInitialSnapshot(this.scope as never, this.input) as AnyMachineSnapshot;
    } catch (err) {
      throw new StepError(`initial state: ${describe(err)}`, err);
    }
    if (next.status === 'error') {
      throw new StepError(`initial state: ${describe(next.error)}`, next.error);
    }
    return { next, taken: this.recording, accepted: true, compiled: false };
  }

  /** Steps `snapshot` by `event`. Throws {@link StepError} when model code throws. */
  step(snapshot: AnyMachineSnapshot, event: EventObject): StepResult {
    let result: StepResult | undefined;
    if (this.cache) {
      try {
        result = this.cache.step(this, snapshot, event);
      } catch (err) {
        throw new StepError(`event ${JSON.stringify(event)}: ${describe(err)}`, err);
      }
    }
    if (result === undefined) result = this.xstateStep(snapshot, event);
    if (result.compiled) this.compiledSteps++;
    else this.xstateSteps++;
    if (this.crossCheck) this.compare(snapshot, event, result);
    return result;
  }

  /** Steps with xstate (reused inert scope), recording transitions and microsteps. */
  xstateStep(snapshot: AnyMachineSnapshot, event: EventObject): StepResult & { microsteps: number } {
    this.recording = [];
    this.microsteps = 0;
    this.acceptedFlag = false;
    let next: AnyMachineSnapshot;
    try {
      next = this.machine.transition(snapshot, event, this.scope as never) as AnyMachineSnapshot;
    } catch (err) {
      throw new StepError(`event ${JSON.stringify(event)}: ${describe(err)}`, err);
    }
    if (next.status === 'error') {
      throw new StepError(`event ${JSON.stringify(event)}: ${describe(next.error)}`, next.error);
    }
    return {
      next,
      taken: this.recording,
      accepted: this.acceptedFlag,
      compiled: false,
      microsteps: this.microsteps,
    };
  }

  private compare(snapshot: AnyMachineSnapshot, event: EventObject, result: StepResult): void {
    const [ref] = xstateTransition(this.machine, snapshot as never, event as never) as unknown as [
      AnyMachineSnapshot,
    ];
    const a = JSON.stringify([ref.value, ref.context, ref.status, Object.keys(ref.children ?? {})]);
    const b = JSON.stringify([
      result.next.value,
      result.next.context,
      result.next.status,
      Object.keys(result.next.children ?? {}),
    ]);
    if (a !== b) {
      throw new VerifyError(
        `cross-check: machine '${this.machine.id}' on ${JSON.stringify(event)} from ` +
          `${JSON.stringify(snapshot.value)}: transition() gives ${a}, the ${result.compiled ? 'compiled' : 'scoped'} path gives ${b}`,
      );
    }
  }
}

/** A one-line description of something thrown. */
export function describe(err: unknown): string {
  if (err instanceof Error) return `${err.name}: ${err.message}`;
  return String(err);
}
