using System.Diagnostics.Metrics;
using System.Numerics;
using Traktor.Ecs.Net.Diagnostics;
using Traktor.Ecs.Net.Replication.Client;
using Traktor.Ecs.Net.Replication.Server;
using Traktor.Ecs.Net.Transport;

namespace Traktor.Ecs.Net.Tests.Replication;

/// <summary>Replication reports through System.Diagnostics.Metrics on the assembly's meter.</summary>
public class ReplicationMetricsTests
{
    [Fact]
    public void SnapshotsAndRecordsAreMeasuredOnTheAssemblysMeter()
    {
        long snapshots = 0, bytes = 0, applied = 0;
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == NetMetrics.MeterName && instrument.Name.StartsWith("traktor.replication", StringComparison.Ordinal))
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, _, _) =>
        {
            if (instrument == ReplicationMetrics.SnapshotsSent) Interlocked.Add(ref snapshots, value);
            if (instrument == ReplicationMetrics.SnapshotBytes) Interlocked.Add(ref bytes, value);
            if (instrument == ReplicationMetrics.SnapshotsApplied) Interlocked.Add(ref applied, value);
        });
        listener.Start();

        using var serverWorld = World.Create();
        using var clientWorld = World.Create();
        var server = new ServerReplication(serverWorld, ReplicationWorld.Registry);
        var client = new ClientReplication(clientWorld, ReplicationWorld.Registry);
        server.AddConnection(new ConnectionId(1, 1));
        serverWorld.Create(new Position2 { Value = new Vector2(1, 2) });
        var sink = new ClientSink(client);
        for (int i = 0; i < 3; i++)
        {
            server.Update(sink);
        }

        Assert.True(Interlocked.Read(ref snapshots) >= 1, $"{snapshots} snapshots measured");
        Assert.True(Interlocked.Read(ref bytes) >= 6, $"{bytes} bytes measured");
        Assert.True(Interlocked.Read(ref applied) >= 1, $"{applied} applied measured");
    }

    private sealed class ClientSink(ClientReplication client) : ISnapshotSink
    {
        public void Send(ConnectionId connection, ReadOnlySpan<byte> snapshot) => client.ReceiveSnapshot(snapshot, 0, 0);
    }
}
