/**
 * Runs exported SCXML in an independent SCXML interpreter (SCION, `@scion-scxml/scxml`), with
 * its delayed sends on a {@link VirtualClock}.
 *
 * kspec's `<kspec:action name="…"/>` elements (named XState actions SCXML has no counterpart
 * for) are removed before SCION compiles the document: SCION 4.3.27 supports custom action
 * elements in other namespaces in principle, but builds a JavaScript function name from the
 * namespace (`${urn:…}action_l1_c2`), which never compiles. The equivalence tests compare state
 * configurations, which these actions do not touch.
 */
import scxmlModule from '@scion-scxml/scxml';
import type { VirtualClock } from './clock.js';

/** Removes kspec's action extension elements (see the module note). */
export function withoutKspecActions(xml: string): string {
  return xml.replace(/^\s*<kspec:action\b[^>]*\/>\n/gm, '');
}

interface ScionEvent {
  name: string;
  data?: unknown;
  sendid?: string;
}

/** The part of SCION's API used here (its bundled typings omit the send hooks). */
interface ScionStatechart {
  start(): string[];
  gen(event: ScionEvent): string[];
  getFullConfiguration(): string[];
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
        customSend?: (event: ScionEvent, options: { delay?: number }) => void;
        customCancel?: (sendid: string) => void;
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
}

/** Compiles `xml` and starts a session whose delayed sends run on `clock`. */
export async function startScion(xml: string, clock: VirtualClock): Promise<ScionSession> {
  const model = await new Promise<unknown>((resolve, reject) => {
    scxml.documentStringToModel('kspec-export.scxml', withoutKspecActions(xml), (err, factory) => {
      if (err) return reject(err instanceof Error ? err : new Error(String(err)));
      factory.prepare((err2, fnModel) =>
        err2 ? reject(err2 instanceof Error ? err2 : new Error(String(err2))) : resolve(fnModel),
      );
    });
  });
  const timers = new Map<string, number>();
  const chart: ScionStatechart = new scxml.core.Statechart(model, {
    customSend(event, options) {
      const id = clock.setTimeout(() => {
        if (event.sendid) timers.delete(event.sendid);
        chart.gen({ name: event.name, data: event.data });
      }, options.delay ?? 0);
      if (event.sendid) timers.set(event.sendid, id);
    },
    customCancel(sendid) {
      const id = timers.get(sendid);
      if (id !== undefined) clock.clearTimeout(id);
      timers.delete(sendid);
    },
  });
  const errors: unknown[] = [];
  chart.on('onError', (e) => errors.push(e));
  chart.start();
  return {
    chart,
    send(event) {
      const { type, ...data } = event;
      chart.gen({ name: type, data });
      if (errors.length > 0) throw new Error(`SCXML interpreter error: ${JSON.stringify(errors.splice(0))}`);
    },
    configuration: () => chart.getFullConfiguration(),
  };
}
