/**
 * `@kspec/cmm`: the IBM pseries Collaborative Memory Manager (Linux
 * `arch/powerpc/platforms/pseries/cmm.c`) as a checked XState statechart: module init and exit,
 * the balloon thread with `cmm_get_mpp` as a pure function on C-width integers, the OOM,
 * memory-hotplug and reboot notifiers racing it, sysfs, the module parameters and the disable
 * switch; a hypervisor (H_GET_MPP, H_PAGE_INIT, call log, fault injection) and a page allocator
 * over `@kspec/shared-memory`'s page pool; a facade with the kernel's entry points; named
 * invariants, check models and the seed defects they find.
 *
 * @packageDocumentation
 */
export {
  SEED,
  CMM_DRIVER_VERSION,
  CMM_DEFAULT_DELAY,
  CMM_HOTPLUG_DELAY,
  CMM_DEBUG,
  CMM_DISABLE,
  CMM_OOM_KB,
  CMM_MIN_MEM_MB,
  CMM_MEM_HOTPLUG_PRI,
  H_SUCCESS,
  H_HARDWARE,
  H_PARAMETER,
  H_PAGE_INIT,
  H_GET_MPP,
  H_PAGE_STATE_CHANGE,
  H_PAGE_UNUSED,
  H_PAGE_SET_UNUSED,
  H_PAGE_SET_LOANED,
  H_PAGE_SET_ACTIVE,
  MEM,
  SYS,
  NOTIFY_DONE,
  NOTIFY_OK,
  ERR,
  SYSFS_WRITE_MAX,
} from './constants.js';
export type { PageShift, MemoryAction, RebootAction } from './constants.js';
export {
  u64,
  s64,
  s32,
  u32,
  u32Mul,
  UINT_MAX,
  ULONG_MAX,
  simpleStrtoul,
  kstrtoull,
  kstrtoul,
  kstrtouint,
} from './cint.js';
export {
  HVCALL_MPP_DATA_SIZE,
  mppDataFromRetbuf,
  mppDataToRetbuf,
  encodeMppData,
  decodeMppData,
  cmmGetMpp,
  kb2pages,
  pages2kb,
} from './mpp.js';
export type { HvcallMppData, CmmGetMppInput, CmmGetMppResult } from './mpp.js';
export { FAULT_OPS, FaultPlan } from './faults.js';
export type { FaultOp, Fault } from './faults.js';
export { CmmHypervisor } from './hypervisor.js';
export type { LoanPolicy, HcallRecord, HypervisorOptions } from './hypervisor.js';
export { BalloonList } from './balloon.js';
export { createKernel } from './kernel.js';
export { cloneKernel, draft, projectKernel, kernelJson } from './kernel-copy.js';
export type {
  Kernel,
  KernelConfig,
  CmmOptions,
  CmmParams,
  CmmThread,
  Crash,
  FreeLoop,
  Freer,
  Ghost,
  Region,
  Registrations,
  Replies,
  ThreadPtr,
} from './kernel.js';
export { CMM_PARAMS, CMM_SYSFS_ATTRS, sysfsShow, paramShow } from './model/params.js';
export type { CmmParamName, CmmSysfsAttr } from './model/params.js';
export { plparPageSetLoaned, plparPageSetActive } from './model/common.js';
export type { StepParams, Guard, Action } from './model/step.js';
export type { CmmEvent, CmmEventType, RunPause } from './events.js';
export { cmmMachine, cmmSetup } from './machine/machine.js';
export type { CmmContext, CmmInput, RunParams } from './machine/machine.js';
export { runRegion, regionSpec } from './machine/run.js';
export {
  REGIONS,
  KERNEL_EVENTS,
  CRASHED,
  THREAD,
  OOM,
  MEMORY,
  REBOOT,
  PARAM,
  MODULE,
} from './machine/spec/index.js';
export type { RegionSpec, StateSpec, TransitionSpec, Src, Ref } from './machine/spec/index.js';
export { GUARDS, ACTIONS } from './machine/registry.js';
export type { GuardName, ActionName } from './machine/registry.js';
export { CmmModule, CmmKernelCrash, loadCmm, memoryActionName } from './device.js';
export type { CmmLoadOptions, CmmState, TickResult, RaceHook } from './device.js';
export {
  CmmDecodeError,
  decodeOrThrow,
  UInt,
  Int64,
  ULong,
  MemoryActionCodec,
  RebootActionCodec,
  ParamNameCodec,
  SysfsAttrCodec,
  WriteValueCodec,
  FaultCodec,
  LoanPolicyCodec,
  ParamsCodec,
  LoadOptionsCodec,
} from './codecs.js';
export { cmmInvariants, GUARANTEED_INVARIANTS, regionOf, strayLoanedPages } from './invariants.js';
export type { CmmSnapshot } from './invariants.js';
export { cmmFindings } from './findings.js';
export { CMM_TRACES } from './traces.js';
export { STEADY_GUARANTEES, cmmAlphabet, cmmCheckModels, scopeInput } from './check.js';
export type { CmmCheckModel } from './check.js';
export { CMM_SCOPES } from './scopes.js';
export type { CmmScope } from './scopes.js';
export { manifest } from './manifest.js';
