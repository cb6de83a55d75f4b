/**
 * `cmm_get_mpp` (cmm.c 237-279) as a pure function on C-width integers, and the data it reads:
 * `struct hvcall_mpp_data` as `h_get_mpp` (lpar.c) fills it from the seven return words of
 * `plpar_hcall9(H_GET_MPP)`, with its 56-byte layout (facts.md §4.2).
 *
 * Every `long`/`unsigned long` is a `bigint` wrapped to 64 bits at each C conversion; `int rc`
 * keeps the low 32 bits of the `long` h_get_mpp returns. Both kernel page sizes (PAGE_SHIFT 12
 * and 16) are covered: `KB2PAGES` shifts by `PAGE_SHIFT - 10`, and `div_s64` truncates toward
 * zero. Where the C departs from its evident intent: `min_mem_mb * 1024 * 1024` wraps in
 * `unsigned long` (a floor of 2^44 MB or more becomes a smaller one, CMM-11).
 *
 * @module
 */
import { H_SUCCESS, type PageShift } from './constants.js';
import { s32, s64, u64 } from './cint.js';

/**
 * `struct hvcall_mpp_data`.
 * @category Hypervisor
 */
export interface HvcallMppData {
  /** `u64 entitled_mem` @0. */
  readonly entitledMem: bigint;
  /** `u64 mapped_mem` @8. */
  readonly mappedMem: bigint;
  /** `u16 group_num` @16. */
  readonly groupNum: number;
  /** `u16 pool_num` @18. */
  readonly poolNum: number;
  /** `u8 mem_weight` @20. */
  readonly memWeight: number;
  /** `u8 unallocated_mem_weight` @21. */
  readonly unallocatedMemWeight: number;
  /** `unsigned long unallocated_entitlement` @24 (48 bits from the hcall). */
  readonly unallocatedEntitlement: bigint;
  /** `unsigned long pool_size` @32. */
  readonly poolSize: bigint;
  /** `signed long loan_request` @40: bytes; positive: the hypervisor wants more loaned. */
  readonly loanRequest: bigint;
  /** `unsigned long backing_mem` @48. */
  readonly backingMem: bigint;
}

/** `sizeof(struct hvcall_mpp_data)`. @category Hypervisor */
export const HVCALL_MPP_DATA_SIZE = 56;

/**
 * What `h_get_mpp` stores from the return words `retbuf[0..6]` of `plpar_hcall9(H_GET_MPP)`.
 * @category Hypervisor
 */
export function mppDataFromRetbuf(retbuf: readonly bigint[]): HvcallMppData {
  const w = (i: number): bigint => u64(retbuf[i] ?? 0n);
  return {
    entitledMem: w(0),
    mappedMem: w(1),
    groupNum: Number((w(2) >> 16n) & 0xffffn),
    poolNum: Number(w(2) & 0xffffn),
    memWeight: Number((w(3) >> 56n) & 0xffn),
    unallocatedMemWeight: Number((w(3) >> 48n) & 0xffn),
    unallocatedEntitlement: w(3) & 0xffffffffffffn,
    poolSize: w(4),
    loanRequest: s64(w(5)),
    backingMem: w(6),
  };
}

/**
 * The return words a hypervisor puts in `retbuf` for `data` (the inverse of
 * {@link mppDataFromRetbuf} for in-range fields).
 * @category Hypervisor
 */
export function mppDataToRetbuf(data: HvcallMppData): bigint[] {
  return [
    u64(data.entitledMem),
    u64(data.mappedMem),
    (BigInt(data.groupNum & 0xffff) << 16n) | BigInt(data.poolNum & 0xffff),
    (BigInt(data.memWeight & 0xff) << 56n) |
      (BigInt(data.unallocatedMemWeight & 0xff) << 48n) |
      (data.unallocatedEntitlement & 0xffffffffffffn),
    u64(data.poolSize),
    u64(data.loanRequest),
    u64(data.backingMem),
  ];
}

/**
 * Writes `struct hvcall_mpp_data` in memory order (56 bytes; ppc64 is big-endian, ppc64le
 * little-endian).
 * @category Hypervisor
 */
export function encodeMppData(data: HvcallMppData, littleEndian = false): Uint8Array {
  const out = new Uint8Array(HVCALL_MPP_DATA_SIZE);
  const v = new DataView(out.buffer);
  v.setBigUint64(0, u64(data.entitledMem), littleEndian);
  v.setBigUint64(8, u64(data.mappedMem), littleEndian);
  v.setUint16(16, data.groupNum & 0xffff, littleEndian);
  v.setUint16(18, data.poolNum & 0xffff, littleEndian);
  v.setUint8(20, data.memWeight & 0xff);
  v.setUint8(21, data.unallocatedMemWeight & 0xff);
  v.setBigUint64(24, u64(data.unallocatedEntitlement), littleEndian);
  v.setBigUint64(32, u64(data.poolSize), littleEndian);
  v.setBigInt64(40, s64(data.loanRequest), littleEndian);
  v.setBigUint64(48, u64(data.backingMem), littleEndian);
  return out;
}

/**
 * Reads `struct hvcall_mpp_data` from 56 bytes in memory order.
 * @category Hypervisor
 */
