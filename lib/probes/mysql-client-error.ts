/**
 * The mysql client's `ERROR nnnn (sqlstate) ...: message` line in a failed command's output. MariaDB's
 * client first echoes the failed statement between lines of dashes (--print-query-on-error, on by
 * default in 10.11), so the first line of its output is "--------------" and says nothing.
 */

const ERROR_LINE = /^ERROR \d{1,5}( \([0-9A-Z]{5}\))?( at line \d+)?: /;
const MAX_LINES = 2_000;
const MAX_LENGTH = 500;

/** the first mysql client ERROR line in the texts, in the order given; null when there is none */
export function mysqlErrorLine(...texts: string[]): string | null {
  for (const text of texts) {
    for (const raw of text.split("\n", MAX_LINES)) {
      const line = raw.trim();
      if (ERROR_LINE.test(line)) return line.length > MAX_LENGTH ? `${line.slice(0, MAX_LENGTH - 3)}...` : line;
    }
  }
  return null;
}
