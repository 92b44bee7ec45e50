#!/usr/bin/perl
# Minimal plaintext SMTP dialogue for checks swaks cannot express (MAIL FROM with SIZE=...).
#
# Usage: smtp-probe.pl HOST PORT COMMAND...
# Reads the greeting, sends EHLO probe.interop.test, then each COMMAND, then QUIT.
# Prints one line per server reply: "<command>|<code>|<last line of the reply>".
# Stops early when the server closes. Every read is bounded by a 10 s timeout.
use strict;
use warnings;
use IO::Socket::INET;

my ($host, $port, @cmds) = @ARGV;
die "usage: $0 HOST PORT COMMAND...\n" unless defined $port;
die "$0: loopback only\n" unless $host =~ /^127\./;
my $s = IO::Socket::INET->new(PeerAddr => $host, PeerPort => $port, Proto => 'tcp', Timeout => 10)
    or die "$0: connect $host:$port: $!\n";

sub reply {
    my ($label) = @_;
    my ($code, $last) = ('EOF', '');
    my $lines = 0;
    local $SIG{ALRM} = sub { die "$0: timeout waiting for reply to $label\n" };
    alarm 10;
    while (defined(my $l = <$s>)) {
        $l =~ s/\r?\n\z//;
        $lines++;
        last if $lines > 1000;
        if ($l =~ /^(\d{3})([ -])(.*)/) {
            ($code, $last) = ($1, $l);
            last if $2 eq ' ';
        } else {
            ($code, $last) = ('BAD', $l);
            last;
        }
    }
    alarm 0;
    print "$label|$code|$last\n";
    return $code;
}

reply('greeting') eq '220' or exit 1;
for my $c ('EHLO probe.interop.test', @cmds, 'QUIT') {
    print $s "$c\r\n";
    my $code = reply($c);
    last if $code eq 'EOF' || $code eq '421';
}
exit 0;
