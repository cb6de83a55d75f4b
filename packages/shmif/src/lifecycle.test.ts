// The interface lifecycle in the C order of if_shmem.c rev 1.33: rump_shmif_create (278-318),
// shmif_clone (320-339), allocif (145-199), initbackend (201-256), shmif_init (372-392),
// shmif_stop (555-570), shmif_unclone (341-370), finibackend (258-276).
import { NETBSD_ERRNO } from '@kspec/spec-kit';
import { SHMIF_MAGIC, busImageRead, getFirst, getGenNumber, getLast, getMagic } from '@kspec/shared-memory';
import { createActor } from 'xstate';
import { describe, expect, it } from 'vitest';
import { BUS, FOREIGN, harness } from '../test/harness.js';
import { IFF_BROADCAST, IFF_MULTICAST, IFF_RUNNING, IFF_UP } from './constants.js';
import { SHMIF_SCENARIOS } from './check.js';
import { shmifBusSystemMachine } from './machine/machines.js';
import { seededRandomness } from './ports.js';
import { SCENARIO_BUS, scenarioContext } from './scenario.js';
import { createUnitArena, vmemXalloc } from './units.js';

describe('rump_shmif_create (278-318) and allocif (145-199)', () => {
  it('opens the path, takes unit = arena address - 1, builds b2:a0 + arc4random bytes, spawns the receiver, attaches', () => {
    const h = harness({ seed: 42 });
    const r = h.send({ type: 'if.create', path: BUS });
    expect(r).toEqual({ op: 'create', rv: 0, unit: 0 }); // 313-317
    expect(h.ctx.kernel.units.taken).toEqual([1]); // 291-292: unit 0 is arena address 1
    const { value } = seededRandomness.arc4random(42); // 154-155: memcpy of the u32 in host (LE) order
    expect(h.sc.myaddr).toEqual([
      0xb2,
      0xa0,
      value & 0xff,
      (value >>> 8) & 0xff,
      (value >>> 16) & 0xff,
      value >>> 24,
    ]);
    expect(h.sc.flags).toBe(IFF_BROADCAST | IFF_MULTICAST); // 166
    expect(h.sc.rcvl).toBe(true); // 186-189
    expect(h.region('rcv')).toBe('reup'); // the thread waits for IFF_RUNNING (622-626)
    expect(h.sc.backfile).toBe(BUS); // 309-311
    expect(h.sc.backfilelen).toBe(BUS.length + 1);
    expect(h.sc.fds.map((f) => f.kind)).toEqual(['file', 'kq']); // 286, 247
    expect(h.sc.memfd).toBe(h.sc.fds[0]!.fd); // 253
    expect(h.sc.maps.map((m) => m.path)).toEqual([BUS]); // 208
  });

  it('a second create takes the next unit; the units are offset by one in the arena', () => {
    let units = createUnitArena();
    const a = harness({ units });
    a.send({ type: 'if.create' });
    units = a.ctx.kernel.units;
    const b = harness({ units });
    expect(b.send({ type: 'if.create' })).toEqual({ op: 'create', rv: 0, unit: 1 });
    expect(b.ctx.kernel.units.taken).toEqual([1, 2]);
  });

  it('without a path: no backend, no descriptor, and init returns ENXIO (378-379)', () => {
    const h = harness();
    expect(h.send({ type: 'if.create' })).toEqual({ op: 'create', rv: 0, unit: 0 }); // 300-301
    expect(h.sc.memfd).toBe(-1);
    expect(h.sc.fds).toEqual([]);
    expect(h.send({ type: 'if.up' })).toEqual({ op: 'init', rv: NETBSD_ERRNO.ENXIO });
    expect(h.sc.flags & IFF_UP).toBe(IFF_UP); // SIOCSIFFLAGS left IFF_UP set
    expect(h.sc.flags & IFF_RUNNING).toBe(0);
  });

  it('an open failure returns its errno before a unit is taken (286-288)', () => {
    const h = harness({ openErrors: { '/nodir/bus': NETBSD_ERRNO.ENOENT } });
    expect(h.send({ type: 'if.create', path: '/nodir/bus' })).toEqual({
      op: 'create',
      rv: NETBSD_ERRNO.ENOENT,
    });
    expect(h.region('ifnet')).toBe('createFailed');
    expect(h.ctx.kernel.units.taken).toEqual([]);
  });

  it('with threads disabled, no receiver is created and the interface never receives (190-192)', () => {
    const h = harness({ threads: false });
    h.send({ type: 'if.create', path: BUS });
    h.send({ type: 'if.up' });
    expect(h.sc.rcvl).toBe(false);
    expect(h.region('rcv')).toBe('notSpawned');
    h.send({ type: 'if.destroy' });
    expect(h.region('ifnet')).toBe('destroyed'); // unclone joins nothing (355-357)
  });

  it('a failing kthread_create unclones, closes the memfd and returns the error (194-197, 294-297)', () => {
    const h = harness({ faults: { kthreadCreate: NETBSD_ERRNO.EAGAIN } });
    expect(h.send({ type: 'if.create', path: BUS })).toEqual({ op: 'create', rv: NETBSD_ERRNO.EAGAIN });
    expect(h.region('ifnet')).toBe('createFailed');
    expect(h.sc.fds).toEqual([]);
    expect(h.ctx.kernel.units.taken).toEqual([]); // 359
  });
});

