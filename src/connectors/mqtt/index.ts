/**
 * The MQTT connector (`eddy/connectors/mqtt`, mqtt.js): {@link MqttSource} (QoS 1, persistent session,
 * the client's own reconnects) and {@link MqttSink} (QoS 1, PUBACKs awaited on each checkpoint barrier).
 * Both at-least-once; see docs/connectors.md for what a job failure means for the source.
 */
export { MqttSource, redactMqttUrl } from './mqtt-source.ts';
export type { MqttSourceOptions, MqttSplit } from './mqtt-source.ts';
export { MqttSink } from './mqtt-sink.ts';
export type { MqttSinkOptions } from './mqtt-sink.ts';
