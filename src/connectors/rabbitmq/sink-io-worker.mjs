// Entry point of the RabbitMQ sink's I/O thread. Plain JS on purpose: a worker does not inherit tsx's
// loader, so register it here (unless running compiled), then load the TypeScript module.
import { existsSync } from 'node:fs';

const compiled = existsSync(new URL('./rabbitmq-sink-io.js', import.meta.url));
if (!compiled) {
  const { register } = await import('tsx/esm/api');
  register();
}
await import(compiled ? './rabbitmq-sink-io.js' : './rabbitmq-sink-io.ts');
