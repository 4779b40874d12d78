/**
 * The README's set-up: exactly two commands, and the test command installs the same Debian packages
 * as `.ci/run` (so a newcomer's first `npm test` on a fresh machine has every oracle it needs).
 */
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";

const root = path.resolve(__dirname, "../../..");

describe("README", () => {
  const readme = fs.readFileSync(path.join(root, "README.md"), "utf8");
  const setup = readme.slice(readme.indexOf("## Set-up"), readme.indexOf("\n## ", readme.indexOf("## Set-up") + 1));
  const commands = [...setup.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]!.trim());

  it("gives exactly two set-up commands: build the course, and install the test prerequisites then test", () => {
    assert.deepEqual(commands.length, 2, setup);
    assert.equal(commands[0], "npm ci && npm run lessons");
    assert.match(commands[1]!, /^apt-get install -y --no-install-recommends [a-z0-9 .+-]+ && npm test$/);
  });

  it("installs the same Debian packages as .ci/run", () => {
    const ci = fs.readFileSync(path.join(root, ".ci/run"), "utf8");
    const ciPackages = /^packages=\(([^)]*)\)/m.exec(ci)![1]!.trim().split(/\s+/).sort();
    const readmePackages = /--no-install-recommends (.*) && npm test/.exec(commands[1]!)![1]!.split(/\s+/).sort();
    assert.deepEqual(readmePackages, ciPackages);
  });
});
