// What the console cannot show yet because the API does not offer it: skills, the hub, the scheduler.
import { href } from "../router";
import { Page } from "../ui";

export function NotInApi() {
  return (
    <Page title="Skills, hub and scheduler" ready={true}>
      <p>These parts of the console wait for their API: the service has no routes for them yet, and the console uses only the public API.</p>
      <ul>
        <li><strong>Skills</strong> (rendered <code>SKILL.md</code>, instantiate with a form): no <code>/v1/skills</code> route yet.</li>
        <li><strong>Hub</strong> (items awaiting approval): no hub routes yet.</li>
        <li><strong>Scheduler</strong> (tasks and budgets): no scheduler routes yet. Each cube's lifecycle runs (expire, archive, purge) are on the <a href={href(["settings"])}>Settings</a> page.</li>
      </ul>
      <p>Extraction jobs are on the <a href={href(["jobs"])}>Jobs</a> page.</p>
    </Page>
  );
}
