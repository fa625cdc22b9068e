/**
 * Files and folders dropped from the person's file manager. A dropped folder is walked (its
 * subfolders too); everything is read in the browser, so this works when the browser runs on
 * another machine than Incept.
 */
const MAX_FILES = 5000;

/** True for a drag that carries files (not a drag of something inside the page). */
export function carriesFiles(e: DragEvent): boolean {
  return !!e.dataTransfer && [...e.dataTransfer.types].includes('Files');
}

/** Must be called during the drop event: the browser empties the list once the handler returns. */
export function takeDrop(dt: DataTransfer): () => Promise<File[]> {
  const items = [...dt.items].filter((i) => i.kind === 'file');
  const entries = items.map((i) => i.webkitGetAsEntry?.() ?? null);
  const files = items.map((i) => i.getAsFile());
  const plain = [...dt.files];
  return async () => {
    if (items.length === 0) return plain;
    const out: File[] = [];
    for (const [i, entry] of entries.entries()) {
      if (out.length >= MAX_FILES) break;
      if (entry?.isDirectory) await walk(entry as FileSystemDirectoryEntry, out);
      else {
        const file = files[i];
        if (file) out.push(file);
      }
    }
    return out;
  };
}

async function walk(dir: FileSystemDirectoryEntry, out: File[]): Promise<void> {
  const reader = dir.createReader();
  for (;;) {
    const batch = await new Promise<FileSystemEntry[]>((resolve, reject) =>
      reader.readEntries(resolve, reject),
    );
    if (batch.length === 0) return;
    for (const entry of batch) {
      if (out.length >= MAX_FILES) return;
      if (entry.name.startsWith('.')) continue;
      if (entry.isDirectory) await walk(entry as FileSystemDirectoryEntry, out);
      else if (entry.isFile)
        out.push(
          await new Promise<File>((resolve, reject) => (entry as FileSystemFileEntry).file(resolve, reject)),
        );
    }
  }
}

export function readBase64(file: File): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result).replace(/^data:[^,]*,/, ''));
    reader.onerror = () => reject(reader.error ?? new Error(`${file.name} could not be read.`));
    reader.readAsDataURL(file);
  });
}
