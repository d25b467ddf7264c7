/**
 * The forward replay of a data path (see `dataPath`): each step becomes a cellstate
 * layer with its weights, consecutive recurrent nodes of one scope become one stacked
 * layer, and the batch-first layout is recognised from a Transpose before the first
 * recurrent layer.
 */
import type { GruSpec, LstmSpec } from '../config.js';
import { InteropError } from '../errors.js';
import { ImportCollector } from '../import-collector.js';
import { ACTIVATIONS, type Step } from './data-path.js';
import { attrInt, attrInts, scopeName, type Graph } from './graph.js';
import { readLinearNode } from './linear-node.js';
import type { NodeProto } from './proto.js';
import { putRecurrentWeights, readRecurrentNode, type RecurrentNode } from './recurrent-node.js';
import { followGlue, outputMode, type OpenRecurrent } from './recurrent-output.js';

export class LayerReplay {
  readonly out = new ImportCollector();
  /** Known once the first recurrent layer is reached. */
  batchFirst: boolean | undefined;
  #sawTranspose = false;
  #sawRecurrent = false;
  #rec: OpenRecurrent | undefined;
  /** Features flowing into the next layer, once known. */
  #width: number | undefined;

  constructor(readonly g: Graph) {}

  replay(steps: Step[]): void {
    for (const step of steps) {
      switch (step.kind) {
        case 'embedding':
          this.#embedding(step.node);
          break;
        case 'glue':
        case 'states-concat':
        case 'final-both':
          this.#glue(step.kind, step.node);
          break;
        case 'recurrent':
          this.#recurrent(step.node, step.output);
          break;
        case 'linear':
          this.#linear(step.node, step.add);
          break;
        case 'activation':
          this.#activation(step.node);
          break;
      }
    }
    this.#closeRecurrent();
  }

  #embedding(node: NodeProto): void {
    const { out } = this;
    const name = out.uniqueName(scopeName(node, `embedding_${out.layers.length}`));
    const w = this.g.weight(node, node.input?.[0], 'embedding table');
    out.layers.push({ type: 'embedding', name, numEmbeddings: w.shape[0]!, embeddingDim: w.shape[1]! });
    out.put(`${name}.weight`, w, w.origin);
    this.#width = w.shape[1];
  }

  #glue(kind: 'glue' | 'states-concat' | 'final-both', node: NodeProto): void {
    const { g } = this;
    if (kind === 'glue' && node.op_type === 'Transpose' && !this.#rec && !this.#sawRecurrent) {
      // PyTorch's batch_first LSTM is exported as a [B, T, F] -> [T, B, F] Transpose before it.
      const perm = attrInts(node, 'perm');
      if (perm?.join() === '1,0,2') this.#sawTranspose = !this.#sawTranspose;
      else g.fail(node, `a Transpose with perm [${perm?.join(', ') ?? ''}] before the first recurrent layer is not supported`);
    }
    if (!this.#rec) {
      if (kind === 'glue' && node.op_type === 'Gather') g.fail(node, 'a Gather that selects a step is supported only on the output of a recurrent layer');
      return;
    }
    followGlue(g, this.#rec, kind, node);
  }

  #recurrent(node: NodeProto, output: number): void {
    const { g, out } = this;
    this.#sawRecurrent = true;
    const r = readRecurrentNode(g, node, out.notes);
    const { op, gates, hiddenSize: H, inputSize: I, directions: D, W } = r;
    if (this.batchFirst === undefined) this.batchFirst = this.#sawTranspose;
    if (this.#width !== undefined && this.#width !== I) {
      throw new InteropError('onnx', 'shape-mismatch', `tensor '${W.origin}' (W of node '${node.name}') expects inputs of size ${I}, the previous layer gives ${this.#width}`, { tensor: W.origin, expected: [D, gates * H, this.#width], actual: W.shape, ...g.src });
    }
    const scope = scopeName(node, `${op.toLowerCase()}_${out.layers.length}`);
    const { spec, layer } = this.#stackOnto(scope, r) ?? this.#newRecurrentLayer(scope, node, r);
    putRecurrentWeights(out, spec.name, layer, r);
    this.#rec = { spec, out: output, timeAxis: 0, rank: output === 0 ? 4 : 3, mode: 'sequence', lastNode: node };
    this.#width = D * H;
  }

  /** The previous layer, one stacked layer taller, when the node continues it: same scope, op and sizes, fed its whole sequence. */
  #stackOnto(scope: string, r: RecurrentNode): { spec: LstmSpec | GruSpec; layer: number } | undefined {
    const rec = this.#rec;
    const prev = this.out.layers[this.out.layers.length - 1];
    if (!rec || rec.out !== 0 || rec.mode !== 'sequence' || !prev || prev.type !== r.op.toLowerCase() || scopeName(rec.lastNode, '') !== scope) return undefined;
    const spec = prev as LstmSpec | GruSpec;
    if (spec.hiddenSize !== r.hiddenSize || (spec.bidirectional ? 2 : 1) !== r.directions || (spec.bias ?? true) !== !!r.B) return undefined;
    const layer = spec.numLayers ?? 1;
    spec.numLayers = layer + 1;
    return { spec, layer };
  }

  #newRecurrentLayer(scope: string, node: NodeProto, r: RecurrentNode): { spec: LstmSpec | GruSpec; layer: number } {
    this.#closeRecurrent();
    const { out } = this;
    const name = out.uniqueName(scope);
    const shape = { name, inputSize: r.inputSize, hiddenSize: r.hiddenSize, numLayers: 1, bidirectional: r.directions === 2, bias: !!r.B };
    let spec: LstmSpec | GruSpec;
    if (r.op === 'LSTM') spec = { type: 'lstm', ...shape };
    else {
      const lbr = attrInt(node, 'linear_before_reset', 0);
      if (lbr !== 1) out.notes.push(`GRU node '${node.name}' has linear_before_reset = 0, which PyTorch's nn.GRU and cellstate's GRU cannot express (they compute linear_before_reset = 1); importOnnx refuses it`);
      spec = { type: 'gru', ...shape, linearBeforeReset: lbr === 1 };
    }
    out.layers.push(spec);
    return { spec, layer: 0 };
  }

  #linear(node: NodeProto, add: NodeProto | undefined): void {
    this.#closeRecurrent();
    const { out } = this;
    const name = out.uniqueName(scopeName(node, `linear_${out.layers.length}`));
    const l = readLinearNode(this.g, node, add, this.#width);
    out.layers.push({ type: 'linear', name, inFeatures: l.inFeatures, outFeatures: l.outFeatures, bias: !!l.bias });
    out.put(`${name}.weight`, l.weight, l.weightOrigin);
    if (l.bias) out.put(`${name}.bias`, l.bias, l.biasOrigin!);
    this.#width = l.outFeatures;
  }

  #activation(node: NodeProto): void {
    this.#closeRecurrent();
    const { out } = this;
    const fn = ACTIVATIONS[node.op_type]!;
    out.layers.push({ type: 'activation', name: out.uniqueName(scopeName(node, `activation_${out.layers.length}`) + `_${fn}`), function: fn });
  }

  /** The layer's output mode is known once something other than glue follows it. */
  #closeRecurrent(): void {
    if (!this.#rec) return;
    this.#rec.spec.output = outputMode(this.g, this.#rec);
    this.#rec = undefined;
  }
}
