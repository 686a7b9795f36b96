// Prefixed, time-sortable ids for bridge objects (blk_, ada_, job_), same layout as the Worker's.
const ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

export function newId(prefix: "blk" | "ada" | "job", now = Date.now()): string {
  let time = "";
  let t = now;
  for (let i = 0; i < 10; i++) {
    time = ALPHABET[t % 32] + time;
    t = Math.floor(t / 32);
  }
  let rand = "";
  for (const b of crypto.getRandomValues(new Uint8Array(16))) rand += ALPHABET[b & 31];
  return `${prefix}_${time}${rand}`;
}
