/**
 * Where a worker finds the model it explores: a module specifier (an npm name such as
 * `@kspec/xen-evtchn`, or a file URL) and the model's name. A worker thread or a worker
 * process on another machine imports the module itself, so a model travels as two strings,
 * never as functions. The module either exports a spec-kit `manifest` whose `models` include
 * the model (how `kspec check` finds every package's check configurations), or exports the
 * model itself (a check model, or an array of them, under any name).
 *
 * @module
 */
import { OptionsError } from '../errors.js';
import type { CheckModel } from '../system.js';

/**
 * A model named by the module that exports it.
 * @category Parallel
 */
export interface ModelSource {
  /** Module specifier: a package name (`@kspec/shmif`) or an absolute file URL. */
  readonly module: string;
  /** The check model's `name`. */
  readonly model: string;
}

function isModel(v: unknown): v is CheckModel {
  const k = (v as { kind?: unknown } | null)?.kind;
  return typeof v === 'object' && v !== null && (k === 'machine' || k === 'composition');
}

/**
 * The models a module exports: its manifest's models, then every exported model or array of
 * models.
 * @internal
 */
export function modelsOf(mod: Record<string, unknown>): CheckModel[] {
  const out: CheckModel[] = [];
  const manifest = mod['manifest'] as { models?: unknown } | undefined;
  if (manifest && Array.isArray(manifest.models)) out.push(...manifest.models.filter(isModel));
  for (const v of Object.values(mod)) {
    if (isModel(v)) out.push(v);
    else if (Array.isArray(v)) out.push(...v.filter(isModel));
  }
  return out;
}

/**
 * Imports `source.module` and returns the model named `source.model`.
 * @category Parallel
 */
export async function loadModel(source: ModelSource): Promise<CheckModel> {
  if (typeof source?.module !== 'string' || typeof source.model !== 'string')
    throw new OptionsError(`a model source needs a module and a model name, got ${JSON.stringify(source)}`);
  let mod: Record<string, unknown>;
  try {
    mod = (await import(source.module)) as Record<string, unknown>;
  } catch (err) {
    throw new OptionsError(`cannot import model module '${source.module}': ${(err as Error).message}`);
  }
  const models = modelsOf(mod);
  const found = models.find((m) => m.name === source.model);
  if (!found) {
    throw new OptionsError(
      `module '${source.module}' exports no check model '${source.model}' (it has: ${[...new Set(models.map((m) => m.name))].join(', ') || 'none'})`,
    );
  }
  return found;
}
