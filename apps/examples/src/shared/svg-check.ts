/**
 * A small well-formedness check for the SVG files the examples write (tests only):
 * one root <svg> element, every tag closed in order, nothing after the root.
 */
export function checkSvg(svg: string): { ok: true } | { ok: false; reason: string } {
  const body = svg.replace(/<\?xml[^>]*\?>/, '').trim();
  if (!body.startsWith('<svg')) return { ok: false, reason: 'does not start with <svg' };
  const stack: string[] = [];
  const tag = /<(\/?)([A-Za-z][\w:.-]*)((?:[^>"']|"[^"]*"|'[^']*')*?)(\/?)>/g;
  let closedRoot = -1;
  for (let m = tag.exec(body); m; m = tag.exec(body)) {
    const [, close, name, , selfClose] = m;
    if (closedRoot >= 0) return { ok: false, reason: `content after the root element: <${close}${name}>` };
    if (close) {
      const open = stack.pop();
      if (open !== name) return { ok: false, reason: `</${name}> closes <${open ?? 'nothing'}>` };
      if (stack.length === 0) closedRoot = m.index;
    } else if (!selfClose) stack.push(name!);
  }
  if (stack.length) return { ok: false, reason: `unclosed <${stack[stack.length - 1]}>` };
  if (closedRoot < 0) return { ok: false, reason: 'no root element' };
  return { ok: true };
}
