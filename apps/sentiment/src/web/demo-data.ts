/**
 * The Train view's built-in demo data: short airline-style sentences generated from
 * templates and small word lists (seeded, so every page load gets the same set).
 * Positive and negative sentences differ in their opinion words ("great" / "awful",
 * and "not great" for negation), neutral ones state facts ("the flight leaves at noon"),
 * so a small LSTM learns them in a few epochs in the browser.
 */
import { seededRandom, type LabeledText } from '@cellstate/sentiment';

export const DEMO_LABELS = ['negative', 'neutral', 'positive'] as const;

const THINGS = ['flight', 'crew', 'service', 'seat', 'food', 'staff', 'pilot', 'wifi', 'upgrade', 'boarding', 'lounge', 'landing'];
const GOOD = ['great', 'wonderful', 'excellent', 'amazing', 'friendly', 'perfect', 'comfortable', 'fantastic', 'lovely', 'smooth'];
const BAD = ['awful', 'terrible', 'horrible', 'rude', 'dirty', 'broken', 'disappointing', 'miserable', 'useless', 'bumpy'];
const CITIES = ['denver', 'boston', 'chicago', 'dallas', 'seattle', 'miami', 'atlanta', 'houston'];
const TIMES = ['noon', 'nine', 'midnight', 'ten', 'seven', 'eight'];

type Slots = { thing: string; good: string; bad: string; city: string; time: string };

const TEMPLATES: Record<(typeof DEMO_LABELS)[number], ((s: Slots) => string)[]> = {
  positive: [
    (s) => `the ${s.thing} was ${s.good}`,
    (s) => `${s.good} ${s.thing} today`,
    (s) => `thanks for the ${s.good} ${s.thing}`,
    (s) => `i loved the ${s.thing}, it was ${s.good}`,
    (s) => `what a ${s.good} ${s.thing} on my trip to ${s.city}`,
    (s) => `really ${s.good} ${s.thing}, thank you`,
  ],
  negative: [
    (s) => `the ${s.thing} was ${s.bad}`,
    (s) => `${s.bad} ${s.thing} again`,
    (s) => `my ${s.thing} was ${s.bad} today`,
    (s) => `i hated the ${s.thing}, so ${s.bad}`,
    (s) => `the ${s.thing} was not ${s.good} at all`,
    (s) => `worst ${s.thing} ever on my trip to ${s.city}`,
  ],
  neutral: [
    (s) => `the ${s.thing} leaves at ${s.time}`,
    (s) => `my flight to ${s.city} is at ${s.time}`,
    (s) => `is there ${s.thing} on the flight to ${s.city}`,
    (s) => `where is the ${s.thing} in ${s.city}`,
    (s) => `the ${s.thing} moved to ${s.time}`,
    (s) => `can i book the ${s.thing} for ${s.city}`,
  ],
};

/** `perLabel` sentences for each of negative / neutral / positive, shuffled (seeded). */
export function demoDataset(perLabel = 160, seed = 7): LabeledText[] {
  const random = seededRandom(seed);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(random() * xs.length)]!;
  const out: LabeledText[] = [];
  for (let i = 0; i < perLabel; i++) {
    for (const label of DEMO_LABELS) {
      const slots: Slots = { thing: pick(THINGS), good: pick(GOOD), bad: pick(BAD), city: pick(CITIES), time: pick(TIMES) };
      out.push({ text: pick(TEMPLATES[label])(slots), label });
    }
  }
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/** Sentences to try after training on the demo data, with the label each should get. */
export const DEMO_EXAMPLES: readonly LabeledText[] = [
  { text: 'the crew was wonderful', label: 'positive' },
  { text: 'the seat was terrible', label: 'negative' },
  { text: 'my flight to boston is at noon', label: 'neutral' },
];
