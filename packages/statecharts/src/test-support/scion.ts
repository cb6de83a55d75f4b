/**
 * Runs exported SCXML, exactly as exported, in an independent SCXML interpreter (SCION,
 * `@scion-scxml/scxml`), with its delayed sends on a {@link VirtualClock} and, optionally, the
 * values of its top-level data items given as invocation parameters (the machine's own guards,
 * actions and context from `scxmlDataModel`). Interpreter errors (`onError`, which SCXML
 * raises as `error.execution`) fail the step that caused them.
 */
import scxmlModule from '@scion-scxml/scxml';
import type { VirtualClock } from './clock.js';

interface ScionEvent {
  name: string;
  data?: unknown;
  sendid?: string;
  target?: string;
}

/** The part of SCION's API used here (its bundled typings omit the send hooks). */
interface ScionStatechart {
  start(): string[];
  gen(event: ScionEvent): string[];
  getFullConfiguration(): string[];
  getSnapshot(): unknown[];
  on(name: string, listener: (...args: unknown[]) => void): void;
}

interface ScionApi {
  documentStringToModel(
    url: string,
    doc: string,
    cb: (err: unknown, factory: { prepare(cb: (err: unknown, model: unknown) => void): void }) => void,
  ): void;
  core: {
    Statechart: new (
      model: unknown,
      opts?: {
        customSend?: (
          this: { raise(e: ScionEvent): void },
          event: ScionEvent,
          options: { delay?: number },
        ) => void;
        customCancel?: (sendid: string) => void;
        params?: Record<string, unknown>;
      },
    ) => ScionStatechart;
  };
}

const scxml = scxmlModule as unknown as ScionApi;

/** A running SCXML session. */
export interface ScionSession {
  readonly chart: ScionStatechart;
  /** Sends an XState-shaped event (`{ type, ...data }`). */
  send(event: { type: string; [k: string]: unknown }): void;
  /** The full configuration (every active state id). */
  configuration(): string[];
  /** The values of the data model's top-level items. */
  datamodel(): Record<string, unknown>;
}

const compiled = new Map<string, Promise<unknown>>();

/**
 * SCION's compiled model of a document, cached. Its data items live in the compiled closure, so
 * run one session of a document at a time.
 */
function compile(xml: string): Promise<unknown> {
  let model = compiled.get(xml);
  if (model === undefined) {
    model = new Promise<unknown>((resolve, reject) => {
      scxml.documentStringToModel('kspec-export.scxml', xml, (err, factory) => {
        if (err) return reject(err instanceof Error ? err : new Error(String(err)));
        factory.prepare((err2, fnModel) =>
          err2 ? reject(err2 instanceof Error ? err2 : new Error(String(err2))) : resolve(fnModel),
        );
      });
    });
    if (compiled.size > 64) compiled.clear();
    compiled.set(xml, model);
  }
  return model;
}

/** Compiles `xml` and starts a session whose delayed sends run on `clock`, with `params` for its data items. */
export async function startScion(
  xml: string,
  clock: VirtualClock,
  params?: Record<string, unknown>,
): Promise<ScionSession> {
  const model = await compile(xml);
  const timers = new Map<string, number>();
  const errors: unknown[] = [];
  const failOnError = (when: string): void => {
    if (errors.length > 0)
      throw new Error(`SCXML interpreter error ${when}: ${JSON.stringify(errors.splice(0))}`);
  };
  const chart: ScionStatechart = new scxml.core.Statechart(model, {
    customSend(event, options) {
      // <send target="#_internal"> raises (SCXML 1.0 6.2.4), as SCION's own send does
      if (event.target === '#_internal') return this.raise(event);
      const id = clock.setTimeout(() => {
        if (event.sendid) timers.delete(event.sendid);
        chart.gen({ name: event.name, data: event.data });
        failOnError(`on the delayed ${event.name}`);
      }, options.delay ?? 0);
      if (event.sendid) timers.set(event.sendid, id);
    },
    customCancel(sendid) {
      const id = timers.get(sendid);
      if (id !== undefined) clock.clearTimeout(id);
      timers.delete(sendid);
    },
    // always params: the compiled model is shared, and params reset every data item (missing
    // ones to undefined, which the document's defaults then fill)
    params: params ?? {},
  });
  chart.on('onError', (e) => errors.push(e));
  chart.start();
  failOnError('at start');
  return {
    chart,
    send(event) {
      const { type, ...data } = event;
      chart.gen({ name: type, data });
      failOnError(`on ${type}`);
    },
    configuration: () => chart.getFullConfiguration(),
    datamodel: () => chart.getSnapshot()[3] as Record<string, unknown>,
  };
}
