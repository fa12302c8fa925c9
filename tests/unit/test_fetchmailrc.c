/*
 * NAME
 *	test_fetchmailrc - unit tests for ctl/fetchmailrc*.c
 * DESCRIPTION
 *	Table-driven: each case is a .fetchmailrc text and the result
 *	rendered one item a line: "L9 name type url [deliver] k=v... pwN"
 *	for a mailbox (pwN: its password is on line N; nopw: none), "L9
 *	skip: reason" for an entry that is not importable, and "L9 n: key"
 *	for a note (its text up to the first ':'), or the expected syntax
 *	error.  The cases cover files as they are found in the wild (word
 *	orders, defaults, several users per poll, multidrop), every mapping
 *	of fetchmail's keywords, and hostile input: unterminated strings,
 *	NUL bytes, a 10 MB line, over-long words, repeated keywords,
 *	escapes at the end of input, 8-bit bytes, CRLF, 100,000 polls.
 *	Passwords must round-trip byte for byte and appear in no note and
 *	no message.
 * LICENSE
 *	MIT; see the LICENSE file.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "alloc.h"
#include "fetchmailrc.h"
#include "popconn.h"
#include "strbuf.h"

static struct strbuf *why;

struct rc_case {
	const char *desc;
	const char *in;
	const char *local;		/* env.default_local */
	const char *out;		/* rendered; NULL: a syntax error */
	const char *err;		/* the error, "FILE, line N: ..." */
};

