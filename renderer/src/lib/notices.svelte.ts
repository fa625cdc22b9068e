import { errorCode, errorMessage } from './errors.ts';

export type NoticeKind = 'error' | 'info' | 'success';

export interface Notice {
  id: number;
  kind: NoticeKind;
  text: string;
  code: string | null;
}

/** Messages for the person: errors stay until dismissed, the rest fade after a few seconds. */
export class Notices {
  #items = $state.raw<Notice[]>([]);
  #next = 1;

  get items(): Notice[] {
    return this.#items;
  }

  get latestError(): Notice | null {
    return this.#items.findLast((n) => n.kind === 'error') ?? null;
  }

  push(kind: NoticeKind, text: string, code: string | null = null): number {
    const id = this.#next++;
    // The same message twice in a row is one notice, not a growing stack.
    this.#items = [...this.#items.filter((n) => n.text !== text), { id, kind, text, code }].slice(-5);
    if (kind !== 'error') setTimeout(() => this.dismiss(id), kind === 'success' ? 4000 : 6000);
    return id;
  }

  /** Shows a backend error in words; `context` says what was being attempted. */
  error(err: unknown, context?: string): void {
    const message = errorMessage(err);
    this.push('error', context ? `${context}: ${message}` : message, errorCode(err));
  }

  info(text: string): void {
    this.push('info', text);
  }

  success(text: string): void {
    this.push('success', text);
  }

  dismiss(id: number): void {
    this.#items = this.#items.filter((n) => n.id !== id);
  }

  clearErrors(): void {
    this.#items = this.#items.filter((n) => n.kind !== 'error');
  }
}
