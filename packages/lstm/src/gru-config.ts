import { resolveRecurrentOptions, type RecurrentOptions } from './recurrent-options.js';

/** Options of a GRU layer, named as PyTorch's `nn.GRU` names them. */
export type GruOptions = RecurrentOptions;

export type ResolvedGruOptions = Required<GruOptions>;

export function resolveGruOptions(options: GruOptions): ResolvedGruOptions {
  return resolveRecurrentOptions('GRU', options);
}
