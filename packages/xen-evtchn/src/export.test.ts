// The manifest joins the exporter and the docs: every machine exports to SVG, SCXML, DOT,
// Mermaid and JSON naming the seed (the shared suite in tools/vitest/export-suite.ts).
import { describeManifestExport } from '../../../tools/vitest/export-suite.js';
import { manifest } from './index.js';

describeManifestExport(manifest, '@kspec/xen-evtchn', 'linux-xen-evtchn.c', 60_000);