static const struct rc_case cases[] = {
	/* Files as they are found in the wild. */
	{"typical: set daemon, one POP3 user over SSL",
	    "# ~/.fetchmailrc\n"
	    "set daemon 300\n"
	    "set logfile ~/.fetchmail.log\n"
	    "poll pop.example.com with proto POP3\n"
	    "   user 'joe@example.com' there with password 'pw' is joe here\n"
	    "   options ssl keep\n", NULL,
	    "L2 n: set daemon 300\n"
	    "L3 n: set logfile\n"
	    "L5 joe-example user pop3s://joe%40example.com@pop.example.com joe "
	    "keep=yes pw5\n"
	    "L6 n: keep", NULL},
	{"word order: user X with pass Y is Z here",
	    "poll mail.isp.example proto pop3 user \"remote\" with pass \"x\" "
	    "is \"local\" here ssl\n", NULL,
	    "L1 remote-isp user pop3s://remote@mail.isp.example local pw1",
	    NULL},
	{"word order: user LOCAL here is REMOTE there",
	    "poll mail.isp.example proto pop3 user local here is remote there "
	    "pass x ssl\n", NULL,
	    "L1 remote-isp user pop3s://remote@mail.isp.example local pw1",
	    NULL},
	{"word order: options before any user (fetchmail's first entry)",
	    "poll pop.x.example proto pop3 is bob here pass s ssl\n", "owner",
	    "L1 owner-x user pop3s://owner@pop.x.example bob pw1\n"
	    "L1 n: no user", NULL},
	{"no user, no owner (stdin): skipped",
	    "poll pop.x.example proto pop3 is bob here pass s ssl\n", NULL,
	    "L1 skip: no user name: add \"user NAME\"", NULL},
	{"user LOCAL here: the remote user is the owner, as in fetchmail",
	    "poll pop.x.example proto pop3 user loc here ssl\n", "owner",
	    "L1 owner-x user pop3s://owner@pop.x.example loc nopw\n"
	    "L1 n: no user", NULL},
	{"server instead of poll, noise and punctuation everywhere",
	    "server pop.x.example, with protocol pop3; and options:\n"
	    "  user a, with password b; wants is c here, has ssl\n", NULL,
	    "L2 a-x user pop3s://a@pop.x.example c pw2", NULL},
	{"defaults apply to later polls, which override them",
	    "defaults proto pop3 timeout 30 keep ssl\n"
	    "poll a.example user u is l here\n"
	    "poll b.example timeout 45 user v is l here nokeep\n", NULL,
	    "L2 u-a user pop3s://u@a.example l keep=yes command_timeout=30s "
	    "nopw\n"
	    "L1 n: keep\n"
	    "L3 v-b user pop3s://v@b.example l keep=no command_timeout=45s "
	    "nopw", NULL},
	{"several users per poll",
	    "poll pop.corp.example proto pop3:\n"
	    "  user ann pass a1 is ann here\n"
	    "  user ben pass b1 is ben here keep\n"
	    "  user cid pass c1 is cid@corp.example here\n", NULL,
	    "L2 ann-corp user pop3://ann@pop.corp.example ann pw2\n"
	    "L2 n: no ssl\n"
	    "L3 ben-corp user pop3://ben@pop.corp.example ben keep=yes pw3\n"
	    "L3 n: keep\n"
	    "L3 n: no ssl\n"
	    "L4 cid-corp user pop3://cid@pop.corp.example cid@corp.example "
	    "pw4\n"
	    "L4 n: no ssl", NULL},
	{"multidrop: is * here makes a global mailbox",
	    "poll pop.isp.example proto pop3 localdomains wingtip.example\n"
	    "  envelope X-Original-To\n"
	    "  user office@wingtip.example pass o is * here ssl\n", NULL,
	    "L1 n: localdomains wingtip.example\n"
	    "L2 n: envelope\n"
	    "L3 office-isp global pop3s://office%40wingtip.example@"
	    "pop.isp.example pw3\n"
	    "L3 n: \"*\"", NULL},
	{"multidrop: several local names, and a mapping",
	    "poll a.example proto pop3 user x is ann ben here ssl\n"
	    "poll b.example proto pop3 user y is \"ann\" = \"anna\" here ssl\n",
	    NULL,
	    "L1 x-a global pop3s://x@a.example nopw\n"
	    "L1 n: several local names\n"
	    "L2 y-b global pop3s://y@b.example nopw\n"
	    "L2 n: a local name mapping", NULL},
	{"no is: the owner of the file, as fetchmail delivered",
	    "poll pop.x.example proto pop3 user rem pass p ssl\n", "owner",
	    "L1 rem-x user pop3s://rem@pop.x.example owner pw1\n"
	    "L1 n: no local name", NULL},
	{"no is and no owner (stdin): skipped",
	    "poll pop.x.example proto pop3 user rem pass p ssl\n", NULL,
	    "L1 skip: no local name (fetchmail delivered to whoever ran it): "
	    "add \"is NAME here\"", NULL},
	{"no user at all: skipped",
	    "poll pop.x.example proto pop3 ssl is *\n", NULL,
	    "L1 skip: no user name: add \"user NAME\"", NULL},
	{"a poll without user options uses the defaults",
	    "defaults proto pop3 user dflt pass d is dl here ssl\n"
	    "poll a.example\npoll b.example\n", NULL,
	    "L2 dflt-a user pop3s://dflt@a.example dl pw1\n"
	    "L3 dflt-b user pop3s://dflt@b.example dl pw1", NULL},

	/* Every mapping. */
	{"protocols: apop becomes auth=apop, auto is noted",
	    "poll a.example proto apop user u is l here ssl\n"
	    "poll b.example proto auto user u is l here ssl\n"
	    "poll c.example user u is l here ssl\n", NULL,
	    "L1 u-a user pop3s://u@a.example l auth=apop nopw\n"
	    "L2 u-b user pop3s://u@b.example l nopw\n"
	    "L2 n: protocol auto\n"
	    "L3 u-c user pop3s://u@c.example l nopw\n"
	    "L3 n: protocol auto (fetchmail's default)", NULL},
	{"protocols that are not POP3 are skipped",
	    "poll a.example proto imap user u is l here\n"
	    "poll b.example proto ETRN user u is l here\n"
	    "poll c.example proto odmr user u is l here\n"
	    "poll d.example proto kpop user u is l here\n"
	    "poll e.example proto sdps user u is l here\n", NULL,
	    "L1 skip: protocol IMAP is not POP3\n"
	    "L2 skip: protocol ETRN is not POP3\n"
	    "L3 skip: protocol ODMR is not POP3\n"
	    "L4 skip: protocol KPOP (Kerberos POP) is not POP3\n"
	    "L5 skip: protocol SDPS is not POP3", NULL},
	{"skip HOST is skipped",
	    "skip old.example proto pop3 user u pass p is l here\n", NULL,
	    "L1 skip: marked \"skip\" (fetchmail does not poll it)", NULL},
	{"port and service",
	    "poll a.example proto pop3 port 1110 user u is l here ssl\n"
	    "poll b.example proto pop3 service 995 user u is l here ssl\n"
	    "poll c.example proto pop3 service \"pop3\" user u is l here\n"
	    "poll d.example proto pop3 port 0 user u is l here\n"
	    "poll e.example proto pop3 service imaps user u is l here\n", NULL,
	    "L1 u-a user pop3s://u@a.example:1110 l nopw\n"
	    "L2 u-b user pop3s://u@b.example l nopw\n"
	    "L3 u-c user pop3://u@c.example l nopw\n"
	    "L3 n: no ssl\n"
	    "L4 skip: port out of range (1..65535)\n"
	    "L5 skip: service: give a port number (only pop3 and pop3s are "
	    "known by name)", NULL},
	{"auth: password, cram-md5, ntlm, any",
	    "poll a.example proto pop3 auth password user u is l here ssl\n"
	    "poll b.example proto pop3 authenticate cram-md5 user u is l here "
	    "ssl\n"
	    "poll c.example proto pop3 auth ntlm user u is l here ssl\n"
	    "poll d.example proto pop3 auth any user u is l here ssl\n", NULL,
	    "L1 u-a user pop3s://u@a.example l auth=user nopw\n"
	    "L2 u-b user pop3s://u@b.example l auth=cram-md5 nopw\n"
	    "L3 u-c user pop3s://u@c.example l auth=ntlm nopw\n"
	    "L4 u-d user pop3s://u@d.example l nopw", NULL},
	{"auth popconn does not have: skipped with the reason",
	    "poll a.example proto pop3 auth gssapi user u is l here\n"
	    "poll b.example proto pop3 auth kerberos_v5 user u is l here\n"
	    "poll c.example proto pop3 auth otp user u is l here\n"
	    "poll d.example proto pop3 auth external user u is l here\n"
	    "poll e.example proto pop3 auth msn user u is l here\n", NULL,
	    "L1 skip: auth gssapi: popconn has no GSSAPI or Kerberos\n"
	    "L2 skip: auth kerberos_v5: popconn has no GSSAPI or Kerberos\n"
	    "L3 skip: auth otp: popconn has no one-time passwords\n"
	    "L4 skip: auth external: popconn has no client certificates "
	    "(SASL EXTERNAL)\n"
	    "L5 skip: auth msn: popconn has AUTH NTLM (-o auth=ntlm) but not "
	    "MSN", NULL},
	{"timeout becomes command_timeout; out of range is noted",
	    "poll a.example proto pop3 timeout 120 user u is l here ssl\n"
	    "poll b.example proto pop3 timeout 0 user u is l here ssl\n"
	    "poll c.example proto pop3 timeout 7200 user u is l here ssl\n",
	    NULL,
	    "L1 u-a user pop3s://u@a.example l command_timeout=120s nopw\n"
	    "L2 u-b user pop3s://u@b.example l nopw\n"
	    "L2 n: timeout 0\n"
	    "L3 u-c user pop3s://u@c.example l nopw\n"
	    "L3 n: timeout 7200", NULL},
	{"interval, aka, uidl, dns, via",
	    "set daemon 600\n"
	    "poll a.example via b.example aka c.example d.example proto pop3 "
	    "interval 3 no dns uidl\n  user u is l here ssl\n", NULL,
	    "L1 n: set daemon 600\n"
	    "L2 n: aka\n"
	    "L2 n: interval 3\n"
	    "L3 u-a user pop3s://u@b.example l nopw", NULL},
	{"keep, nokeep, no keep, limit, limitflush",
	    "poll a.example proto pop3 user u is l here ssl keep\n"
	    "poll b.example proto pop3 user u is l here ssl nokeep\n"
	    "poll c.example proto pop3 user u is l here ssl no keep limit "
	    "2000000\n"
	    "poll d.example proto pop3 user u is l here ssl limit 5000 "
	    "limitflush\n", NULL,
	    "L1 u-a user pop3s://u@a.example l keep=yes nopw\n"
	    "L1 n: keep\n"
	    "L2 u-b user pop3s://u@b.example l keep=no nopw\n"
	    "L3 u-c user pop3s://u@c.example l keep=no size_limit=2000000 "
	    "nopw\n"
	    "L4 u-d user pop3s://u@d.example l size_limit=5000 "
	    "size_limit_action=delete nopw", NULL},
	{"ssl options: certck, fingerprint, proto, certfile, certpath",
	    "poll a.example proto pop3 user u is l here ssl sslproto TLS1.2 "
	    "sslcertck sslcertfile /etc/ssl/ca.pem\n"
	    "poll b.example proto pop3 user u is l here ssl no sslcertck "
	    "sslfingerprint \"AB:CD:EF\"\n"
	    "poll c.example proto pop3 user u is l here ssl sslcertpath "
	    "/etc/ssl/certs\n"
	    "poll d.example proto pop3 user u is l here ssl sslcertfile "
	    "certs/ca.pem\n", NULL,
	    "L1 u-a user pop3s://u@a.example l tls_ca_file=/etc/ssl/ca.pem "
	    "nopw\n"
	    "L2 u-b user pop3s://u@b.example l nopw\n"
	    "L2 n: no sslcertck\n"
	    "L2 n: sslfingerprint\n"
	    "L3 u-c user pop3s://u@c.example l nopw\n"
	    "L3 n: sslcertpath /etc/ssl/certs\n"
	    "L4 u-d user pop3s://u@d.example l tls_ca_file=/home/x/certs/"
	    "ca.pem nopw", NULL},
	{"delivery options are not applicable; commands never run",
	    "poll a.example proto pop3 user u is l here ssl mda "
	    "\"/usr/bin/procmail -d %T\" smtphost localhost lmtp bsmtp /x "
	    "smtpname n preconnect \"ssh -f x\" postconnect y\n"
	    "poll b.example proto pop3 plugin \"openssl s_client\" user u is l "
	    "here ssl\n", NULL,
	    "L1 u-a user pop3s://u@a.example l nopw\n"
	    "L1 n: mda\nL1 n: smtphost\nL1 n: lmtp\nL1 n: bsmtp\n"
	    "L1 n: smtpname\nL1 n: preconnect\nL1 n: postconnect\n"
	    "L2 n: plugin\n"
	    "L2 u-b user pop3s://u@b.example l nopw", NULL},
	{"ignored options leave no trace",
	    "poll a.example proto pop3 user u is l here ssl fetchall flush "
	    "no flush stripcr forcecr pass8bits dropstatus dropdelivered "
	    "mimedecode idle fetchlimit 10 batchlimit 5 expunge 1 no rewrite "
	    "nofetchall\n", NULL,
	    "L1 u-a user pop3s://u@a.example l nopw\n"
	    "L1 n: flush", NULL},
	{"set: postmaster, syslog, bouncemail and the = form",
	    "set postmaster = \"root\"\nset no syslog\nset bouncemail\n"
	    "set daemon 900\nset idfile = ~/.fetchids\n", NULL,
	    "L1 n: set postmaster root\n"
	    "L3 n: set bouncemail\n"
	    "L4 n: set daemon 900\n"
	    "L5 n: set idfile", NULL},
	{"names: derived, sanitized, made unique",
	    "poll pop.gmail.com proto pop3 user \"Some.One+tag@gmail.com\" is "
	    "x here ssl\n"
	    "poll pop3.gmail.com proto pop3 user some.one+tag is x here ssl\n"
	    "poll mail.gmail.com proto pop3 user some.one_tag is x here ssl\n"
	    "poll 192.0.2.7 proto pop3 user -x- is x here ssl\n"
	    "poll localhost proto pop3 user \"@\" is x here ssl\n", NULL,
	    "L1 some.one_tag-gmail user pop3s://Some.One+tag%40gmail.com@"
	    "pop.gmail.com x nopw\n"
	    "L2 some.one_tag-gmail-2 user pop3s://some.one+tag@pop3.gmail.com "
	    "x nopw\n"
	    "L3 some.one_tag-gmail-3 user pop3s://some.one_tag@"
	    "mail.gmail.com x nopw\n"
	    "L4 x--192.0.2.7 user pop3s://-x-@192.0.2.7 x nopw\n"
	    "L5 _-localhost user pop3s://%40@localhost x nopw", NULL},
	{"the same account twice: the second is skipped",
	    "poll pop.a.example proto pop3 user u is l here ssl\n"
	    "poll POP.A.example proto pop3 user u is m here\n", NULL,
	    "L1 u-a user pop3s://u@pop.a.example l nopw\n"
	    "L2 skip: the same account as line 1 (two mailboxes would deliver "
	    "every message twice)", NULL},
	{"hostile values: bad host, local name with blanks, '-'",
	    "poll \"a b.example\" proto pop3 user u is l here ssl\n"
	    "poll c.example proto pop3 user u is \"l m\" here ssl\n"
	    "poll d.example proto pop3 user u is -l here ssl\n"
	    "poll e.example proto pop3 user \"u\\n\" is l here ssl\n", NULL,
	    "L1 skip: bad URL: host name: bad character 0x20\n"
	    "L2 skip: local name l m: use printable ASCII without white "
	    "space, not starting with '-'\n"
	    "L3 skip: local name -l: use printable ASCII without white space, "
	    "not starting with '-'\n"
	    "L4 skip: bad URL: account name: control character 0x0a not "
	    "allowed", NULL},
	{"a password the passwords file cannot hold is not imported",
	    "poll a.example proto pop3 user u pass \"x\\ny\" is l here ssl\n"
	    "poll b.example proto pop3 user u pass \" lead\" is l here ssl\n"
	    "poll c.example proto pop3 user u pass \"\" is l here ssl\n"
	    "poll d.example proto pop3 user u pass \\ is l here ssl\n", NULL,
	    "L1 u-a user pop3s://u@a.example l nopw\n"
	    "L1 n: password\n"
	    "L2 u-b user pop3s://u@b.example l nopw\n"
	    "L2 n: password\n"
	    "L3 u-c user pop3s://u@c.example l nopw\n"
	    "L3 n: password\n"
	    "L4 u-d user pop3s://u@d.example l nopw\n"
	    "L4 n: password", NULL},
	{"notes of a skipped poll are left out",
	    "poll imap.example proto imap interval 2 user u is l here mda x "
	    "keep\n", NULL,
	    "L1 skip: protocol IMAP is not POP3", NULL},
	{"CRLF line ends and 8-bit bytes",
	    "poll a.example proto pop3\r\n  user \"j\xc3\xa9r\xc3\xb4me\" "
	    "pass \"p\xe4ss\" is jerome here ssl\r\n\r\n", NULL,
	    "L2 j__r__me-a user pop3s://j%C3%A9r%C3%B4me@a.example jerome "
	    "pw2", NULL},
	{"a backslash joins lines; comments only at a word's start",
	    "poll a.example proto pop3 \\\n user u#1 # a comment\n"
	    " is l here ssl # pass x\n", NULL,
	    "L2 u_1-a user pop3s://u%231@a.example l nopw", NULL},
	{"an empty file, and one of comments only",
	    "# nothing\n\n   # here\n", NULL, "", NULL},

	/* Syntax errors name the file, the line and the word. */
	{"unknown keyword", "poll a.example proto pop3\n  user u pasword x\n",
	    NULL, NULL, "rc, line 2: unknown keyword \"pasword\" after user"},
	{"unknown keyword in a poll",
	    "poll a.example proto pop3\n\n  frobnicate\n", NULL, NULL,
	    "rc, line 3: unknown keyword \"frobnicate\""},
	{"unknown statement", "pol a.example\n", NULL, NULL,
	    "rc, line 1: unknown keyword \"pol\": expected set, defaults, "
	    "poll or skip"},
	{"unknown protocol", "poll a proto pop4\n", NULL, NULL,
	    "rc, line 1: unknown protocol \"pop4\""},
	{"unknown auth", "poll a auth magic\n", NULL, NULL,
	    "rc, line 1: unknown authentication \"magic\""},
	{"user options without user, then user",
	    "poll a.example proto pop3\n  ssl keep\n  user u is l here\n",
	    NULL, NULL, "rc, line 3: \"user\" after user options without "
	    "one (from line 2)"},
	{"server option after user options",
	    "poll a.example user u is l here\n  proto pop3\n", NULL, NULL,
	    "rc, line 2: server option \"proto\" after the user options"},
	{"missing value at the end", "poll a.example user u pass", NULL,
	    NULL, "rc, line 1: pass needs a name, not the end of the file"},
	{"a number that is not one", "poll a.example timeout soon\n", NULL,
	    NULL, "rc, line 1: timeout needs a number"},
	{"no before a keyword that has no negation",
	    "poll a.example no proto pop3\n", NULL, NULL,
	    "rc, line 1: \"no\" before \"proto\""},
	{"there after several names", "poll a user a b there\n", NULL, NULL,
	    "rc, line 1: \"there\" after more than one name"},
	{"set with an unknown option", "set colour blue\n", NULL, NULL,
	    "rc, line 1: set \"colour\": unknown global option"},
	{"a quoted string is never quoted back",
	    "poll a.example user u \"Secret-Pw\"\n", NULL, NULL,
	    "rc, line 1: unexpected a quoted string after user"},

	/* Hostile input. */
	{"unterminated string names the line it starts on",
	    "poll a.example\n user u pass \"abc\n\n\n", NULL, NULL,
	    "rc, line 2: unterminated string (it starts here)"},
	{"unterminated single-quoted string", "poll 'a.example", NULL, NULL,
	    "rc, line 1: unterminated string"},
	{"a backslash at the very end of a string",
	    "poll a user u pass \"x\\", NULL, NULL,
	    "rc, line 1: unterminated string"},
	{"\\x at the end of input", "poll a user u pass x\\x", NULL, NULL,
	    "rc, line 1: NUL byte (from an escape)"},
	{"\\x at the end of a string", "poll a user u pass \"x\\x\"", NULL,
	    NULL, "rc, line 1: NUL byte (from an escape)"},
	{"\\0 escape", "poll a user u pass \"x\\0\" is l here", NULL, NULL,
	    "rc, line 1: NUL byte (from an escape)"},
	{"a decimal escape over 255", "poll a user u pass \"\\999\"", NULL,
	    NULL, "rc, line 1: escape \\999: more than 255"},
	{"too many local names", NULL, NULL, NULL,
	    "rc, line 1: more than 100 names"},
};

