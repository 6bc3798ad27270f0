// Lints Camunda Forms with @camunda/form-linting for Camunda 8.8.
// The library returns [] silently for a form whose executionPlatformVersion it does not know,
// so this script first insists that every form targets "Camunda Cloud" 8.8, and adds the
// structural checks Tasklist relies on (form id, unique keys, typed components).
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { FormLinter } from '@camunda/form-linting';

const TARGET_PLATFORM = 'Camunda Cloud';
const TARGET_VERSION = /^8\.8(\.\d+)?$/;

type Problem = { file: string; id: string; message: string };

function formFiles(args: string[]): string[] {
  const files: string[] = [];
  for (const arg of args) {
    if (statSync(arg).isDirectory()) {
      for (const name of readdirSync(arg).sort()) {
        if (name.endsWith('.form')) files.push(join(arg, name));
      }
    } else {
      files.push(arg);
    }
  }
  return files;
}

function structuralProblems(file: string, schema: any): Problem[] {
  const problems: Problem[] = [];
  const add = (id: string, message: string) => problems.push({ file, id, message });
  if (schema.type !== 'default') add('form', 'root "type" must be "default"');
  if (!schema.id) add('form', 'the form has no "id" (user tasks reference it as formId)');
  if (schema.executionPlatform !== TARGET_PLATFORM) {
    add('form', `executionPlatform must be "${TARGET_PLATFORM}", found ${JSON.stringify(schema.executionPlatform)}`);
  }
  if (!TARGET_VERSION.test(String(schema.executionPlatformVersion ?? ''))) {
    add('form', `executionPlatformVersion must be 8.8.x, found ${JSON.stringify(schema.executionPlatformVersion)}`);
  }
  const keys = new Map<string, string>();
  const visit = (components: any[] | undefined) => {
    for (const component of components ?? []) {
      const id = component.id ?? component.key ?? '(no id)';
      if (!component.type) add(id, 'component has no "type"');
      if (!component.id) add(id, 'component has no "id"');
      if (component.key) {
        const previous = keys.get(component.key);
        if (previous) add(id, `key "${component.key}" is also used by ${previous}`);
        keys.set(component.key, id);
      }
      visit(component.components);
    }
  };
  visit(schema.components);
  return problems;
}

function main(): number {
  const files = formFiles(process.argv.slice(2));
  if (files.length === 0) {
    console.error('lint-forms: no .form files given');
    return 2;
  }
  const linter = new FormLinter();
  let count = 0;
  for (const file of files) {
    let schema: any;
    try {
      schema = JSON.parse(readFileSync(file, 'utf8'));
    } catch (error) {
      console.error(`${file}: not valid JSON: ${(error as Error).message}`);
      count++;
      continue;
    }
    const problems = structuralProblems(file, schema);
    for (const report of linter.lint(schema) as any[]) {
      problems.push({ file, id: report.id ?? 'form', message: report.message });
    }
    for (const problem of problems) {
      console.error(`${problem.file}: ${problem.id}: ${problem.message}`);
    }
    count += problems.length;
  }
  console.log(`lint-forms: ${files.length} form(s), ${count} problem(s)`);
  return count === 0 ? 0 : 1;
}

process.exit(main());
