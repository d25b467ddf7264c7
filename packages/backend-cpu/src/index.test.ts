import { add, listBackends, matmul, ready, reshape, sum, tensor } from '@cellstate/tensor';
import { describe, expect, it } from 'vitest';
import { CpuBackend } from './index.js';

describe('@cellstate/backend-cpu entry', () => {
  it("registers 'cpu' with priority 1 on import", async () => {
    expect(listBackends().find((b) => b.name === 'cpu')).toMatchObject({ name: 'cpu', priority: 1 });
    const backend = await ready({ prefer: ['cpu'] });
    expect(backend).toBeInstanceOf(CpuBackend);
    expect(backend.name).toBe('cpu');
  });

  it('runs tensor-layer ops, including a reshape view', async () => {
    const backend = await ready({ prefer: ['cpu'] });
    const before = backend.memory();
    const a = tensor([[1, 2], [3, 4]]);
    const b = add(a, tensor([10, 20]));
    expect(Array.from(await b.data())).toEqual([11, 22, 13, 24]);
    const flat = reshape(b, [4]);
    const total = sum(flat);
    expect(await total.item()).toBe(70);
    const product = matmul(a, reshape(tensor([1, 1]), [2, 1]));
    expect(Array.from(await product.data())).toEqual([3, 7]);
    for (const t of [a, b, flat, total, product]) t.dispose();
    // The two temporaries passed inline (tensor([10, 20]), tensor([1, 1])) are still live.
    expect(backend.memory().handles).toBe(before.handles + 2);
  });
});
