#!/usr/bin/env bats
# SPDX-License-Identifier: (GPL-2.0 OR MIT)
# The Pacemaker resource agent ocf:rblk:rblk and the fence-peer handler,
# without a kernel or a cluster: rblkadm, crm_master, crm_attribute and
# modprobe are fakes from tests/ocf/bin (the rblkadm fake keeps its
# "device" in a state file), the CIB is a file (CIB_file) that the real
# cibadmin edits. Needs Debian's bats, resource-agents (ocf-shellfuncs,
# ocf-tester, ra-api-1.dtd), pacemaker-cli-utils and libxml2-utils.
#
#   bats tests/ocf

OCF_DIR=$(cd "$(dirname "$BATS_TEST_FILENAME")" && pwd)
REPO=$(cd "$OCF_DIR/../.." && pwd)
AGENT=$REPO/scripts/ocf/rblk
FENCE=$REPO/scripts/ocf/fence-peer
DTD=/usr/share/resource-agents/ra-api-1.dtd

setup() {
	T=$BATS_TEST_TMPDIR
	export PATH="$OCF_DIR/bin:$PATH"
	export RBLK_FAKE_STATE=$T/state RBLK_FAKE_LOG=$T/rblkadm.log RBLK_FAKE_CRM_LOG=$T/crm.log
	: >"$RBLK_FAKE_LOG"
	: >"$RBLK_FAKE_CRM_LOG"
	: >"$RBLK_FAKE_STATE"
	echo 'resource pg { }' >"$T/rblk.conf"

	export OCF_ROOT=${OCF_ROOT:-/usr/lib/ocf}
	export OCF_RA_VERSION_MAJOR=1 OCF_RA_VERSION_MINOR=0
	export OCF_RESOURCE_INSTANCE=p_rblk
	export OCF_RESKEY_rblk_resource=pg OCF_RESKEY_rblkconf=$T/rblk.conf
	export OCF_RESKEY_CRM_meta_promotable=true OCF_RESKEY_CRM_meta_clone_max=2
	export OCF_RESKEY_CRM_meta_timeout=20000 OCF_RESKEY_CRM_meta_interval=31000
	export OCF_RESKEY_promote_wait=0
	# ocf_log to stderr only, never to syslog
	export HA_LOGFACILITY=none HA_LOGFILE= HA_DEBUGLOG=
	unset OCF_RESKEY_crm_feature_set OCF_TESTER_FAIL_HAVE_BINARY \
		OCF_RESKEY_CRM_meta_notify_type OCF_RESKEY_CRM_meta_notify_operation
}

# state key=value...: set the fake device's state.
state() {
	local kv
	for kv in "$@"; do
		printf "%s='%s'\n" "${kv%%=*}" "${kv#*=}" >>"$RBLK_FAKE_STATE"
	done
}

ra() {
	run "$AGENT" "$@"
}

# The rblkadm commands the agent changed state with (what it read left out).
changes() {
	grep -v -e '^role ' -e '^cstate ' -e '^dstate ' -e '^dump' "$RBLK_FAKE_LOG" |
		sed 's/ *$//' | paste -sd, -
}

last_score() {
	tail -n 1 "$RBLK_FAKE_CRM_LOG"
}

# ---- meta-data and validate-all -------------------------------------------

@test "meta-data is valid against the OCF ra-api-1.dtd" {
	run bash -c "'$AGENT' meta-data | xmllint --noout --dtdvalid '$DTD' -"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
}

@test "meta-data names every action and parameter, needs no rblkadm or parameters" {
	unset OCF_RESKEY_rblk_resource
	export OCF_TESTER_FAIL_HAVE_BINARY=1
	ra meta-data
	[ "$status" -eq 0 ]
	for a in start stop promote demote monitor notify reload meta-data validate-all; do
		[[ "$output" == *"<action name=\"$a\""* ]] || { echo "no action $a"; false; }
	done
	for p in rblk_resource rblkconf score_uptodate_connected score_uptodate \
		 score_consistent score_outdated promote_wait stop_retries; do
		[[ "$output" == *"<parameter name=\"$p\""* ]] || { echo "no parameter $p"; false; }
	done
	[[ "$output" == *'role="Promoted"'* && "$output" == *'role="Unpromoted"'* ]]
	[ ! -s "$RBLK_FAKE_LOG" ]
}

