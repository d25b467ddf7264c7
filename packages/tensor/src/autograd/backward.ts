import type { Tensor } from '../tensor.js';
export type Gradients = Map<Tensor, Tensor>;
export interface BackwardOptions { inputs?: readonly Tensor[]; gradient?: Tensor; retainGraph?: boolean }
export function backward(_loss: Tensor, _options: BackwardOptions = {}): Gradients { throw new Error('todo'); }
