/**
 * How sudoers (1.9.13, Debian 12) matches a command, and how to write a rule that matches exactly one.
 * Facts from the real sudo 1.9.13p3 here (test/conformance/sudo.conf.test.ts) and sudoers(5):
 * - the arguments of a rule are matched as one string (the user's arguments joined by single spaces) with
 *   fnmatch(3), flags 0: `*` also matches spaces and `/`, so one `*` lets any further argument through;
 * - sudoers' own parser strips the backslash from `\,` `\:` `\=` `\\` `\ ` `\#` and keeps other escapes
 *   (`\*`, `\[`) for fnmatch: a literal backslash must reach fnmatch as `\\`, so it is `\\\\` in the file;
 * - `#` starts a comment even inside an argument; `""` as the arguments means "no arguments";
 *   a rule with no arguments at all allows any.
 */

export interface SudoersGlob {
  glob: string;
}

/** one argument of a sudoers rule: a literal string, or an fnmatch pattern (no `*`: it would span arguments) */
export type SudoersArg = string | SudoersGlob;

export function glob(pattern: string): SudoersGlob {
  if (/[*\s]/.test(pattern)) throw new Error(`sudoers pattern ${pattern}: no * or blanks (they match across arguments)`);
  return { glob: pattern };
}

/** sudoers' parser layer: the characters it would read as syntax, escaped */
function parserEscape(s: string): string {
  return s.replace(/[\\,:=# ]/g, (c) => `\\${c}`);
}

/** an argument matched literally: escaped for fnmatch, then for sudoers' parser */
export function sudoersLiteral(arg: string): string {
  if (arg === "") throw new Error("an empty argument cannot be told apart in sudoers");
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(arg)) throw new Error(`argument ${JSON.stringify(arg)} has control characters`);
  return parserEscape(arg.replace(/[\\*?[\]]/g, (c) => `\\${c}`));
}

/** `path arg...` as a sudoers Cmnd: exactly these arguments (none at all: `""`) */
export function sudoersCommand(path: string, args: readonly SudoersArg[]): string {
  if (!/^\/[A-Za-z0-9_./+-]*$/.test(path)) throw new Error(`sudoers command path ${path}: an absolute path of plain characters`);
  if (args.length === 0) return `${path} ""`;
  return `${path} ${args.map((a) => (typeof a === "string" ? sudoersLiteral(a) : parserEscape(a.glob))).join(" ")}`;
}

/** whole numbers of 1 to `maxDigits` digits, one pattern per width (`[0-9]`, `[1-9][0-9]`, ...): no `*` */
export function digitPatterns(maxDigits: number, prefix = ""): SudoersGlob[] {
  return Array.from({ length: maxDigits }, (_, i) => glob(`${prefix}${i === 0 ? "[0-9]" : `[1-9]${"[0-9]".repeat(i)}`}`));
}

/** A `sudo` invocation found in a command line: who it runs as and the argv sudo is asked to run. */
export interface SudoCall {
  runAs: string;
  argv: string[];
  /** where `sudo` starts in the line and where its last argument ends */
  start: number;
  end: number;
}

const OPERATOR = new Set([";", "&", "|", "<", ">", "(", ")", "\n"]);
/** words after which the next word is a command again */
const RESERVED = new Set(["{", "}", "!", "if", "then", "else", "elif", "do", "while", "until"]);

interface Word {
  text: string;
  start: number;
  end: number;
}

/**
 * The `sudo` calls of a shell line as the console writes it (plain and single-quoted words, redirections,
 * here-documents), read without running a shell. Throws where a sudo call holds what only a shell could
 * resolve (expansions, globs), since its sudoers rule would then be a guess.
 */
export function sudoCalls(line: string): SudoCall[] {
  const calls: SudoCall[] = [];
  let words: Word[] = [];
  let word: string | null = null;
  let wordStart = 0;
  let heredoc: string | null = null;
  let expectDelimiter = false;

  const inSudo = () => (words[0]?.text ?? word) === "sudo";
  const append = (at: number, text: string) => {
    if (word === null) wordStart = at;
    word = (word ?? "") + text;
  };
  const endWord = (at: number) => {
    if (word === null) return;
    if (expectDelimiter) {
      heredoc = word;
      expectDelimiter = false;
    } else if (!(words.length === 0 && RESERVED.has(word))) words.push({ text: word, start: wordStart, end: at });
    word = null;
  };
  const endCommand = () => {
    if (words[0]?.text === "sudo") calls.push(readSudo(words, line));
    // `timeout 3 sudo ...`, `env X=1 sudo ...`: a sudo this reader would miss, and so its rule
    else if (words.some((w) => w.text === "sudo")) throw new Error(`sudo is not where a command starts: ${line}`);
    words = [];
  };
  const refuse = (c: string, at: number) => {
    throw new Error(`cannot read ${JSON.stringify(c)} at ${at} of a sudo call without a shell: ${line}`);
  };

  let i = 0;
  while (i < line.length) {
    const c = line.charAt(i);
    if (c === "'") {
      const close = line.indexOf("'", i + 1);
      if (close < 0) throw new Error(`unterminated quote in: ${line}`);
      append(i, line.slice(i + 1, close));
      i = close + 1;
    } else if (c === '"') {
      let j = i + 1;
      let text = "";
      for (; j < line.length && line.charAt(j) !== '"'; j++) {
        const d = line.charAt(j);
        if (d === "\\" && '"\\$`'.includes(line.charAt(j + 1))) text += line.charAt(++j);
        else if ((d === "$" || d === "`") && inSudo()) refuse(d, j);
        else text += d;
      }
      if (j >= line.length) throw new Error(`unterminated quote in: ${line}`);
      append(i, text);
      i = j + 1;
    } else if (c === "\\") {
      if (i + 1 >= line.length) throw new Error(`trailing backslash in: ${line}`);
      append(i, line.charAt(i + 1));
      i += 2;
    } else if (c === " " || c === "\t") {
      endWord(i);
      i += 1;
    } else if (c === "<" || c === ">") {
      // `2>&1`: the digits are the descriptor, not an argument
      if (word !== null && /^[0-9]+$/.test(word)) word = null;
      endWord(i);
      if (line.startsWith("<<", i)) {
        expectDelimiter = true;
        i += line.charAt(i + 2) === "-" ? 3 : 2;
        continue;
      }
      // a redirection's target is no argument; the command goes on after it
      const op = /^[<>]+&?[ \t]*/.exec(line.slice(i, i + 8));
      i += op ? op[0].length : 1;
      const target = /^[^\s;&|<>()]+/.exec(line.slice(i, i + 4096));
      i += target ? target[0].length : 0;
    } else if (OPERATOR.has(c)) {
      endWord(i);
      endCommand();
      if (c === "\n" && heredoc !== null) {
        const delimiter: string = heredoc;
        heredoc = null;
        let start = i + 1;
        let next = line.indexOf("\n", start);
        while (line.slice(start, next < 0 ? line.length : next) !== delimiter) {
          if (next < 0) throw new Error(`here-document ${delimiter} is not closed in: ${line}`);
          start = next + 1;
          next = line.indexOf("\n", start);
        }
        i = next < 0 ? line.length : next;
        continue;
      }
      i += 1;
    } else {
      if ("$`*?[~".includes(c) && inSudo()) refuse(c, i);
      append(i, c);
      i += 1;
    }
  }
  endWord(line.length);
  endCommand();
  return calls;
}

function readSudo(words: Word[], line: string): SudoCall {
  let runAs = "root";
  let k = 1;
  for (; k < words.length; k++) {
    const w = words[k]?.text ?? "";
    if (w === "-n") continue;
    if (w === "-u") {
      runAs = words[++k]?.text ?? "";
      continue;
    }
    if (w === "--") {
      k++;
      break;
    }
    if (w.startsWith("-")) throw new Error(`sudo option ${w} is not one the console uses: ${line}`);
    break;
  }
  const rest = words.slice(k);
  const last = rest[rest.length - 1];
  if (!last || !runAs) throw new Error(`sudo without a command or user: ${line}`);
  return { runAs, argv: rest.map((w) => w.text), start: words[0]?.start ?? 0, end: last.end };
}

/**
 * Where sudo finds each program the console runs as `sudo -n <name>` on Debian 12: the first directory of
 * Debian's secure_path (/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin) holding it, with /bin and
 * /sbin merged into /usr. sudo compares the path it resolved with the rule's, so the rule must name this one.
 */
const DEBIAN_PATHS: Record<string, string> = {
  apachectl: "/usr/sbin/apachectl",
  apache2ctl: "/usr/sbin/apache2ctl",
  // iputils-arping (`-U -I dev`); the other Debian arping (/usr/sbin/arping, package arping) has no -I
  arping: "/usr/bin/arping",
  cat: "/usr/bin/cat",
  chmod: "/usr/bin/chmod",
  chown: "/usr/bin/chown",
  cl_status: "/usr/bin/cl_status",
  cp: "/usr/bin/cp",
  crm_mon: "/usr/sbin/crm_mon",
  // drbd-utils installs /sbin/drbdsetup, which merged /usr makes /usr/sbin/drbdsetup, found first
  drbdadm: "/usr/sbin/drbdadm",
  drbdsetup: "/usr/sbin/drbdsetup",
  exportfs: "/usr/sbin/exportfs",
  grep: "/usr/bin/grep",
  install: "/usr/bin/install",
  ip: "/usr/sbin/ip",
  ipvsadm: "/usr/sbin/ipvsadm",
  keepalived: "/usr/sbin/keepalived",
  kill: "/usr/bin/kill",
  mv: "/usr/bin/mv",
  php: "/usr/bin/php",
  readlink: "/usr/bin/readlink",
  rm: "/usr/bin/rm",
  sed: "/usr/bin/sed",
  service: "/usr/sbin/service",
  stat: "/usr/bin/stat",
  systemctl: "/usr/bin/systemctl",
  tee: "/usr/bin/tee",
};

/** the absolute path sudo resolves a program name to on Debian 12 (absolute paths stay as they are) */
export function debianPath(program: string): string {
  if (program.startsWith("/")) return program;
  const known = DEBIAN_PATHS[program];
  if (!known) throw new Error(`no known Debian 12 path for ${program}: add it to DEBIAN_PATHS (lib/commands/sudoers-syntax.ts)`);
  return known;
}

/** the sudoers Cmnd allowing exactly this call, arguments matched literally */
export function exactRule(call: SudoCall): string {
  const [program = "", ...args] = call.argv;
  return sudoersCommand(debianPath(program), args);
}
