// Prints one JSON object: what Dawn (the `webgpu` package) sees here. For each adapter
// request (default, high-performance, low-power, fallback): the adapter's info (vendor,
// architecture, device, description, fallback flag, subgroup sizes), its features and its
// limits, and whether a device could be created on it. Plus the Vulkan environment.
// usage: node adapter-info.mjs   (bundled by pack.mjs; `webgpu` resolves from dist/node_modules)
import { create } from 'webgpu';

const t0 = performance.now();
const out = {
  stage: 'adapter',
  node: process.version,
  env: Object.fromEntries(['VK_DRIVER_FILES', 'VK_ICD_FILENAMES', 'LD_LIBRARY_PATH', 'VK_LOADER_DEBUG'].map((k) => [k, process.env[k] ?? null])),
  adapters: [],
};
let gpu;
try {
  gpu = create([]);
} catch (error) {
  out.error = `Dawn could not start: ${error?.message ?? error}`;
}
const INFO = ['vendor', 'architecture', 'device', 'description', 'isFallbackAdapter', 'subgroupMinSize', 'subgroupMaxSize'];
const requests = { default: {}, 'high-performance': { powerPreference: 'high-performance' }, 'low-power': { powerPreference: 'low-power' }, fallback: { forceFallbackAdapter: true } };
for (const [name, options] of Object.entries(gpu ? requests : {})) {
  const entry = { request: name };
  try {
    const adapter = await gpu.requestAdapter(options);
    if (!adapter) {
      entry.adapter = null;
    } else {
      const info = adapter.info ?? {};
      entry.info = Object.fromEntries(INFO.map((k) => [k, info[k] ?? null]));
      entry.features = [...adapter.features].sort();
      const limits = {};
      for (const k in adapter.limits) limits[k] = adapter.limits[k];
      entry.limits = limits;
      try {
        const device = await adapter.requestDevice();
        entry.device = 'ok';
        device.destroy();
      } catch (error) {
        entry.device = `requestDevice failed: ${error?.message ?? error}`;
      }
    }
  } catch (error) {
    entry.error = `requestAdapter failed: ${error?.message ?? error}`;
  }
  out.adapters.push(entry);
}
const first = out.adapters.find((a) => a.info);
out.summary = first ? `${first.info.vendor} / ${first.info.architecture} / ${first.info.description || first.info.device}` : 'no adapter';
out.software = first ? /swiftshader|llvmpipe|lavapipe|software/i.test(JSON.stringify(first.info)) || first.info.isFallbackAdapter === true : null;
out.wall_s = Number(((performance.now() - t0) / 1000).toFixed(2));
console.log(JSON.stringify(out));
process.exit(first ? 0 : 3);
