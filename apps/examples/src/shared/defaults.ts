/**
 * `options` completed from `defaults`: each option of `defaults` that `options` leaves
 * out (or sets to undefined or null) takes its default, as `options.x ?? default` would.
 * Keys not in `defaults` are not copied.
 */
export function withDefaults<T extends object>(options: { readonly [K in keyof T]?: T[K] | undefined }, defaults: T): T {
  const resolved = { ...defaults };
  for (const key of Object.keys(defaults) as (keyof T)[]) resolved[key] = options[key] ?? defaults[key];
  return resolved;
}
