/**
 * Builds the initial context of a shmif machine: the ports, the kernel state (unit arena,
 * randomness, `rump_threads`), the host state, `n` empty interface slots, no panic, and the
 * ghost when checking.
 *
 * @module
 */
import type { ShmifContext, ShmifFaults, ShmifGhost, KernelState } from './context.js';
import { emptySoftc } from './model/common.js';
import { createGhost } from './model/ghost.js';
import type { HostState, RandomnessPort, ShmifHostPort } from './ports.js';
import { EMPTY_HOST, seededRandomness } from './ports.js';
import { createUnitArena } from './units.js';
import type { UnitArena } from './units.js';

/**
 * Options of {@link createShmifContext}.
 * @category Context
 */
export interface ShmifContextOptions {
  readonly host: ShmifHostPort;
  readonly hostState?: HostState;
  readonly random?: RandomnessPort;
  /** Initial randomness state (the seed of `seededRandomness`). Default 1. */
  readonly seed?: number;
  /** `rump_threads`. Default true. */
  readonly threads?: boolean;
  /** Interface slots. Default 1. */
  readonly interfaces?: number;
  readonly units?: UnitArena;
  readonly faults?: ShmifFaults;
  /** Follow this bus file with ghost state (checking only). */
  readonly ghostPath?: string;
  readonly onInput?: (ifx: number, frame: Uint8Array) => void;
  /** Told of each overrun resync of a receiver (live use). */
  readonly onResync?: (ifx: number) => void;
  readonly uptime?: () => { readonly sec: number; readonly usec: number };
  /** `MCLBYTES`. Default 2048. */
  readonly mclbytes?: number;
}

/**
 * A fresh context.
 * @category Context
 */
export function createShmifContext(options: ShmifContextOptions): ShmifContext {
  const n = options.interfaces ?? 1;
  const kernel: KernelState = {
    units: options.units ?? createUnitArena(),
    rng: (options.seed ?? 1) >>> 0,
    mapSeq: 1,
    threads: options.threads ?? true,
  };
  const ghost: ShmifGhost | null = options.ghostPath === undefined ? null : createGhost(options.ghostPath, n);
  return {
    env: {
      host: options.host,
      random: options.random ?? seededRandomness,
      mclbytes: options.mclbytes ?? 2048,
      ...(options.onInput === undefined ? {} : { onInput: options.onInput }),
      ...(options.onResync === undefined ? {} : { onResync: options.onResync }),
      ...(options.uptime === undefined ? {} : { uptime: options.uptime }),
    },
    kernel,
    host: options.hostState ?? EMPTY_HOST,
    faults: options.faults ?? {},
    ifs: Array.from({ length: n }, emptySoftc),
    panic: null,
    ghost,
  };
}