/* render - a parse result as the text the table compares */

static void
render(const struct fetchmailrc *r, struct strbuf *out)
{
	const struct fetchmailrc_item *it;
	const struct fetchmailrc_box *b;
	const char *colon;
	size_t	i, j;

	strbuf_reset(out);
	for (i = 0; i < r->nitem; i++) {
		it = &r->item[i];
		if (i > 0)
			assert_int_equal(strbuf_putc(out, '\n'), 0);
		if (it->note != NULL) {
			colon = strchr(it->note, ':');
			assert_non_null(colon);
			assert_int_equal(strbuf_appendf(out, "L%d n: %.*s",
			    it->line, (int)(colon - it->note), it->note), 0);
			continue;
		}
		b = &r->box[it->box];
		if (b->why != NULL) {
			assert_int_equal(strbuf_appendf(out, "L%d skip: %s",
			    it->line, b->why), 0);
			continue;
		}
		assert_int_equal(strbuf_appendf(out, "L%d %s %s %s", it->line,
		    b->name, b->type, b->url), 0);
		if (b->deliver_to != NULL)
			assert_int_equal(strbuf_appendf(out, " %s",
			    b->deliver_to), 0);
		for (j = 0; j < b->nopt; j++)
			assert_int_equal(strbuf_appendf(out, " %s=%s",
			    b->opt[j].name, b->opt[j].value), 0);
		if (b->password != NULL)
			assert_int_equal(strbuf_appendf(out, " pw%d",
			    b->password_line), 0);
		else
			assert_int_equal(strbuf_puts(out, " nopw"), 0);
	}
}

