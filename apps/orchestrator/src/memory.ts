/**
 * The shared memory of one run (the "machine room"): the shmif bus on a `SharedArrayBuffer`,
 * either fresh or loaded from a bus file and written back to it at the end of the run, so
 * `kspec pcap` and NetBSD's `shmif_dumpbus` can read what the interfaces left on the bus; and the
 * machine's physical page pool (`@kspec/shared-memory`'s `PagePool`), created by the first
 * subsystem that asks for it (core memory is set up in it from a KIP, others take pages from it).
 *
 * Departure from rump: the bus file is loaded and saved, not mapped live (Node cannot map a
 * file into a `SharedArrayBuffer`); another process attached to the same file during the run
 * would not see the frames until the run ends.
 *
 * @module
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import {
  BUSMEM_DATASIZE,
  PagePool,
  ShmifBus,
  ShmifError,
  busSizeFor,
  parseBusFile,
} from '@kspec/shared-memory';
import { writeFileAtomic, type PendingOutput } from '@kspec/statecharts/node';
import { busSeedProblem } from './bus-check.js';
import { ScenarioError } from './codec.js';

/**
 * Options of {@link SharedMemoryRoom}.
 * @category Engine
 */
export interface SharedMemoryOptions {
  /** The bus file to load (when it exists) and to write at the end. */
  readonly busFile?: string;
  /** The bus's data area size (default `BUSMEM_DATASIZE`, a 1 MiB bus file). */
  readonly dataSize?: number;
}

/**
 * The bus lock's watchdog: a thread spinning on the lock this long gives up with a
 * `lockWedged` error instead of hanging the run (the holder died, e.g. a rump kernel that
 * panicked with the lock held). rump itself has no such limit.
 * @category Engine
 */
export const BUS_LOCK_WATCHDOG_MS = 5_000;

/**
 * The memory the subsystems of one run share.
 * @category Engine
 */
export class SharedMemoryRoom {
  private bus: ShmifBus | null = null;
  /** The path the shmif interfaces attach to (the bus file, or a name for the in-memory bus). */
  readonly busPath: string;
  readonly dataSize: number;

  constructor(private readonly options: SharedMemoryOptions = {}) {
    this.dataSize = options.dataSize ?? BUSMEM_DATASIZE;
    this.busPath = options.busFile ?? 'shm:kspec-bus';
  }

  /**
   * Checks the bus file before anything runs (bad input: exit 2, nothing written): when it
   * exists it must be a bus of this data size with a valid header and frames, that the seed
   * can attach to and run on ({@link busSeedProblem}).
   */
  preflight(): void {
    const file = this.options.busFile;
    if (file === undefined || !existsSync(file)) return;
    const st = statSync(file);
    if (!st.isFile()) throw new ScenarioError(`--bus-file ${file}: not a regular file`);
    if (st.size !== busSizeFor(this.dataSize)) {
      throw new ScenarioError(
        `--bus-file ${file}: ${st.size} bytes, but the scenario's bus (data size ${this.dataSize}) is ${busSizeFor(this.dataSize)} bytes`,
      );
    }
    this.load(file);
  }

  private load(file: string): ShmifBus {
    try {
      const parsed = parseBusFile(new Uint8Array(readFileSync(file)), { dataSize: this.dataSize });
      const problem = busSeedProblem(parsed.image, this.dataSize);
      if (problem) throw new ScenarioError(`--bus-file ${file}: ${problem}`);
      return ShmifBus.fromImage(parsed.image, {
        dataSize: this.dataSize,
        lock: { timeoutMs: BUS_LOCK_WATCHDOG_MS },
      });
    } catch (err) {
      if (err instanceof ShmifError) throw new ScenarioError(`--bus-file ${file}: ${err.message}`);
      throw err;
    }
  }

  /** The shmif bus (created, or loaded from the bus file, on first use). */
  shmifBus(): ShmifBus {
    if (this.bus) return this.bus;
    const file = this.options.busFile;
    this.bus =
      file !== undefined && existsSync(file)
        ? this.load(file)
        : ShmifBus.create({ dataSize: this.dataSize, lock: { timeoutMs: BUS_LOCK_WATCHDOG_MS } });
    return this.bus;
  }

  private pool: PagePool | null = null;

  /**
   * The run's physical page pool: created with `ramBytes` by the first caller; later callers get
   * the same pool (and an error when they ask for a different size).
   */
  pagePool(ramBytes: number): PagePool {
    if (this.pool === null) this.pool = new PagePool({ ramBytes });
    else if (this.pool.pageCount * this.pool.pageSize !== ramBytes) {
      throw new ScenarioError(
        `page pool: ${ramBytes} bytes asked for, but the run's pool has ${this.pool.pageCount * this.pool.pageSize}`,
      );
    }
    return this.pool;
  }

  /** The page pool, when a subsystem has created it. */
  get pagePoolInUse(): PagePool | null {
    return this.pool;
  }

  /** True once a subsystem has used the bus. */
  get busInUse(): boolean {
    return this.bus !== null;
  }

  /**
   * Writes the bus back to the bus file (when one was given and the bus was used): into
   * `output` when the caller reserved it, else through a temporary file renamed over it.
   */
  save(output?: PendingOutput): string | null {
    const file = this.options.busFile;
    if (file === undefined || this.bus === null) return null;
    if (output) output.write(this.bus.toImage());
    else writeFileAtomic(file, this.bus.toImage(), '--bus-file');
    return file;
  }
}
