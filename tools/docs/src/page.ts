/**
 * One machine page: the diagram with the live viewer beside it, the trace replay, the
 * transitions table (source state, event, guard, actions, target, seed lines linking to the
 * excerpt below), the invariants and findings of the machine's package, export notes, and the
 * seed excerpts.
 *
 * @module
 */
import type { ChartEntry, Finding, Invariant, SourceRef, SubsystemManifest } from '@kspec/spec-kit';
import { SEED_ORIGINS, formatSourceRef, upstreamUrl } from '@kspec/spec-kit';
import type { ChartGraph, ChartState } from '@kspec/statecharts';
import { esc, frame } from './html.js';
import type { SeedReader } from './seeds.js';
import { seedAnchor } from './seeds.js';
import type { PageData } from './viewer/main.js';

/** Everything a machine page shows. */
export interface MachinePageInput {
  readonly manifest: SubsystemManifest;
  readonly entry: ChartEntry;
  readonly graph: ChartGraph;
  readonly svg: string;
  readonly notes: readonly string[];
  /** Export files next to the page (`fixtureGadget.scxml`, …). */
  readonly files: readonly string[];
  readonly seeds: SeedReader;
  /** The viewer bundle's path relative to the page. */
  readonly viewerScript: string;
}

function seedLink(ref: SourceRef | undefined, refs: Map<string, SourceRef>): string {
  if (!ref) return '<span class="muted">—</span>';
  refs.set(seedAnchor(ref), ref);
  const [a, b] = ref.lines;
  return `<a href="#${seedAnchor(ref)}" title="${esc(ref.fn)}">${esc(ref.file)}:${a === b ? a : `${a}-${b}`}</a>`;
}

function short(graph: ChartGraph, id: string): string {
  return id === graph.root ? id : id.startsWith(`${graph.root}.`) ? id.slice(graph.root.length + 1) : id;
}

function stateTree(graph: ChartGraph, state: ChartState): string {
  const kind =
    state.kind === 'atomic'
      ? ''
      : ` <span class="muted">${state.kind}${state.history ? ` (${state.history})` : ''}</span>`;
  const children = state.children.map((c) => stateTree(graph, graph.states.get(c)!)).join('');
  return `<li data-state-id="${esc(state.id)}"><code>${esc(state.key)}</code>${kind}${children ? `<ul class="states">${children}</ul>` : ''}</li>`;
}

/** The invariants and findings that concern the page's machine. */
function propertiesOf(
  manifest: SubsystemManifest,
  entry: ChartEntry,
): { invariants: readonly Invariant<unknown>[]; findings: readonly Finding[] } {
  const model = manifest.models.find((m) => m.machine === entry.machine);
  if (!model) return { invariants: manifest.invariants, findings: manifest.findings };
  const names = new Set(model.invariants.map((i) => i.name));
  const findings = new Map<string, Finding>();
  for (const f of [...(model.findings ?? []), ...manifest.findings.filter((f) => names.has(f.invariant))])
    findings.set(f.id, f);
  return { invariants: model.invariants, findings: [...findings.values()] };
}

