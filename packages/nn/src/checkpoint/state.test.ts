import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import '@cellstate/backend-cpu';
import { memory, ready, tensor, zeros, type Tensor } from '@cellstate/tensor';
import { beforeAll, describe, expect, it } from 'vitest';
import { Module } from '../module.js';
import { Dropout } from '../layers/dropout.js';
import { CheckpointError } from './errors.js';
import { parseSafetensors, serializeSafetensors, type SafetensorsWritableTensor } from './safetensors.js';
import {
  decodeInto,
  decodeTrainingState,
  encodeModel,
  encodeTrainingState,
  RANDOM_STATE_KEY,
  type CheckpointableOptimizer,
  type CheckpointOptimizerState,
} from './state.js';

beforeAll(async () => {
  await ready();
});

/** Two parameters: weight [2, 3] and bias [2]. */
class Tiny extends Module {
  weight = this.addParameter('weight', tensor([[1, 2, 3], [4, 5, 6]]));
  bias = this.addParameter('bias', tensor([0.5, -0.5]));
}

class Nested extends Module {
  fc = this.addModule('fc', new Tiny());
  scale = this.addParameter('scale', tensor([2]));
}

/** Parameters with the given names and shapes, all zero. */
class Bag extends Module {
  constructor(specs: [string, number[]][]) {
    super();
    for (const [name, shape] of specs) this.addParameter(name, zeros(shape));
  }
}

/** The parameter layout of torch.nn.LSTM(3, 4, num_layers=2, bidirectional=True) + torch.nn.Linear(4, 2). */
class TorchLike extends Module {
  lstm = this.addModule(
    'lstm',
    new Bag(
      [0, 1].flatMap((layer) =>
        ['', '_reverse'].flatMap((dir): [string, number[]][] => [
          [`weight_ih_l${layer}${dir}`, [16, layer === 0 ? 3 : 8]],
          [`weight_hh_l${layer}${dir}`, [16, 4]],
          [`bias_ih_l${layer}${dir}`, [16]],
          [`bias_hh_l${layer}${dir}`, [16]],
        ]),
      ),
    ),
  );
  linear = this.addModule('linear', new Bag([['weight', [2, 4]], ['bias', [2]]]));
}

async function values(module: Module): Promise<Record<string, number[]>> {
  const out: Record<string, number[]> = {};
  for (const [name, p] of module.namedParameters()) out[name] = Array.from(await p.value.data());
  return out;
}

async function expectRejects(promise: Promise<unknown>, code: CheckpointError['code'], message: RegExp): Promise<CheckpointError> {
  const e = await promise.then(
    () => undefined,
    (error: unknown) => error,
  );
  expect(e).toBeInstanceOf(CheckpointError);
  expect((e as CheckpointError).code).toBe(code);
  expect((e as Error).message).toMatch(message);
  return e as CheckpointError;
}

/** Rewrites a file with one tensor changed (or removed with `undefined`). */
function edit(bytes: Uint8Array, name: string, replacement: SafetensorsWritableTensor | undefined): Uint8Array {
  const { tensors, metadata } = parseSafetensors(bytes);
  const out = new Map<string, SafetensorsWritableTensor>();
  for (const [n, t] of tensors) out.set(n, { dtype: t.dtype as 'F32' | 'I32', shape: t.shape, data: t.data });
  if (replacement) out.set(name, replacement);
  else out.delete(name);
  return serializeSafetensors(out, metadata);
}

