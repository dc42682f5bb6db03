// Checks every captured delivery (argv[2], written by interop_test.go) with
// the public receiver libraries, standardwebhooks (webhook-* headers) and
// svix (svix-* headers), with each secret alone, and checks that a tampered
// body is refused.
const fs = require("fs");
const { Webhook } = require("standardwebhooks");
const { Webhook: SvixWebhook } = require("svix");
const cases = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
let n = 0;
for (const c of cases) {
  for (const secret of c.secrets) {
    const std = new Webhook(secret.replace(/^whsec_/, ""));
    std.verify(c.body, { "webhook-id": c.headers["webhook-id"], "webhook-timestamp": c.headers["webhook-timestamp"], "webhook-signature": c.headers["webhook-signature"] });
    const svix = new SvixWebhook(secret);
    svix.verify(c.body, { "svix-id": c.headers["svix-id"], "svix-timestamp": c.headers["svix-timestamp"], "svix-signature": c.headers["svix-signature"] });
    let refused = false;
    try { svix.verify(c.body + " ", { "svix-id": c.headers["svix-id"], "svix-timestamp": c.headers["svix-timestamp"], "svix-signature": c.headers["svix-signature"] }); } catch (e) { refused = true; }
    if (!refused) { throw new Error("a tampered body verified"); }
    n++;
  }
}
console.log("verified " + n);
