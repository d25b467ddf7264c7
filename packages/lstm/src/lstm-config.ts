import { resolveRecurrentOptions, type RecurrentOptions } from './recurrent-options.js';

/** Options of an LSTM layer, named as PyTorch's `nn.LSTM` names them. */
export interface LstmOptions extends RecurrentOptions {
  /**
   * Initial value of the forget-gate bias (added to bias_ih; bias_hh's forget part is
   * 0). Unset: PyTorch's uniform init. 1 is the classic choice (Jozefowicz et al. 2015).
   */
  forgetBias?: number;
}

export type ResolvedLstmOptions = Required<Omit<LstmOptions, 'forgetBias'>> & { forgetBias?: number };

export function resolveLstmOptions(options: LstmOptions): ResolvedLstmOptions {
  return resolveRecurrentOptions('LSTM', options);
}
