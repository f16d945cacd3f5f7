// Helpers for asserting on rendered view trees.
import type { RenderedView, ViewNode } from '../../shared/msnp/views.js';

/** Depth-first search for the first node whose label matches. */
export function find(nodes: readonly ViewNode[] | RenderedView, label: string | RegExp): ViewNode | undefined {
  const list = Array.isArray(nodes) ? nodes : (nodes as RenderedView).nodes;
  for (const n of list) {
    if (typeof label === 'string' ? n.label === label : label.test(n.label)) return n;
    const inner = n.children ? find(n.children, label) : undefined;
    if (inner) return inner;
  }
  return undefined;
}

/** Like find, but fails loudly. */
export function get(nodes: readonly ViewNode[] | RenderedView, label: string | RegExp): ViewNode {
  const n = find(nodes, label);
  if (!n) throw new Error(`no node labelled ${String(label)}`);
  return n;
}

/** Value of the child called `label` of `node`. */
export function child(node: ViewNode, label: string): string | undefined {
  return node.children?.find((c) => c.label === label)?.value;
}

export function walk(nodes: readonly ViewNode[], visit: (n: ViewNode) => void): void {
  for (const n of nodes) {
    visit(n);
    if (n.children) walk(n.children, visit);
  }
}

/** Every span lies inside the payload and is ordered. */
export function spansWithin(view: RenderedView, length: number): boolean {
  let ok = true;
  walk(view.nodes, (n) => {
    if (n.span && !(n.span[0] >= 0 && n.span[0] <= n.span[1] && n.span[1] <= length)) ok = false;
  });
  return ok;
}
