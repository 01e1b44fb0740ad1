// One small job per API feature, chosen with the `case` parameter; each collects its output.
import {
  StreamEnvironment,
  OutputTag,
  RichMapFunction,
  MapStateDescriptor,
  jobParameters,
  type Collector,
  type ProcessContext,
  type ReadOnlyBroadcastContext,
  type BroadcastContext,
  type RuntimeContext,
} from 'eddy';

const { case: which = 'elements', p = 2, file = '', splitSize = 64, port = 0 } = jobParameters<{ case?: string; p?: number; file?: string; splitSize?: number; port?: number }>();
const env = StreamEnvironment.create({ parallelism: p });

switch (which) {
  case 'elements':
    await env.fromElements(1, 2, 3, 4, 5).map((x) => x * 10).executeAndCollect();
    break;
  case 'text-file':
    await env.readTextFile(file, { splitSize }).executeAndCollect();
    break;
  case 'socket':
    await env.socketTextStream('127.0.0.1', port).map((l) => l.toUpperCase()).executeAndCollect();
    break;
  case 'union':
    await env.fromElements(1, 2, 3).union(env.fromElements(10, 20), env.fromSequence(100, 102)).executeAndCollect();
    break;
  case 'side-output': {
    const odd = new OutputTag<number>('odd');
    const main = env.fromSequence(1, 10).process({
      processElement(v: number, ctx: ProcessContext, out: Collector<number>) {
        if (v % 2) ctx.output(odd, v);
        else out.collect(v);
      },
    });
    await main.map((v) => `even ${v}`).union(main.getSideOutput(odd).map((v) => `odd ${v}`)).executeAndCollect();
    break;
  }
  case 'rich': {
    class Tag extends RichMapFunction<number, string> {
      private prefix = '';
      override open(): void {
        const rc = this.getRuntimeContext();
        this.prefix = `${rc.getJobName()}/${rc.getTaskName()}/${rc.getIndexOfThisSubtask()}of${rc.getNumberOfParallelSubtasks()}`;
      }
      map(v: number): string {
        return `${this.prefix}:${v}`;
      }
    }
    await env.fromSequence(1, 4).map(new Tag()).name('tagger').executeAndCollect('rich-job');
    break;
  }
  case 'rolling': {
    const rows = [
      { k: 'a', v: 3, id: 1 },
      { k: 'a', v: 1, id: 2 },
      { k: 'b', v: 5, id: 3 },
      { k: 'a', v: 1, id: 4 },
      { k: 'b', v: 7, id: 5 },
    ];
    const src = env.fromCollection(rows).setParallelism(1);
    const keyed = () => src.keyBy((r) => r.k);
    await keyed().sum('v').map((r) => `sum ${r.k} ${r.v} ${r.id}`)
      .union(keyed().min('v').map((r) => `min ${r.k} ${r.v} ${r.id}`))
      .union(keyed().max('v').map((r) => `max ${r.k} ${r.v} ${r.id}`))
      .union(keyed().minBy('v').map((r) => `minBy ${r.k} ${r.v} ${r.id}`))
      .union(keyed().maxBy('v').map((r) => `maxBy ${r.k} ${r.v} ${r.id}`))
      .union(keyed().reduce((a, b) => ({ k: a.k, v: a.v * b.v, id: b.id })).map((r) => `reduce ${r.k} ${r.v} ${r.id}`))
      .executeAndCollect();
    break;
  }
  case 'connect': {
    const words = env.fromElements('a', 'b');
    const nums = env.fromElements(1, 2);
    await words
      .connect(nums)
      .map({ map1: (w: string) => `w:${w}`, map2: (n: number) => `n:${n}` })
      .union(words.connect(nums).flatMap({ flatMap1: (w: string, o: Collector<string>) => o.collect(w + w), flatMap2: (n: number, o: Collector<string>) => o.collect(String(n * 2)) }))
      .executeAndCollect();
    break;
  }
  case 'broadcast-state': {
    const rules = new MapStateDescriptor<string, number>('thresholds');
    const ruleStream = env.fromElements({ key: 'limit', value: 5 }).setParallelism(1).broadcast(rules);
    // Records that come before the rule wait for it (the broadcast and the main input race): every record
    // is judged by the rule, on whichever subtask it is, and says which subtask judged it.
    let subtask = -1;
    const waiting: number[] = [];
    const judge = (v: number, limit: number) => `${v > limit ? 'over' : 'ok'} ${v} @${subtask}`;
    await env
      .fromSequence(1, 10)
      .map((v) => v)
      .keyBy((v) => v % 5)
      .connect(ruleStream)
      .process({
        setRuntimeContext(ctx: RuntimeContext) {
          subtask = ctx.getIndexOfThisSubtask();
        },
        processElement(v: number, ctx: ReadOnlyBroadcastContext, out: Collector<string>) {
          const limit = ctx.getBroadcastState(rules).get('limit');
          if (limit === undefined) waiting.push(v);
          else out.collect(judge(v, limit));
        },
        processBroadcastElement(r: { key: string; value: number }, ctx: BroadcastContext, out: Collector<string>) {
          ctx.getBroadcastState(rules).put(r.key, r.value);
          for (const v of waiting.splice(0)) out.collect(judge(v, r.value));
        },
      })
      .executeAndCollect();
    break;
  }
  case 'odd-keys': {
    const rows: [unknown, number][] = [
      ['__proto__', 1], [-0, 1], [0, 1], [{ a: 1, b: 2 }, 1], [{ b: 2, a: 1 }, 1], ['constructor', 1], ['0', 1], ['__proto__', 1],
    ];
    await env
      .fromCollection(rows)
      .keyBy((r) => r[0])
      .sum(1)
      .map((r) => `${JSON.stringify(r[0])}=${r[1]}`)
      .executeAndCollect();
    break;
  }
  case 'print':
    env.fromElements('x', 'y').print('out');
    await env.execute('print-job');
    break;
  default:
    throw new Error(`unknown case ${which}`);
}
