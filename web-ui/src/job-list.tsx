/** The job list: GET /jobs/overview, polled every second; a row opens the job's page. */
import { fmtDuration, fmtTime, usePoll, type JobSummary } from './api.ts';

export function JobList() {
  const { data, error } = usePoll<{ jobs: JobSummary[] }>('/jobs/overview', 1000);
  return (
    <section>
      <h1>Jobs</h1>
      {error && <p class="error">{error}</p>}
      {data && data.jobs.length === 0 && <p class="muted">No jobs. Start one with <code>eddy run job.ts</code>.</p>}
      {data && data.jobs.length > 0 && (
        <table class="grid" id="job-list">
          <thead>
            <tr><th>Name</th><th>State</th><th>Started</th><th>Duration</th><th>Tasks</th><th>Job id</th></tr>
          </thead>
          <tbody>
            {[...data.jobs].sort((a, b) => b['start-time'] - a['start-time']).map((j) => (
              <tr key={j.jid} class="link" data-jid={j.jid} onClick={() => (location.hash = `#/jobs/${j.jid}`)}>
                <td><a href={`#/jobs/${j.jid}`}>{j.name}</a></td>
                <td><span class={`state state-${j.state}`}>{j.state}</span></td>
                <td>{fmtTime(j['start-time'])}</td>
                <td>{fmtDuration(j.duration)}</td>
                <td>{j.tasks.running ?? 0} running / {j.tasks.total ?? 0}</td>
                <td class="mono">{j.jid}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
