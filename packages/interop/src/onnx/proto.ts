import protobuf from 'protobufjs';
import { InteropError } from '../errors.js';
import { ONNX_PROTO } from './onnx-proto.js';

/** ONNX TensorProto.DataType values used here. */
export const DataType = { FLOAT: 1, UINT8: 2, INT8: 3, INT32: 6, INT64: 7, BOOL: 9, DOUBLE: 11 } as const;
/** ONNX AttributeProto.AttributeType values. */
export const AttributeType = { FLOAT: 1, INT: 2, STRING: 3, TENSOR: 4, GRAPH: 5, FLOATS: 6, INTS: 7, STRINGS: 8 } as const;

/** The parts of onnx.TensorProto cellstate reads and writes (plain objects, int64 as numbers). */
export interface TensorProto {
  name?: string;
  dims?: number[];
  data_type?: number;
  raw_data?: Uint8Array;
  float_data?: number[];
  int32_data?: number[];
  int64_data?: number[];
  double_data?: number[];
  data_location?: number;
  external_data?: unknown[];
}

export interface AttributeProto {
  name: string;
  type?: number;
  f?: number;
  i?: number;
  s?: Uint8Array;
  t?: TensorProto;
  floats?: number[];
  ints?: number[];
  strings?: Uint8Array[];
}

export interface NodeProto {
  name?: string;
  op_type: string;
  domain?: string;
  input?: string[];
  output?: string[];
  attribute?: AttributeProto[];
}

export interface Dimension {
  dim_value?: number;
  dim_param?: string;
}

export interface ValueInfoProto {
  name: string;
  type?: { tensor_type?: { elem_type?: number; shape?: { dim?: Dimension[] } } };
}

export interface GraphProto {
  name?: string;
  node?: NodeProto[];
  initializer?: TensorProto[];
  input?: ValueInfoProto[];
  output?: ValueInfoProto[];
  value_info?: ValueInfoProto[];
  doc_string?: string;
}

export interface ModelProto {
  ir_version?: number;
  opset_import?: { domain?: string; version?: number }[];
  producer_name?: string;
  producer_version?: string;
  doc_string?: string;
  graph?: GraphProto;
  metadata_props?: { key?: string; value?: string }[];
}

let modelType: protobuf.Type | undefined;

/** onnx.ModelProto from the official schema (parsed once, lazily). */
function model(): protobuf.Type {
  modelType ??= protobuf.parse(ONNX_PROTO, { keepCase: true }).root.lookupType('onnx.ModelProto');
  return modelType;
}

/** Serializes a model (plain object in onnx.proto's field names). */
export function encodeOnnxModel(value: ModelProto): Uint8Array {
  const type = model();
  const problem = type.verify(value);
  if (problem) throw new InteropError('onnx', 'invalid-argument', `cannot write the model: ${problem}`);
  return type.encode(type.fromObject(value)).finish();
}

/** Parses ONNX bytes into plain objects (int64 as numbers, bytes as Uint8Array). */
export function decodeOnnxModel(bytes: Uint8Array, source?: string): ModelProto {
  const type = model();
  try {
    const message = type.decode(bytes);
    return type.toObject(message, { longs: Number, enums: Number, defaults: false, arrays: true }) as ModelProto;
  } catch (cause) {
    throw new InteropError('onnx', 'invalid-file', `not a readable ONNX model: ${(cause as Error).message}`, { cause, ...(source !== undefined ? { source } : {}) });
  }
}
