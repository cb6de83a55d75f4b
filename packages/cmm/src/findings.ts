/**
 * The seed defects the faithful model exhibits: each names the invariant it violates, the seed
 * lines responsible, what happens, the shortest trace the checker finds (events from the
 * initial state of its scope in `check.ts`; `traces.ts` holds them, pinned by tests) and the
 * upstream fix when one is known.
 *
 * @module
 */
import type { Finding } from '@kspec/spec-kit';
import { src } from '@kspec/spec-kit';
import { SEED } from './constants.js';
import { CMM_TRACES } from './traces.js';

const s = (fn: string, a: number, b: number = a) => src(SEED, fn, a, b);

/**
 * The findings.
 * @category Checking
 */
export const cmmFindings: readonly Finding[] = [
  {
    id: 'CMM-1',
    title: 'An OOM on a balloon holding fewer than KB2PAGES(oom_kb) pages is a BUG()',
    invariant: 'oomRequestWithinBalloon',
    seed: [s('cmm_oom_notify', 218, 221), s('cmm_free_pages', 191, 194)],
    summary:
      'cmm_oom_notify asks cmm_free_pages for KB2PAGES(oom_kb) pages (256 with the defaults) whatever is loaned. Since the balloon-compaction conversion, cmm_free_pages takes pages with balloon_page_dequeue, which BUG()s when the list is empty and no page is isolated, instead of stopping as the old page-array walk did: any OOM while the balloon holds fewer pages than that, an empty balloon included, crashes the kernel.',
    trace: CMM_TRACES['CMM-1'],
    upstreamFix:
      'None known: mainline still frees KB2PAGES(oom_kb) (checked in a 2025 tree). Introduced by fe030c9b85e6 "powerpc/pseries: cmm: Implement balloon compaction" (v5.6).',
  },
  {
    id: 'CMM-2',
    title: 'Two cmm_free_pages callers at once take more pages than the balloon holds: BUG()',
    invariant: 'freeRequestsWithinBalloon',
    seed: [
      s('cmm_thread', 326, 331),
      s('cmm_oom_notify', 218, 221),
      s('cmm_reboot_notifier', 456),
      s('cmm_set_disable', 702),
      s('cmm_free_pages', 191, 194),
    ],
    summary:
      "Each caller computes how many pages to free from its own earlier read of loaned_pages (the thread at 326/331, the reboot notifier at 456, the disable setter at 702, exit at 680) and loops until it has freed that many. The OOM notifier can free pages between the read and the loop's end: the other loop then dequeues from an empty balloon and balloon_page_dequeue BUG()s, even when each request alone fits the balloon.",
    trace: CMM_TRACES['CMM-2'],
    upstreamFix: 'None known.',
  },
  {
    id: 'CMM-3',
    title: 'Without CONFIG_BALLOON_COMPACTION the balloon list is never initialised',
    invariant: 'balloonInitializedBeforeUse',
    seed: [
      s('cmm_balloon_compaction_init#2', 604, 607),
      s('cmm_balloon_compaction_init', 573),
      s('cmm_alloc_pages', 169),
    ],
    summary:
      'balloon_devinfo_init is called only in the CONFIG_BALLOON_COMPACTION variant of cmm_balloon_compaction_init; the stub leaves b_dev_info zeroed, so the first balloon_page_enqueue (or a dequeue by the OOM notifier) works on a NULL list head and oopses.',
    trace: CMM_TRACES['CMM-3'],
    upstreamFix:
      'fc6bcf9ac4de "powerpc/pseries/cmm: call balloon_devinfo_init() also without CONFIG_BALLOON_COMPACTION" (2025, David Hildenbrand; Fixes fe030c9b85e6).',
  },
  {
    id: 'CMM-4',
    title: 'The thread keeps inflating after an OOM lowered the target',
    invariant: 'inflationWithinTarget',
    seed: [s('cmm_alloc_pages', 147, 173), s('cmm_oom_notify', 222)],
    summary:
      'cmm_alloc_pages loops on its own nr, never looking at loaned_pages_target again. An OOM notification during the loop frees pages and sets the target to what is left (the value loaned_target_kb shows), but the thread goes on loaning pages up to the old target in the same round, taking back the memory the OOM notifier just released.',
    trace: CMM_TRACES['CMM-4'],
    upstreamFix: 'None known.',
  },
  {
    id: 'CMM-5',
    title: 'A partial inflation resets the target below the pages loaned',
    invariant: 'shortfallResetsTargetToAchieved',
    seed: [s('cmm_thread', 326, 329)],
    summary:
      'When cmm_alloc_pages falls short, the thread sets loaned_pages_target = __loaned_pages, the count read before the round (326), not the pages loaned now. loaned_target_kb then shows less than loaned_kb until the next round; if H_GET_MPP fails then (the target is kept), the thread deflates the pages it just loaned. Before the atomic_long_t conversion the reset read the live loaned_pages.',
    trace: CMM_TRACES['CMM-5'],
    upstreamFix:
      'None known. Introduced by "powerpc/pseries: cmm: Convert loaned_pages to an atomic_long_t" (v5.5, David Hildenbrand) [inferred from the v5.4 text, which reads the global after the call].',
  },
  {
    id: 'CMM-6',
    title: 'loaned_pages_target is read twice: an OOM in between makes the thread inflate without bound',
    invariant: 'allocRequestPositive',
    seed: [s('cmm_thread', 326, 329), s('cmm_alloc_pages', 147, 172)],
    summary:
      'Line 327 tests loaned_pages_target > __loaned_pages and line 328 reads the target again for the request. An OOM notification between the two sets the target to the pages left, below __loaned_pages: the request is negative, and `while (nr)` with nr-- never reaches 0, so the balloon takes every page it can get until balloon_page_alloc fails or a hotplug operation stops it. (A compiler may keep the first load; the C as written permits the race.)',
    trace: CMM_TRACES['CMM-6'],
    upstreamFix: 'None known (a READ_ONCE of the target into a local would close it).',
  },
  {
    id: 'CMM-7',
    title: 'A failed kthread_run leaves an ERR_PTR in cmm_thread_ptr, which kthread_stop later dereferences',
    invariant: 'threadPointerNullOrLive',
    seed: [
      s('cmm_set_disable', 703, 706),
      s('cmm_init', 648, 651),
      s('cmm_reboot_notifier', 453, 454),
      s('cmm_exit', 675, 676),
    ],
    summary:
      "cmm_set_disable stores kthread_run's result in cmm_thread_ptr and returns PTR_ERR on failure without clearing it (so does cmm_init, which matters for a built-in driver whose disable parameter stays writable). The reboot notifier, cmm_exit and a later disable all test only `if (cmm_thread_ptr)` and call kthread_stop on the ERR_PTR: an oops on reboot or rmmod.",
    trace: CMM_TRACES['CMM-7'],
    upstreamFix: 'None known.',
  },
  {
    id: 'CMM-8',
    title: 'MEM_CANCEL_OFFLINE after a higher-priority veto unlocks a mutex CMM never locked',
    invariant: 'hotplugMutexUnlockedByHolder',
    seed: [s('cmm_memory_cb', 481, 489)],
    summary:
      'cmm_memory_cb locks hotplug_mutex on MEM_GOING_OFFLINE and unlocks it on MEM_OFFLINE or MEM_CANCEL_OFFLINE. When a memory notifier of higher priority vetoes MEM_GOING_OFFLINE, the chain stops before CMM (priority 1), but offline_pages still sends MEM_CANCEL_OFFLINE to every notifier: CMM unlocks a mutex it does not hold (a DEBUG_MUTEXES warning; without it the unlock slow path leaves the mutex unlocked, and a concurrent holder would lose it).',
    trace: CMM_TRACES['CMM-8'],
    upstreamFix:
      'None known in cmm.c. mm/memory_hotplug.c still sends MEM_CANCEL_OFFLINE after a MEM_GOING_OFFLINE veto [verified in 2024-2025 trees]; CMM would need to remember that it locked.',
  },
  {
    id: 'CMM-9',
    title: 'The OOM notifier reads oom_kb twice: a parameter write in between misreports the pages freed',
    invariant: 'oomFreedCountsPagesFreed',
    seed: [s('cmm_oom_notify', 218, 224)],
    summary:
      'The request uses KB2PAGES(oom_kb) at 218, the report KB2PAGES(oom_kb) - nr at 223-224, and oom_kb is a writable parameter read again after the cmm_free_pages call. A write in between makes *freed (which decides whether the OOM killer runs) and oom_freed_pages (which lowers every later target) differ from the pages actually freed.',
    trace: CMM_TRACES['CMM-9'],
    upstreamFix: 'None known.',
  },
  {
    id: 'CMM-10',
    title: 'Pages go back to the kernel still loaned when H_PAGE_SET_ACTIVE fails',
    invariant: 'kernelPagesNotLoaned',
    seed: [
      s('cmm_free_pages', 195, 197),
      s('plpar_page_set_active', 123, 128),
      s('plpar_page_set_loaned', 106, 108),
    ],
    summary:
      'cmm_free_pages ignores plpar_page_set_active\'s result and frees the page; the rollback inside plpar_page_set_active even sets the CMO pages it had activated back to loaned, and the rollbacks ignore their own failures. The kernel then uses memory the hypervisor considers loaned, also after the reboot notifier, whose purpose is to "make sure pages are not still marked as loaned". The C says the errors are ignored on purpose (558); the invariant is the reboot notifier\'s.',
    trace: CMM_TRACES['CMM-10'],
    upstreamFix: 'None known (deliberate: "We ignore any errors just like the other callers").',
  },
  {
    id: 'CMM-11',
    title: 'min_mem_mb * 1024 * 1024 wraps: a floor of 2^44 MiB or more becomes a smaller one',
    invariant: 'targetLeavesMinMem',
    seed: [s('cmm_get_mpp', 244)],
    summary:
      'min_mem_mb is an unsigned long parameter; cmm_get_mpp multiplies it by 2^20 in unsigned long, which wraps: min_mem_mb = 2^44 gives a floor of 0 pages, and the thread may balloon away every page of the partition.',
    trace: CMM_TRACES['CMM-11'],
    upstreamFix: 'None known.',
  },
  {
    id: 'CMM-12',
    title: 'disable=1 written during cmm_init leaves a thread running with cmm_disabled = 1',
    invariant: 'disabledMeansNoThread',
    seed: [s('cmm_init', 645, 648), s('cmm_set_disable', 698, 709)],
    summary:
      'The parameter file exists from module load, and cmm_set_disable does not serialise with cmm_init. A write of 1 after init tested cmm_disabled (645) and before kthread_run (648) finds no thread, sets cmm_disabled = 1, and init then starts the thread: it runs while the driver says it is disabled, a further disable=1 is ignored, and disable=0 starts a second thread whose predecessor can no longer be stopped.',
    trace: CMM_TRACES['CMM-12'],
    upstreamFix: 'None known.',
  },
  {
    id: 'CMM-13',
    title: 'The thread can start after the reboot notifier ran, and loan pages again',
    invariant: 'afterRebootNothingLoaned',
    seed: [s('cmm_init', 635, 648), s('cmm_set_disable', 703, 704), s('cmm_reboot_notifier', 452, 456)],
    summary:
      'The reboot notifier makes sure nothing is loaned when the kernel restarts: it stops the thread and frees the balloon. But it is registered (635) before cmm_init starts the thread (648), and nothing stops cmm_set_disable from starting one later (704): a SYS_RESTART in between finds no thread and an empty balloon, and the thread started afterwards loans pages while the kernel goes down.',
    trace: CMM_TRACES['CMM-13'],
    upstreamFix:
      'None known (registering the reboot notifier last, or a flag the reboot notifier sets, would close it).',
  },
];
