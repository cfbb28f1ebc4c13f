import { cannotRead } from "@/lib/probes/read";

/** Just enough XML for crm_mon's machine-readable output: elements, attributes, text; no DTDs or namespaces. */
export interface XmlElement {
  name: string;
  attributes: Record<string, string>;
  children: XmlElement[];
  text: string;
}

const TOKEN = /<!--[\s\S]*?-->|<\?[\s\S]*?\?>|<!\[CDATA\[([\s\S]*?)\]\]>|<(\/?)([A-Za-z_][\w.:-]*)((?:\s+[A-Za-z_][\w.:-]*\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*(\/?)>|([^<]+)|(<)/g;
const ATTRIBUTE = /([A-Za-z_][\w.:-]*)\s*=\s*(?:"([^"]*)"|'([^']*)')/g;
const ENTITIES: Record<string, string> = { lt: "<", gt: ">", amp: "&", quot: '"', apos: "'" };

export function decodeEntities(value: string): string {
  return value.replace(/&(#x[0-9a-fA-F]+|#\d+|\w+);/g, (whole, ref: string) => {
    if (ref.startsWith("#x")) return String.fromCodePoint(Number.parseInt(ref.slice(2), 16));
    if (ref.startsWith("#")) return String.fromCodePoint(Number.parseInt(ref.slice(1), 10));
    return ENTITIES[ref] ?? cannotRead(`unknown XML entity ${whole}`);
  });
}

/** Parses one document and returns its root element; malformed or unbalanced markup cannot be read. */
export function parseXml(text: string): XmlElement {
  const stack: XmlElement[] = [];
  let root: XmlElement | null = null;
  for (const m of text.matchAll(TOKEN)) {
    const [, cdata, closing, name, attributeText, selfClosing, chars, stray] = m;
    const parent = stack.at(-1);
    if (stray !== undefined) cannotRead(`malformed markup at offset ${m.index}`);
    if (chars !== undefined || cdata !== undefined) {
      const content = cdata ?? decodeEntities(chars ?? "");
      if (parent) parent.text += content;
      else if (content.trim() !== "") cannotRead("text outside the root element");
      continue;
    }
    if (name === undefined) continue;
    if (closing === "/") {
      if (parent?.name !== name) cannotRead(`</${name}> does not close <${parent?.name ?? "nothing"}>`);
      stack.pop();
      continue;
    }
    const attributes: Record<string, string> = {};
    for (const a of (attributeText ?? "").matchAll(ATTRIBUTE)) {
      attributes[a[1] ?? ""] = decodeEntities(a[2] ?? a[3] ?? "");
    }
    const element: XmlElement = { name, attributes, children: [], text: "" };
    if (parent) parent.children.push(element);
    else if (root === null) root = element;
    else cannotRead("more than one root element");
    if (selfClosing !== "/") stack.push(element);
  }
  if (stack.length > 0) cannotRead(`<${stack.at(-1)?.name ?? ""}> is never closed (truncated?)`);
  return root ?? cannotRead("no XML element");
}

export function child(element: XmlElement, name: string): XmlElement | undefined {
  return element.children.find((c) => c.name === name);
}

export function childrenNamed(element: XmlElement, name: string): XmlElement[] {
  return element.children.filter((c) => c.name === name);
}
