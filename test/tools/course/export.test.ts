/**
 * The pure parts of the lesson export: markdown → HTML (markdown-it), markup sanitising (sanitize-html),
 * IOPub → nbformat outputs, and the page/index builders. Table-driven; no kernel, no browser.
 */
import * as assert from "node:assert/strict";
import { renderMarkdown } from "../../../tools/course/markdown";
import { sanitizeMarkup } from "../../../tools/course/sanitize";
import { OutputCollector } from "../../../tools/course/outputs";
import { indexHtml, learningGoals, notebookHtml, notebookTitle, pageHref } from "../../../tools/course/export";
import { parseNotebook, type Notebook, type Output } from "../../../tools/course/notebook";
import { stripAnsi } from "../../../tools/course/text";
import type { Message } from "../../../kernel/wire";

const md = (src: string): string => renderMarkdown(src, { rewriteHref: pageHref });

describe("course: markdown (markdown-it)", () => {
  const cases: [string, string, string][] = [
    ["ATX headings with ids", "# Services\n## Try *it* ##", '<h1 id="services">Services</h1>\n<h2 id="try-it">Try <em>it</em></h2>'],
    ["setext headings", "Title\n=====\nSub\n---", '<h1 id="title">Title</h1>\n<h2 id="sub">Sub</h2>'],
    ["duplicate heading ids get a suffix", "# A\n# A", '<h1 id="a">A</h1>\n<h1 id="a-1">A</h1>'],
    ["paragraphs and soft breaks", "one\ntwo\n\nthree", "<p>one\ntwo</p>\n<p>three</p>"],
    ["hard breaks", "a  \nb\\\nc", "<p>a<br />\nb<br />\nc</p>"],
    ["emphasis and strong", "*a* _b_ **c** __d__ ***e*** ~~f~~", "<p><em>a</em> <em>b</em> <strong>c</strong> <strong>d</strong> <em><strong>e</strong></em> <s>f</s></p>"],
    ["intraword underscores and spaced stars stay literal", "KUBE_SVC_X snake_case 2 * 3 * 4", "<p>KUBE_SVC_X snake_case 2 * 3 * 4</p>"],
    ["code spans keep markup and escape HTML", "`a*b*<i>` ``x ` y``", "<p><code>a*b*&lt;i&gt;</code> <code>x ` y</code></p>"],
    ["backslash escapes", "\\*not em\\* \\[x\\]", "<p>*not em* [x]</p>"],
    ["fenced code with language, escaped", "```ts\nif (a < b && c) {}\n```", '<pre><code class="language-ts">if (a &lt; b &amp;&amp; c) {}\n</code></pre>'],
    ["tilde fence, unclosed runs to the end", "~~~\nx\n", "<pre><code>x\n</code></pre>"],
    ["indented code", "    $ kubectl get pods\n    NAME", "<pre><code>$ kubectl get pods\nNAME\n</code></pre>"],
    ["tight bullet list with nesting", "- a\n- b\n  - c\n- d", "<ul>\n<li>a</li>\n<li>b\n<ul>\n<li>c</li>\n</ul>\n</li>\n<li>d</li>\n</ul>"],
    ["loose list", "- a\n\n- b", "<ul>\n<li>\n<p>a</p>\n</li>\n<li>\n<p>b</p>\n</li>\n</ul>"],
    ["ordered list with start", "3. x\n4. y", '<ol start="3">\n<li>x</li>\n<li>y</li>\n</ol>'],
    ["list after a paragraph", "Goals:\n- one\n- two", "<p>Goals:</p>\n<ul>\n<li>one</li>\n<li>two</li>\n</ul>"],
    ["links, titles and rewritten notebook links", '[k8s](https://kubernetes.io "docs") [next](02-services.ipynb#goals)', '<p><a href="https://kubernetes.io" title="docs">k8s</a> <a href="02-services.html#goals">next</a></p>'],
    ["javascript: links stay text", "[x](javascript:alert(1))", "<p>[x](javascript:alert(1))</p>"],
    ["images and autolinks", "![a *b*](pic.png) <https://x.io/p>", '<p><img src="pic.png" alt="a b" /> <a href="https://x.io/p">https://x.io/p</a></p>'],
    ["tables with alignment", "| a | b |\n|:-|-:|\n| `1` | **2** |", '<table>\n<thead>\n<tr>\n<th style="text-align:left">a</th>\n<th style="text-align:right">b</th>\n</tr>\n</thead>\n<tbody>\n<tr>\n<td style="text-align:left"><code>1</code></td>\n<td style="text-align:right"><strong>2</strong></td>\n</tr>\n</tbody>\n</table>'],
    ["blockquote with lazy continuation and a list", "> note **x**\nlazy\n> - y", "<blockquote>\n<p>note <strong>x</strong>\nlazy</p>\n<ul>\n<li>y</li>\n</ul>\n</blockquote>"],
    ["thematic break", "a\n\n***\n\nb", "<p>a</p>\n<hr />\n<p>b</p>"],
    ["scripts show as text, event handlers are dropped", '<script>alert(1)</script> <img src=x onerror="y">', '&lt;script&gt;alert(1)&lt;/script&gt; <img src="x" />'],
    [
      "raw HTML: unsafe URLs, handlers and styles are dropped, unknown tags show as text",
      'a <a href="javascript:x" onclick="y">l</a> <a href=" jav&#x09;ascript:x">w</a> <span style="color:red">s</span> <iframe src="https://e"></iframe> <img src="javascript:x">',
      "<p>a <a>l</a> <a>w</a> <span>s</span> &lt;iframe&gt;&lt;/iframe&gt; <img /></p>",
    ],
    ["harmless tags pass, entities are kept", "<kbd>Shift</kbd>+<kbd>Enter</kbd> &amp; &copy; a & b", "<p><kbd>Shift</kbd>+<kbd>Enter</kbd> &amp; © a &amp; b</p>"],
    ["details/summary blocks for hints", "<details>\n<summary>Hint</summary>\n\nUse `scale`.\n\n</details>", "<details>\n<summary>Hint</summary>\n<p>Use <code>scale</code>.</p>\n</details>"],
  ];
  for (const [name, input, want] of cases) {
    it(name, () => assert.equal(md(input), want));
  }
});

