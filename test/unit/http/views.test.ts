import { createViewEngine } from '../../../src/http/views';
import { templatesDir } from '../../../src/paths';

const views = createViewEngine(templatesDir);

describe('the view engine', () => {
  test('when a page shows input, then it is escaped', () => {
    const html = views.render('errors/error', { title: 'x', status: 404, code: 'not_found', message: 'nothing here: /no/<script>alert(1)</script>' });
    expect(html).not.toContain('<script>alert(1)</script>');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
  });

  test('when a template names a field the model lacks, then rendering fails loudly', () => {
    expect(() => views.render('errors/error', { title: 'x' })).toThrow(/not defined/);
  });

  test('when a page does not exist, then the error names it', () => {
    expect(() => views.render('nope/none', {})).toThrow('no template pages/nope/none.hbs');
  });
});