/* fake_is_file - sslcertpath: only names ending in .pem are files */

static int
fake_is_file(const char *path)
{
	size_t	n = strlen(path);

	return (n > 4 && strcmp(path + n - 4, ".pem") == 0);
}

/* parse - run the parser on text with the test environment */

static int
parse(const char *text, size_t len, const char *local,
    struct fetchmailrc *r)
{
	struct fetchmailrc_env env;

	env.base_dir = "/home/x";
	env.default_local = local;
	env.is_file = fake_is_file;
	strbuf_reset(why);
	return (fetchmailrc_parse("rc", text, len, &env, r, why));
}

/* many_names - "poll a user u is n0 n1 ... n100 here" */

static char *
many_names(void)
{
	struct strbuf *sb = strbuf_alloc(4096);
	char   *s;
	int	i;

	assert_int_equal(strbuf_puts(sb, "poll a user u is"), 0);
	for (i = 0; i <= 100; i++)
		assert_int_equal(strbuf_appendf(sb, " n%d", i), 0);
	assert_int_equal(strbuf_puts(sb, " here\n"), 0);
	s = xstrdup(strbuf_str(sb));
	strbuf_free(sb);
	return (s);
}

/* test_cases - the table */

static void
test_cases(void **state)
{
	struct strbuf *out = strbuf_alloc(64 * 1024);
	struct fetchmailrc r;
	const struct rc_case *c;
	char   *in;
	size_t	i;
	int	rc;

	(void)state;
	for (i = 0; i < PC_ARRAY_LEN(cases); i++) {
		c = &cases[i];
		in = c->in ? xstrdup(c->in) : many_names();
		rc = parse(in, strlen(in), c->local, &r);
		if (c->out != NULL) {
			if (rc != PC_OK)
				fail_msg("%s: %s", c->desc, strbuf_str(why));
			render(&r, out);
			if (strcmp(strbuf_str(out), c->out) != 0)
				fail_msg("%s:\n--- got\n%s\n--- want\n%s",
				    c->desc, strbuf_str(out), c->out);
		} else {
			if (rc != PC_PERM)
				fail_msg("%s: no error", c->desc);
			if (strstr(strbuf_str(why), c->err) == NULL)
				fail_msg("%s: got \"%s\", want \"%s\"", c->desc,
				    strbuf_str(why), c->err);
			assert_int_equal(r.nbox, 0);
			assert_int_equal(r.nitem, 0);
		}
		fetchmailrc_free(&r);
		free(in);
	}
	strbuf_free(out);
}

