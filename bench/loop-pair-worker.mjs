// Worker entry of bench/loop-pair.ts: a worker thread does not inherit the parent's TypeScript loader.
import { register } from 'tsx/esm/api';

register();
await import('./loop-pair.ts');
