/**
 * The diagram of a machine page: the Graphviz SVG with pan and zoom (svg-pan-zoom: drag to
 * pan, wheel or the +/− controls to zoom, double click to zoom in), highlighting of the active
 * states and of the transitions last taken. A chart whose labels would be smaller than
 * {@link READABLE_PX} when fitted to the page (evtchnDevice, shmifInterface) opens zoomed so its
 * labels are readable, panned to the active configuration; "Fit" shows the whole chart.
 *
 * @module
 */
import svgPanZoom from 'svg-pan-zoom';

/** Rendered label size (CSS px) a chart opens at, at least. */
export const READABLE_PX = 12;

/** What the viewer does with the diagram. */
export interface Diagram {
  /** Marks the active states (ids without the `state:` prefix). */
  highlight(ids: readonly string[]): void;
  /** Marks the transitions last taken (transition ids). */
  highlightEdges(ids: readonly string[]): void;
  /** The whole chart in view. */
  fit(): void;
  /** Labels at {@link READABLE_PX} (or the fit, when larger), panned to the active states. */
  readable(): void;
  /** Pans to the active states when none of the innermost ones is in view. */
  follow(): void;
  /** The scale from SVG units to screen pixels now. */
  scale(): number;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? 14 : s[Math.floor(s.length / 2)]!;
}

/** Sets up pan and zoom on the SVG inside `container` (see the module notes). */
export function setupDiagram(container: HTMLElement): Diagram {
  const svg = container.querySelector('svg');
  let active: readonly string[] = [];
  const mark = (selector: string, cls: string, ids: readonly string[]): void => {
    document.querySelectorAll(`.${cls}`).forEach((n) => n.classList.remove(cls));
    for (const id of ids)
      document
        .querySelectorAll(selector.replaceAll('ID', CSS.escape(id)))
        .forEach((n) => n.classList.add(cls));
  };
  const highlight = (ids: readonly string[]): void => {
    active = ids;
    mark('[id="state:ID"], [data-state-id="ID"]', 'kspec-active', ids);
  };
  const highlightEdges = (ids: readonly string[]): void =>
    mark('[id="edge:ID"], [id^="edge:ID#"], tr[data-transition-id="ID"]', 'kspec-last', ids);
  if (!svg) {
    const none = (): void => undefined;
    return { highlight, highlightEdges, fit: none, readable: none, follow: none, scale: () => 1 };
  }
  const box = svg.viewBox.baseVal;
  const font = median(
    [...svg.querySelectorAll('text')].map((t) => Number(t.getAttribute('font-size') ?? 14)),
  );
  const fitScale = container.clientWidth / Math.max(1, box.width);
  // a chart readable when fitted keeps its own height; a large one gets most of the window
  const height =
    fitScale * font >= READABLE_PX
      ? Math.min(box.height * fitScale + 8, window.innerHeight * 0.78)
      : window.innerHeight * 0.64;
  container.style.height = `${Math.round(height)}px`;
  svg.removeAttribute('width');
  svg.removeAttribute('height');
  svg.style.width = '100%';
  svg.style.height = '100%';
  const pz = svgPanZoom(svg, {
    fit: true,
    center: true,
    controlIconsEnabled: true,
    zoomScaleSensitivity: 0.25,
    minZoom: 0.5,
    maxZoom: 40,
  });
  const fit = (): void => {
    pz.resetZoom();
    pz.resetPan();
  };
  // svg-pan-zoom redraws on the next animation frame, so positions are computed in the
  // coordinates of its viewport group (stable) and mapped with its zoom and pan (its state)
  const viewport = svg.querySelector('g.svg-pan-zoom_viewport') as SVGGraphicsElement | null;
  type Box = { left: number; top: number; right: number; bottom: number };
  const boxOf = (id: string): Box | undefined => {
    const g = document.getElementById(`state:${id}`) as unknown as SVGGraphicsElement | null;
    const from = g?.getCTM();
    const to = viewport?.getCTM();
    if (!g || !from || !to) return undefined;
    const m = to.inverse().multiply(from);
    const b = g.getBBox();
    const pts = [
      [b.x, b.y],
      [b.x + b.width, b.y],
      [b.x, b.y + b.height],
      [b.x + b.width, b.y + b.height],
    ].map(([x, y]) => new DOMPoint(x, y).matrixTransform(m));
    return {
      left: Math.min(...pts.map((q) => q.x)),
      top: Math.min(...pts.map((q) => q.y)),
      right: Math.max(...pts.map((q) => q.x)),
      bottom: Math.max(...pts.map((q) => q.y)),
    };
  };
  /** The boxes of the active leaf states (no active state inside them), in configuration order. */
  const leaves = (ids: readonly string[]): Box[] =>
    ids
      .filter((id) => !ids.some((o) => o !== id && o.startsWith(`${id}.`)))
      .map(boxOf)
      .filter((b): b is Box => b !== undefined && b.right > b.left);
  const onScreen = (b: Box): Box => {
    const z = pz.getSizes().realZoom;
    const pan = pz.getPan();
    return {
      left: pan.x + z * b.left,
      right: pan.x + z * b.right,
      top: pan.y + z * b.top,
      bottom: pan.y + z * b.bottom,
    };
  };
  const panTo = (ids: readonly string[]): void => {
    const all = leaves(ids);
    if (all.length === 0) return;
    const z = pz.getSizes().realZoom;
    const w = container.clientWidth;
    const h = container.clientHeight;
    const union = (bs: Box[]): Box => ({
      left: Math.min(...bs.map((b) => b.left)),
      top: Math.min(...bs.map((b) => b.top)),
      right: Math.max(...bs.map((b) => b.right)),
      bottom: Math.max(...bs.map((b) => b.bottom)),
    });
    // all active leaves when they fit in the view, else the first one
    const u = union(all);
    const target = (u.right - u.left) * z < w && (u.bottom - u.top) * z < h ? u : all[0]!;
    const cx = (target.left + target.right) / 2;
    const cy = (target.top + target.bottom) / 2;
    // centred; a box larger than the view shows its top left corner
    const x = (target.right - target.left) * z < w ? w / 2 - z * cx : 16 - z * target.left;
    const y = (target.bottom - target.top) * z < h ? h / 2 - z * cy : 16 - z * target.top;
    pz.pan({ x, y });
  };
  const readable = (): void => {
    fit();
    const base = pz.getSizes().realZoom;
    const wanted = READABLE_PX / font;
    if (wanted > base) pz.zoom(wanted / base);
    panTo(active);
  };
  const follow = (): void => {
    const w = container.clientWidth;
    const h = container.clientHeight;
    const seen = leaves(active)
      .map(onScreen)
      .some((r) => r.right > 0 && r.left < w && r.bottom > 0 && r.top < h);
    if (!seen) panTo(active);
  };
  return { highlight, highlightEdges, fit, readable, follow, scale: () => pz.getSizes().realZoom };
}
