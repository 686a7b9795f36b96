// Known answers for the PII validators: Luhn and card brands, IBAN mod-97, CN resident id, SSN, IPv4/IPv6.
import { describe, expect, it } from "vitest";
import { cardValid, cnIdCheckChar, cnIdValid, ibanValid, ipv4Valid, ipv6Valid, luhnValid, ssnValid } from "../../src/governance/pii";

describe("luhnValid and cardValid", () => {
  it("accepts Luhn-valid numbers and rejects a changed last digit", () => {
    expect(luhnValid("79927398713")).toBe(true);
    expect(luhnValid("79927398710")).toBe(false);
    expect(luhnValid("4111111111111111")).toBe(true);
    expect(luhnValid("4111111111111112")).toBe(false);
    expect(luhnValid("")).toBe(false);
    expect(luhnValid("4111-1111")).toBe(false);
  });
  it("accepts published test cards of each brand", () => {
    for (const n of ["4242424242424242", "5555555555554444", "2223003122003222", "378282246310005", "6011111111111117", "3566002020360505", "36227206271667", "6200000000000005"]) {
      expect(cardValid(n), n).toBe(true);
    }
  });
  it("rejects a Luhn-valid number outside every brand's prefix or length", () => {
    expect(luhnValid("1234567812345670")).toBe(true);
    expect(cardValid("1234567812345670")).toBe(false);
    expect(cardValid("42424242424242421")).toBe(false); // Visa issues 13, 16 or 19 digits
    expect(cardValid("4242424242424241")).toBe(false);
  });
});

describe("ibanValid", () => {
  it("accepts the registry examples and rejects a wrong check or length", () => {
    expect(ibanValid("GB82WEST12345698765432")).toBe(true);
    expect(ibanValid("DE89370400440532013000")).toBe(true);
    expect(ibanValid("FR1420041010050500013M02606")).toBe(true);
    expect(ibanValid("NO9386011117947")).toBe(true);
    expect(ibanValid("GB82WEST12345698765431")).toBe(false);
    expect(ibanValid("GB83WEST12345698765432")).toBe(false);
    expect(ibanValid("DE8937040044053201300")).toBe(false); // 21 characters, Germany has 22
    expect(ibanValid("XX82WEST12345698765432")).toBe(false); // not a registry country
    expect(ibanValid("gb82west12345698765432")).toBe(false);
  });
});

describe("cnIdValid", () => {
  it("computes the GB 11643-1999 check character, X included", () => {
    expect(cnIdCheckChar("11010519491231002")).toBe("X");
    expect(cnIdCheckChar("44052418800101001")).toBe("4");
    expect(cnIdValid("11010519491231002X")).toBe(true);
    expect(cnIdValid("440524188001010014")).toBe(true);
  });
  it("rejects a wrong check digit, an impossible date and an unknown province", () => {
    expect(cnIdValid("110105194912310021")).toBe(false);
    expect(cnIdValid("440524188001010015")).toBe(false);
    expect(cnIdValid("110105194902301236")).toBe(false); // 30 February
    expect(cnIdValid("990105194912310024")).toBe(false);
    expect(cnIdValid("11010519491231002x")).toBe(false); // callers uppercase first
  });
});

describe("ssnValid", () => {
  it("applies the SSA area, group and serial rules", () => {
    expect(ssnValid("123456789")).toBe(true);
    expect(ssnValid("899019999")).toBe(true);
    for (const bad of ["000123456", "666123456", "900123456", "123006789", "123450000", "12345678"]) expect(ssnValid(bad), bad).toBe(false);
  });
});

describe("ipv4Valid and ipv6Valid", () => {
  it("accepts dotted quads up to 255 without leading zeros", () => {
    expect(ipv4Valid("192.168.0.1")).toBe(true);
    expect(ipv4Valid("0.0.0.0")).toBe(true);
    for (const bad of ["256.1.1.1", "01.2.3.4", "1.2.3", "1.2.3.4.5", "a.b.c.d"]) expect(ipv4Valid(bad), bad).toBe(false);
  });
  it("accepts full, compressed and IPv4-suffixed IPv6 and rejects malformed ones", () => {
    for (const ok of ["2001:db8:85a3:0:0:8a2e:370:7334", "2001:db8::1", "fe80::1ff:fe23:4567:890a", "::ffff:192.0.2.1"]) expect(ipv6Valid(ok), ok).toBe(true);
    for (const bad of ["1::2::3", "12345::1", "1:2:3:4:5:6:7", "1:2:3:4:5:6:7:8:9", "::ffff:999.0.2.1", "g::1"]) expect(ipv6Valid(bad), bad).toBe(false);
  });
});
