import { errorCode, errorMessage } from './errors.ts';

export type NoticeKind = 'error' | 'info' | 'success';

export interface Notice {
  id: number;
  kind: NoticeKind;
  /** One line a person reads at a glance. */
  title: string;
  /** The rest (the full message, the error code), shown on a click. */
  details: string | null;
  code: string | null;
  /** What the notice is about; `resolve(key)` removes it once that is fixed. */
  key: string | null;
}

export interface NoticeOptions {
  key?: string;
  details?: string | null;
  code?: string | null;
}

const MAX_NOTICES = 4;
const TITLE_CHARS = 160;

/** The first sentence of a message, short enough for one line; null when that is all of it. */
export function splitMessage(message: string): { title: string; rest: string | null } {
  const text = message.trim();
  const end = text.search(/[.!?](\s|$)/);
  let title = end >= 0 ? text.slice(0, end + 1) : text;
  if (title.length > TITLE_CHARS) title = `${title.slice(0, TITLE_CHARS - 1).trimEnd()}…`;
  return { title, rest: title === text ? null : text };
}

/**
 * The one notification area: errors stay until dismissed or until what they were about is
 * resolved (a later success with the same key); the rest fade after a few seconds.
 */
export class Notices {
  #items = $state.raw<Notice[]>([]);
  #next = 1;

  get items(): Notice[] {
    return this.#items;
  }

  get latestError(): Notice | null {
    return this.#items.findLast((n) => n.kind === 'error') ?? null;
  }

  push(kind: NoticeKind, text: string, opts: NoticeOptions = {}): number {
    const id = this.#next++;
    const { title, rest } = splitMessage(text);
    const key = opts.key ?? null;
    const details = opts.details !== undefined ? opts.details : rest;
    const notice: Notice = { id, kind, title, details, code: opts.code ?? null, key };
    // A repeated message, or a new one about the same thing, replaces the old one.
    const others = this.#items.filter(
      (n) => !(n.title === title && n.details === details) && (key === null || n.key !== key),
    );
    this.#items = [...others, notice].slice(-MAX_NOTICES);
    if (kind !== 'error') setTimeout(() => this.dismiss(id), kind === 'success' ? 4000 : 6000);
    return id;
  }

  /** Shows a backend error in words; `context` says what was being attempted. */
  error(err: unknown, context?: string, key?: string): void {
    const message = errorMessage(err);
    const code = errorCode(err);
    const opts: NoticeOptions = { code, ...(key !== undefined ? { key } : {}) };
    if (!context) {
      this.push('error', message, opts);
      return;
    }
    const { title, rest } = splitMessage(message);
    const more = rest === null ? null : rest.slice(title.endsWith('…') ? 0 : title.length).trim();
    this.push('error', `${context}: ${title}`, { ...opts, details: more || null });
  }

  info(text: string, key?: string): void {
    this.push('info', text, key !== undefined ? { key } : {});
  }

  success(text: string, key?: string): void {
    this.push('success', text, key !== undefined ? { key } : {});
  }

  dismiss(id: number): void {
    this.#items = this.#items.filter((n) => n.id !== id);
  }

  /** What `key` was about is fixed: its error (and any other notice about it) goes away. */
  resolve(key: string): void {
    if (this.#items.some((n) => n.key === key)) this.#items = this.#items.filter((n) => n.key !== key);
  }

  clearErrors(): void {
    this.#items = this.#items.filter((n) => n.kind !== 'error');
  }
}
