/**
 * Decodes ONNX model bytes into a small, checked structure the importer and the engines share.
 */
import { readFile } from 'node:fs/promises';
import { ModelError, errorMessage } from '../errors.ts';
import {
  AttributeType,
  DataType,
  hasField,
  onnx,
  toNumber,
  type IAttributeProto,
  type ITensorProto,
  type IValueInfoProto,
  type ModelProto,
} from './proto.ts';

export type AttributeValue = number | string | number[] | string[] | ITensorProto;

export interface OnnxNode {
  /** Position in the graph's node list. */
  index: number;
  /** The node's own name, or its first output when the exporter left names empty (Caffe2 does). */
  name: string;
  opType: string;
  domain: string;
  inputs: string[];
  outputs: string[];
  attrs: Map<string, AttributeValue>;
}

export interface OnnxValueInfo {
  name: string;
  elemType: number;
  /** A number for fixed dimensions, the symbol (or null) for free ones. */
  dims: (number | string | null)[];
}

export interface OnnxModel {
  proto: ModelProto;
  irVersion: number;
  /** Version of the default ('' / 'ai.onnx') operator set. */
  opset: number;
  producer: string;
  /** Graph inputs that are fed at run time (initializers listed as inputs, IR < 4, are left out). */
  inputs: OnnxValueInfo[];
  outputs: OnnxValueInfo[];
  initializers: Map<string, ITensorProto>;
  nodes: OnnxNode[];
}

const TEXT_DECODER = new TextDecoder();

/** Decodes and sanity-checks ONNX bytes; `source` names the file in error messages. */
export function decodeModel(bytes: Uint8Array, source = 'The file'): OnnxModel {
  sniffNonOnnx(bytes, source);
  let proto: ModelProto;
  try {
    proto = onnx.ModelProto.decode(bytes);
  } catch (err) {
    if (looksLikeModelStart(bytes) && /index out of range/i.test(errorMessage(err))) {
      throw new ModelError(
        'truncated',
        `${source} is an incomplete ONNX model (it ends early: ${bytes.length} bytes read). ` +
          'Download it again; a partial download or a full disk usually causes this.',
        { cause: err },
      );
    }
    throw new ModelError(
      'not_onnx',
      `${source} is not an ONNX model (${errorMessage(err)}). Choose a .onnx file such as the ONNX Model Zoo's googlenet-7.onnx.`,
      { cause: err },
    );
  }
  const irVersion = toNumber(proto.irVersion);
  if (irVersion <= 0) {
    throw new ModelError(
      'not_onnx',
      `${source} is not an ONNX model (it has no ir_version). Choose a .onnx file such as the ONNX Model Zoo's googlenet-7.onnx.`,
    );
  }
  const graph = proto.graph;
  if (!graph || !hasField(proto, 'graph')) {
    throw new ModelError(
      'no_graph',
      `${source} is an ONNX file without a graph, so there is no network to run. Export the model again with its graph.`,
    );
  }
  const opset = defaultOpset(proto, source);
  const initializers = new Map<string, ITensorProto>();
  for (const t of graph.initializer ?? []) initializers.set(t.name ?? '', t);
  const nodes = (graph.node ?? []).map((n, index): OnnxNode => {
    const outputs = [...(n.output ?? [])];
    const opType = n.opType ?? '';
    return {
      index,
      name: n.name || outputs.find((o) => o !== '') || `#${index} ${opType}`,
      opType,
      domain: n.domain ?? '',
      inputs: [...(n.input ?? [])],
      outputs,
      attrs: new Map((n.attribute ?? []).map((a) => [a.name ?? '', attributeValue(a)])),
    };
  });
  if (nodes.length === 0) {
    throw new ModelError(
      'no_graph',
      `${source} has an empty graph (no nodes). It may be truncated; download or export it again.`,
    );
  }
  return {
    proto,
    irVersion,
    opset,
    producer: [proto.producerName, proto.producerVersion].filter(Boolean).join(' '),
    inputs: (graph.input ?? []).filter((v) => !initializers.has(v.name ?? '')).map(valueInfo),
    outputs: (graph.output ?? []).map(valueInfo),
    initializers,
    nodes,
  };
}

