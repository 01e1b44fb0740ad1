// The "service" both sides of the async I/O benchmark call: a Promise of one result, resolved at once
// (latency 0: what remains is the overhead around the call) or after `latency` ms (a timer).
export function service(latency: number): (x: number) => Promise<number[]> {
  if (latency === 0) return (x) => Promise.resolve([x + 1]);
  return (x) => new Promise((resolve) => setTimeout(() => resolve([x + 1]), latency));
}
