// Entry point of the MQTT sink's I/O thread. Plain JS on purpose: a worker does not inherit tsx's
// loader, so register it here (unless running compiled), then load the TypeScript module.
import { existsSync } from 'node:fs';

const compiled = existsSync(new URL('./mqtt-sink-io.js', import.meta.url));
if (!compiled) {
  const { register } = await import('tsx/esm/api');
  register();
}
await import(compiled ? './mqtt-sink-io.js' : './mqtt-sink-io.ts');
