// cmm_get_mpp (cmm.c 237-279) as a pure function on C-width integers, for both kernel page
// sizes and both modes, including values near 2^63 and 2^64; and struct hvcall_mpp_data as
// h_get_mpp fills it from the H_GET_MPP return words (facts.md 4.2).
import { describe, expect, it } from 'vitest';
import {
  HVCALL_MPP_DATA_SIZE,
  cmmGetMpp,
  decodeMppData,
  encodeMppData,
  kb2pages,
  mppDataFromRetbuf,
  mppDataToRetbuf,
  pages2kb,
  type CmmGetMppInput,
} from './index.js';

const P63 = 1n << 63n;
const P64 = 1n << 64n;

/** A non-simulate call with h_get_mpp returning H_SUCCESS and `loanRequest` bytes. */
function hv(pageShift: 12 | 16, loanRequest: bigint, over: Partial<CmmGetMppInput> = {}): CmmGetMppInput {
  return {
    pageShift,
    loanedPages: 100n,
    totalramPages: 100_000n,
    minMemMb: 256n,
    oomFreedPages: 0n,
    simulate: false,
    simulateLoanTargetKb: 0n,
    mpp: { rc: 0n, loanRequest },
    ...over,
  };
}
const target = (i: CmmGetMppInput) => cmmGetMpp(i).target;

describe('cmm_get_mpp, 4 KiB pages (PAGE_SHIFT 12)', () => {
  // total_pages = 100,000 + 100 = 100,100; min_mem_pages = 256 MiB / 4 KiB = 65,536
  it('target = loan_request / PAGE_SIZE + loaned (250-252), the floor leaves min_mem_mb (266-269)', () => {
    expect(cmmGetMpp(hv(12, 10n * 4096n))).toEqual({
      target: 110n,
      rc: 0n,
      pageLoanRequest: 10n,
      totalPages: 100_100n,
      minMemPages: 65_536n,
    });
    // a request leaving fewer than min_mem_pages active is cut to total - min (268-269)
    expect(target(hv(12, 50_000n * 4096n))).toBe(100_100n - 65_536n);
    // exactly at the floor: 100,100 - 34,564 = 65,536 active, min_mem_pages > active is false
    expect(target(hv(12, 34_464n * 4096n))).toBe(34_564n);
  });

  it('div_s64 truncates toward zero: +-4097 bytes are +-1 page, +-4095 are 0', () => {
    expect(cmmGetMpp(hv(12, 4097n)).pageLoanRequest).toBe(1n);
    expect(cmmGetMpp(hv(12, -4097n)).pageLoanRequest).toBe(-1n);
    expect(cmmGetMpp(hv(12, 4095n)).pageLoanRequest).toBe(0n);
    expect(cmmGetMpp(hv(12, -4095n)).pageLoanRequest).toBe(0n);
    expect(target(hv(12, -4097n))).toBe(99n);
  });

  it('a negative target, or total below min_mem, gives 0 (258-259)', () => {
    expect(target(hv(12, -200n * 4096n))).toBe(0n);
    expect(target(hv(12, 10n * 4096n, { totalramPages: 60_000n }))).toBe(0n); // 60,100 < 65,536
  });

  it('oom_freed_pages is subtracted, never below 0 (261-264)', () => {
    expect(target(hv(12, 10n * 4096n, { oomFreedPages: 30n }))).toBe(80n);
    expect(target(hv(12, 10n * 4096n, { oomFreedPages: 110n }))).toBe(0n); // not >, so 0
    expect(target(hv(12, 10n * 4096n, { oomFreedPages: 111n }))).toBe(0n);
    // an oom_freed_pages above 2^63 (unsigned long) still compares as unsigned
    expect(target(hv(12, 10n * 4096n, { oomFreedPages: P63 + 5n }))).toBe(0n);
  });

  it('H_GET_MPP failure: early return, the old target stays (247-249); int rc keeps 32 bits', () => {
    expect(cmmGetMpp(hv(12, 10n * 4096n, { mpp: { rc: -1n, loanRequest: 10n * 4096n } }))).toMatchObject({
      target: null,
      rc: -1n,
      pageLoanRequest: null,
    });
    expect(target(hv(12, 0n, { mpp: { rc: 2n, loanRequest: 0n } }))).toBeNull(); // H_BUSY is a failure too
    // a long rc whose low 32 bits are 0 looks like H_SUCCESS to `int rc`
    expect(cmmGetMpp(hv(12, 0n, { mpp: { rc: 1n << 32n, loanRequest: 4096n } }))).toMatchObject({
      rc: 0n,
      target: 101n,
    });
  });

  it('loan_request near 2^63: the page request is about 2^51 and the floor cuts it; -2^63 gives 0', () => {
    const r = cmmGetMpp(hv(12, P63 - 1n));
    expect(r.pageLoanRequest).toBe((P63 - 1n) / 4096n); // 2^51 - 1
    expect(r.pageLoanRequest).toBe((1n << 51n) - 1n);
    expect(r.target).toBe(100_100n - 65_536n);
    expect(cmmGetMpp(hv(12, -P63)).pageLoanRequest).toBe(-(1n << 51n));
    expect(target(hv(12, -P63))).toBe(0n);
  });

  it('min_mem_mb near 2^64: (min_mem_mb * 1024 * 1024) wraps in unsigned long (244, CMM-11)', () => {
    // 2^44 MiB * 2^20 = 2^64 = 0: no floor at all, everything may be loaned
    expect(cmmGetMpp(hv(12, P63 - 1n, { minMemMb: 1n << 44n })).minMemPages).toBe(0n);
    expect(target(hv(12, P63 - 1n, { minMemMb: 1n << 44n }))).toBe(100_100n);
    // 2^44 + 1 MiB wraps to 1 MiB = 256 pages
    expect(cmmGetMpp(hv(12, 0n, { minMemMb: (1n << 44n) + 1n })).minMemPages).toBe(256n);
    // 2^64 - 1 MiB wraps to 2^64 - 2^20 bytes: 2^52 - 2^8 pages, more than the partition: 0
    expect(cmmGetMpp(hv(12, 0n, { minMemMb: P64 - 1n })).minMemPages).toBe((1n << 52n) - 256n);
    expect(target(hv(12, 4096n, { minMemMb: P64 - 1n }))).toBe(0n);
  });

  it('loaned_pages near 2^63 (as a long): total_pages wraps as unsigned, then reads signed', () => {
    const r = cmmGetMpp(hv(12, 0n, { loanedPages: P63 - 1n, totalramPages: 2n, minMemMb: 0n }));
    expect(r.totalPages).toBe(-P63 + 1n); // (2 + 2^63 - 1) mod 2^64 as a long
    expect(r.target).toBe(0n); // a negative total_pages is below min_mem_pages (0): target 0 (258)
  });
});

