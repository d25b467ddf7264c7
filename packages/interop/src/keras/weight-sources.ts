/**
 * Where each format keeps a layer's weights. Keras 3 stores each saveable's variables
 * in `<path>/vars/<i>`, the path of a model's layer being `layers/<snake_case(class
 * name)>[_<n>]` (not its name); an LSTM's are under `cell`, a Bidirectional's under
 * `forward_layer/cell` and `backward_layer/cell`. Keras 2 stores
 * `model_weights/<layer name>/<weight name>` in the order of the group's `weight_names`.
 */
import { InteropError } from '../errors.js';
import type { HostTensor } from '../weights.js';
import type { H5 } from './h5.js';
import type { KerasLayer } from './model-config.js';

/** One weight of a layer: its path in the file, read only when asked for. */
export interface WeightEntry {
  path: string;
  tensor: () => HostTensor;
}

/** Keras' naming.to_snake_case. */
export function toSnakeCase(name: string): string {
  const intermediate = name.replace(/(.)([A-Z][a-z0-9]+)/g, '$1_$2');
  const insecure = intermediate.replace(/([a-z])([A-Z])/g, '$1_$2').toLowerCase();
  return insecure.startsWith('_') ? `private${insecure}` : insecure;
}

/** How a format hands out a layer's weights. */
export interface WeightSource {
  /** The weights of `layer` in Keras order, each with its file path: one list, or one per direction for Bidirectional. */
  weights(layer: KerasLayer, index: number, all: KerasLayer[]): WeightEntry[][];
}

/** Weights of a Keras 3 `.keras` archive's `model.weights.h5` or a `.weights.h5` file. */
export function keras3Weights(h5: H5): WeightSource {
  // Keras 3 names a layer's group by its class and how many of that class came before it;
  // counted once for the whole list (a recount per layer is quadratic in the layer count).
  const groupNames = new WeakMap<KerasLayer[], string[]>();
  const groupName = (index: number, all: KerasLayer[]): string => {
    let names = groupNames.get(all);
    if (!names) {
      const seen = new Map<string, number>();
      names = all.map((l) => {
        const snake = toSnakeCase(l.className);
        const n = seen.get(snake) ?? 0;
        if (l.className !== 'InputLayer') seen.set(snake, n + 1);
        return n === 0 ? snake : `${snake}_${n}`;
      });
      groupNames.set(all, names);
    }
    return names[index]!;
  };
  const basePath = (layer: KerasLayer, index: number, all: KerasLayer[]): string => {
    const name = groupName(index, all);
    for (const root of ['layers', '_layer_checkpoint_dependencies']) if (h5.isGroup(`${root}/${name}`)) return `${root}/${name}`;
    throw new InteropError('keras', 'missing-tensor', `missing weights of layer '${layer.name}' (${layer.className}): no group 'layers/${name}' in model.weights.h5`, { tensor: `layers/${name}`, ...(h5.source !== undefined ? { source: h5.source } : {}) });
  };
  const vars = (path: string, layer: KerasLayer) => {
    if (!h5.isGroup(`${path}/vars`)) {
      throw new InteropError('keras', 'missing-tensor', `missing weights of layer '${layer.name}': no group '${path}/vars'`, { tensor: `${path}/vars`, ...(h5.source !== undefined ? { source: h5.source } : {}) });
    }
    const keys = h5.keys(`${path}/vars`).filter((k) => /^\d+$/.test(k)).sort((a, b) => Number(a) - Number(b));
    return keys.map((k) => ({ path: `${path}/vars/${k}`, tensor: () => h5.tensor(`${path}/vars/${k}`) }));
  };
  return {
    weights(layer, index, all) {
      const base = basePath(layer, index, all);
      switch (layer.className) {
        case 'LSTM':
          return [vars(`${base}/cell`, layer)];
        case 'Bidirectional':
          return [vars(`${base}/forward_layer/cell`, layer), vars(`${base}/backward_layer/cell`, layer)];
        case 'TimeDistributed':
          return [vars(`${base}/layer`, layer)];
        default:
          return [vars(base, layer)];
      }
    },
  };
}

/** Weights of a Keras 2 `.h5` file, under `root` (`model_weights` for a whole saved model). */
export function keras2Weights(h5: H5, root: string): WeightSource {
  return {
    weights(layer) {
      const group = root ? `${root}/${layer.name}` : layer.name;
      if (!h5.isGroup(group)) {
        throw new InteropError('keras', 'missing-tensor', `missing weights of layer '${layer.name}': no group '${group}' in the .h5 file`, { tensor: group, ...(h5.source !== undefined ? { source: h5.source } : {}) });
      }
      const names = h5.texts(group, 'weight_names') ?? [];
      const list = names.map((n) => ({ path: `${group}/${n}`, tensor: () => h5.tensor(`${group}/${n}`) }));
      if (layer.className === 'Bidirectional') {
        const half = list.length / 2;
        return [list.slice(0, half), list.slice(half)];
      }
      return [list];
    },
  };
}
