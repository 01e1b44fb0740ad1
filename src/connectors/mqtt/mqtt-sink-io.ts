/**
 * The MQTT sink's I/O thread: one mqtt.js client. `publish` (posted) sends a batch at QoS 1; `confirm`
 * (on the barrier) resolves when every message published so far has its PUBACK. mqtt.js keeps
 * unacknowledged QoS 1 messages and resends them after its own reconnect, so a barrier during an outage
 * waits for the reconnect (up to the writer's timeout).
 */
import mqtt from 'mqtt';
import { serveSync } from '../common/index.ts';
import { redactMqttUrl } from './mqtt-source.ts';

export interface MqttSinkIoInit {
  url: string;
  topic: string;
  clientId: string;
  retain: boolean;
}

serveSync((raw) => {
  const init = raw as MqttSinkIoInit;
  const where = `MqttSink (${redactMqttUrl(init.url)}, topic '${init.topic}')`;
  let client: mqtt.MqttClient | undefined;
  const inflight = new Set<Promise<void>>();
  let failure: Error | undefined;
  return {
    async open() {
      client = await new Promise<mqtt.MqttClient>((resolve, reject) => {
        const c = mqtt.connect(init.url, { clientId: init.clientId, clean: true, reconnectPeriod: 1000, connectTimeout: 10_000 });
        c.once('connect', () => resolve(c));
        c.once('error', (e) => {
          c.end(true);
          reject(new Error(`${where}: ${/Not authorized|Bad username/.test(e.message) ? 'the broker refused the connection' : 'cannot connect'}: ${e.message}`));
        });
      });
      return true;
    },
    publish(data) {
      for (const [topic, payload] of data as [string | null, Uint8Array][]) {
        const p = new Promise<void>((resolve) => {
          client!.publish(topic ?? init.topic, Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength), { qos: 1, retain: init.retain }, (e) => {
            if (e) failure ??= e;
            resolve();
          });
        }).then(() => {
          inflight.delete(p);
        });
        inflight.add(p);
      }
    },
    async confirm() {
      await Promise.all([...inflight]);
      if (failure) throw new Error(`${where}: ${failure.message}`);
      return true;
    },
    async close() {
      await client?.endAsync().catch(() => undefined);
    },
  };
});
