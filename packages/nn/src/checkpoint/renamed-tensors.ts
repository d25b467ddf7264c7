import type { Module } from '../module.js';

/**
 * The file's tensors under the module's current parameter names
 * (`Module.upgradeParameterName`), so a file written before a module renamed its
 * parameters still loads. A name that already fits a parameter is kept, and a
 * rename onto a name the file also holds is not made (the file's own tensor wins).
 */
export function withCurrentNames<T>(module: Module, tensors: Map<string, T>): Map<string, T> {
  const params = new Set(module.namedParameters().map(([name]) => name));
  const out = new Map<string, T>();
  for (const [name, value] of tensors) {
    const current = params.has(name) ? name : module.upgradeParameterName(name);
    out.set(current !== name && tensors.has(current) ? name : current, value);
  }
  return out;
}
