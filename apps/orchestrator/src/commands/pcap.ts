/**
 * `kspec pcap <busfile> -o out.pcap`: the frames on a shmif bus file (from `shm_first` to
 * `shm_last`, as NetBSD's `shmif_dumpbus -p` walks them) as a classic pcap file
 * (little endian, microsecond timestamps from the packet headers, Ethernet link type) that
 * tcpdump, Wireshark and tshark read.
 *
 * The bus's data size is taken from the file size (a standard bus file is 1 MiB, 32 bytes of
 * header and `BUSMEM_DATASIZE` of data) unless `--data-size` says otherwise. A file that is
 * not a bus (wrong magic, impossible offsets or lengths) is bad input: exit 2, no pcap written.
 * The output is checked before the bus file is read (it must not be the bus file, and must be
 * creatable) and written through a temporary file renamed at the end.
 *
 * @module
 */
import {
  MAX_DATASIZE,
  MIN_DATASIZE,
  SHMIF_HEADER_SIZE,
  ShmifError,
  busSizeFor,
  busToPcap,
  framesToPcap,
  parseBusFile,
  shmifMemOver,
  walkBusFrames,
} from '@kspec/shared-memory';
import { reserveOutputs } from '@kspec/statecharts/node';
import { EXIT, UsageError } from '../errors.js';
import { readInputFile } from '../json-input.js';
import type { CommandIo } from '../io.js';

/**
 * Options of `kspec pcap`.
 * @category CLI
 */
export interface PcapCommandOptions {
  readonly out: string;
  readonly dataSize?: number;
}

/**
 * Converts a bus file to pcap; returns the exit status and the number of frames written.
 * @category CLI
 */
export function pcapCommand(
  busFile: string,
  o: PcapCommandOptions,
  io: CommandIo,
): { code: number; frames: number } {
  const outputs = reserveOutputs([{ flag: '-o', path: o.out }], [{ flag: 'bus file', path: busFile }]);
  try {
    const r = convert(busFile, o);
    outputs.get('-o')!.write(r.pcap);
    outputs.commitAll();
    io.out(
      `kspec pcap: ${r.frames} frame${r.frames === 1 ? '' : 's'} from ${busFile} (data size ${r.dataSize}) written to ${o.out}`,
    );
    return { code: EXIT.ok, frames: r.frames };
  } finally {
    outputs.discardAll();
  }
}

function convert(
  busFile: string,
  o: PcapCommandOptions,
): { pcap: Uint8Array; frames: number; dataSize: number } {
  const bytes = readInputFile(
    busFile,
    { maxBytes: busSizeFor(MAX_DATASIZE), minBytes: busSizeFor(MIN_DATASIZE), what: 'a shmif bus file' },
    (m) => new UsageError(m),
  );
  const dataSize = o.dataSize ?? bytes.length - SHMIF_HEADER_SIZE;
  if (dataSize < MIN_DATASIZE || dataSize > MAX_DATASIZE) {
    throw new UsageError(
      `${busFile}: ${bytes.length} bytes is too small or too large to be a shmif bus file`,
    );
  }
  let pcap: Uint8Array;
  let frames: number;
  try {
    const parsed = parseBusFile(bytes, { dataSize });
    const mem = shmifMemOver(parsed.image.buffer, dataSize);
    frames = parsed.fresh ? 0 : walkBusFrames(mem, () => undefined);
    pcap = parsed.fresh ? framesToPcap([]) : busToPcap(mem);
  } catch (err) {
    if (err instanceof ShmifError) throw new UsageError(`${busFile}: ${err.message}`);
    throw err;
  }
  return { pcap, frames, dataSize };
}
