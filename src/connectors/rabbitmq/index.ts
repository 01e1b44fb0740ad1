/**
 * The RabbitMQ connector (`eddy/connectors/rabbitmq`, amqplib): {@link RabbitMQSource}, which
 * acknowledges messages when the checkpoint covering them completes and drops redelivered messages by
 * message id (the job's state sees each message once), and {@link RabbitMQSink}, at-least-once with
 * publisher confirms awaited on each checkpoint barrier. Builds on the Source/Sink SPI of `api` only.
 */
export { RabbitMQSource } from './rabbitmq-source.ts';
export type { RabbitMQSourceOptions, RabbitMQSplit } from './rabbitmq-source.ts';
export { RabbitMQSink } from './rabbitmq-sink.ts';
export type { RabbitMQSinkOptions } from './rabbitmq-sink.ts';
export { redactAmqpUrl } from './urls.ts';
