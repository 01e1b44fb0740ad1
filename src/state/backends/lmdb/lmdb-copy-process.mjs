// Materializes an incremental-checkpoint base in a child process: a copy of the lmdb environment
// in argv[2] into the directory argv[3] (`data.mdb`), fsynced, then prints {"size","sha256"} of the file.
// A child process, not a libuv thread of the slot worker: a worker that dies while lmdb-js's own async copy
// is in flight aborts the whole process (its completion callback throws during the worker's teardown).
import { open } from 'lmdb';
import { createHash } from 'node:crypto';
import { createReadStream, openSync, fsyncSync, closeSync } from 'node:fs';
import { join } from 'node:path';

// Dies with whoever started it: stdin is a pipe from the slot worker, and it ends when the worker thread
// goes (a job restart) or its process does (even by SIGKILL). An orphaned copy would otherwise run on,
// writing into a directory the next run sweeps. The pipe does not keep this process alive.
process.stdin.on('end', () => process.kill(process.pid, 'SIGKILL'));
process.stdin.on('error', () => process.kill(process.pid, 'SIGKILL'));
process.stdin.resume();
process.stdin.unref?.();

const [src, dest] = process.argv.slice(2);
const env = open({ path: src, readOnly: true, maxDbs: 1024, mapSize: 2 ** 40, keyEncoding: 'binary', encoding: 'binary' });
await env.backup(dest, false); // not compacting: with lmdb 3.5 a compacted copy fails on later writes (mdb_page_alloc assertion)
await env.close();
const file = join(dest, 'data.mdb');
const fd = openSync(file, 'r+');
fsyncSync(fd);
closeSync(fd);
const hash = createHash('sha256');
let size = 0;
for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 })) {
  hash.update(chunk);
  size += chunk.length;
}
process.stdout.write(JSON.stringify({ size, sha256: hash.digest('hex') }));