@test "validate-all: fine with a known resource" {
	ra validate-all
	[ "$status" -eq 0 ]
	grep -qx 'dump pg' "$RBLK_FAKE_LOG"
}

@test "validate-all: missing rblk_resource is OCF_ERR_CONFIGURED" {
	unset OCF_RESKEY_rblk_resource
	ra validate-all
	[ "$status" -eq 6 ]
	[[ "$output" == *"rblk_resource is required"* ]]
	# also for every other action, probes included
	OCF_RESKEY_CRM_meta_interval=0 ra monitor
	[ "$status" -eq 6 ]
	ra start
	[ "$status" -eq 6 ]
}

@test "validate-all: malformed rblk_resource or score is OCF_ERR_CONFIGURED" {
	for bad in all 'a b' 'x;rm' ''; do
		OCF_RESKEY_rblk_resource=$bad ra validate-all
		[ "$status" -eq 6 ] || { echo "'$bad' gave $status"; false; }
	done
	OCF_RESKEY_score_uptodate=high ra validate-all
	[ "$status" -eq 6 ]
	[[ "$output" == *"score_uptodate must be a non-negative integer"* ]]
	OCF_RESKEY_promote_wait=-1 ra validate-all
	[ "$status" -eq 6 ]
}

@test "validate-all: resource unknown in this node's config is OCF_ERR_INSTALLED" {
	state resources=other
	ra validate-all
	[ "$status" -eq 5 ]
	[[ "$output" == *"rblk resource 'pg' is not usable on this node: rblkadm: unknown resource 'pg'"* ]]
	# start refuses too, without touching anything
	ra start
	[ "$status" -eq 5 ]
	[ -z "$(changes)" ]
}

@test "validate-all: unreadable config or missing rblkadm is OCF_ERR_INSTALLED" {
	OCF_RESKEY_rblkconf=$T/nonexistent ra validate-all
	[ "$status" -eq 5 ]
	[[ "$output" == *"cannot read the rblk configuration"* ]]
	OCF_TESTER_FAIL_HAVE_BINARY=1 ra validate-all
	[ "$status" -eq 5 ]
	[[ "$output" == *"rblkadm not found"* ]]
}

# ---- monitor ------------------------------------------------------------

@test "monitor: not up is 7, Secondary 0, Primary 8" {
	ra monitor
	[ "$status" -eq 7 ]
	state up=yes role=Secondary
	ra monitor
	[ "$status" -eq 0 ]
	state role=Primary
	ra monitor
	[ "$status" -eq 8 ]
	# probes the same
	OCF_RESKEY_CRM_meta_interval=0 ra monitor
	[ "$status" -eq 8 ]
	[ -z "$(changes)" ]
}

@test "monitor: module not loaded is 7, for probes and recurring monitors" {
	state module=no
	OCF_RESKEY_CRM_meta_interval=0 ra monitor
	[ "$status" -eq 7 ]
	ra monitor
	[ "$status" -eq 7 ]
}

@test "monitor: probe with rblkadm missing is 7, a recurring monitor 5" {
	export OCF_TESTER_FAIL_HAVE_BINARY=1
	OCF_RESKEY_CRM_meta_interval=0 ra monitor
	[ "$status" -eq 7 ]
	ra monitor
	[ "$status" -eq 5 ]
}

@test "monitor: rblkadm cstate failing otherwise is OCF_ERR_GENERIC" {
	state up=yes fail_cstate=1
	ra monitor
	[ "$status" -eq 1 ]
	[[ "$output" == *"rblkadm cstate failed (exit 1): rblkadm: cstate: failing as told"* ]]
}

