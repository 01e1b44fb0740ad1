// Restarts a local server mid-test (the commands of this machine's services), for the reconnect tests:
// each outage is kept to seconds and the server is always started again, also when the stop fails
// halfway. `restartSkipReason` says why a restart cannot be made here (not root, a command missing).
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';

export type Server = 'mosquitto' | 'rabbitmq' | 'nats' | 'redis';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function run(cmd: string, args: string[]): void {
  execFileSync(cmd, args, { stdio: 'ignore', timeout: 60_000 });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function listening(port: number): Promise<boolean> {
  return new Promise((res) => {
    const s = connect({ host: '127.0.0.1', port });
    s.once('connect', () => (s.destroy(), res(true)));
    s.once('error', () => res(false));
  });
}

async function waitPort(port: number, up: boolean, ms = 30_000): Promise<void> {
  const until = Date.now() + ms;
  while ((await listening(port)) !== up) {
    if (Date.now() > until) throw new Error(`port ${port} did not go ${up ? 'up' : 'down'} within ${ms / 1000} s`);
    await sleep(100);
  }
}

async function stopPid(pid: number): Promise<void> {
  process.kill(pid, 'SIGTERM');
  for (let i = 0; i < 200 && alive(pid); i++) await sleep(50);
}

const START: Record<Server, () => void> = {
  mosquitto: () => run('mosquitto', ['-d', '-c', '/etc/mosquitto/mosquitto.conf']),
  rabbitmq: () => run('rabbitmqctl', ['start_app']),
  redis: () =>
    run('redis-server', ['--daemonize', 'yes', '--bind', '127.0.0.1', '-::1', '--port', '6379', '--save', '', '--appendonly', 'no', '--dir', '/var/lib/redis', '--logfile', '/var/log/redis/ci.log']),
  nats: () =>
    run('start-stop-daemon', ['--start', '--oknodo', '--background', '--exec', '/usr/sbin/nats-server', '--', '-a', '127.0.0.1', '-p', '4222', '-js', '-sd', '/var/lib/nats-server', '-l', '/var/log/nats-server.log']),
};
const PORT: Record<Server, number> = { mosquitto: 1883, rabbitmq: 5672, nats: 4222, redis: 6379 };

/** Why `restart(server)` cannot run here, or undefined. */
export function restartSkipReason(server: Server): string | undefined {
  // a restart breaks the tests of other files that use the same server at the same time: opt in
  if (process.env.EDDY_TEST_RESTART_SERVERS !== '1') return `restarting ${server} mid-test needs EDDY_TEST_RESTART_SERVERS=1 (run this file alone: it disturbs tests using the same server)`;
  if (process.getuid?.() !== 0) return `restarting ${server} needs root`;
  const need = { mosquitto: '/run/mosquitto/mosquitto.pid', rabbitmq: '/usr/sbin/rabbitmqctl', nats: '/usr/sbin/nats-server', redis: '/usr/bin/redis-cli' }[server];
  if (!existsSync(need)) return `cannot restart ${server} here (${need} is missing)`;
  return undefined;
}

/** Stops `server`, keeps it down `downMs`, starts it again (always) and waits until it listens. */
export async function restart(server: Server, downMs = 1_000): Promise<void> {
  try {
    if (server === 'mosquitto') await stopPid(Number(readFileSync('/run/mosquitto/mosquitto.pid', 'utf8').trim()));
    else if (server === 'nats') await stopPid(Number(execFileSync('pidof', ['nats-server'], { encoding: 'utf8' }).trim().split(/\s+/)[0]));
    else if (server === 'redis') run('redis-cli', ['-p', '6379', 'shutdown', 'nosave']);
    else run('rabbitmqctl', ['stop_app']);
    await waitPort(PORT[server], false);
    await sleep(downMs);
  } finally {
    START[server]();
    await waitPort(PORT[server], true);
  }
}
