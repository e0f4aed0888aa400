#!/bin/sh
# patchscope-client: what the host runs (OS, host name, packages, reboot).
# Part of patchscope-client, sourced by it: uses its variables and helpers.

# ---------------------------------------------------------------------------
# collection

one_line() { printf '%s' "$1" | tr '\t\r\n' '   ' | sed -e 's/^ *//' -e 's/ *$//'; }

# os-release: read the value of one key, with shell quoting removed.
OS_RELEASE=
for f in "$ROOT/etc/os-release" "$ROOT/usr/lib/os-release"; do
	if [ -f "$f" ]; then
		OS_RELEASE=$f
		break
	fi
done
osr_get() {
	[ -n "$OS_RELEASE" ] || return 0
	awk -v key="$1" '
	{ sub(/\r$/, "") }
	index($0, key "=") == 1 {
		v = substr($0, length(key) + 2)
		sub(/^[ \t]+/, "", v)
		sub(/[ \t]+$/, "", v)
		q = substr(v, 1, 1)
		if ((q == "\"" || q == "'\''") && length(v) >= 2 && substr(v, length(v), 1) == q) {
			v = substr(v, 2, length(v) - 2)
			if (q == "\"") {
				out = ""
				for (i = 1; i <= length(v); i++) {
					c = substr(v, i, 1)
					if (c == "\\" && i < length(v)) { i++; c = substr(v, i, 1) }
					out = out c
				}
				v = out
			}
		}
		val = v
	}
	END { printf "%s", val }
	' "$OS_RELEASE"
}

collect_os() {
	OS_ID=$(osr_get ID)
	OS_VERSION_ID=$(osr_get VERSION_ID)
	OS_CODENAME=$(osr_get VERSION_CODENAME)
	[ -n "$OS_CODENAME" ] || OS_CODENAME=$(osr_get UBUNTU_CODENAME)
	OS_LIKE=$(osr_get ID_LIKE)
	SYSTEM=$(osr_get PRETTY_NAME)
	if [ -z "$SYSTEM" ] && [ -n "$OS_RELEASE" ]; then
		SYSTEM="$(osr_get NAME) $(osr_get VERSION)"
	fi
	if [ -z "$OS_RELEASE" ]; then
		# very old systems: no os-release
		for f in "$ROOT/etc/redhat-release" "$ROOT/etc/system-release" "$ROOT/etc/SuSE-release"; do
			if [ -f "$f" ]; then
				SYSTEM=$(head -n 1 "$f")
				break
			fi
		done
		if [ -z "$SYSTEM" ] && [ -f "$ROOT/etc/debian_version" ]; then
			SYSTEM="Debian GNU/Linux $(head -n 1 "$ROOT/etc/debian_version")"
		fi
		say "warning: no os-release file; the server may not recognise this OS"
	fi
	OS_ID=$(one_line "$OS_ID")
	OS_VERSION_ID=$(one_line "$OS_VERSION_ID")
	OS_CODENAME=$(one_line "$OS_CODENAME")
	OS_LIKE=$(one_line "$OS_LIKE")
	SYSTEM=$(one_line "$SYSTEM")
	[ -n "$SYSTEM" ] || SYSTEM=Linux
}

host_name() {
	if [ -z "$HOST" ]; then
		HOST=$(hostname -f 2>/dev/null) || HOST=
		case $HOST in *' '* | '') HOST=$(hostname 2>/dev/null) || HOST= ;; esac
		case $HOST in *' '* | '') HOST=$(uname -n 2>/dev/null) || HOST= ;; esac
		if [ -z "$HOST" ] && [ -r /proc/sys/kernel/hostname ]; then HOST=$(cat /proc/sys/kernel/hostname); fi
		HOST=$(printf '%s' "$HOST" | tr '[:upper:]' '[:lower:]')
	fi
	HOST=$(one_line "$HOST")
	[ -n "$HOST" ] || die "$EXIT_COLLECT" "cannot determine the host name; set HOST or use --host"
}

collect_host() {
	host_name
	KERNEL=$(uname -r) && [ -n "$KERNEL" ] || die "$EXIT_COLLECT" "uname -r failed"
	ARCH=$(uname -m) && [ -n "$ARCH" ] || die "$EXIT_COLLECT" "uname -m failed"
	KERNEL=$(one_line "$KERNEL")
	ARCH=$(one_line "$ARCH")
}

