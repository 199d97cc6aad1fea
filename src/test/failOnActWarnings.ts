/**
 * Frontend tests must not end with React state updates outside act(): such a warning means a test
 * stopped looking before the UI settled (e.g. an icon or a resource still loading). Any such warning
 * fails the test that printed it, so none slips back in as noise.
 */
const actWarnings: string[] = [];
const originalError = console.error;

beforeEach(() => {
  actWarnings.length = 0;
  console.error = (...args: unknown[]) => {
    const text = args.map(String).join(' ');
    if (text.includes('not wrapped in act(')) {
      actWarnings.push(text.split('\n')[0]);
      return;
    }
    originalError(...args);
  };
});

afterEach(() => {
  console.error = originalError;
  if (actWarnings.length > 0) {
    throw new Error(`React act() warnings in this test:\n${actWarnings.join('\n')}`);
  }
});
