/**
 * The REST API the UI reads (docs/rest-api.md: Flink's paths and shapes), same origin. Every call answers
 * the parsed JSON or throws an Error carrying Flink's `{ errors: [...] }` messages.
 */
import { useEffect, useRef, useState } from 'preact/hooks';

export interface JobSummary {
  jid: string;
  name: string;
  state: string;
  'start-time': number;
  'end-time': number;
  duration: number;
  tasks: Record<string, number>;
}

export interface VertexMetrics {
  'read-records': number;
  'write-records': number;
  'accumulated-busy-time': number;
  'accumulated-backpressured-time': number;
  'accumulated-idle-time': number;
}

export interface JobVertex {
  id: string;
  name: string;
  parallelism: number;
  status: string;
  duration: number;
  metrics: VertexMetrics;
}

export interface PlanNode {
  id: string;
  parallelism: number;
  description: string;
  inputs?: { num: number; id: string; ship_strategy: string }[];
  operators?: { id: string; name: string; uid?: string }[];
}

export interface JobDetails {
  jid: string;
  name: string;
  state: string;
  'start-time': number;
  'end-time': number;
  duration: number;
  now: number;
  vertices: JobVertex[];
  plan: { nodes: PlanNode[] };
}

export interface MetricValue {
  id: string;
  value: string;
}

export class ApiError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

export async function api<T>(path: string, init?: RequestInit): Promise<T> {
  const r = await fetch(path, init);
  const text = await r.text();
  const body = text ? JSON.parse(text) : undefined;
  if (!r.ok) throw new ApiError(r.status, (body?.errors as string[] | undefined)?.join('; ') ?? `${r.status} ${r.statusText}`);
  return body as T;
}

/** Polls `path` every `ms` while mounted (and while `path` is not null); the latest answer and error. */
export function usePoll<T>(path: string | null, ms: number): { data: T | undefined; error: string | undefined } {
  const [data, setData] = useState<T>();
  const [error, setError] = useState<string>();
  const gen = useRef(0);
  useEffect(() => {
    const g = ++gen.current;
    setData(undefined);
    if (path === null) return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const tick = async () => {
      try {
        const d = await api<T>(path);
        if (g !== gen.current) return;
        setData(d);
        setError(undefined);
      } catch (e) {
        if (g !== gen.current) return;
        setError((e as Error).message);
      }
      if (g === gen.current) timer = setTimeout(tick, ms);
    };
    void tick();
    return () => {
      gen.current++;
      clearTimeout(timer);
    };
  }, [path, ms]);
  return { data, error };
}

export const fmtTime = (t: number) => (t > 0 ? new Date(t).toLocaleTimeString() : '–');

export function fmtDuration(ms: number): string {
  if (ms < 0) return '–';
  if (ms < 1000) return `${ms} ms`;
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${(ms / 1000).toFixed(1)} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${s % 60}s`;
  return `${Math.floor(m / 60)}h ${m % 60}m`;
}

export function fmtBytes(b: number): string {
  if (b < 1024) return `${b} B`;
  if (b < 1 << 20) return `${(b / 1024).toFixed(1)} KiB`;
  if (b < 1 << 30) return `${(b / (1 << 20)).toFixed(1)} MiB`;
  return `${(b / (1 << 30)).toFixed(2)} GiB`;
}

export function fmtCount(n: number): string {
  if (!Number.isFinite(n)) return '–';
  if (Math.abs(n) < 1000) return String(Math.round(n * 10) / 10);
  if (Math.abs(n) < 1e6) return `${(n / 1e3).toFixed(1)}k`;
  return `${(n / 1e6).toFixed(2)}M`;
}

/** A watermark as Flink's REST API gives it: Long.MIN_VALUE is "none yet", Long.MAX_VALUE "end of input". */
export function fmtWatermark(v: string | undefined): string {
  if (v === undefined || v.startsWith('-9223372036854775')) return 'none';
  if (v.startsWith('9223372036854775')) return 'end of input';
  const d = new Date(Number(v));
  return Number.isNaN(d.getTime()) ? v : d.toISOString().replace('T', ' ').replace('Z', '');
}