@test "monitor: reads role, cstate and dstate of its own resource, never the text of status" {
	state up=yes role=Secondary disk=UpToDate conn=Connecting
	ra monitor
	[ "$status" -eq 0 ]
	[ "$(last_score)" = "crm_master -l reboot -v 1000 (p_rblk)" ]
	[ "$(paste -sd, "$RBLK_FAKE_LOG")" = "role pg,cstate pg,dstate pg" ]
	# Not up: Unconfigured from the first, nothing more asked.
	: >"$RBLK_FAKE_LOG"
	state up=no
	ra monitor
	[ "$status" -eq 7 ]
	[ "$(paste -sd, "$RBLK_FAKE_LOG")" = "role pg" ]
}

@test "monitor: a resource this node's configuration lacks is not running (7), with a warning" {
	state resources=other
	ra monitor
	[ "$status" -eq 7 ]
	[[ "$output" == *"pg: not up, and not usable from"*"on this node: rblkadm: unknown resource 'pg'"* ]]
}

@test "monitor: Diskless or Failed Primary still runs (8), with a warning" {
	state up=yes role=Primary disk=Diskless
	ra monitor
	[ "$status" -eq 8 ]
	[[ "$output" == *"local disk is Diskless"* ]]
}

# ---- promotion scores ---------------------------------------------------

# score DISK CONN PEER_DISK PEER(yes|no) EXPECTED(-D or number)
score_case() {
	: >"$RBLK_FAKE_STATE"
	: >"$RBLK_FAKE_CRM_LOG"
	state up=yes role=Secondary "disk=$1" "conn=$2" "peer_disk=$3" "peer=$4"
	run "$AGENT" monitor
	[ "$status" -eq 0 ] || { echo "$*: monitor gave $status: $output"; return 1; }
	local want="crm_master -l reboot -v $5 (p_rblk)"
	[ "$5" = -D ] && want="crm_master -l reboot -D (p_rblk)"
	[ "$(cat "$RBLK_FAKE_CRM_LOG")" = "$want" ] ||
		{ echo "$*: got '$(cat "$RBLK_FAKE_CRM_LOG")', want '$want'"; return 1; }
}

@test "scores: one per local state" {
	score_case UpToDate Connected UpToDate yes 10000
	score_case UpToDate Connected Inconsistent yes 10000
	score_case UpToDate SyncSource Inconsistent yes 10000	# later states
	score_case UpToDate Connecting UpToDate yes 1000	# peer disk unknown
	score_case UpToDate StandAlone UpToDate yes 1000
	score_case UpToDate StandAlone UpToDate no 1000	# no peer configured
	score_case Consistent Connecting UpToDate yes 5
	score_case Consistent StandAlone UpToDate no 5
	score_case Outdated Connected UpToDate yes 1
	score_case Outdated StandAlone UpToDate yes 1
	score_case Inconsistent Connected UpToDate yes -D
	score_case Inconsistent SyncTarget UpToDate yes -D
	score_case Diskless Connected UpToDate yes -D
	score_case Failed Connected UpToDate yes -D
	score_case Attaching Connecting UpToDate yes -D
	score_case SomethingNew Connected UpToDate yes -D
}

@test "scores: Primary keeps its score, a stopped resource has none" {
	state up=yes role=Primary disk=UpToDate conn=Connected
	ra monitor
	[ "$status" -eq 8 ]
	[ "$(last_score)" = "crm_master -l reboot -v 10000 (p_rblk)" ]
	# Its peer away: still the top score (a Secondary has 1000 then).
	state up=yes role=Primary disk=UpToDate conn=Connecting
	ra monitor
	[ "$status" -eq 8 ]
	[ "$(last_score)" = "crm_master -l reboot -v 10000 (p_rblk)" ]
	state up=no
	ra monitor
	[ "$status" -eq 7 ]
	[ "$(last_score)" = "crm_master -l reboot -D (p_rblk)" ]
}

@test "scores: tunable, 0 removes the score" {
	export OCF_RESKEY_score_uptodate_connected=200 OCF_RESKEY_score_uptodate=100 \
		OCF_RESKEY_score_consistent=0 OCF_RESKEY_score_outdated=7
	score_case UpToDate Connected UpToDate yes 200
	score_case UpToDate StandAlone UpToDate yes 100
	score_case Consistent Connecting UpToDate yes -D
	score_case Outdated StandAlone UpToDate yes 7
}

