// A checkpointed job (so the default restart strategy restarts without limit) whose map throws a
// ConfigurationError on its first record: a restart would fail the same way, so the job fails at once.
import { StreamEnvironment, ConfigurationError } from 'eddy';

const env = StreamEnvironment.create({ parallelism: 1 });
env.enableCheckpointing(100);
await env
  .fromSequence(1, 10)
  .map((v: number) => {
    if (v === 1) throw new ConfigurationError('the lookup table "customers" does not exist');
    return v;
  })
  .name('lookup')
  .executeAndCollect('config-error');
