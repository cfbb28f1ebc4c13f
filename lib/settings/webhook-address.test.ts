import { describe, expect, it } from "vitest";
import { blockedAddressReason } from "@/lib/settings/webhook-address";
import { webhookDisplay } from "@/lib/settings/webhook-destination";

describe("addresses the incident webhook may not call", () => {
  it.each([
    ["127.0.0.1", /loopback/],
    ["127.255.255.254", /loopback/],
    ["0.0.0.0", /this network/],
    ["10.0.0.5", /RFC 1918/],
    ["172.16.0.1", /RFC 1918/],
    ["172.31.255.255", /RFC 1918/],
    ["192.168.10.11", /RFC 1918/],
    ["169.254.169.254", /link-local.*metadata/],
    ["100.64.0.1", /CGNAT/],
    ["100.127.255.255", /CGNAT/],
    ["192.0.0.192", /IETF/],
    ["198.18.10.100", /benchmarking/],
    ["224.0.0.251", /multicast/],
    ["239.255.255.250", /multicast/],
    ["255.255.255.255", /reserved/],
    ["::1", /loopback/],
    ["::", /unspecified/],
    ["[::1]", /loopback/],
    ["::ffff:127.0.0.1", /IPv4-mapped loopback/],
    ["::ffff:7f00:1", /IPv4-mapped loopback/],
    ["::ffff:a9fe:a9fe", /IPv4-mapped link-local/],
    ["::ffff:10.1.2.3", /IPv4-mapped private/],
    ["::127.0.0.1", /IPv4-compatible/],
    ["64:ff9b::10.0.0.1", /NAT64 of private/],
    ["2002:c0a8:0101::1", /6to4 of private/],
    ["fc00::1", /unique local/],
    ["fd00:ec2::254", /unique local/],
    ["fe80::1%eth0", /link-local/],
    ["fec0::1", /site-local/],
    ["ff02::1", /multicast/],
    ["localhost", /not an IP address/],
    ["1.2.3", /not an IP address/],
    ["", /not an IP address/],
  ])("refuses %s", (address, why) => {
    expect(blockedAddressReason(address)).toMatch(why);
  });

  it.each([
    "8.8.8.8",
    "1.1.1.1",
    "172.15.255.255",
    "172.32.0.0",
    "100.63.255.255",
    "100.128.0.0",
    "169.253.255.255",
    "192.169.0.1",
    "198.20.0.1",
    "223.255.255.255",
    "2606:4700:4700::1111",
    "2a00:1450:4001:80b::200e",
    "::ffff:8.8.8.8",
    "64:ff9b::808:808",
    "2002:0808:0808::1",
  ])("allows %s", (address) => {
    expect(blockedAddressReason(address)).toBeNull();
  });
});

describe("what is shown of a webhook URL", () => {
  it.each([
    ["https://hooks.slack.com/services/T000/B000/XXXXXXXX", "https://hooks.slack.com/…"],
    ["https://example.webhook.office.com/webhookb2/abc@def/IncomingWebhook/123/456", "https://example.webhook.office.com/…"],
    ["http://user:pass@chat.example.org:8443/hooks/x?token=y#z", "http://chat.example.org:8443/…"],
    ["http://[::1]:9/x", "http://[::1]:9/…"],
    ["not a url", "(not a readable URL)"],
  ])("%s as %s", (url, shown) => {
    expect(webhookDisplay(url)).toBe(shown);
  });
});
