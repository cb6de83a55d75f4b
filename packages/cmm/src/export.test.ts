// The manifest joins the exporter and the docs: every machine exports to SVG, SCXML, DOT,
// Mermaid and JSON naming the seed (the shared suite in tools/vitest/export-suite.ts).
import { describeManifestExport } from '../../../tools/vitest/export-suite.js';
import { manifest } from './index.js';

describeManifestExport(manifest, '@kspec/cmm', 'linux-powerpc-pseries-cmm.c', 120_000);
