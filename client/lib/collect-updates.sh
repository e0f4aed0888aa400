#!/bin/sh
# patchscope-client: updates and repositories (--updates).
# Part of patchscope-client, sourced by it: uses its variables and helpers.

# --- updates and repositories (--updates), best effort: a failing tool
# leaves its section out, so the server can tell "unknown" from "none".

UPDATES_OK=no
REPOS_OK=no

# NEVRA list from "dnf updateinfo list" / "yum updateinfo list" (dnf4/yum:
# ADVISORY TYPE NEVRA; dnf5: NAME TYPE SEVERITY NEVRA ISSUED) -> name.arch kind
updateinfo_kinds() {
	awk '
	function rank(k) { return k == "security" ? 3 : k == "bugfix" ? 2 : k == "enhancement" ? 1 : 0 }
	NF >= 3 {
		t = $2
		if (t ~ /Sec\.?$/ || tolower(t) == "security") kind = "security"
		else if (tolower(t) == "bugfix") kind = "bugfix"
		else if (tolower(t) == "enhancement") kind = "enhancement"
		else next
		for (i = 3; i <= NF; i++) if ($i ~ /^[^ ]+-[^-]+-[^-]+\.[A-Za-z0-9_]+$/) break
		if (i > NF) next
		nevra = $i
		arch = nevra; sub(/^.*\./, "", arch)
		rest = substr(nevra, 1, length(nevra) - length(arch) - 1)
		sub(/-[^-]+$/, "", rest)   # release
		sub(/-[^-]+$/, "", rest)   # [epoch:]version
		key = rest "." arch
		if (rank(kind) > rank(best[key])) best[key] = kind
	}
	END { for (k in best) printf "%s\t%s\n", k, best[k] }
	' "$@"
}

# "dnf/yum check-update": name.arch [epoch:]version-release repo, lines may be
# wrapped by yum; stops at "Obsoleting Packages".
parse_check_update() {
	awk -v kinds="$1" '
	BEGIN {
		while ((getline line < kinds) > 0) { split(line, f, "\t"); kind[f[1]] = f[2] }
		n = 0
	}
	/^Obsoleting Packages/ { exit }
	/^Security:/ { next }
	{
		for (i = 1; i <= NF; i++) {
			if (n == 0 && $i !~ /^[^:\/ ]+\.[A-Za-z0-9_]+$/) next
			buf[++n] = $i
		}
		if (n < 3) next
		if (buf[2] !~ /-/) { n = 0; next }
		na = buf[1]
		arch = na; sub(/^.*\./, "", arch)
		name = substr(na, 1, length(na) - length(arch) - 1)
		ver = buf[2]
		if (ver !~ /^[0-9]+:/) ver = "0:" ver
		k = (na in kind) ? kind[na] : "unknown"
		printf "%s\t%s\t%s\t%s\t%s\n", name, ver, arch, buf[3], k
		n = 0
	}
	'
}

collect_updates_rpm() {
	if command -v dnf >/dev/null 2>&1; then
		pm=dnf
	elif command -v yum >/dev/null 2>&1; then
		pm=yum
	else
		say "warning: --updates: neither dnf nor yum found; no updates section"
		return 0
	fi
	log "asking $pm for updates"
	"$pm" -q check-update >"$WORK/cu.out" 2>"$WORK/cu.err"
	rc=$?
	if [ "$rc" -ne 0 ] && [ "$rc" -ne 100 ]; then
		say "warning: $pm check-update failed (exit $rc): $(head -n 2 "$WORK/cu.err" | tr '\n' ' ')"
	else
		if [ "$pm" = dnf ]; then
			dnf -q updateinfo list --updates >"$WORK/ui.out" 2>"$WORK/ui.err" || : >"$WORK/ui.out"
		else
			yum -q updateinfo list updates >"$WORK/ui.out" 2>"$WORK/ui.err" || : >"$WORK/ui.out"
		fi
		updateinfo_kinds "$WORK/ui.out" >"$WORK/kinds"
		parse_check_update "$WORK/kinds" <"$WORK/cu.out" | sort -u >"$WORK/updates"
		UPDATES_OK=yes
	fi
	# repositories: Repo-id/Repo-name/Repo-status/Repo-baseurl (dnf4, yum),
	# Repo ID/Name/Status/Base URL (dnf5)
	repos_rc=0
	if [ "$pm" = dnf ]; then
		dnf repoinfo >"$WORK/repos.out" 2>/dev/null || dnf repolist -v >"$WORK/repos.out" 2>/dev/null || repos_rc=1
	else
		yum -v repolist enabled >"$WORK/repos.out" 2>/dev/null || repos_rc=1
	fi
	if [ "$repos_rc" -eq 0 ]; then
		awk '
		function flush() {
			if (id != "" && enabled == "yes") printf "%s\t%s\t%s\t%s\n", id, name, (baseurl != "" ? baseurl : mirror), enabled
			id = ""; name = ""; baseurl = ""; mirror = ""; enabled = "yes"
		}
		function val(s) {
			s = substr(s, index(s, ":") + 1); sub(/^[ \t]+/, "", s); sub(/[ \t]+$/, "", s); gsub(/\t/, " ", s)
			sub(/[ ,].*$/, "", s) # first word (first of several URLs; names are taken whole below)
			return s
		}
		function whole(s) { s = substr(s, index(s, ":") + 1); sub(/^[ \t]+/, "", s); sub(/[ \t]+$/, "", s); gsub(/\t/, " ", s); return s }
		index($0, ":") > 1 {
			key = tolower(substr($0, 1, index($0, ":") - 1))
			sub(/^[ \t]+/, "", key)
			sub(/[ \t]+$/, "", key)
			if (key == "repo-id" || key == "repo id") { flush(); id = val($0); sub(/\/.*/, "", id); next }
			if (id == "") next
			if (key == "repo-name" || key == "name") name = whole($0)
			else if (key == "repo-status" || key == "status") enabled = (whole($0) ~ /^enabled/) ? "yes" : "no"
			else if (key == "repo-baseurl" || key == "base url") { if (baseurl == "") baseurl = val($0) }
			else if (key ~ /^(repo-)?(metalink|mirrors|mirrorlist)$/) { if (mirror == "") mirror = val($0) }
		}
		END { flush() }
		' "$WORK/repos.out" >"$WORK/repos"
		REPOS_OK=yes
	fi
}

