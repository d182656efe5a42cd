import { describe, expect, it } from 'vitest';
import { isRedlineError } from '../../../../src/errors.js';
import { parseFieldMap } from '../../../../src/import/parse-field-map.js';

function codeOf(text: string): string | undefined {
  try {
    parseFieldMap(text);
    return undefined;
  } catch (error) {
    return isRedlineError(error) ? error.code : 'not a RedlineError';
  }
}

describe('parseFieldMap', () => {
  it('reads every field, with the choice columns in letter order', () => {
    expect(
      parseFieldMap('input=question,target=answer,choices=opt_a|opt_b|opt_c,category=topic,id=qid'),
    ).toEqual({
      input: 'question',
      target: 'answer',
      choices: ['opt_a', 'opt_b', 'opt_c'],
      category: 'topic',
      id: 'qid',
    });
  });

  it('trims around names and keeps spaces inside column names', () => {
    expect(parseFieldMap(' input = Question Text , target=Correct Answer ,')).toEqual({
      input: 'Question Text',
      target: 'Correct Answer',
    });
  });

  it('accepts a single choices column (one column holding a list of options)', () => {
    expect(parseFieldMap('input=q,target=a,choices=options').choices).toEqual(['options']);
  });

  it.each([
    ['target=answer', 'input missing'],
    ['input=question', 'target missing'],
    ['input=question,answer', 'not field=column'],
    ['input=question,target=answer,topic=t', 'unknown field'],
    ['input=question,input=q2,target=answer', 'a field mapped twice'],
    ['input=,target=answer', 'an empty column'],
    ['input=q,target=a,choices=a||c', 'an empty choice column'],
    ['input=q,target=a,choices=a|b|a', 'a repeated choice column'],
    ['', 'nothing at all'],
  ])('rejects %j (%s) with E_USAGE', (text) => {
    expect(codeOf(text)).toBe('E_USAGE');
  });
});
