namespace Traktor.Ecs.Net.Replication.Server;

/// <summary>
/// The prediction layer's report to a client, which the replication layer writes into that client's snapshot header
/// (docs/PROTOCOL.md §10.4) so it costs one byte instead of a message of its own. Netcode for Entities puts
/// its command-age report in the snapshot header the same way.
/// </summary>
internal interface IInputStatusSource
{
    /// <summary>
    /// How many ticks of <paramref name="connection"/>'s input the server holds beyond the tick it simulates next
    /// (clamped to ±127), or false when it has none yet (the status is then not written).
    /// </summary>
    bool TryGetInputStatus(ConnectionId connection, out sbyte buffered);
}
