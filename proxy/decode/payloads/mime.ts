// MIME payload view for MSG (NS and SB) and UUM/UBM: a header block, a blank line, then a body whose
// meaning depends on Content-Type (sub-dispatch in mime-content.ts).
import type { PayloadContext, RenderedView, ViewNode } from '../../../shared/msnp/views.js';
import type { PayloadView } from './types.js';
import { decodeUtf8, escapeControls, startsWithAscii } from './bytes.js';
import { headerValue, isUtf8Charset, parseContentType, parseHeaderBlock, type HeaderField } from './headers.js';
import { group, Issues, leaf } from './nodes.js';
import { commonNotes, type FieldNotes } from './mime-fields.js';
import { contentKind } from './mime-content.js';

const MIME_COMMANDS = new Set(['MSG', 'UUM', 'UBM']);

export const mimeView: PayloadView = {
  name: 'mime',
  priority(payload: Buffer, ctx: PayloadContext): number {
    if (MIME_COMMANDS.has(ctx.command)) return 100;
    return startsWithAscii(payload, 'MIME-Version:') ? 50 : -1;
  },
  render(payload: Buffer): RenderedView {
    const issues = new Issues(100);
    const block = parseHeaderBlock(payload);
    issues.addAll(block.issues);
    if (!block.terminated) issues.add('no blank line after the MIME headers');

    const ctValue = headerValue(block.fields, 'Content-Type');
    if (ctValue === undefined) issues.add('no Content-Type header');
    const ct = parseContentType(ctValue ?? '');
    const kind = contentKind(ct.mediaType);
    const charset = ct.params.charset;
    if (charset !== undefined && !isUtf8Charset(charset)) issues.add(`charset "${charset}" is not UTF-8; text is shown as UTF-8`);

    const notes: FieldNotes = (name, value) => [...commonNotes(name, value), ...(kind.headerNotes?.(name, value) ?? [])];
    const nodes: ViewNode[] = [group('headers', block.fields.map((f) => headerNode(f, notes)), [0, block.end])];

    const body = payload.subarray(block.end);
    if (kind.textual && body.length > 0 && !decodeUtf8(body).valid) issues.add('body is not valid UTF-8');
    const out = kind.body({ body, at: block.end, headers: block.fields, issues });
    if (out.nodes.length) nodes.push(group('body', out.nodes, [block.end, payload.length]));

    return { view: 'mime', title: title(ct.mediaType, out.title ?? kind.title, block.fields), nodes, issues: issues.done() };
  },
};

function headerNode(f: HeaderField, notes: FieldNotes): ViewNode {
  const node = leaf(f.name, escapeControls(f.value), f.span, f.issue);
  if (!f.issue) {
    const extra = notes(f.name, f.value);
    if (extra.length) node.children = extra;
  }
  return node;
}

function title(mediaType: string, what: string, fields: readonly HeaderField[]): string {
  const typing = headerValue(fields, 'TypingUser');
  const detail = typing !== undefined && mediaType === 'text/x-msmsgscontrol' ? `${what} from ${typing.trim()}` : what;
  return `MIME ${mediaType || '(no content type)'}: ${detail}`;
}
