#!/usr/bin/env node
// Cuts GitHub's published REST description (pinned @octokit/openapi, api.github.com.json) down to the endpoints
// prowcov's metrics-bot calls, so that Prism starts in seconds and CI installs only @stoplight/prism-cli.
//
//   node trim-spec.mjs [out.json]        (default: github-contract.json next to this script)
//
// Besides trimming it makes three changes, each needed for Prism to check what GitHub checks:
// - each response that offers `application/json` also offers `application/vnd.github+json`, the Accept value
//   GitHub recommends (otherwise Prism answers 406);
// - an `Authorization` header apiKey scheme is required globally (the description declares none, so Prism would
//   accept unauthenticated requests);
// - `x-webhooks` is dropped (Prism stops with MissingPointerError on it), as is everything not referenced;
// - the list's `Link` response header is dropped: Prism serves a fixed `Link` to https://api.github.com/..., which
//   the bot rightly refuses to follow off the mock's host (pagination is tested against the in-process mock).
import { readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const pkgDir = dirname(require.resolve("@octokit/openapi/package.json"));
const pkg = JSON.parse(readFileSync(join(pkgDir, "package.json"), "utf8"));
const full = JSON.parse(readFileSync(join(pkgDir, "generated", "api.github.com.json"), "utf8"));
const out = process.argv[2] ?? join(here, "github-contract.json");

// The bot's calls: path -> methods. Methods not listed are left out, so Prism answers 405 to them (a DELETE from
// the bot would fail the contract test).
const CALLS = {
  "/user": ["get"],
  "/repos/{owner}/{repo}/issues/{issue_number}/comments": ["get", "post"],
  "/repos/{owner}/{repo}/issues/comments/{comment_id}": ["get", "patch"],
  "/repos/{owner}/{repo}/pulls/{pull_number}": ["get"],
  "/repos/{owner}/{repo}/statuses/{sha}": ["post"],
};
const VND = "application/vnd.github+json";

const paths = {};
for (const [path, methods] of Object.entries(CALLS)) {
  const item = full.paths[path];
  if (!item) throw new Error(`${path} is not in @octokit/openapi ${pkg.version}`);
  const kept = {};
  if (item.parameters) kept.parameters = item.parameters;
  for (const m of methods) {
    if (!item[m]) throw new Error(`${m.toUpperCase()} ${path} is not in @octokit/openapi ${pkg.version}`);
    kept[m] = item[m];
  }
  paths[path] = kept;
}

const listed = paths["/repos/{owner}/{repo}/issues/{issue_number}/comments"].get.responses["200"];
listed.headers = { ...listed.headers };
delete listed.headers.Link;
if (Object.keys(listed.headers).length === 0) delete listed.headers;

// Keep the components the kept paths reference, transitively.
const components = {};
const pending = [paths];
const seen = new Set();
while (pending.length > 0) {
  const node = pending.pop();
  if (node === null || typeof node !== "object") continue;
  for (const [key, value] of Object.entries(node)) {
    if (key === "$ref" && typeof value === "string" && !seen.has(value)) {
      seen.add(value);
      const [, , kind, name] = value.split("/"); // "#/components/<kind>/<name>"
      const target = full.components?.[kind]?.[name];
      if (target === undefined) throw new Error(`dangling reference ${value}`);
      (components[kind] ??= {})[name] = target;
      pending.push(target);
    } else {
      pending.push(value);
    }
  }
}

// Alias the vnd media type wherever a response (inline or shared) offers application/json.
function aliasVnd(response) {
  const content = response?.content;
  if (content?.["application/json"] && !content[VND]) content[VND] = content["application/json"];
}
for (const item of Object.values(paths)) {
  for (const [method, op] of Object.entries(item)) {
    if (method === "parameters") continue;
    for (const response of Object.values(op.responses ?? {})) aliasVnd(response);
  }
}
for (const response of Object.values(components.responses ?? {})) aliasVnd(response);

components.securitySchemes = {
  authorization: { type: "apiKey", in: "header", name: "Authorization" },
};

const sortKeys = (o) => Object.fromEntries(Object.entries(o).sort(([a], [b]) => a.localeCompare(b)));
for (const kind of Object.keys(components)) components[kind] = sortKeys(components[kind]);

const trimmed = {
  openapi: full.openapi,
  info: {
    ...full.info,
    description: `${full.info.description ?? ""}. Trimmed to prowcov's calls by scripts/github-contract/trim-spec.mjs from @octokit/openapi ${pkg.version}.`.trim(),
  },
  servers: full.servers,
  security: [{ authorization: [] }],
  paths,
  components: sortKeys(components),
};
writeFileSync(out, JSON.stringify(trimmed) + "\n");
console.error(
  `${out}: ${Object.keys(paths).length} paths, ${seen.size} components, from @octokit/openapi ${pkg.version}`,
);
