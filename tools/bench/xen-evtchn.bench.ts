/**
 * xen-evtchn: interrupts + reads per second with 4096 bound ports, through the @kspec/xen-evtchn
 * facade (the statechart path) and through a plain-TypeScript ring with the same logic (the
 * floor), side by side in one run.
 *
 * One cycle: every port is raised once (4096 interrupts, each pushing its port), the ring is
 * drained with PAGE_SIZE reads (4 reads of 1024 ports), and the ports are written back
 * (4 writes of 1024 ports, each a late EOI). Work counted per cycle: 4096 interrupts + 4 reads.
 * The facade is measured twice: with `raiseMany` (one machine step for all raises, the guest's
 * upcall handling them in order) and with `raise()` per port (one machine step per interrupt,
 * a partial cycle of 256 ports).
 */
import { openEvtchn, type EvtchnDevice } from '@kspec/xen-evtchn';

const PORTS = 4096;
const PAGE_PORTS = 1024;

/** The floor: the same ring logic on typed arrays, no statechart, no snapshots. */
class PlainRing {
  size = 0;
  ring = new Uint32Array(0);
  cons = 0;
  prod = 0;
  overflow = false;
  enabled = new Uint8Array(PORTS + 1);
  masked = new Uint8Array(PORTS + 1);
  pending = new Uint8Array(PORTS + 1);
  bind(port: number, nr: number): void {
    if (nr > this.size) {
      const n = this.size === 0 ? 64 : 2 * this.size;
      const r = new Uint32Array(n);
      r.set(this.ring, 0);
      r.set(this.ring, this.size);
      this.ring = r;
      this.size = n;
    }
    this.enabled[port] = 1;
  }
  raise(port: number): void {
    this.pending[port] = 1;
    if (this.masked[port]) return;
    this.pending[port] = 0;
    this.masked[port] = 1;
    this.enabled[port] = 0;
    const prod = this.prod;
    const cons = this.cons;
    if ((prod - cons) >>> 0 < this.size) {
      this.ring[prod & (this.size - 1)] = port;
      this.prod = (prod + 1) >>> 0;
    } else this.overflow = true;
  }
  read(out: Uint32Array): number {
    if (this.overflow) return -27;
    const c = this.cons;
    const p = this.prod;
    if (c === p) return -11;
    const n = Math.min((p - c) >>> 0, out.length);
    for (let i = 0; i < n; i++) out[i] = this.ring[(c + i) & (this.size - 1)] as number;
    this.cons = (c + n) >>> 0;
    return n * 4;
  }
  write(ports: Uint32Array, n: number): void {
    for (let i = 0; i < n; i++) {
      const p = ports[i] as number;
      if (!this.enabled[p]) {
        this.enabled[p] = 1;
        this.masked[p] = 0;
        if (this.pending[p]) this.raise(p);
      }
    }
  }
}

function cyclePlain(r: PlainRing, buf: Uint32Array): number {
  for (let p = 1; p <= PORTS; p++) r.raise(p);
  let reads = 0;
  for (;;) {
    const rc = r.read(buf);
    if (rc < 0) break;
    reads++;
    r.write(buf, rc / 4);
  }
  return PORTS + reads;
}

const ALL_PORTS = Array.from({ length: PORTS }, (_, i) => i + 1);

/** The batched path: one upcall event for the 4096 raises (raiseMany), then reads and writes. */
function cycleFacade(d: EvtchnDevice): number {
  d.raiseMany(ALL_PORTS);
  let reads = 0;
  for (;;) {
    const r = d.read(4096);
    if (r.rc < 0) break;
    reads++;
    d.write(r.data);
  }
  return PORTS + reads;
}

/** The per-port path: raise() of each port is its own machine step (a partial cycle of 256 ports). */
function cycleFacadePerPort(d: EvtchnDevice): number {
  for (let p = 1; p <= 256; p++) d.raise(p);
  const r = d.read(4096);
  d.write(r.data);
  return 256 + 1;
}

function measure(name: string, cycle: () => number, minMs: number): number {
  cycle(); // warm-up
  let ops = 0;
  let cycles = 0;
  const t0 = performance.now();
  let t = t0;
  while (t - t0 < minMs) {
    ops += cycle();
    cycles++;
    t = performance.now();
  }
  const perSec = (ops / (t - t0)) * 1000;
  console.log(
    `${name.padEnd(34)} ${perSec.toFixed(0).padStart(12)} interrupts+reads/s  (${cycles} cycles in ${(t - t0).toFixed(0)} ms)`,
  );
  return perSec;
}

const plain = new PlainRing();
for (let p = 1; p <= PORTS; p++) plain.bind(p, p);
const buf = new Uint32Array(PAGE_PORTS);

const t0 = performance.now();
const dev = openEvtchn({ nonblock: true });
for (let i = 0; i < PORTS; i++) dev.bindUnboundPort(1);
console.log(
  `bound ${dev.boundPorts.length} ports through the facade in ${(performance.now() - t0).toFixed(0)} ms (ring ${dev.snapshot.context.ring.size} slots)`,
);

const minMs = Number(process.env['BENCH_MS'] ?? 3000);
const floor = measure('plain TypeScript ring (floor)', () => cyclePlain(plain, buf), minMs);
const facade = measure('facade, raiseMany (batched upcall)', () => cycleFacade(dev), minMs);
const perPort = measure('facade, raise() per port', () => cycleFacadePerPort(dev), minMs);
console.log(
  `ratio (batched upcall): facade is ${(floor / facade).toFixed(1)}x slower than the plain ring (target: within 5x)`,
);
console.log(
  `ratio (raise() per port): facade is ${(floor / perPort).toFixed(1)}x slower than the plain ring`,
);
