// What the console cannot show yet because the API does not offer it: skills and the hub.
import { href } from "../router";
import { Page } from "../ui";

export function NotInApi() {
  return (
    <Page title="Skills and hub" ready={true}>
      <p>These parts of the console wait for their API: the service has no routes for them yet, and the console uses only the public API.</p>
      <ul>
        <li><strong>Skills</strong> (rendered <code>SKILL.md</code>, instantiate with a form): no <code>/v1/skills</code> route yet.</li>
        <li><strong>Hub</strong> (items awaiting approval): no hub routes yet.</li>
      </ul>
      <p>Extraction jobs are on the <a href={href(["jobs"])}>Jobs</a> page; each cube's tasks and budget on the <a href={href(["scheduler"])}>Scheduler</a> page.</p>
    </Page>
  );
}
