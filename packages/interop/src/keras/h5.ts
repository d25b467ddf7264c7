import * as hdf5 from 'jsfive';
import { InteropError } from '../errors.js';
import type { HostTensor } from '../weights.js';

/** An HDF5 file read with jsfive (pure JavaScript: Node and browsers, no wasm, no files). */
export class H5 {
  readonly #file: hdf5.File;
  readonly source: string | undefined;
  /** Bytes of tensor data still allowed to be read (a forged shape must not allocate gigabytes). */
  #budget: number;

  /** `budget`: most bytes of tensor data all `tensor` calls together may read (default: no limit). */
  constructor(bytes: Uint8Array, source?: string, budget = Number.POSITIVE_INFINITY) {
    this.source = source;
    this.#budget = budget;
    try {
      const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
      this.#file = new hdf5.File(buffer, source ?? 'weights.h5');
    } catch (cause) {
      throw new InteropError('keras', 'invalid-file', `not a readable HDF5 file: ${message(cause)}`, { cause, ...(source !== undefined ? { source } : {}) });
    }
  }

  #get(path: string): hdf5.Group | hdf5.Dataset | null {
    try {
      return path === '' || path === '/' ? this.#file : this.#file.get(path);
    } catch {
      return null;
    }
  }

  isGroup(path: string): boolean {
    const node = this.#get(path);
    return !!node && Array.isArray((node as hdf5.Group).keys);
  }

  isDataset(path: string): boolean {
    const node = this.#get(path);
    return !!node && !Array.isArray((node as hdf5.Group).keys) && 'shape' in node;
  }

  keys(path: string): string[] {
    const node = this.#get(path);
    return node && Array.isArray((node as hdf5.Group).keys) ? [...(node as hdf5.Group).keys] : [];
  }

  /** An attribute as text (fixed-length strings lose their NUL padding), or undefined. */
  text(path: string, name: string): string | undefined {
    const v = this.#attr(path, name);
    if (v === undefined) return undefined;
    return stripNul(decodeText(Array.isArray(v) ? v[0] : v));
  }

  /**
   * A list-of-strings attribute. Keras splits large ones into `name0`, `name1`, ...
   * (`save_attributes_to_hdf5_group`); those are joined.
   */
  texts(path: string, name: string): string[] | undefined {
    const direct = this.#attr(path, name);
    if (direct !== undefined) return (Array.isArray(direct) ? direct : [direct]).map((v) => stripNul(decodeText(v)));
    const out: string[] = [];
    for (let k = 0; ; k++) {
      const chunk = this.#attr(path, `${name}${k}`);
      if (chunk === undefined) break;
      out.push(...(Array.isArray(chunk) ? chunk : [chunk]).map((v) => stripNul(decodeText(v))));
    }
    return out.length ? out : undefined;
  }

  #attr(path: string, name: string): unknown {
    const node = this.#get(path);
    if (!node) return undefined;
    try {
      return (node as hdf5.Group).attrs[name];
    } catch {
      return undefined;
    }
  }

  /** A dataset as a host tensor (floats as Float32Array, integers as Int32Array). */
  tensor(path: string): HostTensor {
    const node = this.#get(path) as hdf5.Dataset | null;
    if (!node || !('shape' in node)) {
      throw new InteropError('keras', 'missing-tensor', `missing tensor '${path}' in the weights file`, { tensor: path, ...(this.source !== undefined ? { source: this.source } : {}) });
    }
    const where = { tensor: path, ...(this.source !== undefined ? { source: this.source } : {}) };
    let shape: number[];
    let dtype: string;
    try {
      shape = [...(node.shape ?? [])].map(Number);
      dtype = String(node.dtype);
    } catch (cause) {
      throw new InteropError('keras', 'invalid-file', `cannot read the header of tensor '${path}': ${message(cause)}`, { ...where, cause });
    }
    if (shape.some((d) => !Number.isSafeInteger(d) || d < 0)) throw new InteropError('keras', 'invalid-file', `tensor '${path}' has shape [${shape.join(', ')}]`, where);
    // The size the shape claims, checked before jsfive allocates it.
    const itemSize = Number(/(\d+)$/.exec(dtype)?.[1] ?? 8);
    const bytes = shape.reduce((a, b) => a * b, 1) * itemSize;
    if (!(bytes <= this.#budget)) {
      throw new InteropError('keras', 'too-large', `tensor '${path}' claims shape [${shape.join(', ')}] (${bytes} bytes), beyond what is left of the read budget (${this.#budget} bytes; raise maxUncompressedBytes for a model this large)`, where);
    }
    this.#budget -= bytes;
    let values: ArrayLike<number | bigint>;
    try {
      values = node.value as ArrayLike<number | bigint>;
    } catch (cause) {
      throw new InteropError('keras', 'invalid-file', `cannot read tensor '${path}' (dtype ${dtype}): ${message(cause)}`, { ...where, cause });
    }
    if (values?.length !== undefined && values.length !== shape.reduce((a, b) => a * b, 1)) {
      throw new InteropError('keras', 'invalid-file', `tensor '${path}' holds ${values.length} values for shape [${shape.join(', ')}]`, where);
    }
    const isFloat = /f[248]$/.test(dtype);
    if (!isFloat && !/[iu][1248]$/.test(dtype)) {
      throw new InteropError('keras', 'unsupported', `tensor '${path}' has dtype ${dtype} (floats and integers are read)`, { tensor: path, ...(this.source !== undefined ? { source: this.source } : {}) });
    }
    const data = isFloat ? Float32Array.from(values as ArrayLike<number>, Number) : Int32Array.from(values as ArrayLike<number>, Number);
    return { shape, data };
  }
}

/** The text of anything thrown (jsfive throws bare strings). */
function message(cause: unknown): string {
  return cause instanceof Error ? cause.message : String(cause);
}

function decodeText(v: unknown): string {
  if (typeof v === 'string') return v;
  if (v instanceof Uint8Array) return new TextDecoder().decode(v);
  if (ArrayBuffer.isView(v)) return new TextDecoder().decode(new Uint8Array(v.buffer, v.byteOffset, v.byteLength));
  return String(v);
}

function stripNul(s: string): string {
  const i = s.indexOf('\0');
  return i < 0 ? s : s.slice(0, i);
}

/** HDF5 files begin with \x89HDF\r\n\x1a\n (at offset 0 here; user blocks are not supported). */
export function isHdf5(bytes: Uint8Array): boolean {
  const sig = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];
  return bytes.length >= 8 && sig.every((b, i) => bytes[i] === b);
}

/** Zip archives begin with PK\x03\x04. */
export function isZip(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04;
}
