/**
 * The PowerVM hypervisor as the CMM driver sees it (PAPR CMO): `H_GET_MPP` returns the memory
 * performance parameters with the `loan_request` (bytes the hypervisor wants loaned, negative:
 * wants back), and `H_PAGE_INIT` with `H_PAGE_SET_LOANED` / `H_PAGE_SET_ACTIVE` changes the
 * state of one CMO page (the CMO page size, `cmo_get_page_size()`, 4 KiB by default; a 64 KiB
 * kernel page is 16 CMO pages).
 *
 * The hypervisor keeps which CMO pages are loaned (a bitmap in chunks, allocated only where
 * pages are loaned: an eighth of a byte per CMO page), a loan policy (a fixed `loan_request`,
 * or a target of loaned bytes from which the request is derived at each call), an ordered
 * call log (every hcall with its arguments, return code and virtual time; the most recent
 * `logLimit` entries are kept, the total is counted), and the fault plan: any call can be told
 * to fail at its n-th occurrence with a given return code.
 *
 * In-model choices (beyond facts.md): `H_PAGE_INIT` with other flags, or an address that is not
 * CMO-page aligned or outside the partition, returns `H_PARAMETER`; setting a page to the state
 * it is in succeeds; `mapped_mem` is the partition size minus loaned bytes, the pool fields are
 * fixed values.
 *
 * @module
 */
import {
  H_GET_MPP,
  H_PAGE_INIT,
  H_PAGE_SET_ACTIVE,
  H_PAGE_SET_LOANED,
  H_PARAMETER,
  H_SUCCESS,
} from './constants.js';
import type { FaultPlan } from './faults.js';
import type { HvcallMppData } from './mpp.js';

/**
 * How the hypervisor decides `loan_request`: a fixed value, or a target of loaned bytes
 * (`loan_request = target - loaned bytes` at each H_GET_MPP).
 * @category Hypervisor
 */
export type LoanPolicy =
  { readonly kind: 'request'; readonly bytes: bigint } | { readonly kind: 'target'; readonly bytes: bigint };

/**
 * One logged hcall.
 * @category Hypervisor
 */
export interface HcallRecord {
  /** 1-based position among all hcalls of this hypervisor. */
  readonly seq: number;
  /** Virtual time (ms). */
  readonly t: number;
  readonly hcall: 'H_GET_MPP' | 'H_PAGE_INIT';
  readonly opcode: bigint;
  /** H_PAGE_INIT: the flags argument. */
  readonly flags?: bigint;
  /** H_PAGE_INIT: the (CMO page) address argument. */
  readonly addr?: number;
  /** The return code. */
  readonly rc: bigint;
  /** H_GET_MPP: the loan request returned. */
  readonly loanRequest?: bigint;
}

/**
 * Options of {@link CmmHypervisor}.
 * @category Hypervisor
 */
export interface HypervisorOptions {
  /** The CMO page size (default 4096). */
  readonly cmoPageSize?: number;
  /** The initial loan policy (default: a fixed request of 0 bytes). */
  readonly policy?: LoanPolicy;
  /** Calls kept in the log (default 100,000; 0 keeps none). */
  readonly logLimit?: number;
}

const MAX_CHUNK_BITS = 1 << 15; // CMO pages per bitmap chunk (4 KiB of bits)

/**
 * The hypervisor of one partition.
 * @category Hypervisor
 */
export class CmmHypervisor {
  readonly cmoPageSize: number;
  /** The partition's memory: `[base, base + bytes)`. */
  readonly base: number;
  readonly bytes: number;
  policy: LoanPolicy;
  readonly logLimit: number;
  private log: HcallRecord[] = [];
  private seqNo = 0;
  private loanedCount = 0;
  private readonly bits = new Map<number, { b: Uint8Array; n: number }>();
  /** CMO pages per chunk: 2^15, or fewer for a small partition. */
  private readonly chunkBits: number;

  constructor(base: number, bytes: number, options: HypervisorOptions = {}) {
    this.cmoPageSize = options.cmoPageSize ?? 4096;
    if (![4096, 65536].includes(this.cmoPageSize))
      throw new RangeError(`hypervisor: CMO page size ${this.cmoPageSize} is not 4096 or 65536`);
    this.base = base;
    this.bytes = bytes;
    this.policy = options.policy ?? { kind: 'request', bytes: 0n };
    this.logLimit = options.logLimit ?? 100_000;
    const pages = Math.ceil(bytes / this.cmoPageSize);
    this.chunkBits = Math.min(MAX_CHUNK_BITS, Math.max(8, 2 ** Math.ceil(Math.log2(pages))));
  }

  /** CMO pages loaned. */
  get loanedPages(): number {
    return this.loanedCount;
  }

  /** Bytes loaned (`loanedPages * cmoPageSize`). */
  get loanedBytes(): bigint {
    return BigInt(this.loanedCount) * BigInt(this.cmoPageSize);
  }

  /** True when the CMO page at `addr` is loaned. */
  isLoaned(addr: number): boolean {
    const i = (addr - this.base) / this.cmoPageSize;
    const c = this.bits.get(Math.floor(i / this.chunkBits));
    if (c === undefined) return false;
    const j = i % this.chunkBits;
    return ((c.b[j >>> 3] as number) & (1 << (j & 7))) !== 0;
  }

  /** Addresses of every loaned CMO page, ascending. */
  loanedAddresses(): number[] {
    const out: number[] = [];
    for (const ci of [...this.bits.keys()].sort((a, b) => a - b)) {
      const c = this.bits.get(ci)!;
      for (let byte = 0; byte < c.b.length; byte++) {
        const v = c.b[byte] as number;
        if (v === 0) continue;
        for (let bit = 0; bit < 8; bit++)
          if (v & (1 << bit)) out.push(this.base + (ci * this.chunkBits + byte * 8 + bit) * this.cmoPageSize);
      }
    }
    return out;
  }

