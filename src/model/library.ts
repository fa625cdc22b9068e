import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { copyFile, readFile, rename, rm, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { ModelDescription, ModelSourceKind } from '../domain/model.ts';
import { ModelError } from './errors.ts';
import { analyzeModel } from './graph/analyze.ts';
import { decodeModel } from './onnx/read.ts';
import { detectPreprocessing } from './preset-detection.ts';

/** The library's own list of its models (names as first given, when added). */
const INDEX_FILE = 'models.json';

export interface LibraryModel {
  sha256: string;
  name: string;
  source: ModelSourceKind;
  bytes: number;
  addedAt: string;
}

/**
 * Pretrained model files live in the app's data folder under their sha256, shared by every
 * project; a project records which one it uses. Nothing is used before it has been checked.
 */
export class ModelLibrary {
  readonly dir: string;

  constructor(dir: string) {
    this.dir = dir;
  }

  pathFor(sha256: string): string {
    return join(this.dir, `${sha256}.onnx`);
  }

  has(sha256: string): boolean {
    return existsSync(this.pathFor(sha256));
  }

  /**
   * The models on this machine that a project can use with one click, newest first: every
   * file imported or downloaded once, whose file is still there.
   */
  list(): LibraryModel[] {
    return Object.values(this.#readIndex())
      .filter((m) => this.has(m.sha256))
      .sort((a, b) => (a.addedAt < b.addedAt ? 1 : a.addedAt > b.addedAt ? -1 : 0));
  }

  /** The entry for a model in the library (its name as first imported), or undefined. */
  entry(sha256: string): LibraryModel | undefined {
    const m = this.#readIndex()[sha256];
    return m && this.has(sha256) ? m : undefined;
  }

  /** Notes a checked model in the library's index, so later projects are offered it. */
  remember(d: ModelDescription): void {
    const index = this.#readIndex();
    if (index[d.sha256]) return;
    index[d.sha256] = {
      sha256: d.sha256,
      name: d.name,
      source: d.source,
      bytes: d.bytes,
      addedAt: new Date().toISOString(),
    };
    mkdirSync(this.dir, { recursive: true });
    const path = join(this.dir, INDEX_FILE);
    const tmp = `${path}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(index, null, 2));
    renameSync(tmp, path);
  }

  #readIndex(): Record<string, LibraryModel> {
    try {
      const parsed = JSON.parse(readFileSync(join(this.dir, INDEX_FILE), 'utf8')) as unknown;
      if (parsed === null || typeof parsed !== 'object') return {};
      const out: Record<string, LibraryModel> = {};
      for (const [sha, m] of Object.entries(parsed as Record<string, Partial<LibraryModel>>)) {
        if (/^[0-9a-f]{64}$/.test(sha) && typeof m?.name === 'string' && typeof m.addedAt === 'string')
          out[sha] = {
            sha256: sha,
            name: m.name,
            source: m.source === 'download' ? 'download' : 'file',
            bytes: typeof m.bytes === 'number' ? m.bytes : 0,
            addedAt: m.addedAt,
          };
      }
      return out;
    } catch {
      // No index yet, or a damaged one: the files stay usable by import; the offer starts afresh.
      return {};
    }
  }

  /** Checks a local .onnx file and copies it into the library (atomically). */
  async importFile(source: string): Promise<ModelDescription> {
    let bytes: Uint8Array;
    try {
      bytes = await readFile(source);
    } catch (err) {
      throw new ModelError('not_found', `Cannot read the model file ${source}: ${(err as Error).message}`);
    }
    const description = describeModel(bytes, basename(source), 'file');
    const target = this.pathFor(description.sha256);
    if (!existsSync(target)) {
      mkdirSync(this.dir, { recursive: true });
      const tmp = `${target}.${process.pid}.tmp`;
      try {
        await copyFile(source, tmp);
        await rename(tmp, target);
      } finally {
        await rm(tmp, { force: true });
      }
    }
    this.remember(description);
    return description;
  }

  /** Adopts a file that was downloaded (and hash-checked) straight into the library. */
  async adoptDownloaded(path: string, name: string): Promise<ModelDescription> {
    const bytes = await readFile(path);
    const description = describeModel(bytes, name, 'download');
    const target = this.pathFor(description.sha256);
    if (path !== target) await rename(path, target);
    this.remember(description);
    return description;
  }

  /** Reads a library file back, re-checking its hash so a damaged file is never used. */
  async load(sha256: string): Promise<Uint8Array> {
    const path = this.pathFor(sha256);
    let bytes: Uint8Array;
    try {
      bytes = await readFile(path);
    } catch {
      throw new ModelError(
        'not_found',
        `The project's model file (${sha256.slice(0, 12)}…) is missing from ${this.dir}. Download the model again or import the .onnx file.`,
      );
    }
    if (sha256Hex(bytes) !== sha256) {
      throw new ModelError(
        'checksum_mismatch',
        `The model file ${path} is damaged (its sha256 changed). Download it again or import the .onnx file.`,
      );
    }
    return bytes;
  }

  /** Describes a library file (re-checking it) without the async read. */
  describeSync(sha256: string, name: string, source: ModelSourceKind): ModelDescription {
    const bytes = readFileSync(this.pathFor(sha256));
    if (sha256Hex(bytes) !== sha256) {
      throw new ModelError('checksum_mismatch', `The model file ${this.pathFor(sha256)} is damaged.`);
    }
    return describeModel(bytes, name, source);
  }

  async size(sha256: string): Promise<number> {
    return (await stat(this.pathFor(sha256))).size;
  }
}

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Validates ONNX bytes as a GoogLeNet-like classifier Incept can fine-tune. */
export function describeModel(bytes: Uint8Array, name: string, source: ModelSourceKind): ModelDescription {
  const model = decodeModel(bytes, name);
  const analysis = analyzeModel(model);
  const detected = detectPreprocessing(model);
  return {
    sha256: sha256Hex(bytes),
    name,
    source,
    bytes: bytes.length,
    opset: analysis.opset,
    featureDim: analysis.featureSize,
    numClasses: analysis.numClasses,
    inputName: analysis.inputName,
    featureTensor: analysis.featureTensor,
    classifierNode: analysis.classifierNode,
    preprocessing: detected?.preprocessing ?? null,
    preprocessingFrom: detected ? `detected from ${detected.from}` : null,
  };
}
