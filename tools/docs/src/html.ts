/**
 * HTML helpers: escaping and the page frame shared by the index and the machine pages.
 *
 * @module
 */

/** Escapes text for HTML content and attribute values. */
export function esc(s: unknown): string {
  return String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** A whole page: title, a link back to the index (depth = directories below the site root). */
export function frame(title: string, body: string, depth: number, extraHead = ''): string {
  const up = depth === 0 ? '' : '../'.repeat(depth);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)} · kspec</title>
<link rel="stylesheet" href="${up}assets/site.css">
${extraHead}
</head>
<body>
<header class="top"><a href="${up}index.html">kspec statecharts</a> · <a href="${up}../api/index.html">API</a></header>
<main>
${body}
</main>
</body>
</html>
`;
}

/** The site's stylesheet. */
export const SITE_CSS = `
:root { --fg: #1d232b; --muted: #5b6673; --line: #d6dbe1; --accent: #0b63c5; --active: #ffb703; --bg-soft: #f5f7fa; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; color: var(--fg); }
header.top { padding: 10px 24px; background: #14213d; color: #fff; font-weight: 600; }
header.top a { color: #fff; text-decoration: none; }
main { padding: 16px 24px 48px; max-width: 1500px; }
h1 { font-size: 26px; margin: 8px 0 4px; } h2 { font-size: 19px; margin-top: 28px; border-bottom: 1px solid var(--line); padding-bottom: 4px; }
.muted { color: var(--muted); }
a { color: var(--accent); }
table { border-collapse: collapse; width: 100%; font-size: 13px; }
th, td { border: 1px solid var(--line); padding: 4px 6px; text-align: left; vertical-align: top; }
th { background: var(--bg-soft); }
code, pre { font: 12px/1.4 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
.viewer { display: grid; grid-template-columns: minmax(0, 1fr) 320px; grid-template-areas: "diagram panel" "context panel"; gap: 16px; align-items: start; }
.diagram { grid-area: diagram; border: 1px solid var(--line); border-radius: 6px; overflow: hidden; background: #fff; cursor: grab; }
.diagram svg { display: block; }
.panel { grid-area: panel; border: 1px solid var(--line); border-radius: 6px; padding: 10px; background: var(--bg-soft); position: sticky; top: 8px; }
.context-panel { grid-area: context; border: 1px solid var(--line); border-radius: 6px; padding: 8px 12px; font-size: 14px; }
.context-panel h4 { margin: 6px 0 4px; font-size: 15px; }
.context-panel ul { margin: 0 0 6px; padding-left: 18px; }
.context-panel code { font-size: 13px; }
.context-panel .changed { background: #fff1c2; }
table.ctx { font-size: 13px; }
table.ctx th { width: 12em; background: var(--bg-soft); font-weight: 600; }
table.ctx tr.changed th { background: #ffd166; }
dl.ctx-fields { display: grid; grid-template-columns: max-content minmax(0, 1fr); gap: 1px 10px; margin: 0; }
dl.ctx-fields dt { color: var(--muted); }
dl.ctx-fields dd { margin: 0; }
ol.ctx-list { margin: 0; padding-left: 22px; }
g.edge.kspec-last path { stroke: #c1121f !important; stroke-width: 3px; }
g.edge.kspec-last polygon { stroke: #c1121f !important; fill: #c1121f !important; }
g.edge.kspec-last text { fill: #c1121f; font-weight: bold; }
tr.kspec-last td { background: #ffe0e0; }
.seed.kspec-last { outline: 3px solid #c1121f; }
.seed.kspec-last pre { background: #fff5f5; }
.panel h3 { margin: 4px 0 6px; font-size: 14px; }
#event-buttons { display: flex; flex-wrap: wrap; gap: 4px; }
#event-buttons button { max-width: 100%; white-space: normal; overflow-wrap: anywhere; text-align: left; font: 12px ui-monospace, monospace; padding: 3px 6px; border-radius: 4px; border: 1px solid #9bb4d3; background: #e8f1fc; cursor: pointer; }
#event-buttons button.disabled { opacity: .45; cursor: not-allowed; background: #eee; border-color: #ccc; }
#event-buttons button.delay { background: #fff4d6; border-color: #e0b84c; }
#active-states { white-space: pre-wrap; overflow-wrap: anywhere; background: #fff; border: 1px solid var(--line); padding: 6px; min-height: 40px; }
#step-log { max-height: 140px; overflow: auto; padding-left: 18px; margin: 4px 0; font: 12px ui-monospace, monospace; }
#trace-slider { width: 100%; }
#trace-info { font-size: 12px; min-height: 32px; }
#trace-paste { width: 100%; height: 48px; font: 11px ui-monospace, monospace; }
g.node.kspec-active path, g.node.kspec-active polygon, g.node.kspec-active ellipse { fill: #ffd166 !important; stroke: #b45309 !important; stroke-width: 3px; }
g.cluster.kspec-active path, g.cluster.kspec-active polygon { stroke: #b45309 !important; stroke-width: 2.5px; }
li.kspec-active > code, td.kspec-active { background: #ffe8a3; }
.seed { border: 1px solid var(--line); border-radius: 4px; margin: 10px 0; }
.seed h4 { margin: 0; padding: 4px 8px; background: var(--bg-soft); font-size: 13px; }
.seed pre { margin: 0; padding: 6px 8px; overflow-x: auto; }
.seed pre .ln { color: #98a2ad; display: inline-block; width: 4em; user-select: none; }
.seed pre .ln.differs { color: #b3261e; font-weight: bold; }
.seed p { margin: 4px 8px; }
.seed:target { outline: 3px solid var(--active); }
.finding { border-left: 4px solid #c1121f; padding: 4px 10px; margin: 10px 0; background: #fff5f5; }
ul.states { list-style: none; padding-left: 14px; margin: 2px 0; font-size: 13px; }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(300px, 1fr)); gap: 12px; }
.card { border: 1px solid var(--line); border-radius: 6px; padding: 10px 12px; }
`;
