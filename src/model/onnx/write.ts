/**
 * Builds and encodes ONNX protobuf messages (test fixtures, model rewrites, exports).
 */
import {
  AttributeType,
  DataType,
  onnx,
  type IAttributeProto,
  type IGraphProto,
  type IModelProto,
  type INodeProto,
  type ITensorProto,
  type IValueInfoProto,
} from './proto.ts';

export type AttrSpec =
  | { f: number }
  | { i: number }
  | { s: string }
  | { floats: number[] }
  | { ints: number[] }
  | { t: ITensorProto };

/** Typed attribute constructors: JS numbers cannot tell FLOAT 1 from INT 1. */
export const attr = {
  float: (f: number): AttrSpec => ({ f }),
  int: (i: number): AttrSpec => ({ i }),
  string: (s: string): AttrSpec => ({ s }),
  floats: (floats: number[]): AttrSpec => ({ floats }),
  ints: (ints: number[]): AttrSpec => ({ ints }),
  tensor: (t: ITensorProto): AttrSpec => ({ t }),
};

const TEXT_ENCODER = new TextEncoder();

function attributeProto(name: string, spec: AttrSpec): IAttributeProto {
  if ('f' in spec) return { name, type: AttributeType.FLOAT, f: spec.f };
  if ('i' in spec) return { name, type: AttributeType.INT, i: spec.i };
  if ('s' in spec) return { name, type: AttributeType.STRING, s: TEXT_ENCODER.encode(spec.s) };
  if ('floats' in spec) return { name, type: AttributeType.FLOATS, floats: spec.floats };
  if ('ints' in spec) return { name, type: AttributeType.INTS, ints: spec.ints };
  return { name, type: AttributeType.TENSOR, t: spec.t };
}

export function makeNode(
  opType: string,
  inputs: string[],
  outputs: string[],
  attrs: Record<string, AttrSpec> = {},
  name = '',
): INodeProto {
  return {
    opType,
    input: inputs,
    output: outputs,
    name,
    attribute: Object.entries(attrs).map(([k, v]) => attributeProto(k, v)),
  };
}

export type TensorStorage = 'raw' | 'float';

function bytesOf(view: ArrayBufferView): Uint8Array {
  return new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
}

/**
 * A float32 tensor. `storage: 'raw'` writes raw_data (what most exporters do); `'float'` writes
 * the packed float_data field (what the Caffe2 exporter of the Model Zoo's GoogLeNet does).
 */
export function floatTensor(
  name: string,
  dims: number[],
  data: Float32Array,
  storage: TensorStorage = 'raw',
): ITensorProto {
  const t: ITensorProto = { name, dims, dataType: DataType.FLOAT };
  // protobufjs only indexes the array, so a Float32Array avoids a 7M-element number[].
  if (storage === 'raw') t.rawData = bytesOf(data);
  else t.floatData = data as unknown as number[];
  return t;
}

export function int64Tensor(
  name: string,
  dims: number[],
  data: number[],
  storage: TensorStorage = 'raw',
): ITensorProto {
  const t: ITensorProto = { name, dims, dataType: DataType.INT64 };
  if (storage === 'raw') t.rawData = bytesOf(BigInt64Array.from(data, BigInt));
  else t.int64Data = data;
  return t;
}

/** `dims`: numbers for fixed sizes, strings for symbolic ones (e.g. 'N'). */
export function valueInfo(
  name: string,
  dims: (number | string)[],
  elemType: number = DataType.FLOAT,
): IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType,
        shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  };
}

export function makeModel(opts: {
  graph: IGraphProto;
  opset: number;
  irVersion: number;
  producerName?: string;
  producerVersion?: string;
}): IModelProto {
  return {
    irVersion: opts.irVersion,
    opsetImport: [{ domain: '', version: opts.opset }],
    producerName: opts.producerName ?? 'incept',
    producerVersion: opts.producerVersion ?? '',
    graph: opts.graph,
  };
}

/** The lowest IR version that can carry a given opset (what onnx.helper picks). */
export function irVersionForOpset(opset: number): number {
  if (opset <= 8) return 3;
  if (opset === 9) return 4;
  if (opset === 10) return 5;
  if (opset === 11) return 6;
  if (opset <= 14) return 7;
  return 8;
}

export function encodeModel(model: IModelProto): Uint8Array {
  // encode() takes plain objects; fromObject() would copy every weight into a number[].
  return onnx.ModelProto.encode(model).finish();
}
