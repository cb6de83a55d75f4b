/**
 * The `param` region: writes to /sys/module/cmm/parameters, serialised by the module's
 * parameter lock, with `cmm_set_disable` (691-711) step by step.
 *
 * @module
 */
import { CRASHED, freeLoop, w, type RegionSpec, type TransitionSpec } from './types.js';

const D = 'cmm_set_disable';
const PARAMS = ['delay', 'hotplug_delay', 'oom_kb', 'min_mem_mb', 'debug'] as const;

/** Writes to /sys/module/cmm/parameters, serialised by the module's parameter lock. @category Machine */
export const PARAM: RegionSpec = {
  region: 'param',
  source: [D, 691, 711],
  initial: 'idle',
  step: 'param.step',
  run: 'param.run',
  states: {
    idle: {
      source: ['module_param_call(disable)', 713, 714],
      on: {
        'param.set': [
          {
            guard: 'isParamMissing',
            target: 'idle',
            actions: ['replyParamEnoent'],
            source: ['module_init(cmm_init)', 718],
          },
          {
            guard: 'isParamReadOnly',
            target: 'idle',
            actions: ['replyParamEacces'],
            source: ['module_param_named(simulate)', 78],
          },
          {
            guard: 'isParamWriterUnprivileged',
            target: 'idle',
            actions: ['replyParamEacces'],
            source: ['module_param_call(disable)', 713, 714],
          },
          {
            guard: 'isParamTooLong',
            target: 'idle',
            actions: ['replyParamE2big'],
            source: ['module_param_call(disable)', 713, 714],
          },
          {
            guard: 'isDisableParam',
            target: 'settingDisable',
            actions: ['beginSetDisable'],
            source: [D, 691, 693],
          },
          ...PARAMS.map((name): TransitionSpec => ({
            guard: { type: 'isParamNamed', params: { name } },
            target: 'idle',
            actions: ['storeParam'],
            source: [
              `module_param_named(${name})`,
              { delay: 62, hotplug_delay: 65, oom_kb: 69, min_mem_mb: 72, debug: 75 }[name],
            ],
          })),
        ],
      },
    },
    settingDisable: {
      source: [D, 693, 709],
      always: [
        { guard: 'isDisableInvalid', target: 'idle', actions: ['replyDisableEinval'], source: [D, 695, 696] },
        {
          guard: 'isDisablingWithErrPtr',
          target: CRASHED,
          actions: ['oopsOnDisableErrPtr'],
          source: [D, 698, 700],
        },
        {
          guard: 'isDisablingWithTask',
          target: 'disableStopping',
          actions: ['requestThreadStop'],
          source: [D, 698, 700],
        },
        {
          guard: 'isDisabling',
          target: 'disableFreeing',
          actions: ['clearThreadPtr', 'beginParamFree'],
          source: [D, 698, 702],
        },
        {
          guard: 'isEnabling',
          target: 'threadStarting',
          actions: ['kthreadRunForEnable'],
          source: [D, 703, 704],
        },
        { target: 'idle', actions: ['finishSetDisable'], source: [D, 709, 710] },
      ],
    },
    disableStopping: {
      source: [D, 700],
      on: {
        'param.step': [
          {
            guard: 'isThreadExited',
            target: 'disableFreeing',
            actions: ['reapThread', 'clearThreadPtr', 'beginParamFree'],
            source: [D, 700, 702],
          },
        ],
      },
    },
    ...freeLoop(
      'param',
      'param.step',
      { target: 'idle', actions: [{ type: 'endFree', params: w('param') }, 'finishSetDisable'] },
      'disableFreeing',
    ),
    threadStarting: {
      source: [D, 704, 706],
      always: [
        { guard: 'hasCrashed', target: CRASHED, source: [D, 704] },
        { guard: 'isThreadPtrErr', target: 'idle', actions: ['replyDisablePtrErr'], source: [D, 705, 706] },
        { target: 'idle', actions: ['finishSetDisable'], source: [D, 704, 710] },
      ],
    },
  },
};
