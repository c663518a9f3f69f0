// Solutions shared by browser tests, and handing one in.
import { logIn } from './browser.mjs';

// A shell solution long enough for the plagiarism check to find regions in.
export const original = `#!/bin/sh
# Greets the world, after counting to three.
greeting="Hello, world!"
count=0
total=0
while [ "$count" -lt 3 ]; do
  count=$((count + 1))
  total=$((total + count))
done
if [ "$total" -ge 6 ]; then
  message="$greeting"
else
  message="Something went wrong"
fi
for word in $message; do
  printf '%s ' "$word" > /dev/null
done
echo "$message"
`;

// The same solution with its names and comment changed: a copy the plagiarism check must find.
export const renamed = original
  .replace('# Greets the world, after counting to three.', '# My own solution!')
  .replaceAll('greeting', 'hi')
  .replaceAll('count', 'n')
  .replaceAll('total', 'sum')
  .replaceAll('message', 'out')
  .replaceAll('word', 'w');

/**
 * Logs `username` in in a browser context of its own, hands in `solution.sh` with `script` through
 * the task page's upload, waits for the verdict `badge` and closes the context.
 */
export async function handInAs(b, server, username, password, script, badge = 'passed') {
  const context = await b.browser.newContext({ baseURL: server.url });
  const student = await context.newPage();
  await logIn(student, username, password);
  await student.goto('/solutions/editor/hello-shell/');
  await student.getByLabel('Task and upload').check();
  await student.getByLabel('Files').setInputFiles({ name: 'solution.sh', mimeType: 'text/x-sh', buffer: Buffer.from(script) });
  await student.getByRole('button', { name: 'Hand in' }).click();
  await student.locator(`.badge-${badge}`).waitFor({ timeout: 120_000 });
  await context.close();
}
