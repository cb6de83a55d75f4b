/**
 * The `SubsystemManifest` of `@kspec/cmm`: its machine (for export, the docs and the viewer),
 * its check models, invariants and findings.
 *
 * @module
 */
import type { SubsystemManifest } from '@kspec/spec-kit';
import { cmmCheckModels } from './check.js';
import { SEED } from './constants.js';
import { cmmFindings } from './findings.js';
import { cmmInvariants } from './invariants.js';
import { cmmMachine } from './machine/machine.js';

/**
 * What `@kspec/cmm` publishes.
 * @category Manifest
 */
export const manifest: SubsystemManifest = {
  package: '@kspec/cmm',
  name: 'cmm',
  title: 'IBM pseries CMM: the Collaborative Memory Manager balloon (arch/powerpc/platforms/pseries/cmm.c)',
  seed: SEED,
  machines: [
    {
      name: 'cmm',
      machine: cmmMachine,
      description:
        'One CMM module and the kernel around it: cmm_init and cmm_exit (region module), the balloon thread cmm_thread with cmm_get_mpp, cmm_alloc_pages and cmm_free_pages (thread), the OOM, memory-hotplug and reboot notifiers (oom, memory, reboot) and the module-parameter writes with cmm_set_disable (param), racing each other; sysfs stores and the hypervisor loan policy act on the whole kernel; a BUG, an oops or a hung task ends in crashed.',
      input: {
        ramBytes: 16 * 4096,
        params: { min_mem_mb: 0, oom_kb: 8 },
        loanPolicy: { kind: 'target', bytes: 8n * 4096n },
      },
      sampleEvents: [
        { type: 'module.init' },
        { type: 'module.run' },
        { type: 'thread.wake' },
        { type: 'thread.run' },
        { type: 'thread.step' },
        { type: 'oom.notify' },
        { type: 'oom.run' },
        { type: 'memory.notify', action: 'GOING_OFFLINE' },
        { type: 'memory.notify', action: 'OFFLINE' },
        { type: 'reboot.notify', action: 'RESTART' },
        { type: 'reboot.run' },
        { type: 'param.set', name: 'disable', value: '1' },
        { type: 'param.run' },
        { type: 'sysfs.store', attr: 'oom_freed_kb', value: '0' },
        { type: 'hv.loanTarget', bytes: '16384' },
        { type: 'module.exit' },
      ],
    },
  ],
  models: cmmCheckModels as unknown as SubsystemManifest['models'],
  invariants: cmmInvariants,
  findings: cmmFindings,
};
