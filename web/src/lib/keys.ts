// Keyboard shortcuts as a pure mapping, so the rules are testable without a DOM.
export type KeyAction = 'down' | 'up' | 'open' | 'focus-filter' | 'escape' | null;

export interface KeyInput {
  key: string;
  ctrlKey?: boolean;
  metaKey?: boolean;
  altKey?: boolean;
  /** The event comes from a text field, select or button that wants its own keys. */
  inField: boolean;
}

export function keyAction(e: KeyInput): KeyAction {
  if (e.ctrlKey || e.metaKey || e.altKey) return null;
  if (e.key === 'Escape') return 'escape';
  if (e.inField) return null;
  switch (e.key) {
    case 'j':
    case 'ArrowDown':
      return 'down';
    case 'k':
    case 'ArrowUp':
      return 'up';
    case 'Enter':
      return 'open';
    case '/':
      return 'focus-filter';
    default:
      return null;
  }
}

/** True for targets that take typed keys (inputs, selects, text areas, editable content). */
export function isField(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  return target.isContentEditable || ['INPUT', 'SELECT', 'TEXTAREA', 'BUTTON'].includes(target.tagName);
}
