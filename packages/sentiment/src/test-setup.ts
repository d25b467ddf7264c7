// Test helper (not exported): tiny generated data and the CPU backend.
import '@cellstate/backend-cpu';
import { setBackend } from '@cellstate/tensor';
import type { LabeledText } from './train.js';

export async function useCpu() {
  return setBackend('cpu');
}

const NOUNS = ['food', 'flight', 'crew', 'seat', 'movie', 'service', 'staff', 'trip'];
const GOOD = ['good', 'great', 'nice', 'lovely'];
const BAD = ['bad', 'awful', 'terrible', 'rude'];

/**
 * Sentences whose label depends on negation: "the food was good" is positive, "the
 * food was not good" negative, "the crew was not bad" positive, and so on; a few
 * neutral ones ("the seat was there") make three classes.
 */
export function negationData(count: number, seed = 1): LabeledText[] {
  let a = seed >>> 0;
  const rnd = () => {
    a = (a * 1664525 + 1013904223) >>> 0;
    return a / 4294967296;
  };
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rnd() * xs.length)]!;
  const out: LabeledText[] = [];
  for (let i = 0; i < count; i++) {
    const noun = pick(NOUNS);
    const r = rnd();
    const negated = rnd() < 0.5;
    if (r < 0.2) out.push({ text: `the ${noun} was there ${pick(['today', 'again', 'at noon'])}`, label: 'neutral' });
    else {
      const positiveWord = r < 0.6;
      const adj = positiveWord ? pick(GOOD) : pick(BAD);
      const positive = positiveWord !== negated;
      out.push({ text: `the ${noun} ${negated ? pick(['was not', 'was never', "wasn't", 'was no']) : 'was'} ${adj}`, label: positive ? 'positive' : 'negative' });
    }
  }
  return out;
}