describe('encodeModel / decodeInto', () => {
  it('round-trips parameter values exactly under PyTorch-style names', async () => {
    const source = new Nested();
    source.fc.weight.assign(tensor([[0.1, -0.2, 0.3], [1e-8, -1e8, Math.PI]]));
    const bytes = await encodeModel(source, { metadata: { note: 'hi', format: 'overridden' } });
    const parsed = parseSafetensors(bytes);
    expect([...parsed.tensors.keys()]).toEqual(['fc.bias', 'fc.weight', 'scale']);
    expect(parsed.tensors.get('fc.weight')!.dtype).toBe('F32');
    expect(parsed.metadata).toEqual({ note: 'hi', format: 'cellstate', 'cellstate.kind': 'model', 'cellstate.version': '1' });

    const target = new Nested();
    const result = await decodeInto(target, bytes, { source: 'nested.safetensors' });
    expect(result.loaded.sort()).toEqual(['fc.bias', 'fc.weight', 'scale']);
    expect(result.missing).toEqual([]);
    expect(result.unexpected).toEqual([]);
    expect(await values(target)).toEqual(await values(source));
    expect(target.fc.weight.value.requiresGrad).toBe(true);
  });

  it('loads the PyTorch LSTM + Linear fixture with the right names, shapes and values', async () => {
    const file = new Uint8Array(readFileSync(fileURLToPath(new URL('./__fixtures__/torch_lstm_linear.safetensors', import.meta.url))));
    const info = JSON.parse(readFileSync(fileURLToPath(new URL('./__fixtures__/torch_fixtures.json', import.meta.url)), 'utf8')) as {
      files: Record<string, { tensors: Record<string, { shape: number[]; values: number[] }> }>;
    };
    const model = new TorchLike();
    await decodeInto(model, file, { source: 'torch_lstm_linear.safetensors' });
    const expected = info.files['torch_lstm_linear.safetensors']!.tensors;
    const got = await values(model);
    expect(Object.keys(got).sort()).toEqual(Object.keys(expected).sort());
    for (const [name, p] of model.namedParameters()) {
      expect([...p.shape], name).toEqual(expected[name]!.shape);
      expect(got[name], name).toEqual(expected[name]!.values.map(Math.fround));
    }
  });

  it('loads F16/BF16/F64 tensors into float32 parameters and integer tensors into int32 ones', async () => {
    class Mixed extends Module {
      w = this.addParameter('w', zeros([2]));
      ids = this.addParameter('ids', zeros([2], { dtype: 'int32' }), { trainable: false });
    }
    const half = new Uint16Array([0x3c00, 0xc000]);
    const i64 = new BigInt64Array([7n, -9n]);
    const header = JSON.stringify({ w: { dtype: 'F16', shape: [2], data_offsets: [16, 20] }, ids: { dtype: 'I64', shape: [2], data_offsets: [0, 16] } });
    const head = new TextEncoder().encode(header);
    const file = new Uint8Array(8 + head.length + 20);
    new DataView(file.buffer).setBigUint64(0, BigInt(head.length), true);
    file.set(head, 8);
    file.set(new Uint8Array(i64.buffer), 8 + head.length);
    file.set(new Uint8Array(half.buffer), 8 + head.length + 16);
    const m = new Mixed();
    await decodeInto(m, file);
    expect(await values(m)).toEqual({ w: [1, -2], ids: [7, -9] });
    expect(m.ids.value.dtype).toBe('int32');
  });

  describe('a failed load leaves the model unchanged', () => {
    let good: Uint8Array;
    beforeAll(async () => {
      const source = new Tiny();
      source.weight.assign(tensor([[9, 9, 9], [9, 9, 9]]));
      good = await encodeModel(source);
    });

    async function expectUnchanged(bytes: Uint8Array, code: CheckpointError['code'], message: RegExp, options: { strict?: boolean } = {}) {
      const model = new Tiny();
      const before = await values(model);
      const tensorsBefore = memory().tensors;
      const e = await expectRejects(decodeInto(model, bytes, { ...options, source: 'ckpt.safetensors' }), code, message);
      expect(e.message).toContain('(in ckpt.safetensors)');
      expect(await values(model)).toEqual(before);
      expect(memory().tensors).toBe(tensorsBefore); // nothing uploaded and left behind
      expect(model.weight.value.isDisposed).toBe(false);
      return e;
    }

    it('truncated file', async () => {
      await expectUnchanged(good.subarray(0, good.length - 1), 'truncated', /truncated file/);
      await expectUnchanged(good.subarray(0, 4), 'truncated', /truncated file/);
    });

    it('wrong shape: names the tensor, the expected and the actual shape', async () => {
      const bytes = edit(good, 'weight', { dtype: 'F32', shape: [3, 2], data: new Float32Array(6) });
      const e = await expectUnchanged(bytes, 'mismatch', /tensor 'weight' has the wrong shape; expected \[2, 3\]; got \[3, 2\]/);
      expect(e.tensor).toBe('weight');
      expect(e.expected).toEqual([2, 3]);
      expect(e.actual).toEqual([3, 2]);
    });

    it('missing tensor', async () => {
      const e = await expectUnchanged(edit(good, 'bias', undefined), 'mismatch', /missing tensor 'bias'/);
      expect(e.tensor).toBe('bias');
    });

    it('unexpected tensor (strict)', async () => {
      await expectUnchanged(edit(good, 'extra', { dtype: 'F32', shape: [1], data: [1] }), 'mismatch', /unexpected tensor\(s\) the model does not have: extra/);
    });

    it('wrong dtype family', async () => {
      await expectUnchanged(edit(good, 'bias', { dtype: 'I32', shape: [2], data: [1, 2] }), 'mismatch', /tensor 'bias' has dtype I32, which cannot load into a float32 parameter/);
    });

    it('a shape error in the second tensor after the first one matched', async () => {
      // 'bias' sorts first in the file and is fine; 'weight' is wrong: nothing may change
      const bytes = edit(edit(good, 'bias', { dtype: 'F32', shape: [2], data: [7, 7] }), 'weight', { dtype: 'F32', shape: [6], data: new Float32Array(6) });
      await expectUnchanged(bytes, 'mismatch', /tensor 'weight' has the wrong shape/);
    });
  });

  it('strict: false loads what matches and reports the rest', async () => {
    const source = new Tiny();
    source.bias.assign(tensor([3, 4]));
    const bytes = edit(edit(await encodeModel(source), 'weight', undefined), 'other', { dtype: 'F32', shape: [1], data: [0] });
    const model = new Tiny();
    const result = await decodeInto(model, bytes, { strict: false });
    expect(result).toMatchObject({ loaded: ['bias'], missing: ['weight'], unexpected: ['other'] });
    expect(await values(model)).toEqual({ weight: [1, 2, 3, 4, 5, 6], bias: [3, 4] });
  });
});

