import { datasourcePathBudget, formatChannel, isValidChannelPath, MAX_CHANNEL_LENGTH, parseChannel } from './channel';

describe('live channel rules', () => {
  it('formats and parses ds channels whose path holds slashes and equals signs', () => {
    const id = formatChannel({ scope: 'ds', namespace: 'abc-123', path: 'v1/sine/n=3' });
    expect(id).toBe('ds/abc-123/v1/sine/n=3');
    expect(parseChannel(id as string)).toEqual({ scope: 'ds', namespace: 'abc-123', path: 'v1/sine/n=3' });
  });

  it.each(['a b', 'a:b', 'a+b', 'a%2F', 'a?b', 'a&b', 'é', '[x]', '', 'a\\b'])('refuses %j as a path', (path) => {
    expect(isValidChannelPath(path)).toBe(false);
    expect(formatChannel({ scope: 'ds', namespace: 'u', path })).toBeInstanceOf(Error);
  });

  it('refuses a namespace with a slash or equals sign and an empty part', () => {
    expect(formatChannel({ scope: 'ds', namespace: 'a/b', path: 'p' })).toBeInstanceOf(Error);
    expect(formatChannel({ scope: 'ds', namespace: 'a=b', path: 'p' })).toBeInstanceOf(Error);
    expect(formatChannel({ scope: '', namespace: 'a', path: 'p' })).toBeInstanceOf(Error);
    expect(parseChannel('ds/uid')).toBeUndefined();
    expect(parseChannel('ds//p')).toBeUndefined();
  });

  it('enforces the 160-character limit on the whole channel', () => {
    const budget = datasourcePathBudget('uid');
    expect(formatChannel({ scope: 'ds', namespace: 'uid', path: 'p'.repeat(budget) })).toHaveLength(MAX_CHANNEL_LENGTH);
    const tooLong = formatChannel({ scope: 'ds', namespace: 'uid', path: 'p'.repeat(budget + 1) });
    expect(tooLong).toBeInstanceOf(Error);
    expect((tooLong as Error).message).toMatch(/161 characters long; Grafana Live allows at most 160/);
    expect(parseChannel(`ds/uid/${'p'.repeat(budget + 1)}`)).toBeUndefined();
  });
});
