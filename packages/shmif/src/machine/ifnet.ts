/**
 * The `ifnet` region: the interface's entry points as one thread of control, in the C order
 * of if_shmem.c rev 1.33 — `rump_shmif_create` (278-318) and `shmif_clone` (320-339) through
 * `allocif` (145-199) and `initbackend` (201-256); then, attached, `shmif_ioctl` (394-483),
 * `shmif_init` (372-392) on `if.up`, `shmif_stop` (555-570) on `if.down`; and
 * `shmif_unclone` (341-370) on `if.destroy` or when create fails after `allocif`.
 *
 * Steps: eventless transitions run together (one atomic step); a state that waits for
 * `ifnet.step` is an interleaving point (the bus lock in `initbackend`, each step of
 * `shmif_unclone` that the receiver thread can race).
 *
 * Outside the seed, as the driver sees it: `SIOCSIFFLAGS` sets `IFF_UP` and calls `if_init`
 * unless the interface is already running (a failed init leaves `IFF_UP` set); taking it down
 * calls `if_down` and then `if_stop` when running.
 *
 * @module
 */
import { NETBSD_ERRNO } from '@kspec/spec-kit';
import { ENAMETOOLONG } from '../constants.js';
import { act, ev, gd, kassert, source, type RegionConfig } from './util.js';

const { EBUSY, EINVAL, E2BIG, ENXIO } = NETBSD_ERRNO;

/**
 * The `ifnet` region for interface `i` (state ids prefixed `ifnet`).
 * @category Machines
 */
