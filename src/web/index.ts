/**
 * web: the operational surface served by the process that runs jobs — Flink's REST API, the Prometheus
 * metrics and the Web UI on one port (fastify), and the job registry the CLI uses to find running jobs.
 * May import `runtime` and below.
 */
export { RestServer, MAX_BODY_BYTES, RETAIN_ENDED_MS, webUiDirs, type JobRegistration, type SavepointOperation } from './rest-server.ts';
export { HttpError } from './http-errors.ts';
