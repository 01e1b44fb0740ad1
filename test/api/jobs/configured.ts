// A job whose environment options come from the `options` parameter (JSON), so tests can give the
// code a value and the launch (`eddy run -p`, `runJob({ parallelism })`) another one.
import { StreamEnvironment, jobParameters } from 'eddy';

const { options = '{}' } = jobParameters<{ options?: string }>();
const env = StreamEnvironment.create(JSON.parse(options));
await env.fromElements(1, 2, 3, 4).map((x) => x * 10).name('times ten').executeAndCollect('configured');
