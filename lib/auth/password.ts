import bcrypt from "bcryptjs";

const COST = 12;
let dummy: string | undefined;

export function hashPassword(password: string): Promise<string> {
  return bcrypt.hash(password, COST);
}

export function verifyPassword(password: string, hash: string): Promise<boolean> {
  return bcrypt.compare(password, hash);
}

/** A real hash of nothing useful, so checking an unknown user costs as much as a known one. */
export function dummyHash(): string {
  dummy ??= bcrypt.hashSync("no such user", COST);
  return dummy;
}