@test "scores: crm_attribute --promotion on Pacemaker >= 2.1, none outside a promotable clone" {
	state up=yes role=Secondary disk=UpToDate conn=Connected
	OCF_RESKEY_crm_feature_set=3.16.2 ra monitor
	[ "$status" -eq 0 ]
	[ "$(last_score)" = "crm_attribute --promotion -l reboot -v 10000 (p_rblk)" ]
	OCF_RESKEY_crm_feature_set=3.2.0 ra monitor
	[ "$(last_score)" = "crm_master -l reboot -v 10000 (p_rblk)" ]
	: >"$RBLK_FAKE_CRM_LOG"
	unset OCF_RESKEY_CRM_meta_promotable
	ra monitor
	[ "$status" -eq 0 ]
	[ ! -s "$RBLK_FAKE_CRM_LOG" ]
}

# ---- promote / demote ---------------------------------------------------

@test "promote: UpToDate Secondary becomes Primary" {
	state up=yes role=Secondary disk=UpToDate
	ra promote
	[ "$status" -eq 0 ]
	[ "$(changes)" = "primary pg" ]
	ra monitor
	[ "$status" -eq 8 ]
	# promoting a Primary does nothing
	: >"$RBLK_FAKE_LOG"
	ra promote
	[ "$status" -eq 0 ]
	[ -z "$(changes)" ]
}

@test "promote: refused without UpToDate data (OCF_ERR_GENERIC, clear reason)" {
	for d in Consistent Outdated Inconsistent Diskless Failed; do
		: >"$RBLK_FAKE_STATE"
		state up=yes role=Secondary "disk=$d" conn=StandAlone
		ra promote
		[ "$status" -eq 1 ] || { echo "$d: $status"; false; }
		[[ "$output" == *"refusing to promote pg: local data is $d, not UpToDate"* ]]
		[[ "$output" == *"rblkadm primary --force pg"* ]]
	done
	[ -z "$(changes)" ]
}

@test "promote: waits promote_wait seconds for a Consistent disk that is negotiating" {
	state up=yes role=Secondary disk=Consistent conn=Connecting
	export OCF_RESKEY_promote_wait=1
	SECONDS=0
	ra promote
	[ "$status" -eq 1 ]
	[ "$SECONDS" -ge 1 ]
	[ "$(grep -c '^dstate pg' "$RBLK_FAKE_LOG")" -ge 2 ]
}

@test "promote: not up is 7; rblkadm primary failing is 1" {
	ra promote
	[ "$status" -eq 7 ]
	state up=yes fail_primary=1
	ra promote
	[ "$status" -eq 1 ]
	[[ "$output" == *"rblkadm primary pg failed"* ]]
}

@test "demote: Primary becomes Secondary; Secondary stays; not up is 7; open device fails" {
	state up=yes role=Primary
	ra demote
	[ "$status" -eq 0 ]
	[ "$(changes)" = "secondary pg" ]
	ra demote
	[ "$status" -eq 0 ]
	[ "$(changes)" = "secondary pg" ]
	state role=Primary open=1
	ra demote
	[ "$status" -eq 1 ]
	state up=no
	ra demote
	[ "$status" -eq 7 ]
}

# ---- start / stop -------------------------------------------------------

@test "start: rblkadm up, then Secondary with a score" {
	ra start
	[ "$status" -eq 0 ]
	[ "$(changes)" = "up pg" ]
	[ "$(last_score)" = "crm_master -l reboot -v 10000 (p_rblk)" ]
	ra monitor
	[ "$status" -eq 0 ]
}

@test "start: loads the module first when needed" {
	state module=no
	ra start
	[ "$status" -eq 0 ]
	[ "$(changes)" = "modprobe rblk,up pg" ]
}

@test "start: modprobe failing is 5, rblkadm up failing is 1" {
	state module=no
	RBLK_FAKE_MODPROBE_FAIL=1 ra start
	[ "$status" -eq 5 ]
	[[ "$output" == *"modprobe rblk' failed"* ]]
	: >"$RBLK_FAKE_STATE"
	state fail_up=1
	ra start
	[ "$status" -eq 1 ]
	[[ "$output" == *"rblkadm up pg failed"* ]]
}