# "apt-get -s dist-upgrade": Inst NAME [OLD] (NEW ORIGIN:VERSION/SUITE[, ...] [ARCH])
# A candidate available from a "-security" suite is a security update.
collect_updates_apt() {
	if ! command -v apt-get >/dev/null 2>&1; then
		say "warning: --updates: apt-get not found; no updates section"
	else
		log "asking apt-get for updates (from the package lists as they are; run apt-get update to refresh)"
		if apt-get -s -o Debug::NoLocking=true dist-upgrade >"$WORK/apt.out" 2>"$WORK/apt.err"; then
			awk '
			$1 == "Inst" && $3 ~ /^\[/ {
				name = $2; sub(/:.*$/, "", name)
				if (!match($0, /\([^()]*\)/)) next
				inner = substr($0, RSTART + 1, RLENGTH - 2)
				nf = split(inner, w, " ")
				ver = w[1]
				arch = w[nf]; gsub(/[][]/, "", arch)
				origins = ""
				for (i = 2; i < nf; i++) origins = origins (i > 2 ? " " : "") w[i]
				norig = split(origins, o, ", *")
				kind = "unknown"; repo = o[1]
				for (i = 1; i <= norig; i++) if (o[i] ~ /-security$/ || o[i] ~ /-security[\/ ]/) { kind = "security"; repo = o[i]; break }
				printf "%s\t%s\t%s\t%s\t%s\n", name, ver, arch, repo, kind
			}
			' "$WORK/apt.out" | sort -u >"$WORK/updates"
			UPDATES_OK=yes
		else
			say "warning: apt-get -s dist-upgrade failed: $(head -n 2 "$WORK/apt.err" | tr '\n' ' ')"
		fi
	fi
	collect_repos_apt
}

# /etc/apt/sources.list(.d): one-line "deb [options] URI SUITE COMPONENT..."
# and deb822 *.sources (Types/URIs/Suites/Components/Enabled). One line per
# (URI, suite) of binary ("deb") sources that are enabled.
collect_repos_apt() {
	: >"$WORK/repos"
	for f in "$ROOT/etc/apt/sources.list" "$ROOT"/etc/apt/sources.list.d/*.list; do
		[ -f "$f" ] || continue
		awk '
		{ sub(/\r$/, ""); sub(/#.*/, "") }
		$1 == "deb" {
			line = $0
			gsub(/\[[^]]*\]/, " ", line)
			n = split(line, w, " ")
			if (n < 3) next
			uri = w[2]; suite = w[3]; comps = ""
			for (i = 4; i <= n; i++) comps = comps " " w[i]
			id = uri; sub(/^[a-z+]+:\/\//, "", id); sub(/\/+$/, "", id)
			printf "%s:%s\t%s%s\t%s\tyes\n", id, suite, suite, comps, uri
		}
		' "$f" >>"$WORK/repos"
	done
	for f in "$ROOT"/etc/apt/sources.list.d/*.sources; do
		[ -f "$f" ] || continue
		awk '
		function flush(    nu, ns, i, j, id, u) {
			if (types ~ /(^| )deb( |$)/ && enabled !~ /^(no|false|0)$/) {
				nu = split(uris, U, " "); ns = split(suites, S, " ")
				for (i = 1; i <= nu; i++) for (j = 1; j <= ns; j++) {
					id = U[i]; sub(/^[a-z+]+:\/\//, "", id); sub(/\/+$/, "", id)
					printf "%s:%s\t%s%s\t%s\tyes\n", id, S[j], S[j], (comps != "" ? " " comps : ""), U[i]
				}
			}
			types = ""; uris = ""; suites = ""; comps = ""; enabled = ""
		}
		function val(s) { s = substr(s, index(s, ":") + 1); gsub(/[ \t]+/, " ", s); sub(/^ /, "", s); sub(/ $/, "", s); return s }
		{ sub(/\r$/, "") }
		/^#/ { next }
		/^[ \t]*$/ { flush(); next }
		/^[ \t]/ { next }
		{
			key = tolower(substr($0, 1, index($0, ":") - 1))
			if (key == "types") types = val($0)
			else if (key == "uris") uris = val($0)
			else if (key == "suites") suites = val($0)
			else if (key == "components") comps = val($0)
			else if (key == "enabled") enabled = tolower(val($0))
		}
		END { flush() }
		' "$f" >>"$WORK/repos"
	done
	REPOS_OK=yes
}