/* test_password_roundtrip - quotes, backslashes, escapes, 8-bit bytes */

static void
test_password_roundtrip(void **state)
{
	static const struct {
		const char *in;
		const char *pw;
	} pw[] = {
		{"\"p\\\"a\\\\s's\\\\\"", "p\"a\\s's\\"},
		{"'it\\'s \"quoted\"'", "it's \"quoted\""},
		{"\"tab\\there\"", "tab\there"},
		/* \0101 is octal 010 and '1'; \65 is decimal, as fetchmail */
		{"\"\\x41\\x4a\\0101\\65\"", "AJ\b1A"},
		{"bare\\\\word\\x21", "bare\\word!"},
		{"\"#not-a-comment ; , : =\"", "#not-a-comment ; , : ="},
		{"\"\xc3\xa9t\xc3\xa9\"", "\xc3\xa9t\xc3\xa9"},
		{"\"\\q\\?\"", "q?"},
		{"keep", "keep"},	/* any word after pass is a name */
		{"\"trailing \"", "trailing "},
	};
	struct strbuf *text = strbuf_alloc(1024);
	struct fetchmailrc r;
	size_t	i;

	(void)state;
	for (i = 0; i < PC_ARRAY_LEN(pw); i++) {
		assert_int_equal(strbuf_printf(text, "poll a.example proto "
		    "pop3\n user u\n with pass %s\n is l here ssl\n", pw[i].in),
		    0);
		if (parse(text->data, text->len, NULL, &r) != PC_OK)
			fail_msg("%s: %s", pw[i].in, strbuf_str(why));
		assert_int_equal(r.nbox, 1);
		assert_null(r.box[0].why);
		assert_string_equal(r.box[0].password, pw[i].pw);
		assert_int_equal(r.box[0].password_line, 3);
		fetchmailrc_free(&r);
	}
	strbuf_free(text);
}

