/** Records per piece handed to the output: bounds the size of any one string. */
const PIECE = 1000;

export function* slices<T>(items: T[], render: (slice: T[]) => string): Iterable<string> {
  for (let i = 0; i < items.length; i += PIECE) yield render(items.slice(i, i + PIECE));
}
