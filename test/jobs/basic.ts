// A small job: sequence → map → filter → keyBy → rolling sum, collected.
import { StreamEnvironment, jobParameters } from 'eddy';

const { n = 1000 } = jobParameters<{ n?: number }>();
const env = StreamEnvironment.create();
export const output = await env
  .fromSequence(1, n)
  .map((x) => x * 2)
  .filter((x) => x % 3 !== 0)
  .keyBy((x) => x % 10)
  .sum()
  .executeAndCollect('basic');
