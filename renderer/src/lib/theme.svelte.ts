export type ThemeChoice = 'system' | 'light' | 'dark';

const KEY = 'incept.theme';
const ORDER: ThemeChoice[] = ['system', 'light', 'dark'];

/** Light or dark following the OS, unless the person picked one (remembered per machine). */
export class ThemeState {
  #choice = $state<ThemeChoice>('system');

  constructor() {
    const saved = readSaved();
    if (saved) this.#choice = saved;
    this.#apply();
  }

  get choice(): ThemeChoice {
    return this.#choice;
  }

  get label(): string {
    return this.#choice === 'system' ? 'Theme: system' : `Theme: ${this.#choice}`;
  }

  cycle(): void {
    this.set(ORDER[(ORDER.indexOf(this.#choice) + 1) % ORDER.length]!);
  }

  set(choice: ThemeChoice): void {
    this.#choice = choice;
    try {
      localStorage.setItem(KEY, choice);
    } catch {
      // Storage can be unavailable (private mode); the choice still holds for this window.
    }
    this.#apply();
  }

  #apply(): void {
    if (typeof document === 'undefined') return;
    if (this.#choice === 'system') delete document.documentElement.dataset.theme;
    else document.documentElement.dataset.theme = this.#choice;
  }
}

function readSaved(): ThemeChoice | null {
  try {
    const v = localStorage.getItem(KEY);
    return v === 'light' || v === 'dark' || v === 'system' ? v : null;
  } catch {
    return null;
  }
}
