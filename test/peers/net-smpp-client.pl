#!/usr/bin/perl
# An independent SMPP client (Debian's Net::SMPP) for the SMPP server's tests: binds as a transceiver,
# submits one message with registered_delivery, prints the message id, then answers deliver_sm PDUs and
# prints each one's short_message until it has read a receipt, and unbinds.
# Usage: net-smpp-client.pl HOST PORT SYSTEM_ID PASSWORD DESTINATION TEXT
use strict;
use warnings;
use Net::SMPP;

$| = 1;
my ($host, $port, $system_id, $password, $to, $text) = @ARGV;
my $smpp = Net::SMPP->new_transceiver($host, port => $port, system_id => $system_id,
  password => $password, smpp_version => 0x34)
  or die "bind failed: $!\n";
my $resp = $smpp->submit_sm(destination_addr => $to, dest_addr_ton => 1, dest_addr_npi => 1,
  source_addr => 'PERL', source_addr_ton => 5, short_message => $text, registered_delivery => 1,
  data_coding => 0);
die "no submit_sm_resp\n" unless $resp;
print "SUBMITTED status=$resp->{status} id=$resp->{message_id}\n";
while (1) {
  my $pdu = $smpp->read_pdu() or die "connection lost\n";
  if ($pdu->{cmd} == 0x00000005) {
    $smpp->deliver_sm_resp(seq => $pdu->{seq}, message_id => '');
    print "DELIVER esm_class=$pdu->{esm_class} text=$pdu->{short_message}\n";
    last if $pdu->{esm_class} & 0x04;
  } elsif ($pdu->{cmd} == 0x00000015) {
    $smpp->enquire_link_resp(seq => $pdu->{seq});
  }
}
my $unbound = $smpp->unbind();
print "UNBOUND status=$unbound->{status}\n";
