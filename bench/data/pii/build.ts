// Builds the labeled PII set (set.jsonl) from faker, published test values and values made per
// their public standards, embedded in English and Chinese carrier sentences. Deterministic (fixed
// seeds). Labels come from construction, never from the detector. Run: npx tsx bench/data/pii/build.ts
import { writeFileSync } from "node:fs";
import path from "node:path";
import { fakerDE, fakerEN_GB, fakerEN_US, fakerFR, fakerZH_CN, type Faker } from "@faker-js/faker";

type Type = "EMAIL" | "PHONE" | "CARD" | "IBAN" | "SSN" | "CN_ID" | "IP" | "API_KEY" | "SECRET" | "JWT" | "PRIVATE_KEY" | "PASSWORD";
interface Example {
  id: string;
  kind: "positive" | "decoy";
  lang: "en" | "zh";
  source: string;
  text: string;
  spans: { type: Type; start: number; end: number }[];
}

const SEED = 20261201;
const LOCALES: Record<string, Faker> = { US: fakerEN_US, GB: fakerEN_GB, DE: fakerDE, FR: fakerFR, CN: fakerZH_CN };
for (const f of Object.values(LOCALES)) {
  f.seed(SEED);
  f.setDefaultRefDate("2026-01-01T00:00:00Z");
}
const f = fakerEN_US;
const pick = <T>(xs: readonly T[]): T => f.helpers.arrayElement(xs);
const alnum = (n: number, chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"): string =>
  Array.from({ length: n }, () => chars[f.number.int(chars.length - 1)]).join("");
const b64url = (s: string): string => Buffer.from(s).toString("base64url");

// Carrier sentences; {v} is the value. Several on purpose have no word naming the type.
const CARRIERS: Record<Type, { en: string[]; zh: string[] }> = {
  EMAIL: {
    en: ["You can email me at {v} anytime.", "My new address is {v}, the old one is gone.", "Send the draft to {v} before Friday.", "{v} is where I get work mail.", "cc {v} on that thread please", "Contact: {v}"],
    zh: ["我的邮箱是{v}，有事发邮件。", "请把文件发到{v}。", "联系方式：{v}", "{v}是我的工作邮箱"],
  },
  PHONE: {
    en: ["Call me at {v} after six.", "My number is {v}.", "You can reach her on {v} tomorrow.", "Phone: {v}", "text me at {v} when you land", "I'm on {v} if anything comes up.", "Her mobile, {v}, is always on."],
    zh: ["我的手机号是{v}，随时打。", "电话：{v}", "有事联系{v}。", "请拨打{v}预约。", "他的号码{v}换了吗？"],
  },
  CARD: {
    en: ["My card number is {v}, expires 04/29.", "Charge it to {v} please.", "I paid with {v} last time.", "Card: {v}", "Use the card ending in the digits of {v}."],
    zh: ["我的信用卡号是{v}。", "请用{v}付款。", "卡号：{v}"],
  },
  IBAN: {
    en: ["Please wire the rent to {v}.", "My IBAN is {v}.", "Account {v}, reference June.", "Transfer to {v} by Monday."],
    zh: ["请汇款到{v}。", "我的账户IBAN是{v}。"],
  },
  SSN: {
    en: ["My SSN is {v}.", "Social security number: {v}", "He wrote {v} on the form by mistake.", "SSN {v} was on the W-2."],
    zh: ["他的社会安全号码是{v}。", "表格上写着SSN {v}。"],
  },
  CN_ID: {
    en: ["My resident ID is {v}.", "ID card number {v}, issued in 2015.", "She gave {v} at the hotel desk."],
    zh: ["我的身份证号是{v}。", "身份证：{v}，请核对。", "登记时填了{v}。", "证件号码{v}已过期"],
  },
  IP: {
    en: ["The server is at {v}.", "I logged in from {v} yesterday.", "Ping {v} to check.", "host {v} refused the connection"],
    zh: ["服务器地址是{v}。", "昨天从{v}登录的。"],
  },
  API_KEY: {
    en: ["Here is the key: {v}", "export API_KEY={v}", "I pasted {v} into the config by accident.", "The token {v} should be rotated."],
    zh: ["这是密钥：{v}", "配置里写着{v}，记得换掉。"],
  },
  SECRET: { en: ["{v}"], zh: ["{v}"] },
  JWT: {
    en: ["My session token is {v}", "Cookie: session={v}", "It returned {v} as the access token."],
    zh: ["登录令牌是{v}", "接口返回了{v}"],
  },
  PRIVATE_KEY: {
    en: ["Here's the deploy key:\n{v}\nkeep it safe.", "{v}"],
    zh: ["这是私钥：\n{v}\n别外传。"],
  },
  PASSWORD: {
    en: ["My password is {v} for everything.", "password: {v}", "The wifi password is {v}.", "Login with admin, password={v}"],
    zh: ["我的密码是{v}，别告诉别人。", "密码：{v}", "WiFi密码为{v}"],
  },
};

const examples: Example[] = [];
function embed(type: Type, value: string, source: string, lang?: "en" | "zh", carrier?: string): void {
  const l = lang ?? (f.number.float() < 0.75 ? "en" : "zh");
  const c = carrier ?? pick(CARRIERS[type][l]);
  const start = c.indexOf("{v}");
  const text = c.replace("{v}", value);
  examples.push({ id: `${type}-${examples.length}`, kind: "positive", lang: l, source, text, spans: [{ type, start, end: start + value.length }] });
}

// EMAIL: faker (MIT) internet.email in five locales.
for (let i = 0; i < 300; i++) {
  const loc = pick(Object.keys(LOCALES));
  embed("EMAIL", LOCALES[loc]!.internet.email(), `faker:${loc}`, loc === "CN" ? "zh" : undefined);
}

// PHONE: faker national and international formats; CN mobiles per MIIT's public mobile prefixes.
for (let i = 0; i < 300; i++) {
  const loc = pick(Object.keys(LOCALES));
  const style = pick(["national", "international"] as const);
  embed("PHONE", LOCALES[loc]!.phone.number({ style }), `faker:${loc}:${style}`, loc === "CN" ? "zh" : "en");
}
const CN_MOBILE_PREFIXES = ["130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151", "152", "155", "156", "157", "158", "159", "166", "170", "176", "177", "178", "180", "181", "182", "183", "185", "186", "187", "188", "189", "191", "198", "199"];
for (let i = 0; i < 100; i++) {
  const n = pick(CN_MOBILE_PREFIXES) + alnum(8, "0123456789");
  const v = pick([n, `${n.slice(0, 3)} ${n.slice(3, 7)} ${n.slice(7)}`, `${n.slice(0, 3)}-${n.slice(3, 7)}-${n.slice(7)}`, `+86 ${n}`]);
  embed("PHONE", v, "miit-prefix", "zh");
}

// CARD: faker finance.creditCardNumber (Luhn-valid) per issuer, as faker formats them or digits only;
// Stripe's published test numbers (https://docs.stripe.com/testing).
const STRIPE_TEST = ["4242424242424242", "4000056655665556", "5555555555554444", "2223003122003222", "5200828282828210", "5105105105105100", "378282246310005", "371449635398431", "6011111111111117", "6011000990139424", "3056930009020004", "36227206271667", "3566002020360505", "6200000000000005"];
for (let i = 0; i < 280; i++) {
  const issuer = pick(["visa", "mastercard", "american_express", "discover", "jcb"]);
  const raw = f.finance.creditCardNumber(issuer);
  const digits = raw.replace(/\D/g, "");
  const v = pick([raw, digits, digits.replace(/(\d{4})(?=\d)/g, "$1 ")]);
  embed("CARD", v, `faker:${issuer}`);
}
for (const n of STRIPE_TEST) embed("CARD", pick([n, n.replace(/(\d{4})(?=\d)/g, "$1 ")]), "stripe-test-cards");

// IBAN: faker finance.iban for registry countries, printed in groups or compact; SWIFT registry examples.
const IBAN_COUNTRIES = ["DE", "FR", "GB", "ES", "IT", "NL", "BE", "CH", "AT", "PL", "SE", "PT", "IE", "DK", "FI", "NO"];
const SWIFT_EXAMPLES = ["DE89370400440532013000", "GB29NWBK60161331926819", "FR1420041010050500013M02606", "NL91ABNA0417164300", "ES9121000418450200051332", "IT60X0542811101000000123456", "CH9300762011623852957", "BE68539007547034", "AT611904300234573201", "PL61109010140000071219812874", "SE4550000000058398257466", "NO9386011117947"];
for (let i = 0; i < 290; i++) embed("IBAN", f.finance.iban({ formatted: f.datatype.boolean(), countryCode: pick(IBAN_COUNTRIES) }), "faker:iban");
for (const n of SWIFT_EXAMPLES) embed("IBAN", pick([n, n.replace(/(.{4})(?=.)/g, "$1 ")]), "swift-registry-examples");

// SSN: made per the SSA's rules (area 001-899 but 666, group 01-99, serial 0001-9999).
for (let i = 0; i < 300; i++) {
  let area = f.number.int({ min: 1, max: 899 });
  if (area === 666) area = 665;
  const d = String(area).padStart(3, "0") + String(f.number.int({ min: 1, max: 99 })).padStart(2, "0") + String(f.number.int({ min: 1, max: 9999 })).padStart(4, "0");
  const form = f.number.float();
  if (form < 0.15) embed("SSN", d, "ssa-rules", "en", pick(["My SSN is {v}.", "Social security number: {v}"]));
  else embed("SSN", form < 0.3 ? `${d.slice(0, 3)} ${d.slice(3, 5)} ${d.slice(5)}` : `${d.slice(0, 3)}-${d.slice(3, 5)}-${d.slice(5)}`, "ssa-rules");
}

// CN_ID: made per GB 11643-1999 (region, birth date, sequence, ISO 7064 MOD 11-2 check) with
// county codes of the GB/T 2260 list published by the Ministry of Civil Affairs.
const CN_REGIONS = ["110101", "110105", "110108", "120101", "130102", "140105", "210102", "220102", "230102", "310101", "310104", "310115", "320102", "320506", "330106", "340104", "350203", "360102", "370102", "410105", "420106", "430104", "440103", "440305", "440606", "450103", "460105", "500103", "510107", "520102", "530102", "610113", "620102", "650102"];
function cnId(): string {
  const birth = f.date.between({ from: "1940-01-01T00:00:00Z", to: "2010-12-31T00:00:00Z" }).toISOString().slice(0, 10).replace(/-/g, "");
  const body = pick(CN_REGIONS) + birth + alnum(3, "0123456789");
  const w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  const sum = [...body].reduce((s, ch, i) => s + Number(ch) * w[i]!, 0);
  return body + "10X98765432"[sum % 11];
}
for (let i = 0; i < 300; i++) embed("CN_ID", cnId(), "gb11643", f.number.float() < 0.6 ? "zh" : "en");

// IP: faker ipv4/ipv6; RFC 5737 and RFC 3849 documentation addresses in compressed form.
for (let i = 0; i < 240; i++) embed("IP", f.datatype.boolean() ? f.internet.ipv4() : f.internet.ipv6(), "faker:ip");
for (let i = 0; i < 60; i++) {
  const v = pick([`192.0.2.${f.number.int(255)}`, `198.51.100.${f.number.int(255)}`, `203.0.113.${f.number.int(255)}`, `2001:db8::${f.number.int(65535).toString(16)}`, `2001:db8:${f.number.int(65535).toString(16)}::${f.number.int(65535).toString(16)}:1`, `fe80::${alnum(4, "0123456789abcdef")}:${alnum(2, "0123456789abcdef")}ff:fe${alnum(2, "0123456789abcdef")}:${alnum(4, "0123456789abcdef")}`]);
  embed("IP", v, "rfc5737-rfc3849");
}

// API_KEY: the AWS documentation's example key id, and keys made to the providers' documented formats.
const B32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
const keyMakers: [string, () => string][] = [
  ["aws-docs", () => "AKIAIOSFODNN7EXAMPLE"],
  ["aws-format", () => "AKIA" + alnum(16, B32)],
  ["github-classic", () => pick(["ghp_", "gho_", "ghs_"]) + alnum(36)],
  ["github-fine-grained", () => "github_pat_" + alnum(22) + "_" + alnum(59)],
  ["slack", () => `xoxb-${alnum(11, "0123456789")}-${alnum(13, "0123456789")}-${alnum(24)}`],
  ["stripe", () => pick(["sk_live_", "sk_test_", "rk_live_"]) + alnum(24)],
  ["openai", () => pick(["sk-", "sk-proj-"]) + alnum(48, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")],
  ["google", () => "AIza" + alnum(35, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")],
];
for (let i = 0; i < 300; i++) {
  const [src, make] = keyMakers[i % keyMakers.length]!;
  embed("API_KEY", make(), src);
}

// SECRET: AWS secret keys named as such (the docs' example and made ones); bearer tokens.
for (let i = 0; i < 150; i++) {
  const key = i === 0 ? "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY" : alnum(40, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789/+");
  embed("SECRET", key, "aws-secret-format", "en", pick(["aws_secret_access_key = {v}", "AWS_SECRET_ACCESS_KEY={v}", "the secret access key is {v}, don't share it", "\"SecretAccessKey\": \"{v}\""]));
}
for (let i = 0; i < 150; i++) {
  embed("SECRET", alnum(f.number.int({ min: 24, max: 64 }), "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.") + alnum(1), "bearer", undefined, pick(["Authorization: Bearer {v}", "curl -H 'Authorization: Bearer {v}' https://api.example.com", "use Bearer {v} in the header"]));
}

// JWT: header {"alg","typ"}, a faker payload, a random signature (RFC 7519 layout).
for (let i = 0; i < 300; i++) {
  const header = b64url(JSON.stringify({ alg: pick(["HS256", "RS256", "ES256"]), typ: "JWT" }));
  const payload = b64url(JSON.stringify({ sub: f.string.uuid(), name: f.person.fullName(), iat: f.number.int({ min: 1.5e9, max: 1.8e9 }) }));
  embed("JWT", `${header}.${payload}.${alnum(43, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")}`, "rfc7519-layout");
}

// PRIVATE_KEY: PEM armour (RFC 7468) around random base64 bodies, 64-character lines.
for (let i = 0; i < 200; i++) {
  const label = pick(["RSA PRIVATE KEY", "PRIVATE KEY", "EC PRIVATE KEY", "OPENSSH PRIVATE KEY", "ENCRYPTED PRIVATE KEY"]);
  const body = alnum(f.number.int({ min: 200, max: 1600 }), "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/").replace(/(.{64})/g, "$1\n").trim();
  embed("PRIVATE_KEY", `-----BEGIN ${label}-----\n${body}\n-----END ${label}-----`, "rfc7468-armour");
}

// PASSWORD: faker internet.password and memorable ones.
for (let i = 0; i < 300; i++) {
  const v = f.datatype.boolean() ? f.internet.password({ length: f.number.int({ min: 8, max: 16 }) }) : f.internet.password({ length: 10, memorable: true }) + f.number.int(99);
  embed("PASSWORD", v, "faker:password");
}

// Two values in one sentence.
for (let i = 0; i < 150; i++) {
  const email = pick(Object.values(LOCALES)).internet.email();
  const phone = fakerEN_US.phone.number({ style: "national" });
  const text = `Reach ${f.person.firstName()} at ${email} or call ${phone}.`;
  const es = text.indexOf(email);
  const ps = text.lastIndexOf(phone);
  examples.push({ id: `MIXED-${examples.length}`, kind: "positive", lang: "en", source: "faker:mixed", text, spans: [{ type: "EMAIL", start: es, end: es + email.length }, { type: "PHONE", start: ps, end: ps + phone.length }] });
}

// Decoys: look-alikes that are not personal data (no spans).
function decoy(text: string, source: string, lang: "en" | "zh" = "en"): void {
  examples.push({ id: `DECOY-${examples.length}`, kind: "decoy", lang, source, text, spans: [] });
}
const digits = (n: number): string => String(f.number.int({ min: 1, max: 9 })) + alnum(n - 1, "0123456789");
for (let i = 0; i < 100; i++) {
  // A Visa-prefixed 16-digit number whose last digit breaks Luhn.
  const good = f.finance.creditCardNumber("visa").replace(/\D/g, "");
  const bad = good.slice(0, -1) + String((Number(good.slice(-1)) + 1 + f.number.int(8)) % 10);
  decoy(pick(["Card {v} was declined.", "Reference {v} on the invoice.", "卡号{v}无效"]).replace("{v}", bad), "card-bad-luhn");
}
for (let i = 0; i < 60; i++) {
  const iban = f.finance.iban({ formatted: false, countryCode: pick(IBAN_COUNTRIES) });
  const check = (Number(iban.slice(2, 4)) + 1 + f.number.int(90)) % 97;
  decoy(`Wire it to ${iban.slice(0, 2)}${String(check < 2 ? check + 2 : check).padStart(2, "0")}${iban.slice(4)} please.`, "iban-bad-check");
}
for (let i = 0; i < 60; i++) {
  const id = cnId();
  const wrong = "0123456789X".replace(id[17]!, "")[f.number.int(9)]!;
  decoy(pick(["编号{v}不是身份证。", "Tracking number {v} shipped."]).replace("{v}", id.slice(0, 17) + wrong), "cn-id-bad-check");
}
for (let i = 0; i < 40; i++) decoy(`SSN ${pick(["000", "666", "9" + alnum(2, "0123456789")])}-${alnum(2, "123456789")}-${alnum(4, "123456789")} is not a valid number.`, "ssn-invalid-area");
for (let i = 0; i < 60; i++) decoy(pick(["Order #{d}-{s} shipped today.", "Invoice INV-{d} is due.", "订单号{d}{s}已发货。", "Ticket {d} was closed."]).replace("{d}", f.date.recent({ days: 900 }).toISOString().slice(0, 10).replace(/-/g, "")).replace("{s}", alnum(4, "0123456789")), "order-ids");
for (let i = 0; i < 60; i++) decoy(pick(["We met on {v}.", "Deadline: {v}", "会议定在{v}。"]).replace("{v}", f.date.anytime().toISOString().slice(0, pick([10, 19, 24]))), "iso-dates");
for (let i = 0; i < 40; i++) decoy(`The log line at ${f.number.int({ min: 1.5e9, max: 1.8e9 })} shows a retry at ${String(f.number.int(23)).padStart(2, "0")}:${String(f.number.int(59)).padStart(2, "0")}:${String(f.number.int(59)).padStart(2, "0")}.`, "timestamps");
for (let i = 0; i < 60; i++) decoy(pick(["Upgrade to version {v} first.", "Released v{v} yesterday.", "node {v} is required", "build {v} failed"]).replace("{v}", f.system.semver() + (f.datatype.boolean() ? `.${f.number.int(99)}` : "")), "versions");
for (let i = 0; i < 40; i++) decoy(`Request id ${f.string.uuid()} and commit ${f.git.commitSha()}.`, "uuids-hashes");
for (let i = 0; i < 30; i++) decoy(`sha256 ${alnum(64, "0123456789abcdef")}, md5 ${alnum(32, "0123456789abcdef")}`, "hashes");
for (let i = 0; i < 30; i++) decoy(`The MAC address is ${f.internet.mac()} on eth0.`, "mac");
for (let i = 0; i < 40; i++) decoy(`It cost $${f.number.int({ min: 1000, max: 99999 }).toLocaleString("en-US")}.${alnum(2, "0123456789")} for ${f.number.int({ min: 2, max: 40 })} items, order ${digits(10)}.`, "prices-counts");
for (let i = 0; i < 30; i++) decoy(`Random number ${digits(16)} and ${digits(18)} from the test run.`, "random-digits");
for (let i = 0; i < 20; i++) decoy(`Values ${f.number.int({ min: 256, max: 999 })}.${f.number.int(255)}.${f.number.int(255)}.${f.number.int(255)} and 10.0.${f.number.int(255)}.${f.number.int(255)}.${f.number.int(9)} are not addresses.`, "ip-invalid");

const lines = examples.map((e) => JSON.stringify(e)).join("\n") + "\n";
writeFileSync(path.join(import.meta.dirname, "set.jsonl"), lines);
console.log(`${examples.length} examples, ${(lines.length / 1e6).toFixed(2)} MB`);
