/**
 * A minimal XML writer for the SCXML exporter: elements with escaped attributes, written
 * with two-space indentation. No parsing here.
 *
 * @module
 */

/** One element: its qualified name, its attributes (undefined values are left out), its children. */
export interface XmlElement {
  readonly name: string;
  readonly attrs?: Readonly<Record<string, string | number | undefined>>;
  readonly children?: readonly (XmlElement | XmlComment)[];
}

/** A comment node. */
export interface XmlComment {
  readonly comment: string;
}

/** Escapes text for an attribute value in double quotes. */
export function escapeAttr(value: string): string {
  return value
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/\n/g, '&#10;')
    .replace(/\r/g, '&#13;')
    .replace(/\t/g, '&#9;');
}

function writeNode(node: XmlElement | XmlComment, indent: string, out: string[]): void {
  if ('comment' in node) {
    out.push(`${indent}<!-- ${node.comment.replace(/--/g, '- -')} -->`);
    return;
  }
  const attrs = Object.entries(node.attrs ?? {})
    .filter((e): e is [string, string | number] => e[1] !== undefined)
    .map(([k, v]) => ` ${k}="${escapeAttr(String(v))}"`)
    .join('');
  const children = node.children ?? [];
  if (children.length === 0) {
    out.push(`${indent}<${node.name}${attrs}/>`);
    return;
  }
  out.push(`${indent}<${node.name}${attrs}>`);
  for (const child of children) writeNode(child, `${indent}  `, out);
  out.push(`${indent}</${node.name}>`);
}

/** Serializes a document: the XML declaration, then the root element. */
export function writeXmlDocument(root: XmlElement): string {
  const out = ['<?xml version="1.0" encoding="UTF-8"?>'];
  writeNode(root, '', out);
  return `${out.join('\n')}\n`;
}
