/**
 * The L4 generic boot info (Pistachio `l4/bootinfo.h`) as bytes, and the reads of it the seed
 * makes through Genode's `Multiboot_info` (base-pistachio multiboot_info.cc): the header
 * (`L4_BootInfo_Valid`: magic 0x14b0021d and version 1; `L4_BootInfo_Size`;
 * `L4_BootInfo_Entries`; `L4_BootInfo_FirstEntry`) and the module records (`L4_Type(rec) ==
 * L4_BootInfo_Module`, `L4_Module_Start`, `L4_Module_Size`, `L4_Module_Cmdline`), walked with
 * `offset_next`.
 *
 * Layout: header of eight words (magic, version, size, first_entry, num_entries, 3 reserved);
 * a module record is six words (type 1, version 1, offset_next, start, size, cmdline_offset)
 * followed by its NUL-terminated command line, padded to a word. `cmdline_offset` is relative to
 * the record (0: no command line, `L4_Module_Cmdline` returns NULL).
 *
 * Not covered: SimpleExec, EFI and MBI records (a description can add opaque records of another
 * type, which the module walk skips as the C does).
 *
 * @module
 */
import { L4_BOOTINFO_MAGIC, L4_BOOTINFO_MODULE, L4_BOOTINFO_VERSION } from './constants.js';
import type { CoreMemory } from './memory.js';

/** One boot module. @category Boot info */
export interface BootModule {
  /** Physical start address (`get_module` panics unless page aligned). */
  readonly start: number;
  readonly size: number;
  /** The module's command line (its name is the last path element before the first blank); null: no command line. */
  readonly cmdline: string | null;
}

/** The boot info as a user describes it. @category Boot info */
export interface BootInfoDescription {
  readonly modules: readonly BootModule[];
  /** Records of other types (skipped by the module walk), placed after the modules. */
  readonly otherRecords?: readonly { readonly type: number }[];
  /** Override the header's magic (default `L4_BOOTINFO_MAGIC`). */
  readonly magic?: number;
  /** Override the header's version (default 1). */
  readonly version?: number;
  /** Override `size` (default: the encoded length). */
  readonly size?: number;
}

const HEADER_WORDS = 8;
const MODULE_WORDS = 6;

/** The boot info bytes. @category Boot info */
export function encodeBootInfo(b: BootInfoDescription): Uint8Array {
  const enc = new TextEncoder();
  const records: Uint8Array[] = [];
  for (const m of b.modules) {
    const name = m.cmdline === null ? new Uint8Array(0) : enc.encode(`${m.cmdline}\0`);
    const len = MODULE_WORDS * 4 + Math.ceil(name.length / 4) * 4;
    const r = new Uint8Array(len);
    const v = new DataView(r.buffer);
    [L4_BOOTINFO_MODULE, 1, len, m.start, m.size, m.cmdline === null ? 0 : MODULE_WORDS * 4].forEach((w, i) =>
      v.setUint32(i * 4, w >>> 0, true),
    );
    r.set(name, MODULE_WORDS * 4);
    records.push(r);
  }
  for (const o of b.otherRecords ?? []) {
    const r = new Uint8Array(12);
    const v = new DataView(r.buffer);
    [o.type, 1, 12].forEach((w, i) => v.setUint32(i * 4, w >>> 0, true));
    records.push(r);
  }
  const total = HEADER_WORDS * 4 + records.reduce((n, r) => n + r.length, 0);
  const out = new Uint8Array(total);
  const v = new DataView(out.buffer);
  const header = [
    b.magic ?? L4_BOOTINFO_MAGIC,
    b.version ?? L4_BOOTINFO_VERSION,
    b.size ?? total,
    HEADER_WORDS * 4,
    records.length,
  ];
  header.forEach((w, i) => v.setUint32(i * 4, w >>> 0, true));
  let at = HEADER_WORDS * 4;
  for (const r of records) {
    out.set(r, at);
    at += r.length;
  }
  return out;
}

/** `L4_BootInfo_Valid(ptr)`: magic and version. @category Boot info */
export const L4_BootInfo_Valid = (mem: CoreMemory, ptr: number): boolean =>
  mem.readWord(ptr) === L4_BOOTINFO_MAGIC && mem.readWord(ptr + 4) === L4_BOOTINFO_VERSION;
/** `L4_BootInfo_Size(ptr)`. @category Boot info */
export const L4_BootInfo_Size = (mem: CoreMemory, ptr: number): number => mem.readWord(ptr + 8);

/** A module record found by the walk: where it is and what it says. @category Boot info */
export interface ModuleRecord {
  /** Address of the record. */
  readonly rec: number;
  readonly start: number;
  readonly size: number;
  /** `L4_Module_Cmdline(rec)`: address of the command line, or 0 (NULL). */
  readonly cmdline: number;
}

/**
 * The module records in order, as `Multiboot_info::num_modules` and `get_module` walk them:
 * `num_entries` records from `first_entry`, each `offset_next` further, type 1 only.
 * @category Boot info
 */
export function bootInfoModules(mem: CoreMemory, ptr: number): ModuleRecord[] {
  const out: ModuleRecord[] = [];
  let entries = mem.readWord(ptr + 16);
  let rec = (ptr + mem.readWord(ptr + 12)) >>> 0;
  // A corrupt record count cannot make the walk run away: at most one record per byte of a page.
  for (let guard = 0; entries > 0 && guard < 4096; entries--, guard++) {
    if (mem.readWord(rec) === L4_BOOTINFO_MODULE) {
      const off = mem.readWord(rec + 20);
      out.push({
        rec,
        start: mem.readWord(rec + 12),
        size: mem.readWord(rec + 16),
        cmdline: off === 0 ? 0 : (rec + off) >>> 0,
      });
    }
    rec = (rec + mem.readWord(rec + 8)) >>> 0;
  }
  return out;
}

/** The NUL-terminated string at `addr` (at most `max` bytes). @category Boot info */
export function readCString(mem: CoreMemory, addr: number, max = 4096): string {
  const bytes = mem.read(addr, max);
  const end = bytes.indexOf(0);
  return new TextDecoder().decode(bytes.subarray(0, end < 0 ? max : end));
}
