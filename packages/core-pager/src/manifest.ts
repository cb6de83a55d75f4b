/**
 * The `SubsystemManifest` of `@kspec/core-pager`: its machines (for export, docs and the
 * viewer), its check models, invariants and findings.
 *
 * @module
 */
import type { SubsystemManifest } from '@kspec/spec-kit';
import { CORE_CHECK_MODELS, SMALL_BOOT_INFO, SMALL_KIP, pagerCheckInput, platformInput } from './check.js';
import { SEED } from './constants.js';
import { CORE_FINDINGS } from './findings.js';
import { PAGER_INVARIANTS, PLATFORM_INVARIANTS } from './invariants.js';
import { corePagerMachine } from './pager/machine.js';
import { corePlatformMachine } from './platform/machine.js';

/**
 * What `@kspec/core-pager` publishes.
 * @category Manifest
 */
export const manifest: SubsystemManifest = {
  package: '@kspec/core-pager',
  name: 'core-pager',
  title:
    'Genode core on L4/Pistachio: the core pager loop, sigma0 and platform memory setup (platform.cc, Genode 76db3b9c06)',
  seed: SEED,
  machines: [
    {
      name: 'corePager',
      machine: corePagerMachine,
      description:
        "The core pager thread: _core_pager_loop with wait_for_page_fault / reply_and_wait_for_page_fault, the echo path, the null-pointer and outside-RAM checks, sigma0's GetPage and the reply map item.",
      input: pagerCheckInput(),
      sampleEvents: [
        { type: 'ipc.receive', from: 0xbff00400, tag: 0xffe40002, words: [0x3123, 0x1000] },
        { type: 'ipc.receive', from: 0xbff00400, tag: 0x2, words: [0x2000, 0] },
        { type: 'ipc.receive', from: 0x010c0002, tag: 0xffe20002, words: [0x10, 0x1000] },
        { type: 'ipc.receive', from: 0xbff00400, tag: 0x1, words: [0x5000] },
        { type: 'ipc.error' },
      ],
    },
    {
      name: 'corePlatform',
      machine: corePlatformMachine,
      description:
        'Platform construction in the C order: init_kip, the constructed-twice check, _setup_basics, _setup_preemption, _setup_mem_alloc (sigma0 chunks, largest page size first), I/O ports, IRQs, _setup_rom, core main; then Platform::core_pager().',
      input: platformInput(SMALL_KIP, SMALL_BOOT_INFO),
      sampleEvents: [
        { type: 'construct' },
        { type: 'corePager' },
        { type: 'env.sigma0Refuses', request: 128 },
      ],
    },
  ],
  // Monitor<S, E>.observe is contravariant in E, so typed models need a widening cast here.
  models: CORE_CHECK_MODELS as unknown as SubsystemManifest['models'],
  invariants: [...PAGER_INVARIANTS, ...PLATFORM_INVARIANTS] as unknown as SubsystemManifest['invariants'],
  findings: CORE_FINDINGS,
};
