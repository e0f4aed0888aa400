#!/bin/sh
# patchscope-client: sending the report and reading the answer.
# Part of patchscope-client, sourced by it: uses its variables and helpers.

# ---------------------------------------------------------------------------
# sending

json_field() {
	# the string value of the last "$1": "..." in a JSON text (no jq needed)
	tr '\n\r' '  ' <"$2" |
		sed -n -e 's/\\\\/@PSBS@/g' -e 's/\\"/@PSQ@/g' \
			-e "s/.*\"$1\"[[:space:]]*:[[:space:]]*\"\\([^\"]*\\)\".*/\\1/p" |
		sed -e 's/@PSQ@/"/g' -e 's/@PSBS@/\\/g'
}

find_credentials() {
	if [ -z "$CERT" ]; then
		CERT=$(first_file "/etc/patchscope/$HOST.crt" /etc/patchscope/host.crt /etc/grid-security/hostcert.pem) ||
			die "$EXIT_USAGE" "no host certificate: set CERT in $CONFIG_FILE or use --cert FILE (looked for /etc/patchscope/$HOST.crt and /etc/patchscope/host.crt)"
	fi
	if [ -z "$KEY" ]; then
		KEY=$(first_file "/etc/patchscope/$HOST.key" /etc/patchscope/host.key /etc/grid-security/hostkey.pem) ||
			die "$EXIT_USAGE" "no host key: set KEY in $CONFIG_FILE or use --key FILE"
	fi
	if [ -z "$CACERT" ]; then
		CACERT=$(first_file /etc/patchscope/ca.crt) || CACERT=
	fi
	[ -f "$CERT" ] && [ -r "$CERT" ] || die "$EXIT_USAGE" "cannot read the host certificate $CERT"
	[ -f "$KEY" ] && [ -r "$KEY" ] || die "$EXIT_USAGE" "cannot read the host key $KEY"
	if [ -n "$CACERT" ]; then
		[ -r "$CACERT" ] || die "$EXIT_USAGE" "cannot read the CA certificate(s) $CACERT"
	fi
}

send() {
	command -v curl >/dev/null 2>&1 || die "$EXIT_USAGE" "curl not found"
	command -v gzip >/dev/null 2>&1 || die "$EXIT_USAGE" "gzip not found"
	gzip -c -n -9 "$WORK/report" >"$WORK/report.gz" || die "$EXIT_COLLECT" "gzip failed"
	if [ -d "$CACERT" ]; then
		set -- --capath "$CACERT"
	elif [ -n "$CACERT" ]; then
		set -- --cacert "$CACERT"
	else
		set --
	fi
	log "sending $(wc -c <"$WORK/report.gz" | tr -dc '0-9') bytes to $URL with $CERT"
	# No --fail/--fail-with-body (7.76+, not in EL8's curl 7.61): the status
	# code comes from --write-out and the body is kept either way.
	code=$(curl --silent --show-error \
		--connect-timeout "$CONNECT_TIMEOUT" --max-time "$TIMEOUT" \
		"$@" --cert "$CERT" --key "$KEY" --pass '' \
		-H 'Content-Type: text/plain' -H 'Content-Encoding: gzip' \
		-H 'Accept: application/json' -H 'Expect:' \
		-A "$PROG/$PATCHSCOPE_CLIENT_VERSION" \
		--data-binary "@$WORK/report.gz" \
		--output "$WORK/response" --write-out '%{http_code}' \
		"$URL" 2>"$WORK/curl.err")
	rc=$?
	if [ "$rc" -ne 0 ]; then
		err=$(tr '\n' ' ' <"$WORK/curl.err" | sed 's/ *$//')
		case $rc in
		1 | 2 | 3) die "$EXIT_USAGE" "cannot send to $URL: ${err:-curl exit $rc}" ;;
		*) die "$EXIT_NETWORK" "cannot send to $URL (curl exit $rc): ${err:-network or TLS error}" ;;
		esac
	fi
	[ -f "$WORK/response" ] || : >"$WORK/response"
	message=$(json_field message "$WORK/response")
	ecode=$(json_field code "$WORK/response")
	case $code in
	2??)
		if [ "$VERBOSE" = yes ]; then
			say "accepted (HTTP $code): $(tr '\n' ' ' <"$WORK/response")"
		fi
		exit "$EXIT_OK"
		;;
	408 | 429)
		die "$EXIT_NETWORK" "the server is busy (HTTP $code${ecode:+, $ecode})${message:+: $message}; try again later"
		;;
	4??)
		[ -n "$message" ] || message=$(head -c 300 "$WORK/response" | tr '\n\r\t' '   ')
		die "$EXIT_REFUSED" "the server refused the report (HTTP $code${ecode:+, $ecode}): ${message:-no reason given}"
		;;
	5??)
		die "$EXIT_NETWORK" "server error (HTTP $code${ecode:+, $ecode})${message:+: $message}; try again later"
		;;
	*)
		die "$EXIT_NETWORK" "unexpected answer from $URL (HTTP $code)"
		;;
	esac
}