describe("course: sanitising inline SVG and HTML (sanitize-html)", () => {
  const cases: [string, string, string, string?][] = [
    ["script elements", '<svg><script>alert(1)</script><g/></svg>', "<svg><g></g></svg>"],
    ["spliced script tags leave only inert text", "<svg><scr<script></script>ipt>x()</script></svg>", "<svg>ipt&gt;x()</svg>"],
    ["event handlers, any case and quoting", `<svg onload="a()"><rect ONCLICK='b()' onmouseover=c() width="1"/></svg>`, '<svg><rect width="1"></rect></svg>'],
    ["javascript: links", '<svg><a href="javascript:x()"><text>t</text></a><a xlink:href=" jav&#x09;ascript:x"/></svg>', "<svg><a><text>t</text></a><a></a></svg>"],
    ["remote images and references", '<svg><image href="https://evil.example/x.png" width="5"/><use href="https://evil.example/s.svg#a"/><use href="//evil.example/s.svg#a"/></svg><img src="https://evil.example/p.png">', '<svg><image width="5"></image><use></use><use></use></svg><img />'],
    ["inline images stay", '<img src="data:image/png;base64,AA==">', '<img src="data:image/png;base64,AA==" />'],
    ["styles that fetch are dropped, others kept as written", '<div style="background:url(https://e/x.png)">a</div><div style="color:red;">b</div><svg><path style="fill:url(#g)" d=""/></svg>', '<div>a</div><div style="color:red;">b</div><svg><path style="fill:url(#g)" d=""></path></svg>'],
    ["frames, objects, forms and style elements are removed", '<iframe src="x"></iframe><object data="x"></object><embed src="x"><form action="javascript:x"><input></form><style>body{display:none}</style><p>ok</p>', "<p>ok</p>"],
    ["xml prolog and doctype", '<?xml version="1.0"?><!DOCTYPE svg><svg/>', "<svg></svg>"],
    ["ids are prefixed with their references", '<svg><path marker-end="url(#m)"/><marker id="m"/><use href="#m"/><use href="#elsewhere"/></svg>', '<svg><path marker-end="url(#p-m)"></path><marker id="p-m"></marker><use href="#p-m"></use><use href="#elsewhere"></use></svg>', "p-"],
    ["quoted '>' in attributes does not end the tag early", '<svg><text data-x="a>b" onclick="x()">t</text></svg>', '<svg><text data-x="a&gt;b">t</text></svg>'],
    ["SVG attribute case is kept", '<svg viewBox="0 0 1 1"><clipPath clipPathUnits="userSpaceOnUse"/></svg>', '<svg viewBox="0 0 1 1"><clippath clipPathUnits="userSpaceOnUse"></clippath></svg>'],
  ];
  for (const [name, input, want, prefix] of cases) {
    it(name, () => assert.equal(sanitizeMarkup(input, prefix === undefined ? {} : { idPrefix: prefix }), want));
  }
});

