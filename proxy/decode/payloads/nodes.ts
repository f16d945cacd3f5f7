// Small helpers for building view trees: span shifting for sub-views, and bounded issue lists.
import type { ViewNode } from '../../../shared/msnp/views.js';

/** Moves every span by `delta` bytes, for a sub-view rendered on a slice of the payload. */
export function shiftSpans(nodes: readonly ViewNode[], delta: number): ViewNode[] {
  if (delta === 0) return [...nodes];
  return nodes.map((n) => shiftNode(n, delta));
}

function shiftNode(n: ViewNode, delta: number): ViewNode {
  const out: ViewNode = { ...n };
  if (n.span) out.span = [n.span[0] + delta, n.span[1] + delta];
  if (n.children) out.children = n.children.map((c) => shiftNode(c, delta));
  return out;
}

/** Removes spans (for nodes that describe decoded text, where byte positions no longer apply). */
export function dropSpans(nodes: readonly ViewNode[]): ViewNode[] {
  return nodes.map((n) => {
    const { span: _span, ...rest } = n;
    return rest.children ? { ...rest, children: dropSpans(rest.children) } : rest;
  });
}

/** Issue collector that stops growing after a limit, so hostile input cannot flood the view. */
export class Issues {
  readonly list: string[] = [];
  private dropped = 0;
  constructor(private readonly max = 100) {}

  add(message: string): void {
    if (this.list.length < this.max) this.list.push(message);
    else this.dropped++;
  }

  addAll(messages: readonly string[], prefix = ''): void {
    for (const m of messages) this.add(prefix + m);
  }

  done(): string[] {
    return this.dropped > 0 ? [...this.list, `… and ${this.dropped} more issues`] : [...this.list];
  }
}

/** A leaf node; omits undefined fields so the tree stays compact. */
export function leaf(label: string, value?: string, span?: [number, number], issue?: string): ViewNode {
  const n: ViewNode = { label };
  if (value !== undefined) n.value = value;
  if (span) n.span = span;
  if (issue !== undefined) n.issue = issue;
  return n;
}

export function group(label: string, children: ViewNode[], span?: [number, number], value?: string): ViewNode {
  const n: ViewNode = { label, children };
  if (value !== undefined) n.value = value;
  if (span) n.span = span;
  return n;
}