/* test_no_password_in_messages - notes, reasons and errors */

static void
test_no_password_in_messages(void **state)
{
	static const char *const in[] = {
		"poll a.example proto imap user u pass Hunter2pw is l here\n",
		("poll a.example proto pop3 esmtppassword Hunter2pw user u pass "
		"Hunter2pw is l here ssl mda x keep\n"),
		"poll a.example user u pass \"Hunter2pw\" \"Hunter2pw\"\n",
		"poll a.example user u pass 'Hunter2pw' is l here here\n",
		"poll a.example user u pass \"Hunter2pw\n",
		"poll a.example user u pass \"Hunter2pw\" frob\n",
		"poll a.example user u pass \"Hunter\n2pw\" is l here\n",
	};
	struct fetchmailrc r;
	size_t	i, j;

	(void)state;
	for (i = 0; i < PC_ARRAY_LEN(in); i++) {
		(void)parse(in[i], strlen(in[i]), "l", &r);
		assert_null(strstr(strbuf_str(why), "Hunter"));
		for (j = 0; j < r.nitem; j++)
			assert_true(r.item[j].note == NULL ||
			    strstr(r.item[j].note, "Hunter") == NULL);
		for (j = 0; j < r.nbox; j++)
			assert_true(r.box[j].why == NULL ||
			    strstr(r.box[j].why, "Hunter") == NULL);
		fetchmailrc_free(&r);
	}
}