export function decodeMppData(bytes: Uint8Array, littleEndian = false): HvcallMppData {
  if (bytes.length !== HVCALL_MPP_DATA_SIZE)
    throw new RangeError(`hvcall_mpp_data is ${HVCALL_MPP_DATA_SIZE} bytes, got ${bytes.length}`);
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return {
    entitledMem: v.getBigUint64(0, littleEndian),
    mappedMem: v.getBigUint64(8, littleEndian),
    groupNum: v.getUint16(16, littleEndian),
    poolNum: v.getUint16(18, littleEndian),
    memWeight: v.getUint8(20),
    unallocatedMemWeight: v.getUint8(21),
    unallocatedEntitlement: v.getBigUint64(24, littleEndian),
    poolSize: v.getBigUint64(32, littleEndian),
    loanRequest: v.getBigInt64(40, littleEndian),
    backingMem: v.getBigUint64(48, littleEndian),
  };
}

/**
 * The inputs of one `cmm_get_mpp` call, at their C types.
 * @category Model
 */
export interface CmmGetMppInput {
  readonly pageShift: PageShift;
  /** `atomic_long_read(&loaned_pages)` (line 239): `long`. */
  readonly loanedPages: bigint;
  /** `totalram_pages()` (line 240): `unsigned long`. */
  readonly totalramPages: bigint;
  /** The `min_mem_mb` parameter: `unsigned long`. */
  readonly minMemMb: bigint;
  /** `oom_freed_pages`: `unsigned long`. */
  readonly oomFreedPages: bigint;
  /** The `simulate` parameter. */
  readonly simulate: boolean;
  /** `simulate_loan_target_kb`: `unsigned long`. */
  readonly simulateLoanTargetKb: bigint;
  /** What `h_get_mpp` returned (ignored in simulate mode): its `long` rc and the data. */
  readonly mpp?: { readonly rc: bigint; readonly loanRequest: bigint };
}

/**
 * The outcome of one `cmm_get_mpp` call: the new `loaned_pages_target` (an `unsigned long`),
 * or `null` when it returned early because H_GET_MPP failed (the old target stays), and the
 * intermediate values the debug line prints.
 * @category Model
 */
export interface CmmGetMppResult {
  readonly target: bigint | null;
  /** `int rc` (line 241): the low 32 bits of h_get_mpp's `long`; `null` in simulate mode. */
  readonly rc: bigint | null;
  readonly pageLoanRequest: bigint | null;
  readonly totalPages: bigint;
  readonly minMemPages: bigint;
}

/**
 * `cmm_get_mpp` on its inputs (lines 237-279), without side effects.
 * @category Model
 */
export function cmmGetMpp(input: CmmGetMppInput): CmmGetMppResult {
  const pageSize = 1n << BigInt(input.pageShift);
  const kbShift = BigInt(input.pageShift - 10);
  const loaned = s64(input.loanedPages); // const long __loaned_pages
  const totalPages = s64(u64(u64(input.totalramPages) + u64(loaned))); // const long total_pages
  // signed long min_mem_pages = (min_mem_mb * 1024 * 1024) / PAGE_SIZE: unsigned arithmetic
  const minMemPages = s64(u64(u64(input.minMemMb) * 1024n * 1024n) / pageSize);
  let target: bigint;
  let pageLoanRequest: bigint;
  let rc: bigint | null = null;
  if (!input.simulate) {
    rc = s32(input.mpp?.rc ?? H_SUCCESS); // int rc = h_get_mpp(&mpp_data)
    if (rc !== H_SUCCESS) {
      return { target: null, rc, pageLoanRequest: null, totalPages, minMemPages };
    }
    // div_s64((s64)mpp_data.loan_request, PAGE_SIZE): truncates toward zero, as bigint division
    pageLoanRequest = s64(input.mpp?.loanRequest ?? 0n) / pageSize;
    target = s64(pageLoanRequest + loaned);
  } else {
    target = s64(u64(input.simulateLoanTargetKb) >> kbShift); // KB2PAGES(simulate_loan_target_kb)
    pageLoanRequest = s64(target - loaned);
  }
  if (target < 0n || totalPages < minMemPages) target = 0n;
  const oomFreed = u64(input.oomFreedPages);
  // target > oom_freed_pages compares as unsigned long (target is converted)
  if (u64(target) > oomFreed) target = s64(u64(target) - oomFreed);
  else target = 0n;
  const activePagesTarget = s64(totalPages - target);
  if (minMemPages > activePagesTarget) target = s64(totalPages - minMemPages);
  if (target < 0n) target = 0n;
  return { target: u64(target), rc, pageLoanRequest, totalPages, minMemPages };
}

/** `KB2PAGES(kb)` of an `unsigned long` (line 42). @category Model */
export function kb2pages(kb: bigint, pageShift: PageShift): bigint {
  return u64(kb) >> BigInt(pageShift - 10);
}

/** `PAGES2KB(pages)` of an `unsigned long` (line 43), wrapping at 64 bits. @category Model */
export function pages2kb(pages: bigint, pageShift: PageShift): bigint {
  return u64(u64(pages) << BigInt(pageShift - 10));
}
