/**
 * The layer list of a Keras model config (the JSON of `model.to_json()` or a `.keras`
 * archive's `config.json`, Keras 2 or 3), checked to be a chain cellstate can build.
 */
import { CONFIG_LIMITS } from '../config.js';
import { InteropError } from '../errors.js';

export interface KerasLayer {
  className: string;
  name: string;
  config: Record<string, unknown>;
  inbound: string[] | undefined;
}


/** The layers of a Keras model config (Keras 2 or 3), checked to form a chain. */
export function kerasLayers(raw: unknown, source: string | undefined): { layers: KerasLayer[]; className: string } {
  const bad = (detail: string): never => {
    throw new InteropError('keras', 'invalid-config', detail, source !== undefined ? { source } : {});
  };
  if (typeof raw !== 'object' || raw === null) bad('the Keras model config is not a JSON object');
  const top = raw as Record<string, unknown>;
  const className = String(top.class_name ?? '');
  const cfg = top.config;
  if (!['Sequential', 'Functional', 'Model'].includes(className)) {
    throw new InteropError('keras', 'unsupported', `a model of class '${className}' is not supported (Sequential and Functional are)`, source !== undefined ? { source } : {});
  }
  const list = Array.isArray(cfg) ? cfg : ((cfg as Record<string, unknown> | undefined)?.layers as unknown[] | undefined);
  if (!Array.isArray(list)) bad("the Keras model config has no 'layers' list");
  if (list!.length > CONFIG_LIMITS.layers) bad(`the Keras model config has ${list!.length} layers, more than the limit of ${CONFIG_LIMITS.layers}`);
  const layers = list!.map((l, i) => {
    const layer = l as Record<string, unknown>;
    const config = (layer.config ?? {}) as Record<string, unknown>;
    const name = String(layer.name ?? config.name ?? `layer_${i}`);
    return { className: String(layer.class_name), name, config, inbound: className === 'Sequential' ? undefined : inboundLayers(layer.inbound_nodes) };
  });
  if (className !== 'Sequential') {
    // A Functional model must be a chain: each layer takes exactly the previous one.
    layers.forEach((l, i) => {
      if (i === 0) {
        if (l.className !== 'InputLayer') bad(`the first layer of a Functional model must be an InputLayer, got '${l.name}' (${l.className})`);
        return;
      }
      const prev = layers[i - 1]!.name;
      if (!l.inbound || l.inbound.length !== 1 || l.inbound[0] !== prev) {
        throw new InteropError('keras', 'unsupported', `layer '${l.name}' takes [${(l.inbound ?? []).join(', ')}], not just the previous layer '${prev}': only Functional models that are a chain are supported`, source !== undefined ? { source } : {});
      }
    });
  }
  return { layers, className };
}

function inboundLayers(nodes: unknown): string[] {
  if (!Array.isArray(nodes) || nodes.length === 0) return [];
  const out: string[] = [];
  const node = nodes[0];
  if (Array.isArray(node)) {
    // Keras 2: [[["prev", 0, 0, {}], ...]]
    for (const t of node) if (Array.isArray(t) && typeof t[0] === 'string') out.push(t[0]);
  } else if (node && typeof node === 'object') {
    // Keras 3: {"args": [{"class_name": "__keras_tensor__", "config": {"keras_history": ["prev", 0, 0]}}], "kwargs": {...}}
    const visit = (v: unknown) => {
      if (Array.isArray(v)) v.forEach(visit);
      else if (v && typeof v === 'object') {
        const o = v as Record<string, unknown>;
        const history = (o.config as Record<string, unknown> | undefined)?.keras_history;
        if (o.class_name === '__keras_tensor__' && Array.isArray(history)) out.push(String(history[0]));
        else Object.values(o).forEach(visit);
      }
    };
    visit((node as Record<string, unknown>).args);
  }
  if (nodes.length > 1) out.push('(shared layer)');
  return out;
}

/** The name of a Keras activation, given as a string or as a serialized object; none is `linear`. */
export function activationName(v: unknown): string {
  if (v === undefined || v === null) return 'linear';
  if (typeof v === 'string') return v;
  const o = v as Record<string, unknown>;
  return String((o.config as Record<string, unknown> | undefined)?.name ?? o.class_name ?? 'unknown');
}
