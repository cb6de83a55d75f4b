/**
 * Structural validation of an SCXML document, on the tree that an independent SCXML parser
 * (SCION's own `scxmlToScjson`) reads from it: every state id is unique, every `target` and
 * `initial` names an existing state (an `initial` one below its state), every history state has
 * one default transition inside its parent, and the root names the SCXML namespace.
 */
import scxmlModule from '@scion-scxml/scxml';

interface ScNode {
  $type: string;
  id?: string;
  initial?: string | string[];
  states?: ScNode[];
  transitions?: { target?: string | string[]; event?: string; cond?: string; [k: string]: unknown }[];
  [k: string]: unknown;
}

const scxml = scxmlModule as unknown as {
  ext: { compilerInternals: { scxmlToScjson(doc: string): ScNode } };
};

/** The parsed tree (throws on XML that does not parse). */
export function parseScxml(xml: string): ScNode {
  return scxml.ext.compilerInternals.scxmlToScjson(xml);
}

/** Every structural problem of the document (empty when valid). */
export function scxmlStructureProblems(xml: string): string[] {
  const problems: string[] = [];
  const root = parseScxml(xml);
  if (root.$type !== 'scxml') problems.push(`root element is <${root.$type}>, not <scxml>`);
  if (root['{http://www.w3.org/2000/xmlns/}'] !== 'http://www.w3.org/2005/07/scxml') {
    problems.push('root element is not in the SCXML namespace');
  }
  const parents = new Map<string, string | undefined>();
  const all: ScNode[] = [];
  const visit = (node: ScNode, parent: string | undefined): void => {
    for (const child of node.states ?? []) {
      if (!child.id) problems.push(`a <${child.$type}> has no id`);
      else if (parents.has(child.id)) problems.push(`id '${child.id}' is used twice`);
      else parents.set(child.id, parent);
      all.push(child);
      visit(child, child.id);
    }
  };
  visit(root, undefined);
  const isBelow = (id: string, ancestor: string): boolean => {
    for (let cur = parents.get(id); cur !== undefined; cur = parents.get(cur))
      if (cur === ancestor) return true;
    return false;
  };
  const tokens = (v: string | string[] | undefined): string[] =>
    (Array.isArray(v) ? v : (v ?? '').split(/\s+/)).filter(Boolean);
  const checkTargets = (owner: string, targets: string | string[] | undefined): void => {
    for (const t of tokens(targets)) {
      if (!parents.has(t)) problems.push(`${owner}: target '${t}' does not exist`);
    }
  };
  if (root.initial) checkTargets('<scxml initial>', root.initial);
  for (const node of all) {
    const id = node.id ?? '?';
    if (!['state', 'parallel', 'final', 'history', 'initial'].includes(node.$type)) {
      problems.push(`${id}: unexpected element <${node.$type}>`);
    }
    if (node.initial) {
      for (const t of tokens(node.initial)) {
        if (!parents.has(t)) problems.push(`${id}: initial '${t}' does not exist`);
        else if (!isBelow(t, id)) problems.push(`${id}: initial '${t}' is not below it`);
      }
    }
    for (const tr of node.transitions ?? [])
      checkTargets(`${id} transition ${tr.event ?? '(eventless)'}`, tr.target);
    if (node.$type === 'history') {
      const defaults = node.transitions ?? [];
      if (defaults.length !== 1) problems.push(`${id}: history has ${defaults.length} default transitions`);
      for (const d of defaults) {
        for (const t of tokens(d.target)) {
          const parent = parents.get(id);
          if (parent !== undefined && !isBelow(t, parent))
            problems.push(`${id}: default target '${t}' is outside its parent`);
        }
      }
    }
    if (node.$type === 'parallel' && (node.states ?? []).filter((s) => s.$type !== 'history').length === 0) {
      problems.push(`${id}: parallel state without regions`);
    }
  }
  return problems;
}

/** The number of `<transition>` elements outside history states. */
export function countTransitions(xml: string): number {
  let n = 0;
  const visit = (node: ScNode): void => {
    if (node.$type !== 'history') n += (node.transitions ?? []).length;
    for (const child of node.states ?? []) visit(child);
  };
  visit(parseScxml(xml));
  return n;
}