detect_packager() {
	[ -z "$PACKAGER" ] || return 0
	case " $OS_ID $OS_LIKE " in
	*' debian '* | *' ubuntu '*) PACKAGER=dpkg ;;
	*' rhel '* | *' fedora '* | *' centos '* | *' suse '* | *' opensuse '* | *' sles '* | *' amzn '* | \
		*' mageia '* | *' openEuler '*) PACKAGER=rpm ;;
	*)
		if command -v dpkg-query >/dev/null 2>&1; then
			PACKAGER=dpkg
		elif command -v rpm >/dev/null 2>&1; then
			PACKAGER=rpm
		else
			die "$EXIT_COLLECT" "no supported package tool: need rpm or dpkg-query"
		fi
		;;
	esac
	log "packager: $PACKAGER (os-release ID=$OS_ID ID_LIKE=$OS_LIKE)"
}

# rpm: one line per package, epoch written as a number (0 when none); the
# source package from SOURCERPM (name-version-release.src.rpm), with the
# binary's epoch (SOURCERPM carries none). gpg-pubkey pseudo-packages (keys,
# not software) are left out, as pakiti-client does.
collect_rpm() {
	command -v rpm >/dev/null 2>&1 || die "$EXIT_COLLECT" "rpm not found"
	# %{EPOCH} rather than %{EPOCHNUM}: the latter is missing from old rpm.
	if ! rpm -qa --qf '%{NAME}\t%{EPOCH}\t%{VERSION}\t%{RELEASE}\t%{ARCH}\t%{SOURCERPM}\n' \
		>"$WORK/rpm.out" 2>"$WORK/rpm.err"; then
		say "rpm -qa failed: $(head -n 3 "$WORK/rpm.err" | tr '\n' ' ')"
		exit "$EXIT_COLLECT"
	fi
	awk -F '\t' '
	NF < 6 || $1 == "" { next }
	$1 == "gpg-pubkey" { next }
	{
		epoch = ($2 == "(none)" || $2 == "") ? 0 : $2
		evr = epoch ":" $3 "-" $4
		src = $6
		sname = $1
		sevr = evr
		if (src != "(none)" && src != "") {
			sub(/\.(no)?src\.rpm$/, "", src)
			# name-version-release: release and version contain no "-"
			r = match(src, /-[^-]*-[^-]*$/)
			if (r > 1) {
				sname = substr(src, 1, RSTART - 1)
				vr = substr(src, RSTART + 1)
				sevr = epoch ":" vr
			}
		}
		printf "%s\t%s\t%s\t%s\t%s\n", $1, evr, $5, sname, sevr
	}
	' "$WORK/rpm.out" | sort -u >"$WORK/packages"
}

# dpkg: every package whose files are on disk. The current state (2nd letter
# of db:Status-Abbrev) counts, not the wanted action: "ii", "hi" (held),
# "ri"/"pi" (marked for removal but still there), and the unpacked, half-
# configured, half-installed and trigger states (U F H W t) are reported;
# "n" (not installed) and "c" (only config files left) are not.
collect_dpkg() {
	command -v dpkg-query >/dev/null 2>&1 || die "$EXIT_COLLECT" "dpkg-query not found"
	if ! dpkg-query -W -f '${db:Status-Abbrev}\t${Package}\t${Version}\t${Architecture}\t${source:Package}\t${source:Version}\n' \
		>"$WORK/dpkg.out" 2>"$WORK/dpkg.err"; then
		say "dpkg-query failed: $(head -n 3 "$WORK/dpkg.err" | tr '\n' ' ')"
		exit "$EXIT_COLLECT"
	fi
	awk -F '\t' '
	NF < 6 || $2 == "" || $3 == "" { next }
	{
		state = substr($1, 2, 1)
		if (state == "n" || state == "c" || state == "" || state == " ") next
		sname = ($5 != "") ? $5 : $2
		sver = ($6 != "") ? $6 : $3
		printf "%s\t%s\t%s\t%s\t%s\n", $2, $3, $4, sname, sver
	}
	' "$WORK/dpkg.out" | sort -u >"$WORK/packages"
}

