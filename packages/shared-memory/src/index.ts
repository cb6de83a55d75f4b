/**
 * `@kspec/shared-memory`: the memory the kspec subsystems share. The shmif bus in NetBSD's
 * v2 byte layout on a `SharedArrayBuffer` or a bus file, with the C bus operations of
 * `shmif_busops.c`, the bus lock, the wake-up, the receiver's bus protocol (faithful and
 * corrected), a plain-data bus image for the model checker, and pcap export.
 *
 * @packageDocumentation
 */
export { ShmifError } from './bus/errors.js';
export type { ShmifErrorKind } from './bus/errors.js';
export {
  SHMIF_MAGIC,
  SHMIF_VERSION,
  BUSMEM_SIZE,
  BUSMEM_DATASIZE,
  SHMIF_HEADER_SIZE,
  IFMEM_DATA,
  IFMEM_WAKEUP,
  SHMIF_PKTHDR_SIZE,
  SHMIF_MAX_FRAME,
  ETHER_HDR_LEN,
  LOCK_UNLOCKED,
  LOCK_LOCKED,
  LOCK_COOLDOWN,
  SHM_OFFSETS,
  PKTHDR_OFFSETS,
  LITTLE_ENDIAN,
  MIN_DATASIZE,
  MAX_DATASIZE,
  checkDataSize,
  busSizeFor,
  shmifMemOver,
  createShmifMem,
  getMagic,
  setMagic,
  getVersion,
  setVersion,
  getGen,
  setGen,
  getGenLow32,
  incrementGen,
  getFirst,
  setFirst,
  getLast,
  setLast,
  getLock,
  setLock,
  getSpare,
  readHeader,
  encodePkthdr,
  decodePkthdr,
} from './bus/layout.js';
export type { ShmifMem, ShmifHeader, ShmifPkthdr } from './bus/layout.js';
export {
  shmifAdvance,
  shmifBusread,
  shmifAdvancefirst,
  shmifBuswrite,
  shmifNextpktoff,
  shmifPeekLen,
  shmifBuswritePkthdr,
  shmifBusreadPkthdr,
} from './bus/busops.js';
export type { WrapFlag, PkthdrOut } from './bus/busops.js';
export { shmifLockbus, shmifTrylockbus, shmifUnlockbus, lockWord, sleepMs } from './bus/lock.js';
export type { LockOptions, LockStats } from './bus/lock.js';
export { shmifDowakeup, wakeupWordOffset, ShmifWriteWatch } from './bus/wakeup.js';
export type { WatchResult } from './bus/wakeup.js';
export {
  shmifInitbackendBus,
  shmifAttachBus,
  shmifWritePacketLocked,
  shmifSendPacket,
} from './bus/transmit.js';
export type { ShmifAttachResult, ShmifWriteResult } from './bus/transmit.js';
export {
  U64_ZERO,
  u64,
  u64FromBigint,
  u64ToBigint,
  u64String,
  u64Compare,
  u64Increment,
  u64Decrement,
  getGenU64,
  genCompare,
  genEquals,
  genIsZero,
  genLow32Diff,
} from './bus/u64.js';
export type { U64 } from './bus/u64.js';
export {
  SHMIF_READER_CORRECTIONS,
  getGenNumber,
  shmifReaderStart,
  shmifRcvNeedsData,
  shmifStillvalidP,
  correctedDevgenAfterResync,
  shmifRcvReadLocked,
  shmifRcvStep,
} from './bus/receiver.js';
export type {
  ShmifReaderPosition,
  ShmifReaderVariant,
  ShmifRcvFrame,
  ShmifRcvOptions,
} from './bus/receiver.js';
export { ShmifBus, shmifBusBufferSize } from './bus/bus.js';
export type { ShmifBusOptions } from './bus/bus.js';
export {
  createBusImage,
  busImageApply,
  busImageRead,
  busImageHeader,
  busImageKey,
  busImageToHex,
  busImageFromHex,
} from './bus/image.js';
export type { ShmifBusImage } from './bus/image.js';
export { parseBusFile, walkBusFrames, DUMPBUS_BUFSIZE } from './bus/file.js';
export type { ParseBusFileOptions, ParsedBusFile, BusFrame, WalkBusFramesOptions } from './bus/file.js';
export {
  PCAP_MAGIC,
  DLT_EN10MB,
  SHMIF_PCAP_SNAPLEN,
  PCAP_GLOBAL_HEADER_SIZE,
  PCAP_RECORD_HEADER_SIZE,
  framesToPcap,
  busToPcap,
} from './bus/pcap.js';
export { exploreReaderSchedules, replayReaderSchedule } from './bus/explore.js';
export type {
  ReaderScheduleStep,
  ReaderViolationKind,
  ReaderCounterexample,
  ReaderExploreOptions,
} from './bus/explore.js';
export { STRESS_HEADER, stressFrameLength, fillStressFrame, checkStressFrame } from './stress/frames.js';
export {
  CTL_WRITERS_DONE,
  CTL_START,
  CTL_READERS_ATTACHED,
  CTL_BYTES,
  runStressWriter,
  attachStressReader,
} from './stress/stress.js';
export type { StressWriterParams, StressReaderParams, StressReaderResult } from './stress/stress.js';
export { AvlNode } from './alloc/avl-tree.js';
export { ALLOC_RETURN, AllocatorAvl, createCoreAllocators } from './alloc/allocator-avl.js';
export type { AllocReturn, AvlBlock, AllocatorAvlOptions, CoreAllocators } from './alloc/allocator-avl.js';
export { PAGE_STATES, PAGE_CHUNK, PagePool, PagePoolError } from './pages/page-pool.js';
export type { PageState, PagePoolOptions, FreeOrder } from './pages/page-pool.js';
export { createSharedWasmMemory, registerWasmMemory, fastCopyFor, wasmAtomicsFor } from './bus/fastcopy.js';
export type { FastCopy, SharedWasmMemory, WasmAtomics } from './bus/fastcopy.js';
export { SHMIF_HOST_AREA } from './bus/bus.js';
export { putU32le, getU32le } from './bus/layout.js';
export { SHMIF_BUS_FINDINGS, manifest } from './findings.js';
