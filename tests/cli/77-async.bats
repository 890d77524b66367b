#!/usr/bin/env bats
# SPDX-License-Identifier: BSD-2-Clause
# --log_async (issue 13): each asyncio task on a track of its own, named after the task.

load helpers

setup() {
	cd "$BATS_TEST_TMPDIR"
}

@test "--log_async puts two concurrent tasks on two tracks named after them, each with its own calls, every interpreter" {
	requires root bpf
	local all first last libs
	all=$(pythons)
	first=${all%% *} last=${all##* }
	for py in $all; do
		# The uprobe path (VIZBPF_EVAL_LIB=, as in attach mode) on the first and last listed
		# only, to keep this file within its time budget (about 45 s).
		libs=fast
		if [ "$py" = "$first" ] || [ "$py" = "$last" ]; then
			libs="fast uprobe"
		fi
		for lib in $libs; do
			rm -f t.json
			if [ $lib = fast ]; then
				"$VIZBPF" -q -o t.json --log_async -- "$py" "$TARGETS/two_tasks.py" >want.txt
			else
				VIZBPF_EVAL_LIB= "$VIZBPF" -q -o t.json --log_async -- "$py" "$TARGETS/two_tasks.py" >want.txt
			fi
			[ "$(wc -l <want.txt)" = 4 ] || { echo "$py: $(cat want.txt)"; return 1; }
			python3 "$TOOLS/asynccheck.py" t.json >got.txt || { echo "$py ($lib): $(cat got.txt)"; return 1; }
			diff want.txt got.txt || { echo "$py ($lib): the task tracks differ from the program"; return 1; }
			python3 "$TOOLS/calltree.py" t.json - - --check-only ||
				{ echo "$py ($lib): invalid nesting"; return 1; }
			# asyncio.run's own task: "Task-<n>", a number the Task formats when asked (3.12+)
			[ "$(jq '[.traceEvents[] | select(.ph == "X" and (.name | startswith("main (") and contains("two_tasks.py")))] | map(.tid) | unique | length' t.json)" = 1 ]
			[ "$(jq -r --argjson tid "$(jq '[.traceEvents[] | select(.ph == "X" and (.name | startswith("main (") and contains("two_tasks.py")))][0].tid' t.json)" '.traceEvents[] | select(.ph == "M" and .name == "thread_name" and .tid == $tid) | .args.name' t.json)" = Task-1 ] ||
				{ echo "$py ($lib): main's track is not Task-1"; return 1; }
			[ "$(meta t.json async_tasks)" -ge 3 ]
		done
		echo "# $py: alpha-task and beta-task on their own tracks, counts equal the program's" >&3
	done
	# Without the option: no task tracks, the same calls on the main thread.
	"$VIZBPF" -q -o n.json -- "$py" "$TARGETS/two_tasks.py" >/dev/null
	[ "$(jq '[.traceEvents[] | select(.tid >= 1073741824)] | length' n.json)" = 0 ]
	[ "$(jq '.viztracer_metadata.async_tasks' n.json)" = null ]
	[ "$(jq '[.traceEvents[] | select(.ph == "X" and (.name | startswith("beta_work ")) and .tid == .pid)] | length' n.json)" = 10 ]
}

@test "--log_async in attach mode: the tasks running when vizbpf attaches get their tracks and names" {
	requires root bpf
	py=$(pythons | awk '{print $NF}')
	"$py" "$TARGETS/tasks_forever.py" >ready.out 3>&- &
	ppid=$!
	wait_for_line ready.out ready
	run "$VIZBPF" -q -o at.json --log_async -p $ppid --duration 3
	kill $ppid
	[ "$status" = 0 ]
	python3 "$TOOLS/calltree.py" at.json - - --check-only
	# track name -> slices of each work function: every ping_work on pinger, pong_work on ponger
	jq -r '(.traceEvents | map(select(.ph == "M" and .name == "thread_name")) |
		map({key: "\(.tid)", value: .args.name}) | from_entries) as $n |
		.traceEvents[] | select(.ph == "X") | (.name | split(" ")[0]) as $f |
		select($f == "ping_work" or $f == "pong_work") | "\($n["\(.tid)"]) \($f)"' at.json |
		sort | uniq -c >tracks.txt
	cat tracks.txt
	[ "$(wc -l <tracks.txt)" = 2 ]
	# (how many calls an attach window holds varies a lot on a loaded machine, with or
	# without --log_async: held processes are cut out of it)
	[ "$(awk '$2 == "pinger" && $3 == "ping_work"' tracks.txt)" ]
	[ "$(awk '$2 == "ponger" && $3 == "pong_work"' tracks.txt)" ]
}