/* test_nul_bytes - anywhere in the file */

static void
test_nul_bytes(void **state)
{
	static const char text[] = "poll a.example user u pass \"p\"\n"
	    "# comment\n is l here\n";
	struct fetchmailrc r;
	char	buf[sizeof(text)], where[32];
	size_t	i;
	int	line = 1;

	(void)state;
	for (i = 0; i + 1 < sizeof(text); i++) {
		memcpy(buf, text, sizeof(text));
		buf[i] = 0;
		assert_int_equal(parse(buf, sizeof(text) - 1, "l", &r),
		    PC_PERM);
		assert_non_null(strstr(strbuf_str(why), "NUL byte"));
		(void)snprintf(where, sizeof(where), "rc, line %d: ", line);
		if (strncmp(strbuf_str(why), where, strlen(where)) != 0)
			fail_msg("NUL at %zu: %s", i, strbuf_str(why));
		line += text[i] == '\n';
		fetchmailrc_free(&r);
	}
}

/* test_limits - a 10 MB line, long words, repeats, 100,000 polls */

static void
test_limits(void **state)
{
	struct fetchmailrc r;
	size_t	size = 10 * 1024 * 1024, i, n;
	char   *big = xmalloc(size + 1);

	(void)state;

	/* A 10 MB line: refused before it is read, with the line. */
	memcpy(big, "poll a user u pass \"", 20);
	memset(big + 20, 'A', size - 20);
	assert_int_equal(parse(big, size, "l", &r), PC_PERM);
	assert_string_equal(strbuf_str(why), "rc, line 1: the file is larger "
	    "than 1048576 bytes");

	/* The same on line 3, past the limit: the line where it ends. */
	memcpy(big, "#\n#\n", 4);
	assert_int_equal(parse(big, size, "l", &r), PC_PERM);
	assert_string_equal(strbuf_str(why), "rc, line 3: the file is larger "
	    "than 1048576 bytes");

	/* A word of 4096 bytes is fine, 4097 is not. */
	n = (size_t)snprintf(big, size, "poll a.example user u pass \"");
	memset(big + n, 'p', FETCHMAILRC_TOKEN_MAX);
	n += FETCHMAILRC_TOKEN_MAX;
	n += (size_t)snprintf(big + n, size - n, "\" is l here\n");
	assert_int_equal(parse(big, n, NULL, &r), PC_OK);
	assert_int_equal(strlen(r.box[0].password), FETCHMAILRC_TOKEN_MAX);
	fetchmailrc_free(&r);
	n = (size_t)snprintf(big, size, "\n\npoll a.example user u pass ");
	memset(big + n, 'p', FETCHMAILRC_TOKEN_MAX + 1);
	n += FETCHMAILRC_TOKEN_MAX + 1;
	assert_int_equal(parse(big, n, NULL, &r), PC_PERM);
	assert_string_equal(strbuf_str(why), "rc, line 3: word or string "
	    "longer than 4096 bytes");

	/* Deeply repeated keywords: one entry, one note. */
	n = (size_t)snprintf(big, size, "poll a.example proto pop3 user u is "
	    "l here ssl");
	for (i = 0; n + 8 < FETCHMAILRC_FILE_MAX; i++) {
		memcpy(big + n, i % 2 ? " keep" : " mda x", i % 2 ? 5 : 6);
		n += i % 2 ? 5 : 6;
	}
	assert_int_equal(parse(big, n, NULL, &r), PC_OK);
	assert_int_equal(r.nbox, 1);
	assert_int_equal(r.nitem, 3);		/* the box, mda, keep */
	fetchmailrc_free(&r);

	/* "no" over and over is an error, at once. */
	for (n = 0; n + 3 < FETCHMAILRC_FILE_MAX; n += 3)
		memcpy(big + n, "no ", 3);
	assert_int_equal(parse(big, n, NULL, &r), PC_PERM);
	assert_string_equal(strbuf_str(why), "rc, line 1: unexpected \"no\": "
	    "expected set, defaults, poll or skip");

	/* 100,000 poll statements: refused at the 10,001st entry. */
	for (n = 0, i = 0; i < 100000; i++) {
		memcpy(big + n, "poll a\n", 7);
		n += 7;
	}
	assert_true(n <= FETCHMAILRC_FILE_MAX);
	assert_int_equal(parse(big, n, NULL, &r), PC_PERM);
	assert_string_equal(strbuf_str(why), "rc, line 10001: more than "
	    "10000 user entries: split the file");
	assert_int_equal(r.nbox, 0);

	/* 10,000 are fine: all importable, all named apart. */
	for (n = 0, i = 0; i < FETCHMAILRC_BOX_MAX; i++)
		n += (size_t)snprintf(big + n, size - n, "poll h%zu.example "
		    "user u is l here\n", i % 100);
	assert_int_equal(parse(big, n, NULL, &r), PC_OK);
	assert_int_equal(r.nbox, FETCHMAILRC_BOX_MAX);
	assert_null(r.box[99].why);
	assert_non_null(r.box[100].why);	/* the same account again */
	fetchmailrc_free(&r);
	free(big);
}