# >>> rpmvercmp (awk): rpm's rpmvercmp(), including "~" and "^"; the tests
# check it against rpm's own test vectors.
RPMVERCMP_AWK='
function rpmvercmp(a, b,    ca, cb, sa, sb, isnum) {
	if (a "" == b "") return 0
	while (a != "" || b != "") {
		while (a != "" && substr(a, 1, 1) !~ /[A-Za-z0-9~^]/) a = substr(a, 2)
		while (b != "" && substr(b, 1, 1) !~ /[A-Za-z0-9~^]/) b = substr(b, 2)
		ca = substr(a, 1, 1)
		cb = substr(b, 1, 1)
		if (ca == "~" || cb == "~") {
			if (ca != "~") return 1
			if (cb != "~") return -1
			a = substr(a, 2); b = substr(b, 2)
			continue
		}
		if (ca == "^" || cb == "^") {
			if (a == "") return -1
			if (b == "") return 1
			if (ca != "^") return 1
			if (cb != "^") return -1
			a = substr(a, 2); b = substr(b, 2)
			continue
		}
		if (a == "" || b == "") break
		if (ca ~ /[0-9]/) {
			match(a, /^[0-9]+/); sa = substr(a, 1, RLENGTH); a = substr(a, RLENGTH + 1)
			if (match(b, /^[0-9]+/)) { sb = substr(b, 1, RLENGTH); b = substr(b, RLENGTH + 1) } else sb = ""
			isnum = 1
		} else {
			match(a, /^[A-Za-z]+/); sa = substr(a, 1, RLENGTH); a = substr(a, RLENGTH + 1)
			if (match(b, /^[A-Za-z]+/)) { sb = substr(b, 1, RLENGTH); b = substr(b, RLENGTH + 1) } else sb = ""
			isnum = 0
		}
		if (sb == "") return isnum ? 1 : -1
		if (isnum) {
			sub(/^0+/, "", sa)
			sub(/^0+/, "", sb)
			if (length(sa) > length(sb)) return 1
			if (length(sb) > length(sa)) return -1
		}
		if (sa "" < sb "") return -1
		if (sa "" > sb "") return 1
	}
	if (a == "" && b == "") return 0
	return (a == "") ? -1 : 1
}'
# <<< rpmvercmp

# rpm hosts: is a kernel newer than the running one installed? The running
# kernel (uname -r) is VERSION-RELEASE.ARCH, with "+debug"/"+64k"/"+rt" for
# RHEL 9 variants and "-default" etc. on SUSE; only packages of the running
# flavour are compared (kernel/kernel-core, kernel-uek*, kernel-rt*, ...).
rpm_newer_kernel() {
	awk -F '\t' -v running="$KERNEL" -v machine="$ARCH" "$RPMVERCMP_AWK"'
	function wanted(name) {
		if (suse != "") return name == "kernel-" suse
		if (flavour != "") return name == "kernel-" flavour "-core" || name == "kernel-" flavour
		if (r ~ /uek/) return name == "kernel-uek" || name == "kernel-uek-core"
		if (r ~ /\.rt[0-9]/) return name == "kernel-rt" || name == "kernel-rt-core"
		if (r ~ /elrepo/) return name ~ /^kernel-(ml|lt)(-core)?$/
		return name == "kernel" || name == "kernel-core" || name ~ /^kernel[0-9][0-9.]*$/
	}
	BEGIN {
		r = running
		if (match(r, /\+[A-Za-z0-9_]+$/)) { flavour = substr(r, RSTART + 1); r = substr(r, 1, RSTART - 1) }
		else if (match(r, /-[a-z][a-z0-9_]*$/)) { suse = substr(r, RSTART + 1); r = substr(r, 1, RSTART - 1) }
		n = length(machine)
		if (n > 0 && length(r) > n + 1 && substr(r, length(r) - n) == "." machine) r = substr(r, 1, length(r) - n - 1)
		else if (match(r, /\.(x86_64|i[3-6]86|aarch64|ppc64le|ppc64|s390x|armv7hl)$/)) r = substr(r, 1, RSTART - 1)
		dash = index(r, "-")
		rv = dash ? substr(r, 1, dash - 1) : r
		rr = dash ? substr(r, dash + 1) : ""
		newer = 0
	}
	wanted($1) {
		vr = $2
		sub(/^[0-9]+:/, "", vr)
		if (vr "" == r "" || index(vr, r ".") == 1) next
		dash = index(vr, "-")
		pv = dash ? substr(vr, 1, dash - 1) : vr
		pr = dash ? substr(vr, dash + 1) : ""
		c = rpmvercmp(pv, rv)
		if (c == 0) c = rpmvercmp(pr, rr)
		if (c > 0) newer = 1
	}
	END { print newer ? "yes" : "no" }
	' "$WORK/packages"
}

collect_reboot() {
	REBOOT=no
	if [ -e "$ROOT/var/run/reboot-required" ] || [ -e "$ROOT/run/reboot-required" ]; then
		REBOOT=yes
		log "reboot required: reboot-required file present"
	elif [ "$PACKAGER" = rpm ]; then
		REBOOT=$(rpm_newer_kernel)
		[ "$REBOOT" = no ] || log "reboot required: a kernel newer than $KERNEL is installed"
	fi
}
