/**
 * An ONNX model under construction (onnx/onnx.proto, IR version 8, default
 * domain opset 17): nodes in execution order, float32/int64 initializers,
 * graph inputs and outputs, and its encoding as a `ModelProto` with the
 * protobuf writer of ./protobuf.ts. Field numbers are those of onnx.proto
 * (ModelProto: ir_version 1, producer_name 2, producer_version 3, graph 7,
 * opset_import 8; GraphProto: node 1, name 2, initializer 5, input 11,
 * output 12; NodeProto: input 1, output 2, name 3, op_type 4, attribute 5;
 * AttributeProto: name 1, f 2, i 3, s 4, ints 8, type 20; TensorProto: dims
 * 1, data_type 2, name 8, raw_data 9; ValueInfoProto: name 1, type 2).
 */
import { ProtoWriter } from './protobuf.js';

export const ONNX_IR_VERSION = 8;
export const ONNX_OPSET = 17;

/** An attribute value: an integer, `{ f }` a float, an integer list, or a string. */
export type OnnxAttribute = number | { f: number } | number[] | string;

const FLOAT = 1;
const INT64 = 7;
const ATTR = { FLOAT: 1, INT: 2, STRING: 3, INTS: 7 } as const;

export class OnnxGraph {
  private readonly nodes: ProtoWriter[] = [];
  private readonly initializers: ProtoWriter[] = [];
  private readonly inputs: ProtoWriter[] = [];
  private readonly outputs: ProtoWriter[] = [];
  private readonly used = new Set<string>();

  /** A fresh value name from `hint`. */
  name(hint: string): string {
    let name = hint;
    for (let i = 1; this.used.has(name); i++) name = `${hint}_${i}`;
    this.used.add(name);
    return name;
  }

  /** A float32 (default) or int64 initializer; returns its name. */
  constant(hint: string, values: ArrayLike<number>, dims: number[], type: 'float' | 'int64' = 'float'): string {
    const name = this.name(hint);
    const tensor = new ProtoWriter();
    for (const d of dims) tensor.int(1, d);
    tensor.int(2, type === 'float' ? FLOAT : INT64);
    tensor.string(8, name);
    let raw: Uint8Array;
    if (type === 'float') raw = new Uint8Array(Float32Array.from(values).buffer);
    else raw = new Uint8Array(BigInt64Array.from(Array.from(values, (v) => BigInt(v))).buffer);
    tensor.bytes(9, raw);
    this.initializers.push(tensor);
    return name;
  }

  /** Appends node `op` on `inputs` ('' for an omitted optional input); returns its output names. */
  node(op: string, inputs: string[], attributes: Record<string, OnnxAttribute> = {}, hint = op.toLowerCase(), outputs = 1): string[] {
    const names = Array.from({ length: outputs }, (_, i) => this.name(outputs === 1 ? hint : `${hint}_${i}`));
    const node = new ProtoWriter();
    for (const input of inputs) node.string(1, input);
    for (const output of names) node.string(2, output);
    node.string(3, names[0]);
    node.string(4, op);
    for (const [key, value] of Object.entries(attributes)) {
      const a = new ProtoWriter().string(1, key);
      if (typeof value === 'number') a.int(3, value).int(20, ATTR.INT);
      else if (typeof value === 'string') a.string(4, value).int(20, ATTR.STRING);
      else if (Array.isArray(value)) {
        for (const v of value) a.int(8, v);
        a.int(20, ATTR.INTS);
      } else a.float(2, value.f).int(20, ATTR.FLOAT);
      node.message(5, a);
    }
    this.nodes.push(node);
    return names;
  }

  /** One-output {@link node}. */
  op(op: string, inputs: string[], attributes: Record<string, OnnxAttribute> = {}, hint = op.toLowerCase()): string {
    return this.node(op, inputs, attributes, hint)[0];
  }

  private valueInfo(name: string, dims: Array<number | string>): ProtoWriter {
    const shape = new ProtoWriter();
    for (const d of dims) shape.message(1, typeof d === 'number' ? new ProtoWriter().int(1, d) : new ProtoWriter().string(2, d));
    const tensorType = new ProtoWriter().int(1, FLOAT).message(2, shape);
    return new ProtoWriter().string(1, name).message(2, new ProtoWriter().message(1, tensorType));
  }

  /** Declares a float32 graph input (a string dimension is symbolic, e.g. the batch). */
  input(hint: string, dims: Array<number | string>): string {
    const name = this.name(hint);
    this.inputs.push(this.valueInfo(name, dims));
    return name;
  }

  /** Declares value `name` a float32 graph output. */
  output(name: string, dims: Array<number | string>): void {
    this.outputs.push(this.valueInfo(name, dims));
  }

  /** The serialised `ModelProto`. */
  encode(graphName: string, producerVersion: string, docString: string): Uint8Array {
    const graph = new ProtoWriter();
    for (const n of this.nodes) graph.message(1, n);
    graph.string(2, graphName);
    for (const t of this.initializers) graph.message(5, t);
    graph.string(10, docString);
    for (const i of this.inputs) graph.message(11, i);
    for (const o of this.outputs) graph.message(12, o);
    return new ProtoWriter()
      .int(1, ONNX_IR_VERSION)
      .string(2, 'wavecv')
      .string(3, producerVersion)
      .message(7, graph)
      .message(8, new ProtoWriter().string(1, '').int(2, ONNX_OPSET))
      .finish();
  }
}
