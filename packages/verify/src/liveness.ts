/**
 * Hot-cycle search for P-style liveness monitors. Exploration records, per monitor, the edges
 * of the product graph whose both ends have the monitor in a hot state; a cycle in that
 * subgraph is a reachable execution that stays hot forever. Strongly connected components
 * (Tarjan, iterative) find the cycles; the lasso starts at the component's state with the
 * smallest BFS number (the shortest stem), and its cycle is a shortest path back to it inside
 * the component.
 *
 * @module
 */

/** @internal A hot cycle: the state where it starts (BFS number) and its events (event numbers). */
export interface HotCycle {
  readonly start: number;
  readonly cycle: readonly number[];
}

/** @internal */
export function findHotCycles(
  from: readonly number[],
  to: readonly number[],
  ev: readonly number[],
): HotCycle | undefined {
  // compact node numbering
  const local = new Map<number, number>();
  const global: number[] = [];
  const loc = (g: number): number => {
    let l = local.get(g);
    if (l === undefined) {
      l = global.length;
      local.set(g, l);
      global.push(g);
    }
    return l;
  };
  const m = from.length;
  const ef = new Int32Array(m);
  const et = new Int32Array(m);
  for (let i = 0; i < m; i++) {
    ef[i] = loc(from[i]!);
    et[i] = loc(to[i]!);
  }
  const n = global.length;
  // CSR adjacency
  const start = new Int32Array(n + 1);
  for (let i = 0; i < m; i++) start[ef[i]! + 1]!++;
  for (let i = 0; i < n; i++) start[i + 1]! += start[i]!;
  const fill = start.slice(0, n);
  const adj = new Int32Array(m);
  const adjEdge = new Int32Array(m);
  for (let i = 0; i < m; i++) {
    const p = fill[ef[i]!]!++;
    adj[p] = et[i]!;
    adjEdge[p] = i;
  }
  // Tarjan, iterative
  const idx = new Int32Array(n).fill(-1);
  const low = new Int32Array(n);
  const onStack = new Uint8Array(n);
  const comp = new Int32Array(n).fill(-1);
  const stack: number[] = [];
  let counter = 0;
  let comps = 0;
  const callNode: number[] = [];
  const callPos: number[] = [];
  for (let root = 0; root < n; root++) {
    if (idx[root] !== -1) continue;
    callNode.push(root);
    callPos.push(start[root]!);
    idx[root] = low[root] = counter++;
    stack.push(root);
    onStack[root] = 1;
    while (callNode.length) {
      const v = callNode[callNode.length - 1]!;
      const p = callPos[callPos.length - 1]!;
      if (p < start[v + 1]!) {
        callPos[callPos.length - 1] = p + 1;
        const w = adj[p]!;
        if (idx[w] === -1) {
          idx[w] = low[w] = counter++;
          stack.push(w);
          onStack[w] = 1;
          callNode.push(w);
          callPos.push(start[w]!);
        } else if (onStack[w]) {
          low[v] = Math.min(low[v]!, idx[w]!);
        }
      } else {
        callNode.pop();
        callPos.pop();
        if (callNode.length) {
          const u = callNode[callNode.length - 1]!;
          low[u] = Math.min(low[u]!, low[v]!);
        }
        if (low[v] === idx[v]) {
          let w: number;
          do {
            w = stack.pop()!;
            onStack[w] = 0;
            comp[w] = comps;
          } while (w !== v);
          comps++;
        }
      }
    }
  }
  // components with a cycle
  const size = new Int32Array(comps);
  for (let v = 0; v < n; v++) size[comp[v]!]!++;
  const cyclic = new Uint8Array(comps);
  for (let c = 0; c < comps; c++) if (size[c]! > 1) cyclic[c] = 1;
  for (let i = 0; i < m; i++) if (ef[i] === et[i]) cyclic[comp[ef[i]!]!] = 1;
  let best = -1;
  for (let v = 0; v < n; v++) {
    if (cyclic[comp[v]!] && (best === -1 || global[v]! < global[best]!)) best = v;
  }
  if (best === -1) return undefined;
  // shortest cycle through `best` inside its component: BFS from best back to best
  const c = comp[best]!;
  const prevEdge = new Int32Array(n).fill(-1);
  const seen = new Uint8Array(n);
  const queue = [best];
  let found = -1;
  for (let qi = 0; qi < queue.length && found === -1; qi++) {
    const v = queue[qi]!;
    for (let p = start[v]!; p < start[v + 1]!; p++) {
      const w = adj[p]!;
      if (comp[w] !== c) continue;
      if (w === best) {
        found = adjEdge[p]!;
        break;
      }
      if (!seen[w]) {
        seen[w] = 1;
        prevEdge[w] = adjEdge[p]!;
        queue.push(w);
      }
    }
  }
  const cycle: number[] = [];
  let e = found;
  while (e !== -1) {
    cycle.push(ev[e]!);
    const src = ef[e]!;
    if (src === best) break;
    e = prevEdge[src]!;
  }
  return { start: global[best]!, cycle: cycle.reverse() };
}