/** Reads and decodes a model file; a missing file is a ModelError too. */
export async function readModelFile(path: string): Promise<{ bytes: Uint8Array; model: OnnxModel }> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new ModelError(
      'not_found',
      code === 'ENOENT'
        ? `Model file ${path} does not exist. Download the model again or choose another file.`
        : `Could not read model file ${path}: ${errorMessage(err)}`,
      { cause: err },
    );
  }
  return { bytes, model: decodeModel(bytes, `Model file ${path}`) };
}

function defaultOpset(proto: ModelProto, source: string): number {
  const imports = proto.opsetImport ?? [];
  const entry = imports.find((o) => !o.domain || o.domain === 'ai.onnx');
  if (!entry) {
    throw new ModelError(
      imports.length === 0 ? 'truncated' : 'bad_model',
      imports.length === 0
        ? `${source} has no opset_import, so its operator versions are unknown; the file may be truncated. Download or export it again.`
        : `${source} does not import the standard ONNX operator set; Incept can only run standard ONNX models.`,
    );
  }
  return toNumber(entry.version);
}

/** Cheap checks for files people pick by mistake, with a more helpful message than a parse error. */
function sniffNonOnnx(bytes: Uint8Array, source: string): void {
  if (bytes.length === 0) {
    throw new ModelError('truncated', `${source} is empty (0 bytes). Download or export the model again.`);
  }
  const head = TEXT_DECODER.decode(bytes.subarray(0, 64));
  if (head.startsWith('version https://git-lfs')) {
    throw new ModelError(
      'not_onnx',
      `${source} is a Git LFS pointer, not the model itself. Download the real file (the "raw" link on GitHub) instead.`,
    );
  }
  if (/^\s*</.test(head)) {
    throw new ModelError(
      'not_onnx',
      `${source} is an HTML/XML page, not an ONNX model. The download probably returned an error page; try the download again.`,
    );
  }
  const magic: [number[], string][] = [
    [[0xff, 0xd8, 0xff], 'a JPEG image'],
    [[0x89, 0x50, 0x4e, 0x47], 'a PNG image'],
    [[0x50, 0x4b, 0x03, 0x04], 'a ZIP archive'],
    [[0x1f, 0x8b], 'a gzip archive (extract the .onnx file from it first)'],
  ];
  for (const [sig, what] of magic) {
    if (sig.every((b, i) => bytes[i] === b)) {
      throw new ModelError('not_onnx', `${source} is ${what}, not an ONNX model. Choose a .onnx file.`);
    }
  }
}

/** ONNX files start with field 1 (ir_version, varint) holding a small number. */
function looksLikeModelStart(bytes: Uint8Array): boolean {
  return bytes[0] === 0x08 && bytes[1] !== undefined && bytes[1] > 0 && bytes[1] < 64;
}

function valueInfo(v: IValueInfoProto): OnnxValueInfo {
  const tt = v.type?.tensorType;
  return {
    name: v.name ?? '',
    elemType: tt?.elemType ?? 0,
    dims: (tt?.shape?.dim ?? []).map((d) =>
      hasField(d, 'dimValue') ? toNumber(d.dimValue) : d.dimParam ? d.dimParam : null,
    ),
  };
}

function attributeValue(a: IAttributeProto): AttributeValue {
  const type = a.type ?? inferAttributeType(a);
  switch (type) {
    case AttributeType.FLOAT:
      return a.f ?? 0;
    case AttributeType.INT:
      return toNumber(a.i);
    case AttributeType.STRING:
      return TEXT_DECODER.decode(a.s ?? new Uint8Array());
    case AttributeType.TENSOR:
      return a.t ?? {};
    case AttributeType.FLOATS:
      return [...(a.floats ?? [])];
    case AttributeType.INTS:
      return (a.ints ?? []).map(toNumber);
    case AttributeType.STRINGS:
      return (a.strings ?? []).map((s) => TEXT_DECODER.decode(s));
    default:
      // Graph-valued attributes (If/Loop bodies) are never used by the supported ops.
      return [];
  }
}

