"""The process node: the engine's kubelet, running pods as real OS processes on this machine.

Modules, from the rim inwards:

- ``agent``      ``ProcessNode``: store events in, one ``PodWorker`` per pod; taking over after a crash
- ``pod``        one pod: directory, status writes, termination (drain → preStop → SIGTERM → SIGKILL)
- ``container``  one container: start, postStart, probes, stop, restart policy, in-place image change, hot patch
- ``probes``     readiness / liveness / startup timing and thresholds
- ``lifecycle``  postStart / preStop hooks
- ``actions``    exec / httpGet / tcpSocket / sleep handlers shared by probes and hooks
- ``backoff``    CrashLoopBackOff delays
- ``status``     the pod status as a pure function (phase, conditions, readiness gates)
- ``launch``     argv, environment, working directory and volumes of a container
- ``images``     image reference → what runs (the image rule)
- ``hotpatch``   BCS HotPatchUpdate: the image file and SIGHUP instead of a restart
- ``adoption``   after a crash: which recorded groups to adopt, which to kill (pure)
- ``runtime``    process groups, signals, subreaper, reaping; adopted groups through pidfds
- ``ledger``     recorded process groups and container runs, for the next engine
- ``procfs``     what /proc says about a process: start time, group, environment
- ``addresses``  one loopback IP per pod
- ``logs``       per-container log files, tail and follow
"""