describe('shmif_clone (320-339)', () => {
  it('reserves exactly the unit asked for (unit+1 in the arena) and attaches without a bus', () => {
    const h = harness();
    expect(h.send({ type: 'if.clone', unit: 5 })).toEqual({ op: 'clone', rv: 0, unit: 5 });
    expect(h.ctx.kernel.units.taken).toEqual([6]);
    expect(h.sc.memfd).toBe(-1);
  });

  it('KASSERT(unit2-1 == unit) is a guarded transition to panicked (336)', () => {
    // arena address 4 (unit 3) taken but 5 free: vmem_xalloc over [4, 6) returns 5
    const taken = vmemXalloc(createUnitArena(), 4, 5);
    if (!taken.ok) throw new Error('setup');
    const h = harness({ units: taken.arena });
    h.send({ type: 'if.clone', unit: 3 });
    expect(h.actor.getSnapshot().value).toBe('panicked');
    expect(h.ctx.panic).toMatchObject({ kind: 'kassert', fn: 'shmif_clone', lines: [336, 336] });
  });
});

describe('initbackend (201-256)', () => {
  it('the first attacher initialises magic and shm_first = BUSMEM_DATASIZE under the lock (228-232)', () => {
    const h = harness({ dataSize: 256 });
    h.send({ type: 'if.create', path: BUS });
    expect(h.header()).toEqual({ magic: SHMIF_MAGIC, first: 256, last: 0, gen: 0 });
    expect(h.bus((m) => m.view.getUint32(24, true))).toBe(0); // unlocked again (245)
  });

  it('a later attacher leaves the bus alone and starts its reader at (shm_last, shm_gen) (228-235)', () => {
    const sc = { ...SHMIF_SCENARIOS.attachAfterWrap };
    const a = createActor(shmifBusSystemMachine, { input: { context: scenarioContext(sc) } });
    a.start();
    const before = busImageRead(a.getSnapshot().context.host.buses[SCENARIO_BUS]!, (m) => ({
      magic: getMagic(m),
      first: getFirst(m),
      last: getLast(m),
      gen: getGenNumber(m),
    }));
    expect(before).toEqual({ magic: SHMIF_MAGIC, first: 12, last: 38, gen: 1 }); // the peer wrapped once
    a.send({ type: 'if.create', path: SCENARIO_BUS });
    a.send({ type: 'ifnet.step' });
    const me = a.getSnapshot().context.ifs[1]!;
    expect([me.nextpacket, me.devgen]).toEqual([38, { hi: 0, lo: 1 }]);
    const after = busImageRead(a.getSnapshot().context.host.buses[SCENARIO_BUS]!, (m) => getFirst(m));
    expect(after).toBe(12); // not re-initialised: magic was set (229)
  });

  it('a file that is not magical: ENOEXEC, the mapping is undone (214-219)', () => {
    const h = harness();
    h.send({ type: 'if.create', path: FOREIGN });
    expect(h.region('ifnet')).toBe('createFailed');
    expect(h.result()).toEqual({ op: 'create', rv: NETBSD_ERRNO.ENOEXEC });
    expect(h.sc.maps).toEqual([]);
  });

  it('a failing filemmap returns its error with nothing mapped (208-212)', () => {
    const h = harness({ faults: { mmap: NETBSD_ERRNO.ENOMEM } });
    h.send({ type: 'if.create', path: BUS });
    expect(h.result()).toEqual({ op: 'create', rv: NETBSD_ERRNO.ENOMEM });
    expect(h.sc.maps).toEqual([]);
  });

  it('a failing write-watch set-up unmaps and returns its error (247-251)', () => {
    const h = harness({ faults: { watchSetup: NETBSD_ERRNO.ENOSPC } });
    h.send({ type: 'if.create', path: BUS });
    expect(h.result()).toEqual({ op: 'create', rv: NETBSD_ERRNO.ENOSPC });
    expect(h.sc.maps).toEqual([]);
    expect(h.sc.kq).toBe(-1);
  });
});

