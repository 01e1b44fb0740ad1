// Materializes an incremental-checkpoint base in a child process: argv[2] is an lmdb data file, argv[3] a
// directory to write `data.mdb` into. Once up, the process prints `ready`; the slot worker then pins the
// snapshot to copy (see `materialize` in lmdb-incremental-snapshot.ts), saves its two meta pages into the
// file argv[4] and answers `go <size>` on stdin; `copied` tells it when the pin is no longer needed. The first <size> bytes of the data file (its size at the
// pin) are copied with the saved meta pages in place of its first pages, so the copy's newest meta is the pinned transaction, whose pages the worker's
// open read transaction keeps unchanged; the copy is fsynced, then {"size","sha256"} of it is printed.
//
// This process must not open the environment with lmdb: the LMDB fork in lmdb-js stores the newest meta it
// reads into the shared lock region on every open, so an open racing a commit of the worker makes the
// worker's next write transaction start from the transaction before, silently dropping a committed batch.
// The copy and the hash are one pass over the data. A child process rather than a libuv thread of the
// worker: it dies with its worker (stdin below) and keeps the copy and the hash off the worker's JS thread.
import { createHash } from 'node:crypto';
import { closeSync, fsyncSync, openSync, readFileSync, readSync, writeSync } from 'node:fs';
import { join } from 'node:path';

// Dies with whoever started it: stdin is a pipe from the slot worker, and it ends when the worker thread
// goes (a job restart) or its process does (even by SIGKILL). An orphaned copy would otherwise run on,
// writing into a directory the next run sweeps.
process.stdin.on('end', () => process.kill(process.pid, 'SIGKILL'));
process.stdin.on('error', () => process.kill(process.pid, 'SIGKILL'));

const [src, dest, metaFile] = process.argv.slice(2);
let line = '';
let started = false;
process.stdin.setEncoding('latin1');
process.stdin.on('data', (d) => {
  line += d;
  const m = /^go (\d+)\n/.exec(line);
  if (m && !started) {
    started = true;
    copy(Number(m[1]));
  }
});
process.stdout.write('ready\n');

// `size`: the data file's size when the snapshot was pinned: it holds every page of it
function copy(size) {
  const metas = readFileSync(metaFile);
  const hash = createHash('sha256');
  const buf = Buffer.allocUnsafe(4 << 20);
  const from = openSync(src, 'r');
  const to = openSync(join(dest, 'data.mdb'), 'wx');
  for (let at = 0; at < size; ) {
    const want = Math.min(buf.length, size - at);
    let got = 0;
    while (got < want) {
      const n = readSync(from, buf, got, want - got, at + got);
      if (n === 0) throw new Error(`${src} ended at byte ${at + got}, before ${size}`);
      got += n;
    }
    if (at < metas.length) metas.copy(buf, 0, at, Math.min(metas.length, at + got)); // the pinned meta pages
    const chunk = buf.subarray(0, got);
    for (let off = 0; off < got; ) off += writeSync(to, chunk, off, got - off);
    hash.update(chunk);
    at += got;
  }
  closeSync(from);
  process.stdout.write('copied\n'); // the worker may unpin the snapshot now
  fsyncSync(to);
  closeSync(to);
  process.stdout.write(JSON.stringify({ size, sha256: hash.digest('hex') }), () => process.exit(0));
}
