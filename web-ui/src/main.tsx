/**
 * The eddy Web UI: a static single-page app (preact) over the REST API of the process that runs the jobs.
 * Routes live in the URL's hash (`#/`, `#/jobs/<jid>/<tab>`), so the server only serves files.
 */
import { render } from 'preact';
import { useEffect, useErrorBoundary, useState } from 'preact/hooks';
import { JobList } from './job-list.tsx';
import { JobPage } from './job-page.tsx';
import './style.css';

function useHash(): string {
  const [hash, setHash] = useState(location.hash);
  useEffect(() => {
    const on = () => setHash(location.hash);
    addEventListener('hashchange', on);
    return () => removeEventListener('hashchange', on);
  }, []);
  return hash;
}

function App() {
  const hash = useHash();
  // A page that throws while rendering shows the error (and a way back) instead of a half-updated DOM.
  const [failure, reset] = useErrorBoundary();
  useEffect(() => reset(), [hash]);
  const m = /^#\/jobs\/([^/]+)(?:\/([a-z-]+))?/.exec(hash);
  return (
    <>
      <header class="top">
        <a href="#/" class="brand">eddy</a>
        <span class="sub">stream processing · Web UI</span>
      </header>
      <main>
        {failure ? (
          <p class="error">
            This page failed: {String((failure as Error).message ?? failure)} <button onClick={reset}>Retry</button>
          </p>
        ) : m ? (
          <JobPage jid={m[1]!} tab={m[2] ?? 'overview'} />
        ) : (
          <JobList />
        )}
      </main>
    </>
  );
}

render(<App />, document.getElementById('app')!);
