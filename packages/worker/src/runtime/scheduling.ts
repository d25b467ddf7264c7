/** Yields to the event loop (a macrotask, so control messages get in) without timer clamping. */
export function macrotask(): Promise<void> {
  if (typeof MessageChannel === 'undefined') return new Promise((resolve) => setTimeout(resolve, 0));
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => {
      channel.port1.close();
      resolve();
    };
    channel.port2.postMessage(null);
  });
}

export function now(): number {
  return typeof performance !== 'undefined' ? performance.now() : Date.now();
}
