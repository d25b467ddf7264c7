#!/usr/bin/python3
"""Cross-check of seq2seq_torch.py against cellstate itself (a test helper, not part of the bench).

For each of W5, W5F, W6 it builds cellstate's `Seq2Seq` (Node, cellstate's CPU backend, one
thread) with the workload's configuration but dropout 0 and full teacher forcing (so that no
random draw is involved), on a slice of the workload's first batch, and writes its initial
parameters; the PyTorch mirror loads them by name and both compute
  1. the evaluation loss (shortlist or full softmax as the workload says),
  2. the global gradient norm of that loss (what clip_grad_norm_ sees),
  3. the training loss of one `trainStep` (backward, clipping to 1, Adam at the workload's lr),
  4. the evaluation loss after that step (so clipping and the Adam update are compared too).
Float32 on both sides; agreement to a relative 1e-4 (loss) / 1e-3 (norm) passes.

usage (repo root): LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-pthread OPENBLAS_NUM_THREADS=1 \\
       /usr/bin/python3 packages/bench/python/crosscheck_cellstate.py [W5 W5F W6] [--pairs N]
Needs node and the workspace's node_modules (runs the TypeScript sources through tsx).
"""
import json
import os
import subprocess
import sys
import tempfile

sys.dont_write_bytecode = True  # no __pycache__ next to the runners
import seq2seq_torch as s2s  # noqa: E402

NODE_SCRIPT = r"""
import { readFileSync, writeFileSync } from 'node:fs';
import { registerBackend, setBackend, scope, backward, sum, square } from '@cellstate/tensor';
import { createCpuBackend } from '@cellstate/backend-cpu';
import { Adam, clipGradNorm } from '@cellstate/nn';
import { Seq2Seq, makeBatch, trainStep } from '@cellstate/seq2seq';
const spec = JSON.parse(readFileSync(process.env.XCHECK_SPEC, 'utf8'));
registerBackend('xcheck', () => createCpuBackend({ threads: 1 }), { priority: 100 });
const be = await setBackend('xcheck');
await be.ready?.();
const model = new Seq2Seq(spec.config);
const batch = makeBatch(spec.pairs, { reverseSource: spec.config.reverseSource ?? false });
const index = [];
const chunks = [];
let offset = 0;
for (const [name, p] of model.namedParameters()) {
  const values = await p.value.data();
  index.push({ name, shape: [...p.value.shape], offset });
  chunks.push(Buffer.from(values.buffer, values.byteOffset, values.byteLength));
  offset += values.byteLength;
}
writeFileSync(spec.out + '.bin', Buffer.concat(chunks));
const [loss0, norm, perParameter] = scope(() => {
  const { loss } = model.loss(batch, { seed: null, shortlist: spec.shortlist });
  const grads = backward(loss);
  const per = model.namedParameters().map(([, p]) => (grads.get(p.value) ? sum(square(grads.get(p.value))) : null));
  return [loss, clipGradNorm(grads, 1e30).totalNorm, per];
});
const gradNorms = {};
for (const [k, [name]] of model.namedParameters().entries()) gradNorms[name] = perParameter[k] ? Math.sqrt((await perParameter[k].data())[0]) : null;
const optimizer = new Adam(model, { learningRate: spec.learningRate });
const loss1 = trainStep(model, optimizer, batch, { seed: 1, teacherForcing: 1, clipNorm: spec.clipNorm, shortlist: spec.shortlist });
const loss2 = scope(() => model.loss(batch, { seed: null, shortlist: spec.shortlist }).loss);
const read = async (t) => (await t.data())[0];
writeFileSync(spec.out + '.json', JSON.stringify({ index, parameterCount: model.parameterCount(),
  grad_norms: gradNorms, eval_loss: await read(loss0), grad_norm: await read(norm), train_loss: await read(loss1), eval_loss_after: await read(loss2) }));
"""


