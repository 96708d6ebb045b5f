using Traktor.Ecs.Net.Transport;

namespace Traktor.Ecs.Net.Replication.Server;

/// <summary>Where the server's snapshots go: the transport in a game, a recorder in tests and benchmarks.</summary>
public interface ISnapshotSink
{
    /// <summary>Sends one snapshot to one connection (unreliably). The span is valid only during the call.</summary>
    /// <param name="connection">The receiver.</param>
    /// <param name="snapshot">The encoded snapshot.</param>
    void Send(ConnectionId connection, ReadOnlySpan<byte> snapshot);
}
