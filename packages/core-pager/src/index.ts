/**
 * `@kspec/core-pager`: Genode core on L4Ka::Pistachio (`repos/base-pistachio/src/core/platform.cc`,
 * Genode 76db3b9c06) as checked XState statecharts: the core pager loop (`_core_pager_loop`
 * with its waits, the echo path, the null-pointer and outside-RAM checks, sigma0's `GetPage`
 * and the reply map item, bit-exact), and `Platform` construction carving core's memory out of
 * sigma0 into Genode's range allocators; with the L4 X.2 types, the KIP and boot info as bytes,
 * sigma0 and IPC as ports, a facade, named invariants, check models and the seed defects they
 * find.
 *
 * @packageDocumentation
 */
export {
  SEED,
  PAGE_SIZE,
  PAGE_SIZE_LOG2,
  PAGE_MASK,
  STACK_AREA_VIRTUAL_BASE,
  STACK_AREA_VIRTUAL_SIZE,
  L4_MAGIC,
  KIP_SIZE,
  L4_BOOTINFO_MAGIC,
  L4_BOOTINFO_VERSION,
  L4_BOOTINFO_MODULE,
  MB_INFO_SIZE,
  IO_PORT_RANGE_SIZE,
  IRQ_RANGE_SIZE,
  ARCH_DEPENDENT_MEM,
  DEFAULT_PRIORITY,
  PAGER_STACK_ELEMENTS,
  EXPECT,
  PAGER_PRETTY_FUNCTION,
  DEFAULT_LAYOUT,
} from './constants.js';
export {
  u32,
  L4_Readable,
  L4_Writable,
  L4_eXecutable,
  L4_FullyAccessible,
  L4_NoAccess,
  L4_Nilpage,
  L4_CompleteAddressSpace,
  L4_Msb,
  L4_Fpage,
  L4_FpageLog2,
  L4_SizeLog2,
  L4_Rights,
  L4_IsNilFpage,
  L4_Address,
  L4_Size,
  L4_FpageAddRights,
  msgTagRaw,
  msgTagFields,
  L4_UntypedWords,
  L4_IpcFailed,
  msgTagFlags,
  L4_ERROR_TAG,
  L4_PagefaultLabel,
  isPagefaultLabel,
  L4_MapItem,
  L4_IsMapItem,
  L4_MapItemSndBase,
  L4_MapItemSndFpage,
  replyWithMapItem,
  L4_nilthread,
  L4_anythread,
  L4_GlobalId,
  L4_IsLocalId,
  L4_IsGlobalId,
  L4_ThreadNo,
  L4_Version,
  L4_LocalIdField,
  ERR_IPC,
  ipcErrorCode,
} from './l4.js';
export type { Word, MsgTag, MapItem } from './l4.js';
export { formatC, printfLine, pdbgLine, perrLine, pwrnLine, panicLine } from './log.js';
export type { LogLevel, LogLine } from './log.js';
export {
  EMPTY_RANGES,
  addRange,
  removeRange,
  inRanges,
  coversRange,
  overlapsRange,
  subtractRanges,
  intersectRanges,
  rangeBytes,
} from './ranges.js';
export type { Range, RangeSet } from './ranges.js';
export { CoreMemory } from './memory.js';
export {
  KIP_OFFSETS,
  MEMDESC_OFFSET,
  MAX_MEMORY_DESCRIPTORS,
  encodeMemoryDescriptor,
  encodeKip,
  kipMagic,
  kipApiVersion,
  kipBootInfo,
  L4_NumMemoryDescriptors,
  L4_MemoryDesc,
  L4_IsVirtual,
  L4_Type,
  L4_Low,
  L4_High,
  L4_PageSizeMask,
  L4_UtcbAreaSize,
  L4_UtcbSize,
  L4_ThreadIdUserBase,
} from './kip.js';
export type { MemoryDescriptor, KipDescription, MemoryDesc } from './kip.js';
export {
  encodeBootInfo,
  L4_BootInfo_Valid,
  L4_BootInfo_Size,
  bootInfoModules,
  readCString,
} from './bootinfo.js';
export type { BootModule, BootInfoDescription, ModuleRecord } from './bootinfo.js';
export { INITIAL_SIGMA0, refuseSigma0Request, physicalMemoryMap, rangesOfType, kipSigma0 } from './sigma0.js';
export type { Sigma0, Sigma0State, Sigma0Answer, TypedRange, KipSigma0Options } from './sigma0.js';
export { INITIAL_IPC, armSendFailure, inMemoryIpc } from './ipc.js';
export type { IpcLayer, IpcState, SendResult } from './ipc.js';
export {
  senderId,
  threadBySender,
  l4GlobalIdOf,
  isCoreSender,
  printL4ThreadId,
  defaultThreads,
} from './threads.js';
export type { ThreadInfo, ThreadTable, DefaultThreadsOptions } from './threads.js';
export { RangeAllocator, emptyAllocators, allocatorRanges } from './allocators.js';
export type { PlatformAllocators, AllocatorName } from './allocators.js';
export {
  UNINITIALISED,
  isWriteFault,
  truncPage,
  roundPage,
  isMalformed,
  waitFailedLine,
  storedFault,
  faultReplyItem,
  sigma0RequestFpage,
  mapsPageOf,
  gotPageFaultLine,
  nullPointerLine,
  outsideRamLine,
  unhandledPageFaultLine,
  classifyCoreFault,
} from './pager/model.js';
export type {
  MaybeWord,
  ReceivedMessage,
  CoreFaultDecision,
  ClassifyEnv,
  CoreFaultClassification,
} from './pager/model.js';
export { corePagerMachine, READ_FAULT_LABEL } from './pager/machine.js';
export type {
  PagerContext,
  PagerWorld,
  LoopLocals,
  PagerEvent,
  PagerInput,
  PagerOutcome,
  PagerReply,
  PagerStep,
  PagerGhost,
  SenderRecord,
} from './pager/context.js';
export {
  regionIntersects,
  addRegion,
  removeRegion,
  intersectsKipArchdep,
  dumpKipMemdesc,
  sigma0ReqRegion,
} from './platform/regions.js';
export type { Region, RegionResult } from './platform/regions.js';
export { sizeOf, romIteration, takeChunk } from './platform/steps.js';
export type { PlatformUpdate } from './platform/steps.js';
export { corePlatformMachine } from './platform/machine.js';
export type {
  PlatformContext,
  PlatformEvent,
  PlatformInput,
  PlatformGhost,
  PlatformStop,
  RomModule,
  MemAllocLoop,
  ChunkRecord,
} from './platform/context.js';
export {
  U32,
  U4,
  U6,
  MemoryDescriptorCodec,
  KipDescriptionCodec,
  BootModuleCodec,
  BootInfoDescriptionCodec,
  LayoutCodec,
  FaultMessageCodec,
  CorePagerDecodeError,
  decodeOrThrow,
} from './codecs.js';
export { CorePager, CorePlatform, createPlatform } from './device.js';
export type { CreatePlatformOptions, FaultResult, FaultMessage } from './device.js';
export { PAGER_INVARIANTS, PLATFORM_INVARIANTS } from './invariants.js';
export type { PagerSnapshot, PlatformSnapshot } from './invariants.js';
export { CORE_FINDINGS, FINDING_MODELS } from './findings.js';
export {
  CHECK_THREADS,
  CHECK_ECHO_ITEM_ADDR,
  CHECK_RAM,
  pagerCheckInput,
  pagerAlphabet,
  projectPager,
  corePagerCheckModel,
  corePagerSendersCheckModel,
  SMALL_KIP,
  SMALL_BOOT_INFO,
  ZERO_KIP,
  TOP_KIP,
  platformInput,
  platformAlphabet,
  projectPlatform,
  corePlatformCheckModel,
  corePlatformZeroCheckModel,
  corePlatformTopCheckModel,
  CORE_CHECK_MODELS,
} from './check.js';
export type { PagerScope, PlatformScope } from './check.js';
export { manifest } from './manifest.js';
