import fs from 'node:fs';
import path from 'node:path';
import Handlebars from 'handlebars';

export interface ViewEngine {
  /** Renders templates/pages/<page>.hbs inside templates/layouts/<layout>.hbs. */
  render(page: string, model: Record<string, unknown>, layout?: string): string;
}

/**
 * Handlebars with our layout: `layouts/`, `pages/<area>/`, `partials/<area>/`
 * (a partial is used as `{{> area/name}}`). Everything is compiled once at
 * start, in strict mode so a misspelt field fails loudly in tests instead of
 * rendering as blank. `{{ }}` escapes; only the layout uses `{{{body}}}`.
 */
export function createViewEngine(templatesDir: string): ViewEngine {
  const hbs = Handlebars.create();
  for (const file of listTemplates(path.join(templatesDir, 'partials'))) {
    hbs.registerPartial(file.name, fs.readFileSync(file.path, 'utf8'));
  }
  const compile = (file: string) => hbs.compile(fs.readFileSync(file, 'utf8'), { strict: true });
  const pages = new Map(listTemplates(path.join(templatesDir, 'pages')).map((f) => [f.name, compile(f.path)]));
  const layouts = new Map(listTemplates(path.join(templatesDir, 'layouts')).map((f) => [f.name, compile(f.path)]));

  return {
    render(page, model, layout = 'main') {
      const pageTemplate = pages.get(page);
      const layoutTemplate = layouts.get(layout);
      if (!pageTemplate) throw new Error(`no template pages/${page}.hbs`);
      if (!layoutTemplate) throw new Error(`no template layouts/${layout}.hbs`);
      const body = pageTemplate(model);
      return layoutTemplate({ ...model, body });
    },
  };
}

function listTemplates(root: string, prefix = ''): { name: string; path: string }[] {
  if (!fs.existsSync(root)) return [];
  return fs.readdirSync(root, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(root, entry.name);
    if (entry.isDirectory()) return listTemplates(full, `${prefix}${entry.name}/`);
    return entry.name.endsWith('.hbs') ? [{ name: prefix + entry.name.slice(0, -4), path: full }] : [];
  });
}