export function ifnetRegion(i: number): RegionConfig {
  const p = { i };
  const a = (type: string) => act(type, p);
  const G = (type: string) => gd(type, p);
  const ret = (op: string, rv: number) => ({ type: 'returnErrno', params: { i, op, rv } });
  return {
    initial: 'unattached',
    meta: source('rump_shmif_create', 278, 318),
    states: {
      unattached: {
        meta: source('rump_shmif_create', 278, 283),
        on: {
          [ev('if.create')]: {
            target: 'attaching.opening',
            actions: a('createBegin'),
            meta: source('rump_shmif_create', 278, 283),
          },
          [ev('if.clone')]: {
            target: 'attaching.reservingUnit',
            actions: a('cloneBegin'),
            meta: source('shmif_clone', 320, 333),
          },
        },
      },
      attaching: {
        meta: source('rump_shmif_create', 278, 318),
        initial: 'opening',
        states: {
          opening: {
            meta: source('rump_shmif_create', 285, 289),
            always: [
              { guard: G('hasNoPath'), target: 'allocatingUnit', meta: source('rump_shmif_create', 285) },
              {
                guard: G('isCreateOpenFailing'),
                target: '#ifnetCreateFailed',
                actions: a('returnCreateOpenError'),
                meta: source('rump_shmif_create', 286, 288),
              },
              { target: 'allocatingUnit', actions: a('openBusFile'), meta: source('rump_shmif_create', 286) },
            ],
          },
          allocatingUnit: {
            meta: source('rump_shmif_create', 291, 292),
            always: [
              {
                guard: G('isUnitArenaExhausted'),
                target: 'sleepingInVmem',
                meta: source('rump_shmif_create', 291, 292),
              },
              { target: 'allocif', actions: a('allocUnit'), meta: source('rump_shmif_create', 291, 292) },
            ],
          },
          sleepingInVmem: { meta: source('rump_shmif_create', 291, 292) },
          reservingUnit: {
            meta: source('shmif_clone', 334, 336),
            always: [
              {
                guard: G('isCloneUnitMismatch'),
                target: '#panicked',
                actions: kassert(i, 'shmif_clone', 'unit2-1 == unit', 336),
                meta: source('shmif_clone', 334, 336),
              },
              { target: 'allocif', actions: a('reserveUnit'), meta: source('shmif_clone', 334, 335) },
            ],
          },
          allocif: {
            meta: source('allocif', 146, 184),
            always: { target: 'spawningReceiver', actions: a('allocif'), meta: source('allocif', 148, 183) },
          },
          spawningReceiver: {
            meta: source('allocif', 185, 198),
            always: [
              { guard: G('isThreadsDisabled'), target: 'afterAllocif', meta: source('allocif', 190, 192) },
              {
                guard: G('isKthreadCreateFailing'),
                target: '#ifnetUnclone',
                actions: [a('uncloneForAllocifFailure'), a('shmifStop')],
                meta: source('allocif', 194, 196),
              },
              { target: 'afterAllocif', actions: a('kthreadCreate'), meta: source('allocif', 186, 189) },
            ],
          },
          afterAllocif: {
            meta: source('rump_shmif_create', 294, 303),
            always: [
              {
                guard: G('isViaClone'),
                target: '#ifnetAttached',
                actions: a('returnCloneUnit'),
                meta: source('shmif_clone', 338),
              },
              {
                guard: G('hasNoPath'),
                target: '#ifnetAttached',
                actions: a('returnCreateUnit'),
                meta: source('rump_shmif_create', 300, 317),
              },
              { target: '#ifnetInitbackend', meta: source('rump_shmif_create', 303) },
            ],
          },
        },
      },
      initbackend: {
        id: 'ifnetInitbackend',
        meta: source('initbackend', 201, 256),
        initial: 'mapping',
        states: {
          mapping: {
            meta: source('initbackend', 208, 212),
            always: [
              {
                guard: G('isMmapFailing'),
                target: 'failed',
                actions: a('setMmapError'),
                meta: source('initbackend', 208, 212),
              },
              { target: 'checkingMagic', actions: a('mapBus'), meta: source('initbackend', 208, 210) },
            ],
          },
          checkingMagic: {
            meta: source('initbackend', 214, 225),
            always: [
              {
                guard: G('isBusNotMagical'),
                target: 'failed',
                actions: [a('unmapBus'), a('setEnoexec')],
                meta: source('initbackend', 214, 219),
              },
              { target: 'lockingBus', meta: source('initbackend', 221, 225) },
            ],
          },
          lockingBus: {
            meta: source('initbackend', 227),
            on: {
              [ev('ifnet.step')]: {
                guard: G('canInitbackendLock'),
                target: 'initialisingBus',
                actions: a('initbackendLock'),
                meta: source('initbackend', 227),
              },
            },
          },
          initialisingBus: {
            meta: source('initbackend', 228, 245),
            always: {
              target: 'settingUpWatch',
              actions: [a('initBusAndReader'), a('initbackendUnlock')],
              meta: source('initbackend', 228, 245),
            },
          },
          settingUpWatch: {
            meta: source('initbackend', 247, 255),
            always: [
              { guard: G('hasPanicked'), target: '#panicked', meta: source('shmif_unlockbus', 142) },
              {
                guard: G('isWatchSetupFailing'),
                target: 'failed',
                actions: [a('watchSetupFailed'), a('unmapBus')],
                meta: source('initbackend', 247, 251),
              },
              { target: 'done', actions: a('setupWatch'), meta: source('initbackend', 247, 253) },
            ],
          },
          done: {
            meta: source('initbackend', 253, 255),
            always: [
              {
                guard: G('isViaIoctl'),
                target: '#ifnetAttached',
                actions: a('slinkstrRecordBackfile'),
                meta: source('shmif_ioctl', 470, 473),
              },
              {
                target: '#ifnetAttached',
                actions: a('recordBackfileFromCreate'),
                meta: source('rump_shmif_create', 309, 317),
              },
            ],
          },
          failed: {
            meta: source('initbackend', 211, 250),
            always: [
              {
                guard: G('isViaIoctl'),
                target: '#ifnetAttached',
                actions: a('slinkstrInitbackendFailed'),
                meta: source('shmif_ioctl', 464, 469),
              },
              {
                target: '#ifnetUnclone',
                actions: [a('uncloneForInitbackendFailure'), a('shmifStop')],
                meta: source('rump_shmif_create', 303, 306),
              },
            ],
          },
        },
      },
      attached: {
        id: 'ifnetAttached',
        meta: source('shmif_ioctl', 394, 483),
        on: {
          [ev('ioctl.SIOCGLINKSTR')]: [
            {
              guard: G('isGlinkstrWithoutBackfile'),
              actions: a('glinkstrEnoent'),
              meta: source('shmif_ioctl', 404, 410),
            },
            { guard: G('isQuerylen'), actions: a('glinkstrQuerylen'), meta: source('shmif_ioctl', 412, 416) },
            { guard: G('isCmdNonZero'), actions: a('glinkstrEinval'), meta: source('shmif_ioctl', 418, 421) },
            { actions: a('glinkstrCopyout'), meta: source('shmif_ioctl', 423, 425) },
          ],
          [ev('ioctl.SIOCSLINKSTR')]: [
            {
              guard: G('isSlinkstrWhileUp'),
              actions: ret('SIOCSLINKSTR', EBUSY),
              meta: source('shmif_ioctl', 427, 430),
            },
            { guard: G('isUnset'), actions: a('slinkstrUnset'), meta: source('shmif_ioctl', 432, 436) },
            {
              guard: G('isCmdNonZero'),
              actions: ret('SIOCSLINKSTR', EINVAL),
              meta: source('shmif_ioctl', 437, 439),
            },
            {
              guard: G('hasBackfileSet'),
              actions: ret('SIOCSLINKSTR', EBUSY),
              meta: source('shmif_ioctl', 440, 442),
            },
            {
              guard: G('isLenAboveMaxpathlen'),
              actions: ret('SIOCSLINKSTR', E2BIG),
              meta: source('shmif_ioctl', 445, 447),
            },
            {
              guard: G('isLenBelowOne'),
              actions: ret('SIOCSLINKSTR', EINVAL),
              meta: source('shmif_ioctl', 448, 451),
            },
            {
              guard: G('isCopyinstrFailing'),
              actions: ret('SIOCSLINKSTR', ENAMETOOLONG),
              meta: source('shmif_ioctl', 453, 458),
            },
            {
              guard: G('isSlinkstrOpenFailing'),
              actions: a('slinkstrReturnOpenError'),
              meta: source('shmif_ioctl', 459, 463),
            },
            {
              target: '#ifnetInitbackend',
              actions: [a('slinkstrBegin'), a('openBusFile')],
              meta: source('shmif_ioctl', 453, 464),
            },
          ],
          [ev('if.up')]: [
            {
              guard: G('isRunning'),
              actions: [a('setIffUp'), ret('init', 0)],
              meta: source('shmif_init', 372, 376),
            },
            {
              guard: G('hasNoMemfd'),
              actions: [a('setIffUp'), ret('init', ENXIO)],
              meta: source('shmif_init', 378, 379),
            },
            {
              guard: G('hasNoBusmem'),
              target: '#panicked',
              actions: [a('setIffUp'), kassert(i, 'shmif_init', 'sc->sc_busmem', 380)],
              meta: source('shmif_init', 380),
            },
            { actions: [a('setIffUp'), a('shmifInit')], meta: source('shmif_init', 382, 391) },
          ],
          [ev('if.down')]: [
            {
              guard: G('isRunning'),
              actions: [a('ifDown'), a('shmifStop'), ret('stop', 0)],
              meta: source('shmif_stop', 555, 570),
            },
            { actions: [a('ifDown'), ret('stop', 0)], meta: source('shmif_stop', 555, 570) },
          ],
          [ev('if.destroy')]: {
            target: '#ifnetUnclone',
            actions: [a('uncloneForDestroy'), a('shmifStop')],
            meta: source('shmif_unclone', 341, 346),
          },
        },
      },
      unclone: {
        id: 'ifnetUnclone',
        meta: source('shmif_unclone', 341, 370),
        initial: 'stopped',
        states: {
          stopped: {
            meta: source('shmif_unclone', 346),
            on: {
              [ev('ifnet.step')]: {
                target: 'backendReleased',
                actions: [a('ifDown'), a('finibackend')],
                meta: source('shmif_unclone', 347, 348),
              },
            },
          },
          backendReleased: {
            meta: source('shmif_unclone', 348),
            on: {
              [ev('ifnet.step')]: {
                target: 'joining',
                actions: a('markDying'),
                meta: source('shmif_unclone', 350, 353),
              },
            },
          },
          joining: {
            meta: source('shmif_unclone', 355, 357),
            on: {
              [ev('ifnet.step')]: {
                guard: G('isReceiverJoinable'),
                target: 'freed',
                actions: a('uncloneFinish'),
                meta: source('shmif_unclone', 355, 367),
              },
            },
          },
          freed: {
            meta: source('shmif_unclone', 359, 369),
            always: [
              {
                guard: G('isUncloneForDestroy'),
                target: '#ifnetDestroyed',
                actions: ret('destroy', 0),
                meta: source('shmif_unclone', 369),
              },
              {
                guard: G('isUncloneForAllocifFailure'),
                target: '#ifnetCreateFailed',
                actions: [a('closeCreateMemfd'), a('returnAttachError')],
                meta: source('rump_shmif_create', 294, 297),
              },
              {
                target: '#ifnetCreateFailed',
                actions: a('returnAttachError'),
                meta: source('rump_shmif_create', 303, 306),
              },
            ],
          },
        },
      },
      destroyed: { id: 'ifnetDestroyed', type: 'final', meta: source('shmif_unclone', 367, 370) },
      createFailed: { id: 'ifnetCreateFailed', type: 'final', meta: source('rump_shmif_create', 287, 306) },
    },
  };
}
