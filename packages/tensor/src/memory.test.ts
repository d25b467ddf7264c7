import { beforeAll, describe, expect, it } from 'vitest';
import { useReferenceBackend } from './test-setup.js';
import { keep, memory, scope } from './memory.js';
import { tensor, zeros } from './ops/creation.js';
import { add, mul, sigmoid } from './ops/elementwise.js';
import { matmul } from './ops/matmul.js';
import { reshape } from './ops/movement.js';
import { mean, sum } from './ops/reduce.js';
import { backward } from './autograd/backward.js';
import { clearTape } from './autograd/tape.js';
import { noGrad } from './autograd/no-grad.js';
import { adamStep } from './ops/adam-step.js';
import { DisposedTensorError } from './errors.js';
import type { Tensor } from './tensor.js';

describe('memory', () => {
  beforeAll(async () => {
    await useReferenceBackend();
  });

  it('scope disposes what was created inside except the result and kept tensors', () => {
    const base = memory();
    let kept: Tensor | undefined;
    const result = scope(() => {
      const a = tensor([1, 2, 3]);
      const b = add(a, a);
      kept = keep(mul(b, 2));
      return { out: [sum(b)], other: 1 };
    });
    expect(memory().tensors).toBe(base.tensors + 2);
    expect(result.out[0]!.dataSync()[0]).toBe(12);
    result.out[0]!.dispose();
    kept!.dispose();
    expect(memory()).toMatchObject({ tensors: base.tensors, handles: base.handles, bytesInUse: base.bytesInUse });
  });

  it('nested scopes hand returned tensors to the parent', () => {
    const base = memory();
    scope(() => {
      const inner = scope(() => tensor([1]));
      expect(inner.isDisposed).toBe(false);
      return undefined;
    });
    expect(memory().handles).toBe(base.handles);
  });

  it('a scope whose function throws frees what it made (kept tensors survive) and rethrows', () => {
    const base = memory();
    let kept: Tensor | undefined;
    let inner: Tensor | undefined;
    expect(() =>
      scope(() => {
        inner = add(tensor([1, 2]), tensor([3, 4]));
        kept = keep(mul(inner, 2));
        scope(() => sigmoid(inner!)); // a nested scope that returned: its result is the outer frame's
        throw new Error('step failed');
      }),
    ).toThrow('step failed');
    expect(inner!.isDisposed).toBe(true);
    expect(kept!.isDisposed).toBe(false);
    expect(Array.from(kept!.dataSync())).toEqual([8, 12]);
    kept!.dispose();
    expect(memory()).toMatchObject({ tensors: base.tensors, handles: base.handles, bytesInUse: base.bytesInUse });
  });

  it('reshape views share storage and count once', () => {
    const base = memory();
    const a = tensor([1, 2, 3, 4]);
    const v = reshape(a, [2, 2]);
    expect(memory().handles).toBe(base.handles + 1);
    expect(memory().tensors).toBe(base.tensors + 2);
    a.dispose();
    expect(Array.from(v.dataSync())).toEqual([1, 2, 3, 4]);
    v.dispose();
    expect(memory().handles).toBe(base.handles);
  });

  it('using a disposed tensor throws a typed error naming the op', () => {
    const a = tensor([1, 2]);
    a.dispose();
    a.dispose(); // idempotent
    expect(() => add(a, a)).toThrow(DisposedTensorError);
    expect(() => add(a, a)).toThrow(/add: .*after dispose/);
  });

  it('Symbol.dispose works with using-style cleanup', () => {
    const base = memory();
    {
      const a = tensor([1]);
      a[Symbol.dispose]();
    }
    expect(memory().handles).toBe(base.handles);
  });

  it('a training step leaks nothing: handles and bytes equal after steps 2 and 3', () => {
    const w = tensor([[0.1, -0.2], [0.3, 0.05]]);
    w.requiresGrad = true;
    let m = zeros([2, 2]);
    let v = zeros([2, 2]);
    let param = w;
    const x = tensor([[1, 2], [3, 4], [5, 6]]);
    const snapshots: ReturnType<typeof memory>[] = [];
    for (let step = 1; step <= 3; step++) {
      const next = scope(() => {
        const loss = mean(sigmoid(matmul(x, param)));
        const g = backward(loss).get(param)!;
        return adamStep({ param, grad: g, m, v, step, learningRate: 0.1, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0, decoupledWeightDecay: false });
      });
      param.dispose();
      m.dispose();
      v.dispose();
      param = next.param;
      param.requiresGrad = true;
      m = next.m;
      v = next.v;
      snapshots.push(memory());
    }
    expect(snapshots[2]).toEqual(snapshots[1]);
    expect(snapshots[2]!.tapeNodes).toBe(0);
    for (const t of [param, m, v, x]) t.dispose();
  });

  it('the tape holds saved values while a result can still reach them, and frees them when nothing can', () => {
    const base = memory();
    const w = tensor([1, 2]);
    w.requiresGrad = true;
    const y = noGrad(() => mul(w, w));
    expect(memory().tapeNodes).toBe(0);
    y.dispose();
    const z = mul(w, w);
    expect(memory().tapeNodes).toBe(1);
    w.dispose();
    // w is gone for the user, but z's node still holds its values for the gradient.
    expect(memory().handles).toBe(base.handles + 2);
    z.dispose();
    expect(memory()).toMatchObject({ tapeNodes: 0, handles: base.handles });

    // A chain: disposing an intermediate keeps its node while a consumer lives.
    const v = tensor([3]);
    v.requiresGrad = true;
    const a = mul(v, v);
    const b = sum(a);
    a.dispose();
    expect(memory().tapeNodes).toBe(2);
    const grads = backward(b);
    expect(grads.get(v)!.dataSync()[0]).toBe(6);
    expect(memory().tapeNodes).toBe(0);
    grads.get(v)!.dispose();
    b.dispose();
    v.dispose();
    const u = tensor([1]);
    u.requiresGrad = true;
    const kept = mul(u, u);
    expect(memory().tapeNodes).toBe(1);
    clearTape();
    expect(memory().tapeNodes).toBe(0);
    kept.dispose();
    u.dispose();
    expect(memory().handles).toBe(base.handles);
  });
});
