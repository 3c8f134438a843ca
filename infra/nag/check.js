#!/usr/bin/env node
// cdk-nag AwsSolutions review of synthesized CloudFormation templates.
//
//   node infra/nag/check.js <template.json>... [--suppressions infra/nag/suppressions.json] [--json] [--show-suppressed]
//                           [--fail-on-unused]
//
// Our CDK app is C# and cdk-nag has no .NET package we can use, so instead of running the pack inside the app we load the
// template the C# app synthesized into a throwaway JS CDK app with CfnInclude (which rebuilds a typed L1 construct per
// resource, exactly what the rules inspect) and run AwsSolutionsChecks over that. Several templates (the stages) are
// checked in one process, each in its own app, so the ~2 s of loading aws-cdk-lib and cdk-nag is paid once. Prints one
// JSON line per unsuppressed finding, then a summary per template (stderr; a JSON line on stdout with --json);
// --show-suppressed also prints the suppressed findings with their reasons. --fail-on-unused: a suppression that
// matches nothing in any of the templates given fails the run (give it every stage, or stage-specific entries fail).
// Exits 1 while any unsuppressed finding remains (or, with --fail-on-unused, an unused suppression), 0 otherwise, 2 on
// bad input.
'use strict';
const fs = require('fs');
const path = require('path');
const os = require('os');
const { App, Stack, DefaultStackSynthesizer } = require('aws-cdk-lib');
const { CfnInclude } = require('aws-cdk-lib/cloudformation-include');
const { AwsSolutionsChecks } = require('cdk-nag');

function usage(message) {
  if (message) console.error(`check.js: ${message}`);
  console.error('usage: node check.js <template.json>... [--suppressions <file>] [--json] [--show-suppressed] [--fail-on-unused]');
  process.exit(2);
}

const args = process.argv.slice(2);
const templateFiles = [];
let suppressionsFile;
let jsonOnly = false;
let showSuppressed = false;
let failOnUnused = false;
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--suppressions') suppressionsFile = args[++i] ?? usage('--suppressions needs a file');
  else if (args[i] === '--json') jsonOnly = true;
  else if (args[i] === '--show-suppressed') showSuppressed = true;
  else if (args[i] === '--fail-on-unused') failOnUnused = true;
  else if (args[i].startsWith('-')) usage(`unknown option ${args[i]}`);
  else templateFiles.push(args[i]);
}
if (templateFiles.length === 0) usage();
if (failOnUnused && !suppressionsFile) usage('--fail-on-unused needs --suppressions');

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
// Each condition is kept as a list of items ({ label, test, hits }), so a run can tell which glob or appliesTo item of
// an entry never matched: a list that has grown stale is trimmed item by item, not only entry by entry.
const glob = (pattern) => new RegExp('^' + pattern.split('').map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[\\^$.|+()[\]{}]/g, '\\$&'))).join('') + '$', 's');
const globs = (field, value) => (value === undefined ? null : [].concat(value).map((g) => {
  const re = glob(g);
  return { label: `${field} ${JSON.stringify(g)}`, test: (v) => re.test(v ?? ''), hits: 0 };
}));
const findingMatchers = (value) => (value === undefined ? null : [].concat(value).map((a) => {
  if (typeof a === 'string') return { label: `appliesTo ${JSON.stringify(a)}`, test: (detail) => detail === a, hits: 0 };
  const re = new RegExp(`^(?:${a.regex})$`, 's');
  return { label: `appliesTo ${JSON.stringify(a)}`, test: (detail) => re.test(detail), hits: 0 };
}));

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
    const conditions = {
      logicalId: globs('logicalId', s.logicalId),
      resourceType: globs('resourceType', s.resourceType),
      path: globs('path', s.path),
      appliesTo: findingMatchers(s.appliesTo),
    };
    return { ...s, index: i, conditions, used: 0, usedTotal: 0 };
  });
}

function suppressionFor(finding, suppressions) {
  const [, base, detail] = /^([^[]+)(?:\[(.*)\])?$/s.exec(finding.rule);
  const values = { logicalId: finding.logicalId, resourceType: finding.resourceType, path: finding.cdkPath, appliesTo: detail };
  const holds = (items, value) => !items || (value !== undefined && items.some((m) => m.test(value)));
  const s = suppressions.find((c) => c.id === base
    && holds(c.conditions.logicalId, values.logicalId ?? '')
    && holds(c.conditions.resourceType, values.resourceType ?? '')
    && holds(c.conditions.path, values.path ?? '')
    && holds(c.conditions.appliesTo, values.appliesTo));
  if (s) {
    for (const [field, items] of Object.entries(s.conditions)) {
      for (const m of items ?? []) if (m.test(values[field] ?? '')) m.hits++;
    }
  }
  return s;
}

// The items of entries that did match somewhere but never by this item ("#3 AwsSolutions-COG4 logicalId "X*"").
const unusedItems = (list) => list.filter((s) => s.usedTotal > 0)
  .flatMap((s) => Object.values(s.conditions).flatMap((items) => items ?? []).filter((m) => m.hits === 0).map((m) => `#${s.index} ${s.id} ${m.label}`));

const suppressions = loadSuppressions(suppressionsFile);

// --- Templates ------------------------------------------------------------------------------------------------------
const describe = (s) => `#${s.index} ${s.id} ${[].concat(s.logicalId ?? s.path ?? '*').join('|')}`;
let unsuppressedTotal = 0;

function checkTemplate(templateFile) {
  for (const s of suppressions) s.used = 0;
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
    process.exit(2); // bad input: stop the whole run
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
        template: templateFile,
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
    unusedSuppressions: suppressions.filter((s) => s.used === 0).map(describe),
  };
  if (jsonOnly) {
    console.log(JSON.stringify(summary));
  } else {
    console.error(`\n${templateFile}: ${resources.size} resources; ${summary.errors} error(s), ${summary.warnings} warning(s) unsuppressed; ${suppressed.length} suppressed`);
    for (const [rule, n] of Object.entries(byRule).sort((a, b) => a[0].localeCompare(b[0], 'en', { numeric: true }))) console.error(`  ${rule}: ${n}`);
    if (summary.unusedSuppressions.length) console.error(`  suppressions unused here: ${summary.unusedSuppressions.join('; ')}`);
  }
  fs.rmSync(app.outdir, { recursive: true, force: true });
  for (const s of suppressions) s.usedTotal += s.used;
  unsuppressedTotal += findings.length;
}

for (const templateFile of templateFiles) checkTemplate(templateFile);

// An entry no template needs has outlived its resource (or never matched what it meant to): with every stage given,
// --fail-on-unused makes that an error, so suppressions.json lists only what is accepted today.
const unusedEverywhere = [...suppressions.filter((s) => s.usedTotal === 0).map(describe), ...unusedItems(suppressions)];
if (templateFiles.length > 1 || failOnUnused) {
  if (jsonOnly) console.log(JSON.stringify({ summary: 'all', templates: templateFiles.length, unsuppressed: unsuppressedTotal, unusedSuppressions: unusedEverywhere }));
  else if (unusedEverywhere.length) console.error(`\nsuppressions unused in every template given: ${unusedEverywhere.join('; ')}`);
}
// exitCode, not exit(): exit() would drop stdout still queued for a pipe (the output runs to hundreds of KB).
process.exitCode = unsuppressedTotal > 0 || (failOnUnused && unusedEverywhere.length > 0) ? 1 : 0;
