/** An AMQP URL without its password, for messages. */
export function redactAmqpUrl(url: string): string {
  return url.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:***@');
}
