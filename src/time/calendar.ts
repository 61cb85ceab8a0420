/** Dates from their fields, refusing the impossible ones (February 30th, hour 24, second 60). */

/**
 * UTC time from calendar fields `[year, month (1-12), day, hour, minute,
 * second]`, or undefined when a field is out of range.
 */
export function utcTime(fields: readonly number[], milliseconds = 0): Date | undefined {
  const [year, month, day, hour, minute, second] = fields as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  // setUTCFullYear, unlike Date.UTC, keeps years 0-99 as they are.
  const time = new Date(0);
  time.setUTCFullYear(year, month - 1, day);
  time.setUTCHours(hour, minute, second, milliseconds);
  // Out-of-range fields roll over into the next one; a rolled date shows it.
  const valid =
    time.getUTCFullYear() === year &&
    time.getUTCMonth() === month - 1 &&
    time.getUTCDate() === day &&
    time.getUTCHours() === hour &&
    time.getUTCMinutes() === minute &&
    time.getUTCSeconds() === second;
  return valid ? time : undefined;
}
