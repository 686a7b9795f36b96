// detectPii: each type found in English and Chinese context with exact spans, and look-alikes left alone.
import { describe, expect, it } from "vitest";
import { detectPii, type PiiType } from "../../src/governance/pii";

/** The (type, value) pairs detected in `text`. */
const found = (text: string): [PiiType, string][] => detectPii(text).map((s) => [s.type, s.value]);

describe("detectPii finds each type in context", () => {
  it.each<[string, PiiType, string]>([
    ["Email me at Jane.Doe+work@Example.co.uk tonight.", "EMAIL", "Jane.Doe+work@Example.co.uk"],
    ["我的邮箱是zhang.wei@qq.com，有事发邮件。", "EMAIL", "zhang.wei@qq.com"],
    ["Call me at +1 (415) 555-0132 after six.", "PHONE", "+1 (415) 555-0132"],
    ["My number is (415) 555-0132.", "PHONE", "(415) 555-0132"],
    ["我的手机号是13812345678，随时打。", "PHONE", "13812345678"],
    ["电话：138 1234 5678", "PHONE", "138 1234 5678"],
    ["Ring the office on 020 7946 0018 tomorrow.", "PHONE", "020 7946 0018"],
    ["Il répond au 01 42 68 53 00 le matin.", "PHONE", "01 42 68 53 00"],
    ["Reach me via +49 30 901820 any day.", "PHONE", "+49 30 901820"],
    ["Charge it to 4242 4242 4242 4242 please.", "CARD", "4242 4242 4242 4242"],
    ["Amex 3782-822463-10005 on file.", "CARD", "3782-822463-10005"],
    ["Please wire the rent to DE89 3704 0044 0532 0130 00.", "IBAN", "DE89 3704 0044 0532 0130 00"],
    ["IBAN GB82WEST12345698765432, ref June", "IBAN", "GB82WEST12345698765432"],
    ["My SSN is 123-45-6789.", "SSN", "123-45-6789"],
    ["social security number 123456789 on the form", "SSN", "123456789"],
    ["我的身份证号是11010519491231002X。", "CN_ID", "11010519491231002X"],
    ["The server is at 192.168.10.20.", "IP", "192.168.10.20"],
    ["host 2001:db8::8a2e:370:7334 refused", "IP", "2001:db8::8a2e:370:7334"],
    ["key id AKIAIOSFODNN7EXAMPLE in the config", "API_KEY", "AKIAIOSFODNN7EXAMPLE"],
    ["token ghp_0123456789abcdefghijABCDEFGHIJ012345 leaked", "API_KEY", "ghp_0123456789abcdefghijABCDEFGHIJ012345"],
    ["SLACK=xoxb-12345678901-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx", "API_KEY", "xoxb-12345678901-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx"],
    ["stripe sk_live_51H8abcdefghijklmnopqrstuv", "API_KEY", "sk_live_51H8abcdefghijklmnopqrstuv"],
    ["OPENAI_API_KEY=sk-proj-abcdefghijklmnopqrstuvwxyz0123456789", "API_KEY", "sk-proj-abcdefghijklmnopqrstuvwxyz0123456789"],
    ["maps key AIzaSyA1234567890abcdefghijklmnopqrstuv", "API_KEY", "AIzaSyA1234567890abcdefghijklmnopqrstuv"],
    ["aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "SECRET", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"],
    ["Authorization: Bearer abcDEF123456ghiJKL789.", "SECRET", "abcDEF123456ghiJKL789"],
    ["My password is hunter2!", "PASSWORD", "hunter2"],
    ["password: Tr0ub4dor&3", "PASSWORD", "Tr0ub4dor&3"],
    ["我的密码是abc123，别告诉别人。", "PASSWORD", "abc123"],
  ])("%s → %s", (text, type, value) => {
    expect(found(text)).toContainEqual([type, value]);
    const span = detectPii(text).find((s) => s.type === type)!;
    expect(text.slice(span.start, span.end)).toBe(value);
  });

  it("finds a JWT and a PEM private key whole", () => {
    const header = btoa(JSON.stringify({ alg: "HS256", typ: "JWT" })).replace(/=+$/, "");
    const payload = btoa(JSON.stringify({ sub: "42", name: "Ann" })).replace(/=+$/, "");
    const jwt = `${header}.${payload}.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c`;
    expect(found(`session=${jwt}; path=/`)).toEqual([["JWT", jwt]]);
    const pem = "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA0Z3VS5JJcds3xfn/ygWyF8PbnGy0AHB7MaVwT\n-----END RSA PRIVATE KEY-----";
    expect(found(`deploy key:\n${pem}\nkeep it safe`)).toEqual([["PRIVATE_KEY", pem]]);
  });

  it("gives the same normalized value to differently written phones, emails and cards", () => {
    const norm = (t: string): string => detectPii(t)[0]!.normalized;
    expect(norm("call +1 (415) 555-0132")).toBe("+14155550132");
    expect(norm("call 4155550132")).toBe("+14155550132");
    expect(norm("call 415.555.0132")).toBe("+14155550132");
    expect(norm("手机 +86 138 1234 5678")).toBe(norm("手机 13812345678"));
    expect(norm("mail ANN@Example.COM")).toBe("ann@example.com");
    expect(norm("card 4242-4242-4242-4242")).toBe("4242424242424242");
    expect(norm("iban de89? no: DE89 3704 0044 0532 0130 00")).toBe("DE89370400440532013000");
  });

  it("keeps several values apart in one text, in order", () => {
    expect(found("Reach Ann at ann@example.com or call (415) 555-0132; card 4242424242424242.")).toEqual([
      ["EMAIL", "ann@example.com"],
      ["PHONE", "(415) 555-0132"],
      ["CARD", "4242424242424242"],
    ]);
  });

  it("lets the longer span win an overlap: a phone inside an email stays part of the email", () => {
    expect(found("write to 13812345678@163.com")).toEqual([["EMAIL", "13812345678@163.com"]]);
  });
});

describe("detectPii leaves look-alikes alone", () => {
  it.each([
    ["order #20230512-7781 shipped"],
    ["Invoice INV-20240101 is due, order 5875919447."],
    ["We met on 2023-05-12 at 12:30:45."],
    ["deadline 2024-03-01T09:15:00Z, epoch 1709284500"],
    ["Upgrade to version 4.18.2 first; released v1.2.3.4 yesterday."],
    ["Random 16 digits 4111111111111112 fail Luhn."],
    ["Card 4242424242424241 was declined."],
    ["Wire to DE88370400440532013000 bounced (bad check digits)."],
    ["编号110105194912310021不是身份证。"],
    ["SSN 000-12-3456 and 666-12-3456 are never issued."],
    ["request 123e4567-e89b-12d3-a456-426614174000 commit 9fceb02d0ae598e95dc970b74767f19372d61af8"],
    ["MAC 00:1A:2B:3C:4D:5E on eth0, 256.1.1.1 is no address."],
    ["The meeting ran from 10:30 to 11:45, about 75 minutes, for 1,234 people."],
    ["我们在2023年5月12日见过面，一共12345人。"],
  ])("%s", (text) => {
    expect(found(text)).toEqual([]);
  });

  it("does not flag an already masked text", () => {
    expect(found("Reach [PERSON] at [EMAIL_1] or [PHONE_2]; card [CARD]")).toEqual([]);
  });
});
