/**
 * The in-browser viewer of a machine page. It runs the machine itself (the package's own
 * XState machine, bundled with XState for the browser) on a simulated clock, highlights the
 * active configuration in the diagram (pan and zoom, see `diagram.ts`) and in the state list,
 * offers every event of the chart (enabled ones clickable, `snapshot.can`), advances the clock
 * for delayed transitions, shows after every step the context, the C return value and the
 * transitions taken with their seed lines (`context-view.ts`), and replays a trace (JSON Lines
 * from `kspec run --trace`) with a slider; while a trace is replayed the event buttons are
 * disabled (Reset returns to the live machine). Everything is in the page: it works from
 * `file://` or any static server.
 *
 * @module
 */
import { createActor, SimulatedClock } from 'xstate';
import type { AnyActorRef, AnyStateMachine, InspectionEvent } from 'xstate';
import type { SubsystemManifest } from '@kspec/spec-kit';
import { activeStateIds } from '@kspec/statecharts/browser';
import type { TraceRecord } from '@kspec/statecharts/browser';
import { parseTraceJsonl, traceActorMatches } from '@kspec/statecharts/browser';
import { renderContextView, type TransitionInfo } from './context-view.js';
import { setupDiagram } from './diagram.js';
import { byId, el } from './dom.js';

/** What the page tells the viewer (embedded as JSON in `#kspec-page`). */
export interface PageData {
  readonly manifestName: string;
  readonly packageName: string;
  readonly machine: string;
  /** Event types the chart names (external events). */
  readonly events: readonly string[];
  /** Delayed transitions: source state id, label and milliseconds (when known). */
  readonly delays: readonly { readonly source: string; readonly label: string; readonly ms?: number }[];
  /** Every transition by id: its label and seed reference. */
  readonly transitions: Readonly<Record<string, TransitionInfo>>;
  /** Whose errno convention the C returns follow. */
  readonly flavour: 'linux' | 'netbsd';
}

type AnyEvent = { type: string; [k: string]: unknown };

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

/** The kspec transition id (`source|event|index`, spec-kit's `listTransitions`) of an XState transition. */
function transitionId(t: {
  source: { id: string; always?: unknown[]; transitions: Map<string, unknown[]> };
  eventType: string;
}): string {
  const always = t.source.always ?? [];
  const i = always.indexOf(t);
  if (i >= 0) return `${t.source.id}||${i}`;
  return `${t.source.id}|${t.eventType}|${(t.source.transitions.get(t.eventType) ?? []).indexOf(t)}`;
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
  const diagram = setupDiagram(byId('diagram'));
  const candidates: AnyEvent[] = [
    ...page.events.map((type) => ({ type })),
    ...(entry.sampleEvents ?? []).map((e) => ({ ...e }) as AnyEvent),
  ];
  let clock = new SimulatedClock();
  let actor: AnyActorRef;
  let elapsed = 0;
  let replaying = false;
  let taken: string[] = [];
  let previous: unknown;
  let lastEvent: string | undefined;
  const log = byId('step-log');
  const contextBox = byId('context-view');

  const show = (ids: readonly string[]): void => {
    diagram.highlight(ids);
    byId('active-states').textContent = ids.join('\n');
  };
  const markTaken = (ids: readonly string[]): void => {
    diagram.highlightEdges(ids);
    document.querySelectorAll('.seed.kspec-last').forEach((n) => n.classList.remove('kspec-last'));
    for (const id of ids) {
      const anchor = page.transitions[id]?.anchor;
      if (anchor) document.getElementById(anchor)?.classList.add('kspec-last');
    }
  };

  /** Sends one step to the live actor and records the transitions it took. */
  const step = (what: string, run: () => void): void => {
    previous = actor.getSnapshot().context;
    taken = [];
    run();
    lastEvent = what;
    log.prepend(el('li', {}, what));
    render();
    diagram.follow();
  };

  const start = (): void => {
    actor?.stop();
    clock = new SimulatedClock();
    elapsed = 0;
    replaying = false;
    taken = [];
    lastEvent = undefined;
    actor = createActor(machine, {
      input: entry.input,
      clock,
      inspect: (ev: InspectionEvent) => {
        if (ev.type !== '@xstate.microstep' || ev.actorRef !== actor) return;
        for (const t of (ev as { _transitions?: unknown[] })._transitions ?? [])
          taken.push(transitionId(t as Parameters<typeof transitionId>[0]));
      },
    });
    actor.subscribe({ error: (err: unknown) => (status.textContent = `machine error: ${String(err)}`) });
    actor.start();
    previous = actor.getSnapshot().context;
    log.textContent = '';
    byId('trace-info').textContent =
      'No trace loaded. Format: one JSON object per line {t, actor, event, before, after, source}.';
    render();
    diagram.readable();
  };

  const render = (): void => {
    const snap = actor.getSnapshot();
    show(activeStateIds(machine, snap.value));
    markTaken(taken);
    status.textContent = `live · t=${elapsed}ms · status ${snap.status}`;
    renderContextView(contextBox, {
      context: snap.context,
      previous,
      event: lastEvent,
      taken,
      transitions: page.transitions,
      flavour: page.flavour,
    });
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
      b.addEventListener('click', () => step(describeEvent(ev), () => actor.send(ev)));
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
      b.addEventListener('click', () =>
        step(`${d.label} (clock +${d.ms}ms)`, () => {
          elapsed += d.ms!;
          clock.increment(d.ms!);
        }),
      );
      box.append(b);
    }
  };

  byId('viewer-reset').addEventListener('click', start);
  byId('diagram-fit').addEventListener('click', () => diagram.fit());
  byId('diagram-readable').addEventListener('click', () => diagram.readable());

  // trace replay: the live machine's buttons are off until Reset
  const slider = byId<HTMLInputElement>('trace-slider');
  const info = byId('trace-info');
  let trace: TraceRecord[] = [];
  const enterReplay = (): void => {
    replaying = true;
    for (const b of byId('event-buttons').querySelectorAll('button')) {
      b.disabled = true;
      b.classList.replace('enabled', 'disabled');
    }
    contextBox.textContent = '';
    contextBox.append(
      el(
        'p',
        { class: 'muted' },
        'Replaying a trace: traces record state values, not the context. Reset returns to the live machine.',
      ),
    );
  };
  const showTrace = (): void => {
    if (!replaying) enterReplay();
    const i = Number(slider.value);
    const rec = i === 0 ? undefined : trace[i - 1];
    const value = rec ? rec.after : trace[0]?.before;
    show(activeStateIds(machine, value));
    markTaken([]);
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
  // Reset also leaves replay: the slider goes back to no trace
  byId('viewer-reset').addEventListener('click', () => {
    trace = [];
    slider.value = '0';
    slider.max = '0';
    slider.disabled = true;
  });

  start();
}