  private setLoaned(addr: number, loaned: boolean): void {
    const i = (addr - this.base) / this.cmoPageSize;
    const ci = Math.floor(i / this.chunkBits);
    let c = this.bits.get(ci);
    if (c === undefined) {
      if (!loaned) return;
      c = { b: new Uint8Array(this.chunkBits / 8), n: 0 };
      this.bits.set(ci, c);
    }
    const j = i % this.chunkBits;
    const m = 1 << (j & 7);
    const was = ((c.b[j >>> 3] as number) & m) !== 0;
    if (was === loaned) return;
    if (loaned) {
      c.b[j >>> 3] = (c.b[j >>> 3] as number) | m;
      c.n++;
      this.loanedCount++;
    } else {
      c.b[j >>> 3] = (c.b[j >>> 3] as number) & ~m;
      c.n--;
      this.loanedCount--;
      if (c.n === 0) this.bits.delete(ci);
    }
  }

  private record(r: Omit<HcallRecord, 'seq'>): void {
    this.seqNo++;
    if (this.logLimit === 0) return;
    this.log.push({ seq: this.seqNo, ...r });
    if (this.log.length > this.logLimit * 2) this.log = this.log.slice(this.log.length - this.logLimit);
  }

  /** The logged calls, oldest first (at most `logLimit`). */
  calls(): readonly HcallRecord[] {
    if (this.log.length > this.logLimit) this.log = this.log.slice(this.log.length - this.logLimit);
    return this.log;
  }

  /** Hcalls made so far. */
  get callCount(): number {
    return this.seqNo;
  }

  /** Forgets the log (the call count stays). */
  clearLog(): void {
    this.log = [];
  }

  /** The `loan_request` the hypervisor would return now. */
  loanRequest(): bigint {
    return this.policy.kind === 'request' ? this.policy.bytes : this.policy.bytes - this.loanedBytes;
  }

  /** The memory performance parameters it would return now. */
  mppData(): HvcallMppData {
    const entitled = BigInt(this.bytes);
    return {
      entitledMem: entitled,
      mappedMem: entitled - this.loanedBytes,
      groupNum: 1,
      poolNum: 0,
      memWeight: 128,
      unallocatedMemWeight: 0,
      unallocatedEntitlement: 0n,
      poolSize: entitled * 2n,
      loanRequest: this.loanRequest(),
      backingMem: 0n,
    };
  }

  /** `h_get_mpp`: the rc (`long`) and the data (zeroed on failure, as since 6d4341638516). */
  hGetMpp(now: number, faults: FaultPlan): { readonly rc: bigint; readonly data: HvcallMppData | null } {
    const f = faults.take('H_GET_MPP');
    if (f !== null && BigInt(f) !== H_SUCCESS) {
      this.record({ t: now, hcall: 'H_GET_MPP', opcode: H_GET_MPP, rc: BigInt(f) });
      return { rc: BigInt(f), data: null };
    }
    const data = this.mppData();
    this.record({
      t: now,
      hcall: 'H_GET_MPP',
      opcode: H_GET_MPP,
      rc: H_SUCCESS,
      loanRequest: data.loanRequest,
    });
    return { rc: H_SUCCESS, data };
  }

  /** `plpar_hcall_norets(H_PAGE_INIT, flags, addr, 0)`. */
  hPageInit(flags: bigint, addr: number, now: number, faults: FaultPlan): bigint {
    let rc = H_SUCCESS;
    const any = faults.take('H_PAGE_INIT');
    const specific =
      flags === H_PAGE_SET_LOANED
        ? faults.take('H_PAGE_INIT.loaned')
        : flags === H_PAGE_SET_ACTIVE
          ? faults.take('H_PAGE_INIT.active')
          : null;
    if (any !== null) rc = BigInt(any);
    else if (specific !== null) rc = BigInt(specific);
    else if (
      (flags !== H_PAGE_SET_LOANED && flags !== H_PAGE_SET_ACTIVE) ||
      addr < this.base ||
      addr >= this.base + this.bytes ||
      (addr - this.base) % this.cmoPageSize !== 0
    )
      rc = H_PARAMETER;
    if (rc === H_SUCCESS) this.setLoaned(addr, flags === H_PAGE_SET_LOANED);
    if (this.logLimit !== 0)
      this.record({ t: now, hcall: 'H_PAGE_INIT', opcode: H_PAGE_INIT, flags, addr, rc });
    else this.seqNo++;
    return rc;
  }

  /** An independent copy (bitmap, policy, log and counters). */
  clone(): CmmHypervisor {
    const c = new CmmHypervisor(this.base, this.bytes, {
      cmoPageSize: this.cmoPageSize,
      policy: this.policy,
      logLimit: this.logLimit,
    });
    for (const [k, v] of this.bits) c.bits.set(k, { b: v.b.slice(), n: v.n });
    c.loanedCount = this.loanedCount;
    c.log = this.log.slice();
    c.seqNo = this.seqNo;
    return c;
  }

  /** A canonical key of the state that affects behaviour: policy and loaned CMO pages. */
  key(): string {
    return `${this.policy.kind}:${this.policy.bytes};${this.loanedAddresses().join(',')}`;
  }

  /** Bytes of storage held by the bitmap. */
  get storageBytes(): number {
    return this.bits.size * (this.chunkBits / 8);
  }
}