/** Very old exporters (IR 1) did not write AttributeProto.type. */
function inferAttributeType(a: IAttributeProto): number {
  if (hasField(a, 'f')) return AttributeType.FLOAT;
  if (hasField(a, 'i')) return AttributeType.INT;
  if (hasField(a, 's')) return AttributeType.STRING;
  if (hasField(a, 't')) return AttributeType.TENSOR;
  if (a.floats?.length) return AttributeType.FLOATS;
  if (a.ints?.length) return AttributeType.INTS;
  if (a.strings?.length) return AttributeType.STRINGS;
  return AttributeType.UNDEFINED;
}

export function tensorDims(t: ITensorProto): number[] {
  return (t.dims ?? []).map(toNumber);
}

function elementCount(dims: number[]): number {
  return dims.reduce((a, b) => a * b, 1);
}

function checkExternal(t: ITensorProto): void {
  if (t.dataLocation === onnx.TensorProto.DataLocation.EXTERNAL || (t.externalData?.length ?? 0) > 0) {
    throw new ModelError(
      'bad_model',
      `Tensor ${t.name} is stored in a separate external-data file. Save the model as one self-contained .onnx file.`,
    );
  }
}

function rawBytes(t: ITensorProto, bytesPerElement: number): Uint8Array | null {
  const raw = t.rawData;
  if (!raw || raw.length === 0) return null;
  const expected = elementCount(tensorDims(t)) * bytesPerElement;
  if (raw.length !== expected) {
    throw new ModelError(
      'truncated',
      `Tensor ${t.name} holds ${raw.length} bytes but its shape [${tensorDims(t).join(', ')}] needs ${expected}; the file is truncated or corrupt. Download it again.`,
    );
  }
  return raw;
}

/**
 * The tensor's values as a fresh Float32Array. raw_data is copied because protobuf hands out
 * views into the file buffer at any byte offset, and a Float32Array view needs 4-byte alignment.
 */
export function tensorFloat32(t: ITensorProto): Float32Array {
  checkExternal(t);
  const n = elementCount(tensorDims(t));
  const type = t.dataType ?? DataType.UNDEFINED;
  if (type === DataType.FLOAT) {
    const raw = rawBytes(t, 4);
    if (raw) {
      const out = new Float32Array(n);
      new Uint8Array(out.buffer).set(raw);
      return out;
    }
    return sized(t, Float32Array.from(t.floatData ?? []), n);
  }
  if (type === DataType.DOUBLE) {
    const raw = rawBytes(t, 8);
    if (raw) {
      const copy = new Float64Array(n);
      new Uint8Array(copy.buffer).set(raw);
      return Float32Array.from(copy);
    }
    return sized(t, Float32Array.from(t.doubleData ?? []), n);
  }
  if (type === DataType.INT64 || type === DataType.INT32) {
    return sized(t, Float32Array.from(tensorInts(t)), n);
  }
  throw new ModelError(
    'bad_model',
    `Tensor ${t.name} has data type ${DataType[type] ?? type}; Incept runs float32 models only.`,
  );
}

/** Integer tensor values (shape constants and the like) as plain numbers. */
export function tensorInts(t: ITensorProto): number[] {
  checkExternal(t);
  const n = elementCount(tensorDims(t));
  const type = t.dataType ?? DataType.UNDEFINED;
  if (type === DataType.INT64) {
    const raw = rawBytes(t, 8);
    if (raw) {
      const copy = new BigInt64Array(n);
      new Uint8Array(copy.buffer).set(raw);
      return Array.from(copy, Number);
    }
    return sized(t, (t.int64Data ?? []).map(toNumber), n);
  }
  if (type === DataType.INT32) {
    const raw = rawBytes(t, 4);
    if (raw) {
      const copy = new Int32Array(n);
      new Uint8Array(copy.buffer).set(raw);
      return Array.from(copy);
    }
    return sized(t, [...(t.int32Data ?? [])], n);
  }
  if (type === DataType.FLOAT || type === DataType.DOUBLE) return Array.from(tensorFloat32(t));
  throw new ModelError(
    'bad_model',
    `Tensor ${t.name} has data type ${DataType[type] ?? type}, where integers were expected.`,
  );
}

function sized<T extends { length: number }>(t: ITensorProto, values: T, n: number): T {
  if (values.length !== n) {
    throw new ModelError(
      'truncated',
      `Tensor ${t.name} has ${values.length} values but its shape [${tensorDims(t).join(', ')}] needs ${n}; the file is truncated or corrupt. Download it again.`,
    );
  }
  return values;
}