describe('cmm_get_mpp, 64 KiB pages (PAGE_SHIFT 16)', () => {
  // min_mem_pages = 256 MiB / 64 KiB = 4,096; total = 100,100
  it('pages of 64 KiB: the request, the floor and div_s64', () => {
    const r = cmmGetMpp(hv(16, 10n * 65536n));
    expect(r).toMatchObject({ target: 110n, pageLoanRequest: 10n, minMemPages: 4096n });
    expect(cmmGetMpp(hv(16, 65537n)).pageLoanRequest).toBe(1n);
    expect(cmmGetMpp(hv(16, -65535n)).pageLoanRequest).toBe(0n);
    expect(target(hv(16, 200_000n * 65536n))).toBe(100_100n - 4096n);
  });

  it('near 2^63 and 2^64 with 64 KiB pages', () => {
    expect(cmmGetMpp(hv(16, P63 - 1n)).pageLoanRequest).toBe((1n << 47n) - 1n);
    expect(target(hv(16, P63 - 1n))).toBe(100_100n - 4096n);
    expect(cmmGetMpp(hv(16, -P63)).pageLoanRequest).toBe(-(1n << 47n));
    // 2^44 MiB still wraps to 0; 2^64 - 1 MiB is (2^64 - 2^20) / 2^16 = 2^48 - 16 pages
    expect(cmmGetMpp(hv(16, 0n, { minMemMb: 1n << 44n })).minMemPages).toBe(0n);
    expect(cmmGetMpp(hv(16, 0n, { minMemMb: P64 - 1n })).minMemPages).toBe((1n << 48n) - 16n);
  });
});