/** Renders the page. */
export function machinePage(input: MachinePageInput): string {
  const { manifest, entry, graph } = input;
  const refs = new Map<string, SourceRef>();
  const events = [
    ...new Set(
      graph.edges.filter((e) => e.kind === 'event' && !e.eventType.includes('*')).map((e) => e.eventType),
    ),
  ];
  const delays = graph.edges
    .filter((e) => e.kind === 'after')
    .map((e) => ({
      source: e.sourceId,
      label: `${short(graph, e.sourceId)}: ${e.event}`,
      ...(e.delayMs !== undefined ? { ms: e.delayMs } : {}),
    }));
  const transitions = Object.fromEntries(
    graph.edges.map((e) => [
      e.id,
      {
        label: `${short(graph, e.sourceId)} --${e.event}${e.guard ? ` [${e.guard}]` : ''}--> ${
          e.targets.length ? e.targets.map((t) => short(graph, t)).join(', ') : '(stays)'
        }`,
        ...(e.source
          ? {
              seed: `${e.source.file}:${e.source.lines[0] === e.source.lines[1] ? e.source.lines[0] : e.source.lines.join('-')} (${e.source.fn})`,
              anchor: seedAnchor(e.source),
            }
          : {}),
      },
    ]),
  );
  const pageData: PageData = {
    manifestName: manifest.name,
    packageName: manifest.package,
    machine: entry.name,
    events,
    delays,
    transitions,
    flavour: manifest.seed?.startsWith('netbsd') ? 'netbsd' : 'linux',
  };

  const rows = graph.edges
    .map(
      (e) => `<tr id="t-${esc(e.id)}" data-transition-id="${esc(e.id)}">
<td><code>${esc(short(graph, e.sourceId))}</code></td><td><code>${esc(e.event)}</code></td>
<td>${e.guard ? `<code>${esc(e.guard)}</code>` : ''}</td><td>${e.actions.map((a) => `<code>${esc(a)}</code>`).join(', ')}</td>
<td>${e.targets.length ? e.targets.map((t) => `<code>${esc(short(graph, t))}</code>`).join(', ') : '<span class="muted">(stays, no exit/entry)</span>'}</td>
<td>${seedLink(e.source, refs)}</td></tr>`,
    )
    .join('\n');
  const stateRows = [...graph.states.values()]
    .map(
      (s) =>
        `<tr><td data-state-id="${esc(s.id)}"><code>${esc(short(graph, s.id))}</code></td><td>${esc(s.kind)}${s.history ? ` (${s.history})` : ''}</td><td>${[
          s.entry.length ? `entry: ${s.entry.map(esc).join(', ')}` : '',
          s.exit.length ? `exit: ${s.exit.map(esc).join(', ')}` : '',
          s.invoke.length ? `invoke: ${s.invoke.map((i) => esc(i.src)).join(', ')}` : '',
        ]
          .filter(Boolean)
          .join('<br>')}</td><td>${seedLink(s.source, refs)}</td></tr>`,
    )
    .join('\n');

  const { invariants, findings } = propertiesOf(manifest, entry);
  const invariantRows = invariants
    .map(
      (i) =>
        `<tr id="inv-${esc(i.name)}"><td><code>${esc(i.name)}</code></td><td>${esc(i.statement)}</td><td>${seedLink(i.source, refs)}</td></tr>`,
    )
    .join('\n');
  const findingBlocks = findings
    .map(
      (
        f,
      ) => `<div class="finding" id="finding-${esc(f.id)}"><strong>${esc(f.id)}</strong>: ${esc(f.title)}<br>
<span class="muted">violates</span> <code>${esc(f.invariant)}</code> · <span class="muted">seed</span> ${f.seed.map((r) => seedLink(r, refs)).join(', ')}
<p>${esc(f.summary)}</p>
${f.trace ? `<p class="muted">Shortest trace: ${f.trace.map((e) => `<code>${esc(JSON.stringify(e))}</code>`).join(' → ')}</p>` : ''}
${f.upstreamFix ? `<p class="muted">Upstream fix: ${esc(f.upstreamFix)}</p>` : ''}</div>`,
    )
    .join('\n');

  const excerpts = [...refs.entries()]
    .sort(
      ([, a], [, b]) => a.file.localeCompare(b.file) || a.lines[0] - b.lines[0] || a.lines[1] - b.lines[1],
    )
    .map(([anchor, ref]) => {
      const lines = input.seeds.excerpt(ref);
      const origin = SEED_ORIGINS[ref.file];
      const link = `<a class="upstream" href="${esc(upstreamUrl(ref))}">${esc(origin.project)} ${esc(origin.path)} @ ${esc(origin.revision)}, line ${ref.lines[0]}</a>`;
      const differs = lines?.filter((l) => !l.matches).map((l) => l.line) ?? [];
      const body = lines
        ? `<pre>${lines
            .map((l) => `<span class="ln${l.matches ? '' : ' differs'}">${l.line}</span>${esc(l.text)}`)
            .join('\n')}</pre>${
            differs.length
              ? `<p class="muted seed-differs">The local seed differs from the indexed text at line${differs.length > 1 ? 's' : ''} ${differs.join(', ')}.</p>`
              : ''
          }`
        : `<p class="muted seed-none">${
            input.seeds.dir === undefined
              ? 'No local seed directory is configured (set KSPEC_SEEDS or pass --seeds DIR to show the lines here); the link above opens them upstream.'
              : `${esc(ref.file)} is not in ${esc(input.seeds.dir)}; the link above opens the lines upstream.`
          }</p>`;
      return `<div class="seed" id="${anchor}"><h4>${esc(formatSourceRef(ref))} · ${link}</h4>${body}</div>`;
    })
    .join('\n');

  const svg = input.svg.replace(/^<\?xml[^>]*>\s*/, '').replace(/<!DOCTYPE[^>]*>\s*/, '');
  const body = `
<h1>${esc(entry.name)} <span class="muted">· ${esc(manifest.title)}</span></h1>
<p>${esc(entry.description)}</p>
<p class="muted">Package <code>${esc(manifest.package)}</code> · machine id <code>${esc(graph.id)}</code> · ${graph.states.size} states, ${graph.edges.length} transitions · exports: ${input.files
    .map((f) => `<a href="${esc(f)}">${esc(f.split('.').pop())}</a>`)
    .join(' ')}</p>
<script type="application/json" id="kspec-page">${JSON.stringify(pageData).replace(/</g, '\\u003c')}</script>
<section class="viewer">
  <div class="diagram" id="diagram">${svg}</div>
  <div class="context-panel" id="context-view" data-testid="context-view"></div>
  <div class="panel">
    <h3>Run the machine</h3>
    <div id="viewer-status" class="muted">loading the viewer…</div>
    <div id="event-buttons"></div>
    <p><button type="button" id="viewer-reset">Reset</button> <button type="button" id="diagram-fit" title="the whole chart">Diagram: fit</button> <button type="button" id="diagram-readable" title="labels readable, at the active states">Diagram: readable</button></p>
    <h3>Active configuration</h3>
    <div id="active-states" data-testid="active-states"></div>
    <h3>Steps</h3>
    <ol id="step-log" reversed></ol>
    <h3>Replay a trace</h3>
    <input type="file" id="trace-file" accept=".jsonl,.json,.txt">
    <textarea id="trace-paste" placeholder="or paste trace JSON Lines here"></textarea>
    <button type="button" id="trace-paste-load">Load pasted trace</button>
    <input type="range" id="trace-slider" min="0" max="0" value="0" disabled>
    <div id="trace-info" class="muted">No trace loaded. Format: one JSON object per line {t, actor, event, before, after, source}.</div>
    <h3>States</h3>
    <ul class="states" id="state-tree">${stateTree(graph, graph.states.get(graph.root)!)}</ul>
  </div>
</section>
<h2 id="transitions">Transitions</h2>
<table class="transitions"><thead><tr><th>source state</th><th>event</th><th>guard</th><th>actions</th><th>target</th><th>seed</th></tr></thead>
<tbody>
${rows}
</tbody></table>
<h2 id="states">States</h2>
<table><thead><tr><th>state</th><th>kind</th><th>actions</th><th>seed</th></tr></thead><tbody>
${stateRows}
</tbody></table>
<h2 id="invariants">Invariants</h2>
${invariants.length ? `<table><thead><tr><th>name</th><th>statement</th><th>seed</th></tr></thead><tbody>${invariantRows}</tbody></table>` : '<p class="muted">None declared.</p>'}
<h2 id="findings">Findings</h2>
${findings.length ? findingBlocks : '<p class="muted">None recorded.</p>'}
${(entry.appendix ?? [])
  .map(
    (x) =>
      `<h2 id="appendix-${esc(x.title.toLowerCase().replace(/[^a-z0-9]+/g, '-'))}">${esc(x.title)}</h2>${x.description ? `<p>${esc(x.description)}</p>` : ''}<pre class="appendix">${esc(x.text)}</pre>`,
  )
  .join('\n')}
${input.notes.length ? `<h2 id="export-notes">What SCXML cannot show here</h2><ul>${input.notes.map((n) => `<li>${esc(n)}</li>`).join('')}</ul>` : ''}
<h2 id="seed-excerpts">Seed excerpts</h2>
${excerpts}
`;
  return frame(
    `${entry.name} (${manifest.name})`,
    body,
    1,
    `<script src="${esc(input.viewerScript)}" defer></script>`,
  );
}
