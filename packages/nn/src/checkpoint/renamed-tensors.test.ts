import { beforeAll, describe, expect, it } from 'vitest';
import { add, backward, mul, sum, tensor } from '@cellstate/tensor';
import { Linear } from '../layers/linear.js';
import { Module } from '../module.js';
import { SGD } from '../optim/sgd.js';
import { useReferenceBackend } from '../test-setup.js';
import { parseSafetensors, serializeSafetensors } from './safetensors.js';
import { decodeInto, decodeTrainingState, encodeModel, encodeTrainingState } from './state.js';

/** A layer that once called its weight `w` (and files still do). */
class Renamed extends Module {
  readonly weight;
  constructor(values: number[]) {
    super();
    this.weight = this.addParameter('weight', tensor(values));
  }
  override upgradeParameterName(name: string): string {
    return name === 'w' ? 'weight' : super.upgradeParameterName(name);
  }
}

class Net extends Module {
  readonly inner;
  readonly fc = this.addModule('fc', new Linear(3, 1, { seed: 1 }));
  constructor(values = [1, 2, 3]) {
    super();
    this.inner = this.addModule('inner', new Renamed(values));
  }
}

/** `bytes` with every tensor named `inner.weight` (or ending so) renamed to the old `inner.w`. */
function withOldNames(bytes: Uint8Array): Uint8Array {
  const { tensors, metadata } = parseSafetensors(bytes);
  const old = (name: string) => name.replace(/inner\.weight$/, 'inner.w');
  const out = new Map([...tensors].map(([name, t]) => [old(name), { dtype: t.dtype as 'F32', shape: t.shape, data: t.data }]));
  if (metadata['optimizer.slots']) {
    const slots = JSON.parse(metadata['optimizer.slots']) as Record<string, string[]>;
    metadata['optimizer.slots'] = JSON.stringify(Object.fromEntries(Object.entries(slots).map(([k, v]) => [old(k), v])));
  }
  return serializeSafetensors(out, metadata);
}

describe('Module.upgradeParameterName in checkpoint loading', () => {
  beforeAll(async () => {
    await useReferenceBackend();
  });

  it('a child module renames the part below it; other names stay', () => {
    const net = new Net();
    expect(net.upgradeParameterName('inner.w')).toBe('inner.weight');
    expect(net.upgradeParameterName('fc.weight')).toBe('fc.weight');
    expect(net.upgradeParameterName('w')).toBe('w');
    expect(net.upgradeParameterName('other.w')).toBe('other.w');
  });

  it('decodeInto loads a model file written under the old name', async () => {
    const source = new Net([7, 8, 9]);
    const target = new Net();
    const { loaded } = await decodeInto(target, withOldNames(await encodeModel(source)));
    expect(loaded).toContain('inner.weight');
    expect(Array.from(target.inner.weight.value.dataSync())).toEqual([7, 8, 9]);
  });

  it('decodeTrainingState restores parameters and optimizer slots written under the old name', async () => {
    const source = new Net();
    const optimizer = new SGD(source, { learningRate: 0.1, momentum: 0.9 });
    const w = source.inner.weight.value;
    optimizer.step(backward(add(sum(mul(w, w)), sum(source.fc.weight.value))));
    const bytes = withOldNames(await encodeTrainingState({ model: source, optimizer, step: 1 }));
    const target = new Net();
    const restored = new SGD(target, { learningRate: 0.1, momentum: 0.9 });
    await decodeTrainingState(bytes, { model: target, optimizer: restored });
    expect(Array.from(target.inner.weight.value.dataSync())).toEqual(Array.from(source.inner.weight.value.dataSync()));
    const slots = (o: SGD) => Object.entries(o.stateDict().slots).map(([name, s]) => [name, Object.values(s).map((t) => Array.from(t.dataSync()))]);
    expect(slots(restored)).toEqual(slots(optimizer));
  });
});
