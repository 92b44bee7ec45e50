#!/usr/bin/perl
# A TCP listener that accepts connections and never sends a byte (a "silent server":
# connect succeeds, the SMTP greeting never comes). Input is read and thrown away.
#
# Usage: silent-server.pl HOST PORT PIDFILE MAX_LIFETIME_SECONDS
# Bounded: at most 64 open connections (older ones are closed first), each closed after
# 300 s, and the process exits by itself after MAX_LIFETIME_SECONDS.
use strict;
use warnings;
use IO::Socket::INET;
use IO::Select;
use POSIX qw(setsid);

my ($host, $port, $pidfile, $lifetime) = @ARGV;
die "usage: $0 HOST PORT PIDFILE MAX_LIFETIME_SECONDS\n" unless defined $lifetime;
die "$0: refusing to listen on non-loopback address $host\n"
    unless $host =~ /^127\./ || $host eq '::1';

my $listener = IO::Socket::INET->new(
    LocalAddr => $host, LocalPort => $port, Listen => 16, ReuseAddr => 1, Proto => 'tcp',
) or die "$0: cannot listen on $host:$port: $!\n";

# Daemonise (the caller waits for the port, not for us).
defined(my $pid = fork) or die "fork: $!\n";
exit 0 if $pid;
setsid();
open STDIN, '<', '/dev/null';
open STDOUT, '>', '/dev/null';
open STDERR, '>', '/dev/null';
open my $fh, '>', $pidfile or die;
print $fh "$$\n";
close $fh;

$SIG{TERM} = $SIG{INT} = sub { exit 0 };
my $deadline = time + $lifetime;
my $sel = IO::Select->new($listener);
my %opened;    # fileno -> [socket, accepted-at]
while (time < $deadline) {
    for my $s ($sel->can_read(1)) {
        if ($s == $listener) {
            my $c = $listener->accept or next;
            if (keys %opened >= 64) {
                my ($oldest) = sort { $opened{$a}[1] <=> $opened{$b}[1] } keys %opened;
                $sel->remove($opened{$oldest}[0]);
                close $opened{$oldest}[0];
                delete $opened{$oldest};
            }
            $opened{fileno $c} = [$c, time];
            $sel->add($c);
        } else {
            my $buf;
            my $n = sysread($s, $buf, 4096);
            if (!$n) {
                $sel->remove($s);
                delete $opened{fileno $s};
                close $s;
            }
        }
    }
    for my $k (keys %opened) {
        if (time - $opened{$k}[1] > 300) {
            $sel->remove($opened{$k}[0]);
            close $opened{$k}[0];
            delete $opened{$k};
        }
    }
}
exit 0;