/** A stand-in optimizer: per-parameter slots 'exp_avg' / 'exp_avg_sq' (and an int32 'count'). */
class FakeAdam implements CheckpointableOptimizer {
  step = 0;
  hyper: Record<string, number | boolean> = { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, amsgrad: false, maxNorm: Infinity };
  slots: Record<string, Record<string, Tensor>> = {};
  constructor(private readonly model: Module) {}

  /** Fills the slots with distinct values, as a few training steps would. */
  fake(steps: number): void {
    this.step = steps;
    for (const [name, p] of this.model.namedParameters()) {
      const n = p.value.size;
      this.slots[name] = {
        exp_avg: tensor(Float32Array.from({ length: n }, (_, i) => Math.sin(i + steps) / 3), [...p.shape]),
        exp_avg_sq: tensor(Float32Array.from({ length: n }, (_, i) => (i + 1) * 1e-7), [...p.shape]),
        count: tensor([steps, -steps], [2], { dtype: 'int32' }),
      };
    }
  }

  stateDict(): CheckpointOptimizerState {
    return { step: this.step, hyper: { ...this.hyper }, slots: this.slots };
  }

  loadStateDict(sd: CheckpointOptimizerState): void {
    const params = new Map(this.model.namedParameters());
    for (const [name, slots] of Object.entries(sd.slots)) {
      const p = params.get(name);
      if (!p) throw new Error(`unknown parameter '${name}'`);
      for (const [slot, t] of Object.entries(slots)) {
        if (slot !== 'count' && t.shape.join() !== p.shape.join()) throw new Error(`slot ${slot} of '${name}' has shape [${t.shape}]`);
      }
    }
    for (const slots of Object.values(this.slots)) for (const t of Object.values(slots)) t.dispose();
    this.step = sd.step;
    this.hyper = { ...sd.hyper };
    this.slots = sd.slots;
  }
}

async function slotValues(opt: FakeAdam): Promise<Record<string, Record<string, { dtype: string; shape: number[]; data: number[] }>>> {
  const out: Record<string, Record<string, { dtype: string; shape: number[]; data: number[] }>> = {};
  for (const [param, slots] of Object.entries(opt.slots)) {
    out[param] = {};
    for (const [slot, t] of Object.entries(slots)) out[param][slot] = { dtype: t.dtype, shape: [...t.shape], data: Array.from(await t.data()) };
  }
  return out;
}