function msg(type: string, content: Record<string, unknown>): Message {
  return { identities: [], header: { msg_id: "m", session: "s", username: "u", date: "", msg_type: type, version: "5.3" }, parent_header: {}, metadata: {}, content, buffers: [] };
}

describe("course: IOPub messages → nbformat outputs", () => {
  it("coalesces streams, keeps the execution count, and updates displays across cells", () => {
    const sink = new OutputCollector();
    const cell1: Output[] = [];
    sink.add(cell1, msg("execute_input", { execution_count: 1, code: "" }));
    sink.add(cell1, msg("stream", { name: "stdout", text: "a\n" }));
    sink.add(cell1, msg("stream", { name: "stdout", text: "b\n" }));
    sink.add(cell1, msg("stream", { name: "stderr", text: "warn\n" }));
    sink.add(cell1, msg("display_data", { data: { "text/plain": "v1" }, metadata: {}, transient: { display_id: "d" } }));
    sink.add(cell1, msg("execute_result", { execution_count: 1, data: { "text/plain": "42" }, metadata: {} }));
    const cell2: Output[] = [];
    sink.add(cell2, msg("update_display_data", { data: { "text/plain": "v2" }, metadata: {}, transient: { display_id: "d" } }));
    sink.add(cell2, msg("status", { execution_state: "idle" }));
    assert.deepEqual(cell1, [
      { output_type: "stream", name: "stdout", text: "a\nb\n" },
      { output_type: "stream", name: "stderr", text: "warn\n" },
      { output_type: "display_data", data: { "text/plain": "v2" }, metadata: {} },
      { output_type: "execute_result", execution_count: 1, data: { "text/plain": "42" }, metadata: {} },
    ]);
    assert.deepEqual(cell2, []);
  });

  it("clear_output(wait) clears when the next output arrives; clear_output() at once", () => {
    const sink = new OutputCollector();
    const out: Output[] = [];
    sink.add(out, msg("stream", { name: "stdout", text: "old\n" }));
    sink.add(out, msg("clear_output", { wait: true }));
    assert.equal(out.length, 1);
    sink.add(out, msg("stream", { name: "stdout", text: "new\n" }));
    assert.deepEqual(out, [{ output_type: "stream", name: "stdout", text: "new\n" }]);
    sink.add(out, msg("display_data", { data: { "text/plain": "x" }, metadata: {}, transient: { display_id: "gone" } }));
    sink.add(out, msg("clear_output", { wait: false }));
    assert.deepEqual(out, []);
    // A cleared display is no longer updated.
    sink.add(out, msg("update_display_data", { data: { "text/plain": "y" }, metadata: {}, transient: { display_id: "gone" } }));
    assert.deepEqual(out, []);
  });

  it("errors become error outputs; ANSI escapes are stripped for display", () => {
    const sink = new OutputCollector();
    const out: Output[] = [];
    sink.add(out, msg("error", { ename: "TypeError", evalue: "x", traceback: ["\u001b[31mTypeError\u001b[0m: x"] }));
    assert.deepEqual(out, [{ output_type: "error", ename: "TypeError", evalue: "x", traceback: ["\u001b[31mTypeError\u001b[0m: x"] }]);
    assert.equal(stripAnsi("\u001b[1;31mTypeError\u001b[0m: x\u001b]8;;http://a\u0007link\u001b]8;;\u0007"), "TypeError: xlink");
  });
});

