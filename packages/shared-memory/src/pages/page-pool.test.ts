// The physical page pool: states, O(1) counts, lowest-first and LIFO allocation, one page at a
// time or in bulk, storage that grows with pages touched (issue 6) and holds no object per page,
// checked transitions, independent clones.
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

  it('allocateOne / releaseOne: lowest free frame first by default, -1 when none is free', () => {
    const pool = new PagePool({ ramBytes: 8 * 4096 });
    pool.setRange(0, 2, 'reserved');
    expect([0, 1, 2].map(() => pool.allocateOne('loaned'))).toEqual([2, 3, 4]);
    pool.releaseOne(3, 'loaned');
    expect(pool.allocateOne('user')).toBe(3);
    expect(() => pool.releaseOne(3, 'loaned')).toThrow(/page 3 is user, not loaned/);
    expect([5, 6, 7].map(() => pool.allocateOne('user'))).toEqual([5, 6, 7]);
    expect(pool.allocateOne('user')).toBe(-1);
    expect(pool.count('free')).toBe(0);
  });

  it('LIFO free order: the most recently released frame comes back first, then the lowest free', () => {
    const pool = new PagePool({ ramBytes: 16 * 4096, freeOrder: 'lifo' });
    expect(pool.freeOrder).toBe('lifo');
    const got = [0, 1, 2, 3, 4].map(() => pool.allocateOne('loaned'));
    expect(got).toEqual([0, 1, 2, 3, 4]); // nothing released yet: lowest first
    pool.releaseOne(1, 'loaned');
    pool.releaseOne(3, 'loaned');
    pool.release([0], 'loaned');
    expect([0, 1, 2, 3].map(() => pool.allocateOne('user'))).toEqual([0, 3, 1, 5]);
    // a released frame taken some other way is skipped
    pool.releaseOne(2, 'loaned');
    expect(pool.transition(2, 'free', 'core')).toBe(true);
    expect(pool.allocateOne('user')).toBe(6);
    expect(pool.transition(2, 'core', 'free')).toBe(true); // a transition to free counts as a release
    expect([...pool.allocate(2, 'user')]).toEqual([2, 7]);
    expect(() => new PagePool({ ramBytes: 4096, freeOrder: 'fifo' as 'lifo' })).toThrow(/free order/);
  });

  it('one page at a time over 64 GiB: no object per page, sequential runs stay O(1)', () => {
    const pool = new PagePool({ ramBytes: 64 * GiB, freeOrder: 'lifo' });
    const n = 1 << 18;
    const pages = new Uint32Array(n);
    for (let i = 0; i < n; i++) pages[i] = pool.allocateOne('loaned');
    expect(pages[n - 1]).toBe(n - 1);
    expect(pool.storageBytes()).toBe(n); // one byte per page, nothing else
    for (let i = n - 1; i >= n / 2; i--) pool.releaseOne(pages[i]!, 'loaned');
    expect(pool.count('loaned')).toBe(n / 2);
    // the LIFO list holds 4 bytes per released frame, the chunks one byte per page
    expect(pool.storageBytes()).toBe(n / 2 + (n / 2) * 4);
    expect(pool.allocateOne('loaned')).toBe(n / 2); // released last
  });

  it('clone() is independent of the original', () => {
    const pool = new PagePool({ ramBytes: 32 * 4096, freeOrder: 'lifo' });
    const a = pool.allocateOne('loaned');
    const b = pool.allocateOne('loaned');
    pool.releaseOne(a, 'loaned');
    const copy = pool.clone();
    expect(copy.counts()).toEqual(pool.counts());
    expect(copy.allocateOne('user')).toBe(a);
    expect(pool.state(a)).toBe('free');
    pool.releaseOne(b, 'loaned');
    expect(copy.state(b)).toBe('loaned');
    expect(pool.allocateOne('core')).toBe(b);
    expect(copy.allocateOne('core')).toBe(2);
  });
});
