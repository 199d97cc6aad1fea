import { topicFilterProblem, topicMatches } from './topics';

describe('topic filters', () => {
  it.each([
    ['sensors/+/temp', 'sensors/a/temp', true],
    ['sensors/+/temp', 'sensors/a/b/temp', false],
    ['sensors/#', 'sensors', true],
    ['sensors/#', 'sensors/a/b', true],
    ['sensors/+', 'sensors', false],
    ['+/+', '/x', true],
    ['#', 'anything/at/all', true],
    ['#', '$SYS/broker/uptime', false],
    ['+/broker/uptime', '$SYS/broker/uptime', false],
    ['$SYS/#', '$SYS/broker/uptime', true],
    ['a/b', 'a/b', true],
    ['a/b', 'a/b/', false],
  ])('%s matches %s: %s', (filter, topic, expected) => {
    expect(topicMatches(filter, topic)).toBe(expected);
  });

  it('explains invalid filters', () => {
    expect(topicFilterProblem('')).toBe('the topic filter is empty');
    expect(topicFilterProblem('a/#/b')).toContain('"#" must be a whole level and the last one');
    expect(topicFilterProblem('a/b#')).toContain('"#" must be a whole level');
    expect(topicFilterProblem('a/x+/b')).toContain('"+" must be a whole level');
    expect(topicFilterProblem('a/+/#')).toBeUndefined();
  });
});
