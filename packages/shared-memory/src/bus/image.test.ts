// The plain-data bus for the checker: the same C bus operations on immutable images.
import { describe, expect, it } from 'vitest';
import {
  busImageApply,
  busImageFromHex,
  busImageHeader,
  busImageKey,
  busImageToHex,
  createBusImage,
  shmifInitbackendBus,
  shmifNextpktoff,
  shmifWritePacketLocked,
} from '../index.js';

describe('ShmifBusImage', () => {
  it('applies C functions to a copy; equal histories give equal keys', () => {
    const fresh = createBusImage(64);
    const { image: attached, result } = busImageApply(fresh, (m) => shmifInitbackendBus(m));
    expect(result.error).toBe(0);
    expect(busImageHeader(fresh).magic).toBe(0); // input unchanged
    expect(busImageHeader(attached)).toMatchObject({ magic: 0xca11d054, first: 64, last: 0 });
    const send = (img: typeof attached) =>
      busImageApply(img, (m) => shmifWritePacketLocked(m, [new Uint8Array(14).fill(7)], 1, 2));
    const a = send(attached);
    const b = send(attached);
    expect(a.result).toEqual({ offset: 12, end: 38, wrapped: false });
    expect(busImageKey(a.image)).toBe(busImageKey(b.image));
    expect(busImageKey(a.image)).not.toBe(busImageKey(attached));
    expect(busImageKey(busImageFromHex(busImageToHex(a.image), 64))).toBe(busImageKey(a.image));
  });
  it('leaves the input unchanged when the operation throws', () => {
    const img = busImageApply(createBusImage(64), (m) => {
      shmifInitbackendBus(m);
      m.view.setUint32(32, 100, true); // a header at 0 with sp_len >= DATASIZE
    }).image;
    const before = busImageKey(img);
    expect(() => busImageApply(img, (m) => shmifNextpktoff(m, 0))).toThrow(/sp.sp_len < BUSMEM_DATASIZE/);
    expect(busImageKey(img)).toBe(before);
    expect(() => busImageFromHex('00', 64)).toThrow(/hex digits/);
  });
});
