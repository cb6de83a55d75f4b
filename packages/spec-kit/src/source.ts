/**
 * Source references: every state, transition, guard and action of a kspec machine says which
 * lines of which seed it models. This module holds the `SourceRef` type carried in
 * `meta.source`, a small constructor for it, and readers that take it back out of any state
 * node or transition definition of a live XState machine.
 *
 * @module
 */
import type { AnyStateNode, AnyTransitionDefinition } from 'xstate';

/**
 * The five C sources kspec models, by the file names the seed index (`seeds.ts`) keeps them under.
 * @category Source references
 */
export const SEED_FILES = [
  'linux-usb-gadget-ether.c',
  'linux-xen-evtchn.c',
  'genode-base-pistachio-core-platform.cc',
  'netbsd-rump-if_shmem.c',
  'linux-powerpc-pseries-cmm.c',
] as const;

/**
 * One of the seed files in {@link SEED_FILES}.
 * @category Source references
 */
export type SeedFile = (typeof SEED_FILES)[number];

/**
 * Where in a seed a piece of a statechart comes from: the file, the C function and an
 * inclusive line range (1-based, as in the original file).
 * @category Source references
 */
export interface SourceRef {
  readonly file: SeedFile;
  readonly fn: string;
  readonly lines: readonly [first: number, last: number];
}

/**
 * The shape of `meta` on every kspec state node and transition.
 * @category Source references
 */
export interface SourceMeta {
  readonly source: SourceRef;
  readonly [key: string]: unknown;
}

/**
 * Builds a `SourceRef`, checking that the line range is well formed.
 *
 * @example
 * ```ts
 * meta: { source: src('linux-xen-evtchn.c', 'evtchn_ioctl', 444, 446) }
 * ```
 * @category Source references
 */
export function src(file: SeedFile, fn: string, first: number, last: number = first): SourceRef {
  if (!Number.isInteger(first) || !Number.isInteger(last) || first < 1 || last < first) {
    throw new RangeError(`src(${file}, ${fn}): bad line range ${first}..${last}`);
  }
  if (!(SEED_FILES as readonly string[]).includes(file)) {
    throw new RangeError(`src: unknown seed file ${String(file)}`);
  }
  return Object.freeze({ file, fn, lines: Object.freeze([first, last] as const) });
}

/**
 * True when `value` has the shape of a {@link SourceRef}.
 * @category Source references
 */
export function isSourceRef(value: unknown): value is SourceRef {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  const lines = v['lines'];
  return (
    typeof v['file'] === 'string' &&
    (SEED_FILES as readonly string[]).includes(v['file']) &&
    typeof v['fn'] === 'string' &&
    v['fn'].length > 0 &&
    Array.isArray(lines) &&
    lines.length === 2 &&
    Number.isInteger(lines[0]) &&
    Number.isInteger(lines[1]) &&
    (lines[0] as number) >= 1 &&
    (lines[1] as number) >= (lines[0] as number)
  );
}

function fromMeta(meta: unknown): SourceRef | undefined {
  if (typeof meta !== 'object' || meta === null) return undefined;
  const source = (meta as Record<string, unknown>)['source'];
  return isSourceRef(source) ? source : undefined;
}

/**
 * The source reference of a state node (its `meta.source`), or `undefined`.
 * @category Source references
 */
export function sourceOfStateNode(node: AnyStateNode): SourceRef | undefined {
  return fromMeta(node.meta);
}

/**
 * The source reference of a transition definition (its `meta.source`), or `undefined`.
 * @category Source references
 */
export function sourceOfTransition(transition: AnyTransitionDefinition): SourceRef | undefined {
  return fromMeta((transition as { meta?: unknown }).meta);
}

/**
 * Formats a reference as `file:first-last (fn)`, the form used in reports and docs.
 * @category Source references
 */
export function formatSourceRef(ref: SourceRef): string {
  const [a, b] = ref.lines;
  return `${ref.file}:${a === b ? a : `${a}-${b}`} (${ref.fn})`;
}