/* test_names_long - 64 bytes at most, suffixes fit */

static void
test_names_long(void **state)
{
	struct strbuf *text = strbuf_alloc(8192);
	struct fetchmailrc r;
	char	user[101];

	(void)state;
	memset(user, 'u', 100);
	user[100] = 0;
	assert_int_equal(strbuf_printf(text, "poll a.example user %s is l "
	    "here\npoll b.example user %s is l here\n", user, user), 0);
	assert_int_equal(parse(text->data, text->len, NULL, &r), PC_OK);
	assert_int_equal(r.nbox, 2);
	assert_int_equal(strlen(r.box[0].name), PC_NAME_MAX);
	assert_int_equal(strlen(r.box[1].name), PC_NAME_MAX);
	assert_string_equal(r.box[1].name + PC_NAME_MAX - 2, "-2");
	assert_string_not_equal(r.box[0].name, r.box[1].name);
	fetchmailrc_free(&r);
	strbuf_free(text);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cases),
		cmocka_unit_test(test_password_roundtrip),
		cmocka_unit_test(test_no_password_in_messages),
		cmocka_unit_test(test_nul_bytes),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_names_long),
	};
	int	rc;

	why = strbuf_alloc(4096);
	rc = cmocka_run_group_tests_name("fetchmailrc", tests, NULL, NULL);
	strbuf_free(why);
	return (rc);
}
