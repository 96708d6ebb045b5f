#!/bin/sh
# Head-of-line blocking, measured with the kernel's own TCP (docs/TRANSPORT.md "Head-of-line blocking").
# Runs the Bench's head-of-line report twice in a fresh network namespace (its own loopback, nothing else
# reachable): once as it is, once with iptables dropping LOSS of the packets leaving loopback (each packet,
# data or ACK, either direction, independently: iptables' statistic match). Needs root (or CAP_NET_ADMIN in a
# user namespace), unshare and iptables (apt-get install iptables).
# Usage: tools/measure-head-of-line.sh [seconds per transport, default 60] [loss, default 0.02]
set -eu
seconds=${1:-60}
loss=${2:-0.02}
root=$(cd "$(dirname "$0")/.." && pwd)
dotnet build -c Release "$root/Traktor.Ecs.Net.Bench" -v q -nologo | grep -E "error|warning" && exit 1
bench=$(ls "$root"/Traktor.Ecs.Net.Bench/bin/Release/net*/Traktor.Ecs.Net.Bench.dll | head -1)
echo "## no added loss"
unshare -n sh -c "ip link set lo up && dotnet '$bench' head-of-line $seconds"
echo "## $loss of packets dropped on loopback"
unshare -n sh -c "ip link set lo up && iptables -A OUTPUT -o lo -m statistic --mode random --probability $loss -j DROP && dotnet '$bench' head-of-line $seconds && iptables -L OUTPUT -v -n -x"
