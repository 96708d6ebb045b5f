using Traktor.Ecs.Net.Transport;

namespace Traktor.Ecs.Net.Replication.Server;

// Which ticks carry a connection's snapshot when ServerReplicationOptions.SnapshotRate is below the tick rate, and
// whether this tick's snapshot carried the prediction layer's input status in its header.
public sealed partial class ServerReplication
{
    /// <summary>
    /// The send phase with the fewest connections, so that below the tick rate each tick serves about the same number of
    /// clients however they came and went.
    /// </summary>
    private int LeastLoadedPhase()
    {
        int interval = options.SnapshotInterval;
        if (interval == 1)
        {
            return 0;
        }

        Span<int> load = interval <= 256 ? stackalloc int[interval] : new int[interval]; // an interval is a configuration, but a huge one must not overflow the stack
        foreach (var other in connectionList)
        {
            load[other.SendPhase % interval]++;
        }

        int best = 0;
        for (int phase = 1; phase < interval; phase++)
        {
            if (load[phase] < load[best])
            {
                best = phase;
            }
        }

        return best;
    }

    /// <summary>
    /// True when this tick's snapshots include one for <paramref name="connection"/> (see
    /// <see cref="ServerReplicationOptions.SnapshotRate"/>), or when it gets no snapshots at all (a host's own player):
    /// plugins that report to a client every tick (the input status) report on these ticks, so the report rides in the
    /// snapshot's packet instead of costing a packet of its own.
    /// </summary>
    /// <param name="connection">A connection.</param>
    public bool SendsSnapshotThisTick(ConnectionId connection) =>
        !connections.TryGetValue(connection, out var state) || IsSendTick(state);

    private bool IsSendTick(ConnectionReplicationState state)
    {
        int interval = options.SnapshotInterval;
        return interval == 1 || state.SendsEveryTick || Tick % (uint)interval == (uint)(state.SendPhase % interval);
    }

    /// <summary>Where the snapshot headers get the input status from (the prediction layer's <c>ServerInputs</c>), or null.</summary>
    internal IInputStatusSource? InputStatus { get; set; }

    /// <summary>True when this tick's snapshot to <paramref name="connection"/> carried the input status (no 0x71 message is needed).</summary>
    /// <param name="connection">A connection.</param>
    internal bool CarriedInputStatus(ConnectionId connection) =>
        connections.TryGetValue(connection, out var state) && state.StatusTick == Tick;
}
