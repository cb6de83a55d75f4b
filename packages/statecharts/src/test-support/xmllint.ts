/**
 * libxml2's own well-formedness check (`xmllint --noout`) on a document, through xmllint-wasm:
 * the xmllint program of libxml2 compiled to WebAssembly, shipped on npm, so the tests need no
 * Debian package.
 */
import { validateXML } from 'xmllint-wasm';

/** xmllint's verdict on `xml`: `ok` or its error output. */
export async function xmllint(
  xml: string,
  fileName = 'export.scxml',
): Promise<{ ok: boolean; output: string }> {
  // `--format` parses the whole document (a malformed one fails) and needs no schema
  const r = await validateXML({ xml: [{ fileName, contents: xml }], normalization: 'format' });
  return { ok: r.valid, output: r.rawOutput };
}
