// The GRU sequence op and its step moved to @cellstate/tensor (issue 18), beside
// lstmSequence, so backends can run it as one fused kernel; re-exported here so that
// `import { gruSequence, gruStep } from '@cellstate/lstm'` keeps working.
export { gruSequence, gruStep, type GruSequenceInput, type GruSequenceOutput } from '@cellstate/tensor';
