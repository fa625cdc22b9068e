import type { Api } from './api.ts';
import type { Notices } from './notices.svelte.ts';
import { errorMessage } from './errors.ts';
import { readBase64 } from './dropped-files.ts';
import { plural } from './format.ts';

const IMAGE_NAME = /\.(jpe?g|jpe|jfif|png|webp|gif|tiff?|avif|heic|heif)$/i;

/**
 * Images dropped onto a class: each one is uploaded (the server keeps it beside the project) and
 * labeled with the class. Progress and the outcome, with every skipped file and why, go to the
 * notification area.
 */
export class Uploads {
  readonly #api: Api;
  readonly #notices: Notices;
  #target = $state<number | null>(null);
  #done = $state(0);
  #total = $state(0);

  constructor(api: Api, notices: Notices) {
    this.#api = api;
    this.#notices = notices;
  }

  /** The class receiving files now, or null. */
  get target(): number | null {
    return this.#target;
  }
  get done(): number {
    return this.#done;
  }
  get total(): number {
    return this.#total;
  }

  async upload(files: File[], classId: number | null, className: string): Promise<void> {
    if (this.#target !== null) {
      this.#notices.info('Another upload is still running; drop these files again when it is done.');
      return;
    }
    const skipped: string[] = [];
    const images = files.filter((f) => {
      if (IMAGE_NAME.test(f.name)) return true;
      skipped.push(`${f.name}: not an image (use .jpg, .png, .webp, .gif, .tif or .avif)`);
      return false;
    });
    this.#target = classId ?? 0;
    this.#done = 0;
    this.#total = images.length;
    let added = 0;
    try {
      for (const file of images) {
        this.#notices.push('info', `Adding ${this.#done + 1} of ${images.length} to “${className}”…`, {
          key: 'upload',
        });
        try {
          await this.#api.call('images.add', { name: file.name, base64: await readBase64(file), classId });
          added++;
        } catch (err) {
          skipped.push(`${file.name}: ${errorMessage(err)}`);
        }
        this.#done++;
      }
    } finally {
      this.#target = null;
    }
    const summary = `Added ${plural(added, 'image')} to “${className}”${skipped.length ? `; ${skipped.length} skipped` : ''}.`;
    this.#notices.push(added === 0 && skipped.length > 0 ? 'error' : 'success', summary, {
      key: 'upload',
      details: skipped.length ? skipped.join('\n') : null,
    });
  }
}
