/**
 * The in-browser viewer of a machine page. It runs the machine itself (the package's own
 * XState machine, bundled with XState for the browser) on a simulated clock, highlights the
 * active configuration in the diagram and in the state list, offers every event of the chart
 * (enabled ones clickable, `snapshot.can`), advances the clock for delayed transitions, and
 * replays a trace (JSON Lines from `kspec run --trace`) with a slider. Everything is in the
 * page: it works from `file://` or any static server.
 *
 * @module
 */
import { createActor, SimulatedClock } from 'xstate';
import type { AnyActorRef, AnyStateMachine } from 'xstate';
import type { SubsystemManifest } from '@kspec/spec-kit';
import { activeStateIds } from '@kspec/statecharts/browser';
import type { TraceRecord } from '@kspec/statecharts/browser';
import { parseTraceJsonl, traceActorMatches } from '@kspec/statecharts/browser';

/** What the page tells the viewer (embedded as JSON in `#kspec-page`). */
export interface PageData {
  readonly manifestName: string;
  readonly packageName: string;
  readonly machine: string;
  /** Event types the chart names (external events). */
  readonly events: readonly string[];
  /** Delayed transitions: source state id, label and milliseconds (when known). */
  readonly delays: readonly { readonly source: string; readonly label: string; readonly ms?: number }[];
}

type AnyEvent = { type: string; [k: string]: unknown };

function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string> = {},
  text?: string,
): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  return e;
}

function byId<T extends HTMLElement>(id: string): T {
  const e = document.getElementById(id);
  if (!e) throw new Error(`viewer: element #${id} is missing`);
  return e as T;
}

/** Marks the active states in the SVG and the state list. */
function highlight(ids: readonly string[]): void {
  const active = new Set(ids);
  document.querySelectorAll('.kspec-active').forEach((n) => n.classList.remove('kspec-active'));
  for (const id of active) {
    document.getElementById(`state:${id}`)?.classList.add('kspec-active');
    document.querySelector(`[data-state-id="${CSS.escape(id)}"]`)?.classList.add('kspec-active');
  }
  byId('active-states').textContent = [...active].join('\n');
}

function describeEvent(e: AnyEvent): string {
  const { type, ...rest } = e;
  return Object.keys(rest).length === 0 ? type : `${type} ${JSON.stringify(rest)}`;
}

/** True when the snapshot would take `ev` (false when a guard throws on an event without data). */
function canTake(snap: { status: string; can(e: never): boolean }, ev: AnyEvent): boolean {
  if (snap.status !== 'active') return false;
  try {
    return snap.can(ev as never);
  } catch {
    return false;
  }
}

/** Starts the viewer for the machine named by the page. */
export function startViewer(manifest: SubsystemManifest): void {
  const page = JSON.parse(byId('kspec-page').textContent ?? '{}') as PageData;
  const entry = manifest.machines.find((m) => m.name === page.machine);
  const status = byId('viewer-status');
  if (!entry) {
    status.textContent = `viewer: machine ${page.machine} is not in the bundled manifest`;
    return;
  }
  const machine: AnyStateMachine = entry.machine;
  const candidates: AnyEvent[] = [
    ...page.events.map((type) => ({ type })),
    ...(entry.sampleEvents ?? []).map((e) => ({ ...e }) as AnyEvent),
  ];
  let clock = new SimulatedClock();
  let actor: AnyActorRef;
  let elapsed = 0;
  const log = byId('step-log');

  const start = (): void => {
    actor?.stop();
    clock = new SimulatedClock();
    elapsed = 0;
    actor = createActor(machine, { input: entry.input, clock });
    actor.subscribe({ error: (err: unknown) => (status.textContent = `machine error: ${String(err)}`) });
    actor.start();
    log.textContent = '';
    render();
  };

  const record = (what: string): void => {
    const li = el('li', {}, what);
    log.prepend(li);
  };

  const render = (): void => {
    const snap = actor.getSnapshot();
    highlight(activeStateIds(machine, snap.value));
    status.textContent = `live · t=${elapsed}ms · status ${snap.status}`;
    const box = byId('event-buttons');
    box.textContent = '';
    for (const ev of candidates) {
      const enabled = canTake(snap, ev);
      const b = el(
        'button',
        { type: 'button', 'data-event': ev.type, class: enabled ? 'enabled' : 'disabled' },
        describeEvent(ev),
      );
      b.disabled = !enabled;
      b.addEventListener('click', () => {
        actor.send(ev);
        record(describeEvent(ev));
        render();
      });
      box.append(b);
    }
    const active = new Set(activeStateIds(machine, snap.value));
    for (const d of page.delays) {
      if (!active.has(d.source) || d.ms === undefined || snap.status !== 'active') continue;
      const b = el(
        'button',
        { type: 'button', 'data-delay': d.source, class: 'enabled delay' },
        `${d.label} (+${d.ms}ms)`,
      );
      b.addEventListener('click', () => {
        elapsed += d.ms!;
        clock.increment(d.ms!);
        record(`${d.label} (clock +${d.ms}ms)`);
        render();
      });
      box.append(b);
    }
  };

  byId('viewer-reset').addEventListener('click', start);
  const zoom = byId('diagram-zoom');
  zoom.addEventListener('click', () => {
    const natural = byId('diagram').classList.toggle('natural');
    zoom.textContent = natural ? 'Diagram: fit to width' : 'Diagram: actual size';
  });

  // trace replay
  const slider = byId<HTMLInputElement>('trace-slider');
  const info = byId('trace-info');
  let trace: TraceRecord[] = [];
  const showTrace = (): void => {
    const i = Number(slider.value);
    const rec = i === 0 ? undefined : trace[i - 1];
    const value = rec ? rec.after : trace[0]?.before;
    highlight(activeStateIds(machine, value));
    info.textContent = rec
      ? `step ${i}/${trace.length} · t=${rec.t} · ${rec.actor} · ${describeEvent(rec.event as AnyEvent)}${rec.source ? ` · ${rec.source.file}:${rec.source.lines[0]}-${rec.source.lines[1]}` : ''}`
      : `step 0/${trace.length} · before the first step`;
    status.textContent = 'replaying a trace (Reset returns to the live machine)';
  };
  const loadTrace = (text: string, name: string): void => {
    try {
      const all = parseTraceJsonl(text);
      trace = all.filter((r) =>
        traceActorMatches(r.actor, {
          packageNames: [page.manifestName, page.packageName],
          machineName: page.machine,
          machineId: machine.id,
        }),
      );
      if (trace.length === 0) {
        info.textContent = `${name}: ${all.length} steps, none by this machine`;
        return;
      }
      slider.max = String(trace.length);
      slider.value = '0';
      slider.disabled = false;
      showTrace();
    } catch (err) {
      info.textContent = `${name}: ${(err as Error).message}`;
    }
  };
  slider.addEventListener('input', showTrace);
  byId<HTMLInputElement>('trace-file').addEventListener('change', (e) => {
    const file = (e.target as HTMLInputElement).files?.[0];
    if (file) void file.text().then((t) => loadTrace(t, file.name));
  });
  byId('trace-paste-load').addEventListener('click', () =>
    loadTrace(byId<HTMLTextAreaElement>('trace-paste').value, 'pasted trace'),
  );

  start();
}