def run(wid, n_pairs, tmp):
    import torch
    w, data, _, _, Seq2Seq = s2s.make_setup(torch, wid)
    pairs = data["batches"][0][:n_pairs]
    model_cfg = dict(w["model"], dropout=0.0)
    cs_config = dict(model_cfg, sourceVocabSize=data["sourceVocabSize"], targetVocabSize=data["targetVocabSize"])
    out = os.path.join(tmp, wid)
    spec_file = out + ".spec.json"
    with open(spec_file, "w") as f:
        json.dump(dict(config=cs_config, pairs=pairs, shortlist=w["shortlist"], learningRate=w["learningRate"],
                       clipNorm=w["clipNorm"], out=out), f)
    bench_dir = os.path.join(s2s.REPO_ROOT, "packages", "bench")
    subprocess.run(["node", "--conditions=@cellstate/source", "--import", "tsx", "--input-type=module", "-e", NODE_SCRIPT],
                   cwd=bench_dir, env=dict(os.environ, XCHECK_SPEC=spec_file), check=True)
    with open(out + ".json") as f:
        ref = json.load(f)
    with open(out + ".bin", "rb") as f:
        blob = f.read()

    w = dict(w, model=model_cfg, config=s2s.resolve_config(model_cfg, data["sourceVocabSize"], data["targetVocabSize"]))
    Batch, Seq2Seq = s2s.build(torch)
    model = Seq2Seq(w["config"])
    named = dict(model.named_parameters())
    assert sorted(named) == sorted(e["name"] for e in ref["index"]), (sorted(named), [e["name"] for e in ref["index"]])
    with torch.no_grad():
        for e in ref["index"]:
            n = 1
            for d in e["shape"]:
                n *= d
            t = torch.frombuffer(bytearray(blob[e["offset"]:e["offset"] + 4 * n]), dtype=torch.float32).reshape(e["shape"])
            named[e["name"]].copy_(t)
    batch = Batch(pairs, w["config"]["reverseSource"])
    params = list(model.parameters())
    loss0 = model.loss(batch, on=False, shortlist=w["shortlist"])
    loss0.backward()
    norm = torch.nn.utils.clip_grad_norm_(params, 1e30).item()
    worst = max(((abs(p.grad.double().norm().item() - ref["grad_norms"][n]) / max(ref["grad_norms"][n], 1e-30), n)
                 for n, p in model.named_parameters() if p.grad is not None and ref["grad_norms"].get(n)), default=(0.0, None))
    exact = (sum(p.grad.double().pow(2).sum().item() for p in params if p.grad is not None) ** 0.5)
    optimizer = torch.optim.Adam(params, lr=w["learningRate"])
    loss1 = s2s.train_step(torch, model, optimizer, params, batch, w, coin=None, teacher_forcing=1.0)
    with torch.no_grad():
        loss2 = model.loss(batch, on=False, shortlist=w["shortlist"]).item()
    mine = dict(eval_loss=loss0.item(), grad_norm=norm, train_loss=loss1, eval_loss_after=loss2)
    ok = ref["parameterCount"] == sum(p.numel() for p in params)
    print(f"{wid}: {len(pairs)} pairs, parameters cellstate {ref['parameterCount']} / torch {sum(p.numel() for p in params)}")
    for k, v in mine.items():
        rel = abs(v - ref[k]) / max(abs(ref[k]), 1e-12)
        good = rel <= (1e-3 if k == "grad_norm" else 1e-4)
        ok &= good
        print(f"  {'ok  ' if good else 'FAIL'} {k:16s} cellstate {ref[k]:.7g}  torch {v:.7g}  rel {rel:.1e}")
    print(f"  info: worst per-parameter gradient-norm difference {worst[0]:.1e} ({worst[1]}); torch's global norm "
          f"summed in float64: {exact:.7g}")
    return ok


def main(argv):
    wids = [a for a in argv if not a.startswith("--") and not a.isdigit()] or ["W5", "W5F", "W6"]
    n_pairs = int(argv[argv.index("--pairs") + 1]) if "--pairs" in argv else 16
    import torch
    torch.set_num_threads(int(os.environ.get("TORCH_THREADS", "1")))
    with tempfile.TemporaryDirectory() as tmp:
        ok = all([run(wid, n_pairs, tmp) for wid in wids])
    print("ok" if ok else "fail")
    return ok


if __name__ == "__main__":
    sys.exit(0 if main(sys.argv[1:]) else 1)