describe('shmif_init (372-392) and shmif_stop (555-570)', () => {
  it('init sets IFF_RUNNING, resets the reader to (shm_last, shm_gen) and wakes the receiver', () => {
    const h = harness();
    h.send({ type: 'if.create', path: BUS });
    expect(h.send({ type: 'if.up' })).toEqual({ op: 'init', rv: 0 });
    expect(h.sc.flags & (IFF_UP | IFF_RUNNING)).toBe(IFF_UP | IFF_RUNNING);
    expect(h.region('rcv')).toBe('waitingForWrite'); // the receiver ran to its wait (651)
  });

  it('stop clears IFF_RUNNING and the wake-up pwrite lets the receiver leave its loop (560-569, 630, 712-713)', () => {
    const h = harness();
    h.send({ type: 'if.create', path: BUS });
    h.send({ type: 'if.up' });
    h.send({ type: 'if.down' });
    expect(h.sc.flags & (IFF_UP | IFF_RUNNING)).toBe(0);
    expect(h.bus((m) => m.view.getUint32(4, true))).toBe(2); // shm_version = SHMIF_VERSION at IFMEM_WAKEUP
    expect(h.region('rcv')).toBe('reup');
  });
});

describe('shmif_unclone (341-370)', () => {
  it('in order: stop, if_down, finibackend, dying, join, free the unit', () => {
    const h = harness();
    h.send({ type: 'if.create', path: BUS });
    h.send({ type: 'if.up' });
    h.raw({ type: 'if.destroy' }); // 346: shmif_stop
    expect(h.region('ifnet')).toBe('unclone.stopped');
    expect(h.sc.flags & IFF_RUNNING).toBe(0);
    h.raw({ type: 'ifnet.step' }); // 347-348: if_down, finibackend
    expect(h.region('ifnet')).toBe('unclone.backendReleased');
    expect(h.sc.flags & IFF_UP).toBe(0);
    expect(h.sc.maps).toEqual([]);
    expect(h.sc.fds).toEqual([]);
    expect(h.sc.memfd).toBe(-1);
    h.raw({ type: 'ifnet.step' }); // 350-353
    expect(h.sc.dying).toBe(true);
    h.raw({ type: 'ifnet.step' }); // 355: join must wait for the thread
    expect(h.region('ifnet')).toBe('unclone.joining');
    h.raw({ type: 'rcv.step' }); // the closed kqueue fails the wait (651-654)
    h.raw({ type: 'rcv.step' }); // !IFF_RUNNING, dying: kthread_exit (709-715)
    expect(h.region('rcv')).toBe('exited');
    expect(h.sc.rx.waitError).toBe(9);
    h.raw({ type: 'ifnet.step' }); // 355-367
    expect(h.region('ifnet')).toBe('destroyed');
    expect(h.ctx.kernel.units.taken).toEqual([]); // 359: sc_unit + 1 freed
    expect(h.sc.allocated).toBe(false);
  });
});
