// The physical page pool: states, O(1) counts, lowest-first allocation, storage that grows
// with pages touched (issue 6), checked transitions.
import { describe, expect, it } from 'vitest';
import { PAGE_CHUNK, PagePool, PagePoolError } from '../index.js';

const GiB = 1024 ** 3;

describe('PagePool', () => {
  it('a 64 GiB pool of 4 KiB pages has 16M free pages and no state storage', () => {
    const pool = new PagePool({ ramBytes: 64 * GiB });
    expect(pool.pageCount).toBe(16 * 1024 * 1024);
    expect(pool.counts()).toEqual({ free: 16 * 1024 * 1024, reserved: 0, core: 0, user: 0, loaned: 0 });
    expect(pool.storageBytes()).toBe(0);
    expect(pool.state(16 * 1024 * 1024 - 1)).toBe('free');
  });

  it('64 KiB pages', () => {
    const pool = new PagePool({ ramBytes: 4 * GiB, pageSize: 65536, base: 0x1_0000_0000 });
    expect(pool.pageCount).toBe(65536);
    expect(pool.address(2)).toBe(0x1_0002_0000);
    expect(pool.pfnOf(0x1_0002_ffff)).toBe(2);
    expect(() => new PagePool({ ramBytes: 1000 })).toThrow(PagePoolError);
    expect(() => new PagePool({ ramBytes: GiB, pageSize: 8192 as 4096 })).toThrow(/page size/);
  });

  it('allocates the lowest free frames and keeps counts', () => {
    const pool = new PagePool({ ramBytes: 64 * 1024 * 4096 });
    pool.setRange(0, 16, 'reserved');
    pool.setRange(20, 4, 'core', 'free');
    const got = pool.allocate(8, 'loaned');
    expect([...got]).toEqual([16, 17, 18, 19, 24, 25, 26, 27]);
    expect(pool.counts()).toMatchObject({ reserved: 16, core: 4, loaned: 8, free: 65536 - 28 });
    expect(pool.countInRange(0, 32, 'loaned')).toBe(8);
    pool.release(got.subarray(0, 4), 'loaned');
    expect(pool.count('loaned')).toBe(4);
    expect([...pool.allocate(2, 'user')]).toEqual([16, 17]); // freed frames are reused first
  });

  it('checks transitions and ranges before changing anything', () => {
    const pool = new PagePool({ ramBytes: 1024 * 4096 });
    pool.setRange(10, 2, 'core');
    expect(pool.transition(10, 'free', 'user')).toBe(false);
    expect(pool.transition(10, 'core', 'user')).toBe(true);
    expect(() => pool.setRange(8, 4, 'loaned', 'free')).toThrow(/page 10 is user, not free/);
    expect(pool.state(8)).toBe('free'); // nothing applied
    expect(() => pool.release([11, 12], 'core')).toThrow(/page 12 is free/);
    expect(pool.state(11)).toBe('core');
    expect(() => pool.state(1024)).toThrow(/outside/);
    expect(() => pool.setRange(1020, 8, 'core')).toThrow(/outside/);
  });

  it('storage grows with pages touched and is given back when chunks become free', () => {
    const pool = new PagePool({ ramBytes: 64 * GiB });
    const pages = pool.allocate(1 << 20, 'loaned'); // balloon 1M pages
    expect(pages.length).toBe(1 << 20);
    expect(pool.count('loaned')).toBe(1 << 20);
    expect(pool.storageBytes()).toBe(1 << 20); // one byte per touched page, 256 chunks
    expect(pool.touchedChunks).toBe((1 << 20) / PAGE_CHUNK);
    pool.release(pages, 'loaned');
    expect(pool.storageBytes()).toBe(0);
    expect(pool.count('free')).toBe(pool.pageCount);
  });

  it('runs out gracefully', () => {
    const pool = new PagePool({ ramBytes: 10 * 4096 });
    expect(pool.allocate(7, 'user').length).toBe(7);
    expect(pool.allocate(7, 'user').length).toBe(3);
    expect(pool.allocate(1, 'user').length).toBe(0);
    expect(pool.count('free')).toBe(0);
  });
});
