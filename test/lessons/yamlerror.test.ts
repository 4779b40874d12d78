/**
 * A YAML syntax error in a cell names the line within the YAML and the cell's own line, with a caret under
 * the mistake — not the line of the `cluster.apply(` call. Table-driven over where the YAML starts.
 */
import * as assert from "node:assert/strict";
import * as path from "node:path";
import { KernelClient } from "../../tools/course/jupyter-client";
import { repoRoot } from "./tools";

const pod = (indent: string): string => `apiVersion: v1
kind: Pod
metadata: { name: db-3 }
spec:
  containers:
    - name: postgres
      image: postgres:16
${indent}ports: [{ containerPort: 5432 }]`;

const cases: { name: string; cell: string; yamlLine: number; cellLine: number; column: number; text: string }[] = [
  {
    name: "YAML on the call's line, two code lines before it",
    cell: `const a = 1;\nconst b = 2;\ncluster.apply(\`${pod("     ")}\n\`);`,
    yamlLine: 8,
    cellLine: 10,
    column: 6,
    text: "     ports: [{ containerPort: 5432 }]",
  },
  {
    name: "YAML starting on the line after the backtick",
    cell: `cluster.apply(\`\n${pod("     ")}\n\`);`,
    yamlLine: 9,
    cellLine: 9,
    column: 6,
    text: "     ports: [{ containerPort: 5432 }]",
  },
  {
    name: "a key without its colon on the first YAML line",
    cell: `// one\ncluster.apply(\`apiVersion v1\nkind: Pod\n\`);`,
    yamlLine: 1,
    cellLine: 2,
    column: 16,
    text: "cluster.apply(`apiVersion v1",
  },
];

describe("lessons: YAML syntax errors point into the cell", function () {
  this.timeout(120_000);
  let kernel: KernelClient;
  before(async () => {
    kernel = await KernelClient.start({ cwd: path.join(repoRoot(), "notebooks") });
    const r = await kernel.runCell(`import { Cluster } from "kubelab";\nconst cluster = new Cluster({ nodes: 1, seed: 1 });`, 60_000);
    assert.equal(r.reply.content["status"], "ok");
  });
  after(async () => kernel?.shutdown());

  for (const c of cases)
    it(c.name, async () => {
      const reply = (await kernel.runCell(c.cell, 60_000)).reply.content;
      assert.equal(reply["status"], "error");
      assert.equal(reply["ename"], "ManifestSyntaxError");
      const n = Number(reply["execution_count"]);
      const evalue = String(reply["evalue"]);
      assert.match(evalue, new RegExp(`^error parsing YAML: document 1, line ${c.yamlLine}, column \\d+: .* \\(In\\[${n}\\]:${c.cellLine}:${c.column}\\)$`));
      const tb = (reply["traceback"] as string[]).join("\n");
      const frame = `> ${c.cellLine} | ${c.text}\n  ${" ".repeat(String(c.cellLine).length)} | ${" ".repeat(c.column - 1)}^`;
      assert.ok(tb.includes(frame), `no caret under the mistake:\n${tb}\n--- want ---\n${frame}`);
    });
});
