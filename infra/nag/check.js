#!/usr/bin/env node
// cdk-nag AwsSolutions review of a synthesized CloudFormation template.
//
//   node infra/nag/check.js <template.json> [--suppressions infra/nag/suppressions.json] [--json] [--show-suppressed]
//
// Our CDK app is C# and cdk-nag has no .NET package we can use, so instead of running the pack inside the app we load the
// template the C# app synthesized into a throwaway JS CDK app with CfnInclude (which rebuilds a typed L1 construct per
// resource, exactly what the rules inspect) and run AwsSolutionsChecks over that. Prints one JSON line per unsuppressed
// finding, then a summary (stderr; a JSON line on stdout with --json); --show-suppressed also prints the suppressed
// findings with their reasons. Exits 1 while any unsuppressed finding remains, 0 when none does, 2 on bad input.
'use strict';
const fs = require('fs');
const path = require('path');
const os = require('os');
const { App, Stack, DefaultStackSynthesizer } = require('aws-cdk-lib');
const { CfnInclude } = require('aws-cdk-lib/cloudformation-include');
const { AwsSolutionsChecks } = require('cdk-nag');

function usage(message) {
  if (message) console.error(`check.js: ${message}`);
  console.error('usage: node check.js <template.json> [--suppressions <file>] [--json] [--show-suppressed]');
  process.exit(2);
}

const args = process.argv.slice(2);
let templateFile;
let suppressionsFile;
let jsonOnly = false;
let showSuppressed = false;
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--suppressions') suppressionsFile = args[++i] ?? usage('--suppressions needs a file');
  else if (args[i] === '--json') jsonOnly = true;
  else if (args[i] === '--show-suppressed') showSuppressed = true;
  else if (args[i].startsWith('-')) usage(`unknown option ${args[i]}`);
  else if (templateFile) usage('one template at a time');
  else templateFile = args[i];
}
if (!templateFile) usage();

// --- Suppressions ---------------------------------------------------------------------------------------------------
// infra/nag/suppressions.json is the one place a finding may be accepted. An entry:
//   { "id": "AwsSolutions-IAM5", "reason": "...", "logicalId": "...", "resourceType": "...", "path": "...", "appliesTo": [...] }
// - id: the rule. Without appliesTo it also covers all of the rule's granular findings ("AwsSolutions-IAM5[...]").
// - reason: mandatory, at least 10 characters: a suppression nobody can justify is a finding.
// - logicalId, resourceType, path: optional globs (* = any run of characters, ? = one), whole-value match, a string
//   or a list (any one matches). path is the resource's aws:cdk:path from the C# app ("ECommerceAgents-dev/Search/*"),
//   which is how a suppression is limited to one stage.
// - appliesTo: for granular rules (IAM4, IAM5, OS9...), the findings covered: exact strings, as cdk-nag prints them
//   ("Action::s3:List*" -- the * there is literal), or { "regex": "..." } matched against the whole finding.
// All given conditions must hold; the first entry that matches wins.
const glob = (pattern) => new RegExp('^' + pattern.split('').map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[\\^$.|+()[\]{}]/g, '\\$&'))).join('') + '$', 's');
const globs = (value) => (value === undefined ? null : [].concat(value).map(glob));
const findingMatchers = (value) => (value === undefined ? null : [].concat(value).map((a) => (typeof a === 'string'
  ? (detail) => detail === a
  : (detail) => new RegExp(`^(?:${a.regex})$`, 's').test(detail))));

function loadSuppressions(file) {
  if (!file) return [];
  const raw = JSON.parse(fs.readFileSync(file, 'utf8'));
  const list = Array.isArray(raw) ? raw : raw.suppressions;
  if (!Array.isArray(list)) usage(`${file}: expected an array or { "suppressions": [...] }`);
  return list.map((s, i) => {
    const where = `${file}: suppression #${i} (${s.id ?? 'no id'})`;
    if (typeof s.id !== 'string' || !/^AwsSolutions-[A-Za-z0-9]+$/.test(s.id)) usage(`${where}: id must be a rule id like AwsSolutions-IAM5`);
    if (typeof s.reason !== 'string' || s.reason.trim().length < 10) usage(`${where}: a reason of at least 10 characters is required`);
    const extra = Object.keys(s).filter((k) => !['id', 'reason', 'logicalId', 'resourceType', 'path', 'appliesTo'].includes(k));
    if (extra.length) usage(`${where}: unknown field(s) ${extra.join(', ')}`);
    for (const a of [].concat(s.appliesTo ?? [])) {
      if (typeof a !== 'string' && typeof a?.regex !== 'string') usage(`${where}: appliesTo entries are strings or { "regex": "..." }`);
    }
    return { ...s, index: i, logicalIdRe: globs(s.logicalId), typeRe: globs(s.resourceType), pathRe: globs(s.path), findings: findingMatchers(s.appliesTo), used: 0 };
  });
}