function nb(cells: Notebook["cells"]): Notebook {
  return { nbformat: 4, nbformat_minor: 5, metadata: {}, cells };
}

describe("course: pages", () => {
  const spec = { $schema: "https://vega.github.io/schema/vega-lite/v5.json", mark: "bar", data: { values: [{ a: 1 }] }, encoding: { x: { field: "a", type: "quantitative" } } };
  const vega = { vega: "/*vega*/", vegaLite: "/*vl*/", vegaEmbed: "/*embed </script> <!-- */" };
  const executed = nb([
    { cell_type: "markdown", id: "t", metadata: {}, source: ["# The *control* plane\n", "\n", "## Learning goals\n", "- name the parts\n", "### detail\n", "more\n", "## Next\n", "x"] },
    {
      cell_type: "code",
      id: "c1",
      metadata: {},
      execution_count: 3,
      source: 'display("<b>")',
      outputs: [
        { output_type: "stream", name: "stdout", text: "<b>\u001b[32mok\u001b[0m\n" },
        { output_type: "display_data", data: { "application/vnd.vegalite.v5+json": spec, "image/svg+xml": '<svg id="s" onload="x()"><rect width="9" height="9"/></svg>', "text/plain": "chart" }, metadata: {} },
        { output_type: "execute_result", execution_count: 3, data: { "image/svg+xml": "<svg><g/></svg>", "text/vnd.mermaid": "sequenceDiagram", "text/plain": "seq" }, metadata: {} },
        { output_type: "display_data", data: { "text/html": "<table><tr><td>1</td></tr></table>", "text/plain": "t" }, metadata: {} },
        { output_type: "display_data", data: { "text/vnd.mermaid": "graph", "text/plain": "only text" }, metadata: {} },
        { output_type: "error", ename: "Error", evalue: "boom", traceback: ["\u001b[31mError\u001b[0m: boom", "    at In[3]:1:1"] },
      ],
    },
  ]);
  const page = notebookHtml(executed, { name: "01.ipynb", vega, index: { href: "index.html", title: "Contents" } });

  it("takes the title from the first H1 and the goals from the Learning goals section", () => {
    assert.equal(notebookTitle(executed, "01.ipynb"), "The control plane");
    assert.equal(notebookTitle(nb([]), "02-x.ipynb"), "02-x");
    assert.equal(learningGoals(executed), "- name the parts\n### detail\nmore");
    assert.equal(learningGoals(nb([])), undefined);
    const bold = nb([{ cell_type: "markdown", metadata: {}, source: "# T\n\nIntro.\n\n**Learning goals**\n\n- one\n- two\n  continued\n\n- three\n\nEverything here runs offline." }]);
    assert.equal(learningGoals(bold), "- one\n- two\n  continued\n\n- three");
    assert.match(page, /<title>The control plane<\/title>/);
  });

  it("picks the richest MIME type per output", () => {
    assert.match(page, /<div class="kl-chart"><div class="kl-vega" data-spec="cell-c1-o2-spec" data-mode="vega-lite"><\/div><div class="kl-fallback"><div class="kl-svg"><svg id="cell-c1-o2-s"><rect/);
    assert.match(page, /Out \[3\]:<\/div><div class="kl-output-body"><div class="kl-svg"><svg><g><\/g><\/svg><\/div>/);
    assert.ok(!page.includes("sequenceDiagram"), "mermaid is ignored when an SVG is present");
    assert.match(page, /<div class="kl-html"><table><tr><td>1<\/td><\/tr><\/table><\/div>/);
    assert.match(page, /<pre class="kl-text">only text<\/pre>/);
    assert.match(page, /<pre class="kl-stream kl-stdout">&lt;b&gt;ok\n<\/pre>/);
    assert.match(page, /<div class="kl-error" role="alert"><pre>Error: boom\n    at In\[3\]:1:1<\/pre><\/div>/);
    assert.match(page, /<code class="language-typescript">display\(&quot;&lt;b&gt;&quot;\)<\/code>/);
    assert.ok(!page.includes("onload"));
  });

  it("inlines the spec as JSON and the libraries as scripts that cannot end early", () => {
    assert.ok(page.includes(`<script type="application/json" id="cell-c1-o2-spec">${JSON.stringify(spec)}</script>`));
    assert.ok(page.includes("/*embed <\\/script> <\\!-- */"));
    assert.equal(page.match(/<script>/g)?.length, 4, "vega, vega-lite, vega-embed, bootstrap: once each");
    const noCharts = notebookHtml(nb([{ cell_type: "markdown", metadata: {}, source: "# x" }]), { name: "x.ipynb", vega });
    assert.ok(!noCharts.includes("<script"), "pages without charts carry no scripts");
  });

  it("links the lesson to its live version in the JupyterLite site", () => {
    assert.ok(page.includes(`<p class="kl-run-live"><a href="../site/lab/index.html?path=01.ipynb">Run this lesson live in JupyterLab</a>`));
    const hosted = notebookHtml(executed, { name: "01.ipynb", vega, live: "https://course.example/lab/index.html?path=01.ipynb&x=1" });
    assert.ok(hosted.includes(`href="https://course.example/lab/index.html?path=01.ipynb&amp;x=1"`));
    assert.ok(!notebookHtml(executed, { name: "01.ipynb", vega, live: false }).includes(`<p class="kl-run-live"`));
  });

  it("loads nothing from the network", () => {
    const tags = page.replace(/<script\b[\s\S]*?<\/script>/g, "");
    assert.deepEqual(tags.match(/<(?!a\s)[a-z]+[^>]*\s(?:src|href)\s*=\s*"(?:https?:)?\/\/[^"]*"/gi) ?? [], []);
    assert.ok(!/@import|url\(\s*['"]?(?:https?:)?\/\//i.test(tags));
  });

  it("is a pure function of the notebook (byte-identical twice)", () => {
    assert.equal(notebookHtml(structuredClone(executed), { name: "01.ipynb", vega, index: { href: "index.html", title: "Contents" } }), page);
  });

  it("index links every lesson with its goals", () => {
    const html = indexHtml([
      { href: "01.html", title: "A <b>", name: "01.ipynb", goals: "- g1\n- g2" },
      { href: "02.html", title: "B", name: "02.ipynb" },
    ]);
    assert.match(html, /<a class="kl-lesson-link" href="01.html">A &lt;b&gt;<\/a>/);
    assert.match(html, /<a class="kl-lesson-link" href="02.html">B<\/a>/);
    assert.match(html, /<li>g1<\/li>\n<li>g2<\/li>/);
  });

  it("reading: malformed notebooks fail with their name", () => {
    assert.throws(() => parseNotebook("{", "bad.ipynb"), /bad\.ipynb: not a notebook \(invalid JSON/);
    assert.throws(() => parseNotebook('{"nbformat": 3, "cells": []}', "old.ipynb"), /old\.ipynb: nbformat 3 is not supported/);
    assert.throws(() => parseNotebook('{"nbformat": 4, "cells": [{"cell_type": "code"}]}', "x.ipynb"), /x\.ipynb: cell 1 has no text source/);
  });
});