describe('cmm_get_mpp in simulate mode (253-256)', () => {
  const sim = (pageShift: 12 | 16, kb: bigint, over: Partial<CmmGetMppInput> = {}): CmmGetMppInput => ({
    ...hv(pageShift, 0n),
    simulate: true,
    simulateLoanTargetKb: kb,
    mpp: { rc: -1n, loanRequest: 0n }, // never looked at: no hcall in simulate mode
    ...over,
  });

  it('the target is KB2PAGES(simulate_loan_target_kb), no hcall result read', () => {
    expect(cmmGetMpp(sim(12, 400n))).toMatchObject({ target: 100n, rc: null, pageLoanRequest: 0n });
    expect(cmmGetMpp(sim(12, 404n))).toMatchObject({ target: 101n, pageLoanRequest: 1n });
    expect(cmmGetMpp(sim(12, 0n))).toMatchObject({ target: 0n, pageLoanRequest: -100n });
    expect(target(sim(16, 400n))).toBe(6n); // 400 >> 6
    expect(target(sim(16, 63n))).toBe(0n);
  });

  it('floor, oom_freed_pages and values near 2^64 apply as in hypervisor mode', () => {
    expect(target(sim(12, 400n, { oomFreedPages: 40n }))).toBe(60n);
    // 2^64 - 1 KiB >> 2 = 2^62 - 1 pages: positive as a long, cut by the floor
    expect(target(sim(12, P64 - 1n))).toBe(100_100n - 65_536n);
    expect(target(sim(16, P64 - 1n))).toBe(100_100n - 4096n);
    // and with the floor wrapped away, the whole partition
    expect(target(sim(12, P64 - 1n, { minMemMb: 1n << 44n }))).toBe(100_100n);
  });
});

describe('KB2PAGES / PAGES2KB (42-43)', () => {
  it('shift by PAGE_SHIFT - 10, unsigned long', () => {
    expect(kb2pages(1024n, 12)).toBe(256n);
    expect(kb2pages(1024n, 16)).toBe(16n);
    expect(pages2kb(256n, 12)).toBe(1024n);
    expect(pages2kb(16n, 16)).toBe(1024n);
    expect(pages2kb(P64 - 1n, 12)).toBe(P64 - 4n); // wraps
  });
});

describe('struct hvcall_mpp_data', () => {
  const data = {
    entitledMem: 64n << 30n,
    mappedMem: 56n << 30n,
    groupNum: 0x1234,
    poolNum: 0xbeef,
    memWeight: 200,
    unallocatedMemWeight: 7,
    unallocatedEntitlement: 0x0000_8000_0000_0001n,
    poolSize: 1n << 40n,
    loanRequest: -(8n << 30n),
    backingMem: 3n,
  };

  it('h_get_mpp unpacks retbuf[2] and retbuf[3] (group/pool; weights and 48-bit entitlement)', () => {
    const words = mppDataToRetbuf(data);
    expect(words[2]).toBe(0x1234_beefn);
    expect(words[3]).toBe((200n << 56n) | (7n << 48n) | 0x8000_0000_0001n);
    expect(words[5]).toBe(P64 - (8n << 30n)); // the signed loan request as an unsigned word
    expect(mppDataFromRetbuf(words)).toEqual(data);
    // bits above the fields are dropped
    expect(mppDataFromRetbuf([0n, 0n, 0xffff_1234_beefn, 0n, 0n, 0n, 0n])).toMatchObject({
      groupNum: 0x1234,
      poolNum: 0xbeef,
    });
  });

  it('56 bytes with the fields at their offsets, big- and little-endian', () => {
    expect(HVCALL_MPP_DATA_SIZE).toBe(56);
    const be = encodeMppData(data);
    const v = new DataView(be.buffer);
    expect(v.getBigUint64(0)).toBe(64n << 30n);
    expect(v.getUint16(16)).toBe(0x1234);
    expect(v.getUint16(18)).toBe(0xbeef);
    expect(v.getUint8(20)).toBe(200);
    expect(v.getUint8(21)).toBe(7);
    expect(v.getBigUint64(24)).toBe(0x8000_0000_0001n);
    expect(v.getBigInt64(40)).toBe(-(8n << 30n));
    expect(v.getBigUint64(48)).toBe(3n);
    expect(decodeMppData(be)).toEqual(data);
    const le = encodeMppData(data, true);
    expect(new DataView(le.buffer).getBigInt64(40, true)).toBe(-(8n << 30n));
    expect(decodeMppData(le, true)).toEqual(data);
    expect(() => decodeMppData(new Uint8Array(55))).toThrow(/56 bytes/);
  });
});
