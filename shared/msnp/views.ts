// Payload views: what a decoder makes of a frame's payload, as an inert tree of text.
// The inspector renders these as text only; nothing here is ever interpreted as HTML or script.

export interface ViewNode {
  label: string;
  value?: string;
  children?: ViewNode[];
  /** Byte range [start, end) inside the payload that this node describes (for hex highlighting). */
  span?: [number, number];
  /** Something wrong with this part of the payload. */
  issue?: string;
}

export interface RenderedView {
  /** Which view produced this, e.g. 'mime', 'xml', 'p2p', 'msnp21-envelope', 'text', 'hex'. */
  view: string;
  /** One-line description, e.g. 'MIME text/x-msmsgsprofile'. */
  title: string;
  nodes: ViewNode[];
  issues: string[];
}

/** What a payload view may know about the frame that carried the payload. */
export interface PayloadContext {
  command: string;
  dir: 'c2s' | 's2c';
  /** Negotiated version (2–21), or 0 when unknown. */
  version: number;
  /** Tokens after the command and TrID. */
  params: readonly string[];
}