describe('training checkpoints', () => {
  async function trained() {
    const model = new Nested();
    model.fc.weight.assign(tensor([[0.25, -1, 2], [3, 1e-30, -7]]));
    const optimizer = new FakeAdam(model);
    optimizer.fake(41);
    return { model, optimizer };
  }

  it('round-trips model, optimizer slots, step, epoch and extra exactly', async () => {
    const { model, optimizer } = await trained();
    const extra = { bestLoss: 0.1234567890123, history: [1, 2.5, null, 'x'], nested: { ok: true }, seed: 42 };
    const bytes = await encodeTrainingState({ model, optimizer, step: 1200, epoch: 3, extra });

    const { tensors, metadata } = parseSafetensors(bytes);
    expect(tensors.has('optimizer.exp_avg.fc.weight')).toBe(true);
    expect(tensors.has('optimizer.exp_avg_sq.scale')).toBe(true);
    expect(tensors.get('optimizer.count.fc.bias')!.dtype).toBe('I32');
    expect(tensors.has('fc.weight')).toBe(true);
    expect(metadata).toMatchObject({ format: 'cellstate', 'cellstate.kind': 'training', step: '1200', epoch: '3', 'optimizer.step': '41' });
    for (const v of Object.values(metadata)) expect(typeof v).toBe('string');

    const model2 = new Nested();
    const optimizer2 = new FakeAdam(model2);
    const restored = await decodeTrainingState(bytes, { model: model2, optimizer: optimizer2 });
    expect(restored).toEqual({ step: 1200, epoch: 3, extra });
    expect(await values(model2)).toEqual(await values(model));
    expect(optimizer2.step).toBe(41);
    expect(optimizer2.hyper).toEqual(optimizer.hyper);
    expect(optimizer2.hyper.maxNorm).toBe(Infinity);
    expect(Object.keys(optimizer2.slots)).toEqual(Object.keys(optimizer.slots));
    expect(await slotValues(optimizer2)).toEqual(await slotValues(optimizer));
    // slot tensors live on the model's backend
    expect(optimizer2.slots['fc.weight']!.exp_avg!.backend).toBe(model2.fc.weight.value.backend);
  });

  it('works without optimizer, epoch and extra; decodeInto reads the model part of a training file', async () => {
    const { model, optimizer } = await trained();
    const bare = await encodeTrainingState({ model, step: 0 });
    const m2 = new Nested();
    expect(await decodeTrainingState(bare, { model: m2 })).toEqual({ step: 0 });
    expect(await values(m2)).toEqual(await values(model));

    const full = await encodeTrainingState({ model, optimizer, step: 5 });
    const m3 = new Nested();
    await decodeInto(m3, full); // strict, yet the optimizer.* tensors are not "unexpected"
    expect(await values(m3)).toEqual(await values(model));
    const m4 = new Nested();
    expect(await decodeTrainingState(full, { model: m4 })).toEqual({ step: 5 }); // optimizer state ignored
  });

  it('keeps parameters whose slot record is empty', async () => {
    const model = new Tiny();
    const optimizer = new FakeAdam(model);
    optimizer.slots = { weight: {}, bias: { exp_avg: tensor([1, 2]) } };
    const bytes = await encodeTrainingState({ model, optimizer, step: 1 });
    const o2 = new FakeAdam(new Tiny());
    await decodeTrainingState(bytes, { model: new Tiny(), optimizer: o2 });
    expect(Object.keys(o2.slots)).toEqual(['weight', 'bias']);
    expect(o2.slots.weight).toEqual({});
  });

  describe('a failed restore changes neither model nor optimizer', () => {
    async function expectNothingChanged(bytes: Uint8Array, code: CheckpointError['code'], message: RegExp) {
      const model = new Nested();
      const optimizer = new FakeAdam(model);
      optimizer.fake(3);
      const before = { model: await values(model), slots: await slotValues(optimizer), step: optimizer.step, hyper: { ...optimizer.hyper } };
      const tensorsBefore = memory().tensors;
      await expectRejects(decodeTrainingState(bytes, { model, optimizer, source: 'train.safetensors' }), code, message);
      expect(await values(model)).toEqual(before.model);
      expect(await slotValues(optimizer)).toEqual(before.slots);
      expect(optimizer.step).toBe(before.step);
      expect(optimizer.hyper).toEqual(before.hyper);
      expect(memory().tensors).toBe(tensorsBefore);
    }

    let good: Uint8Array;
    beforeAll(async () => {
      const { model, optimizer } = await trained();
      good = await encodeTrainingState({ model, optimizer, step: 100, epoch: 2 });
    });

    it('truncated file', async () => {
      await expectNothingChanged(good.subarray(0, good.length - 10), 'truncated', /truncated file/);
    });

    it('wrong model shape', async () => {
      await expectNothingChanged(edit(good, 'scale', { dtype: 'F32', shape: [2], data: [1, 1] }), 'mismatch', /tensor 'scale' has the wrong shape; expected \[1\]; got \[2\]/);
    });

    it('missing optimizer slot tensor', async () => {
      await expectNothingChanged(edit(good, 'optimizer.exp_avg.fc.bias', undefined), 'mismatch', /missing optimizer tensor 'optimizer.exp_avg.fc.bias'/);
    });

    it('stray optimizer tensor', async () => {
      await expectNothingChanged(edit(good, 'optimizer.foo.scale', { dtype: 'F32', shape: [1], data: [0] }), 'mismatch', /unexpected optimizer tensor\(s\).*optimizer.foo.scale/);
    });

    it('the optimizer rejects its state (the model is not touched)', async () => {
      const bad = edit(good, 'optimizer.exp_avg.fc.weight', { dtype: 'F32', shape: [6], data: new Float32Array(6) });
      await expectNothingChanged(bad, 'mismatch', /the optimizer rejected the checkpoint's state: slot exp_avg of 'fc.weight' has shape \[6\]/);
    });

    it('a model-only file when an optimizer should be restored', async () => {
      const { model } = await trained();
      await expectNothingChanged(await encodeTrainingState({ model, step: 1 }), 'mismatch', /holds no optimizer state/);
    });

    it('not a training checkpoint', async () => {
      const { model } = await trained();
      await expectNothingChanged(await encodeModel(model), 'invalid-metadata', /not a cellstate training checkpoint/);
    });

    it('corrupt metadata', async () => {
      const { tensors, metadata } = parseSafetensors(good);
      const rewrite = (patch: Record<string, string>) =>
        serializeSafetensors(new Map([...tensors].map(([n, t]) => [n, { dtype: t.dtype as 'F32', shape: t.shape, data: t.data }])), { ...metadata, ...patch });
      await expectNothingChanged(rewrite({ step: '-1' }), 'invalid-metadata', /metadata 'step' is "-1"/);
      await expectNothingChanged(rewrite({ epoch: 'two' }), 'invalid-metadata', /metadata 'epoch'/);
      await expectNothingChanged(rewrite({ extra: '{oops' }), 'invalid-metadata', /metadata 'extra' is not valid JSON/);
      await expectNothingChanged(rewrite({ 'optimizer.hyper': '{"lr":"fast"}' }), 'invalid-metadata', /'lr' = "fast"/);
    });
  });

  it('encodeTrainingState rejects what it cannot store exactly', async () => {
    const { model, optimizer } = await trained();
    await expectRejects(encodeTrainingState({ model, step: -1 }), 'invalid-argument', /step must be a non-negative integer/);
    await expectRejects(encodeTrainingState({ model, step: 1.5 }), 'invalid-argument', /step/);
    await expectRejects(encodeTrainingState({ model, step: 1, epoch: NaN }), 'invalid-argument', /epoch must be a finite number/);
    await expectRejects(encodeTrainingState({ model, step: 1, extra: { when: new Date(0) } }), 'invalid-argument', /extra.when is a Date/);
    await expectRejects(encodeTrainingState({ model, step: 1, extra: { a: [1, undefined] } }), 'invalid-argument', /extra.a\[1\] is a undefined/);
    await expectRejects(encodeTrainingState({ model, step: 1, extra: { big: 10n } }), 'invalid-argument', /extra.big is a bigint/);
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    await expectRejects(encodeTrainingState({ model, step: 1, extra: cyclic }), 'invalid-argument', /circular/);
    optimizer.slots['scale'] = { 'a.b': tensor([1]) };
    await expectRejects(encodeTrainingState({ model, optimizer, step: 1 }), 'invalid-argument', /slot name 'a.b'/);

    class Clash extends Module {
      optimizer = this.addModule('optimizer', new Tiny());
    }
    await expectRejects(encodeTrainingState({ model: new Clash(), step: 1 }), 'invalid-argument', /'optimizer.weight' clashes/);
  });
});

describe('training checkpoints: random state (dropout streams)', () => {
  /** Nested + two dropouts: the tree a resumed run must continue exactly. */
  class WithDropout extends Module {
    fc = this.addModule('fc', new Tiny());
    drop = this.addModule('drop', new Dropout(0.5, { seed: 11 }));
    inner = this.addModule('inner', new (class extends Module {
      drop = this.addModule('drop', new Dropout(0.2, { seed: 12 }));
    })());
  }
  const draw = (m: WithDropout, n: number) => {
    for (let i = 0; i < n; i++) m.drop.forward(tensor([1, 2, 3])).dispose();
    m.inner.drop.forward(tensor([1])).dispose();
  };
  /** The same file without the `random` key, as written before it existed. */
  const withoutRandom = (bytes: Uint8Array) => {
    const { tensors, metadata } = parseSafetensors(bytes);
    const rest = { ...metadata };
    delete rest[RANDOM_STATE_KEY];
    return serializeSafetensors(new Map([...tensors].map(([n, t]) => [n, { dtype: t.dtype as 'F32', shape: t.shape, data: t.data }])), rest);
  };
  const rewrite = (bytes: Uint8Array, random: string) => {
    const { tensors, metadata } = parseSafetensors(bytes);
    return serializeSafetensors(new Map([...tensors].map(([n, t]) => [n, { dtype: t.dtype as 'F32', shape: t.shape, data: t.data }])), { ...metadata, [RANDOM_STATE_KEY]: random });
  };

  it('saves every dropout position and restores it (the next masks are the same)', async () => {
    const model = new WithDropout();
    draw(model, 5);
    const bytes = await encodeTrainingState({ model, step: 5 });
    expect(JSON.parse(parseSafetensors(bytes).metadata[RANDOM_STATE_KEY]!)).toEqual({ drop: 5, 'inner.drop': 1 });
    const fresh = new WithDropout();
    expect(await decodeTrainingState(bytes, { model: fresh })).toEqual({ step: 5 });
    expect(fresh.randomState()).toEqual({ drop: 5, 'inner.drop': 1 });
    const x = tensor(Array.from({ length: 64 }, () => 1));
    expect(Array.from(await fresh.drop.forward(x).data())).toEqual(Array.from(await model.drop.forward(x).data()));
  });

  it('models without dropout write no random key; old files without it load and leave the positions alone', async () => {
    expect(parseSafetensors(await encodeTrainingState({ model: new Nested(), step: 1 })).metadata[RANDOM_STATE_KEY]).toBeUndefined();
    const model = new WithDropout();
    draw(model, 2);
    const old = withoutRandom(await encodeTrainingState({ model, step: 2 }));
    const fresh = new WithDropout();
    await decodeTrainingState(old, { model: fresh });
    expect(fresh.randomState()).toEqual({ drop: 0, 'inner.drop': 0 });
    expect(await values(fresh)).toEqual(await values(model));
  });

  it('a random state that does not fit fails before anything changes (strict: false ignores unknown paths)', async () => {
    const model = new WithDropout();
    model.fc.weight.assign(tensor([[9, 9, 9], [9, 9, 9]]));
    draw(model, 3);
    const good = await encodeTrainingState({ model, step: 3 });
    const expectUnchanged = async (bytes: Uint8Array, code: CheckpointError['code'], message: RegExp) => {
      const target = new WithDropout();
      const before = await values(target);
      await expectRejects(decodeTrainingState(bytes, { model: target, source: 'run.safetensors' }), code, message);
      expect(await values(target)).toEqual(before);
      expect(target.randomState()).toEqual({ drop: 0, 'inner.drop': 0 });
    };
    await expectUnchanged(rewrite(good, '{"drop": 3, "inner.drop": 1, "other": 2}'), 'mismatch', /random state does not fit the model: setRandomState: module 'other': no such module.*\(in run.safetensors\)/);
    await expectUnchanged(rewrite(good, '{"drop": 3}'), 'mismatch', /module 'inner.drop': has no entry/);
    await expectUnchanged(rewrite(good, '{"drop": -3, "inner.drop": 1}'), 'mismatch', /module 'drop': the position must be a non-negative integer; got -3/);
    await expectUnchanged(rewrite(good, '[3, 1]'), 'invalid-metadata', /metadata 'random' is not a JSON object/);
    await expectUnchanged(rewrite(good, '{oops'), 'invalid-metadata', /metadata 'random' is not valid JSON/);
    const lenient = new WithDropout();
    await decodeTrainingState(rewrite(good, '{"drop": 3, "other": 2}'), { model: lenient, strict: false });
    expect(lenient.randomState()).toEqual({ drop: 3, 'inner.drop': 0 });
  });
});
