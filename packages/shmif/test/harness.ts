// Test harness: a live interface actor over the pure (image) host, driven synchronously.
import {
  createBusImage,
  busImageApply,
  busImageRead,
  setMagic,
  getFirst,
  getLast,
  getGenNumber,
  getMagic,
} from '@kspec/shared-memory';
import type { ShmifMem } from '@kspec/shared-memory';
import { createActor } from 'xstate';
import type { ShmifContext, ShmifEvent, ShmifFaults } from '../src/context.js';
import { Driver } from '../src/driver.js';
import { createShmifContext } from '../src/init.js';
import { shmifInterfaceMachine } from '../src/machine/machines.js';
import { hostWithBuses, imageHostPort } from '../src/ports.js';
import type { UnitArena } from '../src/units.js';

export const BUS = '/shmbus';
export const FOREIGN = '/notbus';

export interface HarnessOptions {
  dataSize?: number;
  threads?: boolean;
  faults?: ShmifFaults;
  openErrors?: Record<string, number>;
  units?: UnitArena;
  seed?: number;
  onInput?: (i: number, f: Uint8Array) => void;
  uptime?: () => { readonly sec: number; readonly usec: number };
}

export function harness(o: HarnessOptions = {}) {
  const dataSize = o.dataSize ?? 256;
  const host = imageHostPort({ dataSize, openErrors: o.openErrors ?? {} });
  const foreign = busImageApply(createBusImage(dataSize), (m) => setMagic(m, 0xdeadbeef)).image;
  const ctx = createShmifContext({
    host,
    hostState: hostWithBuses({ [FOREIGN]: foreign }),
    threads: o.threads ?? true,
    faults: o.faults ?? {},
    seed: o.seed ?? 1,
    ghostPath: BUS,
    ...(o.units ? { units: o.units } : {}),
    ...(o.onInput ? { onInput: o.onInput } : {}),
    ...(o.uptime ? { uptime: o.uptime } : {}),
    mclbytes: 2048,
  });
  const actor = createActor(shmifInterfaceMachine, { input: { context: ctx } });
  actor.start();
  const driver = new Driver(actor);
  const h = {
    actor,
    driver,
    send(e: ShmifEvent) {
      driver.send(e);
      return h.result();
    },
    /** Sends an event without running any thread afterwards. */
    raw(e: ShmifEvent) {
      actor.send(e);
    },
    get ctx(): ShmifContext {
      return actor.getSnapshot().context;
    },
    get sc() {
      return actor.getSnapshot().context.ifs[0]!;
    },
    result() {
      return actor.getSnapshot().context.ifs[0]!.result;
    },
    region(name: 'ifnet' | 'tx' | 'rcv'): string {
      const v = actor.getSnapshot().value as { kernel?: Record<string, unknown> } | string;
      if (typeof v === 'string') return v;
      const r = v.kernel?.[name];
      if (typeof r === 'string') return r;
      const [k, sub] = Object.entries(r as Record<string, unknown>)[0]!;
      return typeof sub === 'string' ? `${k}.${sub}` : k;
    },
    bus<R>(fn: (m: ShmifMem) => R, path = BUS): R {
      return busImageRead(actor.getSnapshot().context.host.buses[path]!, fn);
    },
    header(path = BUS) {
      return h.bus(
        (m) => ({ magic: getMagic(m), first: getFirst(m), last: getLast(m), gen: getGenNumber(m) }),
        path,
      );
    },
  };
  return h;
}

/** An Ethernet frame from `src` with `n` in the type field, `len` bytes. */
export function frame(src: readonly number[] | Uint8Array, n: number, len = 14): number[] {
  const f = [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, ...src, 0x88, n];
  while (f.length < len) f.push(n);
  return f;
}
