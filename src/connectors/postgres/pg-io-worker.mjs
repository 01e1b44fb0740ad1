// Entry point of the PostgreSQL sink's I/O thread. Plain JS on purpose: a worker does not inherit
// tsx's loader, so register it here (unless running compiled), then load the TypeScript module.
import { existsSync } from 'node:fs';

const compiled = existsSync(new URL('./pg-io.js', import.meta.url));
if (!compiled) {
  const { register } = await import('tsx/esm/api');
  register();
}
await import(compiled ? './pg-io.js' : './pg-io.ts');
