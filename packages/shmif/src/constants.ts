/**
 * Constants the shmif driver takes from NetBSD headers (`net/if.h`, `sys/sockio.h`,
 * `net/if_ether.h`, `sys/param.h`) rather than from if_shmem.c itself, with the values of
 * NetBSD of the seed's era (2010). The bus layout constants live in `@kspec/shared-memory`.
 *
 * @module
 */

/** `IFF_UP` (`net/if.h`): the administrator brought the interface up. @category Constants */
export const IFF_UP = 0x0001;
/** `IFF_BROADCAST` (`net/if.h`). @category Constants */
export const IFF_BROADCAST = 0x0002;
/** `IFF_RUNNING` (`net/if.h`): resources allocated; the receiver runs while it is set. @category Constants */
export const IFF_RUNNING = 0x0040;
/** `IFF_OACTIVE` (`net/if.h`): transmission in progress (`shmif_start` sets it for its loop). @category Constants */
export const IFF_OACTIVE = 0x0400;
/** `IFF_MULTICAST` (`net/if.h`). @category Constants */
export const IFF_MULTICAST = 0x8000;

/**
 * `SIOCGLINKSTR` = `_IOWR('i', 135, struct ifdrv)` on LP64 (`struct ifdrv` is 40 bytes).
 * @category Constants
 */
export const SIOCGLINKSTR = 0xc0286987;
/**
 * `SIOCSLINKSTR` = `_IOW('i', 136, struct ifdrv)` on LP64.
 * @category Constants
 */
export const SIOCSLINKSTR = 0x80286988;
/** `IFLINKSTR_QUERYLEN` (`net/if.h`): `SIOCGLINKSTR` only reports the length. @category Constants */
export const IFLINKSTR_QUERYLEN = 0x01;
/** `IFLINKSTR_UNSET` (`net/if.h`): `SIOCSLINKSTR` detaches the backend. @category Constants */
export const IFLINKSTR_UNSET = 0x02;
/** `MAXPATHLEN` (`sys/param.h`): the longest `ifd_len` `SIOCSLINKSTR` accepts. @category Constants */
export const MAXPATHLEN = 1024;

/** `ETHER_ADDR_LEN`. @category Constants */
export const ETHER_ADDR_LEN = 6;
/** `ETHER_HDR_LEN`: destination, source, type. @category Constants */
export const ETHER_HDR_LEN = 14;
/** `ETHERMTU`. @category Constants */
export const ETHERMTU = 1500;
/** `ETHERMTU + ETHER_HDR_LEN`: the largest frame `shmif_start` writes (line 513). @category Constants */
export const ETHER_MAX_FRAME = ETHERMTU + ETHER_HDR_LEN;
/** Offset of `ether_shost` in `struct ether_header` (the own-frame test, line 702). @category Constants */
export const ETHER_SHOST_OFFSET = 6;

/**
 * `ENETDOWN` (NetBSD `sys/errno.h`): what `ether_output` (outside the seed) returns when the
 * interface is not up and running. Not in spec-kit's `NETBSD_ERRNO`.
 * @category Constants
 */
export const ENETDOWN = 50;
/**
 * `EEXIST` for `if_clone_create` of a unit that exists (outside the seed).
 * @category Constants
 */
export const EEXIST = 17;
/**
 * `ENAMETOOLONG` (NetBSD 63): `copyinstr` when the string does not fit in `ifd_len`.
 * @category Constants
 */
export const ENAMETOOLONG = 63;

/**
 * The range of the `shmif_units` vmem arena, `[1, 1 + SHMIF_MAX_UNITS)`: unit `u` is arena
 * address `u + 1` (if_shmem.c 325-335). The arena is created outside the seed (the shmif
 * component's init); its size here is an assumption.
 * @category Constants
 */
export const SHMIF_MAX_UNITS = 0x10000;

/** The NetBSD seed file name, for `src()`. @category Constants */
export const SEED = 'netbsd-rump-if_shmem.c' as const;
