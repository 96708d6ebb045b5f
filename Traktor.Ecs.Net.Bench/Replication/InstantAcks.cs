using System.Buffers.Binary;
using Traktor.Ecs.Net.Replication.Server;
using Traktor.Ecs.Net.Transport;

namespace Traktor.Ecs.Net.Bench.Replication;

/// <summary>
/// Acknowledges the server's newest snapshot (and the 64 before it) for every connection at once:
/// the steady state of a healthy link, without a transport in the measurement.
/// </summary>
public sealed class InstantAcks
{
    private readonly byte[] ack = new byte[13];

    /// <summary>Feeds the acknowledgements to <paramref name="server"/>.</summary>
    /// <param name="server">The server replication.</param>
    /// <param name="connections">Every connection.</param>
    public void AcknowledgeAll(ServerReplication server, ReadOnlySpan<ConnectionId> connections)
    {
        ack[0] = 0x52;
        BinaryPrimitives.WriteUInt32LittleEndian(ack.AsSpan(1), server.Tick);
        BinaryPrimitives.WriteUInt64LittleEndian(ack.AsSpan(5), ulong.MaxValue);
        foreach (var connection in connections)
        {
            server.ReceiveAck(connection, ack);
        }
    }
}
