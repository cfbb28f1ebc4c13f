import { needInt } from "@/lib/probes/numbers";
import { MAX_LINE, Unread, type UnreadLine } from "@/lib/probes/partial";
import { cannotRead, readOutput } from "@/lib/probes/read";
import type { Parsed, Probe } from "@/lib/probes/types";
import { child, childrenNamed, parseXml, type XmlElement } from "@/lib/probes/xml";

export interface PacemakerNode {
  name: string;
  id: string;
  online: boolean;
  standby: boolean;
  standbyOnFail: boolean;
  maintenance: boolean;
  pending: boolean;
  unclean: boolean;
  shutdown: boolean;
  isDc: boolean;
  resourcesRunning: number;
  /** "member", "remote", "ping" */
  type: string;
}

export interface PacemakerResource {
  id: string;
  agent: string;
  /** Started, Stopped, Promoted, Unpromoted (Master/Slave before 2.1)... */
  role: string;
  targetRole: string | null;
  active: boolean;
  managed: boolean;
  failed: boolean;
  blocked: boolean;
  orphaned: boolean;
  /** nodes the resource is running on */
  nodes: string[];
  /** the clone, group or bundle it belongs to */
  parent: { kind: "clone" | "group" | "bundle"; id: string } | null;
}

export interface PacemakerStatus {
  dc: string | null;
  withQuorum: boolean | null;
  maintenanceMode: boolean | null;
  stonithEnabled: boolean | null;
  nodes: PacemakerNode[];
  resources: PacemakerResource[];
  /** lines around the XML document (log lines crm_mon or a wrapper printed on the same stream) */
  unread: UnreadLine[];
}

function flag(element: XmlElement, name: string, fallback?: boolean): boolean {
  const value = element.attributes[name];
  if (value === "true") return true;
  if (value === "false") return false;
  if (value === undefined && fallback !== undefined) return fallback;
  return cannotRead(`<${element.name}> ${name}="${value ?? ""}" is not true/false`);
}

function optionalFlag(element: XmlElement | undefined, name: string): boolean | null {
  return element?.attributes[name] === undefined || element === undefined ? null : flag(element, name);
}

function attribute(element: XmlElement, name: string): string {
  return element.attributes[name] ?? cannotRead(`<${element.name}> has no ${name}`);
}

function node(element: XmlElement): PacemakerNode {
  return {
    name: attribute(element, "name"),
    id: attribute(element, "id"),
    online: flag(element, "online"),
    standby: flag(element, "standby"),
    standbyOnFail: flag(element, "standby_onfail", false),
    maintenance: flag(element, "maintenance"),
    pending: flag(element, "pending"),
    unclean: flag(element, "unclean"),
    shutdown: flag(element, "shutdown"),
    isDc: flag(element, "is_dc"),
    resourcesRunning: needInt(element.attributes.resources_running, "resources_running"),
    type: attribute(element, "type"),
  };
}

function resources(element: XmlElement, parent: PacemakerResource["parent"]): PacemakerResource[] {
  return element.children.flatMap((c): PacemakerResource[] => {
    if (c.name === "resource") {
      return [{
        id: attribute(c, "id"),
        agent: attribute(c, "resource_agent"),
        role: attribute(c, "role"),
        targetRole: c.attributes.target_role ?? null,
        active: flag(c, "active"),
        managed: flag(c, "managed"),
        failed: flag(c, "failed"),
        blocked: flag(c, "blocked"),
        orphaned: flag(c, "orphaned"),
        nodes: childrenNamed(c, "node").map((n) => attribute(n, "name")),
        parent,
      }];
    }
    if (c.name === "clone" || c.name === "group" || c.name === "bundle") {
      return resources(c, parent ?? { kind: c.name, id: attribute(c, "id") });
    }
    if (c.name === "replica") return resources(c, parent);
    return [];
  });
}

/** Where the XML document starts and ends: crm_mon may print log lines before it on the same stream. */
function documentSpan(text: string): { start: number; end: number } {
  const root = text.indexOf("<pacemaker-result");
  if (root === -1) return cannotRead("no <pacemaker-result> element");
  const declaration = text.lastIndexOf("<?xml", root);
  const start = declaration !== -1 && text.slice(declaration, root).trim().endsWith("?>") ? declaration : root;
  const closing = text.lastIndexOf("</pacemaker-result>");
  const end = closing === -1 ? text.length : closing + "</pacemaker-result>".length;
  return { start, end };
}

function unreadAround(text: string, span: { start: number; end: number }): UnreadLine[] {
  const unread = new Unread();
  const before = text.slice(0, span.start).split("\n");
  before.forEach((line, i) => {
    if (line.trim() !== "") unread.add(i + 1, line.slice(0, MAX_LINE), "not part of crm_mon's XML (printed before it)");
  });
  const offset = text.slice(0, span.end).split("\n").length;
  text
    .slice(span.end)
    .split("\n")
    .forEach((line, i) => {
      if (line.trim() !== "") unread.add(offset + i, line.slice(0, MAX_LINE), "not part of crm_mon's XML (printed after it)");
    });
  return unread.list();
}

export function parseCrmMonXml(stdout: string): Parsed<PacemakerStatus> {
  return readOutput(stdout, (text) => {
    const span = documentSpan(text);
    const root = parseXml(text.slice(span.start, span.end));
    if (root.name !== "pacemaker-result") cannotRead(`root element is <${root.name}>, not <pacemaker-result>`);
    const status = child(root, "status");
    if (status && status.attributes.code !== "0") {
      const errors = childrenNamed(child(status, "errors") ?? status, "error").map((e) => e.text.trim());
      cannotRead(`crm_mon failed (${status.attributes.code ?? "?"} ${status.attributes.message ?? ""})${errors.length ? `: ${errors.join("; ")}` : ""}`);
    }
    const summary = child(root, "summary") ?? cannotRead("no <summary>");
    const nodesElement = child(root, "nodes") ?? cannotRead("no <nodes>");
    const dc = child(summary, "current_dc");
    const options = child(summary, "cluster_options");
    return {
      dc: dc && flag(dc, "present") ? attribute(dc, "name") : null,
      withQuorum: dc && flag(dc, "present") ? optionalFlag(dc, "with_quorum") : null,
      maintenanceMode: optionalFlag(options, "maintenance-mode"),
      stonithEnabled: optionalFlag(options, "stonith-enabled"),
      nodes: childrenNamed(nodesElement, "node").map(node),
      resources: resources(child(root, "resources") ?? { name: "resources", attributes: {}, children: [], text: "" }, null),
      unread: unreadAround(text, span),
    };
  });
}

export const crmMonXmlProbe: Probe<PacemakerStatus> = {
  name: "crm-mon-xml",
  roles: ["lb", "fs"],
  readOnly: true,
  command: () => "crm_mon --output-as=xml -1",
  parse: parseCrmMonXml,
};
