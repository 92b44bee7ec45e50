# The receiver's one filing rule: mail that fails DMARC goes to Junk (issue 16).
require ["fileinto", "mailbox"];
if header :contains "Authentication-Results" "dmarc=fail" {
    fileinto :create "Junk";
    stop;
}
