/**
 * Every machine in the repository exports to every format, and each format is checked by a
 * real consumer: DOT is laid out by Graphviz (WebAssembly), SCXML is checked by xmllint and
 * parsed by an independent SCXML parser (unique ids, existing targets), and the JSON and
 * Mermaid outputs name every transition.
 */
import { describe, expect, it } from 'vitest';
import { describeChart } from './graph.js';
import { exportMachine } from './export-all.js';
import { exportScxml } from './scxml.js';
import { allMachines } from './test-support/all-machines.js';
import { countTransitions, scxmlStructureProblems } from './test-support/scxml-structure.js';
import { xmllint } from './test-support/xmllint.js';

const machines = await allMachines();

describe.each(machines)('$label', ({ entry }) => {
  it('exports to svg, scxml, dot, mmd and json', async () => {
    const result = await exportMachine(entry);
    expect(Object.keys(result.files).sort()).toEqual(['dot', 'json', 'mmd', 'scxml', 'svg']);
    for (const text of Object.values(result.files)) expect(text.length).toBeGreaterThan(0);
  });

  it('DOT renders with Graphviz; every state and every edge is addressable in the SVG', async () => {
    const { files } = await exportMachine(entry, ['svg']);
    const svg = files.svg!;
    expect(svg).toMatch(/^<\?xml[\s\S]*<svg /);
    const graph = describeChart(entry.machine);
    for (const id of graph.states.keys()) expect(svg).toContain(`id="state:${id.replace(/&/g, '&amp;')}"`);
    for (const edge of graph.edges.filter((e) => e.targets.length > 0)) {
      expect(svg).toContain(`id="edge:${edge.id.replace(/&/g, '&amp;')}`);
    }
  });

  it('SCXML is well-formed (xmllint) and structurally valid, one <transition> per edge', async () => {
    const { xml } = exportScxml(entry.machine);
    const lint = await xmllint(xml);
    expect(lint.output).toBe('');
    expect(lint.ok).toBe(true);
    expect(scxmlStructureProblems(xml)).toEqual([]);
    expect(countTransitions(xml)).toBe(describeChart(entry.machine).edges.length);
  });

  it('JSON keeps every transition (eventless ones too) with its kspec id', async () => {
    const { files } = await exportMachine(entry, ['json']);
    const text = files.json!;
    for (const edge of describeChart(entry.machine).edges)
      expect(text).toContain(`"kspecId": ${JSON.stringify(edge.id)}`);
    expect(text).not.toContain('<inline>');
  });

  it('Mermaid draws every edge between the right states', async () => {
    const { files } = await exportMachine(entry, ['mmd']);
    const mmd = files.mmd!;
    expect(mmd.startsWith('stateDiagram-v2\n')).toBe(true);
    const graph = describeChart(entry.machine);
    const arrows = mmd
      .split('\n')
      .filter((l) => / --> /.test(l) && l.includes(' : ') && !l.includes('history default'));
    expect(arrows.length).toBe(graph.edges.reduce((n, e) => n + e.targets.length, 0));
  });
});

describe('the well-formedness check itself', () => {
  it('rejects a malformed document, naming the line and the problem', async () => {
    const lint = await xmllint('<scxml xmlns="http://www.w3.org/2005/07/scxml">\n<state id="a">\n</scxml>');
    expect(lint.ok).toBe(false);
    expect(lint.output).toMatch(
      /export\.scxml:3: parser error : Opening and ending tag mismatch: state line 2 and scxml/,
    );
  });
});
