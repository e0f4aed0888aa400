#!/bin/sh
# patchscope-client: the report, collected or read from --input.
# Part of patchscope-client, sourced by it: uses its variables and helpers.

header() { if [ -n "$2" ]; then printf '%s: %s\n' "$1" "$2"; else printf '%s:\n' "$1"; fi; }

collect() {
	collect_os
	collect_host
	detect_packager
	case $PACKAGER in
	rpm) collect_rpm ;;
	dpkg) collect_dpkg ;;
	esac
	npkg=$(wc -l <"$WORK/packages" | tr -dc '0-9')
	[ "${npkg:-0}" -gt 0 ] || die "$EXIT_COLLECT" "no installed packages found ($PACKAGER)"
	collect_reboot
	if [ "$UPDATES" = yes ]; then
		case $PACKAGER in
		rpm) collect_updates_rpm ;;
		dpkg) collect_updates_apt ;;
		esac
	fi
	log "host $HOST, $SYSTEM, kernel $KERNEL ($ARCH), $npkg packages ($PACKAGER), reboot required: $REBOOT"

	{
		echo '#'
		header arch "$ARCH"
		header host "$HOST"
		header kernel "$KERNEL"
		header packager "$PACKAGER"
		header site "$(one_line "$SITE")"
		header system "$SYSTEM"
		header tag "$(one_line "$TAG")"
		header format patchscope-1
		header os-id "$OS_ID"
		header os-version-id "$OS_VERSION_ID"
		header os-codename "$OS_CODENAME"
		header os-like "$OS_LIKE"
		header reboot-required "$REBOOT"
		header client "$PROG $PATCHSCOPE_CLIENT_VERSION"
		echo '#'
		cat "$WORK/packages"
		echo '#'
		if [ "$UPDATES_OK" = yes ]; then
			echo '#section updates'
			cat "$WORK/updates"
			echo '#'
		fi
		if [ "$REPOS_OK" = yes ]; then
			echo '#section repos'
			cat "$WORK/repos"
			echo '#'
		fi
	} >"$WORK/report"
}

# --input: a saved report, plain or gzip-compressed, "-" for stdin
read_input() {
	if [ "$INPUT" = - ]; then
		cat >"$WORK/input" || die "$EXIT_USAGE" "--input: cannot read stdin"
	else
		cat "$INPUT" >"$WORK/input" || die "$EXIT_USAGE" "--input: cannot read $INPUT"
	fi
	magic=$(od -An -tx1 -N2 "$WORK/input" | tr -d ' \n')
	if [ "$magic" = 1f8b ]; then
		gzip -dc "$WORK/input" >"$WORK/report" 2>/dev/null || die "$EXIT_USAGE" "--input: $INPUT is not valid gzip"
	else
		mv "$WORK/input" "$WORK/report"
	fi
	[ "$(head -n 1 "$WORK/report")" = '#' ] || die "$EXIT_USAGE" "--input: $INPUT is not a Patchscope/Pakiti report (first line must be '#')"
	HOST=$(sed -n 's/^host: *//p' "$WORK/report" | head -n 1)
	log "read the report for ${HOST:-?} from $INPUT"
}
