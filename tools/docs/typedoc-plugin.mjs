// TypeDoc plugin of `npm run docs:api`:
// - members a class only inherits from the platform (Error's `message`, `stack`,
//   `captureStackTrace`…, declared in node_modules) are left out: they are not kspec's API, and
//   their pages would link into node_modules and to v8.dev; nothing keeps a "Defined in" link
//   into node_modules;
// - a README whose first line is a level-1 heading naming the page it is shown on (`# kspec` on
//   the index titled kspec, `# @kspec/shmif` on the @kspec/shmif module page) loses that line,
//   so the page shows its title once.
import { Converter, ReflectionKind, RendererEvent } from 'typedoc';

/** Drops a leading `# <title>` from a comment's display parts. */
function dropTitle(parts, title) {
  const first = parts?.[0];
  if (!first || first.kind !== 'text') return;
  const m = /^#[ \t]+(.+?)[ \t]*(\r?\n|$)/.exec(first.text);
  if (!m || m[1].replace(/`/g, '') !== title) return;
  first.text = first.text.slice(m[0].length).replace(/^\s*\n/, '');
}

const external = (r) =>
  (r.sources?.length ?? 0) > 0 && r.sources.every((s) => /[\\/]node_modules[\\/]/.test(s.fullFileName));

/** @param {import('typedoc').Application} app */
export function load(app) {
  app.converter.on(Converter.EVENT_RESOLVE_END, (context) => {
    const project = context.project;
    const members = project.getReflectionsByKind(
      ReflectionKind.Property | ReflectionKind.Method | ReflectionKind.Accessor,
    );
    for (const r of members) if (r.inheritedFrom && external(r)) project.removeReflection(r);
    // what stays (a constructor signature from lib.es5.d.ts) keeps no "Defined in" node_modules
    for (const r of Object.values(project.reflections)) {
      const sigs = 'signatures' in r && Array.isArray(r.signatures) ? r.signatures : [];
      for (const x of [r, ...sigs])
        if (x.sources)
          x.sources = x.sources.filter((src) => !/[\\/]node_modules[\\/]/.test(src.fullFileName));
    }
  });
  app.renderer.on(RendererEvent.BEGIN, (event) => {
    const project = event.project;
    dropTitle(project.readme, project.name);
    for (const child of project.children ?? []) dropTitle(child.readme, child.name);
  });
}
