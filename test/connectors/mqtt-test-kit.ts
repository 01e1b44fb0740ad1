// Shared by the MQTT tests: the broker's URL, the skip rule, and persistent sessions a test creates
// (subscribed before anything is published) and removes.
import mqtt from 'mqtt';

export const MQTT_URL = process.env.EDDY_TEST_MQTT ?? 'mqtt://127.0.0.1:1883';

/** Why MQTT tests cannot run here (undefined: they can); in CI an unreachable broker fails instead. */
export async function mqttSkipReason(): Promise<string | undefined> {
  try {
    const c = await mqtt.connectAsync(MQTT_URL, { connectTimeout: 3000, reconnectPeriod: 0 });
    await c.endAsync();
    return undefined;
  } catch (e) {
    const why = `MQTT broker is not reachable at ${MQTT_URL}: ${(e as Error).message}`;
    if (process.env.CI === 'true') throw new Error(`${why} (CI requires it)`);
    return why;
  }
}

export const unique = (base: string): string => `${base}-${process.pid}-${Math.floor(Math.random() * 1e9)}`;

/** Creates the persistent session `clientId` subscribed to `topic` at QoS 1, as the source will resume it. */
export async function openSession(clientId: string, topic: string): Promise<void> {
  const c = await mqtt.connectAsync(MQTT_URL, { clientId, clean: false, protocolVersion: 5, properties: { sessionExpiryInterval: 3600 }, reconnectPeriod: 0 });
  await c.subscribeAsync(topic, { qos: 1 });
  await c.endAsync();
}

/** Removes a persistent session a test's source left on the broker. */
export async function dropSession(clientId: string): Promise<void> {
  const c = await mqtt.connectAsync(MQTT_URL, { clientId, clean: true, protocolVersion: 5, reconnectPeriod: 0 });
  await c.endAsync();
}
