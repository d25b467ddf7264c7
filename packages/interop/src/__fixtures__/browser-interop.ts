// Bundled for the browser platform by src/browser.test.ts: the interop readers (fflate,
// jsfive, protobufjs) must work in a page, with no Node API.
import '@cellstate/backend-cpu';
import { ready, tensor } from '@cellstate/tensor';
import { exportOnnx, exportPytorch, importKeras, importOnnx, importPytorch } from '../index.js';

async function bytesOf(name: string): Promise<Uint8Array> {
  return new Uint8Array(await (await fetch(`./fixtures/${name}`)).arrayBuffer());
}

async function run(): Promise<Record<string, unknown>> {
  await ready();
  const out: Record<string, unknown> = {};
  const expected = await (await fetch('./fixtures/keras.json')).json();
  for (const [file, key, ids] of [
    ['keras3-sequential.keras', 'keras3-sequential', true],
    ['keras2-legacy.h5', 'keras2-legacy', true],
    ['keras3-functional.keras', 'keras3-functional', false],
  ] as const) {
    const { model } = await importKeras(await bytesOf(file), { source: file });
    const f = expected[key];
    const x = ids ? tensor(f.input.values, f.input.shape, { dtype: 'int32' }) : tensor(f.input.values, f.input.shape);
    out[key] = { output: Array.from(await model.forward(x).data()), expected: f.output };
  }
  const torch = await (await fetch('./fixtures/torch.json')).json();
  const model = await importPytorch(await bytesOf('torch-bilstm.safetensors'), { config: torch.bilstm.config });
  const x = tensor(torch.bilstm.input.values, torch.bilstm.input.shape);
  out.pytorch = { output: Array.from(await model.forward(x).data()), expected: torch.bilstm.output };
  const { model: viaOnnx } = await importOnnx(await exportOnnx(model));
  out.onnxRoundTrip = { output: Array.from(await viaOnnx.forward(x).data()), expected: torch.bilstm.output };
  out.safetensorsBytes = (await exportPytorch(model)).byteLength;
  const laststep = await importOnnx(await bytesOf('torch-bilstm-laststep.onnx'));
  out.onnxImport = { output: Array.from(await laststep.model.forward(x).data()), expected: torch.onnx['bilstm-laststep'].output };
  return out;
}

Object.assign(window, { runInterop: run });