@test "start: already up succeeds without calling up" {
	state up=yes role=Secondary
	ra start
	[ "$status" -eq 0 ]
	[ -z "$(changes)" ]
}

@test "stop: rblkadm down, even from Primary; score removed" {
	state up=yes role=Primary
	ra stop
	[ "$status" -eq 0 ]
	[ "$(changes)" = "down pg" ]
	[ "$(last_score)" = "crm_master -l reboot -D (p_rblk)" ]
	ra monitor
	[ "$status" -eq 7 ]
}

@test "stop: already stopped or module not loaded succeeds without calls" {
	ra stop
	[ "$status" -eq 0 ]
	state module=no
	ra stop
	[ "$status" -eq 0 ]
	[ -z "$(changes)" ]
}

@test "stop: rblkadm missing succeeds when the module is not loaded" {
	[ ! -d /sys/module/rblk ] || skip "rblk is loaded on this machine"
	OCF_TESTER_FAIL_HAVE_BINARY=1 ra stop
	[ "$status" -eq 0 ]
}

@test "stop: a device that stays open fails after stop_retries" {
	state up=yes role=Primary open=1
	OCF_RESKEY_stop_retries=1 ra stop
	[ "$status" -eq 1 ]
	[ "$(changes)" = "down pg,down pg" ]
	[[ "$output" == *"could not take pg down"* ]]
}

# ---- notify / reload ----------------------------------------------------

@test "notify: post-start reconnects a StandAlone device, pre-* does nothing" {
	state up=yes role=Primary conn=StandAlone
	OCF_RESKEY_CRM_meta_notify_type=pre OCF_RESKEY_CRM_meta_notify_operation=start ra notify
	[ "$status" -eq 0 ]
	[ ! -s "$RBLK_FAKE_LOG" ]
	OCF_RESKEY_CRM_meta_notify_type=post OCF_RESKEY_CRM_meta_notify_operation=start ra notify
	[ "$status" -eq 0 ]
	[ "$(changes)" = "connect pg" ]
	[ "$(last_score)" = "crm_master -l reboot -v 10000 (p_rblk)" ]
	# connected now: nothing more
	OCF_RESKEY_CRM_meta_notify_type=post OCF_RESKEY_CRM_meta_notify_operation=promote ra notify
	[ "$(changes)" = "connect pg" ]
}

@test "notify: never fails" {
	state up=yes fail_role=1
	OCF_RESKEY_CRM_meta_notify_type=post OCF_RESKEY_CRM_meta_notify_operation=start ra notify
	[ "$status" -eq 0 ]
	OCF_TESTER_FAIL_HAVE_BINARY=1 ra notify
	[ "$status" -eq 0 ]
}

@test "reload: rblkadm adjust on a running resource, nothing when stopped" {
	ra reload
	[ "$status" -eq 0 ]
	[ -z "$(changes)" ]
	state up=yes
	ra reload
	[ "$status" -eq 0 ]
	[ "$(changes)" = "adjust pg" ]
}

@test "a whole life: start, promote, demote, stop" {
	for a in start promote demote stop; do
		ra "$a"
		[ "$status" -eq 0 ] || { echo "$a: $status $output"; false; }
	done
	[ "$(changes)" = "up pg,primary pg,secondary pg,down pg" ]
}

# ---- ocf-tester ---------------------------------------------------------

@test "ocf-tester passes (probe with rblkadm missing included)" {
	unset OCF_RESKEY_rblk_resource OCF_RESKEY_rblkconf OCF_RESKEY_promote_wait
	run ocf-tester -n p_rblk -o rblk_resource=pg -o rblkconf="$T/rblk.conf" \
		-o promote_wait=0 "$AGENT"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"passed all tests"* ]]
}

# ---- fence-peer ---------------------------------------------------------

fence_setup() {
	cp "$OCF_DIR/cib.xml" "$T/cib.xml"
	export CIB_file=$T/cib.xml
	export RBLK_RESOURCE=pg RBLK_PEER=pg2 RBLK_MINOR=0 RBLK_FENCE_SYSLOG=no
}

