/**
 * The MQTT sink's I/O thread: one mqtt.js client. `publish` (posted) sends a batch at QoS 1; `confirm`
 * (on the barrier) resolves when every message published so far has its PUBACK. mqtt.js keeps
 * unacknowledged QoS 1 messages and resends them after its own reconnect, so a barrier during an outage
 * waits for the reconnect (up to the writer's timeout).
 *
 * At most {@link MAX_UNACKED} messages are unacknowledged at once: MQTT packet ids are 16 bits and
 * mqtt.js hands them out round-robin, so a larger window would reuse the id of a message still waiting
 * for its PUBACK and that message's acknowledgement would never be seen. A full window holds back the
 * next batch, which in turn blocks the writer once its posts queue up.
 */
import mqtt from 'mqtt';
import { AckWindow, serveSync } from '../common/index.ts';
import { redactMqttUrl } from './mqtt-source.ts';

/** Unacknowledged QoS 1 messages at most (below the 65 535 MQTT packet ids). */
export const MAX_UNACKED = 16_384;

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
  const window = new AckWindow(MAX_UNACKED);
  let failure: Error | undefined;
  const acked = (e?: Error): void => {
    if (e) failure ??= e;
    window.ack();
  };
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
    async publish(data) {
      for (const [topic, payload] of data as [string | null, Uint8Array][]) {
        await window.waitForRoom();
        window.add();
        client!.publish(topic ?? init.topic, Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength), { qos: 1, retain: init.retain }, acked);
      }
    },
    async confirm() {
      await window.waitForAll();
      if (failure) throw new Error(`${where}: ${failure.message}`);
      return true;
    },
    async close() {
      await client?.endAsync().catch(() => undefined);
    },
  };
});
