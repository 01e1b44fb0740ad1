/**
 * web: the operational surface served by a process that runs jobs — for now the REST API (Flink's
 * paths) and the job registry the CLI uses to find running jobs. May import `runtime` and below.
 */
export { RestServer, type JobRegistration } from './rest-server.ts';
