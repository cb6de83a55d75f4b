/**
 * The manifest every subsystem package exports as `manifest` from its index: which seed it
 * models, its machines (for export and docs), its check models (for `@kspec/verify` and
 * `kspec check`), and its findings. The docs build, the exporter and the orchestrator discover
 * packages through this one shape, so a new subsystem package joins them without changes
 * elsewhere.
 *
 * @module
 */
import type { AnyStateMachine } from 'xstate';
import type { Finding, Invariant, MachineCheckModel } from './check.js';
import type { SeedFile } from './source.js';

/**
 * One machine a package publishes as a statechart.
 * @category Manifest
 */
export interface ChartEntry {
  /** File-name-safe name, e.g. `evtchnDevice`; exports go to `<package>/<name>.<ext>`. */
  readonly name: string;
  readonly machine: AnyStateMachine;
  /** One paragraph for the docs page. */
  readonly description: string;
  /** Input for running the machine (in the docs viewer), when it needs one. */
  readonly input?: unknown;
  /** Example events the docs viewer offers in addition to those the chart names. */
  readonly sampleEvents?: readonly { readonly type: string; readonly [k: string]: unknown }[];
  /**
   * Extra sections the docs page shows after the findings, as preformatted text (a descriptor
   * dump, a generated script): what the machine produces, for readers of its page.
   */
  readonly appendix?: readonly ChartAppendix[];
}

/**
 * One extra section of a machine's docs page.
 * @category Manifest
 */
export interface ChartAppendix {
  /** The section title; also its anchor (lower-cased, non-alphanumerics as `-`). */
  readonly title: string;
  /** One paragraph saying what the text is. */
  readonly description?: string;
  /** Preformatted text. */
  readonly text: string;
}

/**
 * What a subsystem package exports as `manifest`.
 * @category Manifest
 */
export interface SubsystemManifest {
  /** npm name, e.g. `@kspec/xen-evtchn`. */
  readonly package: string;
  /** Short directory-safe name, e.g. `xen-evtchn`. */
  readonly name: string;
  readonly title: string;
  /** The seed it models (absent for infrastructure packages). */
  readonly seed?: SeedFile;
  readonly machines: readonly ChartEntry[];
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly models: readonly MachineCheckModel<any>[];
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly invariants: readonly Invariant<any>[];
  readonly findings: readonly Finding[];
}