constraints() {
	cibadmin -Q -o constraints | grep '<rsc_location' | sed 's/^ *//'
}

@test "fence-peer: adds -INFINITY for the promoted role on the peer (4: outdated), idempotent" {
	fence_setup
	run "$FENCE"
	[ "$status" -eq 4 ] || { echo "$output"; false; }
	[ "$(constraints)" = '<rsc_location id="rblk-fence-pg-pg2" rsc="rblk-pg-clone" role="Promoted" node="pg2" score="-INFINITY"/>' ]
	run "$FENCE" --fence
	[ "$status" -eq 4 ]
	[[ "$output" == *"already fenced"* ]]
	[ "$(constraints | wc -l)" -eq 1 ]
}

@test "fence-peer: --unfence on the fencing node removes it, twice is fine" {
	fence_setup
	run "$FENCE"
	[ "$status" -eq 4 ]
	run "$FENCE" --unfence
	[ "$status" -eq 0 ]
	[ -z "$(constraints)" ]
	run "$FENCE" --unfence
	[ "$status" -eq 0 ]
}

@test "fence-peer: --after-resync-target on the fenced node removes its own" {
	fence_setup
	run "$FENCE"
	[ "$status" -eq 4 ]
	# the fenced node pg2 finished its resync; RBLK_PEER is pg1 there
	RBLK_PEER=pg1 RBLK_NODE=pg1 run "$FENCE" --after-resync-target
	[ "$status" -eq 0 ]
	[ -n "$(constraints)" ]		# pg1's own name: not ours to remove
	RBLK_PEER=pg1 RBLK_NODE=pg2 run "$FENCE" --after-resync-target
	[ "$status" -eq 0 ]
	[ -z "$(constraints)" ]
}

@test "fence-peer: old CIB schema gets role Master" {
	fence_setup
	sed -i 's/validate-with="pacemaker-3.9"/validate-with="pacemaker-3.0"/' "$T/cib.xml"
	run "$FENCE"
	[ "$status" -eq 4 ]
	[[ "$(constraints)" == *'role="Master"'* ]]
}

@test "fence-peer: explicit clone id; unknown resource fails (1); usage (2)" {
	fence_setup
	RBLK_PCMK_RESOURCE=rblk-other-clone run "$FENCE"
	[ "$status" -eq 4 ]
	[[ "$(constraints)" == *'rsc="rblk-other-clone"'* ]]
	RBLK_RESOURCE=nope run "$FENCE"
	[ "$status" -eq 1 ]
	[[ "$output" == *"NOT fenced"* ]]
	RBLK_PEER= run "$FENCE"
	[ "$status" -eq 2 ]
	RBLK_RESOURCE= run "$FENCE"
	[ "$status" -eq 2 ]
	RBLK_PEER='pg2"/><x' run "$FENCE"
	[ "$status" -eq 2 ]
	run "$FENCE" --bogus
	[ "$status" -eq 2 ]
}

@test "fence-peer: refuses (6) to fence the promoted instance" {
	fence_setup
	mkdir -p "$T/bin"
	cat >"$T/bin/crm_resource" <<-'EOF'
	#!/bin/sh
	echo "resource rblk-pg-clone is running on: pg1"
	echo "resource rblk-pg-clone is running on: pg2 Promoted"
	EOF
	chmod +x "$T/bin/crm_resource"
	PATH=$T/bin:$PATH run "$FENCE"
	[ "$status" -eq 6 ]
	[[ "$output" == *"refusing to fence pg2"* ]]
	[ -z "$(constraints)" ]
	RBLK_PEER=pg1 PATH=$T/bin:$PATH run "$FENCE"
	[ "$status" -eq 4 ]
}

@test "fence-peer: no cluster reachable fails (1)" {
	fence_setup
	export CIB_file=$T/missing/cib.xml
	run "$FENCE"
	[ "$status" -eq 1 ]
	run "$FENCE" --unfence
	[ "$status" -eq 1 ]
}
