# test/lib/hold_fcgi.pl SOCKET GO_FILE SENT_FILE - a FastCGI client straight on a pool's unix
# socket that holds the worker taking it: it sends a request (a POST to an unrouted path) with
# half of its body, creates SENT_FILE, and sends the rest once GO_FILE exists (a hang guard
# ends the wait after 60 s); then it reads the answer to the end. Used by pool_quiesce
# (pool.sh) and client_gone.sh. Perl, because perl-base is on every Debian system.
use strict;
use warnings;
use IO::Socket::UNIX;

my ($path, $go_file, $sent_file) = @ARGV;
sub record { my ($type, $c) = @_; $c //= ''; return pack('CCnnCC', 1, $type, 1, length $c, 0, 0) . $c; }
sub pair { my ($n, $v) = @_; return pack('CC', length $n, length $v) . $n . $v; }
my $params = join '', map { pair(@$_) } (['REQUEST_METHOD', 'POST'],
	['REQUEST_URI', '/api/auth/not-a-route'], ['CONTENT_TYPE', 'application/json'],
	['CONTENT_LENGTH', '10']);
my $s = IO::Socket::UNIX->new(Type => SOCK_STREAM, Peer => $path) or die "connect $path: $!\n";
syswrite($s, record(1, pack('nCx5', 1, 0)) . record(4, $params) . record(4) . record(5, '01234'));
open(my $f, '>', $sent_file) or die "$sent_file: $!\n";
close $f;
my $guard = time + 60;
select(undef, undef, undef, 0.02) until -e $go_file || time > $guard;
syswrite($s, record(5, '56789') . record(5));
my $buf;
1 while sysread($s, $buf, 4096);
