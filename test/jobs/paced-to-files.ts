// The tail of the broker chaos jobs: a map that burns `pace` ms per 100 records (so kills land mid-run),
// then the exactly-once FileSink under `outDir`. Operator uids are fixed so that runs restore each other.
import type { DataStream } from 'eddy';
import { FileSink } from 'eddy/connectors/file';

export function pacedToFiles(stream: DataStream<string>, pace: number, outDir: string): void {
  let seen = 0;
  stream
    .map((v: string) => {
      if (pace > 0 && ++seen % 100 === 0) {
        const until = performance.now() + pace;
        while (performance.now() < until);
      }
      return v;
    })
    .uid('pace')
    .sinkTo(FileSink.forRowFormat<string>(outDir).build())
    .uid('out');
}
