/**
 * The seed defects the faithful models exhibit: each names the invariant it violates, the seed
 * lines responsible, the shortest trace the checker found (from the check model named in
 * {@link FINDING_MODELS}) and what later Genode did about it (facts 5.4; HEAD read for this
 * package at genodelabs/genode `repos/base-pistachio/src/core/platform.cc`).
 *
 * @module
 */
import type { Finding } from '@kspec/spec-kit';
import { src } from '@kspec/spec-kit';
import type { EventObject } from 'xstate';
import type { PagerEvent } from './pager/context.js';
import type { PlatformEvent } from './platform/context.js';
import { SEED } from './constants.js';

const T = (events: (PagerEvent | PlatformEvent)[]): readonly EventObject[] => events;

// Sender ids of the pager check world (check.ts): core.b's local id, task's global id.
const CORE_B = 0xbff00400;
const TASK = 0x010c0002;
const WRITE_FAULT = { tag: 0xffe20002 };
const READ_FAULT = { tag: 0xffe40002 };

/** CORE-1 .. CORE-10. @category Checking */
export const CORE_FINDINGS: readonly Finding[] = [
  {
    id: 'CORE-1',
    title: 'is_write_fault is never true: write faults are reported as reads',
    invariant: 'writeFaultsReportedAsWrites',
    seed: [
      src(SEED, 'is_write_fault', 52, 53),
      src(SEED, '_core_pager_loop', 135, 136),
      src(SEED, '_core_pager_loop', 142, 143),
    ],
    summary:
      "`(flags & 2) == 1` is false for every value, so the null-pointer and outside-RAM errors always say READ/EXEC or READ. The test is also on the wrong field: `flags` is the message tag's flags (bit 1 = redirected), while the kernel puts the access type in the label's low bits (W = 2).",
    trace: T([{ type: 'ipc.receive', from: CORE_B, ...WRITE_FAULT, words: [0x10, 0x1000] }]),
    upstreamFix:
      'partly: a41d46e193 (2019) changed it to `(flags & 2)`, which now reports redirected IPC as WRITE; HEAD still tests the tag flags, not the label (inferred from facts 5.2)',
  },
  {
    id: 'CORE-2',
    title: 'the core pager serves threads of other tasks',
    invariant: 'onlyCoreThreadsServed',
    seed: [src(SEED, '_core_pager_loop', 117, 117), src(SEED, '_core_pager_loop', 125, 161)],
    summary:
      'The `#warning "TODO Ignore fault messages from non-core tasks"` is all there is: any thread that can send to the core pager gets its fault answered with a mapping of core memory (1:1 physical RAM), or an echo request answered with whatever map item its word 0 points to in core.',
    trace: T([{ type: 'ipc.receive', from: TASK, ...READ_FAULT, words: [0x3123, 0x1000] }]),
    upstreamFix: 'none: eba9c15746 (2017) turned the #warning into an XXX comment; HEAD still has no check',
  },
  {
    id: 'CORE-3',
    title: 'one null-pointer or outside-RAM fault ends the core pager for good',
    invariant: 'pagerKeepsServing',
    seed: [src(SEED, '_core_pager_loop', 133, 146)],
    summary:
      'Both error paths `break` out of the loop ("do not unblock faulter"): `_core_pager_loop` returns, and no later fault of any core thread (core main sends its faults here, line 184) is answered. With CORE-2, a thread of another task can stop core\'s pager with one fault at address 0.',
    trace: T([{ type: 'ipc.receive', from: CORE_B, ...READ_FAULT, words: [0x10, 0x1000] }]),
    upstreamFix: 'none: HEAD still breaks out of the loop on both paths',
  },
  {
    id: 'CORE-4',
    title: 'after a failed wait the previous fault is handled again and its mapping sent to the new sender',
    invariant: 'servedFaultsMapTheFaultingPage',
    seed: [
      src(SEED, 'wait_for_page_fault', 64, 67),
      src(SEED, 'reply_and_wait_for_page_fault', 89, 92),
      src(SEED, '_core_pager_loop', 113, 116),
    ],
    summary:
      "The wait functions' results are ignored. A message without exactly two untyped words (or a failed receive) leaves pf_addr/pf_ip/flags as they were but `t` already holds the new sender: the loop classifies the previous fault again, asks sigma0 again and replies to the sender of the bad message (any thread) with a mapping of the previous faulter's page. The shortest trace: a fault, then two one-word messages (the first is dropped by the extra wait of line 91, the second is answered).",
    trace: T([
      { type: 'ipc.receive', from: CORE_B, ...READ_FAULT, words: [0x3123, 0x1000] },
      { type: 'ipc.receive', from: CORE_B, tag: 0x1, words: [0x5000] },
      { type: 'ipc.receive', from: CORE_B, tag: 0x1, words: [0x5000] },
    ]),
    upstreamFix: 'none: HEAD still ignores both return values',
  },
  {
    id: 'CORE-5',
    title: 'a malformed first message makes the loop read uninitialised variables',
    invariant: 'neverReadsUninitialised',
    seed: [src(SEED, '_core_pager_loop', 106, 109), src(SEED, '_core_pager_loop', 116, 125)],
    summary:
      'pf_addr, pf_ip and flags have no initialiser; if the first wait fails (or gets a malformed message) line 125 reads pf_ip uninitialised: undefined behaviour, in practice whatever the stack held (the echo path dereferences pf_addr when it is 0).',
    trace: T([{ type: 'ipc.receive', from: CORE_B, tag: 0x1, words: [0x5000] }]),
    upstreamFix: 'none: HEAD still declares them without initialiser',
  },
  {
    id: 'CORE-6',
    title: 'a page fault at ip 0 is taken for an echo request',
    invariant: 'faultsNeverTakenForEcho',
    seed: [src(SEED, '_core_pager_loop', 119, 129)],
    summary:
      'The echo test is `pf_ip == 0` alone, before the null-pointer check: a core thread that jumps through a NULL function pointer faults with ip 0, and the pager dereferences the fault address as a map item and "echoes" it to the faulter, instead of reporting the null pointer the core pager exists to catch (line 183).',
    trace: T([{ type: 'ipc.receive', from: CORE_B, ...READ_FAULT, words: [0x2000, 0] }]),
    upstreamFix: 'none: HEAD has the same test',
  },
  {
    id: 'CORE-7',
    title: 'a sigma0 chunk at address 0 stays mapped in core',
    invariant: 'pageZeroNeverMappedInCore',
    seed: [src(SEED, 'Platform::_setup_mem_alloc', 336, 341)],
    summary:
      'sigma0 maps every chunk it hands out 1:1 into core; for the chunk at 0 the L4_Flush is commented out, so page 0 (and the rest of the chunk) stays mapped: NULL accesses by core threads do not fault and are never reported.',
    trace: T([{ type: 'construct' }]),
    upstreamFix: 'none: 58eabc756b (2016) made it `continue` (not counted any more), still without the flush',
  },
  {
    id: 'CORE-8',
    title: 'the chunk at 0 stays in the I/O-memory and virtual-memory allocators',
    invariant: 'coreRamIsNeitherIoMemoryNorFreeVirtualMemory',
    seed: [src(SEED, 'Platform::_setup_mem_alloc', 336, 353)],
    summary:
      "remove_region(region, _io_mem_alloc) and (…, _region_alloc) sit in the else branch of the page-0 test: RAM that sigma0 gave core and that is mapped at 0 stays allocatable as I/O memory, and its virtual range above 0x1000 stays free in core's region allocator although the 1:1 mapping occupies it.",
    trace: T([{ type: 'construct' }]),
    upstreamFix: 'none: with the `continue` of 58eabc756b the removals are skipped as before',
  },
  {
    id: 'CORE-9',
    title: 'all RAM of the chunk at 0 is lost, not just page 0',
    invariant: 'ramCoversKipConventionalMemory',
    seed: [src(SEED, 'Platform::_setup_mem_alloc', 317, 341)],
    summary:
      'Page sizes are tried largest first, so with conventional memory at 0 the first chunk is a 4 MiB superpage at 0; "do not allocate page0" drops the whole chunk, 4 MiB minus one page of RAM never reaches _ram_alloc (and bytes_got counts it anyway).',
    trace: T([{ type: 'construct' }]),
    upstreamFix: 'none at HEAD',
  },
  {
    id: 'CORE-10',
    title: 'a chunk at the top of the address space makes construction panic',
    invariant: 'chunkRegionsNeverWrap',
    seed: [src(SEED, 'Platform::_setup_mem_alloc', 342, 349), src(SEED, 'add_region', 218, 222)],
    summary:
      'region.end = addr + size is an addr_t: for the chunk ending at 4 GiB it wraps to 0, and add_region (or, for an excluded chunk, remove_region) panics with "called with bogus parameters" - a KIP whose conventional memory reaches 4 GiB cannot boot.',
    trace: T([{ type: 'construct' }]),
    upstreamFix:
      '58eabc756b (2016) skips chunks above the KIP virtual region and clips the last one; for a virtual region ending at 4 GiB its bound wraps to 0 and every chunk is skipped (inferred from HEAD)',
  },
];

/** Which check model exhibits each finding (its trace replays there). @category Checking */
export const FINDING_MODELS: Readonly<Record<string, string>> = Object.freeze({
  'CORE-1': 'core-pager/senders',
  'CORE-2': 'core-pager/senders',
  'CORE-3': 'core-pager/senders',
  'CORE-4': 'core-pager/senders',
  'CORE-5': 'core-pager/senders',
  'CORE-6': 'core-pager/senders',
  'CORE-7': 'core-pager/platform-zero',
  'CORE-8': 'core-pager/platform-zero',
  'CORE-9': 'core-pager/platform-zero',
  'CORE-10': 'core-pager/platform-top',
});
