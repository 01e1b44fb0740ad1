/** The live throughput chart: records out per second of every vertex over the last two minutes (uplot). */
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { useEffect, useRef } from 'preact/hooks';

export interface Sample {
  t: number;
  out: Record<string, number>;
}

const COLORS = ['#2563eb', '#dc2626', '#16a34a', '#9333ea', '#ea580c', '#0891b2', '#ca8a04', '#db2777'];

export function ThroughputChart({ history, names, tick }: { history: Sample[]; names: Map<string, string>; tick: unknown }) {
  const el = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | undefined>(undefined);
  const ids = [...names.keys()];
  const key = ids.join(',');
  useEffect(() => {
    if (!el.current) return;
    const opts: uPlot.Options = {
      width: Math.max(300, el.current.clientWidth),
      height: 220,
      scales: { x: { time: true } },
      axes: [{}, { size: 60, values: (_u, vals) => vals.map((v) => (v >= 1000 ? `${v / 1000}k` : String(v))) }],
      series: [{}, ...ids.map((id, i) => ({ label: names.get(id) ?? id, stroke: COLORS[i % COLORS.length], width: 2, points: { show: false } }))],
      legend: { live: true },
    };
    plot.current = new uPlot(opts, [[], ...ids.map(() => [])], el.current);
    const resize = () => el.current && plot.current?.setSize({ width: Math.max(300, el.current.clientWidth), height: 220 });
    addEventListener('resize', resize);
    return () => {
      removeEventListener('resize', resize);
      plot.current?.destroy();
      plot.current = undefined;
    };
  }, [key]);
  useEffect(() => {
    plot.current?.setData([history.map((s) => s.t), ...ids.map((id) => history.map((s) => s.out[id] ?? null))] as uPlot.AlignedData);
  }, [tick, key]);
  return <div ref={el} id="throughput-chart" data-points={history.length} />;
}
