import { DEFAULT_QUERY, QUERY_RANGES } from './query';
import { DEFAULT_SETTINGS } from './settings';
import { queryRangesFor, validateQuery, validateSettings } from './validation';

describe('validateQuery', () => {
  it('fills every missing field with the defaults', () => {
    const result = validateQuery({ refId: 'A' });
    expect(result).toEqual({ ok: true, query: { ...DEFAULT_QUERY, refId: 'A', alias: '' } });
  });

  it("reads the sample interval from sampleIntervalMs only, never from Grafana's panel intervalMs", () => {
    // DataSourceWithBackend stamps the panel interval into `intervalMs` on every query it sends.
    const result = validateQuery({ intervalMs: 3, sampleIntervalMs: 250 });
    expect(result.ok && result.query.sampleIntervalMs).toBe(250);
    const panelOnly = validateQuery({ intervalMs: 60_000 });
    expect(panelOnly.ok && panelOnly.query.sampleIntervalMs).toBe(DEFAULT_QUERY.sampleIntervalMs);
    // a nonsense panel interval is not ours to judge
    expect(validateQuery({ intervalMs: 'soon' }).ok).toBe(true);
    const bad = validateQuery({ intervalMs: 250, sampleIntervalMs: 3 });
    expect(!bad.ok && bad.problem).toMatchObject({ field: 'sampleIntervalMs', message: 'sampleIntervalMs must be between 10 and 3600000 (got 3)' });
  });

  it('keeps Grafana bookkeeping fields and reads quoted numbers', () => {
    const result = validateQuery({ refId: 'B', hide: false, datasource: { uid: 'x' }, seriesCount: '4', amplitude: ' 2.5 ' });
    expect(result.ok && result.query).toMatchObject({ refId: 'B', hide: false, datasource: { uid: 'x' }, seriesCount: 4, amplitude: 2.5 });
  });

  it.each([
    [{ signal: 'triangle' }, 'signal', /signal must be one of random-walk, sine/],
    [{ seriesCount: 0 }, 'seriesCount', /between 1 and 100/],
    [{ seriesCount: 2.5 }, 'seriesCount', /whole number/],
    [{ sampleIntervalMs: 'fast' }, 'sampleIntervalMs', /^sampleIntervalMs must be a number \(got "fast"\)/],
    [{ amplitude: Number.NaN }, 'amplitude', /finite number/],
    [{ periodMs: 50 }, 'periodMs', /between 100 and/],
    [{ withStreaming: 'yes' }, 'withStreaming', /true or false/],
    [{ alias: 7 }, 'alias', /text/],
    [{ alias: 'x'.repeat(101) }, 'alias', /at most 100/],
  ])('rejects %j naming the field', (json, field, message) => {
    const result = validateQuery(json);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.problem.field).toBe(field);
      expect(result.problem.message).toMatch(message);
      expect(result.problem.beyondSettings).toBe(false);
    }
  });

  it('rejects a non-object', () => {
    for (const json of [null, 3, 'q', [1]]) {
      const result = validateQuery(json);
      expect(result.ok).toBe(false);
    }
  });

  it('tells values beyond the datasource settings apart from invalid ones', () => {
    const settings = { ...DEFAULT_SETTINGS, maxSeries: 5, minIntervalMs: 1000 };
    const series = validateQuery({ seriesCount: 6 }, settings);
    expect(series.ok).toBe(false);
    expect(!series.ok && series.problem).toMatchObject({ field: 'seriesCount', beyondSettings: true });
    const interval = validateQuery({ sampleIntervalMs: 500, seriesCount: 5 }, settings);
    expect(!interval.ok && interval.problem).toMatchObject({ field: 'sampleIntervalMs', beyondSettings: true });
    expect(validateQuery({ sampleIntervalMs: 1000, seriesCount: 5 }, settings).ok).toBe(true);
  });

  it('folds -0 into 0 so equal queries normalise equally', () => {
    const result = validateQuery({ offset: -0 });
    expect(result.ok && Object.is(result.query.offset, 0)).toBe(true);
  });
});

describe('validateSettings', () => {
  it('uses safe defaults for missing or empty values', () => {
    expect(validateSettings(undefined)).toEqual({ settings: DEFAULT_SETTINGS, problems: [] });
    expect(validateSettings({ maxSeries: '', minIntervalMs: null })).toEqual({ settings: DEFAULT_SETTINGS, problems: [] });
  });

  it('accepts good values, including quoted numbers', () => {
    expect(validateSettings({ maxSeries: 50, minIntervalMs: '100', maxPacketsPerSecond: 5 }).settings).toEqual({
      maxSeries: 50,
      minIntervalMs: 100,
      maxPacketsPerSecond: 5,
    });
  });

  it('reports every bad value with what to set instead', () => {
    const { problems } = validateSettings({ maxSeries: 0, maxPacketsPerSecond: 'lots', minIntervalMs: 2.5 });
    expect(problems).toHaveLength(3);
    expect(problems[0]).toMatch(/maxSeries must be between 1 and 100 \(got 0\); set it to a value from 1 to 100 or clear it to use the default 20/);
    expect(problems.join('\n')).toMatch(/minIntervalMs must be a whole number/);
    expect(problems.join('\n')).toMatch(/maxPacketsPerSecond must be a number \(got "lots"\)/);
  });

  it('rejects jsonData that is not an object', () => {
    expect(validateSettings([1]).problems).toEqual(['the datasource settings (jsonData) must be a JSON object']);
  });
});

describe('queryRangesFor', () => {
  it('narrows series and interval ranges by the settings only', () => {
    const ranges = queryRangesFor({ maxSeries: 7, minIntervalMs: 250, maxPacketsPerSecond: 20 });
    expect(ranges.seriesCount).toEqual({ ...QUERY_RANGES.seriesCount, max: 7 });
    expect(ranges.sampleIntervalMs).toEqual({ ...QUERY_RANGES.sampleIntervalMs, min: 250 });
    expect(ranges.amplitude).toEqual(QUERY_RANGES.amplitude);
  });
});