function suppressionFor(finding, suppressions) {
  const [, base, detail] = /^([^[]+)(?:\[(.*)\])?$/s.exec(finding.rule);
  const any = (res, value) => !res || res.some((re) => re.test(value ?? ''));
  return suppressions.find((s) => s.id === base
    && any(s.logicalIdRe, finding.logicalId)
    && any(s.typeRe, finding.resourceType)
    && any(s.pathRe, finding.cdkPath)
    && (!s.findings || (detail !== undefined && s.findings.some((f) => f(detail)))));
}

const suppressions = loadSuppressions(suppressionsFile);

// --- Template -------------------------------------------------------------------------------------------------------
const template = JSON.parse(fs.readFileSync(templateFile, 'utf8'));
// Keep each resource's construct path from the C# app (aws:cdk:path) so a finding names the construct to fix.
const cdkPaths = Object.fromEntries(Object.entries(template.Resources ?? {}).map(([id, r]) => [id, r.Metadata?.['aws:cdk:path']]));
// CfnInclude takes the template whole: Metadata, Conditions, Mappings, Outputs and the CDKMetadata resource (an
// untyped CfnResource no rule looks at) all pass through. The one clash is the bootstrap check: the template already
// has the BootstrapVersion parameter and CheckBootstrapVersion rule, and a new Stack's default synthesizer adds the same
// pair ("section 'Parameters' already contains 'BootstrapVersion'"), so this stack's synthesizer is told not to.
// builtinCloudFormationValidation off: CDK's bundled template validator takes ~20 s here and duplicates cfn-lint,
// which the project already runs on these templates.
const app = new App({ outdir: fs.mkdtempSync(path.join(os.tmpdir(), 'nag-')), builtinCloudFormationValidation: false });
const stack = new Stack(app, 'Nag', { synthesizer: new DefaultStackSynthesizer({ generateBootstrapVersionRule: false }) });
const include = new CfnInclude(stack, 'Template', { templateFile });

const resources = new Map(); // construct path -> { logicalId, resourceType }
for (const logicalId of Object.keys(template.Resources ?? {})) {
  const r = include.getResource(logicalId);
  resources.set(r.node.path, { logicalId, resourceType: r.cfnResourceType });
}

// Synthesize in memory first: proves the included template renders back (every resource present) before we trust the
// rules' view of it. Validation plugins are not registered on the app, so synth runs none of them.
const out = app.synth().getStackByName(stack.stackName).template;
const lost = Object.keys(template.Resources ?? {}).filter((id) => !(id in (out.Resources ?? {})));
if (lost.length) {
  console.error(`check.js: CfnInclude dropped ${lost.length} resource(s): ${lost.join(', ')}`);
  process.exit(2);
}

// cdk-nag 3 is a policy-validation plugin; validateScope runs it straight over the tree and returns the violations
// (grouped by rule, each with the construct paths). verbose adds the rule's explanation to each message.
const report = new AwsSolutionsChecks(undefined, { verbose: true }).validateScope(stack);

const findings = [];
const suppressed = [];
for (const v of report.violations) {
  for (const r of v.violatingResources) {
    const res = resources.get(r.constructPath) ?? { logicalId: r.constructPath, resourceType: 'unknown' };
    const finding = {
      rule: v.ruleName,
      level: v.severity,
      logicalId: res.logicalId,
      resourceType: res.resourceType,
      message: v.description,
      cdkPath: cdkPaths[res.logicalId],
    };
    const s = suppressionFor(finding, suppressions);
    if (s) {
      s.used++;
      suppressed.push({ ...finding, reason: s.reason });
    } else {
      findings.push(finding);
    }
  }
}

const order = (a, b) => a.rule.localeCompare(b.rule, 'en', { numeric: true }) || a.logicalId.localeCompare(b.logicalId);
findings.sort(order);
for (const f of findings) console.log(JSON.stringify(f));
if (showSuppressed) for (const f of suppressed.sort(order)) console.log(JSON.stringify({ suppressed: true, ...f }));

const count = (list, level) => list.filter((f) => f.level === level).length;
const byRule = {};
for (const f of findings) byRule[f.rule.replace(/\[.*$/s, '')] = (byRule[f.rule.replace(/\[.*$/s, '')] ?? 0) + 1;
const summary = {
  summary: true,
  template: templateFile,
  resources: resources.size,
  errors: count(findings, 'error'),
  warnings: count(findings, 'warning'),
  suppressed: suppressed.length,
  byRule,
  // Suppressions that matched nothing in this template: normal for stage-specific resources, but a list that never
  // matches anywhere has outlived its resource and should go.
  unusedSuppressions: suppressions.filter((s) => s.used === 0).map((s) => `#${s.index} ${s.id} ${[].concat(s.logicalId ?? s.path ?? '*').join('|')}`),
};
if (jsonOnly) {
  console.log(JSON.stringify(summary));
} else {
  console.error(`\n${templateFile}: ${resources.size} resources; ${summary.errors} error(s), ${summary.warnings} warning(s) unsuppressed; ${suppressed.length} suppressed`);
  for (const [rule, n] of Object.entries(byRule).sort((a, b) => a[0].localeCompare(b[0], 'en', { numeric: true }))) console.error(`  ${rule}: ${n}`);
  if (summary.unusedSuppressions.length) console.error(`  suppressions unused here: ${summary.unusedSuppressions.join('; ')}`);
}
fs.rmSync(app.outdir, { recursive: true, force: true });
// exitCode, not exit(): exit() would drop stdout still queued for a pipe (the output runs to hundreds of KB).
process.exitCode = findings.length > 0 ? 1 : 0;
