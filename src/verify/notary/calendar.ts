/** Dates from their fields, refusing the impossible ones (February 30th, hour 24, second 60). */

/** UTC time from calendar fields (month 1-12), or undefined when a field is out of range. */
export function utcTime(fields: readonly number[], milliseconds = 0): Date | undefined {
  const [year, month, day, hour, minute, second] = fields as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const time = new Date(Date.UTC(year, month - 1, day, hour, minute, second, milliseconds));
  // Date.UTC rolls an out-of-range field over into the next one; a rolled date shows it.
  const valid =
    time.getUTCFullYear() === year &&
    time.getUTCMonth() === month - 1 &&
    time.getUTCDate() === day &&
    time.getUTCHours() === hour &&
    time.getUTCMinutes() === minute &&
    time.getUTCSeconds() === second;
  return valid ? time : undefined;
}
